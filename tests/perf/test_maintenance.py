"""What keeps the project current: packaging metadata, pre-commit, Dependabot, the weekly link check.

The scheduled workflow cannot run here, so it is linted like the book workflow:
GitHub's workflow schema (vendored by check-jsonschema) and zizmor's offline audits.
"""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.licenses import canonicalize_license_expression
from packaging.requirements import Requirement

from kzcn import config

BIN = Path(sys.executable).parent
LINKCHECK = config.ROOT / ".github" / "workflows" / "linkcheck.yml"


def pinned(package: str) -> str:
    """The version requirements.txt pins for ``package``."""
    text = (config.ROOT / "requirements.txt").read_text(encoding="utf-8")
    return re.search(rf"^{re.escape(package)}==(\S+)$", text, flags=re.M).group(1)


def test_pyproject_uses_an_spdx_licence_and_a_pinned_build_backend():
    project = tomllib.loads((config.ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    licence = project["project"]["license"]
    assert isinstance(licence, str), "the table form of `license` is deprecated (PEP 639)"
    assert canonicalize_license_expression(licence) == "MIT"
    requirements = [Requirement(text) for text in project["build-system"]["requires"]]
    assert requirements, "no build backend declared"
    for requirement in requirements:
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", f"{requirement} is not pinned"
    backend = next(r for r in requirements if r.name == "setuptools")
    # SPDX strings in `license` are read by setuptools 77 and later
    assert int(next(iter(backend.specifier)).version.split(".")[0]) >= 77


def test_pre_commit_runs_ruff_and_the_schema_checks():
    document = yaml.safe_load((config.ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8"))
    hooks = {hook["id"]: repo["rev"] for repo in document["repos"] for hook in repo["hooks"] if "rev" in repo}
    assert {"ruff", "ruff-format"} <= set(hooks)
    assert {"check-github-workflows", "check-dependabot", "check-citation-file-format"} <= set(hooks)
    # the hook lints with the same ruff as `make lint`
    assert hooks["ruff"].removeprefix("v") == pinned("ruff")


def test_dependabot_updates_pip_and_github_actions():
    document = yaml.safe_load((config.ROOT / ".github" / "dependabot.yml").read_text(encoding="utf-8"))
    assert document["version"] == 2
    ecosystems = {update["package-ecosystem"]: update for update in document["updates"]}
    assert set(ecosystems) == {"pip", "github-actions"}
    for update in ecosystems.values():
        assert update["directory"] == "/"
        assert update["schedule"]["interval"] in {"daily", "weekly", "monthly"}


def run_tool(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / command[0]), *command[1:]], capture_output=True, text=True, check=False)


def test_linkcheck_workflow_matches_the_github_workflow_schema():
    result = run_tool("check-jsonschema", "--builtin-schema", "vendor.github-workflows", str(LINKCHECK))
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_unsafe_in_the_linkcheck_workflow():
    result = run_tool("zizmor", "--offline", "--no-progress", str(LINKCHECK))
    assert result.returncode == 0, result.stdout + result.stderr


def test_linkcheck_workflow_is_weekly_rebuilds_the_book_and_reports_without_failing():
    workflow = yaml.safe_load(LINKCHECK.read_text(encoding="utf-8"))
    # PyYAML reads the key `on` as the boolean True
    triggers = workflow.get("on", workflow.get(True))
    (schedule,) = triggers["schedule"]
    minute, hour, day_of_month, month, day_of_week = schedule["cron"].split()
    assert (day_of_month, month) == ("*", "*") and day_of_week.isdigit(), "not once a week"
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    commands = [step.get("run", "") for step in steps]
    build = next(i for i, run in enumerate(commands) if "python -m kzcn build" in run)
    check = next(i for i, run in enumerate(commands) if "--builder linkcheck" in run)
    assert build < check
    assert steps[check].get("continue-on-error") is True
    assert "GITHUB_STEP_SUMMARY" in commands[check]
