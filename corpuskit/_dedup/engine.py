"""The dedup engine: signatures → candidate index → verification → star clusters.

``Deduplicator`` is what the ``dedup`` step's collector drives
(:class:`~corpuskit._dedup.apply.DedupCollector`), and what ``corpuskit check`` runs.
Only signatures (:mod:`~corpuskit._dedup.signature`) are held in memory, copied
into flat arrays (:mod:`~corpuskit._dedup.store`, about 0.8 KB per ~500-word
article); text is never re-read. ``resolve``
finds candidates (same text or body, a shared MinHash band, shared anchors),
verifies them in numpy batches (:mod:`~corpuskit._dedup.batch`), clusters on the
verified edges, and repeats on the kept records until nothing more merges.

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
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from corpuskit._dedup import batch
from corpuskit._dedup import cluster as cluster_mod
from corpuskit._dedup.index import AnchorIndex
from corpuskit._dedup.presets import thresholds
from corpuskit._dedup.signature import Signature, compute, compute_batch
from corpuskit._dedup.store import SignatureStore
from corpuskit._dedup.verify import Evidence, TitleWeights, compare, plausible

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DedupParams:
    """The stage's parameters: a preset, the mode and optional threshold overrides.

    Also the ``dedup`` step's ``Params`` (the ``[[pipeline]]`` keys): one definition.
    """

    preset: str = "default"
    mode: str = "drop"  # "drop" removes copies; "annotate" keeps all, adds a cluster id
    containment: float | None = None
    headline: float | None = None
    numbers: float | None = None
    max_days: int | None = None


@dataclass(slots=True)  # one per copy: no per-object __dict__
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


#: Candidate pairs verified in one numpy batch (one per thread at a time): their
#: temporaries, ~0.75 KB a pair, are the clustering's peak beside the signatures.
VERIFY_CHUNK = 1 << 13


class Deduplicator:
    """Cluster copies; keep the most complete copy (see :mod:`~corpuskit._dedup.cluster`)."""

    def __init__(self, params: DedupParams | None = None):
        self.params = params or DedupParams()
        self.thresholds = thresholds(self.params.preset, containment=self.params.containment,
                                     headline=self.params.headline, numbers=self.params.numbers,
                                     max_days=self.params.max_days)
        self._store = SignatureStore()

    def signature(self, record: dict) -> Signature:
        """The record's signature (pure; runs in worker processes)."""
        return compute(record)

    def signatures(self, records: list[dict]) -> list[Signature]:
        """The signatures of a batch of records, computed together (same as one by one, faster)."""
        return compute_batch(records)

    def add(self, index: int, signature: Signature) -> None:
        """Register the signature of the record at input position ``index`` (copied into flat arrays)."""
        self._store.append(index, signature)

    def __len__(self) -> int:
        return len(self._store)

    def nbytes(self) -> int:
        """Bytes of signature data held (flat arrays)."""
        return self._store.nbytes()

    def resolve(self, threads: int | None = None) -> Clusters:
        """Cluster everything added so far (signatures suffice: no text is read back).

        The signatures added so far are released when it returns (the engine is empty again).

        The result is a fixed point: run on the records it keeps, the engine finds
        no copies (so ``corpuskit check``, which runs it on the published records,
        agrees with the build). A round clusters the records still kept; headline
        rarity is a corpus statistic, so removing copies can tip a pair of kept
        records over a threshold, and the next round merges it. Rounds repeat until
        one merges nothing (usually the second).

        Candidate pairs are verified on ``threads`` threads (default: one per
        core); the clusters are the same whatever the number.
        """
        store = self._store.freeze()
        n = len(store.keys)
        clusters = Clusters()
        if n < 2:
            return clusters
        order = cluster_mod.keep_order(store.sizes, store.chars, store.keys)
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        active = np.ones(n, dtype=bool)
        kept_of: dict[int, int] = {}  # store index -> store index of its kept record
        members: dict[int, list[Member]] = {}  # store index of a kept record -> its copies
        rounds = 0
        while True:
            stars = self._round(store, order, rank, active, threads)
            rounds += 1
            if not stars:
                break
            for kept, copies in stars.items():
                found = members.setdefault(kept, [])
                for member in copies:
                    active[member.index] = False
                    kept_of[member.index] = kept
                    found.append(member)
                    for moved in members.pop(member.index, []):  # a kept record merged later
                        kept_of[moved.index] = kept
                        found.append(moved)
        positions = store.positions
        for kept, copies in members.items():
            kept_at = int(positions[kept])
            clusters.members[kept_at] = [Member(int(positions[m.index]), m.similarity, m.match, m.evidence)
                                         for m in copies]
        clusters.kept_of = {int(positions[c]): int(positions[k]) for c, k in kept_of.items()}
        log.info("dedup: %d clusters with copies, %d copies, %d rounds", len(clusters.members),
                 len(clusters.kept_of), rounds)
        self._store.close()
        self._store = SignatureStore()  # the signatures are spent: free them before the write pass
        return clusters

    def _round(self, store, order: np.ndarray, rank: np.ndarray, active: np.ndarray,
               threads: int | None) -> dict[int, list[Member]]:
        """One clustering of the ``active`` records: ``{kept: [Member, ...]}`` in store indices.

        Everything (candidates, headline rarity, clusters) is computed from the active
        records alone, as if the others had never been added.
        """
        n = len(store.keys)
        limits = self.thresholds
        pairs = candidates(store, rank, limits.exact_only, active)
        log.info("dedup: %d records, %d candidate pairs", int(active.sum()), len(pairs))
        pairs = _possible(store, pairs, limits)
        heads, head_flat = batch.head_weights(store, active)
        titles = TitleWeights.from_heads(heads)
        store.release()

        # verify every candidate pair in numpy batches; keep the verified edges.
        # Chunks are independent and numpy releases the GIL in the heavy kernels
        # (sorts, searches), so they run on a thread per core; results are
        # gathered in chunk order, so the outcome never depends on the threads.
        step = VERIFY_CHUNK

        def verify_chunk(lo: int):
            a = pairs[lo:lo + step, 0].astype(np.int64)
            b = pairs[lo:lo + step, 1].astype(np.int64)
            match, found = batch.verify(store, head_flat, titles, a, b, limits)
            keep = match != batch.NONE
            return a[keep], b[keep], match[keep], found

        starts = range(0, len(pairs), step)
        threads = max(1, min(len(starts), threads or _cores()))
        pool = ThreadPoolExecutor(threads) if threads > 1 else None
        chunks = []
        try:
            for group in range(0, len(starts), threads):  # ``threads`` chunks at a time, then
                part = starts[group:group + threads]
                chunks += pool.map(verify_chunk, part) if pool else map(verify_chunk, part)
                store.release()  # their mapped signature pages go
        finally:
            if pool:
                pool.shutdown()
        edge_a = [c[0] for c in chunks]
        edge_b = [c[1] for c in chunks]
        edge_match = [c[2] for c in chunks]
        edge_evidence = [e for c in chunks for e in c[3]]
        edge_a = np.concatenate(edge_a) if edge_a else np.empty(0, dtype=np.int64)
        edge_b = np.concatenate(edge_b) if edge_b else np.empty(0, dtype=np.int64)
        edge_match = np.concatenate(edge_match) if edge_match else np.empty(0, dtype=np.int64)
        verified = {(int(x), int(y)): (batch.MATCHES[int(m)], e)
                    for x, y, m, e in zip(edge_a.tolist(), edge_b.tolist(), edge_match.tolist(), edge_evidence)}
        offsets, neighbours = cluster_mod.adjacency(np.stack([edge_a, edge_b], axis=1), n)
        evidence: dict[tuple[int, int], Evidence] = {}

        def verify(kept: int, other: int):
            match, found = verified[(kept, other) if kept < other else (other, kept)]
            evidence[(kept, other)] = found
            return match, round(found.containment, 4)

        def join(kept: int, member: int, other: int):
            match, _ = verified[(member, other) if member < other else (other, member)]
            direct = compare(self._store.signature(kept), self._store.signature(other), heads, 0.0, titles)
            if not plausible(direct, limits):
                return None
            evidence[(kept, other)] = direct
            return match, round(direct.containment, 4)

        stars = cluster_mod.star_clusters(order[active[order]], offsets, neighbours, verify, join)
        return {kept: [Member(c, similarity, match, evidence[(kept, c)]) for c, match, similarity in copies]
                for kept, copies in stars.items()}


