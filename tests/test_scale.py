"""Scale machinery: worker-count independence, stats JSON, quiet progress, Arrow spill round trip."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from corpuskit._build import build
from corpuskit.publish.schema import record_from_row
from corpuskit.spill import ArrowEncoder, Spill, decode_table
from corpuskit.cli import main
from corpuskit.config import load_config
from corpuskit.publish.schema import record_schema, to_row, to_table
from corpuskit.publish.writer import ShardWriter
from corpuskit.readers import BATCH_SIZE, read_records

from helpers import load_generate, tree_digests


def _generate():
    return load_generate()


CONFIG = """\
name = "scale"
version = "1.0.0"
[[pipeline]]
step = "fix_encoding"
[[pipeline]]
step = "normalize_whitespace"
[[pipeline]]
step = "strip_boilerplate"
[[pipeline]]
step = "normalize_variants"
[[pipeline]]
step = "dedup"
[variants]
"Nagorno" = ["Nargono", "Nagorny"]
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("scale")
    generate = _generate()
    # enough records for many units of work, with every kind of copy
    generate.write_jsonl(folder / "news.jsonl", BATCH_SIZE * 7 + 19, seed=5, pool=False)
    (folder / "corpuskit.toml").write_text(CONFIG)
    return folder


def test_one_and_two_workers_publish_identical_bytes(corpus, tmp_path, monkeypatch):
    import corpuskit.readers.streaming as streaming

    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 64 << 10)  # ~90 units: a full in-flight window
    config = load_config(str(corpus / "corpuskit.toml"), root=str(corpus))
    inputs = [str(corpus / "news.jsonl")]
    one = build(config, inputs=inputs, out=str(tmp_path / "w1"), workers=1)
    two = build(config, inputs=inputs, out=str(tmp_path / "w2"), workers=2)
    assert one.removed > 0 and one.rows > 0
    assert (one.rows, one.removed) == (two.rows, two.removed)
    assert tree_digests(tmp_path / "w1") == tree_digests(tmp_path / "w2")


def test_stats_json_has_times_and_the_published_files_do_not(corpus, tmp_path):
    stats_path = tmp_path / "stats.json"
    out = tmp_path / "out"
    result = CliRunner().invoke(main, [
        "build", str(corpus / "news.jsonl"), "--config", str(corpus / "corpuskit.toml"),
        "--out", str(out), "--workers", "2", "--stats-json", str(stats_path), "--quiet"])
    assert result.exit_code == 0, result.output
    stats = json.loads(stats_path.read_text())
    assert stats["records_in"] == BATCH_SIZE * 7 + 19
    assert stats["rows"] + stats["removed"] == stats["records_in"]
    assert stats["workers"] == 2 and stats["engine"] == {"engine": "local", "workers": 2}
    steps = {s["step"]: s for s in stats["steps"]}
    assert list(steps) == ["fix_encoding", "normalize_whitespace", "strip_boilerplate",
                           "normalize_variants", "dedup"]
    for step in steps.values():
        assert step["seconds"] >= 0
        assert {"records_in", "changed", "dropped", "dropped_by_reason", "counters"} <= set(step)
    assert steps["dedup"]["dropped_by_reason"]["duplicate"] == stats["removed"]
    assert {"read_and_clean", "dedup", "write"} <= set(stats["stages"])
    assert "encode" in stats["worker_overheads"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert [s["step"] for s in manifest["steps"]] == list(steps)
    assert all("seconds" not in s for s in manifest["steps"])
    assert "seconds" not in (out / "README.md").read_text()


def test_progress_is_quiet_when_not_a_terminal(corpus, tmp_path):
    args = ["build", str(corpus / "news.jsonl"), "--config", str(corpus / "corpuskit.toml"),
            "--workers", "1"]
    quiet = CliRunner().invoke(main, args + ["--out", str(tmp_path / "a"), "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert quiet.stdout.count("\n") == 1 and "published" in quiet.stdout
    loud = CliRunner().invoke(main, args + ["--out", str(tmp_path / "b")])
    assert loud.exit_code == 0
    assert "building" not in loud.stderr and "rec/s" not in loud.stderr  # no bar, not a TTY
    assert "normalize_whitespace" in loud.stderr  # the summary table


def test_progress_bar_draws_on_a_terminal():
    import io

    from corpuskit.progress import BuildProgress

    with BuildProgress(enabled=True) as progress:
        progress._progress.console.file = io.StringIO()
        progress.update(512, 1000, 4000)
        task = progress._progress.tasks[0]
        assert task.completed == 1000 and task.total == 4000
        assert task.fields["records"] == 512
    with BuildProgress(enabled=False) as silent:
        silent.update(1, 1, 1)  # no-op


def test_spill_round_trips_records(corpus, tmp_path):
    records = list(read_records([str(corpus / "news.jsonl")]))[:300]
    spill = Spill(str(tmp_path))
    encoder = ArrowEncoder()
    for start in range(0, len(records), 128):
        batch = records[start:start + 128]
        kept, _ = encoder(batch, [])
        spill.append(kept, len(batch))
    spill.finish()
    rows = spill.rows([299, 0, 130])
    assert [record_from_row(rows[i]) for i in (299, 0, 130)] == [records[299], records[0], records[130]]
    spans = spill.spans([130])
    assert spans[130]["id"] == records[130]["id"] and spans[130]["start_line"] == records[130]["source"]["start_line"]
    assert [first for first, _ in spill.batches()] == [0, 128, 256]
    assert record_from_row(to_row(records[5])) == records[5]


def test_parquet_bytes_do_not_depend_on_how_rows_are_cut(corpus, tmp_path):
    records = list(read_records([str(corpus / "news.jsonl")]))[:700]
    schema = record_schema()
    for name, cuts in (("a", [700]), ("b", [1, 255, 300, 144]), ("c", [350, 350])):
        writer = ShardWriter(str(tmp_path / name), "train", schema, 1 << 30)
        start = 0
        for size in cuts:
            writer.write_table(decode_table(ArrowEncoder()(records[start:start + size], [])[0]))
            start += size
        writer.close()
    import corpuskit.publish.writer as writer_module

    assert writer_module.ROW_GROUP_ROWS > 0
    assert tree_digests(tmp_path / "a") == tree_digests(tmp_path / "b") == tree_digests(tmp_path / "c")
    legacy = ShardWriter(str(tmp_path / "d"), "train", schema, 1 << 30)
    legacy.write(records)
    legacy.close()
    assert tree_digests(tmp_path / "d") == tree_digests(tmp_path / "a")
    assert to_table(records[:3], schema).num_rows == 3


def test_one_worker_runs_on_the_main_thread_alone(corpus, tmp_path, monkeypatch):
    """``--workers 1`` is a one-core budget: no writer thread, no dedup verification threads."""
    import threading

    started: list[str] = []
    original = threading.Thread.start

    def record_start(self, *args, **kwargs):
        started.append(self.name)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(threading.Thread, "start", record_start)
    config = load_config(str(corpus / "corpuskit.toml"))
    build(config, [str(corpus / "news.jsonl")], out=str(tmp_path / "w1"), workers=1)
    assert started == []
    build(config, [str(corpus / "news.jsonl")], out=str(tmp_path / "w2"), workers=2)
    assert "parquet-writer" in started  # the check above can see a thread start
