"""The record runner and the corpus-step interface, on records held in memory (``run_records``)."""

from __future__ import annotations

from corpuskit.pipeline import EMPTY_TEXT, run_records
from corpuskit.records import new_record, source_span
from corpuskit.steps import StepContext, build_step
from corpuskit.steps.base import Collector, CorpusStep

STORY = "Talks Resume\n\n" + " ".join(f"Delegates met on day {i} to discuss the ceasefire terms." for i in range(12))
OTHER = "Harvest Report\n\n" + " ".join(f"Farmers counted {i} tonnes of grain in the valley." for i in range(12))


def _records(texts):
    return [new_record(id=f"r{i}", text=text, source=source_span("mem", "", i + 1, i + 1, 10 * i, 10 * i + 9))
            for i, text in enumerate(texts)]


def _steps(*tables):
    return [build_step(table, StepContext()) for table in tables]


def test_record_and_corpus_steps_run_over_records_in_memory():
    records = _records([STORY, "  \n", OTHER, STORY.replace("  ", " ") + "\u00a0", STORY])
    result = run_records(_steps({"step": "normalize_whitespace"}, {"step": "dedup"}), records, batch_size=2)
    assert [r["id"] for r in result.kept] == ["r0", "r2"]
    assert [(r["id"], r["removed"]["reason"]) for r in result.removed] == [
        ("r1", EMPTY_TEXT), ("r3", "duplicate"), ("r4", "duplicate")]
    assert all(r["removed"]["duplicate_of"] == "r0" for r in result.removed[1:])
    assert [m["id"] for m in result.kept[0]["merged"]] == ["r3", "r4"]
    assert result.kept[0]["steps"][-1] == "dedup"
    whitespace, dedup = result.stats
    assert (whitespace.name, whitespace.records_in) == ("normalize_whitespace", 4)
    assert (dedup.name, dedup.records_in, dedup.dropped["duplicate"]) == ("dedup", 4, 2)
    assert result.empty == 1


def test_annotate_keeps_every_record_and_labels_its_cluster():
    records = _records([STORY, OTHER, STORY])
    result = run_records(_steps({"step": "dedup", "mode": "annotate"}), records)
    assert result.removed == []
    assert [(r["id"], r["cluster"]) for r in result.kept] == [("r0", "r0"), ("r1", "r1"), ("r2", "r0")]


def test_repeated_ids_get_their_suffix_across_units():
    records = _records([STORY, OTHER, "Third story here.\n\nSome body text that is long enough."])
    for record in records:
        record["id"] = "same"
    result = run_records(_steps({"step": "normalize_whitespace"}), records, batch_size=1)
    assert [r["id"] for r in result.kept] == ["same", "same-2", "same-3"]


class _Longest(CorpusStep):
    """A second corpus step written against the interface alone: keeps only the longest text."""

    name = "keep_longest"

    def signature(self, record):
        return len(record["text"])

    def collector(self):
        return _LongestCollector(self)


class _LongestCollector(Collector):
    def __init__(self, step):
        super().__init__(step)
        self.sizes = {}

    def add(self, index, signature):
        self.sizes[index] = signature

    def resolve(self, rows, threads=None):
        self.best = max(self.sizes, key=lambda i: (self.sizes[i], -i))
        self.best_id = rows.spans([self.best])[self.best]["id"]

    def apply(self, batch):
        import pyarrow as pa

        from corpuskit.publish.schema import removed_schema

        keep = pa.array([int(i) == self.best for i in batch.at])
        gone = batch.table.filter(pa.compute.invert(keep))
        self.stats.records_in += batch.table.num_rows
        self.stats.dropped["shorter"] += gone.num_rows
        schema = removed_schema()
        removed = pa.Table.from_arrays(
            [gone.column(n) for n in schema.names[:-1]]
            + [pa.array([{"step": self.step.name, "reason": "shorter", "detail": f"than {self.best_id}"}]
                        * gone.num_rows, type=schema.field("removed").type)], schema=schema)
        return type(batch)(batch.at[keep.to_numpy(zero_copy_only=False)], batch.table.filter(keep)), removed


def test_a_second_corpus_step_needs_no_change_to_the_runner():
    records = _records(["Short one.", OTHER, "Mid length text here."])
    result = run_records([_Longest()], records)
    assert [r["id"] for r in result.kept] == ["r1"]
    assert [(r["id"], r["removed"]["detail"]) for r in result.removed] == [("r0", "than r1"), ("r2", "than r1")]
    assert result.stats[0].dropped["shorter"] == 2


def test_the_dataset_language_key_reaches_detect_language(tmp_path):
    from corpuskit.config import parse_config

    def languages(data):
        config = parse_config({"name": "x", "version": "1.0.0", **data,
                               "pipeline": [{"step": "detect_language"}]}, str(tmp_path))
        return config.pipeline[0].params.languages

    assert languages({"language": ["hy", "en-US"]}) == ("hy", "en")
    assert languages({}) == ()  # no language declared: every language is kept
    explicit = parse_config({"name": "x", "version": "1.0.0", "language": ["hy"],
                             "pipeline": [{"step": "detect_language", "languages": ["ru"]}]}, str(tmp_path))
    assert explicit.pipeline[0].params.languages == ("ru",)  # the step's own setting wins


def test_clean_runs_on_the_build_runner_the_same_for_any_number_of_workers(tmp_path):
    import json

    from click.testing import CliRunner

    from corpuskit.cli import main

    lines = [{"id": "a", "text": STORY}, {"id": "b", "text": "   "}, {"id": "a", "text": OTHER + "  x"}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines * 300), encoding="utf-8")
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out-{workers}.jsonl"
        result = CliRunner().invoke(main, ["clean", str(source), "--steps", "normalize_whitespace",
                                           "--out", str(out), "--workers", workers])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    rows = [json.loads(line) for line in outputs[0].decode().splitlines()]
    assert len(rows) == 900 and [r["id"] for r in rows[:4]] == ["a", "b", "a-2", "a-3"]
    assert rows[1]["dropped"]["reason"] == EMPTY_TEXT and "dropped" not in rows[0]
    assert rows[2]["edits"][0]["step"] == "normalize_whitespace"
