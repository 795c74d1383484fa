"""Read JSON Lines: one article object per line, ``text`` required.

Recognised optional fields: ``id``, ``title``, ``outlet``, ``date``, ``time``,
``author``, ``url``. Other fields are kept aside in ``extra`` (not published).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from corpuskit.errors import InputError
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
        return json.loads(line)
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
                       start_byte: int, end_byte: int) -> Record:
    """Validate one decoded object and turn it into a record (raises InputError)."""
    line = index + 1
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object with a 'text' field", source.path, line)
    text = obj.get("text")
    if not isinstance(text, str):
        raise InputError("record has no 'text' string; every record needs one", source.path, line)
    fields = {}
    for key in _OPTIONAL:
        value = obj.get(key)
        if value is not None and not isinstance(value, str):
            raise InputError(f"field {key!r} must be a string or null", source.path, line)
        fields[key] = value
    rid = obj.get("id")
    if rid is not None and not isinstance(rid, (str, int)):
        raise InputError("field 'id' must be a string or an integer", source.path, line)
    return new_record(
        id=str(rid) if rid is not None else content_id(raw),
        text=text,
        source=source_span(source.path, source.sha256, line, line, start_byte, end_byte),
        **fields,
    )


def read_jsonl(source: SourceText, on_error: str = "raise",
               report: Callable[[InputError], None] | None = None) -> Iterator[Record]:
    """Records of a JSON Lines file read whole (any encoding ``decode`` accepted)."""
    from corpuskit.readers.streaming import read_jsonl_lines

    yield from read_jsonl_lines(source, source.numbered_lines(), on_error, report,
                                decode=source.decode_line)