def _possible(store, pairs: np.ndarray, limits, chunk: int = 1 << 16) -> np.ndarray:
    """The ``pairs`` that :func:`~corpuskit._dedup.batch.may_match` (``verify`` would decide
    the others from their dates alone): most of a large corpus's candidates, which would
    otherwise fill the verification chunks. Judged ``chunk`` pairs at a time (bounded
    temporaries)."""
    keep = np.empty(len(pairs), dtype=bool)
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo:lo + chunk]
        keep[lo:lo + chunk] = batch.may_match(store, part[:, 0].astype(np.int64), part[:, 1].astype(np.int64),
                                              limits)
    return pairs[keep]


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def candidates(store, rank: np.ndarray, exact_only: bool = False,
               active: np.ndarray | None = None) -> np.ndarray:
    """Every candidate pair of ``active`` records (default: all), sorted unique ``(low, high)``:
    same canonical text or body, a shared MinHash band, or shared anchors (``exact_only``: the first only)."""
    exact = _exact_pairs(store.keys, rank, active)
    if exact_only:
        return exact
    bodies = store.bodies
    has_body = bodies != 0 if active is None else active & (bodies != 0)
    return _dedupe(np.concatenate([candidate_pairs(store, rank, active=active),
                                   band_pairs(store, rank, active), exact,
                                   _exact_pairs(bodies, rank, has_body)]))


