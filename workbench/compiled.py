"""The decode path compiled with mypyc: which modules, whether this process runs them, and a
guard so that a build older than its sources is never run.

Issue 17 asks for 5 MB/s of decoded log per core. The decode path in plain CPython was
already one loop with its lookups bound once, light event objects and per-text memos, and
still spent 4-7 us on a line: a short line's time is the interpreter's own (frames, attribute
and dict look-ups, object set-up), spread over every function with no hot spot left.
mypyc, mypy's compiler (our type checker already), turns these modules, with the type hints
they already have, into C extensions: about 2x on every plugin (``bench/bench_at.py`` prints
both in one run). The code is the same for both; what mypyc cannot speed up was written
around: per-line classes write their ``__init__`` out, since mypyc keeps a dataclass's
generated one as interpreted Python. ``scripts/build_core.py`` builds them beside their
sources; the set-up scripts run it. Cython would need a second syntax or annotations mypy
does not check, and a hand-written C core a second implementation of every decoder.

Every module stays plain Python as well, and runs as such when the build is missing (a source
checkout nobody built, a machine without a C compiler), when ``WORKBENCH_PURE_PYTHON`` is set
(a debugger steps through Python only), or when the build is stale: Python imports an
extension before the ``.py`` of the same name, and the compiled modules call each other's
compiled code directly, so a source edited after the build would silently not run. A build
counts as stale when any listed source is newer than the build's shared library; then all the
listed modules are loaded from their sources (:func:`guard`, called by ``workbench/__init__``
before any of them is imported). ``tests/test_compiled.py`` checks both paths give the same
events and that the suite itself runs the compiled build.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Final

#: The modules compiled, all on the path a log line takes (framer output → engine → decoder
#: → event JSON). Their own imports outside this list stay interpreted.
COMPILED_MODULES: Final = (
    "workbench.at.types",
    "workbench.at.syntax",
    "workbench.at.dialect",
    "workbench.at.engine",
    "workbench.module.jsonline",
    "workbench.module.events",
    "workbench.module.threegpp",
    "workbench.module.decoding",
    "workbench.app.pipeline",
    "plugins.quectel_bg95.codes",
    "plugins.quectel_bg95.decoder",
    "plugins.simcom_sim7028.values",
    "plugins.simcom_sim7028.decoder",
    "plugins.st_st87mxx.codes",
    "plugins.st_st87mxx.nty",
    "plugins.st_st87mxx.decoder",
    "plugins.ublox_lexi_r10.codes",
    "plugins.ublox_lexi_r10.decoder",
    "plugins.ublox_sara.profiles",
    "plugins.ublox_sara.decoder",
)

#: mypyc puts the code of all the modules in one shared library; each module's own extension
#: only loads its part. Named inside the package so it is found wherever the package is.
GROUP: Final = "workbench._core"

#: Set (to anything but empty) to run the listed modules from their sources.
PURE_PYTHON_ENV: Final = "WORKBENCH_PURE_PYTHON"

_EXTENSIONS: Final = tuple(importlib.machinery.EXTENSION_SUFFIXES)

#: The directory that holds ``workbench`` and ``plugins``.
ROOT: Final = Path(__file__).resolve().parent.parent


def source_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def group_library() -> Path:
    """The build's shared library for this interpreter (it may not exist)."""
    group = ROOT.joinpath(*GROUP.split("."))
    return group.with_name(f"{group.name}__mypyc{_EXTENSIONS[0]}")


def why_not_compiled() -> str | None:
    """Why the listed modules must run from their sources, or None when the build may run.

    None too when there is no build at all: Python then finds only the sources anyway.
    """
    if os.environ.get(PURE_PYTHON_ENV):
        return f"{PURE_PYTHON_ENV} is set"
    try:
        built = group_library().stat().st_mtime
    except OSError:
        return None
    for module in COMPILED_MODULES:
        try:
            changed = source_path(module).stat().st_mtime
        except OSError:
            continue  # a bundle ships no sources
        if changed > built:
            return f"{source_path(module).relative_to(ROOT)} changed after the compiled build"
    return None


class _SourcesFirst(importlib.abc.MetaPathFinder):
    """Finds the listed modules' ``.py`` files, passing over their extensions."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in COMPILED_MODULES:
            return None
        name = fullname.rpartition(".")[2]
        for entry in path or sys.path:
            candidate = Path(entry) / f"{name}.py"
            if candidate.is_file():
                return importlib.util.spec_from_file_location(fullname, candidate)
        return None


def guard() -> str | None:
    """Load the listed modules from their sources if the build must not run; say why.

    Called once, from ``workbench/__init__``: a few ``stat`` calls, nothing read.
    """
    reason = why_not_compiled()
    if reason is None or any(isinstance(f, _SourcesFirst) for f in sys.meta_path):
        return reason
    sys.meta_path.insert(0, _SourcesFirst())
    if not os.environ.get(PURE_PYTHON_ENV):
        print(
            f"lwm2m-workbench: running the decode path from its sources ({reason}); "
            "rebuild it with: python scripts/build_core.py",
            file=sys.stderr,
        )
    return reason


def compiled_modules() -> dict[str, bool]:
    """Each listed module that this process has imported, and whether it runs compiled."""
    return {
        name: str(getattr(module, "__file__", "") or "").endswith(_EXTENSIONS)
        for name in COMPILED_MODULES
        if (module := sys.modules.get(name)) is not None
    }


def runs_compiled() -> bool:
    """Whether the decode path runs compiled (imports its modules to find out)."""
    for name in COMPILED_MODULES:
        importlib.import_module(name)
    return all(compiled_modules().values())
