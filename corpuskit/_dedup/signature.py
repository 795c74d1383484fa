"""Signatures: the compact fingerprint of one article that dedup keeps in memory.

A signature holds everything candidate search and verification need, so the
text never has to be kept or re-read:

``key``       64-bit hash of the whole canonical token stream (exact duplicates)
``size``      number of canonical tokens (how complete the copy is)
``chars``     non-space characters of the raw text (second completeness tie-break)
``level``     sampling level: ``shingles`` keeps the word-bigram hashes ``h``
              with ``h % 2**level == 0`` (consistent sampling, so two articles
              are compared on the same sample: a containment estimate, not a
              Jaccard one)
``shingles``  sorted unique uint32 word-bigram hashes at that level
``anchor``    the coarser sampling level whose hashes go into the candidate index
``head``      sorted unique uint32 hashes of the headline's tokens
``context``   headline plus the first body tokens (dateline, lead)
``numbers``   figures in the body (dates, amounts) as a multiset: the k-th
              occurrence of a figure hashes differently from the first, so set
              intersection counts shared occurrences; sorted unique uint32
``day``       the story's day of the year from its date or dateline, -1 if unknown
``title``     the headline's canonical tokens joined by spaces (for the
              OCR-tolerant headline-to-headline comparison)
``body``      64-bit hash of the body's canonical tokens alone (0 when empty): the
              same article re-sent under a reworded headline has the same ``body``
``bands``     :data:`BANDS` uint32 MinHash band keys of the word 4-grams (each band
              ``ROWS`` min-hashes combined): two articles share a band with a
              probability that depends on their own Jaccard similarity alone, so
              near copies are candidates whatever else the corpus holds
              (``resolve`` does not depend on bucket sizes for them)

About 750 bytes for a 500-word article.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import xxhash

from corpuskit._dedup.normalize import canonical, fold, is_number, raw_tokens, split_headline, story_day

_U32 = np.dtype("<u4")
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_PAIR = np.uint64(0x9E3779B97F4A7C15)

_HASHES: dict[str, tuple[int, bool]] = {}
_HASH_LIMIT = 400_000


class Signature(NamedTuple):
    key: int
    size: int
    chars: int
    level: int
    anchor: int
    shingles: bytes
    head: bytes
    context: bytes
    numbers: bytes
    day: int
    title: str = ""
    bands: bytes = b""
    body: int = 0


def _word_hash(word: str) -> int:
    """64-bit hash of a canonical token; odd for figures, even for words."""
    h = xxhash.xxh3_64_intdigest(word.encode())
    return h | 1 if is_number(word) else h & ~1


def _token_hashes(text: str, words: list[str] | None = None) -> np.ndarray:
    """Hashes of the canonical tokens of ``text`` (figures odd, see :func:`_word_hash`)."""
    raw = raw_tokens(fold(text))
    cache = _HASHES
    if words is None:
        try:  # most articles' tokens are all known: one pass, no set of them
            return np.fromiter(map(cache.__getitem__, raw), dtype=np.uint64, count=len(raw))
        except (KeyError, TypeError):  # an unknown token, or one split in two: below
            pass
    missing = set(raw).difference(cache)
    if missing:
        if len(cache) + len(missing) >= _HASH_LIMIT:
            cache.clear()
            missing = set(raw)
        for token in missing:
            parts = canonical(token).split()
            cache[token] = _word_hash(parts[0]) if len(parts) == 1 else \
                tuple(_word_hash(p) for p in parts)
    found = list(map(cache.__getitem__, raw))
    if words is not None:
        for token in raw:
            words.extend(canonical(token).split())
    try:
        return np.fromiter(found, dtype=np.uint64, count=len(found))
    except TypeError:  # a token split in two (a figure glued to a word)
        flat: list[int] = []
        for value in found:
            if isinstance(value, tuple):
                flat.extend(value)
            else:
                flat.append(value)
        return np.array(flat, dtype=np.uint64)


def _unique(values: np.ndarray) -> np.ndarray:
    """Sorted unique values (``np.unique`` without its overhead on small arrays)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    keep = np.empty(len(values), dtype=bool)
    keep[0] = True
    np.not_equal(values[1:], values[:-1], out=keep[1:])
    return values[keep]


_SPACES = b" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


_UNICODE_SPACES = "\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009" \
    "\u200a\u2028\u2029\u202f\u205f\u3000"


def _chars(text: str) -> int:
    r"""Non-space characters of ``text`` (as ``str.split`` sees spaces).

    >>> text = "a  b\u00a0c\u2009d \u201ce\u201d\n"
    >>> _chars(text) == sum(map(len, text.split())) == 7
    True
    """
    if text.isascii():
        return len(text.encode("ascii").translate(None, _SPACES))
    raw = text.encode("utf-8", "surrogatepass")
    count = len(text) - (len(raw) - len(raw.translate(None, _SPACES)))
    for space in _UNICODE_SPACES:
        if space in text:
            count -= text.count(space)
    return count


def _occurrences(values: np.ndarray) -> np.ndarray:
    """Each value combined with its occurrence count (multiset → set).

    >>> _occurrences(np.array([7, 3, 7], dtype=np.uint64)).tolist()[:2]
    [3, 7]
    """
    if not len(values):
        return values
    values = np.sort(values)
    starts = np.empty(len(values), dtype=bool)
    starts[0] = True
    np.not_equal(values[1:], values[:-1], out=starts[1:])
    if starts.all():  # no figure repeats (most articles): every occurrence is the first
        return values
    positions = np.arange(len(values))
    occurrence = positions - np.maximum.accumulate(np.where(starts, positions, 0))
    return values + occurrence.astype(np.uint64) * _PAIR


