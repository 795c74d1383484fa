"""Replay check: the published text is what the edit log makes of the source.

``provenance.replay``  each record (kept or removed) whose source file is present with
                       its recorded sha256 is read again from that file, and the fixes
                       of its published edits are applied in order; the result must equal
                       the published fields (all but the language labels). Records of
                       versions whose edits carry no fixes (1.0.x) are run through the
                       recorded per-record steps instead, which must give the published
                       fields and edit log. Records whose source is absent are reported
                       as not replayable (a warning), never silently passed.

Streams: the rows' source spans are read first (a few numbers per row); then each
source is replayed record by record and each replayed record is compared with the
rows at its span, read by row number. Memory is a few row groups and one source's
span table, whatever the size of the dataset.
"""

from __future__ import annotations

import functools
from array import array

import numpy as np

from corpuskit._check.folder import BATCH_ROWS, VersionFolder, present
from corpuskit._check.report import CheckResult
from corpuskit._check.scan import WholeCheck, scanned
from corpuskit.errors import CorpuskitError
from corpuskit.publish.schema import BASE_FIELDS, SOURCE_KEYS
from corpuskit.release.replay import has_fixes

_SPAN = tuple(key for _, key in SOURCE_KEYS[2:])  # lines and bytes, as ``release.replay.span_key``
#: What the comparison reads of a row (see ``release.replay.mismatch``).
_COMPARED = (*(name for name, _ in BASE_FIELDS), "provenance.edits", "removed.step", "removed.reason")


def check_replay(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Replay)


def replay(folder: VersionFolder) -> CheckResult:
    """The ``provenance.replay`` check (see the module's docstring)."""
    from corpuskit.release.replay import SourceError, recorded_on_error

    result = CheckResult("provenance.replay")
    if folder.config is None:
        return result.skip(f"no usable recorded configuration ({folder.config_error})")
    steps = [s for s in folder.config.pipeline if s.kind == "record"]
    names = folder.config_names()
    sources = _sources(folder, names)
    readers = [folder.row_reader(name, _COMPARED) for name in names]
    on_error = recorded_on_error(folder)
    unreplayable = 0
    for (cited, sha256), spans in sorted(sources.items()):
        try:
            found = _replay_source(folder, cited, sha256, spans, steps, on_error, readers, names)
        except (SourceError, CorpuskitError) as exc:  # a missing or unreadable source is a finding
            unreplayable += len(spans.rows)
            result.warn(cited, f"{len(spans.rows)} record(s) cannot be replayed: {exc}")
            continue
        result.checked += len(spans.rows)
        for label, problem in found:
            result.fail(label, problem)
    total = result.checked + unreplayable
    result.summary = (f"{result.checked - len(result.problems)}/{total} records replay from their sources "
                      f"to the published text" + (f"; {unreplayable} not replayable" if unreplayable else ""))
    return result


class _Spans:
    """The rows citing one source: row codes (config, row number) and their spans, flat."""

    def __init__(self) -> None:
        self.rows = array("q")  # config index << 40 | row number, in config and row order
        self.keys = array("q")  # the span's four numbers per row (-1 for a missing one)
        self.by_log = True  # every row's edits carry their fixes (else re-run the steps: 1.0.x)

    def add(self, code: int, span, fixed) -> None:
        """A row: its code, its span's four values as read, whether all its edits carry fixes
        (or what tells, called only while that decides anything, as ``has_fixes`` was)."""
        self.by_log = self.by_log and (fixed() if callable(fixed) else fixed)
        self.rows.append(code)
        self.keys.extend([value if isinstance(value, int) else -1 for value in span])

    def table(self) -> tuple[np.ndarray, np.ndarray]:
        """The spans as a ``(rows, 4)`` array sorted by start byte (then the rest, then row
        order) and the row codes in that order."""
        keys = np.frombuffer(self.keys, dtype=np.int64).reshape(-1, 4)
        rows = np.frombuffer(self.rows, dtype=np.int64)
        order = np.lexsort((rows, keys[:, 3], keys[:, 1], keys[:, 0], keys[:, 2]))
        return keys[order], rows[order]


def _sources(folder: VersionFolder, names: list[str]) -> dict[tuple[str, str], _Spans]:
    """Every cited source with the rows citing it (read as spans only, in Arrow batches,
    as :meth:`VersionFolder.batches` reads them: a file that fails to read ends there)."""
    import pyarrow as pa

    columns = ("provenance.source_path", "provenance.source_sha256", "provenance.edits",
               *(f"provenance.{k}" for k in _SPAN))
    sources: dict[tuple[str, str], _Spans] = {}
    for config, name in enumerate(names):
        position = 0
        for _, parquet in folder.parquet_files(name):
            try:
                for batch in parquet.iter_batches(batch_size=BATCH_ROWS, columns=present(parquet, columns)):
                    position = _add_batch(sources, config << 40 | position, batch) & ((1 << 40) - 1)
            except (OSError, pa.ArrowException):
                continue
    return sources


def _add_batch(sources: dict, first: int, batch) -> int:
    """Add a batch's rows (codes from ``first``); the code after its last row. Each row as
    :func:`_row_values` gives it: the values its dict (``to_pylist``) holds."""
    values = _row_values(batch)
    for offset, (path, sha256, span, fixed) in enumerate(values):
        key = (str(path), str(sha256))
        spans = sources.get(key) or sources.setdefault(key, _Spans())
        spans.add(first + offset, span, fixed)
    return first + batch.num_rows


