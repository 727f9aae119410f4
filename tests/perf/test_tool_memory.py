"""What the build's papermill processes leave out of memory: modules papermill imports but
never uses for local notebooks are imported only when first used; notebooks are validated
without compiling the schema into code."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from kzcn import procs

CHECK = (
    "import json\n"
    "from papermill.cli import papermill\n"
    "import papermill.iorw\n"
    "before = 'requests.api' in sys.modules\n"
    "status = papermill.iorw.requests.codes.ok\n"  # the first use imports the real module
    "print(json.dumps({'before': before, 'after': 'requests.api' in sys.modules, 'status': status,\n"
    "                  'same': papermill.iorw.requests.get is sys.modules['requests'].get}))\n"
)


def test_requests_is_imported_only_when_papermill_uses_it():
    command = procs.python_tool(CHECK, procs.UNUSED_BY_PAPERMILL, procs.LAZY_IN_PAPERMILL)
    result = subprocess.run(command, capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == {"before": False, "after": True, "status": 200, "same": True}


def test_without_the_stand_in_papermill_imports_requests_at_once():
    """The check above means something: papermill does import requests as it starts."""
    result = subprocess.run(
        procs.python_tool(CHECK, procs.UNUSED_BY_PAPERMILL), capture_output=True, text=True, check=True
    )
    assert json.loads(result.stdout)["before"] is True


def test_papermill_command_blocks_and_defers_what_it_should():
    code = procs.papermill_command()[2]
    assert all(f"sys.modules[{name!r}] = None" in code for name in procs.UNUSED_BY_PAPERMILL)
    assert all(f"_lazy({name!r})" in code for name in procs.LAZY_IN_PAPERMILL)


def test_papermill_validates_notebooks_with_jsonschema_unless_told_otherwise():
    """nbformat's default validator compiles the schema into code held by every papermill
    process; the build's papermill validates with jsonschema (the same schema), or with what
    the user chose."""
    code = procs.papermill_command()[2].replace(
        "from papermill.cli import papermill; papermill()",
        "import nbformat, nbformat.json_compat as compat\n"
        "nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('1')]))\n"
        "print(compat.get_current_validator().name)",
    )
    env = {key: value for key, value in os.environ.items() if key != "NBFORMAT_VALIDATOR"}
    for chosen, expected in ((None, "jsonschema"), ("fastjsonschema", "fastjsonschema")):
        run_env = env if chosen is None else {**env, "NBFORMAT_VALIDATOR": chosen}
        result = subprocess.run([sys.executable, "-c", code], env=run_env, capture_output=True, text=True)
        assert result.stdout.strip() == expected, result.stderr
