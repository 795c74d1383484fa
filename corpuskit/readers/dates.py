"""Header dates of the press-digest format: read strictly, never guessed.

Accepted forms (a weekday prefix and a time suffix are optional on each)::

    September 28, 2020   Sept. 28 2020   Sep 28, 2020   28 September 2020   28th of Sept 2020
    Monday, September 28, 2020   Mon, Sep 28 2020   Mon. 28 Sep. 2020
    2020-09-28   2020/09/28   2020.09.28                 year first: always year-month-day
    28.09.2020   28/09/2020   09/28/2020   28-09-2020    see "Numeric order" below
    September 28, 2020 3:25 PM   2020-09-28 15:25   28.09.2020, 15:25 CET   2020-09-28T15:25:00

Numeric order: a numeric date with the year last is read day-first or
month-first according to ``[digest] date_order`` (``"dmy"`` or ``"mdy"``).
With no setting (the default), a date whose order is evident (``28/09/2020``:
no month 28) is read, and one that could be either (``03/04/2020``) is refused
with a message naming the setting: guessing would put the article on the wrong
day without anyone noticing.

A line that is *shaped* like a date (:func:`looks_like_date`) but cannot be read
(February 30, a misspelt month, a two-digit year, no year, a weekday that does
not fall on the date, an hour 25) raises :class:`DateError` with the reason, so
that the digest reader can refuse the header instead of treating it as body text.
"""

from __future__ import annotations

import datetime as _dt
import difflib
import re

DATE_ORDERS = ("dmy", "mdy")
DATE_MAX = 60  # a header date line is at most this long

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2,
    "wednesday": 2, "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
}
_FULL_MONTHS = [name for name in _MONTHS if len(name) > 4 or name in ("may", "june", "july")]
_FULL_WEEKDAYS = [name for name in _WEEKDAYS if name.endswith("day")]

_W = r"[A-Za-z]{3,10}"
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<{}>\d{{1,4}}))"
_SHAPE = re.compile(
    rf"^(?:(?P<weekday>{_W})\.?,?\s+)?"
    r"(?:"
    rf"(?P<m1>{_W})\.?\s+(?P<d1>\d{{1,2}}){_ORD}{_YEAR.format('y1')}?"
    rf"|(?P<d2>\d{{1,2}}){_ORD}\s+(?:of\s+)?(?P<m2>{_W})\.?{_YEAR.format('y2')}?"
    rf"|(?P<m3>{_W})\.?,?\s+(?P<y3>\d{{4}})"
    r"|(?P<n1>\d{1,4})(?P<s1>[./-])(?P<n2>\d{1,2})(?P<s2>[./-])(?P<n3>\d{1,4})"
    r")"
    r"(?:(?:,?\s+(?:at\s+)?|T)(?P<time>\d{1,2}(?:[:.]\d{1,2}){0,2}\s*(?:[AaPp]\.?\s?[Mm]\.?)?"
    r"(?:\s+[A-Za-z]{2,5})?))?"
    r"\.?$",
    re.IGNORECASE,
)
_TIME = re.compile(r"^(?P<h>\d{1,2})(?::(?P<m>\d{2})(?::(?P<s>\d{2}))?)?\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?"
                   r"(?:\s+(?P<zone>[A-Z]{2,5}))?$")


class DateError(ValueError):
    """A date-shaped header line that cannot be read; the message says why."""


def _close(word: str, names: list[str]) -> bool:
    return bool(difflib.get_close_matches(word, names, n=1, cutoff=0.8))


def _monthish(word: str | None) -> bool:
    word = (word or "").lower()
    return word in _MONTHS or _close(word, _FULL_MONTHS)


def _weekdayish(word: str | None) -> bool:
    word = (word or "").lower()
    return word in _WEEKDAYS or _close(word, _FULL_WEEKDAYS)


def _shape(text: str) -> re.Match | None:
    """The match of a date-shaped line whose words are (nearly) month and weekday names."""
    if not text or len(text) > DATE_MAX or not text[0].isalnum():
        return None
    match = _SHAPE.match(text)
    if match is None:
        return None
    month = match.group("m1") or match.group("m2") or match.group("m3")
    if month is not None and not _monthish(month):
        return None
    if match.group("weekday") is not None and not _weekdayish(match.group("weekday")):
        return None
    return match


