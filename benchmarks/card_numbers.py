"""Card ``num_bytes`` against what ``datasets`` computes, at scale (not a pytest module; run directly).

    .venv/bin/python benchmarks/card_numbers.py 27000 [--workers 2]

Generates ``N`` articles (``benchmarks/generate.py``, seed 1), builds them into a
temporary folder, and prints for each config: the card's ``num_bytes``, the
figure ``datasets`` computes from the parquet files alone (a fresh cache), the
parquet file size the card used to give, and the CPU and wall time of
:func:`corpuskit.publish.card.arrow_nbytes` (the read-back that computes it).
"""

from __future__ import annotations

import argparse
import glob
import os
import resource
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    import datasets
    import yaml

    from corpuskit._build import build
    from corpuskit.config import parse_config
    from corpuskit.publish.card import arrow_nbytes
    from generate import write_jsonl

    parser = argparse.ArgumentParser()
    parser.add_argument("n", type=int)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        write_jsonl(os.path.join(tmp, "in.jsonl"), args.n, seed=1)
        config = parse_config({"name": "card-numbers", "version": "1.0.0", "inputs": ["in.jsonl"]}, tmp)
        out = os.path.join(tmp, "out")
        build(config, out=out, workers=args.workers)
        with open(os.path.join(out, "README.md"), encoding="utf-8") as handle:
            meta = yaml.safe_load(handle.read().split("---\n")[1])
        for info in meta["dataset_info"]:
            sub = "data" if info["config_name"] == "default" else info["config_name"]
            files = sorted(glob.glob(os.path.join(out, sub, "*.parquet")))
            cpu, wall = _cpu(), time.perf_counter()
            arrow_nbytes(files)
            cpu, wall = _cpu() - cpu, time.perf_counter() - wall
            with tempfile.TemporaryDirectory() as cache:
                loaded = datasets.load_dataset("parquet", data_files={"train": files}, cache_dir=cache)
            computed = loaded["train"].info.splits["train"].num_bytes
            size = sum(os.path.getsize(f) for f in files)
            card = info["splits"][0]["num_bytes"]
            print(f"{info['config_name']}: card num_bytes {card:,}, datasets computes {computed:,} "
                  f"({'equal' if card == computed else 'DIFFERENT'}); parquet files {size:,} "
                  f"({computed / size:.2f}x less); arrow_nbytes {cpu:.2f} CPU-s, {wall:.2f} s wall")


if __name__ == "__main__":
    main()
