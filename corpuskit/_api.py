"""The public Python API: :class:`Pipeline`, :class:`Result` and ``read/clean/dedup/build/check``.

Everything here composes what the command line uses: the same steps (validated
the same way), the same runner and engine, the same dedup collector, the same
readers, build and gate. See docs/api.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from corpuskit.errors import ConfigError
from corpuskit.steps.base import Step, StepStats

#: The source name cited in the provenance of in-memory rows (``source=`` overrides it).
MEMORY = "<memory>"


class Pipeline:
    """An ordered list of steps; runs on texts, dicts, a pyarrow Table or a datasets.Dataset.

    Items are steps (``FixEncoding()``, ``Dedup(preset="strict")``), built-in step
    names (``"normalize_whitespace"``), or your own ``str -> str`` functions and
    callable objects (see :class:`~corpuskit.steps.custom.TextStep`). A step name
    appears once, and a corpus-wide step (``dedup``) comes last.

    >>> from corpuskit import Dedup, NormalizeWhitespace
    >>> p = Pipeline([NormalizeWhitespace(), "strip_boilerplate"]) + [Dedup()]
    >>> p.names
    ['normalize_whitespace', 'strip_boilerplate', 'dedup']
    >>> p[:1].names, len(p)
    (['normalize_whitespace'], 3)
    """

    def __init__(self, steps: Iterable[Any] = ()):
        self._steps: list[Step] = []
        self.extend(steps)

    # --- a sequence of steps -------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        """The steps' stable names, in order."""
        return [step.name for step in self._steps]

    @property
    def steps(self) -> list[Step]:
        """The steps, in order (a copy: change a pipeline with ``append``, ``+`` or slices)."""
        return list(self._steps)

    def append(self, step: Any) -> None:
        """Add ``step`` at the end (checked like a configuration's ``[[pipeline]]``)."""
        self.extend([step])

    def extend(self, steps: Iterable[Any]) -> None:
        """Add ``steps`` at the end; nothing is added if any is refused."""
        from corpuskit.config import pipeline_problems

        new = self._steps + [_as_step(item) for item in steps]
        problems = pipeline_problems(new)
        if problems:
            raise ConfigError(*problems)
        self._steps = new

    def __add__(self, other: Iterable[Any]) -> "Pipeline":
        return Pipeline([*self._steps, *other])

    def __radd__(self, other: Iterable[Any]) -> "Pipeline":
        return Pipeline([*other, *self._steps])

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, slice):
            return Pipeline(self._steps[index])
        return self._steps[index]

    def __len__(self) -> int:
        return len(self._steps)

    def __iter__(self) -> Iterator[Step]:
        return iter(self._steps)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pipeline):
            return NotImplemented
        return [_identity(s) for s in self._steps] == [_identity(s) for s in other._steps]

    def __repr__(self) -> str:
        return f"Pipeline({self.names})"

    # --- configuration ---------------------------------------------------------------------
    @classmethod
    def from_config(cls, config: Any = None, *, steps: Mapping[str, Any] | None = None) -> "Pipeline":
        """The pipeline of a configuration: a TOML file (``corpuskit.toml`` or any ``--config``
        file), a dict of the same keys, or a loaded ``Config``; validated as the command line
        validates it. Without ``[[pipeline]]`` tables it is the default pipeline.

        ``steps`` names your own steps (name -> function, callable class or step class) that
        the configuration uses; steps that packages register under the entry point group
        ``corpuskit.steps`` are found by name.
        """
        from corpuskit.config import Config, load_config, parse_config
        from corpuskit.steps.custom import checked_name

        for name in steps or {}:
            checked_name(name)  # a built-in name given here would be silently ignored
        if config is None:
            config = {}
        if isinstance(config, Mapping):
            config = parse_config(dict(config), os.getcwd(), defaults={"name": "pipeline", "version": "1.0.0"},
                                  steps=dict(steps or {}))
        elif isinstance(config, (str, os.PathLike)):
            config = load_config(os.fspath(config), steps=dict(steps or {}))
        if not isinstance(config, Config):
            raise ConfigError(f"Pipeline.from_config: expected a TOML file path, a dict or a Config, "
                              f"not {type(config).__name__}")
        return cls(config.pipeline)

    def to_config(self) -> dict:
        """The ``[[pipeline]]`` tables (and the ``[variants]`` lexicon) as plain data.

        ``Pipeline.from_config(p.to_config()) == p``; :meth:`to_toml` writes the same as TOML.
        """
        config: dict = {"pipeline": [step.config() for step in self._steps]}
        lexicon = next((dict(s.params.lexicon) for s in self._steps if s.name == "normalize_variants"), None)
        if lexicon:
            config["variants"] = {canonical: list(variants) for canonical, variants in sorted(lexicon.items())}
        return config

    def to_toml(self) -> str:
        """:meth:`to_config` as TOML, to save as a configuration file."""
        import tomli_w

        return tomli_w.dumps(self.to_config())

    # --- running ---------------------------------------------------------------------------
    def run(self, data: Any, *, workers: int = 1, source: str = MEMORY, engine: Any = None) -> "Result":
        """Run every step on ``data``; return the kept and removed rows and per-step statistics.

        ``data``: texts or dicts (only ``text`` is needed), a ``pyarrow.Table`` or a
        ``datasets.Dataset``; ``result.data`` and ``result.removed`` are the same kind
        (lists of dicts for texts and dicts), with the published columns (``id``, ...,
        ``provenance`` listing every edit) and your other columns as they were.
        ``workers``: processes for the record steps (the output is the same for any number);
        ``engine``: where they run instead (an engine from :func:`corpuskit.engine.engine_for`).
        ``source``: the name provenance cites for the rows (row ``n`` is line ``n``).
        """
        from corpuskit._data import Data
        from corpuskit.engine import LocalEngine

        return _Run(self, Data(data, source), engine or LocalEngine(workers)).result()

    def map_batch(self, batch: Any, indices: Sequence[int] | None = None) -> pa.Table:
        """The pipeline as a batched ``datasets.Dataset.map`` function.

        ``ds.map(pipeline.map_batch, batched=True)`` (add ``with_indices=True`` so that
        provenance cites each row's index) gives the kept rows with the published columns
        and yours. Record steps only: a corpus-wide step such as ``dedup`` needs every record
        at once and is refused here (use :meth:`run`). Statistics are not collected, and ids
        of identical rows are numbered within a batch only.
        """
        from corpuskit._data import Data

        corpus = [s.name for s in self._steps if s.kind == "corpus"]
        if corpus:
            raise ConfigError(f"pipeline step {corpus[0]!r} is corpus-wide: it needs every record at once "
                              "and cannot run per batch; use pipeline.run(dataset), or map the record "
                              "steps only (pipeline[:-1].map_batch)")
        from corpuskit.engine import LocalEngine

        return _Run(self, Data(_batch_table(batch), "<batch>", lines=indices), LocalEngine(1)).result().data


