"""Paths and small helpers shared by tests (importable: tests/ is on pythonpath)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_DIR = ROOT / "seeds"
DIST = ROOT / "dist"
EVAL = ROOT.parent / "shared" / "eval"
