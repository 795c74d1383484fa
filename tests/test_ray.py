"""`--engine ray`: the same build on a (local) Ray cluster publishes the same bytes.

The cluster is a private one in this process (``ray.init(num_cpus=2)``, no
dashboard, no network beyond the machine). Each corpus is cut into many small
units so that they really spread over the two workers, and copies and repeated
ids sit in different units: dedup and id suffixes must be resolved across
workers, in unit order, for the bytes to match the local engine.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

import pytest

import corpuskit.readers.streaming as streaming
from corpuskit._build import build
from corpuskit.config import load_config
from corpuskit.engine import LocalEngine, engine_for
from corpuskit.errors import ConfigError, DependencyError, InputError

from helpers import copy_project, tree_digests

try:
    import ray

    from corpuskit._ray import RayEngine, RayEngineError
except ImportError:  # the tests that need a cluster are skipped; the others still run
    ray = None

needs_ray = pytest.mark.skipif(ray is None, reason="Ray is not installed (pip install 'corpuskit[ray]'); "
                                                   "CI installs it with the test extra")

CONFIG = """\
name = "wire"
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
step = "detect_language"
languages = ["en"]
[[pipeline]]
step = "dedup"
[variants]
"Nagorno" = ["Nargono"]
"""

_PLACES = ("the harbour", "the northern valley", "the capital", "the border crossing", "the old market")
_WHO = ("the mayor", "a spokeswoman for the ministry", "local farmers", "the regional governor", "aid workers")


def _article(n: int) -> dict:
    """A few paragraphs of plain English news prose, different for every ``n``."""
    place, who = _PLACES[n % 5], _WHO[(n // 5) % 5]
    paragraphs = [
        f"Officials said on Tuesday that {n * 7 + 3} families near {place} had been moved to safer "
        f"ground after the river rose for the {n % 4 + 2}th day in a row.",
        f"“We are doing what we can with the boats we have,” {who} told reporters, adding that "
        f"roads to {place} would stay closed until at least Friday.",
        f"The Nargono Karabakh talks, which had been planned for the same week, were moved to a later "
        f"date. Story number {n} was filed from {place}.",
    ]
    if n % 6 == 0:
        paragraphs.append("READ MORE: Floods across the region")
    if n % 11 == 0:  # mojibake: UTF-8 read as Windows-1252
        paragraphs[1] = paragraphs[1].replace("“", "â€œ").replace("”", "â€\x9d")
    return {"id": f"story-{n % 17}", "title": f"River rises near {place} ({n})",
            "outlet": ("Wire One", "Daily Two", "Evening Three")[n % 3], "date": "2021-03-0" + str(n % 9 + 1),
            "text": "\n\n".join(paragraphs)}


def _articles(count: int) -> list[dict]:
    """``count`` articles: every fifth an exact copy of an earlier one (another unit, often another file)."""
    out = []
    for n in range(count):
        out.append(dict(_article(n - 13), id=f"copy-{n}") if n % 5 == 4 and n >= 13 else _article(n))
    out.append({"id": "empty", "title": "Nothing", "text": "  "})
    return out


def _jsonl_corpus(folder: Path) -> list[str]:
    articles = _articles(90)
    paths = []
    for part in range(3):
        path = folder / f"part-{part}.jsonl"
        path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles[part::3]),
                        encoding="utf-8")
        paths.append(str(path))
    return paths


def _digest_corpus(folder: Path) -> list[str]:
    blocks = []
    for a in _articles(60)[:-1]:
        blocks.append("\n".join([a["title"], "", a["outlet"], f"March {a['date'][-1]} 2021", "", a["text"]]))
    path = folder / "digest.txt"
    path.write_text("\n\n\n".join(blocks) + "\n", encoding="utf-8")
    return [str(path)]


@needs_ray
def test_a_cluster_that_is_not_there_is_one_line(tmp_path, monkeypatch):
    try:  # how address="auto" finds a cluster: a running GCS process on this machine
        from ray._private.services import find_gcs_addresses
    except ImportError:  # pragma: no cover - another Ray layout: assume none runs
        find_gcs_addresses = frozenset
    if find_gcs_addresses():
        pytest.skip("a Ray cluster runs on this machine: address='auto' would join it")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    assert not ray.is_initialized()  # runs before the module's cluster starts
    copy_project(tmp_path)
    config = load_config(root=str(tmp_path))
    with pytest.raises(RayEngineError, match="cannot connect to the cluster at 'auto'"):
        build(config, out=str(tmp_path / "out"), engine=engine_for("ray", address="auto"))
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def cluster():
    """A private two-CPU Ray cluster for this module."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture
def small_units(monkeypatch):
    """Units of about 2 KB: dozens per corpus, so both workers get many."""
    monkeypatch.setattr(streaming, "JSONL_BLOCK_BYTES", 2048)
    monkeypatch.setattr(streaming, "DIGEST_CHUNK_BYTES", 2048)


