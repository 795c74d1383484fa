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
import unicodedata
from array import array

import numpy as np

from corpuskit._check.folder import VersionFolder
from corpuskit._check.report import CheckResult
from corpuskit._check.scan import RecordScan, scanned
from corpuskit.publish.schema import BASE_FIELDS, SOURCE_KEYS
from corpuskit.records import ID_PATTERN as _ID_RE
from corpuskit.records import iso_date

REQUIRED = ("id", "title", "text", "language")


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


def _dedup_mode(folder: VersionFolder) -> str | None:
    step = folder.step("dedup")
    return None if step is None else step.params.mode


class _Findings(RecordScan):
    """A check whose findings are per record: ``scan`` returns ``(records checked, findings)``,
    each finding ``(kind, row, item, reason)`` (kind ``fail`` or ``warn``), folded in row order."""

    def add(self, part) -> None:
        checked, findings = part
        self.result.checked += checked
        for kind, _, item, reason in findings:
            (self.result.fail if kind == "fail" else self.result.warn)(item, reason)


class _Ids(RecordScan):
    name, columns = "records.ids", ("id",)

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.findings: list[tuple[int, str, str]] = []
        self.well_formed = array("q")  # row numbers of the well-formed ids
        self.keys = array("Q")  # 64-bit hash of each well-formed id

    def scan(self, records, start):
        malformed, rows, keys = [], array("q"), array("Q")
        for index, record in enumerate(records, start):
            rid = record.get("id")
            if not isinstance(rid, str) or not _ID_RE.match(rid):
                malformed.append((index, f"row {index}", f"malformed id {rid!r}"))
                continue
            rows.append(index)
            keys.append(int.from_bytes(hashlib.blake2b(rid.encode("utf-8", "surrogatepass"),
                                                       digest_size=8).digest(), "little"))
        return len(records), malformed, rows, keys

    def add(self, part) -> None:
        checked, malformed, rows, keys = part
        self.result.checked += checked
        self.findings += malformed
        self.well_formed += rows
        self.keys += keys

    def finish(self, folder: VersionFolder) -> CheckResult:
        result, findings = self.result, self.findings
        # repeated ids: equal 64-bit hashes, confirmed on the ids themselves
        hashes = np.frombuffer(self.keys, dtype=np.uint64) if len(self.keys) else np.empty(0, dtype=np.uint64)
        rows = (np.frombuffer(self.well_formed, dtype=np.int64) if len(self.well_formed)
                else np.empty(0, dtype=np.int64))
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


def check_ids(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Ids)


class _Required(_Findings):
    name, columns = "records.required", REQUIRED

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        # a language is promised only when the recorded pipeline detects it
        self.required = REQUIRED if folder.step("detect_language") else tuple(k for k in REQUIRED if k != "language")

    def scan(self, records, start):
        found = []
        for index, record in enumerate(records, start):
            empty = [k for k in self.required if not isinstance(record.get(k), str) or not record[k].strip()]
            if empty:
                found.append(("fail", index, _rid(record, index), f"empty {', '.join(empty)}"))
        return len(records), found

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        result.summary = (f"{result.checked} records have {', '.join(self.required)}" if not result.problems
                          else f"{len(result.problems)} record(s) missing required fields")
        return result


def check_required(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Required)


class _Dates(_Findings):
    name, columns = "records.dates", ("id", "date")

    def scan(self, records, start):
        checked, found = 0, []
        for index, record in enumerate(records, start):
            date = record.get("date")
            if date is None:
                continue
            checked += 1
            if not isinstance(date, str) or iso_date(date) != (date, False):
                found.append(("fail", index, _rid(record, index), f"date {date!r} is not ISO YYYY-MM-DD"))
        return checked, found

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        result.summary = (f"{result.checked} dates ISO YYYY-MM-DD (the rest null)" if not result.problems
                          else f"{len(result.problems)} date(s) not ISO")
        return result


def check_dates(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Dates)


