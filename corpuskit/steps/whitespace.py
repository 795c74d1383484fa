"""``normalize_whitespace``: plain spaces, no trailing or doubled spaces, clean line ends."""

from __future__ import annotations

import re
from dataclasses import dataclass

from corpuskit.records import Record, edit_between, with_changes
from corpuskit.steps.base import RecordStep

# Space characters that become a plain space: NO-BREAK SPACE, NARROW NO-BREAK
# SPACE, figure/thin/hair and the other U+2000 spaces, ideographic space, tab.
_SPACE_CHARS = "\t\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
_SPACE_RE = re.compile(f"[{_SPACE_CHARS}]")
# Invisible characters removed outright: zero-width space, BOM, soft hyphen is kept.
_INVISIBLE_RE = re.compile("[\u200b\ufeff]")
# C0/C1 controls other than tab and newline (after fix_encoding, which needs C1).
_CONTROL_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_RUN_RE = re.compile(" {2,}")
_PARA_BREAK_RE = re.compile(r"\n{3,}")
# Characters that always need work.
_SPECIAL = f"{_SPACE_CHARS}\u200b\ufeff\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
# One scan for a special character and for a line break with a space before or after it or
# two more after it (`` \n``, ``\n `` and ``\n\n\n``): it starts with a class of rare
# characters (spaces are not), so the regex engine stops at few places.
_WORK_RE = re.compile(f"[{_SPECIAL}\n](?:(?<=[{_SPECIAL}])|(?<= \n)| |\n\n)")


def _needs_work(text: str) -> bool:
    """Whether :func:`normalize_text` changes anything: a special character, doubled spaces,
    a space at a line's edge, three line breaks, a space or line break at either end."""
    return bool(
        "  " in text or text.startswith((" ", "\n")) or text.endswith((" ", "\n"))
        or _WORK_RE.search(text)
    )


def normalize_text(text: str) -> tuple[str, dict[str, int]]:
    """Normalise whitespace in a multi-paragraph text; return it and what changed.

    >>> normalize_text("One\u00a0two  three. \\r\\n\\r\\n\\r\\nFour\u202f")[0]
    'One two three.\\n\\nFour'
    """
    if not _needs_work(text):
        return text, {}
    counts: dict[str, int] = {}
    out = text
    if "\r" in out:
        counts["line_ends"] = out.count("\r")
        out = out.replace("\r\n", "\n").replace("\r", "\n")
    for key, pattern, replacement in (("space_chars", _SPACE_RE, " "),
                                      ("invisible_chars", _INVISIBLE_RE, ""),
                                      ("control_chars", _CONTROL_RE, "")):
        out, n = pattern.subn(replacement, out)
        if n:
            counts[key] = n
    if " \n" in out or "\n " in out or out.startswith(" ") or out.endswith(" "):
        lines = out.split("\n")
        stripped = [line.strip(" ") for line in lines]
        n = sum(1 for a, b in zip(lines, stripped) if a != b)
        if n:
            counts["edge_spaces"] = n
            out = "\n".join(stripped)
    if "  " in out:
        out, n = _RUN_RE.subn(" ", out)
        counts["space_runs"] = n
    collapsed = _PARA_BREAK_RE.sub("\n\n", out).strip("\n")
    if collapsed != out:
        counts["blank_lines"] = 1
    return collapsed, counts


def normalize_line(text: str) -> str:
    """Whitespace of a one-line field (title, outlet, author): single spaces, stripped."""
    return " ".join(_CONTROL_RE.sub("", _INVISIBLE_RE.sub("", _SPACE_RE.sub(" ", text))).split())


class NormalizeWhitespace(RecordStep):
    """Turn every space character into a plain space, strip line edges, collapse runs."""

    name = "normalize_whitespace"

    @dataclass(frozen=True)
    class Params:
        pass

    def apply(self, record: Record) -> Record:
        changes: dict = {}
        edits: list[dict] = []
        text = record.get("text") or ""
        new_text, counts = normalize_text(text)
        if new_text != text:
            changes["text"] = new_text
            detail = ", ".join(f"{k}={v}" for k, v in sorted(counts.items()))
            edits.append(edit_between(self.name, "text", "normalize", text, new_text, detail,
                                      sum(counts.values()) or 1))
        for name in ("title", "outlet", "author"):
            value = record.get(name)
            if value:
                new = normalize_line(value)
                if new != value:
                    changes[name] = new
                    edits.append(edit_between(self.name, name, "normalize", value, new))
        if not edits:
            return record
        return with_changes(record, self.name, edits, **changes)