def looks_like_date(text: str) -> bool:
    """True for a line shaped like a header date (``Sep 28 2020``, ``12/09/2021``), readable or not.

    >>> looks_like_date("Septmber 28, 2020"), looks_like_date("Chapter 12 2020")
    (True, False)
    """
    return _shape(text) is not None


def read_date(text: str, order: str | None = None) -> tuple[str, str | None] | None:
    """``(ISO date, time or None)`` of a header date line; None if the line is not date-shaped.

    Raises :class:`DateError` for a date-shaped line that is not a real,
    unambiguous date. ``order`` is the ``[digest] date_order`` setting.

    >>> read_date("Monday, September 28, 2020 3:25 PM")
    ('2020-09-28', '3:25 PM')
    >>> read_date("28.09.2020"), read_date("Energy interests")
    (('2020-09-28', None), None)
    """
    match = _shape(text)
    if match is None:
        return None
    g = match.groupdict()
    if g["m3"]:
        raise DateError("the date has no day")
    if g["n1"]:
        year, month, day = _numeric(g, order)
    else:
        word = (g["m1"] or g["m2"]).lower()
        if word not in _MONTHS:
            raise DateError(f"{g['m1'] or g['m2']!r} is not a month name or abbreviation")
        raw_year = g["y1"] or g["y2"]
        if raw_year is None:
            raise DateError("the date has no year")
        if len(raw_year) != 4:
            raise DateError("write the year with four digits")
        year, month, day = int(raw_year), _MONTHS[word], int(g["d1"] or g["d2"])
    try:
        date = _dt.date(year, month, day)
    except ValueError:
        raise DateError(f"there is no day {day} in month {month} of {year}") from None
    if g["weekday"]:
        _check_weekday(g["weekday"], date)
    return date.isoformat(), (_time(g["time"]) if g["time"] else None)


def parse_date(text: str, order: str | None = None) -> str | None:
    """The ISO date of a header date line, or None when it is not a readable date.

    >>> parse_date("Sept 28 2020"), parse_date("Feb 30 2021")
    ('2020-09-28', None)
    """
    try:
        found = read_date(text, order)
    except DateError:
        return None
    return found[0] if found else None


def _numeric(g: dict, order: str | None) -> tuple[int, int, int]:
    n1, n2, n3 = g["n1"], g["n2"], g["n3"]
    if g["s1"] != g["s2"]:
        raise DateError("mixed separators in a numeric date")
    if len(n1) == 4:
        return int(n1), int(n2), int(n3)
    if len(n3) != 4:
        raise DateError("write the year with four digits (e.g. 2020-09-28)")
    a, b = int(n1), int(n2)
    if order is None:
        if a > 12 >= b:
            order = "dmy"
        elif b > 12 >= a:
            order = "mdy"
        elif a != b:
            raise DateError("day and month could be either way round; set [digest] date_order = "
                            "\"dmy\" or \"mdy\" in the configuration")
        else:
            order = "dmy"
    day, month = (a, b) if order == "dmy" else (b, a)
    return int(n3), month, day


def _check_weekday(word: str, date: _dt.date) -> None:
    weekday = _WEEKDAYS.get(word.lower())
    if weekday is None:
        raise DateError(f"{word!r} is not a weekday name or abbreviation")
    if weekday != date.weekday():
        raise DateError(f"{date.isoformat()} is a {date.strftime('%A')}, not a {word}")


def _time(text: str) -> str:
    """The time as written, once it is checked to be a real time of day."""
    match = _TIME.match(text)
    if match is None:
        raise DateError(f"unreadable time {text!r}; write it like '3:25 PM' or '15:25'")
    hour, minute, second = int(match["h"]), int(match["m"] or 0), int(match["s"] or 0)
    if match["ampm"]:
        ok = 1 <= hour <= 12
    else:
        ok = hour <= 23 and match["m"] is not None
    if not ok or minute > 59 or second > 59:
        raise DateError(f"{text!r} is not a time of day")
    return text
