"""Read the press-digest format: plain text, one article block after another.

An article block is::

    <title>
    <blank line>
    <outlet>
    <date>                    Sept 28 2020 | Sep 28, 2020 | September 28 2020 | 28 September 2020
    By <Name>[ and <Name>]    optional
    03:25 PM                  optional
    <blank line>              optional
    <body>                    paragraphs, separated by a blank line or a single newline

Blocks are separated by one or more blank lines. A block starts wherever a
non-blank line follows a blank line (or the start of the file) and is itself
followed by a blank line, an outlet line and a date line; that four-line shape
is what tells a header from body paragraphs.

Header lines never leak into the body; every non-blank body line is kept as a
paragraph (the cleaning steps decide what is boilerplate, and record it).
Anything that cannot be parsed raises :class:`~corpuskit.errors.InputError` with
the file and line, unless ``on_error="skip"``, which reports and skips the chunk.
"""

from __future__ import annotations

import datetime as _dt
import logging
import re
from collections.abc import Callable, Iterator

from corpuskit.errors import InputError
from corpuskit.readers.source import SourceText
from corpuskit.records import Record, content_id, new_record, source_span

log = logging.getLogger(__name__)

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_MONTH_RE = r"(?P<month>[A-Za-z]{3,9})\.?"
_DATE_PATTERNS = (
    re.compile(rf"^{_MONTH_RE}\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})$"),
    re.compile(rf"^(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+{_MONTH_RE},?\s+(?P<year>\d{{4}})$"),
    re.compile(r"^(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})$"),
)
# A line that looks like a date but is not one we can read: refused, not guessed.
_DATE_LIKE = re.compile(
    r"^(?:(?:[A-Za-z]{3,9}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?(?:\s+\d{2,4})?)"
    r"|(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Za-z]{3,9}\.?,?(?:\s+\d{2,4})?)"
    r"|(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}))$"
)
_TIME_RE = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4})?$")
_BYLINE_RE = re.compile(r"^By\s+(?P<names>\S.*)$")
_NAME_PARTICLES = {"de", "del", "der", "van", "von", "da", "di", "la", "le", "bin", "al", "el", "dos", "du"}
_SPACES = " \t\u00a0\u202f\u2007\u2009\u200a\u3000\ufeff\r"


def _has_mojibake_chance(line: str) -> bool:
    return not line.isascii()


def _repair(line: str) -> str:
    """Header lines of a mojibake block are repaired before they are parsed."""
    if line.isascii():
        return line
    from corpuskit.steps.encoding import fix_text

    return fix_text(line)[0]


def _clean(line: str) -> str:
    return _repair(line).strip(_SPACES).strip()


def is_blank(line: str) -> bool:
    if not line.strip(_SPACES).strip():
        return True
    return len(line) <= 8 and _has_mojibake_chance(line) and not _clean(line)


def parse_date(text: str) -> str | None:
    """Return the ISO date of a date line, or None if it is not a date line.

    >>> parse_date("Sept 28 2020"), parse_date("28 September 2020"), parse_date("Sep 28, 2020")
    ('2020-09-28', '2020-09-28', '2020-09-28')
    """
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if not match:
            continue
        groups = match.groupdict()
        if groups.get("mnum"):
            month = int(groups["mnum"])
        else:
            month = _MONTHS.get(groups["month"].lower())
            if month is None:
                return None
        try:
            return _dt.date(int(groups["year"]), month, int(groups["day"])).isoformat()
        except ValueError:
            return None
    return None


def looks_like_date(text: str) -> bool:
    """True for a line shaped like a date (``Word 12 2021``, ``12/09/2021``), valid or not.

    Used only where a header expects a date: such a line that ``parse_date``
    cannot read is refused rather than swallowed into the previous body.
    """
    return bool(_DATE_LIKE.match(text))


def parse_byline(text: str) -> str | None:
    """Return the author(s) of a ``By ...`` line, or None if it is not a byline.

    >>> parse_byline("By Dorian Jones"), parse_byline("By Sunday, the toll had risen.")
    ('Dorian Jones', None)
    """
    match = _BYLINE_RE.match(text)
    if not match or len(text) > 120:
        return None
    names = match.group("names").strip()
    for name in re.split(r",\s+|\s+and\s+|\s+&\s+", names):
        tokens = name.split()
        if not 1 <= len(tokens) <= 5:
            return None
        for index, token in enumerate(tokens):
            if token.lower() in _NAME_PARTICLES and 0 < index < len(tokens) - 1:
                continue
            if not (token[0].isupper() and any(c.isalpha() for c in token)):
                return None
        if tokens[-1].endswith((".", ",", ":", ";")) and tokens[-1] not in {"Jr.", "Sr."}:
            return None
    return names


