"""Record checks on the default config: every published record is clean and unique.

Each cleaning step is re-applied, with its recorded configuration, to the
published records: cleaning is idempotent, so a step that still changes a record
means that record was not cleaned (or was edited after the build).

``records.ids``              ids unique and well-formed
``records.required``         id, title, text and (when detect_language ran) language non-empty
``records.dates``            every date is ISO ``YYYY-MM-DD`` or null, as the card promises
``records.exact_duplicates`` no two records with the same normalised text
``records.near_duplicates``  the dedup engine, with the recorded parameters, finds no copy
                             (the build's own definition, so a published dataset passes)
``records.mojibake``         ``fix_encoding`` changes nothing (ftfy's badness is a warning)
``records.variants``         ``normalize_variants`` changes nothing
``records.languages``        every language is allowed; low scores and labels the detector
                             disagrees with are warnings
``records.min_chars``        no text shorter than ``[check] min_chars``
``records.boilerplate``      ``strip_boilerplate`` removes nothing
``records.header_blocks``    no body holds an article header (title, outlet and date lines: the
                             digest reader's definition): a failure for records read from a
                             digest, where it means two articles merged; a warning for others
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Iterator

import numpy as np

from corpuskit._check.folder import VersionFolder
from corpuskit._check.report import CheckResult
from corpuskit.publish.schema import BASE_FIELDS, SOURCE_KEYS
from corpuskit.records import ID_PATTERN as _ID_RE
from corpuskit.records import iso_date

REQUIRED = ("id", "title", "text", "language")
_NON_WORD = re.compile(r"[\W_]+")


def to_record(row: dict) -> dict:
    """A published row back in the pipeline's record shape (no edits yet)."""
    prov = row.get("provenance") or {}
    record = {k: v for k, v in row.items() if k != "provenance"}
    record["source"] = {key: prov.get(column) for column, key in SOURCE_KEYS}
    record["edits"] = []
    record["steps"] = []
    record["merged"] = []
    return record


#: What a record check reads of a row: the published fields and the source span.
RECORD_COLUMNS = (*(name for name, _ in BASE_FIELDS), "cluster",
                  *(f"provenance.{column}" for column, _ in SOURCE_KEYS))


def _records(folder: VersionFolder, columns=RECORD_COLUMNS) -> Iterator[tuple[int, dict]]:
    """``(row number, record)`` of every published record, read in batches of row groups
    (only ``columns``), so a check holds one batch whatever the size of the dataset."""
    index = 0
    for batch in folder.batches("default", columns):
        for row in batch:
            yield index, to_record(row)
            index += 1


def _ids_at(folder: VersionFolder, indices) -> dict[int, str]:
    """The row label (:func:`_rid`) of the rows at ``indices``."""
    rows = folder.rows_at("default", indices, ["id"])
    return {i: _rid(rows.get(i, {}), i) for i in indices}


def _repeats(keys: np.ndarray) -> list[tuple[int, int]]:
    """``(row, first row with the same key)`` for every row whose key an earlier row has,
    in row order (``keys``: one fixed-width key per row)."""
    if len(keys) < 2:
        return []
    order = np.argsort(keys, kind="stable")
    ordered = keys[order]
    starts = np.r_[True, ordered[1:] != ordered[:-1]]
    firsts = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    repeated = ~starts
    pairs = sorted(zip(order[repeated].tolist(), firsts[repeated].tolist()))
    return pairs


def _rid(record: dict, index: int) -> str:
    return str(record.get("id") or f"row {index}")


def check_ids(folder: VersionFolder) -> CheckResult:
    result = CheckResult("records.ids")
    findings: list[tuple[int, str, str]] = []
    well_formed = array("q")  # row numbers of the well-formed ids
    keys = array("Q")  # 64-bit hash of each well-formed id
    for index, record in _records(folder, ("id",)):
        result.checked += 1
        rid = record.get("id")
        if not isinstance(rid, str) or not _ID_RE.match(rid):
            findings.append((index, f"row {index}", f"malformed id {rid!r}"))
            continue
        well_formed.append(index)
        keys.append(int.from_bytes(hashlib.blake2b(rid.encode("utf-8", "surrogatepass"),
                                                   digest_size=8).digest(), "little"))
    # repeated ids: equal 64-bit hashes, confirmed on the ids themselves
    hashes = np.frombuffer(keys, dtype=np.uint64) if len(keys) else np.empty(0, dtype=np.uint64)
    rows = np.frombuffer(well_formed, dtype=np.int64) if len(well_formed) else np.empty(0, dtype=np.int64)
    suspects = _repeats(hashes)
    if suspects:
        involved = sorted({int(rows[i]) for pair in suspects for i in pair})
        names = folder.rows_at("default", involved, ["id"])
        first: dict[str, int] = {}
        for position in involved:
            first.setdefault(names[position]["id"], position)
        for position in involved:
            rid = names[position]["id"]
            if first[rid] != position:
                findings.append((position, rid, f"id repeated (rows {first[rid]} and {position})"))
    for _, item, reason in sorted(findings, key=lambda f: f[0]):
        result.fail(item, reason)
    result.summary = (f"{result.checked} ids unique and well-formed" if not result.problems
                      else f"{len(result.problems)} bad id(s)")
    return result


