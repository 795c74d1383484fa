"""Replay: raw source bytes -> published record.

A published record cites its source file (path and sha256) and span. Reading
that file again with the same reader gives the record as read; applying the
fixes its edits carry, in their logged order (:func:`replay_log`), must give the
published fields exactly. That needs no step's code, so it holds even when the
steps have changed since. ``corpuskit check`` does this for every record
(``provenance.replay``) and ``corpuskit explain`` shows it.

Versions built before edits carried fixes (1.0.x) are replayed by running the
recorded per-record steps of the recorded configuration again
(:func:`replay_file`): for each step, the record before and after it and the
edits it logged, which must equal the published ones.

Records are matched by their span in the file, so a file can be replayed on its
own (ids get their ``-2`` suffixes from the order of all inputs).
"""

from __future__ import annotations

import hashlib
import itertools
import os
from collections.abc import Iterator
from dataclasses import dataclass, field

from corpuskit.publish.schema import BASE_FIELDS, SOURCE_KEYS

#: Published fields that the per-record steps produce (``id`` is the reader's).
FIELDS = tuple(name for name, _ in BASE_FIELDS if name != "id")


@dataclass
class Stage:
    """One step applied to one record."""

    step: str
    before: dict  # FIELDS before the step
    after: dict | None  # FIELDS after it; None when the step dropped the record
    edits: list[dict]
    dropped: dict | None = None  # {"reason", "detail"} when dropped

    def changed(self) -> list[str]:
        return [] if self.after is None else [n for n in FIELDS if self.before.get(n) != self.after.get(n)]


@dataclass
class Trace:
    """A record as read from its source, and what each step did to it."""

    raw: dict  # the record as the reader made it
    stages: list[Stage] = field(default_factory=list)

    @property
    def final(self) -> dict | None:
        """FIELDS after the last step; None when a step dropped the record."""
        last = self.stages[-1].after if self.stages else _fields(self.raw)
        return last

    @property
    def edits(self) -> list[dict]:
        """The reader's own edits (e.g. a date-time cut to its date), then each step's."""
        return list(self.raw.get("edits") or []) + [e for stage in self.stages for e in stage.edits]


#: What a span key holds: lines and bytes (not path, sha256).
_SPAN_KEYS = tuple(key for _, key in SOURCE_KEYS[2:])


def span_key(span: dict) -> tuple:
    """A record's position in its source: what matches a published row to its replay."""
    return tuple(map(span.get, _SPAN_KEYS))


def _fields(record: dict) -> dict:
    return dict(zip(FIELDS, map(record.get, FIELDS)))


def sha256_of(path: str) -> str:
    from corpuskit.publish.manifest import sha256_file

    return sha256_file(path)


class SourceError(Exception):
    """A cited source cannot be replayed (missing, or its sha256 differs)."""


def locate(cited: str, root: str) -> str | None:
    candidates = [cited] if os.path.isabs(cited) else [os.path.join(root, cited)]
    return next((c for c in candidates if os.path.isfile(c)), None)


def recorded_on_error(folder) -> str:
    """How the build treated unparseable chunks: ``skip`` when it skipped any (``--skip-bad-chunks``
    is not part of the configuration, the manifest lists what was skipped)."""
    return "skip" if folder.manifest.get("skipped_chunks") else folder.config.on_error


def read_file(cited: str, sha256: str, root: str, on_error: str = "raise", config=None) -> dict[tuple, dict]:
    """Every record of the source ``cited`` (relative to ``root``) as the reader makes it, by span.

    ``on_error`` is the build's: chunks it skipped are skipped again. ``config``
    (the recorded configuration) gives the declared encodings and field mapping,
    so the source is read as the build read it.

    Raises :class:`SourceError` when the file is missing or is not the file the
    records cite (another sha256).
    """
    return dict(read_records(cited, sha256, root, on_error, config))


