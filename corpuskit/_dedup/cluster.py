"""Clustering: star clusters around the most complete copy, verified edge by edge.

Union-find over verified pairs chains distinct stories together (A is like B,
B is like C, A is nothing like C). Instead articles are visited in keep order
(most complete first); an article not yet taken becomes a *kept record* and
takes every not-yet-taken candidate that verifies against it directly. So every
member of a cluster has passed verification against the kept record itself.

Keep order: more canonical tokens first, then more non-space characters, then a content
hash (so the choice between different texts never depends on input order),
then the earlier input position (identical texts only).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def keep_order(sizes: np.ndarray, chars: np.ndarray, keys: np.ndarray) -> np.ndarray:
    """Indices sorted by keep priority.

    >>> keep_order(np.array([5, 9, 9]), np.array([50, 80, 90]), np.array([1, 2, 3], dtype=np.uint64)).tolist()
    [2, 1, 0]
    """
    positions = np.arange(len(sizes))
    return np.lexsort((positions, keys, -chars.astype(np.int64), -sizes.astype(np.int64)))


def adjacency(pairs: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """CSR neighbour lists of an undirected pair list: ``(offsets, neighbours)``."""
    if not len(pairs):
        return np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int64)
    a = np.concatenate([pairs[:, 0], pairs[:, 1]]).astype(np.int64)
    b = np.concatenate([pairs[:, 1], pairs[:, 0]]).astype(np.int64)
    order = np.argsort(a, kind="stable")
    a, b = a[order], b[order]
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.add.at(offsets, a + 1, 1)
    return np.cumsum(offsets), b


def star_clusters(order: np.ndarray, offsets: np.ndarray, neighbours: np.ndarray,
                  verify: Callable[[int, int], tuple[str, float] | None],
                  join: Callable[[int, int, int], tuple[str, float] | None] | None = None,
                  ) -> dict[int, list[tuple[int, str, float]]]:
    """``{kept: [(copy, match, similarity), ...]}`` for every cluster with copies.

    ``verify(kept, candidate)`` returns the matching test and similarity, or None.
    ``order`` may hold only some of the records (the others take part in no pair).
    """
    n = len(offsets) - 1
    taken = np.zeros(n, dtype=bool)
    rank = np.full(n, n, dtype=np.int64)
    rank[order] = np.arange(len(order))
    clusters: dict[int, list[tuple[int, str, float]]] = {}
    connected = offsets[1:] > offsets[:-1]  # records without candidates stay alone: skip them
    rank_of = rank.tolist()
    for center in order[connected[order]].tolist():
        if taken[center]:
            continue
        taken[center] = True
        found = neighbours[offsets[center]:offsets[center + 1]]
        found = set(found[~taken[found]].tolist())
        if not found:
            continue
        members = []
        for other in sorted(found, key=rank_of.__getitem__):
            result = verify(center, other)
            if result is not None:
                taken[other] = True
                members.append((other, result[0], result[1]))
        if members:
            clusters[center] = members
    if join is not None:
        _join_singletons(order, rank, offsets, neighbours, clusters, join)
    return clusters


def _join_singletons(order, rank, offsets, neighbours, clusters, join) -> None:
    """Second pass: a record left alone joins the cluster of a *member* it verifies against.

    Two copies of one original may each differ from the kept copy more than
    from the original (two sets of boilerplate, say). ``join(kept, member, x)``
    must verify ``x`` against the member and check it against the kept record
    too, so a join never chains into a different story. Only first-pass
    members serve as bridges; records visited in keep order.
    """
    n = len(offsets) - 1
    cluster_of = np.full(n, -1, dtype=np.int64)
    for center, members in clusters.items():
        cluster_of[center] = center
        for m, _, _ in members:
            cluster_of[m] = center
    bridge = cluster_of >= 0
    added: dict[int, list[tuple[int, str, float]]] = {}
    alone = (offsets[1:] > offsets[:-1]) & ~bridge
    rank_of = rank.tolist()
    for x in order[alone[order]].tolist():
        found = neighbours[offsets[x]:offsets[x + 1]]
        found = set(found[bridge[found]].tolist())
        for member in sorted(found, key=rank_of.__getitem__):
            center = int(cluster_of[member])
            if member == center:
                continue
            result = join(center, member, x)
            if result is not None:
                cluster_of[x] = center
                added.setdefault(center, []).append((x, result[0], result[1]))
                break
    for center, extra in added.items():
        clusters[center].extend(extra)
