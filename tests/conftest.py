"""Shared fixtures. Tests use fixtures written for this project, never ../shared/eval data."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import copy_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's default dataset setup (config + seeds) in a temp folder."""
    return copy_project(tmp_path)


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
