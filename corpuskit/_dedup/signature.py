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

from corpuskit._dedup.normalize import (canonical, fingerprint_bytes, is_number, raw_token_table, split_headline,
                                        story_day, tokens)

_U32 = np.dtype("<u4")
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_PAIR = np.uint64(0x9E3779B97F4A7C15)

_HASHES: dict[str, int] = {}  # raw token -> hash of its one canonical word
_SPLIT_HASHES: dict[str, tuple[int, ...]] = {}  # raw token -> hashes of its canonical words
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


def _distinct_hashes(distinct: list[str]) -> tuple[np.ndarray, dict[int, tuple[int, ...]]]:
    """The hashes of distinct raw tokens (:func:`_word_hash` of their canonical words): the
    first word's of each, and all the words' of the tokens that do not have exactly one (a
    figure glued to a word splits in two), by position. Tokens seen before come from bounded
    caches (one-word tokens and split ones apart: the common case is one lookup per token)."""
    found = list(map(_HASHES.get, distinct))
    split: dict[int, tuple[int, ...]] = {}
    if None in found:
        if len(_HASHES) + len(_SPLIT_HASHES) + len(distinct) >= _HASH_LIMIT:
            _HASHES.clear()
            _SPLIT_HASHES.clear()
        for i in [i for i, value in enumerate(found) if value is None]:
            token = distinct[i]
            parts = _SPLIT_HASHES.get(token)
            if parts is None:
                words = canonical(token).split()
                if len(words) == 1:
                    found[i] = _HASHES[token] = _word_hash(words[0])
                    continue
                parts = _SPLIT_HASHES[token] = tuple(_word_hash(w) for w in words)
            split[i] = parts
            found[i] = parts[0] if parts else 0
    return np.fromiter(found, dtype=np.uint64, count=len(found)), split


def _token_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """The canonical-token hashes of many texts, concatenated, and each text's offsets into
    them; also each text's raw token offsets, the raw tokens as indices into the distinct ones,
    and those (for the texts whose words are needed as strings: headlines)."""
    raw_offsets, index, distinct = raw_token_table([fingerprint_bytes(text) for text in texts])
    first, split = _distinct_hashes(distinct)
    hashes = first[index]
    if not split:  # most batches: every token one word
        return hashes, raw_offsets, raw_offsets, index, distinct
    # split tokens: their words in their place (none for a token without one)
    is_split = np.zeros(len(distinct), dtype=bool)
    is_split[list(split)] = True
    at = np.flatnonzero(is_split[index])
    words = [split[i] for i in index[at].tolist()]
    counts = np.array([len(w) for w in words], dtype=np.intp)
    hashes = np.insert(np.delete(hashes, at), np.repeat(at - np.arange(len(at)), counts),
                       np.array([h for w in words for h in w], dtype=np.uint64))
    shift = np.concatenate([[0], np.cumsum(counts - 1)])
    return hashes, raw_offsets + shift[np.searchsorted(at, raw_offsets)], raw_offsets, index, distinct


#: the non-ASCII characters ``str.split`` splits on, as the integer of their UTF-8 bytes (all
#: are two bytes beginning 0xC2 or three beginning 0xE1-0xE3), ascending
_UNICODE_SPACES = np.array([int.from_bytes(c.encode(), "big") for c in map(chr, range(0x80, 0x10000))
                            if c.isspace()], dtype=np.int64)


