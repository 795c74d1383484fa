"""The per-record signature of a8d5db3 (before signatures were computed batch-wise), kept
verbatim as the oracle of ``tests/test_signature_batch.py``: the batch computation must give
every field of every signature exactly as this did. It imports only what the batch rewrite did
not change (folding, canonical forms, dates, the word hash and the mixer)."""

from __future__ import annotations

import numpy as np
import xxhash

from corpuskit._dedup.normalize import _ASCII_SPLIT as _NEW_ASCII_SPLIT
from corpuskit._dedup.normalize import (_ASCII_JOIN, _COMMON_MARKS, _UNICODE_PUNCT,
                                        canonical, fold, split_headline, story_day)
from corpuskit._dedup.signature import (_BAND_SALT, _BINS, _BOUNDS, _PAIR, _PREFIX, _ROW_POWERS, _SUFFIX,
                                        _U32, BANDS, GRAM, ROWS, Signature, _mix, _word_hash)

# a8d5db3's tables: the ASCII spaces and 0x1C-0x1F were left to ``str.split``
_ASCII_SPLIT = bytes(c if 0x09 <= c <= 0x0D or 0x1C <= c <= 0x1F else b for c, b in enumerate(_NEW_ASCII_SPLIT))
_OLD_UTF8_SPLIT = _ASCII_SPLIT[:128] + bytes(range(128, 256))


_SPACES = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"
_UNICODE_SPACES = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
    "\u200a\u2028\u2029\u202f\u205f\u3000"


def _chars(text: str) -> int:
    if text.isascii():
        return len(text.encode("ascii").translate(None, _SPACES))
    raw = text.encode("utf-8", "surrogatepass")
    count = len(text) - (len(raw) - len(raw.translate(None, _SPACES)))
    for space in _UNICODE_SPACES:
        if space in text:
            count -= text.count(space)
    return count


def sampling_level(count: int, target: int) -> int:
    level = 0
    while count >> (level + 1) >= target:
        level += 1
    return level


def raw_tokens(folded: str) -> list[str]:
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPLIT, _ASCII_JOIN).decode("ascii").split()
    folded = folded.replace("\u2019", "")
    for mark in _COMMON_MARKS:
        if mark in folded:
            folded = folded.replace(mark, " ")
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_SPLIT, _ASCII_JOIN).decode("ascii").split()
    if "\u00ad" in folded:
        folded = folded.replace("\u00ad", "")
    folded = _UNICODE_PUNCT.sub(" ", folded)
    return folded.encode("utf-8").translate(_OLD_UTF8_SPLIT, _ASCII_JOIN).decode("utf-8").split()


def _token_hashes(text: str, words: list[str] | None = None) -> np.ndarray:
    flat: list[int] = []
    for token in raw_tokens(fold(text)):
        parts = canonical(token).split()
        flat.extend(_word_hash(p) for p in parts)
        if words is not None:
            words.extend(parts)
    return np.array(flat, dtype=np.uint64)


def _unique(values: np.ndarray) -> np.ndarray:
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


def _occurrences(values: np.ndarray) -> np.ndarray:
    if not len(values):
        return values
    values = np.sort(values)
    starts = np.empty(len(values), dtype=bool)
    starts[0] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    if starts.all():
        return values
    positions = np.arange(len(values))
    occurrence = positions - np.maximum.accumulate(np.where(starts, positions, 0))
    return values + occurrence.astype(np.uint64) * _PAIR


def _u32_set(high: list[int]) -> bytes:
    return np.array(sorted(set(high)), dtype=_U32).tobytes()


def _min_hashes(hashes: np.ndarray) -> np.ndarray:
    hashes = np.sort(hashes)
    starts = np.searchsorted(hashes, _BOUNDS)
    ends = np.append(starts[1:], len(hashes))
    mins = hashes[np.minimum(starts, len(hashes) - 1)]
    empty = np.flatnonzero(starts >= ends)
    if len(empty):
        full = np.flatnonzero(starts < ends)
        for k in empty.tolist():
            nxt = int(full[np.searchsorted(full, k) % len(full)])
            borrowed = (int(mins[nxt]) + ((nxt - k) % _BINS) * int(_PAIR)) & 0xFFFFFFFFFFFFFFFF
            mins[k] = _mix(np.array([borrowed], dtype=np.uint64))[0]
    return mins


def bands(bigrams: np.ndarray, key: int) -> bytes:
    if len(bigrams) < GRAM - 1:
        values = np.uint64(key) + _BAND_SALT
    else:
        grams = bigrams[:-2] * _PAIR + bigrams[2:]
        mins = _min_hashes(grams).reshape(BANDS, ROWS)
        values = (mins * _ROW_POWERS).sum(axis=1, dtype=np.uint64) + _BAND_SALT
    return (_mix(values) >> np.uint64(32)).astype(_U32).tobytes()


def _mark_tags(headline: str, tokens: list[str]) -> str:
    plain = " ".join(tokens)
    start = _PREFIX.match(headline)
    end = _SUFFIX.search(headline)
    if not start and not end:
        return plain
    lo = start.end() if start else 0
    hi = max(lo, end.start()) if end else len(headline)
    parts = []
    for piece in (headline[:lo], headline[lo:hi], headline[hi:]):
        found: list[str] = []
        if piece.strip():
            _token_hashes(piece, found)
        parts.append(found)
    if parts[0] + parts[1] + parts[2] != tokens or not parts[1]:
        return plain
    return "\t".join(" ".join(p) for p in parts)


def compute(record: dict, sample_target: int = 64, anchor_target: int = 16,
            lead_tokens: int = 40) -> Signature:
    headline, body = split_headline(record)
    title: list[str] = []
    head = _token_hashes(headline, title)
    title_text = _mark_tags(headline, title)
    body_hashes = _token_hashes(body)
    all_hashes = np.concatenate([head, body_hashes])
    size = len(all_hashes)
    key = xxhash.xxh3_64_intdigest(all_hashes.tobytes())
    pairs = all_hashes[:-1] * _PAIR + all_hashes[1:] if size >= 2 else all_hashes
    lead = all_hashes[:len(head) + lead_tokens]
    day = story_day(record, body)
    numbers = body_hashes[(body_hashes & np.uint64(1)) == 1]
    if day >= 0:
        numbers = numbers[numbers != np.uint64(_word_hash(str(day % 32)))]
    numbers = _occurrences(numbers)
    mixed = _mix(np.concatenate([pairs, head, lead, numbers]))
    grams64 = mixed[:len(pairs)]
    grams32 = _unique((grams64 >> np.uint64(32)).astype(_U32))
    level = sampling_level(len(grams32), sample_target)
    anchor = max(level, sampling_level(len(grams32), anchor_target))
    if level:
        grams32 = grams32[(grams32 & np.uint32((1 << level) - 1)) == 0]
    high = (mixed[len(pairs):] >> np.uint64(32)).tolist()
    ends = (len(head), len(head) + len(lead))
    return Signature(
        key=key,
        size=size,
        chars=_chars(headline) + _chars(body),
        level=level,
        anchor=anchor,
        shingles=grams32.tobytes(),
        head=_u32_set(high[:ends[0]]),
        context=_u32_set(high[ends[0]:ends[1]]),
        numbers=_u32_set(high[ends[1]:]),
        day=day,
        title=title_text,
        bands=bands(grams64, key),
        body=xxhash.xxh3_64_intdigest(body_hashes.tobytes()) if len(body_hashes) else 0,
    )
