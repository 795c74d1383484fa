"""Duplicate removal: exact and near-duplicate clustering, staged and streaming.

Stages (each one bounded by signatures, never by text), one module each:

1. :mod:`~corpuskit._dedup.normalize` and :mod:`~corpuskit._dedup.signature`:
   ``signature(record)`` runs in worker processes on cleaned records and returns
   a compact, picklable fingerprint (canonical tokens, sampled word bigrams,
   headline, figures, date).
2. :mod:`~corpuskit._dedup.store` and :mod:`~corpuskit._dedup.index`:
   ``add(index, signature)`` copies the signature into flat offset-indexed
   arrays; ``resolve`` posts each record's MinHash band keys and sampled anchors
   into flat inverted indexes; candidate pairs share a band (whatever else the
   corpus holds), anchors, or their canonical text or body.
3. :mod:`~corpuskit._dedup.verify`, :mod:`~corpuskit._dedup.batch` and
   :mod:`~corpuskit._dedup.cluster`: ``resolve()`` verifies candidates in numpy batches (containment plus headline, figure and
   date guards) against the most complete copy of each cluster (star
   clustering, no chaining), then again on the kept records until nothing more
   merges: the published set is a fixed point, so ``corpuskit check`` agrees.

Presets live in :mod:`~corpuskit._dedup.presets`; docs/dedup.md explains them.
"""

from corpuskit._dedup.engine import Clusters, Deduplicator, DedupParams, Member

__all__ = ["Clusters", "Deduplicator", "DedupParams", "Member"]