def _mix(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(31))
    values = values * _MIX1
    values = values ^ (values >> np.uint64(29))
    values = values * _MIX2
    return values ^ (values >> np.uint64(32))


def head_value(token: str) -> int:
    """The ``head`` value (uint32) of one canonical headline token.

    >>> sig = compute({"title": "Grain prices ease", "text": "Body"})
    >>> sorted(head_value(t) for t in sig.title.split()) == array(sig.head).tolist()
    True
    """
    value = _mix(np.array([_word_hash(token)], dtype=np.uint64))
    return int(value[0] >> np.uint64(32))


def _u32_set(high: list[int]) -> bytes:
    """Sorted unique values (the high halves of mixed hashes: below 2**32) as uint32 bytes."""
    return np.array(sorted(set(high)), dtype=_U32).tobytes()


def sampling_level(count: int, target: int) -> int:
    """The smallest level that keeps about ``target`` of ``count`` hashes (at least 0).

    >>> sampling_level(450, 64), sampling_level(40, 64), sampling_level(450, 16)
    (2, 0, 4)
    """
    level = 0
    while count >> (level + 1) >= target:
        level += 1
    return level


#: MinHash LSH over word 4-grams: BANDS bands of ROWS min-hashes. A pair with Jaccard
#: similarity J shares a band with probability about 1 - (1 - J**ROWS)**BANDS: 0.998 at
#: 0.8 (a near copy cut to 85 % of its words with a few edits), 1e-4 at 0.05 (unrelated
#: articles sharing a paragraph): candidates that depend on the two articles alone.
#: The min-hashes are one-permutation hashing: the 4-gram hashes are split by value into
#: BANDS * ROWS equal ranges and each range's minimum is one min-hash (one hash and one
#: sort per article instead of one hash per min-hash); an empty range borrows the next
#: non-empty one's (densification by rotation).
BANDS, ROWS, GRAM = 12, 4, 4
_BINS = BANDS * ROWS
_BOUNDS = np.array([(k << 64) // _BINS for k in range(_BINS)], dtype=np.uint64)
_BAND_SALT = np.arange(BANDS, dtype=np.uint64) * _MIX1
#: a band's key is the polynomial m0·P³ + m1·P² + m2·P + m3 of its rows (mod 2⁶⁴), mixed
_ROW_POWERS = np.array([pow(int(_PAIR), ROWS - 1 - k, 1 << 64) for k in range(ROWS)], dtype=np.uint64)


def _min_hashes(hashes: np.ndarray) -> np.ndarray:
    """The ``_BINS`` one-permutation min-hashes of a non-empty hash array."""
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
    """The :data:`BANDS` band keys (uint32) from the mixed word-bigram hashes of a text (in
    text order); a word 4-gram is two bigrams two words apart. Texts of fewer than
    :data:`GRAM` tokens get keys derived from their exact ``key`` (only exact copies share them).

    >>> a = _mix(np.arange(1, 400, dtype=np.uint64))
    >>> b = np.concatenate([a[:200], a[201:]])
    >>> shared = array(bands(a, 1)) == array(bands(b, 2))
    >>> len(shared), bool(shared.any())
    (12, True)
    """
    if len(bigrams) < GRAM - 1:
        values = np.uint64(key) + _BAND_SALT
    else:
        grams = bigrams[:-2] * _PAIR + bigrams[2:]
        mins = _min_hashes(grams).reshape(BANDS, ROWS)
        values = (mins * _ROW_POWERS).sum(axis=1, dtype=np.uint64) + _BAND_SALT
    return (_mix(values) >> np.uint64(32)).astype(_U32).tobytes()


#: a wire or outlet tag before the headline (``UPDATE 1-``, ``RPT-``, ``Outlet: ``)
_PREFIX = re.compile(r"^\s*(?:[A-Z]{2,}(?:\s+\d+)?\s*-(?!\s)|[A-Z][\w.&']*(?:\s+[\w.&']+){0,2}\s*:\s)")
#: a tag after it (`` - report``, `` | Outlet``, `` (updated)``)
_SUFFIX = re.compile(r"\s+[-\u2013\u2014|]\s+[^-\u2013\u2014|]{1,40}$|\s*\([^()]{1,20}\)\s*$")


def _mark_tags(headline: str, tokens: list[str]) -> str:
    """The headline's canonical tokens joined by spaces; a leading wire/outlet tag and a
    trailing tag, when found, are set off by tabs (``prefix\\tcore\\tsuffix``), so that
    ``str.split`` still sees every token.

    >>> [len(compute({"title": t, "text": "Body"}).title.split("\\t"))
    ...  for t in ("UPDATE 1-Grain Firms Set Rates - report", "GRAIN FIRMS SET RATES")]
    [3, 1]
    """
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
        return plain  # the tags do not split cleanly into tokens
    return "\t".join(" ".join(p) for p in parts)


def compute(record: dict, sample_target: int = 64, anchor_target: int = 16,
            lead_tokens: int = 40) -> Signature:
    """The signature of ``record`` (``title`` may be None: then the first line is the headline)."""
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
        # the dateline's day of the month is compared as a date (``day``), not as a figure
        numbers = numbers[numbers != np.uint64(_word_hash(str(day % 32)))]
    numbers = _occurrences(numbers)
    # one mixing pass over everything that is mixed: the word bigrams, then head, lead, figures
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


def array(blob: bytes) -> np.ndarray:
    """A signature field as a uint32 array (no copy)."""
    return np.frombuffer(blob, dtype=_U32)
