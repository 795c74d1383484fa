"""End-to-end build benchmarks: throughput (articles/s) and peak memory of the process tree.

``.venv/bin/pytest benchmarks/bench_build.py --benchmark-only`` runs the 20,000-article
build (2 workers) and the 1 vs 2 worker speed-up (100,000 articles, 3 alternating rounds:
about 10 minutes; ``CORPUSKIT_BENCH_SPEEDUP_N``, ``CORPUSKIT_BENCH_SPEEDUP_ROUNDS`` and
``CORPUSKIT_BENCH_SPEEDUP_FORMAT=digest`` change them); ``CORPUSKIT_BENCH_LARGE=1`` adds 50,000 and 200,000
articles (``-k 50k``, ``-k 200k``), ``CORPUSKIT_BENCH_BUILD_N=1000000`` a build of that size (``-k build_n``). Memory is the peak of the whole process tree, as the sum of RSS (the
targets' figure; pages shared by forked workers counted once per process) and as PSS and USS, for
the whole build and per stage (``peak_by_stage``: read_and_clean, dedup, write, metadata, gate). Every run writes its
figures to ``benchmarks/results/*.json`` and into the benchmark's ``extra_info``. Targets (issue 6): >= 1,000 articles/s
at 200,000 with the default pipeline, peak memory <= 3 GB, speed-up >= 1.7x.

Every build is scored against the generator's ground truth: recall per copy kind (share
of copies merged with their original) and ``distinct_removed`` (articles merged into
another story: 0 is the target). ``CORPUSKIT_BENCH_PROFILE=copies`` builds issue 12's
corpus (15 % exact copies, 10 % near copies) instead of the default mix.
"""

from __future__ import annotations

import os
import statistics
import sys

import pytest

from corpuskit.publish.manifest import tree_digests

sys.path.insert(0, os.path.dirname(__file__))
from recall import build_merges, score  # noqa: E402


def _record(benchmark, result: dict) -> None:
    for key, value in result.items():
        if key != "stats":
            benchmark.extra_info[key] = value
    benchmark.extra_info["stages"] = result["stats"]["stages"]
    benchmark.extra_info["step_seconds"] = {s["step"]: s["seconds"] for s in result["stats"]["steps"]}
    benchmark.extra_info["worker_overheads"] = result["stats"]["worker_overheads"]


def _bench_build(benchmark, harness, bench_project, n: int, workers: int) -> dict:
    corpus = harness.corpus_file(n, profile=harness.profile)
    out = bench_project / f"out-{n}-w{workers}"
    result = benchmark.pedantic(harness.run_build, args=(bench_project, corpus, workers, out),
                                rounds=1, iterations=1)
    result["profile"] = harness.profile
    result["quality"] = score(harness.generate.read_truth(harness.generate.truth_path(corpus)),
                              build_merges(out))
    _record(benchmark, result)
    suffix = "" if harness.profile == "news" else f"-{harness.profile}"
    harness.save_result(f"build-{n}-w{workers}{suffix}", result)
    return result


def test_build_20k(benchmark, harness, bench_project):
    _bench_build(benchmark, harness, bench_project, 20_000, 2)


@pytest.mark.skipif(os.environ.get("CORPUSKIT_BENCH_LARGE") != "1",
                    reason="set CORPUSKIT_BENCH_LARGE=1 for the 50,000-article build")
def test_build_50k(benchmark, harness, bench_project):
    _bench_build(benchmark, harness, bench_project, 50_000, 2)


@pytest.mark.skipif(os.environ.get("CORPUSKIT_BENCH_LARGE") != "1",
                    reason="set CORPUSKIT_BENCH_LARGE=1 for the 200,000-article build")
def test_build_200k(benchmark, harness, bench_project):
    _bench_build(benchmark, harness, bench_project, 200_000, 2)


@pytest.mark.skipif(not os.environ.get("CORPUSKIT_BENCH_BUILD_N"),
                    reason="set CORPUSKIT_BENCH_BUILD_N=1000000 (any size) for a build of that many articles")
def test_build_n(benchmark, harness, bench_project):
    _bench_build(benchmark, harness, bench_project, int(os.environ["CORPUSKIT_BENCH_BUILD_N"]), 2)


def test_speedup_1_vs_2_workers(benchmark, harness, bench_project):
    """Same corpus with 1 and 2 workers, alternating: the speed-up, and byte-identical outputs.

    This machine's speed drifts by tens of percent from minute to minute, so a
    single pair of runs says little. The builds alternate (1, 2, 1, 2, ...) for
    ``CORPUSKIT_BENCH_SPEEDUP_ROUNDS`` rounds (default 3); each round's ratio
    compares two neighbouring runs, and the median ratio is the figure.
    """
    n = int(os.environ.get("CORPUSKIT_BENCH_SPEEDUP_N", "100000"))
    rounds = int(os.environ.get("CORPUSKIT_BENCH_SPEEDUP_ROUNDS", "3"))
    fmt = os.environ.get("CORPUSKIT_BENCH_SPEEDUP_FORMAT", "jsonl")  # or "digest"
    corpus = harness.corpus_file(n, fmt=fmt)

    def alternate():
        pairs = []
        for r in range(rounds):
            one = harness.run_build(bench_project, corpus, 1, bench_project / f"w1-{r}")
            two = harness.run_build(bench_project, corpus, 2, bench_project / f"w2-{r}")
            pairs.append((one, two))
        return pairs

    pairs = benchmark.pedantic(alternate, rounds=1, iterations=1)
    ratios = [round(one["seconds"] / two["seconds"], 3) for one, two in pairs]
    speedup = round(statistics.median(ratios), 2)
    digests = {repr(sorted(tree_digests(bench_project / f"w{w}-{r}").items()))
               for r in range(rounds) for w in (1, 2)}
    identical = len(digests) == 1
    one, two = pairs[ratios.index(sorted(ratios)[len(ratios) // 2])]  # the median round
    summary = {
        "articles": n, "format": fmt, "rounds": rounds, "speedup": speedup, "speedups": ratios,
        "seconds_1_worker": [p[0]["seconds"] for p in pairs],
        "seconds_2_workers": [p[1]["seconds"] for p in pairs],
        "cpu_seconds_1_worker": [p[0]["cpu_seconds"] for p in pairs],
        "cpu_seconds_2_workers": [p[1]["cpu_seconds"] for p in pairs],
        "identical_output": identical,
    }
    benchmark.extra_info.update(summary)
    name = f"speedup-{n}" if fmt == "jsonl" else f"speedup-{n}-{fmt}"
    harness.save_result(name, {**summary, "one_worker": one, "two_workers": two})
    assert identical