def read_records(cited: str, sha256: str, root: str, on_error: str = "raise",
                 config=None) -> Iterator[tuple[tuple, dict]]:
    """``(span key, record)`` of each record of ``cited`` in file order, one at a time (as
    :func:`read_file`; the source is checked before this returns, so a missing or changed
    file raises :class:`SourceError` here, not while iterating).

    The file's sha256 is the one the reader computes in its own pass over the file before
    its first record (a second pass only to hash it cost ~0.13 CPU-s a 68 MB source). A
    file that fails to read (whatever the error) is hashed apart: a changed file is reported
    as changed, not by the error its new bytes give."""
    from corpuskit.readers import Reader

    path = locate(cited, root)
    if path is None:
        raise SourceError(f"source {cited} not found under {root}")
    read = {} if config is None else {"encodings": config.encoding_plan(), "options": config.read_options}
    reader = Reader([path], root=root, on_error=on_error, **read)
    records = iter(reader)
    try:
        first = next(records, None)
    except Exception:  # re-raised below unless the file is not the one the records cite
        _same_file(cited, sha256, sha256_of(path))
        raise
    _same_file(cited, sha256, reader.sources[0].sha256 if reader.sources else sha256_of(path))
    if first is None:
        return iter(())
    return ((span_key(record["source"]), record) for record in itertools.chain((first,), records))


def _same_file(cited: str, sha256: str, actual: str) -> None:
    if actual != sha256:
        raise SourceError(f"source {cited} has sha256 {actual[:12]}…, records cite {sha256[:12]}…")


def has_fixes(row: dict) -> bool:
    """Whether every edit of a published row carries its fixes (versions from 1.1 on)."""
    return all(e.get("fixes") is not None for e in (row.get("provenance") or {}).get("edits") or [])


def replay_log(raw: dict, edits: list[dict]) -> list[tuple[dict, dict, dict]]:
    """The reader's record ``raw`` taken through the published ``edits``' fixes, one edit at a time.

    Returns (edit, FIELDS before, FIELDS after) for every edit after the reader's own
    (which ``raw`` already holds). Raises ValueError when an edit carries no fixes
    or its fixes do not fit the field as it is at that point.
    """
    from corpuskit.fixes import apply
    from corpuskit.records import READ_STEP

    current = _fields(raw)
    out = []
    for number, item in enumerate(edits, 1):
        if item["step"] == READ_STEP:
            continue
        if item.get("fixes") is None:
            raise ValueError(f"edit {number} ({item['step']}) carries no fixes")
        if item["field"] not in current:
            raise ValueError(f"edit {number} ({item['step']}) edits unknown field {item['field']!r}")
        after = dict(current)
        try:
            after[item["field"]] = apply(current[item["field"]], item["fixes"])
        except ValueError as exc:
            raise ValueError(f"edit {number} ({item['step']} {item['field']}): {exc}") from None
        out.append((item, current, after))
        current = after
    return out


#: Fields a record step sets without an edit (labels computed from the text, not edits of it).
LABELS = ("language", "language_score")
#: The fields an edit log accounts for.
_LOGGED = tuple(name for name in FIELDS if name not in LABELS)


def log_mismatch(raw: dict, row: dict) -> str | None:
    """Why the published edit log does not take the read record ``raw`` to ``row`` (None when it does).

    Compared: the reader's own edits, and every field but the language labels.
    """
    from corpuskit.records import READ_STEP

    edits = (row.get("provenance") or {}).get("edits") or []  # only read, never edited here
    if [e for e in edits if e["step"] == READ_STEP] != list(raw.get("edits") or []):
        return "the reader's edits differ from the published ones"
    try:
        log = replay_log(raw, edits)
    except ValueError as exc:
        return f"the edit log does not replay: {exc}"
    final = log[-1][2] if log else raw
    if tuple(map(final.get, _LOGGED)) == tuple(map(row.get, _LOGGED)):  # a field at a time only to name one
        return None
    differing = [name for name in _LOGGED if final.get(name) != row.get(name)]
    if differing:
        return f"the edit log makes {', '.join(differing)} other than published"
    return None


