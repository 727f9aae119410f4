"""kzcn: the logic behind the China-Kazakhstan thesis companion.

Notebooks stay thin: every computation they show lives in this package, so a
reader can trace a figure to a notebook cell, then to a function here, then to
an entry of ``data/sources.yml``.
"""

__version__ = "0.1.0"
