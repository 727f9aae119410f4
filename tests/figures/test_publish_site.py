"""publish.finalize on a real (tiny) Jupyter Book build.

A two-page book whose notebook publishes one figure and one table is executed
with papermill and rendered with jupyter-book exactly as the pipeline does
(stage folder, ``execute_notebooks: off``), then finalized twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from kzcn import config, figures, publish

pytestmark = pytest.mark.integration

PLOTTED = {"year": [2000, 2001, 2002], "exports_musd": [1.5, 2.25, 3.0]}

NOTEBOOK_CODE = f"""
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from kzcn import figures
plotted = pd.DataFrame({PLOTTED!r})
fig, ax = plt.subplots()
ax.plot(plotted["year"], plotted["exports_musd"])
figures.publish_figure(fig, fig_id="fig-1-1", title="Exports to China", alt="A rising line",
    source="Test source", data=plotted, units="US$ million", inputs=["test_source"])
figures.publish_table(plotted.set_index("year"), table_id="tbl-1-1", title="Exports by year",
    source="Test source", units="US$ million", inputs=["test_source"])
"""

CONFIG = """
title: Tiny book
execute:
  execute_notebooks: "off"
parse:
  myst_enable_extensions: [colon_fence]
sphinx:
  config:
    nb_render_markdown_format: myst
    nb_mime_priority_overrides: [["*", "text/markdown", 1]]
    numfig: true
    numfig_secnum_depth: 1
"""

#: The site URL the tiny book is built for: every citation URL must start with it.
SITE_URL = "https://example.org/kzcn/"

TOC = """
format: jb-book
root: intro
defaults:
  numbered: true
