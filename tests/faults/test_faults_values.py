"""Every bad value a user can give is refused before anything is touched, in the one format.

The format (kzcn.errors): ``BUILD FAILED: <what>``, ``likely cause: <cause>``,
``what to do: ...``, ``The last good site was left untouched: ...``, and no
traceback unless ``--debug``.
"""

from __future__ import annotations

import json

import nbformat
import pytest
import yaml
from conftest import GDP, GROWTH

from kzcn import config, measures


def assert_one_message(capsys, fp, rc: int, cause: str, *named: str) -> str:
    captured = capsys.readouterr()
    err = captured.err
    assert rc != 0, captured.out[-2000:]
    assert "BUILD FAILED: " in err, err
    assert f"likely cause: {cause}\n" in err, err
    assert "what to do:   " in err, err
    assert "The last good site was left untouched" in err, err
    assert "Traceback" not in err + captured.out, err
    missing = [name for name in named if name not in err]
    assert not missing, f"{missing} not named in:\n{err}"
    return err


@pytest.fixture
def untouched(fp):
    """The site, the caches and everything around the build folder are the same afterwards."""

    def listing():
        return sorted(p.relative_to(fp.root).as_posix() for p in fp.root.rglob("*"))

    before_site, before_files = fp.snapshot(), listing()
    yield
    assert fp.snapshot() == before_site
    assert listing() == before_files


@pytest.mark.parametrize("value", ["XXX", "CHN", "../../victim", "/", "kaz/../..", ""])
def test_bad_country_is_refused_with_the_supported_list(fp, capsys, untouched, value):
    victim = fp.root / "victim" / "run"
    victim.mkdir(parents=True)
    (victim / "precious.txt").write_text("keep me", encoding="utf-8")
    rc = fp.build("--country", value)
    err = assert_one_message(capsys, fp, rc, "invalid option", *measures.C5)
    assert repr(value) in err
    assert (victim / "precious.txt").read_text(encoding="utf-8") == "keep me"
    assert not (fp.out / "variants").exists()
    (victim / "precious.txt").unlink()
    victim.rmdir()
    victim.parent.rmdir()


def test_country_is_upper_cased(fp, capsys):
    from kzcn import pipeline

    args = pipeline.parse_args(fp.args("--country", "uzb"))
    assert pipeline.check_options(args)["country"] == "UZB"


@pytest.mark.parametrize("value", ["XXX", "KAZ", "../x"])
def test_bad_partner_is_refused(fp, capsys, untouched, value):
    rc = fp.build("--partner", value)
    assert_one_message(capsys, fp, rc, "invalid option", "--partner")


@pytest.mark.parametrize(
    "args",
    [["--start-year", "2015", "--end-year", "2000"], ["--start-year", "20"], ["--jobs", "abc"]],
)
def test_bad_years_and_jobs(fp, capsys, untouched, args):
    with pytest.raises(SystemExit) if "abc" in args else _nothing():
        rc = fp.build(*args)
    if "abc" in args:
        err = capsys.readouterr().err
        assert "BUILD FAILED" in err and "likely cause: invalid option" in err
        return
    assert_one_message(capsys, fp, rc, "invalid option")


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_only_outside_the_book_is_refused(fp, capsys, untouched, tmp_path):
    rc = fp.build("--only", "/etc/passwd")
    assert_one_message(capsys, fp, rc, "invalid option", "/etc/passwd", "not a notebook inside the book")
    rc = fp.build("--only", "../outside.ipynb")
    assert_one_message(capsys, fp, rc, "invalid option", "../outside")


def test_only_accepts_absolute_and_relative_paths_inside_the_book(fp, capsys, monkeypatch):
    absolute = fp.source / "notebooks" / "plain.ipynb"
    assert fp.build("--only", str(absolute)) == 0
    monkeypatch.chdir(fp.source / "notebooks")
    assert fp.build("--only", "plain.ipynb") == 0
    monkeypatch.chdir(fp.root)
    assert fp.build("--only", "book/notebooks/gdp.ipynb") == 0
    assert fp.build("--only", "notebooks/growth") == 0