def _chars(texts: list[str]) -> np.ndarray:
    r"""Non-space characters (as ``str.split`` sees spaces) of each text, counted by numpy on
    their UTF-8 bytes: the bytes that begin a character, less the spaces.

    >>> texts = ["a  b\u00a0c\u2009d \u201ce\u201d\n", "", "\u3000x\x1cy\x85z\u2028\u2029\u205f\u1680"]
    >>> _chars(texts).tolist() == [sum(map(len, text.split())) for text in texts] == [7, 0, 3]
    True
    """
    encoded = [text.encode("utf-8", "surrogatepass") for text in texts]
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    counted = (data & np.uint8(0xC0)) != 0x80  # (a continuation byte is part of a character)
    counted &= data != 32
    counted &= data - np.uint8(0x09) > 4  # (0x09-0x0D)
    counted &= data - np.uint8(0x1C) > 3  # (0x1C-0x1F)
    leads = np.flatnonzero(data >= 0xC2)  # (the first bytes of the non-ASCII characters)
    if len(leads):
        last = len(data) - 1  # (a first byte is followed by its continuation bytes)
        first = data[leads].astype(np.int64)
        pair = first << 8 | data[np.minimum(leads + 1, last)]
        code = np.where(first == 0xC2, pair, pair << 8 | data[np.minimum(leads + 2, last)])
        found = _UNICODE_SPACES[np.searchsorted(_UNICODE_SPACES, code).clip(max=len(_UNICODE_SPACES) - 1)]
        counted[leads[found == code]] = False
    sizes = np.array([len(raw) for raw in encoded], dtype=np.int64)
    counts = np.zeros(len(texts), dtype=np.int64)
    filled = sizes > 0
    if filled.any():  # (reduceat counts an empty range as its first element: left out)
        total = np.int32 if len(data) < 2**31 else np.int64  # (int32 sums many times faster)
        counts[filled] = np.add.reduceat(counted.view(np.uint8), (np.cumsum(sizes) - sizes)[filled], dtype=total)
    return counts


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser of each value, in two arrays (every fresh array of a few hundred
    kB is fresh pages from the kernel: in place is much cheaper than the plain expression)."""
    shifted = values >> np.uint64(31)
    values = values ^ shifted
    values *= _MIX1
    np.right_shift(values, np.uint64(29), out=shifted)
    values ^= shifted
    values *= _MIX2
    np.right_shift(values, np.uint64(32), out=shifted)
    values ^= shifted
    return values


def head_value(token: str) -> int:
    """The ``head`` value (uint32) of one canonical headline token.

    >>> sig = compute({"title": "Grain prices ease", "text": "Body"})
    >>> sorted(head_value(t) for t in sig.title.split()) == array(sig.head).tolist()
    True
    """
    value = _mix(np.array([_word_hash(token)], dtype=np.uint64))
    return int(value[0] >> np.uint64(32))


def sampling_level(count: np.ndarray, target: int) -> np.ndarray:
    """The smallest level that keeps about ``target`` of ``count`` hashes (at least 0), of each
    count: the largest level ``L`` with ``count >> L >= target``, else 0.

    >>> sampling_level(np.array([450, 40, 128, 127]), 64).tolist(), sampling_level(np.array([450]), 16).tolist()
    ([2, 0, 1, 0], [4])
    """
    return (count[:, None] >= (target << np.arange(1, 48, dtype=np.int64))).sum(axis=1)


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


def _bins(hashes: np.ndarray) -> np.ndarray:
    """Which of the ``_BINS`` ranges of ``_BOUNDS`` each hash falls in (``searchsorted`` without
    its cost). ``_BOUNDS[k]`` is ``k * 2**60 // 3`` (``_BINS`` = 48), so ``h`` is in range
    ``(3h + 2) >> 60``, computed in two halves that do not overflow 64 bits.

    >>> edges = np.concatenate([_BOUNDS, _BOUNDS - np.uint64(1), _BOUNDS + np.uint64(1)])[1:]
    >>> hashes = np.append(edges, np.array([2**64 - 1, 2**63, 12345], dtype=np.uint64))
    >>> bool((_bins(hashes) == np.searchsorted(_BOUNDS, hashes, "right") - 1).all())
    True
    """
    rest = hashes & np.uint64(2**60 - 1)  # (in place from here: see _mix)
    rest *= np.uint64(3)
    rest += np.uint64(2)
    rest >>= np.uint64(60)
    top = hashes >> np.uint64(60)
    top *= np.uint64(3)
    top += rest
    return top.view(np.int64)  # (all below 48)


def bands(bigrams: np.ndarray, owner: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """The :data:`BANDS` band keys (uint32) of each text, one row per text, from the mixed
    word-bigram hashes of the texts (in text order, concatenated; ``owner``: the text of each,
    ascending; ``keys``: each text's exact key); a word
    4-gram is two bigrams two words apart. Texts of fewer than :data:`GRAM` tokens get keys
    derived from their exact ``keys`` (only exact copies share them).

    >>> a = _mix(np.arange(1, 400, dtype=np.uint64))
    >>> b = np.concatenate([a[:200], a[201:]])
    >>> owner = np.repeat([0, 1], [len(a), len(b)])
    >>> rows = bands(np.concatenate([a, b]), owner, np.array([1, 2], dtype=np.uint64))
    >>> shared = rows[0] == rows[1]
    >>> len(shared), bool(shared.any())
    (12, True)
    """
    texts = len(keys)
    counts = np.bincount(owner, minlength=texts)
    grams = np.maximum(counts - (GRAM - 2), 0)
    values = bigrams[:-2] * _PAIR
    values += bigrams[2:]
    slot = owner[:-2] * _BINS
    slot += _bins(values)
    # a "4-gram" of two texts (a text ends one or two bigrams on) goes to a spare slot
    ends = np.cumsum(counts)[:-1]
    across = np.concatenate([ends - 2, ends - 1])
    slot[across[(across >= 0) & (across < len(values))]] = texts * _BINS
    mins = np.full(texts * _BINS + 1, np.uint64(2**64 - 1))
    np.minimum.at(mins, slot, values)
    mins = mins[:-1].reshape(texts, _BINS)
    full = np.bincount(slot, minlength=texts * _BINS + 1)[:-1].reshape(texts, _BINS) > 0
    if not full[grams > 0].all():
        # an empty range borrows the next non-empty one's minimum (cyclically), offset by the distance
        column = np.arange(_BINS)
        nearest = np.where(full, column, 3 * _BINS)
        nearest = np.minimum.accumulate(np.concatenate([nearest, nearest + _BINS], axis=1)[:, ::-1],
                                        axis=1)[:, ::-1][:, :_BINS]
        empty = ~full & (grams > 0)[:, None]
        rows, cols = np.nonzero(empty)
        source = nearest[rows, cols]
        borrowed = mins[rows, source % _BINS] + (source - cols).astype(np.uint64) * _PAIR
        mins[rows, cols] = _mix(borrowed)
    values = (mins.reshape(texts, BANDS, ROWS) * _ROW_POWERS).sum(axis=2, dtype=np.uint64) + _BAND_SALT
    values[grams == 0] = keys[grams == 0, None] + _BAND_SALT
    return (_mix(values) >> np.uint64(32)).astype(_U32)


#: a wire or outlet tag before the headline (``UPDATE 1-``, ``RPT-``, ``Outlet: ``)
_PREFIX = re.compile(r"^\s*(?:[A-Z]{2,}(?:\s+\d+)?\s*-(?!\s)|[A-Z][\w.&']*(?:\s+[\w.&']+){0,2}\s*:\s)")
#: a tag after it (`` - report``, `` | Outlet``, `` (updated)``)
_SUFFIX = re.compile(r"\s+[-\u2013\u2014|]\s+[^-\u2013\u2014|]{1,40}$|\s*\([^()]{1,20}\)\s*$")


def _mark_tags(headline: str, words: list[str]) -> str:
    """The headline's canonical tokens joined by spaces; a leading wire/outlet tag and a
    trailing tag, when found, are set off by tabs (``prefix\\tcore\\tsuffix``), so that
    ``str.split`` still sees every token.

    >>> [len(compute({"title": t, "text": "Body"}).title.split("\\t"))
    ...  for t in ("UPDATE 1-Grain Firms Set Rates - report", "GRAIN FIRMS SET RATES")]
    [3, 1]
    """
    plain = " ".join(words)
    start = _PREFIX.match(headline)
    end = _SUFFIX.search(headline)
    if not start and not end:
        return plain
    lo = start.end() if start else 0
    hi = max(lo, end.start()) if end else len(headline)
    parts = [tokens(piece) for piece in (headline[:lo], headline[lo:hi], headline[hi:])]
    if parts[0] + parts[1] + parts[2] != words or not parts[1]:
        return plain  # the tags do not split cleanly into tokens
    return "\t".join(" ".join(p) for p in parts)


def compute(record: dict, sample_target: int = 64, anchor_target: int = 16,
            lead_tokens: int = 40) -> Signature:
    """The signature of ``record`` (``title`` may be None: then the first line is the headline):
    :func:`compute_batch` of one record."""
    return compute_batch([record], sample_target, anchor_target, lead_tokens)[0]


def compute_batch(records: list[dict], sample_target: int = 64, anchor_target: int = 16,
                  lead_tokens: int = 40) -> list[Signature]:
    """The signatures of ``records``, computed together: one tokenisation, hashing, mixing and
    sorting pass over all their tokens (a few dozen numpy calls per batch instead of per record).
    Each signature depends on its own record alone.

    >>> a, b = compute_batch([{"title": "Grain prices ease", "text": "Wheat fell 2 pct."}, {"text": ""}])
    >>> (a.size, a.title, b.size, b.key == compute({"text": ""}).key)
    (7, 'graln prlccs casc', 0, True)
    """
    return [signature for at in range(0, len(records), _CHUNK)
            for signature in _chunk(records[at:at + _CHUNK], sample_target, anchor_target, lead_tokens)]


#: records whose signatures are computed together at most: the temporaries (~40 bytes a
#: token, ~1.3 MB for 64 news articles) stay small whatever the caller's batch. 512 cost no
#: less CPU and raised the 50,000-article build's peak from 433 to 488 MB RSS (whole tree)
_CHUNK = 64


def _chunk(records: list[dict], sample_target: int, anchor_target: int, lead_tokens: int) -> list[Signature]:
    count = len(records)
    split = [split_headline(record) for record in records]
    days = [story_day(record, body) for record, (_, body) in zip(records, split)]
    texts = [text for pair in split for text in pair]
    hashes, offsets, raw_offsets, raw_index, distinct = _token_hashes(texts)
    starts, middles, ends = offsets[0:-1:2], offsets[1::2], offsets[2::2]
    sizes, heads = ends - starts, middles - starts
    leads = np.minimum(heads + lead_tokens, sizes)
    records_at = np.arange(count)
    owner = np.repeat(records_at, sizes)  # of each token
    # word bigrams (a one-token text: its token), then head, lead and figures: one mixing pass
    pairs, pair_owner = _pairs(hashes, owner, ends, sizes)
    numbers, number_owner = _numbers(hashes, owner, middles, days)
    mixed = _mix(np.concatenate([pairs, hashes[_ranges(starts, heads)], hashes[_ranges(starts, leads)], numbers]))
    # the sorted unique uint32 sets of each record: shingles, head, context, numbers
    packed = np.concatenate([pair_owner * 4, np.repeat(records_at * 4 + 1, heads), np.repeat(records_at * 4 + 2, leads),
                             number_owner * 4 + 3]).view(np.uint64)  # (the field: as _mix, in place)
    packed <<= np.uint64(32)
    packed |= mixed >> np.uint64(32)
    packed.sort()
    if len(packed):
        packed = packed[np.append(True, packed[1:] != packed[:-1])]
    field, values = (packed >> np.uint64(32)).astype(np.intp), (packed & np.uint64(0xFFFFFFFF)).astype(_U32)
    distinct_grams = np.bincount(field, minlength=4 * count)[0::4]
    levels = sampling_level(distinct_grams, sample_target)
    anchors = np.maximum(levels, sampling_level(distinct_grams, anchor_target))
    # shingles: the grams at the record's sampling level
    low_bits = ((np.uint32(1) << levels.astype(_U32)) - np.uint32(1))[field // 4]
    keep = (field % 4 != 0) | ((values & low_bits) == 0)
    bounds = (4 * np.concatenate([[0], np.cumsum(np.bincount(field[keep], minlength=4 * count))])).tolist()
    blob = values[keep].tobytes()
    view = memoryview(hashes)  # (xxhash reads the slices in place)
    starts, middles, ends = starts.tolist(), middles.tolist(), ends.tolist()
    keys = [xxhash.xxh3_64_intdigest(view[a:b]) for a, b in zip(starts, ends)]
    band_rows = bands(mixed[:len(pairs)], pair_owner, np.array(keys, dtype=np.uint64))
    levels, anchors, band_blob, width = levels.tolist(), anchors.tolist(), band_rows.tobytes(), 4 * BANDS
    chars = _chars(texts).reshape(count, 2).sum(axis=1).tolist()
    # the headlines' canonical words, each raw token's words joined by a space
    raw_heads = raw_offsets[1::2] - raw_offsets[0:-1:2]
    words = [canonical(distinct[i]) for i in raw_index[_ranges(raw_offsets[0:-1:2], raw_heads)].tolist()]
    word_bounds = np.concatenate([[0], np.cumsum(raw_heads)]).tolist()
    signatures = []
    for r, (headline, body) in enumerate(split):
        b = bounds[4 * r:4 * r + 5]
        signatures.append(Signature(
            key=keys[r],
            size=ends[r] - starts[r],
            chars=chars[r],
            level=levels[r],
            anchor=anchors[r],
            shingles=blob[b[0]:b[1]],
            head=blob[b[1]:b[2]],
            context=blob[b[2]:b[3]],
            numbers=blob[b[3]:b[4]],
            day=days[r],
            title=_mark_tags(headline, " ".join(words[word_bounds[r]:word_bounds[r + 1]]).split()),
            bands=band_blob[width * r:width * (r + 1)],
            body=xxhash.xxh3_64_intdigest(view[middles[r]:ends[r]]) if ends[r] > middles[r] else 0,
        ))
    return signatures


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions ``start, start + 1, ..., start + length - 1`` of each range, concatenated.

    >>> _ranges(np.array([0, 10, 20]), np.array([2, 0, 3])).tolist()
    [0, 1, 20, 21, 22]
    """
    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())