def _both(tmp_path: Path, inputs: list[str] | None, engine, config=None) -> tuple[dict, dict]:
    """Build with the local engine (one process) and with ``engine``; the two trees' digests."""
    if config is None:
        (tmp_path / "wire.toml").write_text(CONFIG, encoding="utf-8")
        config = load_config(str(tmp_path / "wire.toml"), root=str(tmp_path))
    build(config, inputs=inputs, out=str(tmp_path / "local"), engine=LocalEngine(1))
    result = build(config, inputs=inputs, out=str(tmp_path / "ray"), engine=engine)
    assert result.rows > 0
    return tree_digests(tmp_path / "local"), tree_digests(tmp_path / "ray")


@needs_ray
def test_seed_from_engine_ray_in_the_configuration_is_byte_identical(cluster, tmp_path):
    copy_project(tmp_path)
    config_file = tmp_path / "corpuskit.toml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        'inputs = ["seeds"]', 'inputs = ["seeds"]\nengine = "ray"'), encoding="utf-8")
    config = load_config(root=str(tmp_path))
    assert config.engine == "ray"
    local = build(config, out=str(tmp_path / "local"), engine=LocalEngine(1))
    remote = build(config, out=str(tmp_path / "ray"))  # the configuration picks the engine
    assert tree_digests(tmp_path / "local") == tree_digests(tmp_path / "ray")
    assert (remote.rows, remote.removed) == (local.rows, local.removed) == (5, 5)
    saved = (tmp_path / "ray" / "corpuskit.toml").read_text(encoding="utf-8")
    assert "engine" not in saved and "engine" not in json.loads((tmp_path / "ray" / "manifest.json")
                                                                 .read_text())["config"]


@needs_ray
def test_multi_file_jsonl_is_byte_identical_with_copies_across_workers(cluster, tmp_path, small_units):
    inputs = _jsonl_corpus(tmp_path)
    local, remote = _both(tmp_path, inputs, RayEngine())
    assert local == remote
    manifest = json.loads((tmp_path / "ray" / "manifest.json").read_text())
    reasons = manifest["removed_by_reason"]
    assert reasons["empty_text"] == 1 and reasons["duplicate"] >= 10  # dedup across units
    step_names = [s["step"] for s in manifest["steps"]]
    assert step_names[:2] == ["fix_encoding", "normalize_whitespace"]
    assert next(s for s in manifest["steps"] if s["step"] == "fix_encoding")["records_in"] == 90  # from every unit


@needs_ray
def test_digest_is_byte_identical(cluster, tmp_path, small_units):
    local, remote = _both(tmp_path, _digest_corpus(tmp_path), RayEngine())
    assert local == remote


class _KillOnce:
    """A runner whose first unit kills its own worker process (SIGKILL), once per marker file."""

    def __init__(self, runner, marker: str):
        self.runner, self.marker = runner, marker

    @property
    def steps(self):
        return self.runner.steps

    def run_batch(self, unit):
        try:
            with open(self.marker, "x") as handle:  # the first unit anywhere: die mid-build
                handle.write(str(os.getpid()))
        except FileExistsError:
            return self.runner.run_batch(unit)
        os.kill(os.getpid(), signal.SIGKILL)

    def absorb(self, result):
        self.runner.absorb(result)


class _KillingRayEngine(RayEngine):
    def __init__(self, marker: str):
        super().__init__()
        self.marker = marker

    def map(self, pipeline, units):
        yield from super().map(_KillOnce(pipeline, self.marker), units)


@needs_ray
def test_a_killed_worker_is_retried_and_the_output_is_still_identical(cluster, tmp_path, small_units):
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the test's runner, to the workers
    marker = tmp_path / "killed"
    local, remote = _both(tmp_path, _jsonl_corpus(tmp_path), _KillingRayEngine(str(marker)))
    killed = int(marker.read_text())
    assert killed != os.getpid()  # a worker died, not this process ...
    assert local == remote  # ... and its unit was run again, once


@needs_ray
def test_a_bad_line_is_the_same_one_line_error_as_locally(cluster, tmp_path, small_units):
    inputs = _jsonl_corpus(tmp_path)
    with open(inputs[1], "a", encoding="utf-8") as handle:
        handle.write('{"text": "cut off\n')
    (tmp_path / "wire.toml").write_text(CONFIG, encoding="utf-8")
    config = load_config(str(tmp_path / "wire.toml"), root=str(tmp_path))
    errors = []
    for name, engine in (("local", LocalEngine(1)), ("ray", RayEngine())):
        with pytest.raises(InputError) as caught:
            build(config, inputs=inputs, out=str(tmp_path / name), engine=engine)
        errors.append(str(caught.value))
        assert not (tmp_path / name).exists()
    assert errors[0] == errors[1] and "part-1.jsonl:31: invalid JSON" in errors[0]


def test_engine_keys_are_validated(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('engine = "spark"\nengine_address = "auto"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(str(bad))
    assert caught.value.problems == [
        f"{bad}: engine: expected 'local' or 'ray', got 'spark' (a string)",
        f"{bad}: engine_address: only used with engine = \"ray\"; remove it or set engine = \"ray\"",
    ]
    with pytest.raises(ConfigError, match="engine 'local' takes no options"):
        engine_for("local", address="auto")
    with pytest.raises(ConfigError, match="unknown option"):
        engine_for("ray", adress="auto")


def test_without_ray_the_engine_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray fails as if not installed
    with pytest.raises(DependencyError, match=r"pip install 'corpuskit\[ray\]'"):
        engine_for("ray")
