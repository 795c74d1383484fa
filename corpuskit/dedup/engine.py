"""The dedup engine: signatures → candidate index → verification → star clusters.

``Deduplicator`` is the stage's interface to the build (see :mod:`corpuskit.dedup`).
Only signatures (:mod:`~corpuskit.dedup.signature`) are held in memory, about
1 KB per article; text is never re-read, so ``resolve`` ignores ``fetch``.

>>> engine = Deduplicator()
>>> texts = ["HEADLINE ONE\\n\\n" + " ".join(f"word{i}" for i in range(60)),
...          "Headline one\\n\\n" + " ".join(f"word{i}" for i in range(40)),
...          "OTHER STORY\\n\\n" + " ".join(f"term{i}" for i in range(60))]
>>> for i, text in enumerate(texts):
...     engine.add(i, engine.signature({"title": None, "text": text}))
>>> clusters = engine.resolve()
>>> clusters.kept_of, [(m.index, m.match) for m in clusters.members[0]]
({1: 0}, [(1, 'containment')])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from corpuskit.dedup import cluster as cluster_mod
from corpuskit.dedup.index import AnchorIndex
from corpuskit.dedup.presets import thresholds
from corpuskit.dedup.signature import Signature, array, compute
from corpuskit.dedup.verify import Evidence, HeadlineWeights, TitleWeights, compare, decide, plausible

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DedupParams:
    """The stage's parameters: a preset, the mode and optional threshold overrides."""

    preset: str = "default"
    mode: str = "drop"  # "drop" removes copies; "annotate" keeps all, adds a cluster id
    containment: float | None = None
    headline: float | None = None
    numbers: float | None = None
    max_days: int | None = None
    figure_slack: int | None = None


@dataclass
class Member:
    """A copy merged into a cluster's kept record and why."""

    index: int
    similarity: float
    match: str  # which test matched it: "exact", "near", "containment"
    evidence: Evidence | None = None


@dataclass
class Clusters:
    """Result of ``resolve``: the kept index of each cluster and its members."""

    kept_of: dict[int, int] = field(default_factory=dict)  # index -> kept index (copies only)
    members: dict[int, list[Member]] = field(default_factory=dict)  # kept index -> copies

    def representative(self, index: int) -> int:
        return self.kept_of.get(index, index)


class Deduplicator:
    """Cluster copies; keep the most complete copy (see :mod:`~corpuskit.dedup.cluster`)."""

    def __init__(self, params: DedupParams | None = None):
        self.params = params or DedupParams()
        self.thresholds = thresholds(self.params.preset, containment=self.params.containment,
                                     headline=self.params.headline, numbers=self.params.numbers,
                                     max_days=self.params.max_days,
                                     figure_slack=self.params.figure_slack)
        self._signatures: list[Signature] = []
        self._positions: list[int] = []
        self._anchor_counts: list[int] = []
        self._index = AnchorIndex()

    def signature(self, record: dict) -> Signature:
        """The record's signature (pure; runs in worker processes)."""
        return compute(record)

    def add(self, index: int, signature: Signature) -> None:
        """Register the signature of the record at input position ``index``."""
        slot = len(self._signatures)
        self._signatures.append(signature)
        self._positions.append(index)
        shingles = array(signature.shingles)
        if signature.anchor > signature.level:
            shingles = shingles[(shingles & np.uint32((1 << signature.anchor) - 1)) == 0]
        self._anchor_counts.append(len(shingles))
        if not self.thresholds.exact_only:
            self._index.add(slot, shingles)

    def __len__(self) -> int:
        return len(self._signatures)

    def resolve(self, fetch: Callable[[Sequence[int]], list[dict]] | None = None) -> Clusters:
        """Cluster everything added so far (``fetch`` is unused: signatures suffice)."""
        sigs = self._signatures
        n = len(sigs)
        clusters = Clusters()
        if n < 2:
            return clusters
        keys = np.fromiter((s.key for s in sigs), dtype=np.uint64, count=n)
        sizes = np.fromiter((s.size for s in sigs), dtype=np.int64, count=n)
        chars = np.fromiter((s.chars for s in sigs), dtype=np.int64, count=n)
        order = cluster_mod.keep_order(sizes, chars, keys)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        pairs = self._index.pairs(rank, np.array(self._anchor_counts, dtype=np.int64))
        pairs = np.concatenate([pairs, _exact_pairs(keys, rank)])
        log.info("dedup: %d records, %d candidate pairs", n, len(pairs))
        offsets, neighbours = cluster_mod.adjacency(pairs, n)
        weights = HeadlineWeights([s.head for s in sigs])
        titles = TitleWeights([s.title for s in sigs])
        limits = self.thresholds
        evidence: dict[tuple[int, int], Evidence] = {}

        def verify(kept: int, other: int):
            found = compare(sigs[kept], sigs[other], weights, limits.containment, titles)
            match = decide(found, limits)
            if match is None:
                return None
            evidence[(kept, other)] = found
            return match, round(found.containment, 4)

        def join(kept: int, member: int, other: int):
            via = compare(sigs[member], sigs[other], weights, limits.containment, titles)
            match = decide(via, limits)
            if match is None:
                return None
            direct = compare(sigs[kept], sigs[other], weights, 0.0, titles)
            if not plausible(direct, limits):
                return None
            evidence[(kept, other)] = direct
            return match, round(direct.containment, 4)

        stars = cluster_mod.star_clusters(order, offsets, neighbours, verify, join)
        positions = self._positions
        for kept, copies in stars.items():
            kept_at = positions[kept]
            clusters.members[kept_at] = [
                Member(positions[c], similarity, match, evidence[(kept, c)])
                for c, match, similarity in copies
            ]
            for c, _, _ in copies:
                clusters.kept_of[positions[c]] = kept_at
        log.info("dedup: %d clusters with copies, %d copies", len(clusters.members), len(clusters.kept_of))
        return clusters


def _exact_pairs(keys: np.ndarray, rank: np.ndarray) -> np.ndarray:
    """Pairs joining every record to the first-kept record with the same canonical text."""
    order = np.lexsort((rank, keys))
    sorted_keys = keys[order]
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    heads = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    copies = ~starts
    a, b = heads[copies], order[copies]
    return np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1).astype(np.uint32)