def candidate_pairs(store, rank: np.ndarray, chunk: int = 1 << 14,
                    active: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs from the anchors (each record's shingles at its ``anchor`` level)."""
    n = len(store.keys)
    off = store.offsets["shingles"]
    data = store.data["shingles"]
    counts = np.zeros(n, dtype=np.int64)

    def chunk_postings(lo: int, hi: int):
        """Chunk ``lo:hi``'s anchors and their records (the shingles at each record's level)."""
        lengths = np.diff(off[lo:hi + 1])
        values = data[off[lo]:off[hi]]
        masks = (np.uint32(1) << store.anchors[lo:hi].astype(np.uint32)) - np.uint32(1)
        keep = (values & np.repeat(masks, lengths)) == 0
        if active is not None:
            keep &= np.repeat(active[lo:hi], lengths)
        return values[keep], np.repeat(np.arange(lo, hi, dtype=np.uint32), lengths)[keep]

    # two passes over the chunks (count, then fill) so that only the postings are held whole
    for lo in range(0, n, chunk):
        hi = min(n, lo + chunk)
        counts[lo:hi] = np.bincount(chunk_postings(lo, hi)[1] - np.uint32(lo), minlength=hi - lo)
        store.release()  # the chunk's mapped signature pages (see SignatureStore.freeze)
    postings = np.empty(int(counts.sum()), dtype=np.uint64)
    filled = 0
    block = postings[:0]
    for lo in range(0, n, chunk):
        values, docs = chunk_postings(lo, min(n, lo + chunk))
        block = postings[filled:filled + len(values)]
        block[:] = values
        block <<= np.uint64(32)
        block |= docs
        filled += len(values)
        store.release()
    del block  # ``block`` is a view: it would keep the postings alive
    holder = [postings]
    del postings
    return AnchorIndex.pairs_of(holder, rank, counts)


def band_pairs(store, rank: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """Candidate pairs sharing a MinHash band (see :func:`~corpuskit._dedup.signature.bands`).

    Whether two records share a band depends on the two alone, so these candidates
    (every near copy's, with high probability) do not change with the rest of the corpus.
    """
    n, width = store.bands.shape
    docs = np.arange(n, dtype=np.uint64) if active is None else np.flatnonzero(active).astype(np.uint64)
    postings = (store.bands if active is None else store.bands[active]).astype(np.uint64)
    store.release()
    postings <<= np.uint64(32)
    postings |= docs[:, None]  # broadcast: no repeated copy of the record numbers
    postings = postings.ravel()
    holder = [postings]
    del postings
    return AnchorIndex.pairs_of(holder, rank, np.full(n, width), min_shared=1)


def _exact_pairs(keys: np.ndarray, rank: np.ndarray, active: np.ndarray | None = None) -> np.ndarray:
    """Pairs joining every (active) record to the first-kept record with the same canonical text."""
    order = np.lexsort((rank, keys))
    if active is not None:
        order = order[active[order]]
    if len(order) < 2:
        return np.empty((0, 2), dtype=np.uint32)
    sorted_keys = keys[order]
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    heads = order[np.maximum.accumulate(np.where(starts, np.arange(len(order)), 0))]
    copies = ~starts
    a, b = heads[copies], order[copies]
    return np.stack([np.minimum(a, b), np.maximum(a, b)], axis=1).astype(np.uint32)


def _dedupe(pairs: np.ndarray) -> np.ndarray:
    """Sorted unique rows of a ``(n, 2)`` uint32 pair array (low, high)."""
    keys = (pairs[:, 0].astype(np.uint64) << np.uint64(32)) | pairs[:, 1]
    keys.sort()
    keep = np.empty(len(keys), dtype=bool)
    keep[:1] = True
    np.not_equal(keys[1:], keys[:-1], out=keep[1:])
    keys = keys[keep]
    out = np.empty((len(keys), 2), dtype=np.uint32)
    out[:, 0] = keys >> np.uint64(32)
    out[:, 1] = keys.astype(np.uint32)
    return out