def test_out_that_is_not_a_build_folder_is_refused(fp, capsys, tmp_path):
    home = tmp_path / "home"
    (home / "run").mkdir(parents=True)
    (home / "notes.txt").write_text("mine", encoding="utf-8")
    (home / "run" / "keep.txt").write_text("mine too", encoding="utf-8")
    rc = fp.build("--out", str(home))
    err = capsys.readouterr().err
    assert rc == 1 and "likely cause: invalid option" in err and "notes.txt" in err, err
    assert (home / "run" / "keep.txt").read_text(encoding="utf-8") == "mine too"
    assert sorted(p.name for p in home.iterdir()) == ["notes.txt", "run"]


# ------------------------------------------------------------------- manifest


def edit_manifest(fp, change) -> None:
    document = yaml.safe_load(fp.manifest_path.read_text(encoding="utf-8"))
    change(document)
    fp.manifest_path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda d: d["sources"][GDP].update(size="lots"), [GDP, "size", "'lots'"]),
        (lambda d: d["sources"].update({GDP: 42}), [GDP, "42"]),
        (lambda d: d["sources"][GROWTH].pop("url"), [GROWTH, "missing url"]),
        (
            lambda d: d["sources"][GDP].update(
                url="https://raw.githubusercontent.com/o/r/c/%2e%2e/%2e%2e/%2e%2e/etc/x"
            ),
            [GDP, "'..'", "raw cache"],
        ),
        (lambda d: d["sources"].update({"../evil": d["sources"][GDP]}), ["../evil", "id"]),
    ],
    ids=["size-lots", "scalar-entry", "missing-url", "path-escape", "id-escape"],
)
def test_malformed_manifest_names_the_entry(fp, capsys, untouched, change, named):
    edit_manifest(fp, change)
    rc = fp.build()
    assert_one_message(capsys, fp, rc, "manifest", str(fp.manifest_path), *named)


def test_manifest_that_is_not_yaml(fp, capsys, untouched):
    fp.manifest_path.write_text("sources: [unclosed\n", encoding="utf-8")
    rc = fp.build()
    assert_one_message(capsys, fp, rc, "manifest", str(fp.manifest_path), "line", "not valid YAML")


def test_notebook_that_is_not_json_is_named(fp, capsys, untouched):
    path = fp.source / "notebooks" / "growth.ipynb"
    path.write_text(path.read_text(encoding="utf-8")[:200], encoding="utf-8")
    rc = fp.build()
    assert_one_message(capsys, fp, rc, "notebook file", "notebooks/growth.ipynb")


def test_no_traceback_unless_debug(fp, capsys):
    path = fp.source / "notebooks" / "growth.ipynb"
    path.write_text("{not json", encoding="utf-8")
    assert fp.build() == 1
    assert "Traceback" not in capsys.readouterr().err
    assert fp.build("--debug") == 1
    err = capsys.readouterr().err
    assert "traceback (--debug):" in err and "Traceback (most recent call last)" in err


def test_data_cli_uses_the_same_format(fp, capsys):
    from kzcn import datacli

    edit_manifest(fp, lambda d: d["sources"][GDP].update(size="lots"))
    assert datacli.main(["fetch"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("DATA FAILED: ") and "likely cause: manifest" in err and GDP in err
    assert "Traceback" not in err


def test_papermill_parameters_are_checked_values(fp):
    """What reaches the notebooks is the checked, upper-cased value (parameters.json of a run)."""
    from kzcn import pipeline

    requested = pipeline.check_options(pipeline.parse_args(fp.args("--country", "kgz", "--partner", "chn")))
    assert requested["country"] == "KGZ" and requested["partner"] == "CHN"
    assert json.loads(pipeline.canonical_json(requested))["country"] == "KGZ"
    assert config.check_country("tjk") == "TJK"
    # the notebooks of the fixture book are untouched by option checks
    assert nbformat.read(fp.source / "notebooks" / "gdp.ipynb", as_version=4).cells
