"""One format for every failure of ``python -m kzcn build`` and ``python -m kzcn data``.

    BUILD FAILED: <what failed: file, manifest entry, notebook and cell>
    <details, a few lines>

      step:         <fetch | parse | plan | execute | stage | render | publish | ...>
      likely cause: <disk full | network | checksum | parse | ...>
      what to do:   <one sentence>
    The last good site was left untouched: <folder>

No traceback unless ``--debug``.  :func:`likely_cause` reads the exception (and
the exceptions it was raised from) to name the cause; an exception may also
carry its own ``cause`` and ``todo`` attributes.
"""

from __future__ import annotations

import errno
import traceback

#: likely cause -> what to do (``{where}`` is filled in by the caller: a folder).
ADVICE = {
    "disk full": "free space on the disk that holds {where} (or point KZCN_BUILD_DIR / "
    "KZCN_PROCESSED_DIR at a larger disk), then run the same command again",
    "network": "check the network connection or the mirror (KZCN_DATA_BASE_URL), then run the same "
    "command again; files already downloaded and verified are kept",
    "checksum": "the bytes differ from the sha256 and size in data/sources.yml: check that entry's url "
    "and sha256, or the mirror, then run again",
    "manifest": "correct the entry named above in the manifest (data/sources.yml), then run again",
    "parse": "the raw file does not have the layout its parser expects: check the file named above "
    "(or the parser in kzcn/parsers), then run again",
    "notebook file": "the file named above is not a valid notebook: restore it (git checkout -- FILE) "
    "or repair its JSON, then build again",
    "notebook": "fix the cell named above (the executed copy shows the whole traceback), then build again",
    "book source": "fix the page, reference or citation named in the lines above, then build again",
    "invalid option": "correct the value and run again (--help lists the options)",
    "another build": "wait until that build has finished, or stop it, then build again",
    "interrupted": "run the same command again: it continues from what is already done",
    "permissions": "make the folder named above writable for you, then run again",
    "unexpected error": "run the same command again with --debug to see the traceback, and report it",
}


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def is_disk_full(exc: BaseException) -> bool:
    for item in _chain(exc):
        if isinstance(item, OSError) and item.errno == errno.ENOSPC:
            return True
        text = str(item)
        if "No space left on device" in text or "[Errno 28]" in text or "errno 28" in text:
            return True
    return False


def likely_cause(exc: BaseException) -> str:
    """One of the keys of :data:`ADVICE`."""
    if is_disk_full(exc):
        return "disk full"
    chain = _chain(exc)
    for item in chain:
        cause = getattr(item, "cause", None)
        if isinstance(cause, str) and cause in ADVICE:
            return cause
    names = {type(item).__name__ for item in chain}
    for item in chain:
        kind = getattr(item, "kind", None)
        if type(item).__name__ == "FetchError" and kind in ("network", "checksum"):
            return kind
    if "ManifestError" in names:
        return "manifest"
    if names & {"ParseError", "DataValidationError", "SchemaError", "SchemaErrors"}:
        return "parse"
    if names & {"NotJSONError", "ValidationError", "JSONDecodeError"}:
        return "notebook file"
    if "PermissionError" in names:
        return "permissions"
    if "BuildInterrupted" in names or "KeyboardInterrupt" in names:
        return "interrupted"
    return "unexpected error"


def format_failure(
    headline: str,
    exc: BaseException,
    *,
    step: str | None = None,
    where: str = "the build folder",
    untouched: str | None = None,
    debug: bool = False,
) -> str:
    """The failure message (see the module docstring); ``debug`` appends the traceback."""
    cause = likely_cause(exc)
    todo = getattr(exc, "todo", None) or ADVICE[cause].format(where=where)
    lines = [f"{headline}: {str(exc).strip() or type(exc).__name__}", ""]
    if step:
        lines.append(f"  step:         {step}")
    lines.append(f"  likely cause: {cause}")
    lines.append(f"  what to do:   {todo}")
    if untouched:
        lines.append(f"The last good site was left untouched: {untouched}")
    if debug:
        lines += ["", "traceback (--debug):", "".join(traceback.format_exception(exc)).rstrip()]
    return "\n".join(lines)
