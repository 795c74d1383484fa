"""How inputs are read: the field mapping and the digest date order.

Configuration (both optional)::

    [fields]                 # record field = input column (CSV, Parquet) or key (JSON Lines)
    text = "content"
    title = "headline"

    [digest]
    date_order = "dmy"       # or "mdy": how to read 03/04/2020; default: refuse such dates

On the command line, ``--field text=content --field title=headline`` (build and
clean) replaces the configuration's mapping. A record field that is not mapped is
read from the column of its own name, as always. With ``text = "content"``, a
column named ``text`` is no longer read (it is an ordinary extra column).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from corpuskit.errors import ConfigError
from corpuskit.readers.dates import DATE_ORDERS

#: The record fields an input column or key can fill.
RECORD_FIELDS = ("id", "title", "outlet", "date", "time", "author", "url", "text")


@dataclass(frozen=True)
class ReadOptions:
    """Reading settings, carried with each unit of work to whichever process parses it."""

    fields: tuple[tuple[str, str], ...] = ()  # (record field, input column), sorted by field
    date_order: str | None = None

    def column(self, field: str) -> str:
        """The input column or key that fills record ``field``."""
        return self.columns()[field]

    def columns(self) -> dict[str, str]:
        """Every record field and the input column that fills it (computed once: read per record)."""
        cached = self.__dict__.get("_columns")
        if cached is None:
            mapped = dict(self.fields)
            cached = {field: mapped.get(field, field) for field in RECORD_FIELDS}
            object.__setattr__(self, "_columns", cached)
        return cached

    def named(self, column: str) -> str:
        """How an error names ``column``: with the field it fills when that differs."""
        field = next((f for f, c in self.fields if c == column and f != column), None)
        return f"{column!r} (mapped to {field})" if field else repr(column)

    def to_dict(self) -> dict:
        """The settings as configuration tables; only those set (TOML has no null)."""
        out: dict = {}
        if self.fields:
            out["fields"] = dict(self.fields)
        if self.date_order:
            out["digest"] = {"date_order": self.date_order}
        return out


def field_mapping(pairs: Mapping[str, object] | Iterable[tuple[str, object]], where: str) -> tuple[tuple[str, str], ...]:
    """Validate ``field -> column`` pairs; ``where`` names their origin in errors."""
    items = list(pairs.items()) if isinstance(pairs, Mapping) else list(pairs)
    seen: dict[str, str] = {}
    for field, column in items:
        if field not in RECORD_FIELDS:
            raise ConfigError(f"unknown record field {field!r} in {where} (fields: {', '.join(RECORD_FIELDS)})")
        if not isinstance(column, str) or not column.strip():
            raise ConfigError(f"{where}: the column for {field!r} must be a non-empty string")
        if field in seen:
            raise ConfigError(f"{where}: field {field!r} is mapped twice")
        if column in seen.values():
            other = next(f for f, c in seen.items() if c == column)
            raise ConfigError(f"{where}: column {column!r} is mapped to both {other!r} and {field!r}")
        seen[field] = column
    return tuple(sorted(seen.items()))


def parse_field_options(values: Iterable[str]) -> tuple[tuple[str, str], ...]:
    """``--field FIELD=COLUMN`` values, validated."""
    pairs = []
    for value in values:
        field, sep, column = value.partition("=")
        if not sep:
            raise ConfigError(f"--field {value!r}: write FIELD=COLUMN, e.g. --field text=content")
        pairs.append((field.strip(), column.strip()))
    return field_mapping(pairs, "--field")


def read_options(data: Mapping, where: str = "") -> ReadOptions:
    """The ``[fields]`` and ``[digest]`` tables of a configuration, validated."""
    fields = data.get("fields", {})
    if not isinstance(fields, Mapping):
        raise ConfigError(f"[fields]{where} must be a table of field = \"column\"")
    digest = data.get("digest", {})
    if not isinstance(digest, Mapping):
        raise ConfigError(f"[digest]{where} must be a table")
    unknown = sorted(set(digest) - {"date_order"})
    if unknown:
        raise ConfigError(f"unknown key {unknown[0]!r} in [digest]{where} (known: date_order)")
    order = digest.get("date_order")
    if order is not None and order not in DATE_ORDERS:
        raise ConfigError(f"[digest] date_order{where} must be \"dmy\" (28/09/2020) or \"mdy\" "
                          f"(09/28/2020), not {order!r}")
    return ReadOptions(field_mapping(fields, f"[fields]{where}"), order)
