"""Shared fixtures. Tests use fixtures written for this project, never ../shared/eval data."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

from helpers import copy_project

# Property tests draw the same examples on every run (the suite gates CI: a rare example
# must not fail one run and pass the next); `pytest --hypothesis-profile=explore
# --hypothesis-seed=N` draws new ones to search for counterexamples.
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("ci")


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
