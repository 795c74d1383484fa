"""Dedup engine internals: flat signature storage, batch verification = scalar verification,
resolve = the per-pair reference clustering.

Corpora come from benchmarks/generate.py with ``pool=False`` (its built-in grammar
only; nothing from ../shared/eval).
"""

from __future__ import annotations

import mmap
import os
import pickle
from array import array

import numpy as np
import pytest

from corpuskit._dedup import Deduplicator, batch
from corpuskit._dedup import cluster as cluster_mod
from corpuskit._dedup.engine import candidates
from corpuskit._dedup.verify import HeadlineWeights, TitleWeights, compare, decide, plausible
from helpers import load_generate


def _generate(n: int, seed: int) -> list[dict]:
    return list(load_generate().generate_corpus(n, seed=seed, pool=False))


@pytest.fixture(scope="module")
def signed():
    articles = _generate(1500, seed=11)
    engine = Deduplicator()
    signatures = [engine.signature(a) for a in articles]
    for i, sig in enumerate(signatures):
        engine.add(i, sig)
    return engine, signatures


def test_store_round_trip_and_flat_layout(signed):
    engine, signatures = signed
    store = engine._store
    assert len(engine) == len(signatures)
    for i in (0, 1, 17, len(signatures) - 1):
        assert store.signature(i) == signatures[i]
    # flat C arrays only: no Python object per record
    for values in (store.keys, store.sizes, store.positions, *store.data.values(), *store.offsets.values()):
        assert isinstance(values, array)
    frozen = store.freeze()
    for name in ("shingles", "head", "context", "numbers"):
        off = frozen.offsets[name]
        assert off[0] == 0 and off[-1] == len(frozen.data[name]) and (np.diff(off) >= 0).all()
    assert engine.nbytes() / len(engine) < 1200
    assert pickle.loads(pickle.dumps(signatures[3])) == signatures[3]


def test_batch_verification_equals_scalar(signed):
    engine, signatures = signed
    store = engine._store.freeze()
    n = len(signatures)
    order = cluster_mod.keep_order(store.sizes, store.chars, store.keys)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    pairs = candidates(store, rank)
    assert len(pairs) > 100
    a, b = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    heads, flat = batch.head_weights(store)
    reference_heads = HeadlineWeights([s.head for s in signatures])
    reference_titles = TitleWeights([s.title for s in signatures])
    limits = engine.thresholds
    ev = batch.measure(store, flat, a, b, limits.containment)
    match, _ = batch.verify(store, flat, TitleWeights.from_heads(heads), a, b, limits)
    for k in range(len(a)):
        ref = compare(signatures[a[k]], signatures[b[k]], reference_heads, limits.containment,
                      reference_titles)
        assert ev.exact[k] == ref.exact
        assert ev.containment[k] == pytest.approx(ref.containment)
        if ref.exact or ref.containment < limits.containment:
            continue
        assert ev.headline[k] == pytest.approx(ref.headline)
        assert (ev.figures[k], ev.missing[k], ev.days[k], ev.smaller[k]) == \
            (ref.figures, ref.missing, ref.days, ref.smaller)
        assert ev.title[k] <= ref.title + 1e-9
        assert batch.MATCHES.get(int(match[k])) == decide(ref, limits)


def test_pairs_dated_apart_are_decided_without_comparing_their_sets(signed):
    """``verify`` decides pairs of different texts dated more than ``max_days`` apart (not a
    misread day) from their dates alone: the same decisions and evidence as comparing all."""
    engine, signatures = signed
    store = engine._store.freeze()
    n = len(signatures)
    rank = np.empty(n, dtype=np.int64)
    rank[cluster_mod.keep_order(store.sizes, store.chars, store.keys)] = np.arange(n)
    pairs = candidates(store, rank)
    a, b = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    limits = engine.thresholds
    apart = batch.days_apart(store.days[a], store.days[b]) > limits.max_days
    assert apart.mean() > 0.5 and batch._date_slip(store.days[a], store.days[b]).any()
    heads, flat = batch.head_weights(store)
    titles = TitleWeights.from_heads(heads)
    match, found = batch.verify(store, flat, titles, a, b, limits)
    every_match, every_found = batch._verify(store, flat, titles, a, b, limits)
    assert (match == every_match).all() and found == every_found
    assert (match != batch.NONE).sum() > 10


def _reference_resolve(signatures, limits):
    """The per-pair engine this batch engine replaced (scalar compare per candidate)."""
    engine = Deduplicator()
    for i, sig in enumerate(signatures):
        engine.add(i, sig)
    store = engine._store.freeze()
    n = len(signatures)
    order = cluster_mod.keep_order(store.sizes, store.chars, store.keys)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    pairs = candidates(store, rank)
    offsets, neighbours = cluster_mod.adjacency(pairs, n)
    weights = HeadlineWeights([s.head for s in signatures])
    titles = TitleWeights([s.title for s in signatures])

    def verify(kept, other):
        found = compare(signatures[kept], signatures[other], weights, limits.containment, titles)
        match = decide(found, limits)
        return None if match is None else (match, round(found.containment, 4))

    def join(kept, member, other):
        match = decide(compare(signatures[member], signatures[other], weights, limits.containment, titles),
                       limits)
        if match is None:
            return None
        direct = compare(signatures[kept], signatures[other], weights, 0.0, titles)
        return (match, round(direct.containment, 4)) if plausible(direct, limits) else None

    stars = cluster_mod.star_clusters(order, offsets, neighbours, verify, join)
    return {k: sorted(v) for k, v in stars.items()}


