"""Run the dedup stage on a JSONL file of ``{"id", "text"}`` records (the CLI's library side).

Streams: the input is read once, in batches whose signatures are computed on the
workers while the next batch is parsed; the parent keeps only the signatures
(flat arrays in the engine) and the ids as one byte buffer of their JSON text plus
offsets (:class:`Ids`), never a Python object per record. The output is written
once, in input order, after ``resolve``.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Iterator

import numpy as np
import xxhash

from corpuskit._dedup.engine import Deduplicator, DedupParams
from corpuskit.errors import InputError

#: records per batch handed to the workers (a few MB of text)
BATCH = 2048


def read_records(path: str) -> Iterator[tuple[int, dict]]:
    """Yield ``(line number, {"id", "text", "title": None, "date": None})`` per record;
    InputError names file and line. Repeated ids are found afterwards (:meth:`Ids.repeated`)."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    with handle:
        line_no = 0
        try:
            for line_no, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    item = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"not valid JSON ({exc.msg}, column {exc.colno})", path, line_no) from None
                if not isinstance(item, dict):
                    raise InputError("expected a JSON object with \"id\" and \"text\"", path, line_no)
                if "id" not in item or not isinstance(item.get("text"), str):
                    missing = "id" if "id" not in item else "text (a string)"
                    raise InputError(f"record has no {missing}", path, line_no)
                yield line_no, {"id": item["id"], "text": item["text"], "title": None, "date": None}
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", path, line_no + 1) from None


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


_ENGINE = Deduplicator()


def _signature(record: dict):
    return _ENGINE.signature(record)


def _batches(path: str, ids: Ids) -> Iterator[list[dict]]:
    batch: list[dict] = []
    for line_no, record in read_records(path):
        ids.append(record["id"], line_no)
        batch.append(record)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _signatures(path: str, ids: Ids, workers: int) -> Iterator:
    """Signatures in input order; with workers, one batch is signed while the next is read."""
    batches = _batches(path, ids)
    if workers <= 1:
        for batch in batches:
            yield from map(_ENGINE.signature, batch)
        return
    import multiprocessing

    from corpuskit.engine import _Pool  # its terminate kills: a plain Pool's can hang on a worker

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with _Pool(workers, context=multiprocessing.get_context(method)) as pool:
        pending = None
        for batch in batches:
            started = pool.map_async(_signature, batch, chunksize=max(1, len(batch) // (4 * workers)))
            if pending is not None:
                yield from pending.get()
            pending = started
        if pending is not None:
            yield from pending.get()


def dedup_jsonl(input_path: str, out_path: str, preset: str = "default", workers: int | None = None,
                explain_path: str | None = None) -> dict:
    """Cluster ``input_path``; write ``{"id", "cluster"}`` lines in input order to ``out_path``."""
    from corpuskit.engine import default_workers

    workers = workers or default_workers()
    engine = Deduplicator(DedupParams(preset=preset))
    ids = Ids()
    for index, signature in enumerate(_signatures(input_path, ids, workers)):
        engine.add(index, signature)
    repeated = ids.repeated()
    if repeated is not None:
        raise InputError(f"duplicate id {json.loads(ids[repeated])!r}", input_path, ids.lines[repeated])
    clusters = engine.resolve(threads=workers)
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
