"""Read the press-digest format: plain text, one article block after another.

An article block is::

    <title>
    <blank line>
    <outlet>
    <date>                    see corpuskit.readers.dates: September 28, 2020 | Mon, Sep 28 2020 |
                              28.09.2020 | 2020-09-28 | September 28, 2020 3:25 PM | ...
    By <Name>[ and <Name>]    optional
    03:25 PM                  optional
    <blank line>              optional
    <body>                    paragraphs, separated by a blank line or a single newline

Blocks are separated by one or more blank lines. An article starts at a title
line after a blank line (or the file start) followed by a blank line, an
outlet line and a readable date line, the three being header-shaped
(:func:`header_shaped`: a headline, a name, a date). Any other header-shaped
block (an unreadable date, a missing blank line or outlet, a layout whose lines
do not read as a header) is an error at its line, never body text.

Header lines never leak into the body; every non-blank body line is kept as a
paragraph (the cleaning steps decide what is boilerplate, and record it).
Anything that cannot be parsed raises :class:`~corpuskit.errors.InputError` with
the file and line, unless ``on_error="skip"``, which reports and skips the text
up to the next article.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator

from corpuskit.errors import InputError
from corpuskit.readers.dates import DATE_MAX, DateError, looks_like_date, parse_date, read_date
from corpuskit.readers.source import SourceText
from corpuskit.records import READ_STEP, Record, content_id, edit, new_record, source_span, with_changes

log = logging.getLogger(__name__)

_TIME_RE = re.compile(r"^\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp]\.?[Mm]\.?)?(?:\s+[A-Z]{2,4})?$")
_BYLINE_RE = re.compile(r"^By\s+(?P<names>\S.*)$")
_NAME_PARTICLES = {"de", "del", "der", "van", "von", "da", "di", "la", "le", "bin", "al", "el", "dos", "du"}
_SPACES = " \t\u00a0\u202f\u2007\u2009\u200a\u3000\ufeff\r"


def _has_mojibake_chance(line: str) -> bool:
    return not line.isascii()


def _repair(line: str) -> str:
    """Header lines of a mojibake block are repaired before they are parsed.

    The repaired line is only *read* (is it blank, a date, a byline, header-shaped?);
    the text stored in a record comes from the raw line: the title and outlet as
    they are (``fix_encoding`` repairs them, with provenance), and the author and
    time, when reading them needed the repair, with a ``read`` edit saying so
    (:meth:`DigestParser._header_end`).
    """
    if line.isascii():
        return line
    from corpuskit.steps.encoding import fix_text

    return fix_text(line)[0]


def _clean(line: str) -> str:
    return _repair(line).strip(_SPACES).strip()


def _stripped(line: str) -> str:
    return line.strip(_SPACES).strip()


def is_blank(line: str) -> bool:
    if not line.strip(_SPACES).strip():
        return True
    return len(line) <= 8 and _has_mojibake_chance(line) and not _clean(line)


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


_DIGIT = re.compile(r"\d")  # every date-shaped line holds one
_LONGEST_DATE = 4 * DATE_MAX  # a raw line longer than this is no date, even repaired
TITLE_MAX = 300  # a header-shaped block's title line is at most this long
OUTLET_MAX = 100  # and its outlet line at most this long
_ABBREVIATION = re.compile(r"^(?:[A-Z][A-Za-z]{0,4}|(?:[A-Z]\.)+[A-Z])\.$")  # "Inc.", "U.S.": may end a name
_CLOSERS = "\"'”’»)"


def _ends_sentence(text: str, marks: str) -> bool:
    """True when ``text`` ends in one of ``marks`` (after closing quotes), not an abbreviation's dot."""
    end = text.rstrip(_CLOSERS)
    if not end or end[-1] not in marks:
        return False
    return not (end[-1] == "." and _ABBREVIATION.match(end.split()[-1]))


def _title_like(text: str) -> bool:
    """A headline: not too long, not a date, not ending like a sentence or a lead-in (':')."""
    return 0 < len(text) <= TITLE_MAX and not _ends_sentence(text, ".:;,") and not looks_like_date(text)


