"""Run the dedup stage on a JSONL file of ``{"id", "text"}`` records (the CLI's library side)."""

from __future__ import annotations

import json
from collections.abc import Iterator

from corpuskit.dedup.engine import Deduplicator, DedupParams
from corpuskit.errors import InputError


def read_records(path: str) -> Iterator[dict]:
    """Yield ``{"id", "text", "title": None}`` per line; InputError names file and line."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", path) from None
    with handle:
        seen: set[str] = set()
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
                key = str(item["id"])
                if key in seen:
                    raise InputError(f"duplicate id {item['id']!r}", path, line_no)
                seen.add(key)
                yield {"id": item["id"], "text": item["text"], "title": None, "date": None}
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", path, line_no + 1) from None


def _signature(record: dict):
    return _ENGINE.signature(record)


_ENGINE = Deduplicator()


def _signatures(records: list[dict], workers: int) -> Iterator:
    if workers <= 1 or len(records) < 2000:
        yield from map(_ENGINE.signature, records)
        return
    import multiprocessing

    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    with multiprocessing.get_context(method).Pool(workers) as pool:
        yield from pool.imap(_signature, records, chunksize=256)


def dedup_jsonl(input_path: str, out_path: str, preset: str = "default", workers: int | None = None,
                explain_path: str | None = None) -> dict:
    """Cluster ``input_path``; write ``{"id", "cluster"}`` lines in input order to ``out_path``."""
    from corpuskit.pipeline import default_workers

    workers = workers or default_workers()
    engine = Deduplicator(DedupParams(preset=preset))
    records = list(read_records(input_path))
    ids = [r["id"] for r in records]
    for index, signature in enumerate(_signatures(records, workers)):
        engine.add(index, signature)
    del records
    clusters = engine.resolve(threads=workers)
    with open(out_path, "w", encoding="utf-8") as out:
        for index, record_id in enumerate(ids):
            out.write(json.dumps({"id": record_id, "cluster": ids[clusters.representative(index)]},
                                 ensure_ascii=False) + "\n")
    if explain_path:
        with open(explain_path, "w", encoding="utf-8") as out:
            for kept in sorted(clusters.members):
                for m in sorted(clusters.members[kept], key=lambda m: m.index):
                    e = m.evidence
                    out.write(json.dumps({
                        "kept": ids[kept], "copy": ids[m.index], "match": m.match,
                        "similarity": m.similarity,
                        "headline": round(e.headline, 4) if e else None,
                        "numbers": round(e.numbers, 4) if e else None,
                        "days_apart": e.days if e else None,
                    }, ensure_ascii=False) + "\n")
    return {"records": len(ids), "clusters": len(ids) - len(clusters.kept_of),
            "copies": len(clusters.kept_of)}
