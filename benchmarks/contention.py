"""How much two processes slow each other down on this machine (no IPC involved).

Runs the default per-record steps and the dedup signature on the same generated
articles, first in one process alone, then in two independent processes started
together, and prints the CPU seconds of each. The ratio bounds the 1 vs 2 worker
speed-up any build can reach here.

    .venv/bin/python benchmarks/contention.py [N]
"""

from __future__ import annotations

import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from generate import generate_corpus  # noqa: E402

from corpuskit.config import parse_config  # noqa: E402
from corpuskit.records import new_record, source_span  # noqa: E402


def work(n: int, queue) -> None:
    config = parse_config({"name": "contention", "version": "1.0.0",
                           "variants": {"Nagorno": ["Nargono", "Nagorny"]}}, ".")
    steps = [s for s in config.pipeline if s.kind == "record"]
    for step in steps:
        getattr(step, "warm_up", lambda: None)()
    engine = next(s for s in config.pipeline if s.kind == "corpus").engine()
    records = [new_record(text=d["text"], title=d.get("title"), source=source_span("x", "y", 1, 1, 0, 0))
               for d in generate_corpus(n, seed=11)]
    started = time.process_time()
    for step in steps:
        records = [r for r in (step.apply(r) for r in records) if isinstance(r, dict)]
    for record in records:
        engine.signature(record)
    queue.put(time.process_time() - started)


def measure(n: int, processes: int) -> list[float]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    jobs = [context.Process(target=work, args=(n, queue)) for _ in range(processes)]
    for job in jobs:
        job.start()
    results = [queue.get() for _ in jobs]
    for job in jobs:
        job.join()
    return results


if __name__ == "__main__":
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 4000
    alone = measure(n, 1)[0]
    together = measure(n, 2)
    ceiling = 2 * alone / (sum(together) / len(together))
    print(f"alone: {alone:.2f} CPU-s; two at once: {', '.join(f'{t:.2f}' for t in together)} CPU-s; "
          f"2-worker ceiling {ceiling:.2f}x")
