"""The built book's figures and tables as a reader reuses them (whole-book build).

Every CSV loads with a plain ``pandas.read_csv`` and validates against the site's
``datapackage.json``; no float noise; every point a chart draws is in its CSV;
the inputs each object lists are the ones its code read; every citation URL is
absolute under the site URL.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from bs4 import BeautifulSoup

from kzcn import config

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def index(built_site: Path) -> dict:
    return json.loads((built_site / "figures.json").read_text(encoding="utf-8"))


def _meta(built_site: Path, object_id: str) -> dict:
    return json.loads((built_site / "figures" / f"{object_id}.json").read_text(encoding="utf-8"))


def test_every_csv_is_plain_tidy_and_described_by_the_datapackage(built_site, index):
    from frictionless import Package

    names = sorted(path.name for path in (built_site / "figures").glob("*.csv"))
    assert names == sorted(f"{item['id']}.csv" for item in index["objects"])
    # float noise: a long run of zeros or nines before the last digit (608.3800000000001)
    noise = re.compile(r"\.\d*(?:0{7,}|9{7,})\d(?=[,\n]|$)")
    for name in names:
        text = (built_site / "figures" / name).read_text(encoding="utf-8")
        assert not text.startswith("#"), name
        assert not noise.search(text), f"{name}: float noise {noise.search(text).group(0)}"
        frame = pd.read_csv(built_site / "figures" / name)
        assert len(frame.columns) == len(set(frame.columns)) and len(frame) > 0, name
    package = built_site / "datapackage.json"
    described = sorted(Path(r["path"]).name for r in json.loads(package.read_text())["resources"])
    assert described == names
    report = Package(str(package)).validate()
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])[:20]


def test_every_point_a_chart_draws_is_in_its_csv(built_site, index):
    missing = {
        item["id"]: _meta(built_site, item["id"]).get("points_not_in_csv")
        for item in index["objects"]
        if item["kind"] == "figure"
    }
    assert not {k: v for k, v in missing.items() if v}, missing


def test_declared_inputs_are_read_and_every_other_read_is_a_verdict_or_ledger_input(built_site, index):
    """Issue 11, point 3: the inputs shown come from the input log, never from the typed list.

    Every input a notebook declares was read. What it read besides comes from the
    code between two published objects: the ledger (citations, printed values)
    and, where a page shows verdicts, the inputs of the verdict table (read once
    per build and replayed into the page's log), as claims.json lists them.
    """
    claims = json.loads((built_site / "claims.json").read_text(encoding="utf-8"))
    verdict_inputs = {source for row in claims["rows"] for source in row["inputs"]}
    unread, unexplained = {}, {}
    for item in index["objects"]:
        meta = _meta(built_site, item["id"])
        assert meta["inputs_from_log"], item["id"]
        assert [record["id"] for record in item["inputs"]] == [record["id"] for record in meta["inputs"]]
        read = {record["id"] for record in meta["inputs"]}
        declared = set(meta["declared_inputs"])
        if declared - read:
            unread[item["id"]] = sorted(declared - read)
        extra = {s for s in read - declared if not s.startswith("ledger:") and s not in verdict_inputs}
        if extra:
            unexplained[item["id"]] = sorted(extra)
    assert not unread, f"declared but never read: {unread}"
    assert not unexplained, f"read, not declared, and no verdict input: {unexplained}"


def test_every_citation_url_is_absolute_under_the_site_url(built_site, index):
    site = config.site_url()
    urls = [item["url"] for item in index["objects"]] + [index["book"]["url"]]
    for page in sorted(built_site.rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        for box in soup.select(".kzcn-cite"):
            urls += re.findall(r"url = \{([^}]*)\}", box.get_text())
    for path in sorted((built_site / "cite").iterdir()):
        urls += re.findall(r"(?:url = \{|UR  - |\"URL\": \")([^}\"\n]+)", path.read_text(encoding="utf-8"))
    urls.append(yaml.safe_load((built_site / "CITATION.cff").read_text(encoding="utf-8"))["url"])
    assert len(urls) > 2 * len(index["objects"])
    wrong = [url for url in urls if not url.startswith(site)]
    assert not wrong, wrong[:10]
    locations = re.findall(r"<loc>([^<]*)</loc>", (built_site / "sitemap.xml").read_text(encoding="utf-8"))
    assert locations and all(location.startswith(site) for location in locations)
    assert f"{site}book/cite.html" in locations
    front = BeautifulSoup((built_site / "book" / "index.html").read_text(encoding="utf-8"), "html.parser")
    assert front.find("meta", property="og:url")["content"].startswith(site)