def _outlet_like(text: str) -> bool:
    """A name, not a sentence: short, not ending like one, most words capitalised
    ('Voice of America', 'dpa', not 'The vote was held on'), not a date."""
    words = text.split()
    if not 0 < len(text) <= OUTLET_MAX or _ends_sentence(text, ".!?:;,") or looks_like_date(text):
        return False
    return len(words) == 1 or 2 * sum(word[0].islower() for word in words) <= len(words)


def header_shaped(title: str, outlet: str, date_line: str) -> bool:
    """The one definition of a header-shaped block, for the reader and for ``corpuskit check``.

    Three lines (stripped): a title line (a headline: not a date, not ending like a
    sentence), an outlet line (a name) and a date-shaped line
    (:func:`~corpuskit.readers.dates.looks_like_date`), readable or not. An
    article starts only at such a block laid out as title, blank line, outlet,
    date; anywhere else among consecutive non-blank lines it is refused.
    Blank lines are ignored there because a published body joins every line
    with a blank line: a real article never holds such a block, a merged one always does.

    >>> header_shaped("Storm Hits Coast", "Daily Courier", "Monday, Sept. 28, 2020")
    True
    >>> header_shaped("He left the room.", "She stayed behind", "March 3, 2020")
    False
    """
    return looks_like_date(date_line) and _title_like(title) and _outlet_like(outlet)


def header_block_in(text: str) -> str | None:
    """The first header-shaped block in a published body (its three lines joined by ' / '), or None.

    Bodies join their lines with blank lines, so this is the reader's own test
    (:func:`header_shaped` on consecutive non-blank lines): a body the reader
    published never holds one; a body holding one has another article merged in.
    """
    lines = [line for line in text.split("\n") if not is_blank(line)]
    for k in range(len(lines) - 2):
        if line_date(lines[k + 2], None) is not None and laid_out_shaped(lines.__getitem__, k, 1):
            return " / ".join(_clean(line) for line in lines[k:k + 3])
    return None


def laid_out_shaped(line: Callable[[int], str], i: int, gap: int = 2) -> bool:
    """The lines ``i`` (title), ``i + gap`` (outlet) and the next (date) are header-shaped."""
    return header_shaped(*(_clean(line(k)) for k in (i, i + gap, i + gap + 1)))


def starts_article(blank: Callable[[int], bool], readable_date: Callable[[int], bool],
                   shaped: Callable[[int], bool], i: int, n: int) -> bool:
    """An article starts at line ``i`` of ``n``: a title line after a blank line (or the file
    start), a blank line, an outlet line and a readable date line, :func:`header_shaped`
    (``shaped(i)``). Shared by the parser and the streaming cutter, so no cut can fall
    inside an article."""
    return (
        i + 3 < n
        and not blank(i)
        and (i == 0 or blank(i - 1))
        and blank(i + 1)
        and not blank(i + 2)
        and readable_date(i + 3)
        and shaped(i)
    )


def line_date(line: str, order: str | None) -> tuple[str, str | None] | DateError | None:
    """A raw line's (date, time), None if it is not date-shaped, or the DateError saying why it
    cannot be read. ``order``: the ``[digest] date_order`` setting."""
    if len(line) > _LONGEST_DATE or not _DIGIT.search(line) or is_blank(line):  # no cleaning needed
        return None
    try:
        return read_date(_clean(line), order)
    except DateError as error:
        return error


def _date_example() -> str:
    return "write it like 'September 28, 2020', 'Mon, Sep 28 2020' or '2020-09-28'"


