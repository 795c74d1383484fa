"""Paths and small helpers shared by tests (importable: tests/ is on pythonpath)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_DIR = ROOT / "seeds"
DIST = ROOT / "dist"
EVAL = ROOT.parent / "shared" / "eval"


def tree_digests(folder) -> dict[str, str]:
    """sha256 of every file under ``folder`` (written here, independently of the library)."""
    out = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return out