def text_key(text: str) -> str:
    """Hash of the text with case, punctuation and spacing ignored (exact-copy test).

    >>> text_key("Hello,  World!") == text_key("hello world")
    True
    """
    return text_keys([text]).hex()


#: Byte -> the byte of the key's text: an ASCII letter in lower case (its case folding), an
#: ASCII digit as it is, any other ASCII byte a space; the bytes of longer UTF-8 sequences
#: (0x80 and up) as they are (:func:`_blank_others` decides about their characters).
_ASCII_KEY = bytes(c | 0x20 if 0x41 <= c <= 0x5A else c if c >= 0x80 or chr(c).isalnum() else 0x20
                   for c in range(256))
#: What a code point is to the key: :data:`_NOT_WORD` (not a letter or digit: what the regex
#: ``[\W_]`` matches, ``str.isalnum`` False), :data:`_WORD` (a letter or digit that case
#: folding leaves as it is), :data:`_FOLDS` (one ``str.casefold`` changes), ``_UNSEEN`` (not
#: decided yet). Decided on first sight, one code point at a time (1.1 MB a process; a batch
#: of news brings a few new code points; ``tests/test_check_fast_paths.py`` decides every one
#: and compares them with ``str.casefold``, ``str.isalnum`` and the regex).
_NOT_WORD, _WORD, _FOLDS, _UNSEEN = 0, 1, 2, 3
_CLASSES: list[np.ndarray] = []


def _classes_of(codes: np.ndarray) -> np.ndarray:
    if not _CLASSES:
        _CLASSES.append(np.full(0x110000, _UNSEEN, dtype=np.uint8))
    table = _CLASSES[0]
    found = table.take(codes)
    unseen = codes[found == _UNSEEN]
    if len(unseen):
        for code in np.unique(unseen).tolist():
            char = chr(code)
            table[code] = _FOLDS if char.casefold() != char else _WORD if char.isalnum() else _NOT_WORD
        found = table.take(codes)
    return found


#: Code point -> whether it is a word character of the key: exactly what the regex
#: ``[^\W_]`` matches (``str.isalnum``; ``tests/test_check_fast_paths.py`` compares the two
#: on every code point). Made on first use (1.1 MB a process) by numpy's ``isalnum`` on
#: every code point as a one-character string (~0.02 s; ``chr(c).isalnum()`` one by one
#: took ~0.15 s in every gate process; code point 0 is numpy's empty string, not alnum
#: either way).
_WORD_CHARS: list[np.ndarray] = []


def _word_chars() -> np.ndarray:
    if not _WORD_CHARS:
        _WORD_CHARS.append(np.strings.isalnum(np.arange(0x110000, dtype=np.uint32).view("U1")))
    return _WORD_CHARS[0]


#: Characters whose keys :func:`text_keys` computes at once (its arrays take ~16 bytes a
#: character on code points, ~8 on UTF-8 bytes: at most ~4 MB, whatever the batch).
KEY_CHARS = 1 << 18


def text_keys(texts: list[str]) -> bytes:
    """The 16-byte key of every text, concatenated in order: the hash of the text's words
    (maximal runs of letters and digits) after NFKC and case folding, joined by single
    spaces, i.e. ``re.sub(r"[\\W_]+", " ", folded).strip(" ")``.

    Computed for about :data:`KEY_CHARS` characters of texts at once in numpy
    (:func:`_keys_of`): the same words and the same key; ~20 µs for a 3,000-character English
    news text, where the regex spent ~130 µs and the code points alone ~35.
    """
    keys, group, size = [], [], 0
    for text in texts:
        group.append(text)
        size += len(text)
        if size >= KEY_CHARS:
            keys.append(_keys_of(group))
            group, size = [], 0
    return b"".join(keys) + (_keys_of(group) if group else b"")


