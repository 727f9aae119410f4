import sys

from kzcn import procs

# The build reads notebooks with nbformat in this process too (see procs.UNUSED_BY_NBFORMAT).
for name in procs.UNUSED_BY_NBFORMAT:
    sys.modules.setdefault(name, None)

from kzcn.cli import main  # noqa: E402 - after the lines above

raise SystemExit(main())