def replay_file(cited: str, sha256: str, root: str, steps, on_error: str = "raise",
                config=None) -> dict[tuple, Trace]:
    """Every record of the source ``cited``, traced through ``steps`` (see :func:`read_file`)."""
    return dict(replay_records(cited, sha256, root, steps, on_error, config))


def replay_records(cited: str, sha256: str, root: str, steps, on_error: str = "raise",
                   config=None) -> Iterator[tuple[tuple, Trace]]:
    """``(span key, trace)`` of each record of ``cited``, one at a time (see :func:`read_records`)."""
    return ((key, _trace(record, steps)) for key, record in read_records(cited, sha256, root, on_error, config))


def _trace(record: dict, steps) -> Trace:
    """``record`` run through ``steps``, stage by stage, as the build runs it."""
    from corpuskit.pipeline import EMPTY_TEXT
    from corpuskit.steps import Drop

    trace = Trace(raw=record)
    current = record
    if not has_text(current):  # the build removes a record without text before any step
        trace.stages.append(Stage(EMPTY_TEXT, _fields(current), None, [], {"reason": EMPTY_TEXT, "detail": ""}))
        return trace
    for step in steps:
        result = step.apply(current)
        if isinstance(result, Drop):
            trace.stages.append(Stage(step.name, _fields(current), None, [],
                                      {"reason": result.reason, "detail": result.detail}))
            return trace
        trace.stages.append(Stage(step.name, _fields(current), _fields(result),
                                  result["edits"][len(current["edits"]):]))
        current = result
    if not has_text(current):  # ... and one that no text is left in after cleaning
        trace.stages.append(Stage(EMPTY_TEXT, _fields(current), None, [],
                                  {"reason": EMPTY_TEXT, "detail": ""}))
    return trace


def has_text(record: dict) -> bool:
    """Whether a record has text to clean (the build removes one without, as ``empty_text``)."""
    text = record.get("text")
    return isinstance(text, str) and bool(text.strip())


def raw_span(cited: str, sha256: str, root: str, start_byte: int, end_byte: int) -> bytes:
    """The raw bytes of a span, read from the source and verified by the file's sha256."""
    path = locate(cited, root)
    if path is None:
        raise SourceError(f"source {cited} not found under {root}")
    with open(path, "rb") as handle:
        data = handle.read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256:
        raise SourceError(f"source {cited} has sha256 {digest[:12]}…, the record cites {sha256[:12]}…")
    return data[start_byte:end_byte]


#: (step, field) of edits first logged with the fixes: 1.0.x logs lack them (the url that
#: strip_boilerplate takes from a removed paragraph was set without an edit).
LOGGED_SINCE_FIXES = {("strip_boilerplate", "url")}


def mismatch(trace: Trace, row: dict) -> str | None:
    """Why the replay of ``trace`` is not the published ``row`` (None when it is)."""
    provenance = row.get("provenance") or {}
    removed = row.get("removed") or {}
    final = trace.final
    if final is None:
        dropped = trace.stages[-1]
        if removed.get("step") != dropped.step or removed.get("reason") != dropped.dropped["reason"]:
            return (f"replay drops it in {dropped.step} ({dropped.dropped['reason']}); published "
                    f"{'as removed by ' + str(removed.get('step')) if removed else 'as kept'}")
        return None
    if removed.get("step") not in (None, "dedup"):
        return f"published as removed by {removed.get('step')}, but the replay keeps it"
    differing = [name for name in FIELDS if final.get(name) != row.get(name)]
    if differing:
        return f"replayed {', '.join(differing)} differ from the published record"
    published_edits = [dict(e) for e in provenance.get("edits") or []]
    replayed = trace.edits
    if not any("fixes" in e for e in published_edits):  # logged before edits carried fixes (1.0.x)
        replayed = [{k: v for k, v in e.items() if k != "fixes"} for e in replayed
                    if (e["step"], e["field"]) not in LOGGED_SINCE_FIXES]
    if published_edits != replayed:
        return f"replay logs other edits ({len(replayed)}) than the record ({len(published_edits)})"
    return None