def _keys_of(texts: list[str]) -> bytes:
    """The keys of ``texts``: of a text mostly in ASCII from its UTF-8 bytes
    (:func:`_narrow_keys`), of any other from its code points (:func:`_wide_keys`: most of
    its UTF-8 bytes would be characters of two bytes or more, decoded in numpy one by one).
    Either gives the key; which one is only a matter of speed."""
    normal = [unicodedata.normalize("NFKC", text) for text in texts]
    narrow = [index for index, text in enumerate(normal) if _narrow(text[:_SAMPLE])]
    encoded = {index: normal[index].encode("utf-8", "surrogatepass") for index in narrow}
    narrow = [index for index in narrow if _narrow(normal[index], encoded[index])]
    if len(narrow) == len(texts):
        return _narrow_keys(normal, [encoded[index] for index in narrow])
    wide = sorted(set(range(len(texts))).difference(narrow))
    keys: list[bytes] = [b""] * len(texts)
    for indices, found in ((narrow, _narrow_keys([normal[i] for i in narrow], [encoded[i] for i in narrow])),
                           (wide, _wide_keys([normal[i] for i in wide]))):
        for at, index in enumerate(indices):
            keys[index] = found[16 * at:16 * at + 16]
    return b"".join(keys)


#: Characters :func:`_keys_of` looks at to choose a text's way (then it looks at the whole).
_SAMPLE = 1024


def _narrow(text: str, encoded: bytes | None = None) -> bool:
    """Whether ``text`` in UTF-8 is at most 1/32 longer than in characters (few of them
    outside ASCII: a curly quote or a dash is two bytes more, an accented letter one)."""
    extra = len(encoded if encoded is not None else text.encode("utf-8", "surrogatepass")) - len(text)
    return extra <= len(text) >> 5


def _narrow_keys(normal: list[str], encoded: list[bytes]) -> bytes:
    """The keys of texts in NFKC (``normal``; ``encoded``: in UTF-8), from their bytes, without
    case folding the texts that need none: ``str.casefold`` (a third of the work on news)
    changes ASCII letters (:data:`_ASCII_KEY` lowers them) and other characters only when
    one of them is :data:`_FOLDS`. Case folding is one character at a time, and what it makes
    needs no more folding (tests), so a text with such a character is folded whole first."""
    if not normal:
        return b""
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    joined = b"".join(encoded)
    folds = _folding(np.frombuffer(joined, dtype=np.uint8), lengths)
    if folds:
        encoded = list(encoded)
        for index in folds:
            encoded[index] = normal[index].casefold().encode("utf-8", "surrogatepass")
        lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
        joined = b"".join(encoded)
    data = np.frombuffer(joined.translate(_ASCII_KEY), dtype=np.uint8)
    data = _blank_others(data) if data.max(initial=0) >= 0x80 else data
    kept, ends = _joined_words(data, lengths, data != 0x20)
    kept, keys, first = memoryview(kept.tobytes()), [], 0
    for end in ends:
        words = kept[first:end - 1] if end > first and kept[end - 1] == 0x20 else kept[first:end]
        keys.append(hashlib.blake2b(words, digest_size=16).digest())
        first = end
    return b"".join(keys)


