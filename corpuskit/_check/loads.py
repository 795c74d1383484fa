"""Load check: ``datasets.load_dataset`` reads every config offline, as declared.

``loads``  each config loads with a fresh cache (a stale cache would hide a broken
           folder: the local-folder cache key is the folder name plus the card YAML)
           and yields the declared features and row counts.
"""

from __future__ import annotations

import os
import shutil
import tempfile

from corpuskit._check.folder import VersionFolder
from corpuskit._check.report import CheckResult


def check_loads(folder: VersionFolder) -> CheckResult:
    result = CheckResult("loads")
    os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ["HF_HUB_OFFLINE"] = "1"
    import datasets
    from datasets import Features

    datasets.config.HF_DATASETS_OFFLINE = True
    datasets.config.HF_HUB_OFFLINE = True
    bars = datasets.utils.logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    verbosity = datasets.logging.get_verbosity()
    datasets.logging.set_verbosity_error()
    infos = {i.get("config_name", "default"): i for i in (folder.front_matter or {}).get("dataset_info") or []
             if isinstance(i, dict)}
    cache = tempfile.mkdtemp(prefix="corpuskit-check-cache-")
    loaded = []
    try:
        for name in folder.config_names():
            result.checked += 1
            if _allowed_empty(folder, name):
                result.warn(name, "no rows: datasets cannot load an empty split (published with "
                                  "[check] allow_empty = true)")
                continue
            try:
                dataset = datasets.load_dataset(folder.path, name, cache_dir=cache)
            except Exception as exc:  # noqa: BLE001 - any load failure is the finding
                message = " ".join(str(exc).split())
                result.fail(name, f"load_dataset failed: {type(exc).__name__}: {message[:300]}")
                continue
            info = infos.get(name) or {}
            try:
                declared = Features._from_yaml_list(info["features"]) if "features" in info else None
            except Exception:  # noqa: BLE001 - reported by files.schema
                declared = None
            splits = {s.get("name"): s.get("num_examples") for s in info.get("splits") or []
                      if isinstance(s, dict)}
            for split, part in dataset.items():
                if declared is not None and part.features != declared:
                    result.fail(f"{name}/{split}", "loaded features differ from the declared ones")
                if split in splits and splits[split] != part.num_rows:
                    result.fail(f"{name}/{split}", f"loaded {part.num_rows} rows, card says {splits[split]}")
                loaded.append(f"{name}/{split} {part.num_rows}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        datasets.logging.set_verbosity(verbosity)
        if bars:
            datasets.enable_progress_bars()
    result.summary = (f"load_dataset offline: {', '.join(loaded)} rows as declared" if not result.problems
                      else f"{len(result.problems)} config(s) do not load as declared")
    return result


def _allowed_empty(folder: VersionFolder, name: str) -> bool:
    """A config without rows that the recorded ``[check] allow_empty`` allows: ``datasets``
    refuses to load an empty split ("corresponds to no data"), so loading it proves nothing."""
    rows = folder.manifest.get("rows")
    return (isinstance(rows, dict) and rows.get(name) == 0
            and folder.check_setting("allow_empty", False) is True)


CHECKS = (check_loads,)
