"""Where the cleaning stage's CPU goes: CPU microseconds per article of each part of a unit's
work (parsing, each record step, the corpus steps' signatures, encoding the results), in one
process, the best of ROUNDS passes over the same units (the first pass warms the caches).

Run on any corpus the build reads, with a configuration; for an A/B, run it against each
source tree (``PYTHONPATH=TREE``) back to back from a folder without a ``corpuskit`` package:

    .venv/bin/python benchmarks/clean_parts.py ~/.cache/corpuskit-bench/news-copies-20000-seed0-pool.jsonl \
        --config corpuskit.toml --articles 5000

``--bench-config`` runs the configuration the build benchmarks use instead (``conftest.py``: the
same steps, the lexicon of ``generate.VARIANTS``, whose forms the generated articles hold).
"""

from __future__ import annotations

import argparse
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus")
    parser.add_argument("--config", default="corpuskit.toml")
    parser.add_argument("--articles", type=int, default=5000, help="the first N articles (whole units)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bench-config", action="store_true",
                        help="the build benchmarks' configuration instead of --config")
    args = parser.parse_args()

    from corpuskit._memory import arrow_without_pandas
    from corpuskit.config import load_config
    from corpuskit.engine import warm
    from corpuskit.pipeline import Runner
    from corpuskit.readers import Reader
    from corpuskit.spill import ArrowEncoder
    from corpuskit.steps.base import StepStats

    arrow_without_pandas()  # as the command line does
    if args.bench_config:
        import tempfile
        from pathlib import Path

        from conftest import write_config  # this folder's: the build benchmarks' configuration

        with tempfile.TemporaryDirectory() as folder:
            config = load_config(str(write_config(Path(folder))))
    else:
        config = load_config(args.config)
    runner = Runner.of(config.pipeline, encode=ArrowEncoder())
    warm(runner)
    units, count = [], 0
    for unit in Reader([args.corpus], root=config.root, encodings=config.encoding_plan(),
                       options=config.read_options).units():
        units.append(unit)
        count += len(unit.parse()[0])
        if count >= args.articles:
            break
    best: dict[str, float] = {}
    for _ in range(args.rounds):
        seconds: dict[str, float] = {}

        def timed(part, work):
            started = time.process_time()
            result = work()
            seconds[part] = seconds.get(part, 0.0) + time.process_time() - started
            return result

        for unit in units:
            records, _ = timed("parse", unit.parse)
            for step in runner.steps:
                records, _ = timed(step.name, lambda: step.process_batch(records, StepStats(step.name)))
            for step in runner.corpus:
                timed(f"{step.name}:signature", lambda: step.signatures(records))
            timed("encode", lambda: runner.encode(records, []))
        best = {part: min(value, best.get(part, value)) for part, value in seconds.items()}
    print(f"{count} articles, best of {args.rounds} rounds, CPU microseconds per article:")
    for part, value in best.items():
        print(f"  {part:24} {value / count * 1e6:8.1f}")
    print(f"  {'total':24} {sum(best.values()) / count * 1e6:8.1f}")


if __name__ == "__main__":
    main()
