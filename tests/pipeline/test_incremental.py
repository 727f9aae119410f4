"""Data-aware incremental execution, parameters shown, variants (fixture book, real fetch/store)."""

from __future__ import annotations

import json
import re
import shutil

from pipeline_fixtures import GDP_CELLS, GROWTH_CELLS, PARAMETERS_CELL, PLAIN_CELLS

from kzcn import pipeline


def gdp_line(html_text: str) -> str:
    found = re.findall(r"GDP-2010-[A-Z]{3}: [0-9.]+", html_text)
    assert len(found) == 1, found
    return found[0]


def test_touching_nothing_reexecutes_nothing(project):
    assert project.build() == 0
    assert set(project.report().values()) == {"execute"}
    before = project.html_snapshot()

    assert project.build() == 0

    assert project.report() == {
        "notebooks/gdp.ipynb": "cached",
        "notebooks/growth.ipynb": "cached",
        "notebooks/plain.ipynb": "cached",
    }
    assert project.html_snapshot() == before


def test_raw_file_change_reexecutes_exactly_its_readers(project):
    assert project.build() == 0
    page = project.out / "html" / "notebooks" / "gdp.html"
    old_line = gdp_line(page.read_text(encoding="utf-8"))
    growth_page = (project.out / "html" / "notebooks" / "growth.html").read_bytes()

    # A synthetic value, written into the fixture mirror's copy of the raw CSV.
    raw = project.raw_path("wdi-ny.gdp.mktp.cd").read_text(encoding="utf-8")
    kaz_2010 = re.search(r"^Kazakhstan,KAZ,2010,([0-9.]+)$", raw, flags=re.M).group(0)
    project.rewrite_raw("wdi-ny.gdp.mktp.cd", kaz_2010, "Kazakhstan,KAZ,2010,123456789.5")

    assert project.build() == 0

    assert project.report() == {
        "notebooks/gdp.ipynb": "execute",
        "notebooks/growth.ipynb": "cached",
        "notebooks/plain.ipynb": "cached",
    }
    new_line = gdp_line(page.read_text(encoding="utf-8"))
    assert new_line == "GDP-2010-KAZ: 123456789.5" != old_line
    assert (project.out / "html" / "notebooks" / "growth.html").read_bytes() == growth_page


def test_notebook_edit_reexecutes_that_notebook_only(project):
    assert project.build() == 0
    project.write_notebook("gdp", [*GDP_CELLS, 'print("one more line")'], PARAMETERS_CELL)

    assert project.build() == 0

    assert project.report()["notebooks/gdp.ipynb"] == "execute"
    assert project.report()["notebooks/growth.ipynb"] == "cached"
    assert "one more line" in (project.out / "html" / "notebooks" / "gdp.html").read_text(encoding="utf-8")


def test_outputs_in_the_source_notebook_do_not_count_as_an_edit(project):
    assert project.build() == 0
    # Simulate an author who ran the notebook by hand: outputs and counts appear.
    executed = project.out / "cache" / "notebooks__plain" / "executed.ipynb"
    shutil.copyfile(executed, project.source / "notebooks" / "plain.ipynb")

    assert project.build() == 0

    assert project.report()["notebooks/plain.ipynb"] == "cached"


def test_each_page_shows_the_parameters_it_ran_with(project):
    assert project.build("--start-year", "2005") == 0

    page = (project.out / "html" / "notebooks" / "growth.html").read_text(encoding="utf-8")
    injected = page.split("tag_injected-parameters", 1)[1].split("</div></div>", 1)[0]
    text = re.sub(r"<[^>]+>", "", injected)
    assert "start_year" in text and "2005" in text and "country" in text and "KAZ" in text
    # only the values the notebook ran with: the author's default cell is hidden
    assert "tag_parameters" not in page
    # a changed parameter is a reason to execute again
    assert project.build("--start-year", "2006") == 0
    assert project.report()["notebooks/growth.ipynb"] == "execute"
    assert project.report()["notebooks/plain.ipynb"] == "cached"


