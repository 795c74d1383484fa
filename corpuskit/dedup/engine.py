"""First dedup engine: exact duplicates of the normalised text.

(The near-duplicate engine replaces the internals of this module behind the
same interface.)
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

_NON_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class DedupParams:
    preset: str = "default"
    mode: str = "drop"  # "drop" removes copies; "annotate" keeps all, adds a cluster id


@dataclass
class Member:
    """A copy merged into a cluster's kept record and why."""

    index: int
    similarity: float
    match: str  # which test matched it: "exact", "near", "containment", ...


@dataclass
class Clusters:
    """Result of ``resolve``: the kept index of each cluster and its members."""

    kept_of: dict[int, int] = field(default_factory=dict)  # index -> kept index (copies only)
    members: dict[int, list[Member]] = field(default_factory=dict)  # kept index -> copies

    def representative(self, index: int) -> int:
        return self.kept_of.get(index, index)


def normalized_key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return hashlib.blake2b(" ".join(_NON_WORD.split(text)).strip().encode(), digest_size=16).hexdigest()


class Deduplicator:
    """Cluster copies; keep the most complete copy (ties: earliest in the input)."""

    def __init__(self, params: DedupParams | None = None):
        self.params = params or DedupParams()
        self._first: dict[str, int] = {}
        self._sizes: dict[int, int] = {}
        self._groups: dict[str, list[int]] = {}

    def signature(self, record: dict) -> tuple[str, int]:
        text = record.get("text") or ""
        return normalized_key(text), len(text)

    def add(self, index: int, signature: tuple[str, int]) -> None:
        key, size = signature
        self._groups.setdefault(key, []).append(index)
        self._sizes[index] = size

    def resolve(self, fetch: Callable[[Sequence[int]], list[dict]] | None = None) -> Clusters:
        clusters = Clusters()
        for indices in self._groups.values():
            if len(indices) < 2:
                continue
            kept = min(indices, key=lambda i: (-self._sizes[i], i))
            clusters.members[kept] = [Member(i, 1.0, "exact") for i in indices if i != kept]
            for i in indices:
                if i != kept:
                    clusters.kept_of[i] = kept
        return clusters