def test_resolve_equals_per_pair_reference(signed):
    engine, signatures = signed
    clusters = engine.resolve()
    got = {k: sorted((m.index, m.match, m.similarity) for m in v) for k, v in clusters.members.items()}
    assert got == _reference_resolve(signatures, engine.thresholds)
    assert len(clusters.kept_of) > 50
    for kept, members in clusters.members.items():
        for m in members:
            assert m.evidence is not None and clusters.kept_of[m.index] == kept


def test_mojibake_byte_test_equals_text_test():
    from corpuskit._dedup.normalize import _MOJIBAKE, _MOJIBAKE_UTF8

    firsts = [chr(c) for c in range(0xB0, 0x100)]
    seconds = [chr(c) for c in range(0x80, 0x250)] + [chr(c) for c in range(0x2000, 0x2130)] + ["a", " "]
    for first in firsts:
        for second in seconds:
            text = "x" + first + second + "y"
            assert bool(_MOJIBAKE.search(text)) == bool(_MOJIBAKE_UTF8.search(text.encode("utf-8"))), text
    broken = "Judge\u2019s ruling".encode("utf-8").decode("cp1252")
    assert _MOJIBAKE_UTF8.search(broken.encode("utf-8"))


def test_signature_char_count_matches_split():
    from corpuskit._dedup.signature import _chars

    texts = ["plain  ascii\ttext\n", "curly \u201cquotes\u201d\u00a0and\u2009thin\u202fspaces",
             "\u3000ideographic\u3000space", "x\x1cy\x85z", "", "".join(map(chr, range(0x3010)))]
    assert _chars(texts).tolist() == [sum(map(len, text.split())) for text in texts]


def test_records_with_empty_bodies_and_headline_only_texts():
    # headline-only records have no body key; the body candidates must cope with none at all
    engine = Deduplicator()
    texts = ["ONLY A HEADLINE", "ONLY A HEADLINE", "ANOTHER HEADLINE"]
    for i, text in enumerate(texts):
        engine.add(i, engine.signature({"title": None, "text": text}))
    assert engine.resolve().kept_of == {1: 0}


def test_spilled_signatures_resolve_like_held_ones(signed, monkeypatch):
    """Signatures spilled to temporary files in small pieces read back whole: every field of
    every record, and the same clusters."""
    from corpuskit._dedup import store as store_mod

    _, signatures = signed
    held = Deduplicator()
    for i, sig in enumerate(signatures):
        held.add(i, sig)
    monkeypatch.setattr(store_mod, "SPILL_BYTES", 4096)
    spilled = Deduplicator()
    for i, sig in enumerate(signatures):
        spilled.add(i, sig)
    assert len(spilled._store._files) == 6 and len(spilled._store.bands) < len(signatures)
    assert not held._store._files and spilled.nbytes() == held.nbytes()
    for i in range(len(signatures)):  # read back piecewise: from a file, memory, or both
        assert spilled._store.signature(i) == signatures[i]
    assert not spilled._store._frozen
    expect, got = held.resolve(), spilled.resolve()
    assert got.kept_of == expect.kept_of and len(got.kept_of) > 50
    assert ({k: [(m.index, m.similarity, m.match) for m in v] for k, v in got.members.items()}
            == {k: [(m.index, m.similarity, m.match) for m in v] for k, v in expect.members.items()})


def test_pair_emissions_counted_in_rounds_give_the_same_candidates(signed, monkeypatch):
    """Past ``EMITTED`` pair emissions the anchor index counts them in rounds (one residue of
    the pair key each): the candidates are the same pairs, in the same order."""
    from corpuskit._dedup import index

    _, signatures = signed
    engine = Deduplicator()
    for i, sig in enumerate(signatures):
        engine.add(i, sig)
    store = engine._store.freeze()
    order = cluster_mod.keep_order(store.sizes, store.chars, store.keys)
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    whole = candidates(store, rank)
    monkeypatch.setattr(index, "EMITTED", 1000)
    rounds = candidates(store, rank)
    assert len(whole) > 100 and np.array_equal(rounds, whole)


def _resident_kb(array: np.ndarray) -> int:
    """Resident KB of the memory mapping that holds ``array`` (from /proc/self/smaps)."""
    address = array.__array_interface__["data"][0]
    inside = False
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            head = line.split()[0]
            if "-" in head and not head.endswith(":"):
                lo, hi = (int(x, 16) for x in head.split("-"))
                inside = lo <= address < hi
            elif inside and head == "Rss:":
                return int(line.split()[1])
    raise AssertionError("no mapping holds the array")


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="Linux /proc")
def test_spilled_signatures_are_mapped_and_released(signed, monkeypatch):
    """Once spilled, the frozen set values are views of a read-only map of their file, not a
    copy in memory: ``release`` drops the touched pages from the process and the values
    read back the same."""
    from corpuskit._dedup import store as store_mod

    _, signatures = signed
    monkeypatch.setattr(store_mod, "SPILL_BYTES", 4096)
    engine = Deduplicator()
    for i, sig in enumerate(signatures):
        engine.add(i, sig)
    frozen = engine._store.freeze()
    shingles = frozen.data["shingles"]
    assert isinstance(shingles.base.obj, mmap.mmap) and shingles.nbytes > 64 * 1024
    before = int(shingles.sum(dtype=np.uint64))  # touches every page
    assert _resident_kb(shingles) >= shingles.nbytes // 1024 - 8
    frozen.release()
    assert _resident_kb(shingles) == 0
    assert int(shingles.sum(dtype=np.uint64)) == before
    assert [frozen.signature(i) for i in range(len(signatures))] == list(signatures)
    engine._store.close()
