"""``fix_encoding``: repair mojibake with ftfy, leaving clean text byte-identical."""

from __future__ import annotations

from dataclasses import dataclass

import ftfy

from corpuskit.records import Record, edit, with_changes
from corpuskit.steps.base import RecordStep

#: ftfy with every fixer that could rewrite clean text switched off: quotes stay
#: curly, full-width and ligature characters stay, no Unicode normalisation and
#: no HTML unescaping (``&amp;`` in a news story is text, not markup).
FTFY_CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=True,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=True,
    remove_control_chars=True,
    normalization=None,
    explain=True,
)


def fix_text(text: str) -> tuple[str, list[str]]:
    """Repair mojibake in ``text``; return the text and the ftfy steps applied.

    >>> fix_text("Turkey\u00e2\u20ac\u2122s drones")[0]
    'Turkey’s drones'
    >>> fix_text("“Clean” text – stays")[0]
    '“Clean” text – stays'
    """
    if text.isascii() and text.isprintable():
        return text, []
    fixed, explanation = ftfy.fix_and_explain(text, config=FTFY_CONFIG)
    if fixed == text:
        return text, []
    return fixed, [f"{step}:{arg}" for step, arg in (explanation or [])]


class FixEncoding(RecordStep):
    """Repair mojibake (UTF-8 read as cp1252/latin-1, once or twice) in every text field."""

    name = "fix_encoding"

    @dataclass(frozen=True)
    class Params:
        fields: tuple[str, ...] = ("title", "outlet", "author", "text")

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        if "fields" in table:
            table["fields"] = tuple(table["fields"])
        return table

    def apply(self, record: Record) -> Record:
        changes: dict = {}
        edits: list[dict] = []
        for name in self.params.fields:
            value = record.get(name)
            if not value:
                continue
            fixed, plan = fix_text(value)
            if fixed != value:
                changes[name] = fixed
                edits.append(edit(self.name, name, "repair", "; ".join(plan)))
        if not edits:
            return record
        return with_changes(record, self.name, edits, **changes)
