"""Locating the shipped ``resources`` folder in a checkout, a bundle, or by override."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from workbench.resources import RESOURCES_ENV, resource_dir

REPO_ROOT = Path(__file__).resolve().parents[1]


def test_source_checkout(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    assert resource_dir() == REPO_ROOT / "resources"
    assert (resource_dir() / "objects").is_dir()


def test_pyinstaller_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_dir() == tmp_path / "resources"


def test_meipass_alone_is_not_a_bundle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(RESOURCES_ENV, raising=False)
    monkeypatch.delattr(sys, "frozen", raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resource_dir() == REPO_ROOT / "resources"


def test_environment_override_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(RESOURCES_ENV, str(tmp_path))
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", "/elsewhere", raising=False)
    assert resource_dir() == tmp_path
    monkeypatch.setenv(RESOURCES_ENV, "  ")
    assert resource_dir() == Path("/elsewhere") / "resources"
