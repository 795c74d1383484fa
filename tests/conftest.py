"""Shared fixtures. Tests use fixtures written for this project, never ../shared/eval data."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from helpers import ROOT, SEED_DIR


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's default dataset setup (config + seeds) in a temp folder."""
    shutil.copy(ROOT / "corpuskit.toml", tmp_path / "corpuskit.toml")
    shutil.copytree(SEED_DIR, tmp_path / "seeds")
    return tmp_path


@pytest.fixture
def chdir(monkeypatch):
    def change(path):
        monkeypatch.chdir(path)
        return path

    return change


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Tests never touch the network: datasets and the Hub run offline."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")
