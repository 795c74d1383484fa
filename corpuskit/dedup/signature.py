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

About 700 bytes for a 500-word article.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xxhash

from corpuskit.dedup.normalize import _TOKEN, canonical, fold, is_number, split_headline, story_day

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


def _token_hashes(text: str, words: list[str] | None = None) -> tuple[list[int], list[bool]]:
    hashes: list[int] = []
    numeric: list[bool] = []
    cache = _HASHES
    for raw in _TOKEN.findall(fold(text)):
        found = cache.get(raw)
        if found is None:
            parts = canonical(raw).split()
            found = (tuple(xxhash.xxh3_64_intdigest(w.encode()) for w in parts),
                     tuple(is_number(w) for w in parts), tuple(parts))
            if len(cache) >= _HASH_LIMIT:
                cache.clear()
            cache[raw] = found
        if len(found[0]) == 1:
            hashes.append(found[0][0])
            numeric.append(found[1][0])
        else:
            hashes.extend(found[0])
            numeric.extend(found[1])
        if words is not None:
            words.extend(found[2])
    return hashes, numeric


def _occurrences(values: list[int]) -> np.ndarray:
    """Each value combined with its occurrence count (multiset → set)."""
    seen: dict[int, int] = {}
    out = []
    for v in values:
        k = seen.get(v, 0)
        seen[v] = k + 1
        out.append((v + k * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF)
    return np.array(out, dtype=np.uint64)


def _mix(values: np.ndarray) -> np.ndarray:
    values = values ^ (values >> np.uint64(31))
    values = values * _MIX1
    values = values ^ (values >> np.uint64(29))
    values = values * _MIX2
    return values ^ (values >> np.uint64(32))


def _u32_set(values: np.ndarray) -> bytes:
    return np.unique((values >> np.uint64(32)).astype(_U32)).tobytes()


def sampling_level(count: int, target: int) -> int:
    """The smallest level that keeps about ``target`` of ``count`` hashes (at least 0).

    >>> sampling_level(450, 64), sampling_level(40, 64), sampling_level(450, 16)
    (2, 0, 4)
    """
    level = 0
    while count >> (level + 1) >= target:
        level += 1
    return level


def compute(record: dict, sample_target: int = 64, anchor_target: int = 16,
            lead_tokens: int = 40) -> Signature:
    """The signature of ``record`` (``title`` may be None: then the first line is the headline)."""
    headline, body = split_headline(record)
    title: list[str] = []
    head_hashes, _ = _token_hashes(headline, title)
    body_hashes, body_numeric = _token_hashes(body)
    all_hashes = np.array(head_hashes + body_hashes, dtype=np.uint64)
    size = len(all_hashes)
    key = xxhash.xxh3_64_intdigest(all_hashes.tobytes())
    if size >= 2:
        grams = _mix(all_hashes[:-1] * _PAIR + all_hashes[1:])
    else:
        grams = _mix(all_hashes)
    grams32 = np.unique((grams >> np.uint64(32)).astype(_U32))
    level = sampling_level(len(grams32), sample_target)
    anchor = max(level, sampling_level(len(grams32), anchor_target))
    if level:
        grams32 = grams32[(grams32 & np.uint32((1 << level) - 1)) == 0]
    head = np.array(head_hashes, dtype=np.uint64)
    lead = np.array(head_hashes + body_hashes[:lead_tokens], dtype=np.uint64)
    day = story_day(record, body)
    # the dateline's day of the month is compared as a date (``day``), not as a figure
    dateline = xxhash.xxh3_64_intdigest(str(day % 32).encode()) if day >= 0 else -1
    numbers = _occurrences([h for h, n in zip(body_hashes, body_numeric) if n and h != dateline])
    return Signature(
        key=key,
        size=size,
        chars=sum(map(len, headline.split())) + sum(map(len, body.split())),
        level=level,
        anchor=anchor,
        shingles=grams32.tobytes(),
        head=_u32_set(_mix(head)),
        context=_u32_set(_mix(lead)),
        numbers=_u32_set(_mix(numbers)),
        day=day,
        title=" ".join(title),
    )


def array(blob: bytes) -> np.ndarray:
    """A signature field as a uint32 array (no copy)."""
    return np.frombuffer(blob, dtype=_U32)
