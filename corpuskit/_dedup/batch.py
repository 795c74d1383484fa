"""Vectorised verification: :func:`~corpuskit._dedup.verify.compare` and
:func:`~corpuskit._dedup.verify.decide` for many candidate pairs at once.

Works on a :class:`~corpuskit._dedup.store.Frozen` store. Every set-valued field
is sorted and unique per record, so tagging each value with its pair number
(``pair << 32 | value``) makes the values of all pairs' left sides one sorted
array, and the right sides another; shared values are then found for all pairs
in one merge (a stable sort of two sorted runs is a single linear merge) or one
``searchsorted``. Per-record features (headline rarity weights) are computed
once per corpus, not per pair.

The results equal the scalar functions' (``tests/test_dedup.py`` checks this on
generated corpora), except that the headline-to-headline score is first taken
on exact token matches only (a lower bound); the OCR-tolerant score (a token
also matching one at edit distance 1) is computed in Python only for the few
pairs whose decision it could change, and for the evidence of merged pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpuskit._dedup.normalize import _MONTH_START, SLIPPED

_SLIPPED = np.array(SLIPPED, dtype=bool)
from corpuskit._dedup.store import Frozen
from corpuskit._dedup.verify import Evidence, HeadlineWeights, Thresholds, TitleWeights, reworded, title_agreement

NONE, EXACT, NEAR, CONTAINMENT = 0, 1, 2, 3
MATCHES = {EXACT: "exact", NEAR: "near", CONTAINMENT: "containment"}
_SHIFT = np.uint64(32)


def _ranges(offsets: np.ndarray, records: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each record's range ``offsets[r]:offsets[r + 1]``: (lengths, data index of every value)."""
    starts = offsets[records]
    lengths = offsets[records + 1] - starts
    ends = np.cumsum(lengths)
    total = int(ends[-1]) if len(ends) else 0
    dtype = np.int32 if len(offsets) and offsets[-1] < (1 << 31) else np.int64
    index = np.repeat((starts - (ends - lengths)).astype(dtype), lengths)
    index += np.arange(total, dtype=dtype)
    return lengths, index


def _tagged(store: Frozen, field: str, records: np.ndarray, levels: np.ndarray | None = None):
    """Sorted ``pair << 32 | value`` keys of ``field`` for each record (sampled at ``levels``),
    with the pair number and data index of each key."""
    lengths, index = _ranges(store.offsets[field], records)
    keys = np.repeat(np.arange(len(records), dtype=np.uint64) << _SHIFT, lengths)
    keys |= store.data[field][index]
    if levels is not None and len(keys) and levels.any():
        masks = np.repeat((np.uint64(1) << levels.astype(np.uint64)) - np.uint64(1), lengths)
        keep = (keys & masks) == 0
        keys, index = keys[keep], index[keep]
    return keys, index


def _pairs_of(keys: np.ndarray) -> np.ndarray:
    return (keys >> _SHIFT).astype(np.int64)


def _shared_counts(ka: np.ndarray, kb: np.ndarray, n: int) -> np.ndarray:
    """Per pair, how many tagged keys the two (sorted, per-pair unique) sides share."""
    both = np.concatenate([ka, kb])
    both.sort(kind="stable")  # two sorted runs: one merge
    dup = both[1:] == both[:-1]
    return np.bincount((both[1:][dup] >> _SHIFT).astype(np.int64), minlength=n)


def _found(ka: np.ndarray, kb: np.ndarray) -> np.ndarray:
    """For each key of ``ka``: is it in sorted ``kb``."""
    if not len(kb):
        return np.zeros(len(ka), dtype=bool)
    where = np.searchsorted(kb, ka).clip(0, len(kb) - 1)
    return kb[where] == ka


