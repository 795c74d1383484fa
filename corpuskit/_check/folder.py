"""Open a published version folder once; every check reads from this object.

A folder that cannot be read at all (missing, not a folder, no ``manifest.json``
or ``README.md``, a manifest that is not JSON) raises :class:`FolderError`
(exit 2). Everything else that is wrong with it becomes a failed check.
"""

from __future__ import annotations

import glob
import json
import os
import re
from dataclasses import dataclass, field
from typing import Any

from corpuskit.errors import CorpuskitError

MANIFEST = "manifest.json"
CARD = "README.md"
CONFIG_COPY = "corpuskit.toml"
#: Rows per batch the gate's checks hold at once (the published row group size).
BATCH_ROWS = 1000
#: Rows :class:`RowReader` makes into dicts at once.
ROWS_AT_ONCE = 64
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^---[ \t]*$", re.S | re.M)


class FolderError(CorpuskitError):
    """The folder cannot be checked at all: not there, or not a published version."""

    exit_code = 2


@dataclass
class VersionFolder:
    """What a version folder holds, parsed leniently: checks report what is broken."""

    path: str
    root: str  # project root: cited source paths and recorded inputs are relative to it
    manifest: dict
    card_text: str
    front_matter: dict | None = None
    front_matter_error: str | None = None
    body: str = ""
    config: Any = None  # corpuskit.config.Config rebuilt from the manifest, or None
    config_error: str | None = None
    overrides: dict = field(default_factory=dict)
    allowed_inputs: tuple = ()  # paths outside ``root`` that --rebuild may read (given by the user)
    workers: int = 1  # processes of the per-record checks' shared pass (corpuskit._check.scan)
    #: Whether the report will hold warnings. False in the build's gate, which publishes unless a
    #: check fails: a check then skips the work whose only outcome can be a warning (the language
    #: detector's second opinion, ftfy's badness, header blocks outside digests), never a test that
    #: can fail.
    warnings: bool = True
    batch_rows: int = field(default_factory=lambda: BATCH_ROWS)
    memo: str | None = None  # the build's dedup signature memo (corpuskit._dedup.memo), in its gate
    scan_plan: tuple = ()  # the RecordScan kinds the shared pass runs (those run_checks will run)
    scan_results: dict = field(default_factory=dict, repr=False)  # name -> CheckResult, until taken
    shared: dict = field(default_factory=dict, repr=False)  # what this process's checks read once for all
    _tables: dict = field(default_factory=dict, repr=False)

    # -- recorded configuration -------------------------------------------
    @property
    def config_data(self) -> dict:
        value = self.manifest.get("config")
        return value if isinstance(value, dict) else {}

    def check_setting(self, key: str, default=None):
        """A ``[check]`` threshold: the option given to the gate, else the recorded one."""
        if self.overrides.get(key) is not None:
            return self.overrides[key]
        recorded = self.config_data.get("check", {})
        if isinstance(recorded, dict) and key in recorded:
            return recorded[key]
        from corpuskit.config import DEFAULT_CHECK

        return DEFAULT_CHECK.get(key, default)

    def step(self, name: str):
        """The recorded pipeline step ``name`` (a configured Step), or None."""
        if self.config is None:
            return None
        return next((s for s in self.config.pipeline if s.name == name), None)

    # -- data files ----------------------------------------------------------
    def config_names(self) -> list[str]:
        configs = (self.front_matter or {}).get("configs")
        names = [c.get("config_name") for c in configs or [] if isinstance(c, dict)]
        names = [n for n in names if isinstance(n, str)]
        if names:
            return names
        return [n for n in ("default", "removed") if self.layout_files(n)]

    def declared_files(self, config_name: str) -> dict[str, list[str]] | None:
        """``{split: [relative paths]}`` the card declares for a config (globs expanded)."""
        for item in (self.front_matter or {}).get("configs") or []:
            if not isinstance(item, dict) or item.get("config_name") != config_name:
                continue
            out: dict[str, list[str]] = {}
            data_files = item.get("data_files")
            if isinstance(data_files, str):
                data_files = [{"split": "train", "path": data_files}]
            for entry in data_files or []:
                if not isinstance(entry, dict):
                    continue
                paths = entry.get("path")
                paths = [paths] if isinstance(paths, str) else list(paths or [])
                split = str(entry.get("split", "train"))
                for pattern in paths:
                    out.setdefault(split, []).extend(self._expand(str(pattern)))
            return out
        return None

    def _expand(self, pattern: str) -> list[str]:
        if any(ch in pattern for ch in "*?["):
            found = glob.glob(os.path.join(self.path, pattern), recursive=True)
            return sorted(os.path.relpath(p, self.path).replace(os.sep, "/") for p in found)
        return [pattern]

    def layout_files(self, config_name: str) -> list[str]:
        sub = "data" if config_name == "default" else config_name
        found = glob.glob(os.path.join(self.path, sub, "*.parquet"))
        return sorted(os.path.relpath(p, self.path).replace(os.sep, "/") for p in found)

    def data_files(self, config_name: str) -> list[str]:
        declared = self.declared_files(config_name)
        if declared is not None:
            return [p for paths in declared.values() for p in paths]
        return self.layout_files(config_name)

    def table(self, config_name: str):
        """All existing, readable parquet rows of a config as one Arrow table (cached)."""
        if config_name not in self._tables:
            import pyarrow as pa
            import pyarrow.parquet as pq

            tables = []
            for rel in self.data_files(config_name):
                path = os.path.join(self.path, rel)
                if not os.path.isfile(path):  # never open a FIFO or device (it could block)
                    continue
                try:
                    tables.append(pq.read_table(path))
                except (OSError, pa.ArrowException):
                    continue
            if not tables:
                self._tables[config_name] = None
            else:
                try:
                    self._tables[config_name] = pa.concat_tables(tables, promote_options="permissive")
                except pa.ArrowException:
                    self._tables[config_name] = tables[0]
        return self._tables[config_name]

    def rows(self, config_name: str = "default") -> list[dict]:
        table = self.table(config_name)
        return [] if table is None else table.to_pylist()

    def parquet_files(self, config_name: str):
        """``(path, file)`` of the config's existing, readable parquet files, opened (footers only)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        for rel in self.data_files(config_name):
            path = os.path.join(self.path, rel)
            if not os.path.isfile(path):  # never open a FIFO or device (it could block)
                continue
            try:
                yield path, pq.ParquetFile(path)
            except (OSError, pa.ArrowException):
                continue

    def _parquet_files(self, config_name: str):
        return (parquet for _, parquet in self.parquet_files(config_name))

    def num_rows(self, config_name: str = "default") -> int:
        """Rows of a config's readable files, from the parquet footers (no data read)."""
        return sum(parquet.metadata.num_rows for parquet in self._parquet_files(config_name))

    def batches(self, config_name: str = "default", columns=None, size: int | None = None):
        """A config's rows in order as lists of dicts of at most ``size`` rows (``columns``
        only, when given; a column a file lacks is left out of its rows, as ``row.get`` reads
        a missing value). Memory is one batch, whatever the number of rows: the gate's
        record checks stream through these."""
        import pyarrow as pa

        for parquet in self._parquet_files(config_name):
            wanted = present(parquet, columns)
            try:
                for batch in parquet.iter_batches(batch_size=size or BATCH_ROWS, columns=wanted):
                    yield batch.to_pylist()
            except (OSError, pa.ArrowException):
                continue

    def row_reader(self, config_name: str, columns=None) -> "RowReader":
        """Rows of a config by row number (as :meth:`batches` counts them)."""
        return RowReader(list(self._parquet_files(config_name)), columns)

    def rows_at(self, config_name: str, positions, columns=None) -> dict[int, dict]:
        """The rows at ``positions``, reading only the row groups that hold them."""
        reader = self.row_reader(config_name, columns)
        return {position: reader.row(position) for position in sorted(set(positions))}


