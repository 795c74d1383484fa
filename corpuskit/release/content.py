"""Rebuilt with other software: compare what a version *says*, not its bytes.

A rebuild is byte-identical only with the software versions the manifest
records (parquet encoders, the card's YAML writer, corpuskit's own card text all
show in the bytes). With other versions, ``check --rebuild`` says which differ
and compares the records of every configuration by content, plus the parts of
the manifest that describe the data (rows, inputs, configuration, step counts).
"""

from __future__ import annotations

import os

#: Manifest keys that describe the data, not its encoding.
CONTENT_KEYS = ("name", "version", "rows", "removed_by_reason", "inputs", "config", "steps", "skipped_chunks")


def software_differences(recorded: dict) -> list[str]:
    """``"pyarrow 26.0.1 -> 21.0.0"`` for every recorded package whose installed version differs."""
    from corpuskit.publish.manifest import software_versions

    current = software_versions()
    return [f"{name} {recorded.get(name, 'not recorded')} -> {current.get(name, 'not recorded')}"
            for name in sorted(set(recorded) | set(current)) if recorded.get(name) != current.get(name)]


def _rows(folder: str, sub: str) -> list[dict]:
    import glob

    import pyarrow.parquet as pq

    rows: list[dict] = []
    for path in sorted(glob.glob(os.path.join(folder, sub, "*.parquet"))):
        rows.extend(pq.read_table(path).to_pylist())
    return rows


def compare_content(published: str, rebuilt: str) -> list[tuple[str, str]]:
    """(item, reason) for every record or manifest fact that differs in content."""
    from corpuskit.publish.manifest import read_manifest

    problems = []
    for config, sub in (("default", "data"), ("removed", "removed")):
        ours, theirs = _rows(published, sub), _rows(rebuilt, sub)
        if len(ours) != len(theirs):
            problems.append((config, f"{len(ours)} records published, the rebuild has {len(theirs)}"))
            continue
        for mine, other in zip(ours, theirs):
            fields = [k for k in sorted(set(mine) | set(other)) if mine.get(k) != other.get(k)]
            if fields:
                problems.append((f"{mine.get('id')} ({config})", f"rebuild differs in {', '.join(fields)}"))
    a, b = read_manifest(published), read_manifest(rebuilt)
    for key in CONTENT_KEYS:
        if a.get(key) != b.get(key):
            problems.append(("manifest.json", f"rebuild differs in {key}"))
    return problems
