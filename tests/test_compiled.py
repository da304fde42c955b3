"""The decode path compiled with mypyc (workbench/compiled.py): the suite runs the build, the
build and the sources give the same events, and a build older than its sources never runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from workbench import compiled

ROOT = Path(__file__).resolve().parents[1]

#: Every plugin's transcripts decoded, and odd lines besides: a digest of the events per plugin,
#: and which modules ran compiled.
_DIGESTS = """
import hashlib, json, sys
from pathlib import Path
from workbench import compiled
from workbench.app.pipeline import decode_log, events_of
from workbench.plugin.loader import discover_plugins
root = Path(sys.argv[1])
odd = b"\\r\\n".join([
    b"12:00:01.5 +CEREG: 5", b"[01:02:03] OK", b"+CME ERROR: 3", b"\\xff\\xfe garbage",
    b"+QLWURC: \\"report\\",1,\\"/3303/0/5700\\",\\"21.5\\"", b'+ULWM2MSTAT: 1,721,3',
    b"+CEREG: 1,\\"1A2B\\",\\"01A2B3C4\\",7", b"+CSQ: 99,99", b"AT+CGDCONT?", b"> ", b"",
])
out = {}
for plugin in discover_plugins(user=False, entry_points=False).plugins:
    package = type(plugin.make_decoder()).__module__.split(".")[1]
    folder = root / "tests/plugins" / package / "transcripts"
    log = b"\\r\\n".join(p.read_bytes() for p in sorted(folder.glob("*.txt"))) + b"\\r\\n" + odd
    digest = hashlib.sha256()
    for event in events_of(decode_log(log, plugin)):
        digest.update(event.to_json_line())
    out[plugin.id] = digest.hexdigest()
print(json.dumps({"digests": out, "compiled": compiled.compiled_modules()}))
"""


def _digests(env: dict[str, str], cwd: Path = ROOT) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _DIGESTS, str(ROOT)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != compiled.PURE_PYTHON_ENV}
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def _compiler() -> bool:
    return any(shutil.which(cc) for cc in ("cc", "gcc", "clang"))


def test_the_suite_runs_the_compiled_decode_path() -> None:
    """scripts/setup.sh builds it; a stale or failed build would leave every other test
    checking the sources only, and the decode benchmark measuring them."""
    if os.environ.get(compiled.PURE_PYTHON_ENV):
        pytest.skip(f"{compiled.PURE_PYTHON_ENV} is set")
    if not _compiler():
        pytest.skip("no C compiler: the decode path runs from its sources")
    assert compiled.runs_compiled(), (
        f"the decode path runs from its sources ({compiled.why_not_compiled() or 'no build'}): "
        "python scripts/build_core.py"
    )


def test_the_compiled_build_and_the_sources_give_the_same_events() -> None:
    built = _digests(_env())
    sources = _digests(_env(**{compiled.PURE_PYTHON_ENV: "1"}))
    assert sources["compiled"] and not any(sources["compiled"].values())  # type: ignore[attr-defined]
    assert built["digests"] == sources["digests"]
    assert len(built["digests"]) >= 7  # type: ignore[arg-type]


def test_a_source_edited_after_the_build_runs_every_module_from_its_sources(
    tmp_path: Path,
) -> None:
    """In a copy of the package (build included, times kept): one source made newer than
    the build, and the whole decode path runs from sources, with a word on stderr."""
    if not compiled.group_library().exists():
        pytest.skip("no compiled build to go stale")
    for package in ("workbench", "plugins"):
        shutil.copytree(ROOT / package, tmp_path / package, copy_function=shutil.copy2)
    probe = (
        "from workbench import compiled; print(compiled.runs_compiled(), "
        "compiled.why_not_compiled())"
    )
    env = {**_env(), "PYTHONPATH": str(tmp_path)}

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True,
            text=True, check=True, timeout=60,
        )  # fmt: skip

    fresh = run()
    assert fresh.stdout.split()[0] == "True" and fresh.stderr == ""
    engine = tmp_path / "workbench" / "at" / "engine.py"
    later = time.time() + 60
    os.utime(engine, (later, later))
    stale = run()
    assert stale.stdout.startswith("False workbench/at/engine.py changed after")
    assert "running the decode path from its sources" in stale.stderr
    assert "scripts/build_core.py" in stale.stderr


def test_the_build_runs_only_while_it_is_newer_than_every_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(compiled, "ROOT", tmp_path)
    monkeypatch.delenv(compiled.PURE_PYTHON_ENV, raising=False)
    assert compiled.why_not_compiled() is None  # no build: Python finds the sources anyway
    library = compiled.group_library()
    library.parent.mkdir(parents=True)
    library.write_bytes(b"")
    source = compiled.source_path(compiled.COMPILED_MODULES[0])
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text("")
    os.utime(source, (1_000, 1_000))
    os.utime(library, (2_000, 2_000))
    assert compiled.why_not_compiled() is None
    os.utime(source, (3_000, 3_000))
    assert compiled.why_not_compiled() == "workbench/at/types.py changed after the compiled build"
    monkeypatch.setenv(compiled.PURE_PYTHON_ENV, "1")
    assert compiled.why_not_compiled() == f"{compiled.PURE_PYTHON_ENV} is set"


#: In the sources: every dataclass of the compiled modules that writes its ``__init__`` out,
#: and where that ``__init__`` disagrees with the fields (names, order, defaults).
_WRITTEN_OUT = """
import dataclasses, importlib, inspect, json
from workbench.compiled import COMPILED_MODULES
checked, wrong = [], []
for name in COMPILED_MODULES:
    module = importlib.import_module(name)
    for cls in vars(module).values():
        if not (inspect.isclass(cls) and cls.__module__ == name and dataclasses.is_dataclass(cls)):
            continue
        if cls.__dataclass_params__.init or "__init__" not in vars(cls):
            continue
        checked.append(f"{name}.{cls.__qualname__}")
        params = list(inspect.signature(cls.__init__).parameters.values())[1:]
        fields = [f for f in dataclasses.fields(cls) if f.init]
        if [p.name for p in params] != [f.name for f in fields]:
            wrong.append(f"{cls.__qualname__}: parameters {[p.name for p in params]}")
            continue
        for p, f in zip(params, fields):
            if f.default is not dataclasses.MISSING:
                want = f.default
            elif f.default_factory is not dataclasses.MISSING:
                want = None  # the written-out __init__ makes the fresh value itself
            else:
                want = inspect.Parameter.empty
            if p.default != want:
                wrong.append(f"{cls.__qualname__}.{p.name}: default {p.default!r}, field {want!r}")
print(json.dumps({"checked": checked, "wrong": wrong}))
"""


def test_every_written_out_init_matches_its_dataclass_fields() -> None:
    """The per-line classes write their ``__init__`` out (a compiled dataclass keeps the
    generated one as interpreted Python): the parameters must stay the fields, in order, with
    the fields' defaults, or ``replace()`` and callers by keyword would break."""
    done = subprocess.run(
        [sys.executable, "-c", _WRITTEN_OUT],
        cwd=ROOT,
        env=_env(**{compiled.PURE_PYTHON_ENV: "1"}),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["wrong"] == []
    assert {"workbench.at.types.Line", "workbench.module.events.Event"} <= set(found["checked"])