def _pairs(hashes: np.ndarray, owner: np.ndarray, ends: np.ndarray,
           sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The word-bigram hashes of each record (its one hash for a one-token record), in text
    order, concatenated, and the record each belongs to."""
    if not len(hashes):
        return hashes, owner
    pairs = np.empty_like(hashes)
    pairs[:-1] = hashes[:-1] * _PAIR + hashes[1:]
    last = ends[sizes > 0] - 1
    single = last[sizes[sizes > 0] == 1]
    pairs[single] = hashes[single]
    keep = np.ones(len(hashes), dtype=bool)
    keep[ends[sizes >= 2] - 1] = False  # no bigram across two records
    return pairs[keep], owner[keep]


def _numbers(hashes: np.ndarray, owner: np.ndarray, middles: np.ndarray,
             days: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """The figures of each body (odd hashes; ``middles``: where each record's body begins) as
    multisets, and the record each belongs to: the k-th occurrence of a figure is combined with
    k, so set intersection counts shared occurrences. A dateline's day of the month is compared
    as a date (``day``), not as a figure."""
    at = np.flatnonzero(hashes & np.uint64(1))
    owner = owner[at]
    in_body = at >= middles[owner]
    figures, owner = hashes[at[in_body]], owner[in_body]
    dated = np.array([_word_hash(str(day % 32)) if day >= 0 else 0 for day in days], dtype=np.uint64)
    kept = figures != dated[owner]  # (0 is even: no figure)
    figures, owner = figures[kept], owner[kept]
    if not len(figures):
        return figures, owner
    order = np.lexsort((figures, owner))
    figures, owner = figures[order], owner[order]
    first = np.ones(len(figures), dtype=bool)
    first[1:] = (figures[1:] != figures[:-1]) | (owner[1:] != owner[:-1])
    positions = np.arange(len(figures))
    occurrence = positions - np.maximum.accumulate(np.where(first, positions, 0))
    return figures + occurrence.astype(np.uint64) * _PAIR, owner


def array(blob: bytes) -> np.ndarray:
    """A signature field as a uint32 array (no copy)."""
    return np.frombuffer(blob, dtype=_U32)