class DigestParser:
    """Segment one decoded source into article records.

    Articles start where :func:`starts_article` holds. Every header-shaped
    block elsewhere (:func:`header_shaped`, a header laid out right but with an
    unreadable date, or a title and a date with no outlet between them) ends
    the article before it and is an error at its line: raised, or with
    ``on_error="skip"`` reported with the text up to the next article skipped.
    Nothing is ever appended to the previous article's body.
    """

    def __init__(self, source: SourceText, on_error: str = "raise",
                 report: Callable[[InputError], None] | None = None, date_order: str | None = None):
        if on_error not in ("raise", "skip"):
            raise ValueError("on_error must be 'raise' or 'skip'")
        self.source = source
        self.on_error = on_error
        self.report = report or (lambda err: log.warning("skipped: %s", err))
        self.date_order = date_order
        self.lines = [line.rstrip("\r") for line in source.lines]
        self._blank = [is_blank(line) for line in self.lines]
        self._dates: dict[int, tuple[str, str | None] | DateError | None] = {}

    # -- header detection -------------------------------------------------
    def _date_at(self, index: int) -> tuple[str, str | None] | DateError | None:
        if index not in self._dates:
            inside = 0 <= index < len(self.lines)
            self._dates[index] = line_date(self.lines[index], self.date_order) if inside else None
        return self._dates[index]

    def _is_start(self, i: int) -> bool:
        return starts_article(self._blank.__getitem__, lambda k: isinstance(self._date_at(k), tuple),
                              lambda k: laid_out_shaped(self.lines.__getitem__, k), i, len(self.lines))

    def _fail(self, message: str, line_index: int) -> None:
        error = InputError(message, self.source.path, line_index + 1)
        if self.on_error == "raise":
            raise error
        self.report(error)

    # -- segmentation ----------------------------------------------------------
    def __iter__(self) -> Iterator[Record]:
        lines, blank = self.lines, self._blank
        first_content = next((i for i, b in enumerate(blank) if not b), None)
        if first_content is None:
            self._fail("no articles found (only blank lines)", 0)
            return
        starts = [i for i in range(len(lines)) if self._is_start(i)]
        bad = self._bad_headers(range(0, starts[0] if starts else len(lines)))
        for start, stop in zip(starts, starts[1:] + [len(lines)]):
            bad += self._bad_headers(range(self._header_end(start, stop)[2], stop))
        segments = sorted([(s, None) for s in starts] + [(b[0], b) for b in bad])
        if not segments or first_content < segments[0][0]:
            if not segments:
                self._fail("not a digest article header; expected a title line, a blank line, an "
                           "outlet line and a date line (e.g. 'Sept 28 2020')", first_content)
                return
            self._fail("text before the first article header; each article must start with "
                       "a title line, a blank line, an outlet line and a date line", first_content)
        ends = [s for s, _ in segments[1:]] + [len(lines)]
        for (start, problem), stop in zip(segments, ends):
            if problem is not None:
                self._fail(problem[2], problem[1])
                continue
            record = self._article(start, stop)
            if record is not None:
                yield record

    def _bad_headers(self, region: range) -> list[tuple[int, int, str]]:
        """(title line, line to cite, message) of each header-shaped block among ``region``'s lines:
        headers laid out right but unreadable first, then any other header-shaped block."""
        units = [i for i in region if not self._blank[i]]
        found = [p for p in (self._layout_problem(i, region.stop) for i in units) if p is not None]
        taken = {i for title, cited, _ in found for i in range(title, cited + 1)}
        k = 0
        while k + 2 < len(units):
            three = units[k:k + 3]
            if taken.isdisjoint(three) and self._shaped(three):
                found.append(self._shape_problem(three[0], three[2]))
                k += 3
            else:
                k += 1
        return sorted(found)

    def _shaped(self, three: list[int]) -> bool:
        """Consecutive non-blank lines ``three`` are header-shaped (blank lines between ignored)."""
        if self._date_at(three[2]) is None:  # most body lines: only this cheap test
            return False
        return header_shaped(*(_clean(self.lines[i]) for i in three))

    def _layout_problem(self, i: int, stop: int) -> tuple[int, int, str] | None:
        """A header laid out at line ``i`` that is not an article start: its date is unreadable,
        its title or its outlet line does not read as one (neither: body text), or it has a title
        and a date but no outlet line."""
        blank = self._blank
        if not (i == 0 or blank[i - 1]) or i + 2 >= stop or not blank[i + 1] or blank[i + 2]:
            return None
        date = self._date_at(i + 3) if i + 3 < stop else None
        if isinstance(date, DateError):
            text = _clean(self.lines[i + 3])
            return i, i + 3, f"unreadable date {text!r} in the article header ({date}); {_date_example()}"
        if date is not None:  # readable, yet no article starts here: not header-shaped
            title, outlet = _clean(self.lines[i]), _clean(self.lines[i + 2])
            if not _title_like(title) and not _outlet_like(outlet):
                return None  # two sentences and a date: body text, and not header-shaped for check
            what = (f"title line {title[:60]!r} does not read as a headline" if not _title_like(title)
                    else f"outlet line {outlet[:60]!r} does not read as a name")
            return i, i, (f"laid out like an article header (title, blank line, outlet, date) but the "
                          f"{what}; fix the header, or join the lines if they are body text")
        if self._date_at(i + 2) is not None and _title_like(_clean(self.lines[i])):
            return i, i + 2, ("article header has a date but no outlet line; "
                              "put the outlet line between the blank line and the date")
        return None

    def _shape_problem(self, title: int, date_line: int) -> tuple[int, int, str]:
        date = self._date_at(date_line)
        if isinstance(date, DateError):
            text = _clean(self.lines[date_line])
            return title, date_line, (f"unreadable date {text!r} under a title and an outlet line "
                                      f"({date}); {_date_example()}")
        return title, title, ("article header laid out wrongly (a title line, an outlet line and a "
                              "date line, but not as: title line, blank line, outlet line, date line); "
                              "fix the layout so the article is not read as part of another")

    def _header_end(self, start: int, stop: int) -> tuple[str | None, str | None, int, list[dict]]:
        """(author, time, first line after the header, the reader's edits) of the article at ``start``.

        The author and time are taken from the raw line; when only its mojibake repair
        reads as one, the repaired value is taken and the repair recorded as a ``read`` edit.
        """
        lines, blank = self.lines, self._blank
        cursor = start + 4
        author = None
        edits: list[dict] = []
        time = self._date_at(start + 3)[1]
        if cursor < stop and not blank[cursor]:
            author = parse_byline(_clean(lines[cursor]))
            if author is not None:
                author = _as_read("author", parse_byline(_stripped(lines[cursor])), author, edits)
                cursor += 1
        if time is None and cursor < stop and not blank[cursor] and _TIME_RE.match(_clean(lines[cursor])):
            raw = _stripped(lines[cursor])
            time = _as_read("time", raw if _TIME_RE.match(raw) else None, _clean(lines[cursor]), edits)
            cursor += 1
        return author, time, cursor, edits

    def _article(self, start: int, stop: int) -> Record | None:
        lines, blank = self.lines, self._blank
        title = lines[start]
        outlet = lines[start + 2]
        date = self._date_at(start + 3)[0]
        author, time, cursor, edits = self._header_end(start, stop)
        body_lines = [i for i in range(cursor, stop) if not blank[i]]
        if not body_lines:
            self._fail(f"article {_clean(title)!r} has a header but no body text", start)
            return None
        last = body_lines[-1]
        text = "\n\n".join(lines[i] for i in body_lines)
        start_byte, end_byte = self.source.byte_span(start, last)
        raw_block = "\n".join(self.source.lines[start:last + 1])
        record = new_record(
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
        return with_changes(record, READ_STEP, edits) if edits else record


def _as_read(field: str, raw: str | None, repaired: str, edits: list[dict]) -> str:
    """The value read from the raw line (``fix_encoding`` repairs it later, with provenance),
    or, when only the repaired line reads as one (``raw`` is None), the repaired value with
    the repair recorded in ``edits``: no field changes without provenance."""
    if raw is not None:
        return raw
    edits.append(edit(READ_STEP, field, "repair_encoding", f"{raw!r} -> {repaired!r}"))
    return repaired


def read_digest(source: SourceText, on_error: str = "raise",
                report: Callable[[InputError], None] | None = None,
                date_order: str | None = None) -> Iterator[Record]:
    """Yield the article records of a digest source."""
    yield from DigestParser(source, on_error=on_error, report=report, date_order=date_order)