def _wide_keys(normal: list[str]) -> bytes:
    """The keys of texts in NFKC, from the code points of their case folding."""
    folded = [text.casefold() for text in normal]
    lengths = np.fromiter(map(len, folded), dtype=np.int64, count=len(folded))
    codes = np.frombuffer("".join(folded).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    word = _word_chars().take(codes)
    kept, ends = _joined_words(np.where(word, codes, np.uint32(0x20)), lengths, word)
    kept, keys, first = kept.tobytes(), [], 0
    for end in ends:
        words = kept[first * 4:end * 4].decode("utf-32-le", "surrogatepass").removesuffix(" ")
        keys.append(hashlib.blake2b(words.encode("utf-8", "surrogatepass"), digest_size=16).digest())
        first = end
    return b"".join(keys)


def _joined_words(units: np.ndarray, lengths: np.ndarray, word: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """``units`` (texts of ``lengths`` units one after the other, every unit outside a word a
    space) with each run of spaces made one and none at the start of a text (one may end
    it), and where each text ends in them."""
    # keep the word units and the first space after each word (the space that joins two
    # words, or one at the end); nothing before a text's first word
    keep = word.copy()
    keep[1:] |= word[:-1]
    starts = np.cumsum(lengths) - lengths
    firsts = starts[lengths > 0]
    keep[firsts] = word[firsts]
    counts = np.zeros(len(lengths), dtype=np.int64)  # units kept of each text
    if len(firsts):
        counts[lengths > 0] = np.add.reduceat(keep, firsts, dtype=np.int64)
    return units[keep], np.cumsum(counts).tolist()


def _characters(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(first byte, bytes, code point)`` of every character of two bytes or more in the
    UTF-8 ``data`` (well formed: Python's own encoding; surrogates as three bytes)."""
    at = np.flatnonzero(data >= 0xC0)
    lead = data[at].astype(np.uint32)
    size = 2 + (lead >= 0xE0) + (lead >= 0xF0)
    padded = np.concatenate([data, np.zeros(3, dtype=np.uint8)]).astype(np.uint32)
    follow = [padded[at + k] & 0x3F for k in (1, 2, 3)]
    code = np.where(size == 2, (lead & 0x1F) << 6 | follow[0],
                    np.where(size == 3, (lead & 0x0F) << 12 | follow[0] << 6 | follow[1],
                             (lead & 0x07) << 18 | follow[0] << 12 | follow[1] << 6 | follow[2]))
    return at, size, code


def _folding(data: np.ndarray, lengths: np.ndarray) -> list[int]:
    """The texts (by position; ``lengths``: their bytes in ``data``, one after the other) that
    hold a character other than ASCII that case folding changes."""
    if not data.size or data.max() < 0x80:
        return []
    at, _, code = _characters(data)
    folding = at[_classes_of(code) == _FOLDS]
    if not len(folding):
        return []
    return np.unique(np.searchsorted(np.cumsum(lengths), folding, side="right")).tolist()


def _blank_others(data: np.ndarray) -> np.ndarray:
    """``data`` with every byte of each character of two bytes or more that is not a letter
    or digit made a space (a run of spaces is one separator)."""
    at, size, code = _characters(data)
    blank = _classes_of(code) == _NOT_WORD
    if not blank.any():
        return data
    data = data.copy()
    for k in range(4):
        data[at[blank & (size > k)] + k] = 0x20
    return data


class _ExactDuplicates(RecordScan):
    name, columns = "records.exact_duplicates", ("text",)

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        if _dedup_mode(folder) != "drop":
            self.result.skip("no dedup step in drop mode recorded: duplicates are allowed")
        self.keys = bytearray()  # the 16-byte text key of every row, in row order

    def scan(self, records, start):
        return text_keys([record.get("text") or "" for record in records])

    def add(self, part) -> None:
        self.result.checked += len(part) // 16
        self.keys += part

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        pairs = _repeats(np.frombuffer(bytes(self.keys), dtype="S16"))
        names = _ids_at(folder, sorted({i for pair in pairs for i in pair}))
        for index, first in pairs:
            result.fail(names[index], f"exact duplicate of {names[first]}")
        result.summary = (f"{result.checked} records, no exact duplicates" if not result.problems
                          else f"{len(result.problems)} exact duplicate(s) remain")
        return result


def check_exact_duplicates(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _ExactDuplicates)


#: In the build's gate, every this many rows (by row number) the near-duplicate check signs a
#: row again although the build's memo holds its signature, to compare the two (also the first
#: row of every batch): ~6 % of the signing work (~950 of 15,096 rows).
SAMPLE_EVERY = 16


class _NearDuplicates(RecordScan):
    """The project's dedup engine, with the recorded parameters, finds no copies.

    One definition of a near duplicate: the build's (``Deduplicator.resolve`` keeps a
    set on which the engine finds nothing), so a dataset the build published passes.
    Signatures are computed where the batch is scanned; the engine resolves them here.

    In the build's gate (``folder.memo``) a row whose signed fields, as read back, are
    those of a record the build signed takes that record's signature from the build's
    memo (:mod:`corpuskit._dedup.memo`); every other row is signed here. The rows whose
    number is a multiple of :data:`SAMPLE_EVERY`, and the first of each batch, are signed
    here in any case, and a signature that differs from the memo's fails the check (a
    signature that depends on the process or the batch). docs/check.md says why.
    """

    name, columns = "records.near_duplicates", RECORD_COLUMNS

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.memo_path, self.memo = folder.memo, None
        self.differ: list[str] = []  # the rows whose memo signature is not the one computed here
        if _dedup_mode(folder) != "drop":
            self.result.skip("no dedup step in drop mode recorded: duplicates are allowed")
            return
        self.engine = folder.step("dedup").engine()

    def scan(self, records, start):
        if self.memo_path is None:
            return self.engine.signatures(records), []
        from corpuskit._dedup.memo import Memo, input_digests

        self.memo = self.memo or Memo(self.memo_path)
        found = self.memo.find(input_digests(records)).tolist()
        own = [at for at, index in enumerate(found) if index < 0 or at == 0 or (start + at) % SAMPLE_EVERY == 0]
        signed = dict(zip(own, self.engine.signatures([records[at] for at in own])))
        signatures, differ = [], []
        for at, index in enumerate(found):
            signature = signed.get(at)
            if index >= 0 and signature is None:
                signature = self.memo.signature(index)
            elif index >= 0 and signature != self.memo.signature(index):
                differ.append(_rid(records[at], start + at))
            signatures.append(signature)
        return signatures, differ

    def add(self, part) -> None:
        signatures, differ = part
        self.differ += differ
        for signature in signatures:
            self.engine.add(self.result.checked, signature)
            self.result.checked += 1

    def scanned(self) -> None:
        if self.memo is not None:
            self.memo.close()

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        for item in self.differ:
            result.fail(item, "the build's dedup signature of this record differs from the one computed from "
                              "the published row (a signature that depends on the process or the batch): the "
                              "build's deduplication cannot be trusted; report this as a bug")
        clusters = self.engine.resolve()
        pairs = [(min(kept, member.index), max(kept, member.index), member)
                 for kept, members in clusters.members.items() for member in members]
        rows = folder.rows_at("default", sorted({i for a, b, _ in pairs for i in (a, b)}), ["id", "text"])
        for low, high, member in pairs:
            if text_key(rows[low].get("text") or "") == text_key(rows[high].get("text") or ""):
                continue  # reported by records.exact_duplicates
            result.fail(_rid(rows[high], high), f"{member.match} copy of {_rid(rows[low], low)} "
                                                f"(similarity {member.similarity:.2f}, dedup engine)")
        copies = len(result.problems) - len(self.differ)
        result.summary = ("; ".join(filter(None, [
            f"{len(self.differ)} build signature(s) differ from the recomputed ones" if self.differ else "",
            f"{copies} near duplicate(s) remain" if copies else ""]))
            or f"{result.checked} records, no copies by the dedup step's definition")
        return result


def check_near_duplicates(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _NearDuplicates)


class _Reapply(_Findings):
    """A cleaning step, re-applied with its recorded configuration, changes nothing."""

    step_name = ""
    columns = RECORD_COLUMNS

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.step = folder.step(self.step_name)
        if self.step is None:
            self.result.skip(f"recorded configuration unusable (see files.config): {folder.config_error}"
                             if folder.config is None else f"no {self.step_name} step recorded")

    def scan(self, records, start):
        found = []
        for index, record in enumerate(records, start):
            after = self.step.apply(record)
            if after is not record and after.get("edits"):
                found.append(("fail", index, _rid(record, index), self.describe(after["edits"])))
        return len(records), found

    def describe(self, edits) -> str:
        raise NotImplementedError


class _Mojibake(_Reapply):
    name, step_name = "records.mojibake", "fix_encoding"

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.warnings = folder.warnings  # ftfy's badness is only ever a warning

    def describe(self, edits):
        return "mojibake in " + ", ".join(f"{e['field']} ({e['detail'][:60]})" for e in edits)

    def scan(self, records, start):
        """Failures (``fix_encoding`` changes the record), then warnings: ftfy's ``is_bad``,
        evaluated only near non-ASCII runs (exact, and ~10x faster on clean news).

        A record whose fields are all fixed points by ``needs_repair`` (nearly every record)
        is settled by that one test: ``fix_text`` returns such a text unchanged without
        looking further, and ``needs_repair`` is False only for a text that is ASCII or
        not ``is_bad``, so it has neither a failure nor a warning. Only the other records
        are run through the step and ``is_bad`` (``is_bad`` was computed twice per
        non-ASCII field before)."""
        from corpuskit.steps.encoding import _is_bad as is_bad
        from corpuskit.steps.encoding import needs_repair

        fields = self.step.params.fields
        suspects = [(index, record) for index, record in enumerate(records, start)
                    if any(needs_repair(value) if isinstance(value := record.get(f), str) else bool(value)
                           for f in fields)]
        found = []
        for index, record in suspects:
            after = self.step.apply(record)
            if after is not record and after.get("edits"):
                found.append(("fail", index, _rid(record, index), self.describe(after["edits"])))
        if not self.warnings:
            return len(records), found
        for index, record in suspects:
            bad = [f for f in fields if isinstance(record.get(f), str) and is_bad(record[f])]
            if bad:
                found.append(("warn", index, _rid(record, index),
                              f"ftfy finds suspicious characters in {', '.join(bad)}"))
        return len(records), found

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        failed = {p.item for p in result.problems}  # a failed record is not warned about too
        result.warnings = [w for w in result.warnings if w.item not in failed]
        result.summary = (f"{result.checked} records, fix_encoding changes nothing" if not result.problems
                          else f"{len(result.problems)} record(s) still hold mojibake")
        return result


def check_mojibake(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Mojibake)


class _Variants(_Reapply):
    name, step_name = "records.variants", "normalize_variants"

    def describe(self, edits):
        return "variant left in: " + ", ".join(f"{e['detail']} x{e['count']} in {e['field']}" for e in edits)

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        result.summary = (f"{result.checked} records, no lexicon variant" if not result.problems
                          else f"{len(result.problems)} record(s) still hold lexicon variants")
        return result


def check_variants(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Variants)


class _Boilerplate(_Reapply):
    name, step_name = "records.boilerplate", "strip_boilerplate"

    def describe(self, edits):
        return "boilerplate left in: " + ", ".join(
            f"{e['action'].split(':', 1)[-1]} {e['detail'][:50]!r}" for e in edits)

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        rules = ", ".join(name for name, _ in self.step._rules)
        result.summary = (f"{result.checked} records, no boilerplate ({rules})" if not result.problems
                          else f"{len(result.problems)} record(s) still hold boilerplate")
        return result


def check_boilerplate(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Boilerplate)


class _Languages(_Findings):
    """A label outside the allowed languages fails. A recorded score below ``min_probability``
    and a label the detector disagrees with are warnings only: the detector (the costliest
    per-record work of the whole check, ~60 % of its CPU on news) runs only when warnings are
    evaluated, and then in this process (``here_only``: its tables are ~120 MB a process,
    and the build's parent holds them already). Without warnings (the build's gate) the
    check reads the id and the label and runs on the workers like the others."""

    name, columns = "records.languages", ("id", "text", "language", "language_score")
    here_only = True

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.step = folder.step("detect_language")
        self.allowed = folder.overrides.get("languages") or (tuple(self.step.params.languages) if self.step else ())
        if not self.allowed:
            self.result.skip("no allowed languages recorded (detect_language has no 'languages')")
        if not folder.warnings:
            self.step, self.columns, self.here_only = None, ("id", "language"), False

    def scan(self, records, start):
        detected = self._detected(records)
        return len(records), [finding for index, record in enumerate(records, start)
                              for finding in self._findings(record, index, detected.get(index - start))]

    def scanned(self) -> None:
        from corpuskit.lang import release_models

        release_models()  # ~90 MB: gone before the near-duplicate resolve needs its memory

    def _detected(self, records: list[dict]) -> dict[int, tuple[str, float]]:
        """The detector's (label, probability) for each record of the batch with an allowed
        label, by position: the recorded step's :meth:`~corpuskit.steps.language.DetectLanguage.labels`
        of the whole batch at once."""
        if self.step is None:
            return {}
        wanted = [at for at, record in enumerate(records) if record.get("language") in self.allowed]
        return dict(zip(wanted, self.step.labels([records[at].get("text") or "" for at in wanted])))

    def _findings(self, record: dict, index: int, detected: tuple[str, float] | None) -> list[tuple]:
        rid = _rid(record, index)
        language = record.get("language")
        if language not in self.allowed:
            return [("fail", index, rid, f"language {language!r} not in {list(self.allowed)}")]
        if self.step is None:
            return []
        found = []
        params = self.step.params
        score = record.get("language_score")
        if isinstance(score, (int, float)) and score < params.min_probability:
            found.append(("warn", index, rid, f"language_score {score} below {params.min_probability}"))
        label, probability = detected
        if label != language:
            found.append(("warn", index, rid, f"labelled {language!r}, the detector says {label!r} "
                                              f"(p={probability})"))
        return found

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        result.summary = (f"{result.checked} records in {', '.join(self.allowed)}" if not result.problems
                          else f"{len(result.problems)} record(s) in languages not allowed")
        return result


def check_languages(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _Languages)


class _MinChars(_Findings):
    name, columns = "records.min_chars", ("id", "text")

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.minimum = int(folder.check_setting("min_chars"))

    def scan(self, records, start):
        found = []
        for index, record in enumerate(records, start):
            length = len(record.get("text") or "")
            if length < self.minimum:
                found.append(("fail", index, _rid(record, index),
                              f"text is {length} characters, minimum {self.minimum}"))
        return len(records), found

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        result.summary = (f"{result.checked} texts of at least {self.minimum} characters" if not result.problems
                          else f"{len(result.problems)} text(s) shorter than {self.minimum} characters")
        return result


def check_min_chars(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _MinChars)


class _HeaderBlocks(_Findings):
    """A header block fails in a body read from a digest and is a warning elsewhere, so
    without warnings (the build's gate) only digest records are looked at."""

    name, columns = "records.header_blocks", ("id", "text", "provenance.source_path")

    def __init__(self, folder: VersionFolder):
        super().__init__(folder)
        self.warnings = folder.warnings

    def scan(self, records, start):
        from corpuskit.readers import detect_format
        from corpuskit.readers.digest import header_block_in

        found = []
        for index, record in enumerate(records, start):
            digest = detect_format((record.get("source") or {}).get("path") or "") == "digest"
            if not (digest or self.warnings):
                continue
            block = header_block_in(record.get("text") or "")
            if block is None:
                continue
            reason = f"body holds an article header ({block[:100]!r})"
            if digest:
                found.append(("fail", index, _rid(record, index), reason + ": another article is merged into it"))
            else:
                found.append(("warn", index, _rid(record, index), reason))
        return len(records), found

    def finish(self, folder: VersionFolder) -> CheckResult:
        result = self.result
        result.summary = (f"{result.checked} bodies, no article header inside" if not result.problems
                          else f"{len(result.problems)} body(ies) hold another article's header")
        return result


def check_header_blocks(folder: VersionFolder) -> CheckResult:
    return scanned(folder, _HeaderBlocks)


CHECKS = (check_ids, check_required, check_dates, check_exact_duplicates, check_near_duplicates, check_mojibake,
          check_variants, check_languages, check_min_chars, check_boilerplate, check_header_blocks)
#: The per-record checks' scans, run in one pass over the rows (see :mod:`~corpuskit._check.scan`).
SCANS = {"check_ids": _Ids, "check_required": _Required, "check_dates": _Dates,
         "check_exact_duplicates": _ExactDuplicates, "check_near_duplicates": _NearDuplicates,
         "check_mojibake": _Mojibake, "check_variants": _Variants, "check_languages": _Languages,
         "check_min_chars": _MinChars, "check_boilerplate": _Boilerplate, "check_header_blocks": _HeaderBlocks}