def _row_values(batch):
    """``(source_path, source_sha256, [four span values], all edits have fixes)`` of each row,
    as the row's dict would give them (``release.replay.has_fixes``), without making the
    edits into dicts (most of the cost of the pass): the edits are looked at as Arrow
    unless their type is not the published one, then as dicts."""
    import pyarrow as pa

    if "provenance" not in batch.schema.names:
        return [(None, None, [None] * 4, True)] * batch.num_rows
    prov = batch.column("provenance")
    if not pa.types.is_struct(prov.type):  # not the published schema: as the dicts say
        return [_dict_values(row) for row in batch.to_pylist()]
    fields = dict(zip((f.name for f in prov.type), prov.flatten()))  # a null provenance: nulls
    column = [fields[k].to_pylist() if k in fields else [None] * len(prov)
              for k in ("source_path", "source_sha256", *_SPAN)]
    fixed = _all_fixed(fields.get("edits"), len(prov))
    return zip(column[0], column[1], zip(*column[2:]), fixed)


def _dict_values(row: dict) -> tuple:
    prov = row.get("provenance") or {}
    return (prov.get("source_path"), prov.get("source_sha256"), list(map(prov.get, _SPAN)),
            functools.partial(has_fixes, row))


def _all_fixed(edits, rows: int) -> list:
    """Per row, whether every edit carries its fixes (``has_fixes``; no edits: True)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if edits is None:
        return [True] * rows
    items = edits.flatten() if pa.types.is_list(edits.type) else None
    if items is None or not pa.types.is_struct(items.type) or items.null_count:  # as the dicts say
        return [functools.partial(has_fixes, {"provenance": {"edits": e}}) for e in edits.to_pylist()]
    if items.type.get_field_index("fixes") < 0:  # no edit carries fixes
        return (pc.fill_null(pc.list_value_length(edits), 0).to_numpy(zero_copy_only=False) == 0).tolist()
    fixed = [True] * rows
    lacking = pc.list_parent_indices(edits).filter(items.field("fixes").is_null())
    for row in set(lacking.to_pylist()):
        fixed[row] = False
    return fixed


#: Records replayed between two returns of freed memory to the system: reading rows one
#: by one (Arrow row groups, dicts) leaves freed pages behind (at 50,000 articles the
#: replay's process peaked ~35 MB higher without it).
_RELEASE_EVERY = 1000


def _replay_source(folder, cited, sha256, spans: _Spans, steps, on_error, readers, names):
    """``(label, problem)`` of every row citing this source that its replay does not give, in
    config and row order."""
    from corpuskit._memory import trim_heap
    from corpuskit.release.replay import log_mismatch, mismatch, read_records, replay_records

    keys, codes = spans.table()
    flat = array("q", keys.tobytes())  # the sorted spans, four numbers a row (indexing gives ints)
    codes = array("q", codes.tobytes())
    del keys  # held as ``flat`` (6.4 MB at 200,000 rows)
    matched = bytearray(len(codes))
    found: list[tuple[int, str, str]] = []
    if spans.by_log:
        items, compare = read_records(cited, sha256, folder.root, on_error, folder.config), log_mismatch
    else:
        items, compare = replay_records(cited, sha256, folder.root, steps, on_error, folder.config), mismatch
    at = 0  # the first span at or after the last record's start: records come in file order
    for count, (key, item) in enumerate(items, 1):
        if count % _RELEASE_EVERY == 0:
            trim_heap()
        wanted = tuple(-1 if not isinstance(v, int) else v for v in key)
        at = _first_at(flat, wanted[2], at)
        for at in range(at, len(codes)):
            if flat[4 * at + 2] != wanted[2]:
                break
            if tuple(flat[4 * at:4 * at + 4]) != wanted:
                continue
            matched[at] = True
            code = codes[at]
            row = readers[code >> 40].row(code & ((1 << 40) - 1))
            problem = compare(item, row)
            if problem:
                found.append((code, _label(row, names[code >> 40]), problem))
    for at in np.flatnonzero(np.frombuffer(matched, dtype=np.uint8) == 0).tolist():
        code = codes[at]
        row = readers[code >> 40].row(code & ((1 << 40) - 1))
        found.append((code, _label(row, names[code >> 40]), "the source holds no record at this span"))
    return [(label, problem) for _, label, problem in sorted(found)]


def _first_at(flat: array, start: int, hint: int) -> int:
    """The first of the sorted spans (four numbers each in ``flat``) that starts at or after
    byte ``start``: ``hint`` when it is that one (the next record of a file read in order
    starts at or after the last), else found by bisection."""
    import bisect

    rows = len(flat) // 4
    if (hint >= rows or flat[4 * hint + 2] >= start) and (hint == 0 or flat[4 * hint - 2] < start):
        return hint
    return bisect.bisect_left(range(rows), start, key=lambda at: flat[4 * at + 2])


def _label(row: dict, name: str) -> str:
    return str(row.get("id")) + ("" if name == "default" else f" ({name})")


class _Replay(WholeCheck):
    name, check = "provenance.replay", staticmethod(replay)


CHECKS = (check_replay,)
#: The checks that run in the shared pass (see :mod:`~corpuskit._check.scan`).
SCANS = {"check_replay": _Replay}
