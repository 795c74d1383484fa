"""The record model: one article plus its provenance, as a plain dict.

Records are plain ``dict`` objects so that batches pickle cheaply between worker
processes and map one-to-one onto Arrow rows. Steps never mutate a record they
receive; they return a new dict (``with_changes``).

Keys (all present on every record leaving a reader):

``id``        stable id (see :func:`content_id`)
``title`` ``outlet`` ``date`` (ISO ``YYYY-MM-DD``) ``time`` ``author`` ``url``  may be None
``text``      body, paragraphs joined by one blank line
``language`` ``language_score``   filled by ``detect_language`` (None before)
``source``    dict: path, sha256, start_line, end_line, start_byte, end_byte
``edits``     list of edit dicts: step, field, action, detail, count
``steps``     names of the steps that changed the record, in pipeline order
``merged``    copies merged into this record by ``dedup``
"""

from __future__ import annotations

import hashlib
from typing import Any

Record = dict[str, Any]


def new_record(
    *,
    text: str,
    source: dict,
    title: str | None = None,
    outlet: str | None = None,
    date: str | None = None,
    time: str | None = None,
    author: str | None = None,
    url: str | None = None,
    id: str | None = None,
    extra: dict | None = None,
) -> Record:
    """Make a record as a reader emits it (no edits yet)."""
    record: Record = {
        "id": id,
        "title": title,
        "outlet": outlet,
        "date": date,
        "time": time,
        "author": author,
        "url": url,
        "text": text,
        "language": None,
        "language_score": None,
        "source": source,
        "edits": [],
        "steps": [],
        "merged": [],
    }
    if extra:
        record["extra"] = extra
    return record


def source_span(
    path: str, sha256: str, start_line: int, end_line: int, start_byte: int, end_byte: int
) -> dict:
    return {
        "path": path,
        "sha256": sha256,
        "start_line": start_line,
        "end_line": end_line,
        "start_byte": start_byte,
        "end_byte": end_byte,
    }


def content_id(raw: bytes) -> str:
    """Stable id of an article: a hash of its raw bytes in the source.

    It does not depend on row order, on other articles in the file, or on the
    pipeline configuration. Identical copies get the same base id; the reader
    layer disambiguates repeats with a ``-2``, ``-3`` suffix in input order.
    """
    return hashlib.sha256(raw).hexdigest()[:16]


def with_changes(record: Record, step: str, edits: list[dict], **fields: Any) -> Record:
    """Return a copy of ``record`` with ``fields`` replaced and ``edits`` logged.

    ``step`` is added to ``steps`` when at least one edit is recorded.
    """
    out = dict(record)
    out.update(fields)
    if edits:
        out["edits"] = record["edits"] + edits
        if step not in record["steps"]:
            out["steps"] = record["steps"] + [step]
    return out


def edit(step: str, field: str, action: str, detail: str = "", count: int = 1) -> dict:
    """One provenance entry: what ``step`` did to ``field``."""
    return {"step": step, "field": field, "action": action, "detail": detail, "count": count}