chapters:
- file: notebooks/ch1
"""


def _build(stage: Path, build_date: str) -> Path:
    """Execute the notebook into the stage, render it, finalize; returns the html folder."""
    notebooks = stage / "notebooks"
    notebooks.mkdir(parents=True, exist_ok=True)
    (stage / "_config.yml").write_text(CONFIG)
    (stage / "_toc.yml").write_text(TOC)
    (stage / "intro.md").write_text("# Intro\n\nSee {numref}`fig-1-1`.\n")
    source = nbformat.v4.new_notebook()
    source.cells = [
        nbformat.v4.new_markdown_cell("# Chapter one"),
        nbformat.v4.new_code_cell("country = 'KAZ'", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(NOTEBOOK_CODE),
    ]
    source.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(source, stage / "source.ipynb")
    env = dict(
        os.environ,
        KZCN_FIGURES_DIR=str(stage / "figures"),
        KZCN_NOTEBOOK="notebooks/ch1.ipynb",
        KZCN_BUILD_DATE=build_date,
        KZCN_SITE_URL=SITE_URL,
        PYTHONPATH=str(config.ROOT),
        MPLBACKEND="Agg",
    )
    bin_dir = Path(sys.executable).parent
    subprocess.run(
        [str(bin_dir / "papermill"), "--no-progress-bar", str(stage / "source.ipynb"), "ch1.ipynb"],
        cwd=notebooks,
        env=env,
        check=True,
        capture_output=True,
    )
    (stage / "source.ipynb").unlink()
    subprocess.run(
        [str(bin_dir / "jupyter-book"), "build", str(stage), "--path-output", str(stage)],
        env=env,
        check=True,
        capture_output=True,
    )
    html = stage / "_build" / "html"
    return html


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory):
    results = []
    for build_date in ("2026-01-01T00:00:00Z", "2026-02-02T00:00:00Z"):
        stage = tmp_path_factory.mktemp("stage")
        html = _build(stage, build_date)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("KZCN_SITE_URL", SITE_URL)
            patch.setenv("KZCN_BUILD_DATE", build_date)
            patch.setattr(
                publish, "claims_document", lambda info: {"claims": [], "build_date": info["build_date"]}
            )
            publish.finalize(stage, html, {"build_date": build_date, "git_commit": "abc"})
        results.append((stage, html))
    return results


def _index(html: Path) -> dict:
    return json.loads((html / "figures.json").read_text())


def test_every_indexed_object_has_its_files(two_builds):
    _, html = two_builds[0]
    index = _index(html)
    assert sorted(item["id"] for item in index["objects"]) == ["fig-1-1", "tbl-1-1"]
    for item in index["objects"]:
        for name, digest in item["files"].items():
            assert hashlib.sha256((html / "figures" / name).read_bytes()).hexdigest() == digest
    figure = next(item for item in index["objects"] if item["id"] == "fig-1-1")
    assert set(figure["files"]) == {"fig-1-1.svg", "fig-1-1.png", "fig-1-1.csv"}


def test_every_anchor_resolves_in_the_built_html(two_builds):
    _, html = two_builds[0]
    for item in _index(html)["objects"]:
        page, anchor = item["url"].removeprefix(SITE_URL).split("#")
        assert page == item["page"]
        soup = BeautifulSoup((html / page).read_text(), "html.parser")
        assert soup.find(id=anchor) is not None, item["url"]


def test_csv_equals_the_plotted_data(two_builds):
    _, html = two_builds[0]
    back = figures.read_published_csv(html / "figures" / "fig-1-1.csv")
    pd.testing.assert_frame_equal(back, pd.DataFrame(PLOTTED))
    meta = json.loads((html / "figures" / "fig-1-1.json").read_text())
    assert figures.frame_fingerprint(back) == meta["data_fingerprint"]


def test_numbers_are_read_and_filled_into_the_bibtex(two_builds):
    _, html = two_builds[0]
    numbers = {item["id"]: item["number"] for item in _index(html)["objects"]}
    assert numbers == {"fig-1-1": "1.1", "tbl-1-1": "1.1"}
    page = (html / "notebooks" / "ch1.html").read_text()
    assert "[[number:" not in page
    assert "title = {Figure 1.1: Exports to China}" in page


def test_download_links_point_at_published_files(two_builds):
    _, html = two_builds[0]
    page = html / "notebooks" / "ch1.html"
    soup = BeautifulSoup(page.read_text(), "html.parser")
    links = [a["href"] for a in soup.select("p.kzcn-downloads a")]
    assert len(links) == 5  # SVG, PNG, CSV, JSON of the figure; CSV of the table
    for href in links:
        assert (page.parent / href).resolve().is_file(), href


def test_ids_numbers_and_files_stable_across_builds(two_builds):
    (_, first), (_, second) = two_builds
    one, two = _index(first), _index(second)
    assert one["build_date"] != two["build_date"]
    one.pop("build_date"), two.pop("build_date")
    assert one == two


def test_favicon_at_site_root(two_builds):
    _, html = two_builds[0]
    assert (html / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # ICO magic


# ------------------------------------------------- reuse: CSV, data package, citations


def test_every_csv_loads_with_plain_pandas_and_validates_against_the_datapackage(two_builds):
    from frictionless import Package

    _, html = two_builds[0]
    package_path = html / "datapackage.json"
    descriptor = json.loads(package_path.read_text())
    names = sorted(path.name for path in (html / "figures").glob("*.csv"))
    assert sorted(Path(resource["path"]).name for resource in descriptor["resources"]) == names
    for name in names:
        frame = pd.read_csv(html / "figures" / name)  # no options: the file is plain CSV
        assert not frame.empty and not any(str(c).startswith("#") for c in frame.columns), name
    report = Package(str(package_path)).validate()
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    figure = next(r for r in descriptor["resources"] if r["name"] == "fig-1-1")
    fields = {field["name"]: field for field in figure["schema"]["fields"]}
    assert fields["year"]["type"] == "integer" and fields["exports_musd"]["type"] == "number"
    assert fields["exports_musd"]["unit"] == "US$ million"


def _site_urls(html: Path) -> list[tuple[str, str]]:
    """Every URL a citation of the site states, with where it was found."""
    import re

    import yaml

    found = []
    for page in sorted(html.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(), "html.parser")
        for box in soup.select(".kzcn-cite"):
            for code in box.find_all("pre"):
                found += [(page.name, url) for url in re.findall(r"url = \{([^}]*)\}", code.get_text())]
            found += [(page.name, a["href"]) for a in box.find_all("a") if a["href"].startswith("http")]
    for path in sorted((html / "cite").iterdir()):
        text = path.read_text()
        found += [(path.name, url) for url in re.findall(r"(?:url = \{|UR  - |\"URL\": \")([^}\"\n]+)", text)]
    index = _index(html)
    found += [("figures.json", item["url"]) for item in index["objects"]] + [
        ("figures.json", index["book"]["url"])
    ]
    found.append(("CITATION.cff", yaml.safe_load((html / "CITATION.cff").read_text())["url"]))
    return found


def test_every_citation_url_is_absolute_under_the_site_url(two_builds):
    _, html = two_builds[0]
    urls = _site_urls(html)
    assert len(urls) > 10
    wrong = [(where, url) for where, url in urls if not url.startswith(SITE_URL)]
    assert not wrong, wrong


def test_citation_files_parse_and_name_the_corporate_author(two_builds):
    from pybtex.database import parse_string

    _, html = two_builds[0]
    cff = figures.cite.metadata()["authors"][0].name
    for path in sorted((html / "cite").glob("*.bib")):
        (entry,) = parse_string(path.read_text(), "bibtex").entries.values()
        (author,) = entry.persons["author"]
        assert author.first_names == [] and author.last_names == ["{" + cff + "}"], path.name
    for path in sorted((html / "cite").glob("*.csl.json")):
        (item,) = json.loads(path.read_text())
        assert item["author"] == [{"literal": cff}] and item["URL"].startswith(SITE_URL)
    for path in sorted((html / "cite").glob("*.ris")):
        lines = path.read_text().splitlines()
        assert lines[0].startswith("TY  - ") and lines[-1].startswith("ER  -")
        assert f"AU  - {cff}" in lines
    figure = (html / "cite" / "fig-1-1.bib").read_text()
    assert "Figure 1.1: Exports to China" in figure