def check_required(folder: VersionFolder) -> CheckResult:
    result = CheckResult("records.required")
    # a language is promised only when the recorded pipeline detects it
    required = REQUIRED if folder.step("detect_language") else tuple(k for k in REQUIRED if k != "language")
    for index, record in _records(folder, tuple(dict.fromkeys(("id", *required)))):
        result.checked += 1
        empty = [k for k in required if not isinstance(record.get(k), str) or not record[k].strip()]
        if empty:
            result.fail(_rid(record, index), f"empty {', '.join(empty)}")
    result.summary = (f"{result.checked} records have {', '.join(required)}" if not result.problems
                      else f"{len(result.problems)} record(s) missing required fields")
    return result


def check_dates(folder: VersionFolder) -> CheckResult:
    result = CheckResult("records.dates")
    for index, record in _records(folder, ("id", "date")):
        date = record.get("date")
        if date is None:
            continue
        result.checked += 1
        if not isinstance(date, str) or iso_date(date) != (date, False):
            result.fail(_rid(record, index), f"date {date!r} is not ISO YYYY-MM-DD")
    result.summary = (f"{result.checked} dates ISO YYYY-MM-DD (the rest null)" if not result.problems
                      else f"{len(result.problems)} date(s) not ISO")
    return result


def text_key(text: str) -> str:
    """Hash of the text with case, punctuation and spacing ignored (exact-copy test).

    >>> text_key("Hello,  World!") == text_key("hello world")
    True
    """
    words = _NON_WORD.split(unicodedata.normalize("NFKC", text).casefold())
    return hashlib.blake2b(" ".join(w for w in words if w).encode(), digest_size=16).hexdigest()


def _dedup_mode(folder: VersionFolder) -> str | None:
    step = folder.step("dedup")
    return None if step is None else step.params.mode


def check_exact_duplicates(folder: VersionFolder) -> CheckResult:
    result = CheckResult("records.exact_duplicates")
    mode = _dedup_mode(folder)
    if mode != "drop":
        return result.skip("no dedup step in drop mode recorded: duplicates are allowed")
    keys = bytearray()  # the 16-byte text key of every row, in row order
    for _, record in _records(folder, ("text",)):
        result.checked += 1
        keys += bytes.fromhex(text_key(record.get("text") or ""))
    pairs = _repeats(np.frombuffer(bytes(keys), dtype="S16"))
    names = _ids_at(folder, sorted({i for pair in pairs for i in pair}))
    for index, first in pairs:
        result.fail(names[index], f"exact duplicate of {names[first]}")
    result.summary = (f"{result.checked} records, no exact duplicates" if not result.problems
                      else f"{len(result.problems)} exact duplicate(s) remain")
    return result


def check_near_duplicates(folder: VersionFolder) -> CheckResult:
    """The project's dedup engine, with the recorded parameters, finds no copies.

    One definition of a near duplicate: the build's (``Deduplicator.resolve`` keeps a
    set on which the engine finds nothing), so a dataset the build published passes.
    """
    result = CheckResult("records.near_duplicates")
    mode = _dedup_mode(folder)
    if mode != "drop":
        return result.skip("no dedup step in drop mode recorded: duplicates are allowed")
    engine = folder.step("dedup").engine()
    for index, record in _records(folder):
        result.checked += 1
        engine.add(index, engine.signature(record))
    clusters = engine.resolve()
    pairs = [(min(kept, member.index), max(kept, member.index), member)
             for kept, members in clusters.members.items() for member in members]
    rows = folder.rows_at("default", sorted({i for a, b, _ in pairs for i in (a, b)}), ["id", "text"])
    for low, high, member in pairs:
        if text_key(rows[low].get("text") or "") == text_key(rows[high].get("text") or ""):
            continue  # reported by records.exact_duplicates
        result.fail(_rid(rows[high], high), f"{member.match} copy of {_rid(rows[low], low)} "
                                            f"(similarity {member.similarity:.2f}, dedup engine)")
    result.summary = (f"{result.checked} records, no copies by the dedup step's definition" if not result.problems
                      else f"{len(result.problems)} near duplicate(s) remain")
    return result


def _reapply(folder: VersionFolder, step_name: str, name: str, describe) -> CheckResult:
    result = CheckResult(name)
    step = folder.step(step_name)
    if step is None:
        if folder.config is None:
            return result.skip(f"recorded configuration unusable (see files.config): {folder.config_error}")
        return result.skip(f"no {step_name} step recorded")
    for index, record in _records(folder):
        result.checked += 1
        after = step.apply(record)
        if after is not record and after.get("edits"):
            result.fail(_rid(record, index), describe(after["edits"]))
    return result