def _cover(store: Frozen, head_weights: np.ndarray, a: np.ndarray, b: np.ndarray, other: str) -> np.ndarray:
    """Rarity-weighted share of ``a``'s headline tokens found in ``b``'s ``other`` field (1.0 when empty)."""
    n = len(a)
    ka, index = _tagged(store, "head", a)
    pair = _pairs_of(ka)
    kb, _ = _tagged(store, other, b)
    w = head_weights[index]
    total = np.bincount(pair, weights=w, minlength=n)
    found = np.bincount(pair, weights=np.where(_found(ka, kb), w, 0.0), minlength=n)
    out = np.ones(n)
    has = total > 0
    out[has] = found[has] / total[has]
    return out


def head_weights(store: Frozen, active: np.ndarray | None = None) -> tuple[HeadlineWeights, np.ndarray]:
    """Corpus idf of headline tokens over the ``active`` records (default: all), and the
    weight of every value of the flat ``head`` array."""
    weights = HeadlineWeights([])
    heads = store.data["head"]
    counted = heads
    if active is not None and not active.all():
        counted = heads[_ranges(store.offsets["head"], np.flatnonzero(active))[1]]
    weights.total = max(1, len(store.keys) if active is None else int(active.sum()))
    weights.tokens, counts = np.unique(counted, return_counts=True)
    weights.idf = np.log((weights.total + 1) / (counts + 1)) + 1.0
    flat = weights.of(heads) if len(heads) else np.empty(0)  # inactive records' tokens may be unknown
    return weights, flat


