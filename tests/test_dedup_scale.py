"""Scale invariance: the same planted copies are found whatever else the corpus holds.

Planted originals and their copies (exact, near: cut to 85-98 % of the words with a few
word edits) come from benchmarks/generate.py's ``copies`` profile with one seed; the
distractors are grammar-only articles of another seed (``pool=False``: nothing from
../shared/eval). The clusters of the planted records must be the same among 300 and
among 3,000 distractors (benchmarks/bench_build.py runs the same idea at 200,000).
"""

from __future__ import annotations

import pytest

from corpuskit._dedup import Deduplicator
from helpers import load_generate


def _generate():
    return load_generate()


@pytest.fixture(scope="module")
def corpora():
    generate = _generate()
    truth: list = []
    planted = list(generate.generate_corpus(400, seed=21, pool=False, profile="copies", truth=truth))
    distractors = list(generate.generate_corpus(3000, seed=22, pool=False))
    return planted, truth, distractors


def _planted_clusters(planted: list[dict], distractors: list[dict]) -> dict[str, str]:
    """``id -> id of its kept record`` for the planted records, distractors interleaved."""
    engine = Deduplicator()
    records = []
    step = max(1, len(distractors) // len(planted))
    for k, article in enumerate(planted):
        records.append(article)
        records.extend(distractors[k * step:(k + 1) * step])
    for i, record in enumerate(records):
        engine.add(i, engine.signature(record))
    clusters = engine.resolve()
    return {r["id"]: records[clusters.representative(i)]["id"]
            for i, r in enumerate(records) if r["id"].startswith("s21-")}


def test_planted_copies_same_clusters_among_300_and_3000_distractors(corpora):
    planted, truth, distractors = corpora
    small = _planted_clusters(planted, distractors[:300])
    large = _planted_clusters(planted, distractors)
    assert small == large
    kinds = {kind for _, _, kind in truth}
    assert kinds == {"exact", "near"} and len(truth) > 60
    missed = [(c, o, k) for c, o, k in truth if large[c] != large[o]]
    assert len(missed) <= len(truth) // 50, missed  # ~0.998 per near pair: at most 2 % missed
    assert all(kept.startswith("s21-") for kept in large.values())  # no distractor joined


def test_kept_records_are_a_fixed_point(corpora):
    """What the build keeps, the engine run on it again (``corpuskit check``) leaves alone."""
    planted, _, distractors = corpora
    records = planted + distractors[:1200]
    engine = Deduplicator()
    for i, record in enumerate(records):
        engine.add(i, engine.signature(record))
    clusters = engine.resolve()
    kept = [r for i, r in enumerate(records) if i not in clusters.kept_of]
    assert len(kept) < len(records) - 50
    again = Deduplicator()
    for i, record in enumerate(kept):
        again.add(i, again.signature(record))
    assert again.resolve().kept_of == {}
