"""The icon script kept between builds is the one cutting the theme's bundle gives."""

from __future__ import annotations

from pathlib import Path

import pydata_sphinx_theme
import pytest

from kzcn import sphinxext

BUNDLE = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme" / "static" / "scripts"


def cut_again(*args):
    raise AssertionError("the bundle was cut again although its script was kept")


def test_the_kept_script_is_the_cut_one_and_other_icons_cut_again(tmp_path, monkeypatch):
    bundle = (BUNDLE / "fontawesome.js").read_text(encoding="utf-8")
    used = {"bars", "github", "magnifying-glass"}
    expected = sphinxext.icon_script(bundle, used)
    assert sphinxext.icon_script_kept(bundle, used, tmp_path) == expected

    monkeypatch.setattr(sphinxext, "icon_script", cut_again)
    assert sphinxext.icon_script_kept(bundle, set(used), tmp_path) == expected
    with pytest.raises(AssertionError, match="cut again"):
        sphinxext.icon_script_kept(bundle, used - {"github"}, tmp_path)
    with pytest.raises(AssertionError, match="cut again"):
        sphinxext.icon_script_kept(bundle + "\n", used, tmp_path)