def test_partner_variant_builds_apart_and_leaves_the_main_book_alone(project):
    assert project.build() == 0
    main_book = project.html_snapshot()

    # growth.ipynb takes a country but opts out of variants in its metadata
    project.write_notebook("growth", GROWTH_CELLS, PARAMETERS_CELL, variant=False)

    assert project.build("--country", "UZB") == 0

    variant = project.out / "variants" / "UZB"
    assert project.html_snapshot() == main_book
    # left out: plain.ipynb takes no `country` parameter, growth.ipynb opted out
    assert project.report(variant) == {"notebooks/gdp.ipynb": "execute"}
    assert not (variant / "html" / "notebooks" / "plain.html").exists()
    assert not (variant / "html" / "notebooks" / "growth.html").exists()
    assert gdp_line((variant / "html" / "notebooks" / "gdp.html").read_text(encoding="utf-8")).startswith(
        "GDP-2010-UZB: "
    )


def test_package_hash_follows_the_package_source(tmp_path):
    package = tmp_path / "kzcn"
    shutil.copytree(
        pipeline.Path(pipeline.kzcn.__file__).parent, package, ignore=shutil.ignore_patterns("__pycache__")
    )
    before = pipeline.package_hash(package)
    (package / "pipeline.py").write_text("# the pipeline itself is versioned by PIPELINE_CACHE_VERSION\n")
    assert pipeline.package_hash(package) == before
    with open(package / "store.py", "a", encoding="utf-8") as handle:
        handle.write("\n# a change to the code notebooks call\n")
    assert pipeline.package_hash(package) != before


def test_input_log_last_hash_wins(tmp_path):
    log = tmp_path / "inputs.log"
    log.write_text("b\t2\na\t1\nb\t3\n\nmalformed-line\n", encoding="utf-8")
    assert pipeline.read_input_log(log) == {"a": "1", "b": "3"}
    assert json.dumps(pipeline.read_input_log(tmp_path / "missing.log")) == "{}"


def test_only_executes_the_named_notebook_and_keeps_the_others(project):
    assert project.build() == 0
    project.write_notebook("gdp", [*GDP_CELLS, 'print("edited gdp")'], PARAMETERS_CELL)
    project.write_notebook("plain", [*PLAIN_CELLS, 'print("edited plain")'])

    assert project.build("--only", "gdp") == 0

    assert project.report() == {
        "notebooks/gdp.ipynb": "execute",
        "notebooks/growth.ipynb": "cached",
        "notebooks/plain.ipynb": "cached",
    }
    html = project.out / "html" / "notebooks"
    assert "edited gdp" in (html / "gdp.html").read_text(encoding="utf-8")
    # the edited but not named notebook keeps its last executed copy until the next full build
    assert "edited plain" not in (html / "plain.html").read_text(encoding="utf-8")
    assert project.build() == 0
    assert project.report()["notebooks/plain.ipynb"] == "execute"


def test_independent_notebooks_run_two_at_a_time(project, tmp_path):
    # each notebook records when it started and ended; with --jobs 2 the runs overlap
    stamps = tmp_path / "stamps"
    stamps.mkdir()
    for name in ("gdp", "growth"):  # the first two in TOC order start together
        project.write_notebook(
            name,
            [
                f"import pathlib, time\nstamps = pathlib.Path({str(stamps)!r})\n"
                f"(stamps / '{name}.start').write_text(repr(time.time()))",
                f"time.sleep(3)\n(stamps / '{name}.end').write_text(repr(time.time()))",
            ],
        )

    assert project.build("--jobs", "2") == 0

    def read(name: str) -> float:
        return float((stamps / name).read_text())

    assert max(read("gdp.start"), read("growth.start")) < min(read("gdp.end"), read("growth.end"))
