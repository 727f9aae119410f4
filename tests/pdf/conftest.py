"""The PDF edition, built once per session from the stage of the whole-book build.

``pdf_edition`` runs ``python -m kzcn pdf`` exactly as ``make pdf`` does, in the
build folder of the session fixture ``built_site`` (so the notebooks are not
executed a second time), and reads the result with poppler's command-line tools
(``pdftotext``, ``pdffonts``, ``pdftoppm``), as a reader's tools would.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"

#: Generous: XeLaTeX runs three times over about 130 pages (about 30 s on an idle core).
PDF_BUILD_TIMEOUT_S = 15 * 60


@dataclass(frozen=True)
class PdfEdition:
    pdf: Path  # _build/pdf/<name>.pdf
    site: Path  # the html folder it is linked from
    out: Path  # _build/pdf (logs beside the PDF)
    pages: list[str]  # pdftotext output, one string per page

    @property
    def text(self) -> str:
        return "\n".join(self.pages)

    def page_of(self, pattern) -> int:
        """1-based number of the first page whose text matches the compiled regex ``pattern``."""
        for number, page in enumerate(self.pages, start=1):
            if pattern.search(page):
                return number
        raise AssertionError(f"no page of {self.pdf.name} matches {pattern.pattern!r}")

    def render_page(self, number: int, name: str) -> Path:
        """PNG of page ``number`` in tests/artifacts/ (pdftoppm, 100 dpi)."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = ARTIFACTS / name
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "100",
                "-f",
                str(number),
                "-l",
                str(number),
                "-singlefile",
                str(self.pdf),
                str(stem),
            ],
            check=True,
        )
        return stem.with_suffix(".png")


def expected_name() -> str:
    """``latex.latex_documents.targetname`` of _config.yml, with .pdf for .tex."""
    settings = yaml.safe_load((REPO / "_config.yml").read_text(encoding="utf-8"))
    return Path(settings["latex"]["latex_documents"]["targetname"]).with_suffix(".pdf").name


@pytest.fixture(scope="session")
def pdf_edition(built_site) -> PdfEdition:
    site = Path(built_site)
    build_dir = site.parent
    env = {**os.environ, "KZCN_BUILD_DIR": str(build_dir)}
    result = subprocess.run(
        [sys.executable, "-m", "kzcn", "pdf"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=PDF_BUILD_TIMEOUT_S,
        check=False,
    )
    log = ARTIFACTS / "pdf-build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(result.stdout + "\n--- stderr ---\n" + result.stderr, encoding="utf-8")
    assert result.returncode == 0, f"`python -m kzcn pdf` failed (exit {result.returncode}); log: {log}\n" + (
        result.stdout[-2000:] + result.stderr[-3000:]
    )
    out = build_dir / "pdf"
    pdf = out / expected_name()
    assert pdf.is_file(), f"`python -m kzcn pdf` reported success but wrote no {pdf}"
    shutil.copyfile(pdf, ARTIFACTS / pdf.name)  # CI keeps tests/artifacts/
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return PdfEdition(pdf=pdf, site=site, out=out, pages=text.split("\f"))
