"""Every digit-bearing token of the thesis body is covered by the ledger or a reviewed exclusion."""

from __future__ import annotations

from kzcn import ledger


def test_every_number_of_the_body_is_covered(classified):
    uncovered = [f"line {t.line}: {t.text!r}" for t, status in classified if status == "UNCOVERED"]
    assert not uncovered, "numbers the ledger does not cover:\n" + "\n".join(uncovered)


def test_claims_and_tables_cover_most_tokens(classified):
    # Guards the rules: if a rule swallowed quantities, claims would stop being the main coverage.
    statuses = [status for _, status in classified]
    covered_by_data = sum(s in ("claim", "table", "timeline", "figure") for s in statuses)
    excluded = sum(s.startswith(("rule:", "reviewed:")) for s in statuses)
    assert covered_by_data > excluded / 2
    assert statuses.count("claim") >= len(set(ledger.load_claims()["printed"])) // 2


def test_footnote_texts_and_markers_are_not_body(thesis_text, coverage_tool):
    body = "\n".join(coverage_tool.body_lines(thesis_text).values())
    assert "footnoteRef" not in body
    assert "ibrain.kz" not in body  # the URL of footnote 31
    # A footnote containing brackets ("[J]") is removed whole, not cut at its first "]".
    assert "wap.cnki.net" not in body


def test_body_keeps_line_numbers(thesis_text, coverage_tool):
    lines = coverage_tool.body_lines(thesis_text)
    assert len(lines) == len(thesis_text.split("\n"))


def test_reviewed_exclusions_are_still_in_the_text(thesis_text, coverage_tool):
    lines = coverage_tool.body_lines(thesis_text)
    for row in ledger.load_coverage_exclusions().itertuples():
        assert row.token in lines[row.line], f"stale exclusion: line {row.line} no longer holds {row.token!r}"


def test_tool_reports_an_uncovered_number(thesis_text, coverage_tool):
    # A sentence with a new number must be flagged, so the 100 % above is not vacuous.
    extra = thesis_text + "\nIn a made-up year the trade reached 987.65 billion US dollars.\n"
    classified = coverage_tool.classify(extra)
    assert [t.text for t, s in classified if s == "UNCOVERED"] == ["987.65"]


def test_command_line_reports_full_coverage(thesis_text):
    import subprocess
    import sys

    from kzcn import config

    run = subprocess.run(
        [sys.executable, str(config.ROOT / "tools" / "ledger_coverage.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "(100.0 %)" in run.stdout