def check_mojibake(folder: VersionFolder) -> CheckResult:
    def describe(edits):
        return "mojibake in " + ", ".join(f"{e['field']} ({e['detail'][:60]})" for e in edits)

    result = _reapply(folder, "fix_encoding", "records.mojibake", describe)
    if result.status == "skip":
        return result
    # ftfy's is_bad, evaluated only near non-ASCII runs (exact, and ~10x faster on clean news)
    from corpuskit.steps.encoding import _is_bad as is_bad

    fields = folder.step("fix_encoding").params.fields
    failed = {p.item for p in result.problems}
    for index, record in _records(folder, tuple(dict.fromkeys(("id", *fields)))):
        if _rid(record, index) in failed:
            continue
        bad = [f for f in fields if isinstance(record.get(f), str) and is_bad(record[f])]
        if bad:
            result.warn(_rid(record, index), f"ftfy finds suspicious characters in {', '.join(bad)}")
    result.summary = (f"{result.checked} records, fix_encoding changes nothing" if not result.problems
                      else f"{len(result.problems)} record(s) still hold mojibake")
    return result


def check_variants(folder: VersionFolder) -> CheckResult:
    def describe(edits):
        return "variant left in: " + ", ".join(f"{e['detail']} x{e['count']} in {e['field']}" for e in edits)

    result = _reapply(folder, "normalize_variants", "records.variants", describe)
    if result.status != "skip":
        result.summary = (f"{result.checked} records, no lexicon variant" if not result.problems
                          else f"{len(result.problems)} record(s) still hold lexicon variants")
    return result


def check_boilerplate(folder: VersionFolder) -> CheckResult:
    def describe(edits):
        return "boilerplate left in: " + ", ".join(
            f"{e['action'].split(':', 1)[-1]} {e['detail'][:50]!r}" for e in edits)

    result = _reapply(folder, "strip_boilerplate", "records.boilerplate", describe)
    if result.status != "skip":
        rules = ", ".join(name for name, _ in folder.step("strip_boilerplate")._rules)
        result.summary = (f"{result.checked} records, no boilerplate ({rules})" if not result.problems
                          else f"{len(result.problems)} record(s) still hold boilerplate")
    return result


def check_languages(folder: VersionFolder) -> CheckResult:
    result = CheckResult("records.languages")
    step = folder.step("detect_language")
    allowed = folder.overrides.get("languages") or (tuple(step.params.languages) if step else ())
    if not allowed:
        return result.skip("no allowed languages recorded (detect_language has no 'languages')")
    from corpuskit.steps.language import detect

    for index, record in _records(folder, ("id", "text", "language", "language_score")):
        result.checked += 1
        rid = _rid(record, index)
        language = record.get("language")
        if language not in allowed:
            result.fail(rid, f"language {language!r} not in {list(allowed)}")
            continue
        if step is None:
            continue
        score = record.get("language_score")
        if isinstance(score, (int, float)) and score < step.params.min_probability:
            result.warn(rid, f"language_score {score} below {step.params.min_probability}")
        detected, probability = detect(record.get("text") or "", sample_chars=step.params.sample_chars,
                                       min_letters=step.params.min_letters,
                                       min_probability=step.params.min_probability)
        if detected != language:
            result.warn(rid, f"labelled {language!r}, the detector says {detected!r} (p={probability})")
    result.summary = (f"{result.checked} records in {', '.join(allowed)}" if not result.problems
                      else f"{len(result.problems)} record(s) in languages not allowed")
    return result


def check_min_chars(folder: VersionFolder) -> CheckResult:
    result = CheckResult("records.min_chars")
    minimum = int(folder.check_setting("min_chars"))
    for index, record in _records(folder, ("id", "text")):
        result.checked += 1
        length = len(record.get("text") or "")
        if length < minimum:
            result.fail(_rid(record, index), f"text is {length} characters, minimum {minimum}")
    result.summary = (f"{result.checked} texts of at least {minimum} characters" if not result.problems
                      else f"{len(result.problems)} text(s) shorter than {minimum} characters")
    return result


def check_header_blocks(folder: VersionFolder) -> CheckResult:
    from corpuskit.readers import detect_format
    from corpuskit.readers.digest import header_block_in

    result = CheckResult("records.header_blocks")
    for index, record in _records(folder, ("id", "text", "provenance.source_path")):
        result.checked += 1
        block = header_block_in(record.get("text") or "")
        if block is None:
            continue
        path = (record.get("source") or {}).get("path") or ""
        reason = f"body holds an article header ({block[:100]!r})"
        if detect_format(path) == "digest":
            result.fail(_rid(record, index), reason + ": another article is merged into it")
        else:
            result.warn(_rid(record, index), reason)
    result.summary = (f"{result.checked} bodies, no article header inside" if not result.problems
                      else f"{len(result.problems)} body(ies) hold another article's header")
    return result


CHECKS = (check_ids, check_required, check_dates, check_exact_duplicates, check_near_duplicates, check_mojibake,
          check_variants, check_languages, check_min_chars, check_boilerplate, check_header_blocks)
