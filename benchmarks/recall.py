"""Score dedup clusters against the generator's ground truth (``generate.py`` ``truth``).

``score(truth, representative)`` takes the generator's ``(copy id, original id, kind)``
rows and a mapping ``id -> id of the record it was merged into`` (only records that
were merged need an entry) and returns:

``recall:<kind>``   share of copies of that kind in the same cluster as their original
``distinct_removed`` records merged into a record of another true cluster (a distinct
                    article lost: 0 is the target)
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path


def score(truth: list[tuple[str, str, str]], merged_into: dict[str, str]) -> dict:
    group = {copy: original for copy, original, _ in truth}

    def rep(record: str) -> str:
        return merged_into.get(record, record)

    found: Counter = Counter()
    total: Counter = Counter()
    for copy, original, kind in truth:
        total[kind] += 1
        found[kind] += rep(copy) == rep(original)
    wrong = sum(1 for record, kept in merged_into.items()
                if group.get(record, record) != group.get(kept, kept))
    out = {f"recall:{kind}": round(found[kind] / total[kind], 4) for kind in sorted(total)}
    out.update({f"missed:{kind}": total[kind] - found[kind] for kind in sorted(total)})
    out["distinct_removed"] = wrong
    return out


def build_merges(folder: str | Path) -> dict[str, str]:
    """``id -> duplicate_of`` of every record a build removed as a duplicate (``removed/`` shards)."""
    import pyarrow.parquet as pq

    merged: dict[str, str] = {}
    for shard in sorted(Path(folder).rglob("removed/*.parquet")):
        table = pq.read_table(shard, columns=["id", "removed"])
        for record, info in zip(table.column("id").to_pylist(), table.column("removed").to_pylist()):
            if info and info.get("reason") == "duplicate":
                merged[record] = info["duplicate_of"]
    return merged