class DigestParser:
    """Segment one decoded source into article records."""

    def __init__(self, source: SourceText, on_error: str = "raise",
                 report: Callable[[InputError], None] | None = None):
        if on_error not in ("raise", "skip"):
            raise ValueError("on_error must be 'raise' or 'skip'")
        self.source = source
        self.on_error = on_error
        self.report = report or (lambda err: log.warning("skipped: %s", err))
        self.lines = [line.rstrip("\r") for line in source.lines]
        self._blank = [is_blank(line) for line in self.lines]
        self._date_cache: dict[int, str | None] = {}

    # -- header detection -------------------------------------------------
    def _date_at(self, index: int) -> str | None:
        if index not in self._date_cache:
            value = None
            if 0 <= index < len(self.lines) and not self._blank[index]:
                line = self.lines[index]
                if len(line) <= 60:
                    value = parse_date(_clean(line))
            self._date_cache[index] = value
        return self._date_cache[index]

    def _is_start(self, i: int) -> bool:
        n = len(self.lines)
        return (
            i + 3 < n
            and not self._blank[i]
            and (i == 0 or self._blank[i - 1])
            and self._blank[i + 1]
            and not self._blank[i + 2]
            and self._date_at(i + 3) is not None
        )

    def _fail(self, message: str, line_index: int) -> None:
        error = InputError(message, self.source.path, line_index + 1)
        if self.on_error == "raise":
            raise error
        self.report(error)

    # -- segmentation ----------------------------------------------------------
    def __iter__(self) -> Iterator[Record]:
        lines, blank = self.lines, self._blank
        starts = [i for i in range(len(lines)) if self._is_start(i)]
        first_content = next((i for i, b in enumerate(blank) if not b), None)
        if first_content is None:
            self._fail("no articles found (only blank lines)", 0)
            return
        if not starts:
            self._fail(self._header_problem(first_content), first_content)
            return
        if first_content < starts[0]:
            self._fail(
                "text before the first article header; each article must start with "
                "a title line, a blank line, an outlet line and a date line",
                first_content,
            )
        bounds = starts + [len(lines)]
        for start, stop in zip(bounds, bounds[1:]):
            record = self._article(start, stop)
            if record is not None:
                yield record

    def _header_problem(self, i: int) -> str:
        window = [_clean(l) for l in self.lines[i:i + 5]]
        for offset, text in enumerate(window[1:], start=1):
            if looks_like_date(text) and parse_date(text) is None:
                return (f"unreadable date {text!r} in the article header at line {i + offset + 1}; "
                        "write it like 'Sept 28 2020', 'Sep 28, 2020', 'September 28 2020' or "
                        "'28 September 2020'")
        return ("not a digest article header; expected a title line, a blank line, an "
                "outlet line and a date line (e.g. 'Sept 28 2020')")

    def _article(self, start: int, stop: int) -> Record | None:
        lines, blank = self.lines, self._blank
        title = lines[start]
        outlet = lines[start + 2]
        date = self._date_at(start + 3)
        cursor = start + 4
        author = time = None
        if cursor < stop and not blank[cursor]:
            author = parse_byline(_clean(lines[cursor]))
            if author is not None:
                cursor += 1
        if cursor < stop and not blank[cursor] and _TIME_RE.match(_clean(lines[cursor])):
            time = _clean(lines[cursor])
            cursor += 1
        body_lines = [i for i in range(cursor, stop) if not blank[i]]
        if not body_lines:
            self._fail(f"article {_clean(title)!r} has a header but no body text", start)
            return None
        self._check_body(body_lines)
        last = body_lines[-1]
        text = "\n\n".join(lines[i] for i in body_lines)
        start_byte, end_byte = self.source.byte_span(start, last)
        raw_block = "\n".join(self.source.lines[start:last + 1])
        return new_record(
            id=content_id(raw_block.encode("utf-8", errors="surrogatepass")),
            title=title,
            outlet=outlet,
            date=date,
            time=time,
            author=author,
            text=text,
            source=source_span(
                self.source.path, self.source.sha256, start + 1, last + 1, start_byte, end_byte
            ),
        )

    def _check_body(self, body_lines: list[int]) -> None:
        """Refuse a header whose outlet or date line is missing or malformed.

        Such a block is not recognised as a header, so it would otherwise be
        swallowed silently into the previous article's body.
        """
        lines, blank = self.lines, self._blank
        for i in body_lines:
            title = i - 2
            # header shape: a line after a blank (or file start), then a blank line
            if title < 0 or blank[title] or not blank[i - 1] or (title > 0 and not blank[title - 1]):
                continue
            text = _clean(lines[i])
            if len(text) <= 40 and parse_date(text) is not None:
                self._fail(
                    f"article header at line {title + 1} has a date but no outlet line; "
                    "put the outlet line between the blank line and the date",
                    i,
                )
            nxt = i + 1
            if nxt < len(lines) and not blank[nxt]:
                candidate = _clean(lines[nxt])
                if len(candidate) <= 40 and looks_like_date(candidate) and parse_date(candidate) is None:
                    self._fail(
                        f"unreadable date {candidate!r} in the article header; write it like "
                        "'Sept 28 2020', 'Sep 28, 2020', 'September 28 2020' or '28 September 2020'",
                        nxt,
                    )


def read_digest(source: SourceText, on_error: str = "raise",
                report: Callable[[InputError], None] | None = None) -> Iterator[Record]:
    """Yield the article records of a digest source."""
    yield from DigestParser(source, on_error=on_error, report=report)
