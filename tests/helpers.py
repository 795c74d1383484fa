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


#: The files that make up the project's default dataset setup (config, its licence notice, seeds).
PROJECT_FILES = ("corpuskit.toml", "DATA-NOTICE.md")


def copy_project(dest) -> Path:
    """Copy the default dataset's setup (``PROJECT_FILES`` and ``seeds/``) into ``dest``."""
    import shutil

    dest = Path(dest)
    for name in PROJECT_FILES:
        shutil.copy(ROOT / name, dest / name)
    shutil.copytree(SEED_DIR, dest / "seeds")
    return dest


def tree_digests(folder) -> dict[str, str]:
    """sha256 of every file under ``folder`` (written here, independently of the library)."""
    out = {}
    for directory, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(directory, name)
            with open(path, "rb") as handle:
                out[os.path.relpath(path, folder)] = hashlib.sha256(handle.read()).hexdigest()
    return out


def load_generate():
    """``benchmarks/generate.py`` (the benchmark corpus generator) as a module: the tests build
    their large inputs with it (``pool=False``: grammar only, no evaluation data)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("corpuskit_bench_generate", ROOT / "benchmarks" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
