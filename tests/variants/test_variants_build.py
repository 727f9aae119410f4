"""The book rebuilt for the other Central Asian countries (issue 8, "any partner").

For each of Kyrgyzstan, Tajikistan, Turkmenistan and Uzbekistan the test runs the
documented command, ``python -m kzcn build --country <ISO3>``, against the loopback
data mirror, into a temporary build folder, and then checks one DOTS fact on the
published page: the country's exports to China in the last year the dependence
chapter reports.  Uzbekistan is built in full (every notebook a variant contains,
rendered with warnings as errors); the other three take the fast path (``--only``
the trade chapters) to keep the suite's time reasonable.

The expected value is read here straight from the raw IMF workbook with openpyxl,
independently of ``kzcn`` (no parser, no store, no index code), so a bug anywhere in
the chain from workbook to page shows up as a mismatch.
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

REPO = Path(__file__).resolve().parents[2]
DOTS_DIR = "SamLeBlanc/Direction-of-Trade-Map/a0b40afbac7cefc59a4b35c1ebe541ac546aafad/data/DOTS"
CHINA_ROW_NAME = "China, P.R.: Mainland"
EXPORTS_SHEET = "Exports, FOB"
YEAR_ROW = 7  # the DOTS layout: row 7 holds the years (see data/README of the mirror)

#: The trade chapters of the fast path: the dependence indices and the triangulation.
FAST_PATH = ["notebooks/beyond_1_dependence.ipynb", "notebooks/beyond_2_triangulation.ipynb"]
VARIANTS = ("KGZ", "TJK", "TKM", "UZB")
#: The variant built with every notebook, not only the fast path.
FULL_VARIANT = "UZB"
#: A glue reference in Markdown: ``{glue}`key```, ``{glue:text}`key:fmt```, or a glue directive.
GLUE_REFERENCE = re.compile(r"\{glue(?::\w+)?\}`([^`:]+)(?::[^`]*)?`|[`:]{3}\{glue(?::\w+)?\}\s+(\S+)")
BUILD_TIMEOUT_S = 1800

pytestmark = pytest.mark.integration


def dots_workbook_number(iso3: str) -> int:
    """Workbook number of a reporter, from the reviewed mapping table committed in data/."""
    with open(REPO / "data" / "dots_reporters.csv", encoding="utf-8", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["code"] == iso3]
    assert len(rows) == 1, f"data/dots_reporters.csv should map {iso3} to exactly one workbook, found {rows}"
    return int(rows[0]["workbook"])


def dots_exports_to_china_musd(mirror_dir: Path, iso3: str, year: int) -> float:
    """The raw cell: exports (FOB, US$ million) of ``iso3`` to China in ``year``, as the workbook prints it."""
    path = mirror_dir / DOTS_DIR / f"DOTS_{dots_workbook_number(iso3)}.xlsx"
    sheet = openpyxl.load_workbook(path, read_only=True, data_only=True)[EXPORTS_SHEET]
    rows = list(sheet.iter_rows(values_only=True))
    years = [str(cell).strip() if cell is not None else "" for cell in rows[YEAR_ROW - 1]]
    column = years.index(str(year))
    china = [
        row for row in rows[YEAR_ROW:] if any(str(cell).strip() == CHINA_ROW_NAME for cell in row[:2] if cell)
    ]
    assert china, f"{path.name}: no row for {CHINA_ROW_NAME!r}"
    value = china[0][column]
    if isinstance(value, str):  # an IMF estimate is written as text "<number> e"
        value = float(value.replace(",", "").rstrip("e ").strip())
    return float(value)


def page_text(page: Path) -> str:
    """Visible text of a built HTML page (tags dropped, entities decoded, spaces collapsed)."""
    raw = page.read_text(encoding="utf-8")
    raw = re.sub(r"<(script|style)\b.*?</\1>", " ", raw, flags=re.S)
    # Tags are dropped without a space: glued values sit in inline spans inside sentences.
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", raw)))


@pytest.fixture(scope="module")
def mirror_dir() -> Path:
    """The raw-data mirror on disk (same rule as the ``mirror_url`` fixture)."""
    return Path(os.environ.get("KZCN_MIRROR_DIR") or REPO.parent / "shared" / "data" / "github")


@pytest.fixture(scope="module")
def variant_builds(mirror_env, tmp_path_factory) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """Build every variant once (sequentially: they share the raw and processed caches)."""
    out = tmp_path_factory.mktemp("variants-build")
    env = {**os.environ, "KZCN_DATA_BASE_URL": mirror_env, "KZCN_BUILD_DIR": str(out)}
    logs = REPO / "tests" / "artifacts"
    logs.mkdir(parents=True, exist_ok=True)
    results = {}
    for iso3 in VARIANTS:
        only = [] if iso3 == FULL_VARIANT else ["--only", *FAST_PATH]
        result = subprocess.run(
            [sys.executable, "-m", "kzcn", "build", "--country", iso3, *only],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT_S,
            check=False,
        )
        (logs / f"variant-{iso3}-build.log").write_text(
            result.stdout + "\n--- stderr ---\n" + result.stderr, encoding="utf-8"
        )
        results[iso3] = (out, result)
    return results


@pytest.mark.parametrize("iso3", VARIANTS)
def test_variant_builds_into_its_own_folder(variant_builds, iso3):
    out, result = variant_builds[iso3]
    assert result.returncode == 0, (
        f"`python -m kzcn build --country {iso3}` failed; log in tests/artifacts/variant-{iso3}-build.log\n"
        + (result.stdout[-2500:] + "\n" + result.stderr[-2500:]).strip()
    )
    site = out / "variants" / iso3 / "html"
    assert (site / "index.html").is_file()
    assert (site / "notebooks" / "beyond_1_dependence.html").is_file()
    # the Kazakhstan book is a different folder and this build did not create it
    assert not (out / "html" / "index.html").exists()


@pytest.mark.parametrize("iso3", VARIANTS)
def test_variant_page_shows_the_dots_exports_to_china(variant_builds, mirror_dir, iso3):
    out, result = variant_builds[iso3]
    assert result.returncode == 0, f"build of {iso3} failed; see tests/artifacts/variant-{iso3}-build.log"
    text = page_text(out / "variants" / iso3 / "html" / "notebooks" / "beyond_1_dependence.html")
    sentence = re.search(r"In (\d{4}), (\w+) declared exports to China of US\$ ([\d,]+\.\d) million", text)
    assert sentence, f"the dependence page of {iso3} does not state its exports to China"
    year, country_name, shown = int(sentence.group(1)), sentence.group(2), sentence.group(3)
    expected = dots_exports_to_china_musd(mirror_dir, iso3, year)
    assert shown == f"{expected:,.1f}", (
        f"{iso3}: page shows US$ {shown} million for {year}, the DOTS workbook has {expected:,.1f}"
    )
    assert country_name != "Kazakhstan"
    # Kazakhstan-only sections say so instead of showing Kazakhstan's numbers
    assert "exist only for Kazakhstan as reporter" in text


def glue_references(cell_source: str) -> set[str]:
    return {
        next(group for group in match.groups() if group) for match in GLUE_REFERENCE.finditer(cell_source)
    }


def glued_keys(notebook: dict) -> set[str]:
    """Keys an executed notebook glued (myst_nb marks each glued output with ``scrapbook.name``)."""
    return {
        output["metadata"]["scrapbook"]["name"]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code"
        for output in cell.get("outputs", [])
        if "scrapbook" in output.get("metadata", {})
    }


def test_full_variant_contains_every_variant_notebook_and_no_audit(variant_builds):
    out, result = variant_builds[FULL_VARIANT]
    assert result.returncode == 0, f"build of {FULL_VARIANT} failed; see the log in tests/artifacts"
    site = out / "variants" / FULL_VARIANT / "html" / "notebooks"
    for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
        opted_out = (
            json.loads(notebook.read_text(encoding="utf-8"))["metadata"].get("kzcn", {}).get("variant")
        )
        page = site / f"{notebook.stem}.html"
        assert page.is_file() == (opted_out is not False), f"{notebook.name}: page present={page.is_file()}"
    # the audit checks the thesis's Kazakhstan numbers: not part of another country's book
    assert not (site / "audit.html").exists()


def test_full_variant_glues_every_key_its_text_names(variant_builds):
    # Sphinx only warns about a missing key; this names every one, notebook by notebook.
    out, result = variant_builds[FULL_VARIANT]
    stage = out / "variants" / FULL_VARIANT / "stage" / "notebooks"
    notebooks = sorted(stage.glob("*.ipynb"))
    assert len(notebooks) > len(FAST_PATH)
    missing = {}
    for path in notebooks:
        notebook = json.loads(path.read_text(encoding="utf-8"))
        named = set().union(
            *(
                glue_references("".join(cell["source"]))
                for cell in notebook["cells"]
                if cell["cell_type"] == "markdown"
            )
        )
        if named - glued_keys(notebook):
            missing[path.name] = sorted(named - glued_keys(notebook))
    assert not missing, f"{FULL_VARIANT}: keys named in Markdown but not glued: {missing}"


def test_full_variant_chapters_do_not_put_kazakhstan_numbers_in_another_countrys_text(variant_builds):
    # Sentences the thesis's pair fills with Kazakhstan's findings are glued whole, per country.
    out, _ = variant_builds[FULL_VARIANT]
    pages = out / "variants" / FULL_VARIANT / "html" / "notebooks"
    chapter_1 = page_text(pages / "01_chapter1.html").replace("\u2019", "'")
    assert "None of them is recomputed for Uzbekistan" in chapter_1
    assert "own records for those years are partly IMF estimates" not in chapter_1
    assert "customs record more trade than Uzbekistan's in" in chapter_1
    assert "The thesis prints no totals for Uzbekistan" in chapter_1
    assert "sit on Kazakhstan's line" not in chapter_1
    chapter_3 = page_text(pages / "03_chapter3.html").replace("\u2019", "'")
    assert "By Uzbekistan's own records, trade with China peaked in" in chapter_3
    assert "By Kazakhstan's own records" not in chapter_3
    assert "share of Kazakhstan's trade was" not in chapter_3


def test_variant_claims_json_points_to_the_kazakhstan_audit(variant_builds):
    out, _ = variant_builds[FULL_VARIANT]
    document = json.loads(
        (out / "variants" / FULL_VARIANT / "html" / "claims.json").read_text(encoding="utf-8")
    )
    assert document["country"] == FULL_VARIANT
    assert document["rows"] == []
    assert "Kazakhstan book" in document["note"]


def test_independent_reader_finds_the_fact_the_brief_names(mirror_dir):
    # The project brief names this value as a test expectation: DOTS, Kazakhstan-reported
    # exports to China in 2010 = 10,121.6 (US$ million).  It proves that the reader used
    # above finds the right workbook, sheet, row and column on its own.
    assert f"{dots_exports_to_china_musd(mirror_dir, 'KAZ', 2010):,.1f}" == "10,121.6"