def _ordinal(day: np.ndarray) -> np.ndarray:
    month = np.clip(day // 32, 1, 12) - 1
    return np.asarray(_MONTH_START)[month] + day % 32


def days_apart(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    gap = np.abs(_ordinal(a.astype(np.int64)) - _ordinal(b.astype(np.int64))) % 365
    out = np.minimum(gap, 365 - gap)
    out[(a < 0) | (b < 0)] = -1
    return out


def _date_slip(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """:func:`~corpuskit._dedup.normalize.date_slip` of the days ``a[k]``, ``b[k]``."""
    da, db = a.astype(np.int64), b.astype(np.int64)
    return (da >= 0) & (db >= 0) & (da // 32 == db // 32) & _SLIPPED[da % 32, db % 32]


@dataclass
class PairEvidence:
    """Column-wise :class:`~corpuskit._dedup.verify.Evidence` of pairs ``(a[k], b[k])``."""

    a: np.ndarray
    b: np.ndarray
    exact: np.ndarray
    containment: np.ndarray
    ratio: np.ndarray
    headline: np.ndarray
    numbers: np.ndarray
    figures: np.ndarray
    missing: np.ndarray
    days: np.ndarray
    title: np.ndarray  # exact-token lower bound until refined
    smaller: np.ndarray
    reworded: np.ndarray  # computed (in Python) only for matching template-sized pairs
    same_body: np.ndarray
    date_slip: np.ndarray

    def evidence(self, k: int, title: float | None = None) -> Evidence:
        if self.exact[k]:
            return Evidence(1.0, 1.0, 1.0, 0, True)
        return Evidence(float(self.containment[k]), float(self.headline[k]), float(self.numbers[k]),
                        int(self.figures[k]), False, int(self.days[k]), float(self.ratio[k]),
                        float(self.title[k] if title is None else title), int(self.missing[k]),
                        int(self.smaller[k]), bool(self.reworded[k]), bool(self.same_body[k]),
                        bool(self.date_slip[k]))


def containment(store: Frozen, a: np.ndarray, b: np.ndarray, chunk: int = 1 << 12) -> np.ndarray:
    """Share of the smaller sample found in the other, both sampled at the coarser level.

    Pairs whose records share a sampling level (most) skip the re-sampling mask.
    In chunks of pairs small enough (a few MB) for the allocator to reuse memory.
    """
    out = np.empty(len(a))
    la, lb = store.levels[a], store.levels[b]
    for rows in (np.flatnonzero(la == lb), np.flatnonzero(la != lb)):
        for lo in range(0, len(rows), chunk):
            part = rows[lo:lo + chunk]
            ca, cb = a[part], b[part]
            n = len(part)
            levels = None
            if la[part[0]] != lb[part[0]]:
                levels = np.maximum(la[part], lb[part])
            ka, _ = _tagged(store, "shingles", ca,
                            None if levels is None else np.where(levels == la[part], 0, levels))
            kb, _ = _tagged(store, "shingles", cb,
                            None if levels is None else np.where(levels == lb[part], 0, levels))
            shared = _shared_counts(ka, kb, n)
            if levels is None:
                off = store.offsets["shingles"]
                smaller = np.minimum(off[ca + 1] - off[ca], off[cb + 1] - off[cb])
            else:
                smaller = np.minimum(np.bincount(_pairs_of(ka), minlength=n),
                                     np.bincount(_pairs_of(kb), minlength=n))
            out[part] = shared / np.maximum(1, smaller)
    return out


def measure(store: Frozen, weights: np.ndarray, a: np.ndarray, b: np.ndarray,
            min_containment: float) -> PairEvidence:
    """Evidence for pairs ``(a, b)``; pairs below ``min_containment`` get zero guards (like ``compare``)."""
    n = len(a)
    exact = store.keys[a] == store.keys[b]
    cont = np.ones(n)  # identical canonical texts contain each other
    rows = np.flatnonzero(~exact)
    if len(rows):
        cont[rows] = containment(store, a[rows], b[rows])
    sa, sb = store.sizes[a], store.sizes[b]
    ratio = np.minimum(sa, sb) / np.maximum(1, np.maximum(sa, sb))
    headline = np.zeros(n)
    numbers = np.zeros(n)
    figures = np.zeros(n, dtype=np.int64)
    missing = np.zeros(n, dtype=np.int64)
    title = np.ones(n)
    days = np.full(n, -1, dtype=np.int64)
    slip = np.zeros(n, dtype=bool)
    same_body = (store.bodies[a] == store.bodies[b]) & (store.bodies[a] != 0) & ~exact
    live = np.flatnonzero(~exact & ((cont >= min_containment) | same_body))
    if len(live):
        la, lb = a[live], b[live]
        headline[live] = np.maximum(_cover(store, weights, la, lb, "context"),
                                    _cover(store, weights, lb, la, "context"))
        title[live] = np.maximum(_cover(store, weights, la, lb, "head"),
                                 _cover(store, weights, lb, la, "head"))
        ka, _ = _tagged(store, "numbers", la)
        kb, _ = _tagged(store, "numbers", lb)
        shared = _shared_counts(ka, kb, len(live))
        off = store.offsets["numbers"]
        fig = np.minimum(off[la + 1] - off[la], off[lb + 1] - off[lb])
        figures[live] = fig
        missing[live] = fig - shared
        numbers[live] = np.where(fig > 0, shared / np.maximum(1, fig), 1.0)
        days[live] = days_apart(store.days[la], store.days[lb])
        slip[live] = _date_slip(store.days[la], store.days[lb])
    return PairEvidence(a, b, exact, cont, ratio, headline, numbers, figures, missing, days, title,
                        np.minimum(sa, sb), np.zeros(n, dtype=bool), same_body, slip)


def decide(ev: PairEvidence, t: Thresholds, title: np.ndarray | None = None) -> np.ndarray:
    """:func:`~corpuskit._dedup.verify.decide` for every pair: NONE, EXACT, NEAR or CONTAINMENT."""
    title = ev.title if title is None else title
    ok = ~ev.exact & ~np.bool_(t.exact_only)
    ok &= ev.containment >= t.containment
    ok &= np.maximum(ev.headline, title) >= t.headline
    # :func:`~corpuskit._dedup.verify.misread_date`
    ok &= (ev.days <= t.max_days) | (ev.date_slip & (ev.missing <= 1) & (ev.figures >= 3)
                                     & (ev.containment >= t.slack_containment))
    ok &= (title >= t.title) | (ev.containment >= t.retitled_containment)
    ok &= (ev.smaller >= t.short_tokens) | (ev.containment >= t.short_containment)
    ok &= ~ev.reworded | (ev.smaller >= t.reworded_tokens)
    slack = np.where((ev.figures >= 3) & (ev.containment >= t.slack_containment)
                     & (ev.smaller >= t.slack_tokens), t.figure_slack * (1 + ev.figures // 8), 0)
    ok &= (ev.missing == 0) | (ev.missing <= slack)
    # :func:`~corpuskit._dedup.verify.same_article`: the same body under another headline
    ok |= ev.same_body & ~np.bool_(t.exact_only) & (ev.days <= t.max_days) & (
        (ev.smaller >= t.reworded_tokens) | (np.maximum(ev.headline, title) >= t.headline))
    out = np.where(ok, np.where(ev.ratio >= 0.8, NEAR, CONTAINMENT), NONE)
    out[ev.exact] = EXACT
    return out


def _subset(ev: PairEvidence, rows: np.ndarray) -> PairEvidence:
    return PairEvidence(*(getattr(ev, f)[rows] for f in ev.__dataclass_fields__))


def verify(store: Frozen, weights: np.ndarray, titles: TitleWeights, a: np.ndarray, b: np.ndarray,
           limits: Thresholds) -> tuple[np.ndarray, list[Evidence]]:
    """Decision for every pair ``(a[k], b[k])``, and the evidence of the pairs that match.

    A pair of different texts dated further apart than ``max_days`` (and not a misread
    day) is never one story, whatever the texts share (:func:`decide`): it is decided from
    the dates alone, before any set is compared. Most candidate pairs of a large corpus are
    such (stories of other weeks sharing a phrase or a MinHash band: 93 % of 1.4 million
    at 200,000 news articles), and the set comparisons are nearly all of the time.
    """
    possible = may_match(store, a, b, limits)
    if possible.all():
        return _verify(store, weights, titles, a, b, limits)
    rows = np.flatnonzero(possible)
    match = np.full(len(a), NONE, dtype=np.int64)
    match[rows], found = _verify(store, weights, titles, a[rows], b[rows], limits)
    return match, found


def may_match(store: Frozen, a: np.ndarray, b: np.ndarray, limits: Thresholds) -> np.ndarray:
    """Which pairs ``(a[k], b[k])`` :func:`decide` may match, judged from their dates and text
    keys alone: the same canonical text, or dated at most ``max_days`` apart (or undated),
    or a misread day."""
    da, db = store.days[a], store.days[b]
    return (days_apart(da, db) <= limits.max_days) | _date_slip(da, db) | (store.keys[a] == store.keys[b])


def _verify(store: Frozen, weights: np.ndarray, titles: TitleWeights, a: np.ndarray, b: np.ndarray,
            limits: Thresholds) -> tuple[np.ndarray, list[Evidence]]:
    """:func:`verify` of pairs that may match. The exact-token headline score is a lower
    bound of the OCR-tolerant one: the latter is computed (in Python) only where it could
    change the decision, and for the evidence of matching pairs.
    """
    ev = measure(store, weights, a, b, limits.containment)
    match = decide(ev, limits)
    doubt = np.flatnonzero(match != decide(ev, limits, np.ones(len(a))))

    def fuzzy(k: int) -> float:
        return title_agreement(store.title(int(a[k])), store.title(int(b[k])), titles)

    for k in doubt.tolist():
        ev.title[k] = fuzzy(k)
    if len(doubt):
        match[doubt] = decide(_subset(ev, doubt), limits)
    # reworded headlines only ever turn a match down: test the matching template-sized pairs
    for k in np.flatnonzero((match != NONE) & ~ev.exact & ~ev.same_body
                            & (ev.smaller < limits.reworded_tokens)).tolist():
        if reworded(store.title(int(a[k])), store.title(int(b[k]))):
            ev.reworded[k] = True
            match[k] = NONE
    refined = set(doubt.tolist())
    found = []
    for k in np.flatnonzero(match).tolist():
        title = None
        if not ev.exact[k] and ev.title[k] < 1.0 and k not in refined:
            title = fuzzy(k)
        found.append(ev.evidence(k, title))
    return match, found
