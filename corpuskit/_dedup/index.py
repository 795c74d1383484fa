"""Candidate search: an inverted index over sampled word-bigram anchors.

Each article posts its *anchors* (its bigram hashes ``h`` with
``h % 2**anchor == 0``, about 16–30 per article whatever its length) into one
flat array. Sorting the postings groups articles by anchor; two articles that
share at least ``min_shared`` anchors (one, when either has only a few) become
a candidate pair. Sampling is consistent, so an abridged copy shares anchors
with its original in proportion to how much of it is inside the original
(containment), not to the Jaccard similarity of the two.

Anchors held by more than ``max_bucket`` articles (common phrases, or a story
copied very many times) do not produce all their pairs: each holder is paired
with the bucket's *head* only (the holder that would be kept), which keeps the
work linear while still joining every copy of a much-copied story to one of
them.

Everything is numpy on flat arrays: memory is about 14 bytes per anchor, plus 8
bytes per pair emission up to 64 MB (more are counted in rounds), plus 8 bytes per
candidate pair.
"""

from __future__ import annotations

import numpy as np


class AnchorIndex:
    """Accumulates anchors in input order; ``pairs`` returns the candidate pairs."""

    def __init__(self) -> None:
        self._anchors: list[np.ndarray] = []
        self._docs: list[np.ndarray] = []
        self._pending_anchors: list[np.ndarray] = []
        self._pending_docs: list[int] = []
        self._pending = 0
        self.counts: list[int] = []

    def add(self, index: int, anchors: np.ndarray) -> None:
        self._pending_anchors.append(anchors)
        self._pending_docs.append(index)
        self._pending += len(anchors)
        if self._pending >= 1 << 20:
            self._flush()

    def _flush(self) -> None:
        if not self._pending_anchors:
            return
        lengths = np.fromiter((len(a) for a in self._pending_anchors), dtype=np.int64,
                              count=len(self._pending_anchors))
        self._anchors.append(np.concatenate(self._pending_anchors).astype(np.uint32))
        self._docs.append(np.repeat(np.array(self._pending_docs, dtype=np.uint32), lengths))
        self._pending_anchors = []
        self._pending_docs = []
        self._pending = 0

    def pairs(self, rank: np.ndarray, anchor_counts: np.ndarray, min_shared: int = 2,
              few_anchors: int = 8, max_bucket: int = 64) -> np.ndarray:
        """Candidate pairs as an ``(n, 2)`` uint32 array, ``[:, 0] < [:, 1]``, sorted.

        ``rank[i]`` orders articles by keep priority (0 = kept first); it picks
        the head of oversized buckets. ``anchor_counts[i]`` is how many anchors
        article ``i`` posted: a pair with a side under ``few_anchors`` needs only
        one shared anchor.
        """
        self._flush()
        if not self._anchors:
            return np.empty((0, 2), dtype=np.uint32)
        postings = (np.concatenate(self._anchors).astype(np.uint64) << np.uint64(32)) | \
            np.concatenate(self._docs).astype(np.uint64)
        self._anchors, self._docs = [], []
        holder = [postings]
        del postings
        return self.pairs_of(holder, rank, anchor_counts, min_shared, few_anchors, max_bucket)

    @staticmethod
    def pairs_of(holder: list[np.ndarray], rank: np.ndarray, anchor_counts: np.ndarray, min_shared: int = 2,
                 few_anchors: int = 8, max_bucket: int = 64) -> np.ndarray:
        """:meth:`pairs` from ``anchor << 32 | doc`` postings, passed as ``[postings]`` so that
        they can be freed here (sorted in place)."""
        postings = holder.pop()
        if not len(postings):
            return np.empty((0, 2), dtype=np.uint32)
        postings.sort()
        docs = postings.astype(np.uint32)  # the low 32 bits
        postings >>= np.uint64(32)  # the anchors
        # most anchors are held by one article and pair nothing: keep only the postings of
        # shared anchors (whole groups, in order), so that the per-group arrays below (24
        # bytes a group) are sized by the shared anchors, not by all
        same = np.equal(postings[1:], postings[:-1])
        shared = np.zeros(len(postings), dtype=bool)
        shared[1:] = same
        shared[:-1] |= same
        del same
        postings = postings[shared]
        docs = docs[shared]
        del shared
        if not len(postings):
            return np.empty((0, 2), dtype=np.uint32)
        change = np.empty(len(postings), dtype=bool)
        change[0] = True
        np.not_equal(postings[1:], postings[:-1], out=change[1:])
        del postings
        starts = np.flatnonzero(change)
        del change
        sizes = np.diff(np.append(starts, len(docs)))
        # every shared anchor emits its pairs into one preallocated array (no copies): memory
        # is 8 bytes per emitted pair, then sorted in place and run-length counted
        values, groups = np.unique(sizes[sizes >= 2], return_counts=True)
        per_group = np.where(values <= max_bucket, values * (values - 1) // 2, values - 1)
        total = int((per_group * groups).sum())
        # every shared anchor emits its pairs (8 bytes each), which are sorted and counted. A
        # story copied many times emits its pairs once per anchor its copies share: at
        # 1,000,000 articles more than a GB of them. Past EMITTED they are counted in
        # ``passes`` rounds, each keeping the pairs of one residue of the pair key: every
        # emission of a pair falls in the same round, so each round's counts are final
        passes = max(1, -(-total // EMITTED))
        counts = np.asarray(anchor_counts).astype(np.int32)
        kept: list[np.ndarray] = []
        for residue in range(passes):
            emitted = _emitted(docs, starts, sizes, values, rank, max_bucket, passes, residue, total)
            if len(emitted):
                kept.extend(_counted(emitted, counts, min_shared, few_anchors))
            del emitted
        if not kept:
            return np.empty((0, 2), dtype=np.uint32)
        if passes == 1:
            return np.concatenate(kept)
        pairs = np.concatenate(kept)
        return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]


#: Pair emissions held at once (8 bytes each: 64 MB); more are counted in several rounds.
EMITTED = 1 << 23


def _emitted(docs: np.ndarray, starts: np.ndarray, sizes: np.ndarray, values: np.ndarray,
             rank: np.ndarray, max_bucket: int, passes: int, residue: int, total: int) -> np.ndarray:
    """The pair keys (``low << 32 | high``) every shared anchor emits whose remainder by
    ``passes`` is ``residue``, sorted (``total``: the number of all emissions)."""
    whole = np.empty(total if passes == 1 else 0, dtype=np.uint64)  # one round: filled in place
    filled = 0
    blocks: list[np.ndarray] = []
    for size in values.tolist():
        all_starts = starts[sizes == size]
        step = max(1, (1 << 18) // (size * size))  # a chunk's temporaries: ~40 bytes an emission
        for lo in range(0, len(all_starts), step):
            group_starts = all_starts[lo:lo + step]
            members = docs[group_starts[:, None] + np.arange(size)]  # (groups, size)
            if size <= max_bucket:
                left, right = np.triu_indices(size, 1)
                a = members[:, left].ravel()
                b = members[:, right].ravel()
            else:
                heads = members[np.arange(len(members)), np.argmin(rank[members], axis=1)]
                a = np.repeat(heads, size)
                b = members.ravel()
                keep = a != b
                a, b = a[keep], b[keep]
            block = np.minimum(a, b).astype(np.uint64)
            block <<= np.uint64(32)
            block |= np.maximum(a, b).astype(np.uint64)
            if passes == 1:
                whole[filled:filled + len(block)] = block
                filled += len(block)
            else:
                blocks.append(block[block % np.uint64(passes) == residue])
    emitted = whole[:filled] if passes == 1 else np.concatenate(blocks) if blocks else whole
    del blocks, whole
    emitted.sort()
    return emitted


def _counted(emitted: np.ndarray, counts: np.ndarray, min_shared: int,
             few_anchors: int) -> list[np.ndarray]:
    """The candidate pairs among sorted emissions: shared by ``min_shared`` anchors, or by one
    when either side has fewer than ``few_anchors``."""
    filled = len(emitted)
    # run-length count the sorted emissions block by block (blocks end on a run boundary):
    # temporary memory stays a few MB whatever the number of distinct pairs
    kept: list[np.ndarray] = []
    block = 1 << 17  # a block's temporaries: ~40 bytes an emission when most pairs are distinct
    lo = 0
    while lo < filled:
        hi = min(filled, lo + block)
        while hi < filled and emitted[hi] == emitted[hi - 1]:
            hi += 1
        part = emitted[lo:hi]
        change = np.empty(len(part), dtype=bool)
        change[0] = True
        np.not_equal(part[1:], part[:-1], out=change[1:])
        first = np.flatnonzero(change)
        shared = np.diff(np.append(first, len(part)))
        keys = part[first]
        low = (keys >> np.uint64(32)).astype(np.uint32)
        high = keys.astype(np.uint32)  # the low 32 bits
        keep = (shared >= min_shared) | (np.minimum(counts[low], counts[high]) < few_anchors)
        pairs = np.empty((int(keep.sum()), 2), dtype=np.uint32)
        pairs[:, 0] = low[keep]
        pairs[:, 1] = high[keep]
        kept.append(pairs)
        lo = hi
    return kept
