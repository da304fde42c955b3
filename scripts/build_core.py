"""Compile the decode path with mypyc, in place (see ``workbench/compiled.py`` for why).

    python scripts/build_core.py            # build, or refresh when a source changed
    python scripts/build_core.py --clean    # remove this interpreter's build: pure Python
    python scripts/build_core.py --strict   # fail (exit 1) instead of falling back

Run with the project's environment (``scripts/setup.sh`` does, after installing it): mypyc
comes with mypy (the ``dev`` extra) and builds with setuptools and the system's C compiler.
Without a compiler the build fails, says so, and the workbench runs its sources (slower
decoding, same events); ``--strict`` makes that an error. Each interpreter gets its own
extensions (their names carry its ABI), so a 3.11 and a 3.12 environment share a checkout.

A build is skipped when nothing it was made from changed (the sources, mypy, the interpreter:
their hash is kept under ``build/``); the shared library is then touched, so the run-time
guard, which compares modification times, sees it as newer than a freshly checked-out source.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.machinery
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ["WORKBENCH_PURE_PYTHON"] = "1"  # this process imports the sources, never the build

from workbench.compiled import COMPILED_MODULES, GROUP, group_library, source_path  # noqa: E402

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]
BUILD_DIR = ROOT / "build" / f"mypyc-{sysconfig.get_config_var('SOABI') or sys.version_info[:2]}"

#: Run in a child process so setuptools' and mypyc's state never touches the caller's.
_SETUP = """
import sys
from setuptools import setup
from mypyc.build import mypycify
paths, group, target = sys.argv[1].split(","), sys.argv[2], sys.argv[3]
sys.argv = [sys.argv[0], "build_ext", "--inplace", "--build-temp", target + "/temp"]
setup(
    name="lwm2m-workbench-core",
    ext_modules=mypycify(paths, group_name=group, target_dir=target, opt_level="3"),
    script_args=sys.argv[1:],
)
"""


def outputs() -> list[Path]:
    """This interpreter's extension files of the build (existing or not)."""
    files = [source_path(m).with_suffix(SUFFIX) for m in COMPILED_MODULES]
    return [*files, group_library()]


def fingerprint() -> str:
    digest = hashlib.sha256()
    import mypy.version

    digest.update(f"{sys.version}|{mypy.version.__version__}|{GROUP}".encode())
    for module in COMPILED_MODULES:
        digest.update(module.encode() + b"\0" + source_path(module).read_bytes())
    digest.update((ROOT / "pyproject.toml").read_bytes())  # mypy's settings
    return digest.hexdigest()


def clean() -> None:
    for path in outputs():
        path.unlink(missing_ok=True)
    shutil.rmtree(BUILD_DIR, ignore_errors=True)


def build(strict: bool) -> int:
    stamp = BUILD_DIR / "stamp"
    want = fingerprint()
    if all(p.exists() for p in outputs()) and stamp.is_file() and stamp.read_text() == want:
        os.utime(group_library())
        print("build_core: the compiled decode path is up to date")
        return 0
    print(f"build_core: compiling {len(COMPILED_MODULES)} modules with mypyc (about a minute)")
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    paths = [str(source_path(m).relative_to(ROOT)) for m in COMPILED_MODULES]
    with tempfile.TemporaryFile("w+") as log:
        done = subprocess.run(
            [sys.executable, "-c", _SETUP, ",".join(paths), GROUP, str(BUILD_DIR)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
        if done.returncode != 0:
            log.seek(0)
            tail = log.read()[-3000:]
            clean()
            print(tail, file=sys.stderr)
            print(
                "build_core: mypyc could not compile the decode path (see above); the "
                "workbench runs it from its sources, with the same events, more slowly",
                file=sys.stderr,
            )
            return 1 if strict else 0
    stamp.write_text(want)
    os.utime(group_library())  # newer than every source, whatever the build copied first
    print("build_core: done")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clean", action="store_true", help="remove this interpreter's build")
    parser.add_argument("--strict", action="store_true", help="exit 1 if the build fails")
    args = parser.parse_args(argv)
    if args.clean:
        clean()
        print("build_core: removed; the decode path runs from its sources")
        return 0
    return build(args.strict)


if __name__ == "__main__":
    sys.exit(main())
