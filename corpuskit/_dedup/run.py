"""Run the dedup stage on a file of records (the ``corpuskit dedup`` command's library side).

The same reader, record runner and engine as a build: the reader cuts the file
into units (raw blocks of JSON Lines, parsed where they are processed), the
engine computes the ``dedup`` step's signatures on them, and the parent keeps
only the signatures (flat arrays in the engine) and the ids as one byte buffer
of their JSON text plus offsets (:class:`Ids`), never a Python object per
record. The output is written once, in input order, after ``resolve``.
"""

from __future__ import annotations

import contextlib
import json
from array import array

import numpy as np
import xxhash

from corpuskit.errors import InputError


class Ids:
    """The records' ids as their JSON text in one buffer, with line numbers (flat arrays)."""

    def __init__(self) -> None:
        self.text = bytearray()
        self.offsets = array("q", [0])
        self.lines = array("q")
        self.hashes = array("Q")

    def append(self, record_id, line_no: int) -> None:
        encoded = json.dumps(record_id, ensure_ascii=False).encode("utf-8")
        self.text += encoded
        self.offsets.append(len(self.text))
        self.lines.append(line_no)
        self.hashes.append(xxhash.xxh3_64_intdigest(str(record_id).encode("utf-8", "surrogatepass")))

    def __len__(self) -> int:
        return len(self.lines)

    def __getitem__(self, index: int) -> str:
        """Record ``index``'s id as JSON text."""
        return self.text[self.offsets[index]:self.offsets[index + 1]].decode("utf-8")

    def repeated(self) -> int | None:
        """Index of the first record whose id (as a string) an earlier record has, or None."""
        hashes = np.frombuffer(self.hashes, dtype=np.uint64) if len(self) else np.empty(0, np.uint64)
        order = np.argsort(hashes, kind="stable")
        ranked = hashes[order]
        found = []
        for value in np.unique(ranked[1:][ranked[1:] == ranked[:-1]]).tolist():
            seen: set[str] = set()  # equal hashes (rare): compare the ids themselves, in input order
            lo = int(np.searchsorted(ranked, np.uint64(value), "left"))
            hi = int(np.searchsorted(ranked, np.uint64(value), "right"))
            for index in order[lo:hi].tolist():
                key = _key(self[index])
                if key in seen:
                    found.append(index)
                seen.add(key)
        return min(found) if found else None


def _key(encoded: str) -> str:
    return str(json.loads(encoded))


def _lines_only(kept: list[dict], dropped: list[dict]) -> tuple[list[int], list[int]]:
    """What a worker sends back of a unit's records: their lines (ids and signatures travel apart)."""
    return [r["source"]["start_line"] for r in kept], [r["source"]["start_line"] for r in dropped]


def _signed(input_path: str, ids: Ids, step, dedup, engine) -> None:
    """Read ``input_path`` through the engine: every record's id and line into ``ids``, the
    signature of every record with text into ``dedup`` (under the record's input position)."""
    from corpuskit.pipeline import Runner
    from corpuskit.readers import Reader, expand_inputs

    runner = Runner([], [step], encode=_lines_only)
    reader = Reader(expand_inputs([input_path]))
    with contextlib.closing(reader.units()) as units, \
            contextlib.closing(engine.map(runner, units)) as results:
        for result in results:
            first = len(ids)
            lines = dict(zip(result.kept_at, result.kept))
            lines.update(zip(result.dropped_at, result.dropped))
            for position, base in enumerate(result.ids):
                ids.append(base, lines[position])
            for position, signature in zip(result.kept_at, result.signatures[0]):
                dedup.add(first + position, signature)


def dedup_jsonl(input_path: str, out_path: str, preset: str = "default", workers: int | None = None,
                explain_path: str | None = None, engine=None) -> dict:
    """Cluster ``input_path``; write ``{"id", "cluster"}`` lines in input order to ``out_path``.

    Records are read as a build reads them (ids are strings; a record without an
    id gets its content id); a record without text is in no cluster but its own.
    """
    from corpuskit.engine import engine_for
    from corpuskit.steps.dedup import Dedup

    step = Dedup(preset=preset)
    dedup = step.engine()
    ids = Ids()
    _signed(input_path, ids, step, dedup, engine or engine_for("local", workers))
    repeated = ids.repeated()
    if repeated is not None:
        raise InputError(f"duplicate id {json.loads(ids[repeated])!r}", input_path, ids.lines[repeated])
    clusters = dedup.resolve(threads=workers)
    with open(out_path, "w", encoding="utf-8") as out:
        for index in range(len(ids)):
            out.write(f'{{"id": {ids[index]}, "cluster": {ids[clusters.representative(index)]}}}\n')
    if explain_path:
        with open(explain_path, "w", encoding="utf-8") as out:
            for kept in sorted(clusters.members):
                for m in sorted(clusters.members[kept], key=lambda m: m.index):
                    e = m.evidence
                    out.write(json.dumps({
                        "kept": json.loads(ids[kept]), "copy": json.loads(ids[m.index]), "match": m.match,
                        "similarity": m.similarity,
                        "headline": round(e.headline, 4) if e else None,
                        "numbers": round(e.numbers, 4) if e else None,
                        "days_apart": e.days if e else None,
                    }, ensure_ascii=False) + "\n")
    return {"records": len(ids), "clusters": len(ids) - len(clusters.kept_of),
            "copies": len(clusters.kept_of)}
