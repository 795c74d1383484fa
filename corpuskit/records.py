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
``edits``     list of edit dicts: step, field, action, detail, count, fixes (see :func:`edit`)
``steps``     names of the steps that changed the record, in pipeline order
``merged``    copies merged into this record by ``dedup``
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import re
from typing import Any

from corpuskit.errors import InputError
from corpuskit.fixes import between

Record = dict[str, Any]

#: The record fields that hold text (str or None), checked by :func:`new_record`.
STRING_FIELDS = ("id", "title", "outlet", "date", "time", "author", "url", "text")
#: What an id may be (the gate checks published ids with the same pattern): room is left
#: for the ``-2``, ``-3`` suffix of a repeat within the gate's 128 characters.
ID_PATTERN = re.compile(r"^[A-Za-z0-9][^\s\x00-\x1f\x7f]{0,127}$")
MAX_INPUT_ID = 100
READ_STEP = "read"  # the step name of edits made while reading (provenance)
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATE_TIME = re.compile(r"^(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)"
                            r"(?P<zone>Z|[+-]\d{2}:?\d{2})?$")


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
    """Make a record as a reader emits it, with the promises the published data keeps.

    Every reader makes its records here, so this is where input is held to the
    schema: text fields are real Unicode (a lone surrogate, which JSON escapes
    such as ``"\\udc80"`` produce, cannot be published as UTF-8), the id is one
    the gate accepts, and ``date`` is ISO ``YYYY-MM-DD`` (:func:`iso_date`).
    Anything else raises :class:`~corpuskit.errors.InputError` naming the
    source file and line.
    """
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
    _check_strings(record)
    if date is not None:
        record["date"], dropped = _date_or_error(date, source)
        if dropped:
            record["edits"].append(edit_between(READ_STEP, "date", "date_only", date, record["date"],
                                                f"{date!r} -> {record['date']!r}"))
            record["steps"].append(READ_STEP)
    if extra:
        record["extra"] = extra
    return record


def _where(source: dict) -> tuple[str | None, int | None]:
    return source.get("path"), source.get("start_line")


def require_unicode(name: str, value: str, path: str | None, line: int | None) -> None:
    """Raise an InputError naming ``path:line`` if field ``name`` holds a lone surrogate.

    Such a string (``json.loads`` makes one from an escape like ``"\\udc80"``)
    cannot be written as UTF-8: refused where it is read, it never reaches a
    step or a writer.
    """
    if value.isascii():
        return
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InputError(
            f"field {name!r} is not valid Unicode (lone surrogate {value[exc.start]!r} at character "
            f"{exc.start + 1}, e.g. from a JSON escape like \"\\udc80\"); fix or remove it in the source",
            path, line) from None


def _check_strings(record: Record) -> None:
    for name in STRING_FIELDS:
        value = record[name]
        if value is not None and not value.isascii():  # an ASCII string is valid (require_unicode)
            require_unicode(name, value, *_where(record["source"]))
    rid = record["id"]
    if rid is not None and (len(rid) > MAX_INPUT_ID or not ID_PATTERN.match(rid)):
        raise InputError(f"field 'id' {rid[:40]!r}{'...' if len(rid) > 40 else ''} is not a usable id: "
                         f"1-{MAX_INPUT_ID} characters, no spaces or control characters, starting with a "
                         "letter or digit; fix it, or leave the id out to get a content hash",
                         *_where(record["source"]))


def iso_date(value: str) -> tuple[str, bool] | None:
    """The ISO ``YYYY-MM-DD`` of a date value, and whether a time of day was dropped; None if invalid.

    Accepted: ``YYYY-MM-DD`` (a real calendar date), and an ISO 8601 date and
    time (``2020-09-28T15:25:00Z``, as a Parquet timestamp is read), whose date
    is taken as written. The dropped part counts as an edit unless it is a bare
    midnight without an offset (what a Parquet date stored as a timestamp holds).
    Anything else is refused, never guessed: ``09/10/2020`` has two readings.

    >>> iso_date("2020-09-28"), iso_date("2020-09-28T00:00:00"), iso_date("2020-09-28T15:25:00+03:00")
    (('2020-09-28', False), ('2020-09-28', False), ('2020-09-28', True))
    >>> iso_date("Feb 30 2020"), iso_date("2020-02-30"), iso_date("2020-09-28T25:00")
    (None, None, None)
    """
    match = _ISO_DATE_TIME.match(value)
    day = match.group("date") if match else value
    if not _ISO_DATE.match(day):
        return None
    try:
        _dt.date.fromisoformat(day)
        if match:
            _dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not match:
        return day, False
    midnight = match.group("zone") is None and not match.group("time").replace("0", "").strip(":.")
    return day, not midnight


def _date_or_error(value: str, source: dict) -> tuple[str | None, bool]:
    if not value.strip():
        return None, False
    parsed = iso_date(value.strip())
    if parsed is None:
        raise InputError(f"field 'date' {value[:40]!r} is not an ISO date; write it as YYYY-MM-DD "
                         "(e.g. 2020-09-28) or leave it empty", *_where(source))
    return parsed


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

    ``step`` is added to ``steps`` when at least one edit is recorded. A plain dict
    without provenance yet (``step.apply({"text": ...})``) gets it here.
    """
    out = dict(record)
    out.update(fields)
    if edits:
        out["edits"] = record.get("edits", []) + edits
        steps = record.get("steps", [])
        if step not in steps:
            out["steps"] = steps + [step]
    return out


def edit(step: str, field: str, action: str, detail: str = "", count: int = 1,
         fixes: list[dict] | None = None) -> dict:
    """One provenance entry: what ``step`` did to ``field``, and the fixes that redo it.

    ``fixes`` are exact text operations against the field's value before this edit
    (:mod:`corpuskit.fixes`); :func:`edit_between` finds them from the value before
    and after. An edit without fixes (None) can only be replayed by running its step.
    """
    return {"step": step, "field": field, "action": action, "detail": detail, "count": count, "fixes": fixes}


def edit_between(step: str, field: str, action: str, before: str | None, after: str | None,
                 detail: str = "", count: int = 1) -> dict:
    """An :func:`edit` whose fixes turn ``before`` into ``after``."""
    return edit(step, field, action, detail, count, between(before, after))