def _batch_table(batch: Any) -> pa.Table:
    """A ``Dataset.map`` batch as a table: the Arrow rows behind it when it is untouched (so the
    caller's columns keep their types in every batch), else built from its columns."""
    if isinstance(batch, pa.Table):
        return batch
    table = getattr(batch, "pa_table", None)  # datasets' LazyBatch, before any column was read
    if isinstance(table, pa.Table) and getattr(batch, "keys_to_format", None) == set(table.column_names):
        return table
    return pa.Table.from_pydict(dict(batch))


def _as_step(item: Any) -> Step:
    """A pipeline item as a step: a step, a built-in step name, or a callable (TextStep)."""
    from corpuskit.steps import StepContext, build_step
    from corpuskit.steps.custom import as_step

    if isinstance(item, str):
        return build_step({"step": item}, StepContext())
    return as_step(item)


def _identity(step: Step) -> tuple:
    """What makes two steps the same: class, configuration and (for a custom step) its function."""
    return type(step), step.config(), getattr(step, "func", None), getattr(step.params, "lexicon", None)


@dataclass
class Result:
    """What :meth:`Pipeline.run` made.

    ``data``: the kept rows, the same kind as the input; ``removed``: the removed rows,
    the same kind, each with ``removed`` (step, reason, detail); ``stats``: per step
    (in pipeline order) a :class:`~corpuskit.steps.base.StepStats` (``records_in``,
    ``changed``, ``dropped`` by reason, ``counters``, ``seconds``); ``removed_by_reason``:
    the count of every removal reason (``empty_text`` is a record without text).
    """

    data: Any
    removed: Any
    stats: dict[str, StepStats]
    records_in: int
    kept: int
    removed_by_reason: dict[str, int] = field(default_factory=dict)

    def __str__(self) -> str:
        lines = [f"{'step':<22}{'in':>8}{'changed':>9}{'dropped':>9}"]
        for name, stats in self.stats.items():
            lines.append(f"{name:<22}{stats.records_in:>8}{stats.changed:>9}{stats.dropped_total:>9}")
        reasons = ", ".join(f"{r} {n}" for r, n in sorted(self.removed_by_reason.items())) or "none"
        lines.append(f"kept {self.kept} of {self.records_in} records; removed: {reasons}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (f"Result(records_in={self.records_in}, kept={self.kept}, "
                f"removed_by_reason={self.removed_by_reason})")


class _Run:
    """One run of a pipeline on in-memory data, by the build's runner and collectors
    (:func:`corpuskit.pipeline.run_records`), given back in the input's kind."""

    def __init__(self, pipeline: Pipeline, data: Any, engine: Any):
        self.pipeline = pipeline
        self.data = data
        self.engine = engine

    def result(self) -> Result:
        from corpuskit._data import ROW
        from corpuskit.pipeline import run_records
        from corpuskit.publish.schema import record_schema, removed_schema, to_table

        run = run_records(self.pipeline.steps, self.data.records(), engine=self.engine)
        schema = record_schema()
        for step in self.pipeline.steps:
            if step.kind == "corpus":
                schema = step.output_schema(schema)
        kept_at = [record[ROW] for record in run.kept]
        removed = sorted(run.removed, key=lambda record: record[ROW])
        reasons: dict[str, int] = {}
        for record in removed:
            reasons[record["removed"]["reason"]] = reasons.get(record["removed"]["reason"], 0) + 1
        stats = {s.name: s for s in run.stats}
        return Result(self.data.result(to_table(run.kept, schema), kept_at),
                      self.data.result(to_table(removed, removed_schema(), removed=True),
                                       [record[ROW] for record in removed]),
                      {name: stats[name] for name in self.pipeline.names}, self.data.count, len(run.kept),
                      dict(sorted(reasons.items())))


# --- functions -------------------------------------------------------------------------------

def read(paths: str | os.PathLike | Iterable[str | os.PathLike], *, encoding: str | None = None,
         fields: Mapping[str, str] | None = None, date_order: str | None = None,
         on_error: str = "raise") -> Iterator[dict]:
    """The records of files, folders or globs (JSON Lines, CSV, Parquet, press digests; plain or
    compressed), as published rows with their provenance, in a stable order.

    ``encoding``: every input's encoding (default: UTF-8, a BOM, or a safe detection);
    ``fields``: record field -> input column (e.g. ``{"text": "content"}``); ``date_order``:
    ``"dmy"`` or ``"mdy"`` for digest dates like 03/04/2020; ``on_error="skip"`` skips what
    cannot be parsed instead of raising. Paths are checked now; records are read as you iterate.
    """
    from corpuskit.readers import Reader, expand_inputs
    from corpuskit.readers.decoding import EncodingPlan, codec_name
    from corpuskit.readers.options import read_options

    if on_error not in ("raise", "skip"):
        raise ConfigError(f"on_error: expected 'raise' or 'skip', got {on_error!r}")
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    options = read_options({"fields": dict(fields or {}),
                            "digest": {"date_order": date_order} if date_order else {}}, "")
    plan = EncodingPlan(codec_name(encoding, "encoding")) if encoding else None
    reader = Reader(expand_inputs([os.fspath(p) for p in items]), on_error=on_error, encodings=plan,
                    options=options)
    return _rows(reader)


def _rows(records: Iterable[dict]) -> Iterator[dict]:
    from corpuskit.publish.schema import to_row

    for record in records:
        yield to_row(record)


def clean(data: Any, steps: Iterable[Any] | None = None, *, workers: int = 1) -> Result:
    """Run record steps on ``data`` (default: every built-in record step with its defaults).

    Cleaning never removes duplicates (:func:`dedup` does); ``data`` and the result are as
    for :meth:`Pipeline.run`.
    """
    from corpuskit.steps import RECORD_STEPS

    pipeline = Pipeline(RECORD_STEPS if steps is None else steps)
    corpus = [s.name for s in pipeline if s.kind == "corpus"]
    if corpus:
        raise ConfigError(f"clean runs record steps only; {corpus[0]!r} is corpus-wide "
                          "(use corpuskit.dedup or Pipeline.run)")
    return pipeline.run(data, workers=workers)


def dedup(data: Any, preset: str = "default", *, mode: str = "drop", workers: int = 1,
          **thresholds: Any) -> Result:
    """Remove (``mode="annotate"``: label with ``cluster``) duplicate copies in ``data``,
    keeping the most complete copy of each; ``preset`` and thresholds as the ``dedup``
    step's (docs/dedup.md). ``data`` and the result are as for :meth:`Pipeline.run`."""
    from corpuskit.steps.dedup import Dedup

    return Pipeline([Dedup(preset=preset, mode=mode, **thresholds)]).run(data, workers=workers)


def build(config: Any = None, inputs: Sequence[str] | None = None, out: str | None = None, *,
          workers: int | None = None, on_error: str | None = None,
          progress: Callable[[int, int, int], None] | None = None):
    """Build, check and publish a dataset version, as ``corpuskit build`` does.

    ``config``: a configuration file (as ``--config FILE``: inputs relative to the current
    folder), a project folder (its ``corpuskit.toml`` or ``pyproject.toml``; inputs and ``dist/``
    relative to it), a dict of configuration keys or a ``Config`` (default: the current folder's). ``inputs`` override the configuration's; ``out`` is the version folder
    (default ``dist/<name>/<version>``). Returns a ``BuildResult`` (``folder``, ``status``,
    ``rows``, ``removed``, ``stats``). Nothing is published unless the gate passes.
    """
    from corpuskit._build import build as run_build

    return run_build(_config(config), list(inputs) if inputs else None, out, workers=workers,
                     progress=progress, on_error=on_error)


def _config(config: Any):
    """A ``Config`` from a path, a project folder, a dict or a ``Config``."""
    from corpuskit.config import Config, load_config, parse_config

    if isinstance(config, Config):
        return config
    if config is None:
        return load_config()
    if isinstance(config, Mapping):
        return parse_config(dict(config), os.getcwd(), defaults={"version": "1.0.0"})
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)
        return load_config(root=path) if os.path.isdir(path) else load_config(path)
    raise ConfigError(f"build: expected a configuration file, a folder, a dict or a Config, "
                      f"not {type(config).__name__}")


def check(folder: str | os.PathLike, *, rebuild: bool = False, strict: bool = False,
          only: Sequence[str] | None = None):
    """Check a published version folder, as ``corpuskit check`` does; return the report.

    ``report.ok`` is whether it passes; ``report.failed()`` lists the failing checks
    (each with ``name``, ``status`` and ``line()``). ``rebuild=True`` also rebuilds it from
    its recorded inputs and compares; ``only`` keeps the named checks or families.
    """
    from corpuskit._check import run_checks

    return run_checks(os.fspath(folder), rebuild=rebuild, strict=strict, only=only)