class RowReader:
    """Rows of parquet files by row number, keeping the last few row groups read (as Arrow).

    Reads in row order (or close to it) read each row group about once; memory is
    ``keep`` row groups whatever the number of rows. Rows are made into dicts
    :data:`ROWS_AT_ONCE` at a time, and the last such slice is kept: one row at a time
    cost ~90 µs a row (Arrow's per-call overhead; the replay reads every row), a slice
    of 64 about 1/20 of that. A row returned is shared with the next read of the same
    row: callers only read it.
    """

    def __init__(self, files: list, columns=None, keep: int = 3):
        import bisect

        self._bisect = bisect.bisect_right
        self._groups: list[tuple] = []  # (file, group number, projected columns)
        self._starts = [0]  # row number of each group's first row
        for parquet in files:
            picked = present(parquet, columns)
            for group in range(parquet.metadata.num_row_groups):
                self._groups.append((parquet, group, picked))
                self._starts.append(self._starts[-1] + parquet.metadata.row_group(group).num_rows)
        self._cache: dict[int, object] = {}
        self._keep = keep
        self._slice: tuple = (None, [])  # (first row, rows as dicts) of the slice made last

    def row(self, position: int) -> dict:
        """The row at ``position`` (an empty dict past the last row)."""
        first, rows = self._slice
        if first is not None and 0 <= position - first < len(rows):
            return rows[position - first]
        group = self._bisect(self._starts, position) - 1
        if not 0 <= group < len(self._groups):
            return {}
        table = self._cache.pop(group, None)
        if table is None:
            parquet, number, picked = self._groups[group]
            table = parquet.read_row_group(number, columns=picked)
            if len(self._cache) >= self._keep:
                del self._cache[next(iter(self._cache))]
        self._cache[group] = table  # most recently used last
        offset = position - self._starts[group]
        self._slice = (position, table.slice(offset, ROWS_AT_ONCE).to_pylist())
        return self._slice[1][0]


