"""Read JSON Lines: one article object per line, ``text`` required.

Recognised optional keys: ``id``, ``title``, ``outlet``, ``date``, ``time``,
``author``, ``url``; other keys are not read. ``[fields]`` / ``--field`` map other
keys to these fields (:mod:`corpuskit.readers.options`); a mapped key must be
present in every object (null is allowed for an optional field). A key read
twice in one object (``{"text": "a", "text": "b"}``) is an error, not "the last one wins".
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from corpuskit.errors import InputError
from corpuskit.readers.options import ReadOptions
from corpuskit.readers.source import SourceText
from corpuskit.records import Record, content_id, new_record, source_span

_OPTIONAL = ("title", "outlet", "date", "time", "author", "url")


def load_json_line(line: str, path: str, line_no: int) -> object:
    """Parse one JSON Lines line; anything the parser refuses is an InputError naming file and line.

    Besides malformed JSON, that is nesting deeper than the interpreter's
    recursion limit (``RecursionError``) and an integer of more than 4300
    digits (``ValueError``): bounds of the parser, reported as such.
    """
    try:
        return DECODER.decode(line)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON ({exc.msg} at column {exc.colno}); fix or remove the line",
                         path, line_no) from None
    except RecursionError:
        raise InputError("JSON nested too deeply to read (over about 1000 levels); flatten the record",
                         path, line_no) from None
    except ValueError as exc:
        if "digits" in str(exc):
            raise InputError("JSON number too long to read (over 4300 digits); write it as a string "
                             "or remove it", path, line_no) from None
        raise InputError(f"invalid JSON ({exc}); fix or remove the line", path, line_no) from None


def record_from_object(obj: object, source: SourceText, index: int, raw: bytes,
                       start_byte: int, end_byte: int, options: ReadOptions = ReadOptions()) -> Record:
    """Validate one decoded object (keyed by input column or key) and turn it into a record
    (raises InputError)."""
    line = index + 1
    columns = options.columns()
    text_key = columns["text"]
    if not isinstance(obj, dict):
        raise InputError(f"expected a JSON object with a {text_key!r} field", source.path, line)
    for field, key in options.fields:
        if key not in obj:
            raise InputError(f"record has no {options.named(key)} key; give every record one "
                             "(null for no value) or change the field mapping", source.path, line)
    text = obj.get(text_key)
    if not isinstance(text, str):
        raise InputError(f"record has no {options.named(text_key)} string; every record needs one",
                         source.path, line)
    fields = {}
    for field in _OPTIONAL:
        value = obj.get(columns[field])
        if value is not None and not isinstance(value, str):
            raise InputError(f"field {options.named(columns[field])} must be a string or null",
                             source.path, line)
        fields[field] = value
    id_key = columns["id"]
    rid = obj.get(id_key)
    if rid is not None and not isinstance(rid, (str, int)):
        raise InputError(f"field {options.named(id_key)} must be a string or an integer", source.path, line)
    return new_record(
        id=str(rid) if rid is not None else content_id(raw),
        text=text,
        source=source_span(source.path, source.sha256, line, line, start_byte, end_byte),
        **fields,
    )


class _Pairs(dict):
    """A JSON object that had a key more than once (``repeated`` lists them)."""

    repeated: list[str]


def _pairs(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    out = _Pairs(obj)
    seen: set[str] = set()
    out.repeated = [k for k, _ in pairs if k in seen or seen.add(k)]
    return out


#: Parses a JSON line keeping track of repeated keys; as fast as ``json.loads`` (built once).
DECODER = json.JSONDecoder(object_pairs_hook=_pairs)


def repeated_key(obj: object, options: ReadOptions) -> str | None:
    """A read key that appears twice in ``obj`` (parsed by :data:`DECODER`), or None."""
    if isinstance(obj, _Pairs):
        read = set(options.columns().values())
        return next((key for key in obj.repeated if key in read), None)
    return None


def read_jsonl(source: SourceText, on_error: str = "raise",
               report: Callable[[InputError], None] | None = None,
               options: ReadOptions = ReadOptions()) -> Iterator[Record]:
    """Records of a JSON Lines file read whole (any encoding ``decode`` accepted)."""
    from corpuskit.readers.streaming import read_jsonl_lines

    yield from read_jsonl_lines(source, source.numbered_lines(), on_error, report,
                                decode=source.decode_line, options=options)
