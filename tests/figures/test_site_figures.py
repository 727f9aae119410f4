"""The published book: every figure and table is citable, downloadable and traceable.

Runs on the whole book built once per session (``built_site`` in tests/conftest.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from kzcn import figures, ledger, publish

pytestmark = pytest.mark.integration

#: The thesis's own tables and figure keep the thesis's numbers (ARCHITECTURE.md).
THESIS_NUMBERS = {"tbl-1-1": "1.1", "tbl-1-2": "1.2", "fig-3-1": "3.1", "tbl-3-1": "3.1"}


@pytest.fixture(scope="module")
def index(built_site) -> dict:
    return json.loads((built_site / "figures.json").read_text(encoding="utf-8"))


def test_index_lists_every_published_object(built_site, index):
    ids = [item["id"] for item in index["objects"]]
    assert ids == sorted(ids), "figures.json is ordered by id"
    on_disk = {path.stem for path in (built_site / "figures").glob("*.json")}
    assert set(ids) == on_disk
    # the audit page: its summary chart and one listing per thesis chapter (each makes claims)
    assert {"fig-audit-summary", "tbl-audit-ch1", "tbl-audit-ch2", "tbl-audit-ch3"} <= set(ids)


def test_every_object_has_its_files_with_the_listed_checksums(built_site, index):
    for item in index["objects"]:
        expected = {"svg", "png", "csv"} if item["kind"] == "figure" else {"csv"}
        assert {Path(name).suffix[1:] for name in item["files"]} == expected, item["id"]
        for name, digest in item["files"].items():
            assert hashlib.sha256((built_site / "figures" / name).read_bytes()).hexdigest() == digest, name
        for source in item["inputs"]:
            assert source["sha256"] and len(source["sha256"]) == 64, (item["id"], source)


def test_every_anchor_resolves_in_the_built_html(built_site, index):
    pages: dict[str, BeautifulSoup] = {}
    for item in index["objects"]:
        page, anchor = item["page"], item["url"].rsplit("#", 1)[1]
        assert item["url"].endswith(f"/{page}#{anchor}"), (item["url"], page)
        if page not in pages:
            pages[page] = BeautifulSoup((built_site / page).read_text(encoding="utf-8"), "html.parser")
        target = pages[page].find(id=anchor)
        assert target is not None and target.name in {"figure", "table"}, item["url"]


def test_every_csv_holds_what_the_notebook_computed(built_site, index):
    for item in index["objects"]:
        meta = json.loads((built_site / "figures" / item["metadata_file"]).read_text(encoding="utf-8"))
        back = figures.read_published_csv(built_site / "figures" / f"{item['id']}.csv", meta["dtypes"])
        assert figures.frame_fingerprint(back) == meta["data_fingerprint"], item["id"]
        header = figures.read_csv_header(built_site / "figures" / f"{item['id']}.csv")
        assert header["units"] and header["source"], item["id"]


def test_thesis_tables_and_figure_keep_their_numbers(index):
    numbers = {item["id"]: item["number"] for item in index["objects"]}
    for object_id, number in THESIS_NUMBERS.items():
        assert numbers.get(object_id) == number, object_id


def test_cite_boxes_carry_the_rendered_numbers(built_site, index):
    for page in sorted({item["page"] for item in index["objects"]}):
        text = (built_site / page).read_text(encoding="utf-8")
        assert "[[number:" not in text, page
    for item in index["objects"]:
        if item["number"]:
            label = "Figure" if item["kind"] == "figure" else "Table"
            page = (built_site / item["page"]).read_text(encoding="utf-8")
            assert f"title = {{{label} {item['number']}: " in page, item["id"]


def test_download_links_under_objects_resolve(built_site, index):
    for page in sorted({item["page"] for item in index["objects"]}):
        path = built_site / page
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        for link in soup.select("p.kzcn-downloads a"):
            assert (path.parent / link["href"]).resolve().is_file(), (page, link["href"])


def test_claims_json_covers_every_ledger_row(built_site):
    document = json.loads((built_site / "claims.json").read_text(encoding="utf-8"))
    rows = {row["row_id"] for row in document["rows"]}
    claims = set(ledger.load_claims()["claim_id"])
    cells = {cell for table in ledger.TABLE_IDS for cell in ledger.load_table(table)["cell_id"]}
    assert rows == claims | cells
    assert sum(document["summary"]["status"].values()) == len(rows)
    assert "build_date" in document


def test_audit_rows_link_to_pages_that_exist(built_site):
    document = json.loads((built_site / "claims.json").read_text(encoding="utf-8"))
    for row in document["rows"]:
        if row["page"]:
            page, _, anchor = row["page"].partition("#")
            path = built_site / page
            assert path.is_file(), row["row_id"]
            if anchor:
                assert f'id="{anchor}"' in path.read_text(encoding="utf-8"), row["page"]


def test_favicon_and_version_are_published(built_site):
    import kzcn

    assert (built_site / "favicon.ico").is_file()
    assert f"version {kzcn.__version__}" in (built_site / "book" / "index.html").read_text(encoding="utf-8")


def test_ids_and_numbers_stable_when_the_same_stage_is_rendered_again(built_site, index, tmp_path):
    """Render the executed stage a second time from scratch: same ids, numbers, pages, files."""
    stage = built_site.parent / "stage"
    assert stage.is_dir(), f"no stage folder beside {built_site}"
    copy = tmp_path / "stage"
    shutil.copytree(stage, copy, ignore=shutil.ignore_patterns("_build"))
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    subprocess.run(
        [str(jupyter_book), "build", str(copy), "--path-output", str(tmp_path / "render")],
        check=True,
        capture_output=True,
    )
    html = tmp_path / "render" / "_build" / "html"
    publish.finalize(copy, html, {"build_date": "2000-01-01T00:00:00Z", "git_commit": index["git_commit"]})
    again = json.loads((html / "figures.json").read_text(encoding="utf-8"))

    def stable(document: dict) -> list:
        return [
            (item["id"], item["number"], item["page"], item["title"], item["files"])
            for item in document["objects"]
        ]

    assert stable(again) == stable(index)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT.*", index["build_date"])


# --------------------------------------------------- every published chart, as drawn
# Each figure's SVG is opened in headless chromium and measured from what the
# browser drew: the boxes of the tick-label texts and the extent of every clipped
# mark against its axes.  Generic over figures.json: every figure, today's and later.

#: matplotlib writes each axes' marks with a clip path that is the axes box.
FIGURE_PROBE = """() => {
  const svg = document.querySelector('svg');
  const problems = [];
  const boxOf = el => el.getBoundingClientRect();
  const overlaps = (a, b, tol) =>
    Math.min(a.right, b.right) - Math.max(a.left, b.left) > tol &&
    Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > tol;
  // tick labels of each axis: texts inside xtick_/ytick_ groups of one axis group
  for (const axis of svg.querySelectorAll('g[id^="matplotlib.axis_"]')) {
    const labels = [...axis.querySelectorAll(':scope > g[id^="xtick_"] text, :scope > g[id^="ytick_"] text')]
      .filter(t => t.textContent.trim());
    const boxes = labels.map(boxOf);
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        if (overlaps(boxes[i], boxes[j], 0.5)) {
          problems.push(`tick labels overlap: "${labels[i].textContent}" / "${labels[j].textContent}"`);
        }
      }
    }
    for (const label of labels) {
      const text = label.textContent.trim().replace('\\u2212', '-');
      if (/^\\d{4}\\.\\d+$/.test(text) && axis.querySelector('g[id^="xtick_"]')) {
        problems.push(`fractional year tick "${text}"`);
      }
    }
  }
  // marks against their axes: clip rectangles are the axes boxes (SVG user units;
  // matplotlib draws paths untransformed and places markers with <use x y>)
  const clipRect = el => {
    const ref = (el.getAttribute('clip-path') || '').match(/url\\(#([^)]+)\\)/);
    const rect = ref && document.getElementById(ref[1])?.querySelector('rect');
    if (!rect) return null;
    const [x, y, w, h] = ['x', 'y', 'width', 'height'].map(a => parseFloat(rect.getAttribute(a)));
    return {left: x, top: y, right: x + w, bottom: y + h};
  };
  const outside = (inner, outer, tol) =>
    inner.left < outer.left - tol || inner.right > outer.right + tol ||
    inner.top < outer.top - tol || inner.bottom > outer.bottom + tol;
  for (const el of svg.querySelectorAll('[clip-path]')) {
    const clip = clipRect(el);
    if (!clip) continue;
    const group = el.closest('g[id]');
    const name = group ? group.id : el.tagName;
    if (el.closest('g[id^="xtick_"], g[id^="ytick_"]')) continue;
    const marks = el.tagName === 'g' ? [...el.querySelectorAll('use, path')] : [el];
    for (const mark of marks) {
      if (mark.closest('defs')) continue;
      const b = mark.getBBox();
      if (b.width === 0 && b.height === 0) continue;
      let box = {left: b.x, right: b.x + b.width, top: b.y, bottom: b.y + b.height};
      if (mark.tagName === 'use' && b.width < 20 && b.height < 20) {  // a marker: its centre must be inside
        const x = b.x + b.width / 2, y = b.y + b.height / 2;
        box = {left: x, right: x, top: y, bottom: y};
      }
      // a bar from zero on a logarithmic axis starts at minus infinity (drawn as a
      // huge coordinate): that end is the axis, not data
      const far = 100 * Math.max(clip.right - clip.left, clip.bottom - clip.top);
      box = {
        left: box.left < clip.left - far ? clip.left : box.left,
        right: box.right > clip.right + far ? clip.right : box.right,
        top: box.top < clip.top - far ? clip.top : box.top,
        bottom: box.bottom > clip.bottom + far ? clip.bottom : box.bottom,
      };
      if (outside(box, clip, 1.0)) { problems.push(`${name} reaches outside its axes`); break; }
    }
  }
  return problems;
}"""


#: Run in its own process: a test session may already drive chromium through
#: playwright's sync API (tests/browser), and one process can hold only one.
PROBE_SCRIPT = """
import json, sys
from playwright.sync_api import sync_playwright
base, probe, names = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
problems = []
with sync_playwright() as playwright:
    browser = playwright.chromium.launch(
        executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox", "--disable-gpu"])
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    for object_id, svg in names:
        page.goto(base + "figures/" + svg, wait_until="load")
        problems += [object_id + ": " + problem for problem in page.evaluate(probe)]
    browser.close()
print(json.dumps(problems))
"""


def test_every_published_figure_has_integer_years_readable_ticks_and_all_data_inside(built_site, index):
    from kzcn import loopback

    figures_list = [item for item in index["objects"] if item["kind"] == "figure"]
    assert figures_list, "figures.json lists no figure"
    names = [
        (item["id"], next(name for name in item["files"] if name.endswith(".svg"))) for item in figures_list
    ]
    with loopback.serve(built_site) as url:
        result = subprocess.run(
            [sys.executable, "-c", PROBE_SCRIPT, url, FIGURE_PROBE, json.dumps(names)],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    assert result.returncode == 0, result.stderr[-3000:]
    problems = json.loads(result.stdout)
    assert not problems, "\n".join(sorted(set(problems)))
