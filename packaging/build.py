#!/usr/bin/env python3
"""Build the LwM2M Module Workbench bundle and installers for the OS this runs on.

    python packaging/build.py            # icons, bundle, installers, self-test of the result

Steps (each prints what it made and how big it is):

1. icons: PNG/ICO/ICNS rendered from ``resources/icons/lwm2m-workbench.svg`` with Qt
   (``build/icons``);
2. bundle: PyInstaller ``--onedir`` with ``packaging/lwm2m-workbench.spec`` (``dist/``);
3. installers: Linux ``.tar.gz`` and ``.deb`` (dpkg-deb); Windows Inno Setup ``setup.exe``
   (when ``iscc`` is found); macOS ``.dmg`` of the ``.app`` (when dmgbuild is installed);
4. self-test: the bundle, copied (or unpacked from the ``.tar.gz``) into a temporary folder
   outside the checkout, runs ``--self-test``; its wall time is printed.

Needs the ``build`` extra: ``pip install -e '.[build]'``. Exit status 0 only when every step
that could run on this machine succeeded.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import icons  # noqa: E402  (packaging/icons.py, beside this file)

APP = "lwm2m-workbench"
APP_NAME = "LwM2M Module Workbench"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
SPEC = HERE / f"{APP}.spec"
SVG = ROOT / "resources" / "icons" / f"{APP}.svg"
#: Where Inno Setup installs itself when it is not on PATH.
ISCC_DEFAULTS = (
    Path(os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")) / "Inno Setup 6",
    Path(os.environ.get("PROGRAMFILES", r"C:\Program Files")) / "Inno Setup 6",
)


def version() -> str:
    namespace: dict[str, str] = {}
    exec((ROOT / "workbench" / "__init__.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def size_of(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def say(text: str) -> None:
    print(f"build: {text}", flush=True)


def run(cmd: Sequence[str | Path], **kwargs: Any) -> None:
    say("$ " + " ".join(str(c) for c in cmd))
    subprocess.run([str(c) for c in cmd], check=True, **kwargs)


# -- bundle --------------------------------------------------------------------------------


def build_icons() -> dict[str, Path]:
    paths = icons.make_icons(SVG, BUILD / "icons", APP)
    say(f"icons: {', '.join(p.name for p in paths.values())} in {BUILD / 'icons'}")
    return paths


def build_bundle(keep_all: bool) -> Path:
    try:
        import PyInstaller  # noqa: F401
    except ImportError:
        sys.exit("build: PyInstaller is missing; install the build extra: pip install -e .[build]")
    env = dict(os.environ)
    if keep_all:
        env["LWM2M_PACKAGING_KEEP_ALL"] = "1"
    started = time.monotonic()
    run(
        [
            sys.executable, "-m", "PyInstaller", SPEC, "--noconfirm", "--clean",
            "--log-level", "WARN", "--distpath", DIST, "--workpath", BUILD / "pyinstaller",
        ],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    bundle = DIST / (f"{APP_NAME}.app" if sys.platform == "darwin" else APP)
    say(f"bundle: {bundle} {mb(size_of(bundle))} (PyInstaller {time.monotonic() - started:.0f} s)")
    return bundle


# -- Linux ---------------------------------------------------------------------------------


def build_tarball(bundle: Path, ver: str) -> Path:
    out = DIST / f"{APP}-{ver}-linux-{platform.machine()}.tar.gz"
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=f"{APP}-{ver}")
    return out


def build_deb(bundle: Path, icon_paths: dict[str, Path], ver: str) -> Path | None:
    if shutil.which("dpkg-deb") is None:
        say("deb: dpkg-deb not found, skipped")
        return None
    arch = subprocess.run(
        ["dpkg", "--print-architecture"], capture_output=True, text=True, check=True
    ).stdout.strip()
    root = BUILD / "deb" / APP
    if root.exists():
        shutil.rmtree(root)
    opt = root / "opt" / APP
    shutil.copytree(bundle, opt, symlinks=True)
    (root / "usr" / "bin").mkdir(parents=True)
    (root / "usr" / "bin" / APP).symlink_to(f"/opt/{APP}/{APP}")
    share = root / "usr" / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy2(HERE / "linux" / f"{APP}.desktop", share / "applications")
    (share / "doc" / APP).mkdir(parents=True)
    shutil.copy2(HERE / "linux" / "copyright", share / "doc" / APP)
    shutil.copytree(icon_paths["hicolor"], share / "icons" / "hicolor")
    (share / "icons" / "hicolor" / "scalable" / "apps").mkdir(parents=True)
    shutil.copy2(SVG, share / "icons" / "hicolor" / "scalable" / "apps")
    for path in [root, *root.rglob("*")]:  # files 644/755, whatever the umask of the build
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
        elif path.is_file() and not path.is_symlink():
            path.chmod(0o755 if os.access(path, os.X_OK) else 0o644)
    control = (
        (HERE / "linux" / "control")
        .read_text(encoding="utf-8")
        .format(version=ver, arch=arch, installed_kb=(size_of(root) + 1023) // 1024)
    )
    (root / "DEBIAN").mkdir()
    (root / "DEBIAN" / "control").write_text(control, encoding="utf-8")
    out = DIST / f"{APP}_{ver}_{arch}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Zgzip", "-z6", "--build", root, out])
    shutil.rmtree(root)
    return out


# -- Windows -------------------------------------------------------------------------------


def find_iscc() -> str | None:
    found = shutil.which("iscc") or shutil.which("ISCC")
    if found:
        return found
    for folder in ISCC_DEFAULTS:
        if (folder / "ISCC.exe").is_file():
            return str(folder / "ISCC.exe")
    return None


def build_setup_exe(bundle: Path, icon_paths: dict[str, Path], ver: str) -> Path | None:
    iscc = find_iscc()
    if iscc is None:
        say("setup.exe: Inno Setup (iscc) not found, skipped")
        return None
    run(
        [
            iscc, "/Qp", f"/DAppVersion={ver}", f"/DBundleDir={bundle}",
            f"/DIconFile={icon_paths['ico']}", f"/DOutputDir={DIST}",
            HERE / "windows" / "installer.iss",
        ]
    )  # fmt: skip
    return DIST / f"{APP}-{ver}-windows-x64-setup.exe"


# -- macOS ---------------------------------------------------------------------------------


def build_dmg(bundle: Path, ver: str) -> Path | None:
    try:
        import dmgbuild  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        say("dmg: dmgbuild not installed (pip install dmgbuild), skipped")
        return None
    out = DIST / f"{APP}-{ver}-macos-{platform.machine()}.dmg"
    out.unlink(missing_ok=True)
    run(
        [
            sys.executable, "-m", "dmgbuild", "-s", HERE / "macos" / "dmg_settings.py",
            "-D", f"app={bundle}", APP_NAME, out,
        ]
    )  # fmt: skip
    return out


# -- self-test -----------------------------------------------------------------------------


def self_test(bundle: Path, tarball: Path | None) -> float:
    """Run ``--self-test`` from a copy outside the checkout; returns the wall time."""
    with tempfile.TemporaryDirectory(prefix=f"{APP}-selftest-") as tmp:
        where = Path(tmp)
        if tarball is not None:  # test what users download
            with tarfile.open(tarball) as tar:
                tar.extractall(where, filter="tar")
            copy = next(where.iterdir())
        else:
            copy = where / bundle.name
            shutil.copytree(bundle, copy, symlinks=True)
        if sys.platform == "darwin":
            exe = copy / "Contents" / "MacOS" / APP
        elif sys.platform == "win32":
            exe = copy / f"{APP}-cli.exe"
        else:
            exe = copy / APP
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "LWM2M_"))}
        env["QT_QPA_PLATFORM"] = "offscreen"
        started = time.monotonic()
        proc = subprocess.run([str(exe), "--self-test"], cwd=where, env=env, timeout=300)
        seconds = time.monotonic() - started
    if proc.returncode != 0:
        sys.exit(f"build: the bundle's self-test failed (exit {proc.returncode})")
    return seconds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-installer", action="store_true", help="only the bundle")
    parser.add_argument("--no-self-test", action="store_true", help="skip the bundle's self-test")
    parser.add_argument(
        "--keep-all",
        action="store_true",
        help="skip the Qt module/translation exclusions (to measure what they save)",
    )
    args = parser.parse_args(argv)
    os.chdir(ROOT)
    started = time.monotonic()
    ver = version()
    icon_paths = build_icons()
    bundle = build_bundle(args.keep_all)
    artefacts: list[Path] = []
    tarball = None
    if not args.no_installer:
        if sys.platform.startswith("linux"):
            tarball = build_tarball(bundle, ver)
            artefacts += [tarball, *filter(None, [build_deb(bundle, icon_paths, ver)])]
        elif sys.platform == "win32":
            artefacts += filter(None, [build_setup_exe(bundle, icon_paths, ver)])
        elif sys.platform == "darwin":
            artefacts += filter(None, [build_dmg(bundle, ver)])
    test_seconds = None if args.no_self_test else self_test(bundle, tarball)
    say("summary")
    print(f"  bundle     {mb(size_of(bundle)):>10}  {bundle}")
    for artefact in artefacts:
        print(f"  artefact   {mb(size_of(artefact)):>10}  {artefact}")
    if test_seconds is not None:
        print(f"  self-test  {test_seconds:>8.1f} s  (wall time, from a copy outside the checkout)")
    print(f"  total      {time.monotonic() - started:>8.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
