"""The public Python API: exports, steps, pipelines, runs on every data kind, custom steps."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pyarrow as pa
import pytest

import corpuskit
from corpuskit import ConfigError, InputError

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ("The central bank kept interest rates unchanged on Thursday, citing slower growth "
           "in the region and weaker exports than expected.")
OTHER = "Heavy rain flooded streets in the capital overnight, and officials closed several schools."


def texts() -> list[str]:
    return [ARTICLE + "\n\n(Reporting by Ann Lee; Editing by Bo Kim)", ARTICLE.replace(" ", "  ", 2), OTHER]


def cleaning() -> corpuskit.Pipeline:
    return corpuskit.Pipeline([corpuskit.NormalizeWhitespace(), corpuskit.StripBoilerplate()])


# --- exports, docs, README ---------------------------------------------------------------------

def test_every_public_name_is_documented_and_every_documented_name_is_public():
    doc = (ROOT / "docs" / "api.md").read_text("utf-8")
    table = doc.split("## Every public name", 1)[1]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    documented = {name for cell in first_cells for name in re.findall(r"`(\w+)`", cell)}
    assert documented == set(corpuskit.__all__)
    assert set(corpuskit.__all__) == {*corpuskit._WHERE, "__version__"}
    for name in corpuskit.__all__:
        assert getattr(corpuskit, name) is not None
    assert "Pipeline" in dir(corpuskit)
    with pytest.raises(AttributeError):
        corpuskit.Pipelin  # noqa: B018


def test_importing_the_package_imports_no_public_name_yet():
    """``corpuskit --help`` stays fast: public names are imported when first used."""
    import subprocess
    import sys

    code = "import sys, corpuskit; print('corpuskit._api' in sys.modules, 'pyarrow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_readme_python_example_runs_as_written():
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## Python\n", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    assert len([line for line in code.splitlines() if line.strip()]) <= 6
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "['Rates were left unchanged on Thursday.', 'Floods closed schools in the capital.']"
    assert lines[-1] == "kept 2 of 3 records; removed: duplicate 1"


def test_package_is_typed():
    assert (ROOT / "corpuskit" / "py.typed").exists()
    assert '"py.typed"' in (ROOT / "pyproject.toml").read_text("utf-8")


# --- steps ---------------------------------------------------------------------------------------

def test_step_constructors_are_validated_like_config_tables():
    from corpuskit.steps import StepContext, build_step

    context = StepContext()
    assert corpuskit.DetectLanguage(languages=["en"]).params == build_step(
        {"step": "detect_language", "languages": ["en"]}, context).params
    assert corpuskit.DetectLanguage(languages=("en",)).params.languages == ("en",)
    assert corpuskit.StripBoilerplate(rules=["read_more"]).params.rules == ("read_more",)
    assert corpuskit.Dedup(preset="strict", mode="annotate").params.mode == "annotate"
    for make, named in [(lambda: corpuskit.Dedup(preset="fuzzy"), "unknown preset 'fuzzy'"),
                        (lambda: corpuskit.Dedup(containment=2), "containment must be between 0 and 1"),
                        (lambda: corpuskit.DetectLanguage(languages="en"), "languages: expected a list"),
                        (lambda: corpuskit.StripBoilerplate(rulez=[]), "did you mean 'rules'"),
                        (lambda: corpuskit.FixEncoding(fields=["body"]), "fields: 'body' is not a record field")]:
        with pytest.raises(ConfigError, match=re.escape(named)):
            make()


def test_a_step_applies_to_a_plain_dict():
    record = corpuskit.NormalizeWhitespace().apply({"id": "1", "text": "Two  spaces."})
    assert record["text"] == "Two spaces." and record["steps"] == ["normalize_whitespace"]
    assert corpuskit.StripBoilerplate().apply({"text": "No boilerplate."}) == {"text": "No boilerplate."}


def test_normalize_variants_takes_the_lexicon_as_written_in_variants():
    step = corpuskit.NormalizeVariants({"Nagorno": ["Nargono", "Nagorny"]})
    assert step.params.lexicon == (("Nagorno", ("Nargono", "Nagorny")),)
    assert corpuskit.NormalizeVariants(lexicon=step.params.lexicon).params == step.params
    with pytest.raises(ConfigError, match="listed under both"):
        corpuskit.NormalizeVariants({"A b": ["Cc"], "D e": ["Cc"]})
    out = corpuskit.Pipeline([step]).run(["Nargono's envoy met Nagorny officials on Friday."]).data[0]
    assert out["text"] == "Nagorno's envoy met Nagorno officials on Friday."


# --- pipelines -----------------------------------------------------------------------------------

def test_pipeline_composes_like_a_list_and_refuses_a_bad_order_without_changing():
    p = cleaning()
    q = p + [corpuskit.Dedup()]
    assert q.names == ["normalize_whitespace", "strip_boilerplate", "dedup"]
    assert (["fix_encoding"] + p).names == ["fix_encoding", "normalize_whitespace", "strip_boilerplate"]
    assert isinstance(q[1:], corpuskit.Pipeline) and q[1:].names == ["strip_boilerplate", "dedup"]
    assert q[-1].name == "dedup" and len(q) == 3 and [s.name for s in q] == q.names
    with pytest.raises(ConfigError, match="must come last"):
        q.append("fix_encoding")
    with pytest.raises(ConfigError, match="appears twice"):
        p.extend([corpuskit.DetectLanguage(), corpuskit.NormalizeWhitespace()])
    assert p.names == ["normalize_whitespace", "strip_boilerplate"]  # nothing added
    with pytest.raises(ConfigError, match="unknown pipeline step 'dedupe'; did you mean 'dedup'"):
        corpuskit.Pipeline(["dedupe"])
    with pytest.raises(ConfigError, match="must be a step, a function"):
        corpuskit.Pipeline([42])


def test_config_round_trip_through_toml(tmp_path):
    variants = corpuskit.NormalizeVariants({"Nagorno-Karabakh": ["Nagorny Karabakh"]})
    p = corpuskit.Pipeline([corpuskit.FixEncoding(), corpuskit.StripBoilerplate(rules=["read_more"]),
                            variants, corpuskit.DetectLanguage(languages=["en", "fr"], min_probability=0.9),
                            corpuskit.Dedup(preset="strict", containment=0.7)])
    path = tmp_path / "p.toml"
    path.write_text(p.to_toml(), "utf-8")
    again = corpuskit.Pipeline.from_config(path)
    assert again == p and again.to_config() == p.to_config()
    assert again[2].params.lexicon == (("Nagorno-Karabakh", ("Nagorny Karabakh",)),)
    assert corpuskit.Pipeline.from_config(str(ROOT / "corpuskit.toml")).names[-1] == "dedup"
    assert p != p[:-1] + [corpuskit.Dedup(preset="strict")]
    with pytest.raises(ConfigError, match=r"p\.toml: unknown configuration key 'pipelines'"):
        path.write_text('[[pipelines]]\nstep = "dedup"\n', "utf-8")
        corpuskit.Pipeline.from_config(path)


# --- run: texts and dicts ------------------------------------------------------------------------

def test_run_on_texts_adds_ids_provenance_edits_and_stats():
    result = (cleaning() + [corpuskit.Dedup()]).run(texts())
    kept, removed = result.data, result.removed
    assert [row["text"] for row in kept] == [ARTICLE, OTHER]
    assert result.records_in == 3 and result.kept == 2 and result.removed_by_reason == {"duplicate": 1}
    first = kept[0]["provenance"]
    assert first["source_path"] == "<memory>" and first["start_line"] == 1
    assert first["steps"] == ["strip_boilerplate", "dedup"]
    assert [e["action"] for e in first["edits"]] == ["remove:reporting_trailer"]
    assert [m["id"] for m in first["merged"]] == [removed[0]["id"]]
    assert removed[0]["removed"]["duplicate_of"] == kept[0]["id"]
    assert removed[0]["provenance"]["edits"][0]["step"] == "normalize_whitespace"
    stats = result.stats
    assert list(stats) == ["normalize_whitespace", "strip_boilerplate", "dedup"]
    assert (stats["normalize_whitespace"].changed, stats["strip_boilerplate"].changed) == (1, 1)
    assert stats["dedup"].dropped == {"duplicate": 1} and stats["dedup"].records_in == 3
    assert "kept 2 of 3 records; removed: duplicate 1" in str(result)


def test_ids_follow_the_reader_protocol_and_repeats_get_a_suffix():
    rows = [{"text": OTHER}, {"text": OTHER}, {"text": ARTICLE, "id": 7}, {"text": ARTICLE, "id": "7"}]
    ids = [row["id"] for row in corpuskit.clean(rows, []).data]
    assert ids[1] == ids[0] + "-2" and re.fullmatch(r"[0-9a-f]{16}", ids[0])
    assert ids[2:] == ["7", "7-2"]
    assert corpuskit.clean([{"text": OTHER}], []).data[0]["id"] == ids[0]  # a content hash: stable
    assert corpuskit.clean([{"text": OTHER, "title": "x"}], []).data[0]["id"] != ids[0]
    # a suffix never takes an id that is already handed out, whichever comes first
    rows = [{"text": OTHER, "id": i} for i in ("a", "a-2", "a", "b", "b", "b-2")]
    assert [row["id"] for row in corpuskit.clean(rows, []).data] == ["a", "a-2", "a-3", "b", "b-2", "b-2-2"]


def test_other_keys_come_back_unchanged_and_record_fields_are_checked():
    rows = [{"text": OTHER, "title": "Floods", "date": "2020-10-01", "tags": ["a"], "n": 1},
            {"text": "  ", "n": 2}]
    result = corpuskit.clean(rows, ["normalize_whitespace"])
    assert result.data[0]["tags"] == ["a"] and result.data[0]["date"] == "2020-10-01"
    assert result.removed[0]["n"] == 2 and result.removed[0]["removed"]["reason"] == "empty_text"
    with pytest.raises(InputError, match=r"<memory>:2: field 'date' '01/10/2020' is not an ISO date"):
        corpuskit.clean([{"text": OTHER}, {"text": OTHER, "date": "01/10/2020"}], [])
    with pytest.raises(InputError, match=r"<memory>:1: column 'cluster' is one the pipeline writes"):
        corpuskit.clean([{"text": OTHER, "cluster": "x"}], [])
    with pytest.raises(InputError, match="not a single str; wrap it in a list"):
        corpuskit.clean(OTHER, [])
    with pytest.raises(InputError, match=r"mine:1: expected a text or a dict"):
        cleaning().run([3], source="mine")


def test_a_given_language_is_kept_and_detect_language_labels_it():
    rows = [{"text": OTHER, "language": "en", "language_score": 0.5}]
    assert corpuskit.clean(rows, []).data[0]["language"] == "en"
    detected = corpuskit.clean([OTHER], [corpuskit.DetectLanguage()]).data[0]
    assert (detected["language"], detected["language_score"]) == ("en", 1.0)
    with pytest.raises(InputError, match="'language_score' must be a float"):
        corpuskit.clean([{"text": OTHER, "language_score": "high"}], [])


def test_rows_with_provenance_continue_it_and_running_again_changes_nothing():
    first = (cleaning() + [corpuskit.Dedup()]).run(texts())
    again = (cleaning() + [corpuskit.Dedup()]).run(first.data)
    assert again.data == first.data and not again.removed
    more = corpuskit.Pipeline([corpuskit.NormalizeVariants({"Central-Bank": ["central bank"]})]).run(first.data)
    provenance = more.data[0]["provenance"]
    assert provenance["steps"] == ["strip_boilerplate", "dedup", "normalize_variants"]
    assert provenance["merged"] == first.data[0]["provenance"]["merged"]
    with pytest.raises(InputError, match=r"<memory>:2: the row repeats the record of an earlier row"):
        corpuskit.clean(first.data[:1] * 2, [])


def test_workers_give_the_same_output():
    data = [f"Story {i}: " + ARTICLE.replace("Thursday", f"day {i % 7}") for i in range(300)] + texts()
    pipeline = cleaning() + [corpuskit.Dedup()]
    one = pipeline.run(data)
    two = pipeline.run(data, workers=2)
    from corpuskit.engine import engine_for

    assert pipeline.run(data, engine=engine_for("local", 2)).data == one.data
    assert one.data == two.data and one.removed == two.removed
    assert one.removed_by_reason == two.removed_by_reason and one.removed_by_reason["duplicate"] >= 1


def test_annotate_mode_adds_a_cluster_and_removes_nothing():
    result = corpuskit.dedup(texts()[1:] + [ARTICLE], mode="annotate")
    assert [row["cluster"] for row in result.data] == [result.data[0]["id"], result.data[1]["id"],
                                                      result.data[0]["id"]]
    assert result.removed == [] and result.kept == 3


# --- run: tables and datasets -------------------------------------------------------------------

def test_run_on_a_table_gives_a_table_with_the_input_columns_and_types():
    table = pa.table({"text": texts(), "label": pa.array([1, 2, 3], pa.int8())})
    result = (cleaning() + [corpuskit.Dedup()]).run(table)
    assert isinstance(result.data, pa.Table) and isinstance(result.removed, pa.Table)
    assert result.data.column("label").to_pylist() == [1, 3]
    assert result.data.schema.field("label").type == pa.int8()
    assert result.removed.column("label").to_pylist() == [2]
    from corpuskit.publish.schema import record_schema

    assert result.data.column_names == record_schema().names + ["label"]
    empty = cleaning().run(table.slice(0, 0))
    assert empty.data.num_rows == 0 and "label" in empty.data.column_names and empty.records_in == 0
    with pytest.raises(InputError, match="record has no 'text' string"):
        cleaning().run(pa.table({"body": ["x"]}))


def test_run_on_a_dataset_gives_a_dataset_with_its_features():
    datasets = pytest.importorskip("datasets")
    features = datasets.Features({"text": datasets.Value("string"),
                                  "label": datasets.ClassLabel(names=["a", "b", "c"])})
    ds = datasets.Dataset.from_dict({"text": texts(), "label": [0, 1, 2]}, features=features)
    result = (cleaning() + [corpuskit.Dedup()]).run(ds.select([2, 1, 0]))
    assert isinstance(result.data, datasets.Dataset)
    assert result.data.features["label"] == features["label"]
    assert result.data.to_dict()["label"] == [2, 1]  # row 0 of the selection is the kept copy
    assert result.removed.to_dict()["removed"][0]["reason"] == "duplicate"
    empty = cleaning().run(ds.select([]))
    assert empty.data.num_rows == 0 and empty.data.features["label"] == features["label"]
    with pytest.raises(InputError, match=r"not a DatasetDict .*ds\['train'\]"):
        cleaning().run(datasets.DatasetDict({"train": ds}))


def test_map_batch_cleans_per_batch_and_refuses_a_corpus_step():
    datasets = pytest.importorskip("datasets")
    ds = datasets.Dataset.from_dict({"text": texts() + ["   "], "n": [1, 2, 3, 4]})
    mapped = ds.map(cleaning().map_batch, batched=True, batch_size=2, with_indices=True)
    rows = mapped.to_list()
    assert [row["n"] for row in rows] == [1, 2, 3]  # the empty text is dropped
    assert rows[0]["text"] == ARTICLE and rows[2]["provenance"]["start_line"] == 3
    arrow = ds.with_format("arrow").map(cleaning().map_batch, batched=True)
    assert arrow.num_rows == 3
    sparse = datasets.Dataset.from_dict({"text": texts() + [OTHER], "note": [None, None, None, "x"]})
    assert sparse.map(cleaning().map_batch, batched=True, batch_size=3)["note"][-1] == "x"  # typed as in ds
    with pytest.raises(ConfigError, match="'dedup' is corpus-wide"):
        (cleaning() + [corpuskit.Dedup()]).map_batch({"text": texts()})


# --- custom steps --------------------------------------------------------------------------------

def shout(text: str) -> str:
    return text.upper()


class MinWords:
    def __init__(self, words: int = 5):
        self.words = words

    def __call__(self, text: str):
        return text if len(text.split()) >= self.words else corpuskit.Drop("too_short", f"< {self.words}")


def test_functions_and_callable_objects_are_steps_with_stable_names_and_provenance():
    pipeline = corpuskit.Pipeline([shout, MinWords(3)])
    assert pipeline.names == ["shout", "min_words"]
    result = pipeline.run(["Quiet news today in the valley.", "Too short."])
    row = result.data[0]
    assert row["text"] == "QUIET NEWS TODAY IN THE VALLEY."
    assert row["provenance"]["steps"] == ["shout"]
    (only,) = row["provenance"]["edits"]
    assert (only["step"], only["field"], only["action"], only["detail"]) == (
        "shout", "text", "rewrite", "31 -> 31 characters")
    from corpuskit import fixes

    assert fixes.apply("Quiet news today in the valley.", only["fixes"]) == row["text"]  # replayable
    assert result.removed[0]["removed"] == {"step": "min_words", "reason": "too_short", "detail": "< 3",
                                            "duplicate_of": None, "similarity": None, "match": None}
    assert result.stats["shout"].changed == 2 and result.stats["min_words"].dropped == {"too_short": 1}
    title = corpuskit.TextStep(str.title, name="title_case", field="title")
    assert corpuskit.clean([{"text": OTHER, "title": "floods"}], [title]).data[0]["title"] == "Floods"


def test_custom_step_names_and_results_are_checked():
    with pytest.raises(ConfigError, match="a lambda has no stable name"):
        corpuskit.Pipeline([lambda text: text])
    with pytest.raises(ConfigError, match="'dedup' is a built-in step's name"):
        corpuskit.TextStep(shout, name="dedup")
    with pytest.raises(ConfigError, match="expected lower-case letters"):
        corpuskit.TextStep(shout, name="Shout!")

    def count(text):
        return len(text)

    with pytest.raises(TypeError, match="step 'count' returned int"):
        corpuskit.Pipeline([count]).run([OTHER])


def test_config_names_custom_steps_given_in_python(tmp_path):
    p = corpuskit.Pipeline([shout, MinWords(4), corpuskit.Dedup()])
    assert p.to_config()["pipeline"][:2] == [{"step": "shout"}, {"step": "min_words"}]
    again = corpuskit.Pipeline.from_config(p.to_config(), steps={"shout": shout, "min_words": MinWords})
    assert again.names == p.names
    table = {"pipeline": [{"step": "min_words", "words": 2}]}
    assert corpuskit.Pipeline.from_config(table, steps={"min_words": MinWords})[0].func.words == 2
    with pytest.raises(ConfigError, match="unknown pipeline step 'shout'"):
        corpuskit.Pipeline.from_config(p.to_config())
    with pytest.raises(ConfigError, match="'dedup' is a built-in step's name"):
        corpuskit.Pipeline.from_config(p.to_config(), steps={"dedup": shout})
    with pytest.raises(ConfigError, match="'shout': a function takes no parameters"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "shout", "loud": True}]}, steps={"shout": shout})
    with pytest.raises(ConfigError, match="'min_words'.*unexpected keyword argument 'word'"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "min_words", "word": 2}]},
                                       steps={"min_words": MinWords})


PLUGIN = '''
import corpuskit
from corpuskit.records import edit, with_changes


def shout(text):
    return text.upper()


class MinWords:
    def __init__(self, words=5):
        self.words = words

    def __call__(self, text):
        return text if len(text.split()) >= self.words else corpuskit.Drop("too_short")


class Exclaim(corpuskit.RecordStep):
    name = "exclaim"

    def apply(self, record):
        if record["text"].endswith("!"):
            return record
        return with_changes(record, self.name, [edit(self.name, "text", "append", "!")],
                            text=record["text"] + "!")


class Misnamed(Exclaim):
    name = "other"
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    """A distribution on sys.path registering steps under ``corpuskit.steps`` (no install, no network)."""
    def install(entry_points: str, name: str = "plug-steps"):
        folder = tmp_path / "site"
        folder.mkdir(exist_ok=True)
        (folder / "plug_steps.py").write_text(PLUGIN, "utf-8")
        info = folder / f"{name.replace('-', '_')}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n", "utf-8")
        (info / "entry_points.txt").write_text("[corpuskit.steps]\n" + entry_points, "utf-8")
        monkeypatch.syspath_prepend(str(folder))
        return folder

    yield install
    import sys

    sys.modules.pop("plug_steps", None)


def test_a_package_registers_steps_that_a_config_file_names(plugin, tmp_path):
    plugin("shout = plug_steps:shout\nmin_words = plug_steps:MinWords\nexclaim = plug_steps:Exclaim\n")
    config = tmp_path / "mine.toml"
    config.write_text('[[pipeline]]\nstep = "shout"\n\n[[pipeline]]\nstep = "min_words"\nwords = 3\n\n'
                      '[[pipeline]]\nstep = "exclaim"\n', "utf-8")
    pipeline = corpuskit.Pipeline.from_config(config)
    assert pipeline.names == ["shout", "min_words", "exclaim"]
    result = pipeline.run(["Calm day in the valley", "Too short"])
    assert result.data[0]["text"] == "CALM DAY IN THE VALLEY!"
    assert result.data[0]["provenance"]["steps"] == ["shout", "exclaim"]
    assert result.removed_by_reason == {"too_short": 1}
    with pytest.raises(ConfigError, match="unknown pipeline step 'shuot'; did you mean 'shout'"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "shuot"}]})


def test_a_build_runs_a_registered_step_and_records_its_edits(plugin, tmp_path):
    import pyarrow.parquet as pq

    plugin("exclaim = plug_steps:Exclaim\n")
    inputs = tmp_path / "in.jsonl"
    inputs.write_text('{"title": "Floods", "text": "Heavy rain flooded streets in the capital overnight, '
                      'and officials closed several schools."}\n', "utf-8")
    config = {"name": "plugged", "license": "cc-by-4.0", "pipeline": [{"step": "exclaim"}]}
    built = corpuskit.build(config, [str(inputs)], str(tmp_path / "out"), workers=1)
    row = pq.read_table(Path(built.folder) / "data").to_pylist()[0]
    assert row["text"].endswith("!") and row["provenance"]["steps"] == ["exclaim"]
    assert corpuskit.check(built.folder).ok


def test_registered_steps_that_cannot_be_used_are_refused_with_one_line(plugin):
    plugin("exclaim = plug_steps:Misnamed\nbroken = plug_steps:nothing_here\nlost = no_such_module:x\n")
    with pytest.raises(ConfigError, match="'exclaim' is registered for a step named 'other'"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "exclaim"}]})
    with pytest.raises(ConfigError, match=r"'broken': cannot load plug_steps:nothing_here .*AttributeError"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "broken"}]})
    with pytest.raises(ConfigError, match=r"'lost': cannot load no_such_module:x .*ModuleNotFoundError"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "lost"}]})


def test_one_name_registered_by_two_packages_is_refused(plugin):
    plugin("shout = plug_steps:shout\n")
    plugin("shout = plug_steps:MinWords\n", name="other-steps")
    with pytest.raises(ConfigError, match="'shout' is registered twice"):
        corpuskit.Pipeline.from_config({"pipeline": [{"step": "shout"}]})
    assert corpuskit.Pipeline.from_config({"pipeline": [{"step": "dedup"}]}).names == ["dedup"]


# --- read, clean, dedup, build, check ------------------------------------------------------------

def test_read_gives_published_rows_citing_file_and_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text("headline,body\nFloods,Heavy rain in the capital.\n", "utf-8")
    rows = list(corpuskit.read(path, fields={"title": "headline", "text": "body"}))
    assert [(r["title"], r["text"]) for r in rows] == [("Floods", "Heavy rain in the capital.")]
    assert rows[0]["provenance"]["start_line"] == 2 and rows[0]["provenance"]["source_sha256"]
    assert rows[0]["provenance"]["source_path"].endswith("a.csv")
    cleaned = corpuskit.clean(rows, ["normalize_whitespace"]).data[0]["provenance"]
    assert cleaned["source_path"] == rows[0]["provenance"]["source_path"] and cleaned["start_line"] == 2
    with pytest.raises(InputError, match="no such file or folder"):
        corpuskit.read(tmp_path / "missing.jsonl")  # at once, not when iterated
    with pytest.raises(ConfigError, match="unknown record field 'body'"):
        corpuskit.read(path, fields={"body": "text"})
    with pytest.raises(ConfigError, match="on_error"):
        corpuskit.read(path, on_error="ignore")
    legacy = tmp_path / "ru.jsonl"
    legacy.write_bytes('{"text": "Президент подписал указ о выборах."}\n'.encode("cp1251"))
    assert [r["text"] for r in corpuskit.read(legacy, encoding="cp1251")] == ["Президент подписал указ о выборах."]
    with pytest.raises(ConfigError, match="encoding"):
        corpuskit.read(legacy, encoding="klingon")


def test_clean_refuses_a_corpus_step_and_build_takes_a_project_folder(tmp_path):
    assert corpuskit.clean([OTHER]).stats.keys() == {"fix_encoding", "normalize_whitespace", "strip_boilerplate",
                                                     "normalize_variants", "detect_language"}
    with pytest.raises(ConfigError, match="clean runs record steps only"):
        corpuskit.clean([OTHER], ["dedup"])
    (tmp_path / "corpuskit.toml").write_text('name = "x"\nversion = "1.0.0"\n', "utf-8")
    with pytest.raises(InputError, match="no inputs"):
        corpuskit.build(tmp_path)
    with pytest.raises(ConfigError, match="build: expected a configuration file"):
        corpuskit.build(42)
