"""Per-stage micro-benchmarks on 256 generated articles (one pipeline batch).

Each record step runs on the output of the steps before it, as in a build. The
figure to read is the mean time per batch: divide by 256 for the cost per
article. At 1,000 articles/s on two cores the whole per-article budget is about
2 ms of CPU, to share between reading, every step, the dedup signature and the
Arrow encoding.
"""

from __future__ import annotations

import pytest

from corpuskit.spill import ArrowEncoder, decode_table, encode_table
from corpuskit.config import load_config
from corpuskit.readers import Reader
from corpuskit.steps import StepStats

BATCH = 256


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    import importlib.util
    import sys
    from pathlib import Path

    here = Path(__file__).resolve().parent
    spec = importlib.util.spec_from_file_location("corpuskit_bench_generate", here / "generate.py")
    generate = sys.modules.get(spec.name)
    if generate is None:
        generate = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(generate)
    folder = tmp_path_factory.mktemp("steps")
    corpus = generate.write_jsonl(folder / "news.jsonl", 2000, seed=3)
    config_text = (here / "conftest.py").read_text()  # noqa: F841 - keeps the config in one place
    (folder / "corpuskit.toml").write_text(
        'name = "bench"\nversion = "1.0.0"\n[[pipeline]]\nstep = "fix_encoding"\n'
        '[[pipeline]]\nstep = "normalize_whitespace"\n[[pipeline]]\nstep = "strip_boilerplate"\n'
        '[[pipeline]]\nstep = "normalize_variants"\n[[pipeline]]\nstep = "detect_language"\n'
        'languages = ["en"]\n[[pipeline]]\nstep = "dedup"\n[variants]\n'
        + "".join(f'"{k}" = {v!r}\n'.replace("'", '"') for k, v in generate.VARIANTS.items()),
        encoding="utf-8")
    config = load_config(str(folder / "corpuskit.toml"), root=str(folder))
    records = list(Reader([corpus], root=str(folder)))
    inputs = {}
    batch = records[:BATCH]
    for step in config.pipeline:
        if step.kind != "record":
            continue
        if hasattr(step, "warm_up"):
            step.warm_up()
        inputs[step.name] = batch
        batch, _ = step.process_batch(batch, StepStats(step.name))
    return {"config": config, "corpus": corpus, "folder": folder, "inputs": inputs,
            "cleaned": batch}


STEP_NAMES = ("fix_encoding", "normalize_whitespace", "strip_boilerplate", "normalize_variants",
              "detect_language")


@pytest.mark.parametrize("name", STEP_NAMES)
def test_step(benchmark, setup, name):
    step = next(s for s in setup["config"].pipeline if s.name == name)
    batch = setup["inputs"][name]
    benchmark.extra_info["articles"] = len(batch)
    benchmark(step.process_batch, batch, StepStats(name))


def test_dedup_signature(benchmark, setup):
    engine = next(s for s in setup["config"].pipeline if s.kind == "corpus").engine()
    batch = setup["cleaned"]
    benchmark.extra_info["articles"] = len(batch)
    benchmark(engine.signatures, batch)


def test_read_jsonl(benchmark, setup):
    def read():
        return sum(1 for _ in Reader([setup["corpus"]], root=str(setup["folder"])))

    benchmark.extra_info["articles"] = 2000
    assert benchmark(read) == 2000


def test_encode_batch_to_arrow(benchmark, setup):
    encoder = ArrowEncoder()
    benchmark.extra_info["articles"] = len(setup["cleaned"])
    benchmark(encoder, setup["cleaned"], [])


def test_write_parquet(benchmark, setup, tmp_path):
    from corpuskit.publish.schema import record_schema
    from corpuskit.publish.writer import ShardWriter

    table = decode_table(encode_table(
        __import__("corpuskit.publish.schema", fromlist=["to_table"]).to_table(
            setup["cleaned"], record_schema())))
    count = [0]

    def write():
        count[0] += 1
        writer = ShardWriter(str(tmp_path / f"w{count[0]}"), "train", record_schema(), 1 << 30)
        for _ in range(16):
            writer.write_table(table)
        return writer.close()

    benchmark.extra_info["articles"] = 16 * table.num_rows
    benchmark(write)
