"""The environment a reader installs: in any order, with JupyterLab, no run-time
country_converter, a kernel named after the project, and a Binder set-up."""

from __future__ import annotations

import ast
import csv
import re

from kzcn import config, countries


def _requirement_names(path) -> set[str]:
    names = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(re.split(r"[<>=!~\[; ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def _pins(path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if match:
            pins[match.group(1).lower().replace("_", "-")] = match.group(2)
    return pins


def test_requirements_hold_jupyterlab_and_no_package_that_pins_old_jsonschema():
    wanted = _requirement_names(config.ROOT / "requirements.in")
    assert {"jupyterlab", "ipykernel", "frictionless", "sphinx-sitemap", "sphinxext-opengraph"} <= wanted
    assert not {"cffconvert", "country-converter"} & wanted
    pins = _pins(config.ROOT / "requirements.txt")
    assert pins["jupyterlab"].startswith("4.5.")
    assert "cffconvert" not in pins and "country-converter" not in pins
    assert int(pins["jsonschema"].split(".")[0]) >= 4  # cffconvert held it at 3.2, which broke JupyterLab


def test_kzcn_never_imports_country_converter():
    for path in sorted((config.ROOT / "kzcn").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(name.startswith("country_converter") for name in names), path.name


def test_economies_table_lists_countries_and_no_aggregates():
    codes = countries.single_economy_codes()
    assert {"KAZ", "CHN", "KGZ", "TJK", "TKM", "UZB", "RUS", "USA"} <= codes
    assert not {"WLD", "HIC", "EUU", "LMC", "EAS"} & codes
    assert all(len(code) == 3 and code.isupper() and code.isalpha() for code in codes)
    # every IMF partner the project's reviewed table calls a country is an economy here
    with (config.DATA_DIR / "imf_partner_iso3.csv").open(newline="", encoding="utf-8") as handle:
        imf_countries = {row["code"] for row in csv.DictReader(handle) if row["kind"] == "country"}
    assert imf_countries and imf_countries <= codes


def test_lab_target_binds_loopback_with_the_kzcn_kernel():
    makefile = (config.ROOT / "Makefile").read_text(encoding="utf-8")
    lab = makefile[makefile.index("\nlab:") :].split("\n\n", 1)[0]
    assert "--ServerApp.ip=127.0.0.1" in lab and "jupyter lab" in lab
    kernel = makefile[makefile.index("\nkernel:") :].split("\n\n", 1)[0]
    assert "ipykernel install" in kernel and "KERNEL_NAME := kzcn" in makefile


def test_binder_installs_the_pinned_requirements_then_the_package_and_kernel():
    binder = config.ROOT / "binder"
    assert "-r ../requirements.txt" in (binder / "requirements.txt").read_text(encoding="utf-8")
    post = (binder / "postBuild").read_text(encoding="utf-8")
    assert "pip install --no-deps -e ." in post and "--name kzcn" in post
    assert (binder / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"
    assert (binder / "runtime.txt").read_text(encoding="utf-8").startswith("python-3.11")
