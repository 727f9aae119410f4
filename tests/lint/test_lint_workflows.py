"""The GitHub Actions workflow cannot run here, so it is linted: the schema of GitHub
workflows (vendored by check-jsonschema) and zizmor's offline security audits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kzcn import config

WORKFLOWS_DIR = config.ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent


def workflows() -> list[Path]:
    return sorted(WORKFLOWS_DIR.glob("*.yml")) + sorted(WORKFLOWS_DIR.glob("*.yaml"))


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def zizmor(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "zizmor"), "--offline", "--no-progress", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_there_is_a_pages_workflow():
    assert pages_workflows(), "no workflow deploys to GitHub Pages"


@pytest.mark.parametrize("path", workflows(), ids=lambda p: p.name)
def test_workflow_matches_the_github_workflow_schema(path):
    result = check_jsonschema(path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("path", workflows(), ids=lambda p: p.name)
def test_zizmor_finds_nothing_unsafe(path):
    result = zizmor(path)
    assert result.returncode == 0, result.stdout + result.stderr


def pages_workflows() -> list[Path]:
    """The workflows that deploy the site (the weekly link check only builds)."""
    return [path for path in workflows() if "actions/deploy-pages@" in path.read_text()]


@pytest.mark.parametrize("path", pages_workflows(), ids=lambda p: p.name)
def test_workflow_runs_the_readme_test_command_and_publishes_the_built_site(path):
    workflow = yaml.safe_load(path.read_text())
    steps = [step for job in workflow["jobs"].values() for step in job.get("steps", [])]
    commands = "\n".join(step.get("run", "") for step in steps)
    assert "make test" in commands, "the workflow must run the same test command as .ci/run"
    assert "python -m kzcn build" in commands
    uploads = [step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert [step["with"]["path"] for step in uploads] == ["_build/html"]
    assert "KZCN_DATA_BASE_URL" not in path.read_text(), "the workflow must use the publishers' real URLs"


def test_the_linters_reject_a_broken_workflow(tmp_path):
    # Guards the two tests above against a linter that silently accepts anything.
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: issue_comment\n"
        "jobs:\n"
        "  greet:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - uses: actions/checkout@v4\n"
        '      - run: echo "${{ github.event.comment.body }}"\n'
        "      - bogus-key: 1\n"
    )
    assert check_jsonschema(bad).returncode != 0
    bad.write_text(bad.read_text().replace("      - bogus-key: 1\n", ""))
    findings = zizmor(bad)
    assert findings.returncode != 0
    assert "template-injection" in findings.stdout + findings.stderr
