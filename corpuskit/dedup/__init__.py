"""Duplicate removal: exact and near-duplicate clustering, staged and streaming.

Stages (each one bounded by signatures, never by text):

1. ``signature(record)``: runs in worker processes on cleaned records and
   returns a compact, picklable fingerprint.
2. ``add(index, signature)``: the main process feeds fingerprints in input
   order into the candidate index.
3. ``resolve(fetch)``: candidate pairs are verified (``fetch`` loads the few
   records a verification needs from the on-disk spill) and clustered with
   union-find; each cluster's kept record is chosen by a stated rule.
"""

from corpuskit.dedup.engine import Clusters, Deduplicator, DedupParams, Member

__all__ = ["Clusters", "Deduplicator", "DedupParams", "Member"]
