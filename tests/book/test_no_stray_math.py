"""Dollar signs in prose must stay dollar signs.

The book turns on MyST's dollar math for the index formulas, so an unescaped
pair of "US$" in a sentence renders the words between them as a formula.  Prose
written by notebooks goes through ``kzcn.figures.prose``, which escapes them.
"""

from __future__ import annotations

import re

import pytest

from kzcn.figures import prose

MATH = re.compile(r'<span class="math notranslate nohighlight">(.*?)</span>', re.S)
WORDS = re.compile(r"\b(billion|million|thousand|trade|exports|imports)\b", re.I)


def test_prose_escapes_every_unescaped_dollar():
    assert prose("from US$15.4 billion to US$ 21.43 billion").data == (
        r"from US\$15.4 billion to US\$ 21.43 billion"
    )
    assert prose(r"already \$ escaped").data == r"already \$ escaped"


@pytest.mark.integration
def test_no_sentence_of_the_built_book_is_rendered_as_math(built_site):
    offenders = []
    for page in sorted(built_site.rglob("*.html")):
        for formula in MATH.findall(page.read_text(encoding="utf-8")):
            if WORDS.search(formula):
                offenders.append(f"{page.relative_to(built_site)}: {formula[:80]!r}")
    assert not offenders, "prose rendered as math:\n" + "\n".join(offenders)