def present(parquet, columns):
    """The ``columns`` (``name`` or ``struct.field``) whose top-level column the file has."""
    if columns is None:
        return None
    names = set(parquet.schema_arrow.names)
    return [c for c in columns if c.split(".", 1)[0] in names]


def find_root(folder: str, override: str | None = None) -> str:
    """The project root: ``override``, else the folder that contains ``dist/``, else cwd."""
    if override:
        return os.path.abspath(override)
    current = os.path.abspath(folder)
    while True:
        parent = os.path.dirname(current)
        if parent == current:
            break
        if os.path.basename(current) == "dist":
            return parent
        current = parent
    return os.getcwd()


def open_folder(folder: str, root: str | None = None, overrides: dict | None = None,
                allowed_inputs: tuple = ()) -> VersionFolder:
    """Read ``folder``'s manifest, card and recorded configuration."""
    if not os.path.exists(folder):
        raise FolderError(f"{folder}: no such folder")
    if not os.path.isdir(folder):
        raise FolderError(f"{folder}: not a folder; give a version folder like dist/<name>/<version>")
    for name in (MANIFEST, CARD):
        if not os.path.isfile(os.path.join(folder, name)):
            raise FolderError(f"{folder}: no {name}; not a published corpuskit version folder")
    try:
        with open(os.path.join(folder, MANIFEST), encoding="utf-8") as handle:
            manifest = json.load(handle)
        with open(os.path.join(folder, CARD), encoding="utf-8") as handle:
            card_text = handle.read()
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FolderError(f"{folder}: cannot read the manifest or card ({exc})") from None
    if not isinstance(manifest, dict):
        raise FolderError(f"{folder}: {MANIFEST} is not a JSON object")
    result = VersionFolder(path=os.path.abspath(folder), root=find_root(folder, root),
                           manifest=manifest, card_text=card_text, overrides=dict(overrides or {}),
                           allowed_inputs=tuple(allowed_inputs))
    _parse_card(result)
    _parse_config(result)
    return result


def _parse_card(folder: VersionFolder) -> None:
    import yaml

    from corpuskit._check.strict_yaml import strict_load

    match = _FRONT_MATTER.match(folder.card_text)
    if not match:
        folder.front_matter_error = "README.md has no YAML front matter (--- ... ---) at the top"
        folder.body = folder.card_text
        return
    folder.body = folder.card_text[match.end():]
    try:
        data = strict_load(match.group(1))
    except yaml.YAMLError as exc:
        folder.front_matter_error = "front matter is not valid YAML: " + " ".join(str(exc).split())
        return
    if not isinstance(data, dict):
        folder.front_matter_error = "front matter is not a YAML mapping"
        return
    folder.front_matter = data


def _parse_config(folder: VersionFolder) -> None:
    from corpuskit.config import parse_config

    if not folder.config_data:
        folder.config_error = "manifest.json records no configuration"
        return
    from corpuskit.publish.manifest import _toml_safe

    try:
        # null in the manifest means "unset", as in the TOML copy, which leaves it out
        folder.config = parse_config(_toml_safe(folder.config_data), folder.root, source_file=MANIFEST)
    except CorpuskitError as exc:
        folder.config_error = str(exc)
