"""``strip_boilerplate``: remove trailer, video, read-more and caption paragraphs.

Rules are data: each has a stable name and a regular expression that must match
a *whole paragraph* on one line. Each pattern spells out the whole shape of one
kind of boilerplate line (whole words, anchored at both ends), so prose that
merely mentions Reuters, ends in a parenthesis or starts with "Copyright" stays.
A paragraph that spans several lines is never boilerplate: no rule matches a
line break, so a body whose paragraphs are separated by single newlines can
lose nothing.

``photo_caption`` is the one rule with a second test: its pattern finds a
sentence followed by a parenthesis, and :func:`is_photo_credit` decides whether
that parenthesis is a credit naming a photographer or an agency (``(Reuters/
John Smith)``, ``(AP Photo/Jane Doe)``, ``(Photo: Jane Doe)``, ``(Press Pool
Photo)``) rather than prose (``(Approved by shareholders ...)``, ``(Credit
Suisse estimates)``, ``(Apple Computer Inc, Pool Energy)``). Every removed
paragraph is logged in the record's provenance with the rule that removed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from corpuskit.fixes import fix
from corpuskit.records import Record, edit, with_changes
from corpuskit.steps.base import RecordStep

_SP = r"[^\S\n]"  # a space that is not a line break: no rule crosses lines
# a capitalised name word ("O'Rourke", "Brennan-Hughes", "Inc.", "U.S.", "McCarthy")
_NAME_WORD = r"(?:[A-ZÀ-ÖØ-ÞĀ-ŽΑ-ΩА-Я][\w'’.-]*)"
_PARTICLE = r"(?:de|da|di|del|der|den|van|von|la|le|du|dos|al|el|bin|ibn|ten|ter|y|of|the|for)"
# two to five words of a person's name, e.g. "Mei-Ling Chou", "Ludwig van Beethoven"
_PERSON = _NAME_WORD + r"(?:" + _SP + r"(?:" + _NAME_WORD + "|" + _PARTICLE + r")){1,4}"
# one to six words of a name of a person, outlet or agency ("Press Pool Photo", "Getty Images")
_NAMES = _NAME_WORD + r"(?:" + _SP + r"(?:" + _NAME_WORD + "|" + _PARTICLE + r"|&)){0,5}"
_SHARE_TARGETS = (r"(?:Facebook|Twitter|X|Email|E-mail|Print|WhatsApp|LinkedIn|Reddit|Pinterest|"
                  r"Telegram|Messenger|Copy link)")
_ROLE = (r"(?:Reporting|Additional reporting|Writing|Editing|Compiled|Research|Fact-checking|"
         r"Graphics|Production)")
# "Ann Lee", "Ann Lee in Paris", "Ann Lee and Bo Kim in New York", "Tokyo newsroom"
_CREDITED = (_NAMES + r"(?:" + _SP + r"(?:staff|bureau|newsroom|team|reporters|correspondents))?"
             + r"(?:" + _SP + r"in" + _SP + _NAMES + r")?")
_CREDITED_LIST = (_CREDITED + r"(?:" + _SP + r"*(?:,|and|&)" + _SP + r"*" + _CREDITED + r"){0,5}")
_TRAILER_PART = r"(?i:" + _ROLE + r")" + _SP + r"+(?i:by)" + _SP + r"+" + _CREDITED_LIST
_YEAR = r"(?:1[89]|20)\d\d"

#: name -> pattern matched against a whole, stripped paragraph (``re.fullmatch``).
DEFAULT_RULES: dict[str, str] = {
    # (Reporting by Ann Lee in Paris; Additional reporting by Bo Kim; Editing by Tom Roe)
    "reporting_trailer": (
        r"\(" + _TRAILER_PART + r"(?:" + _SP + r"*[;,]" + _SP + r"*" + _TRAILER_PART + r"){0,5}"
        + _SP + r"*\)\.?"
    ),
    # READ MORE: <headline of another story>, one line of at most 25 words
    "read_more": (r"(?:READ MORE|Read more|Read More)" + _SP + r"*[:\-–—|]" + _SP + r"*"
                  r"(?=[^\n]{3,200}$)[^\s]+(?:" + _SP + r"+[^\s]+){0,24}"),
    # "Watch all videos at" (+ URL here or in the next paragraph, moved to ``url``)
    "watch_videos": r"Watch all videos at:?(?:" + _SP + r"+https?://\S+)?",
    # one caption (20-400 characters ending in .!?) and a parenthesised photo credit;
    # the credit itself is checked by is_photo_credit
    "photo_caption": (r"(?P<caption>[^()\n]{20,400}?[.!?]['’\"”]?)" + _SP + r"*"
                      r"\((?P<credit>[^()\n]{2,120})\)"),
    # Share this article: Facebook | Twitter | Email | Print
    "share_bar": (
        r"(?:(?i:share(?: this)?(?: article| story| on)?)" + _SP + r"*:?" + _SP + r"*)?"
        + _SHARE_TARGETS + r"(?:" + _SP + r"*[|•·,/]" + _SP + r"*" + _SHARE_TARGETS + r"){1,8}"
    ),
    # Sign up for our Markets newsletter ... / Subscribe to our newsletter ...: one
    # imperative line of at most 240 characters
    "newsletter": (r"(?=[^\n]{0,240}$)(?i:sign up|subscribe)\b[^\n]{0,120}?\b(?i:newsletters?)\b"
                   r"[^\n]{0,120}"),
    # Copyright 1987 The Example Ledger. All rights reserved. / © 2020 Outlet
    "copyright": (
        r"(?:Copyright|COPYRIGHT|©)" + _SP + r"*(?:©|\([cC]\))?" + _SP + r"*" + _YEAR
        + r"(?:" + _SP + r"*[-–]" + _SP + r"*" + _YEAR + r")?,?" + _SP + r"+"
        + r"(?:" + _NAMES + r"(?:,?" + _SP + r"+" + _NAMES + r")?)\.?"
        + r"(?:" + _SP + r"*(?i:all rights reserved)\.?)?"
    ),
}

# words that make a name part a picture credit ("AP Photo", "Frontier Images")
_PHOTO_WORD = r"(?i:photos?|photograph(?:s|y|er)?|pictures?|images?|handout)"
# picture agencies and wires that credit photos under their own name
_AGENCY = (r"(?i:Reuters|AP|AFP|EPA|EPA-EFE|Getty(?: Images)?|Xinhua|Kyodo|Yonhap|ANP|dpa|AAP|"
           r"Bloomberg|TASS|ITAR-TASS|Sputnik|Anadolu|KCNA|Shutterstock|Alamy|PA|UPI|"
           r"Associated Press|Agence France-Presse|Press Association)")
# a picture source named by its own words ("AP Photo", "Wire Photo Service", "Getty Images")
_SOURCE_BY_WORD = re.compile(r"(?:(?:" + _NAMES + _SP + r")?" + _PHOTO_WORD
                             + r"(?:" + _SP + r"(?:Service|Agency|Desk|Library|Staff))?"
                             + r"|(?:Press" + _SP + r")?Pool)")
_AGENCY_RE = re.compile(_AGENCY)
_PERSON_RE = re.compile(_PERSON)
_NAMES_RE = re.compile(_NAMES)
# (Photo: Jane Doe), (Picture by Jane Doe/Reuters), (Credit: ...), (Courtesy of NASA),
# (Handout Photo from Armenian Foreign Ministry)
_LABELLED = re.compile(
    r"(?:(?i:(?:(?:handout|file|pool|staff)" + _SP + r")?(?:photo|picture|image)s?(?:" + _SP
    + r"credit)?)" + _SP + r"*(?::|(?i:by|from))"
    r"|(?i:photographed by|credit:)|(?i:(?:photo" + _SP + r")?courtesy(?: of)?))" + _SP + r"*"
    + _NAMES + r"(?:" + _SP + r"*(?:/|,|via|for|and)" + _SP + r"*" + _NAMES + r"){0,3}"
)
# (Handout via Reuters), (Saudi Press Agency via Reuters), (file photo); also as a part of
# a slash credit: (Foreign Ministry of Armenia/Handout via Reuters)
_VIA = re.compile(r"(?:(?i:handout|file|pool)(?:" + _SP + r"(?i:photo))?|" + _NAMES + r")"
                  + _SP + r"+via" + _SP + r"+" + _AGENCY + r"|(?i:file|pool|handout)" + _SP
                  + r"+(?i:photo)|(?i:handout)")
# what makes a sentence a caption: a picture word, or the date captions end with
_CAPTION_CUE = re.compile(
    r"(?i:\b(?:photo|photos|photograph|picture|pictures|pictured|handout)\b)"
    r"|(?:\b[A-Z][a-z]{2,8}\.?" + _SP + r"\d{1,2}," + _SP + r"\d{4}|\b\d{1,2}" + _SP
    + r"[A-Z][a-z]{2,8}" + _SP + r"\d{4})[.!?]['’\"”]?$"
)
_REPORTED_SPEECH = re.compile(r"\b(?:said|says|told)\b")


def is_photo_credit(credit: str, caption: str) -> bool:
    """Whether ``(credit)`` after ``caption`` is a picture credit, not a prose aside.

    A credit is made only of names: a labelled credit (``Photo: Jane Doe``), a
    picture source (``Press Pool Photo``, ``Getty Images``, ``Handout via
    Reuters``), or names joined by ``/`` of which one is a picture source and
    another a person or agency (``AP Photo/Jane Doe``, ``Jane Doe/Reuters``).
    Names alone (``Meridian Wire/Desmond Clarke``, or an agency alone: ``Reuters``)
    count only after a sentence that reads like a caption: a picture word or a
    closing date, and no reported speech.

    >>> is_photo_credit("Reuters/Jane Doe", "A man walks past a bank.")
    True
    >>> is_photo_credit("Credit Suisse estimates", "Profits will rise, analysts said.")
    False
    >>> is_photo_credit("Apple Computer Inc, Pool Energy", "Shares of five companies rose.")
    False
    """
    credit = credit.strip()
    if _LABELLED.fullmatch(credit) or _VIA.fullmatch(credit) or _SOURCE_BY_WORD.fullmatch(credit):
        return True
    parts = [p.strip() for p in credit.split("/")]
    if not all(_NAMES_RE.fullmatch(p) or _VIA.fullmatch(p) or _SOURCE_BY_WORD.fullmatch(p) for p in parts):
        return False
    sources = [p for p in parts
               if _SOURCE_BY_WORD.fullmatch(p) or _AGENCY_RE.fullmatch(p) or _VIA.fullmatch(p)]
    people = [p for p in parts if _PERSON_RE.fullmatch(p) and p not in sources]
    if len(parts) >= 2 and sources and (people or len(sources) >= 2):
        return True
    if not _CAPTION_CUE.search(caption) or _REPORTED_SPEECH.search(caption):
        return False
    return bool(people) if len(parts) >= 2 else bool(sources)


_CHECKS = {"photo_caption": lambda match: is_photo_credit(match["credit"], match["caption"])}

# Every default rule is anchored: a paragraph it matches either ends in ")"
# (trailers, captions) or starts with one of these, and never holds a line
# break. This necessary condition lets almost every body paragraph skip the
# rules; it never changes a decision (tests/test_boilerplate_prefilter.py
# proves it against the rules themselves).
_DEFAULT_PREFIX = re.compile(
    r"(?i:read more|sign up|subscribe|share)|Watch all videos at|Copyright|COPYRIGHT|©|"
    + _SHARE_TARGETS
)

_URL_RE = re.compile(r"https?://\S+")
_TRACKING_PARAMS = re.compile(r"^(?:utm_[a-z_]+|fbclid|gclid|mc_cid|mc_eid|igshid)$", re.I)


def clean_url(url: str) -> str:
    """Drop tracking parameters (``fbclid``, ``utm_*``, ...) from a URL.

    >>> clean_url("https://x.com/a/?fbclid=Iw123&utm_source=fb&id=7")
    'https://x.com/a/?id=7'
    """
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _TRACKING_PARAMS.match(k)]
    return urlunsplit(parts._replace(query=urlencode(query)))


class StripBoilerplate(RecordStep):
    """Remove boilerplate paragraphs by named rules; extract the video URL into ``url``."""

    name = "strip_boilerplate"

    @dataclass(frozen=True)
    class Params:
        rules: tuple[str, ...] = tuple(DEFAULT_RULES)
        extra_rules: tuple[tuple[str, str], ...] = ()

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        if "rules" in table:
            unknown = [r for r in table["rules"] if r not in DEFAULT_RULES]
            if unknown:
                raise ValueError(f"unknown rule {unknown[0]!r} (known: {', '.join(DEFAULT_RULES)})")
            table["rules"] = tuple(table["rules"])
        if "extra_rules" in table:
            extra = table["extra_rules"]
            if not isinstance(extra, dict):
                raise ValueError("extra_rules must be a table of name = regex")
            for name, pattern in extra.items():
                try:
                    re.compile(pattern)
                except re.error as exc:
                    raise ValueError(f"extra rule {name!r}: bad regex ({exc})") from None
            table["extra_rules"] = tuple(sorted(extra.items()))
        return table

    def config(self) -> dict:
        return {"step": self.name, "rules": list(self.params.rules),
                "extra_rules": dict(self.params.extra_rules)}

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self._rules = [(name, re.compile(DEFAULT_RULES[name])) for name in self.params.rules]
        self._extra = [(name, re.compile(pattern, re.S)) for name, pattern in self.params.extra_rules]

    def _rule_for(self, paragraph: str) -> str | None:
        if "\n" not in paragraph and (paragraph.endswith(")") or paragraph.endswith(").")
                                      or _DEFAULT_PREFIX.match(paragraph)):
            found = self._match(self._rules, paragraph)
            if found:
                return found
        return self._match(self._extra, paragraph)  # no default rule can match otherwise

    def _rule_for_unfiltered(self, paragraph: str) -> str | None:
        """The same decision without the prefilter (the reference for tests)."""
        return self._match(self._rules, paragraph) or self._match(self._extra, paragraph)

    @staticmethod
    def _match(rules, paragraph: str) -> str | None:
        for name, pattern in rules:
            match = pattern.fullmatch(paragraph)
            if match and (name not in _CHECKS or _CHECKS[name](match)):
                return name
        return None

    def apply(self, record: Record) -> Record:
        text = record.get("text") or ""
        paragraphs = text.split("\n\n")
        kept: list[str] = []
        kept_chars = 0  # len("\n\n".join(kept)): where the next paragraph starts, less its separator
        edits: list[dict] = []
        url = record.get("url")
        skip_next_url = False
        for index, paragraph in enumerate(paragraphs):
            stripped = paragraph.strip()
            more = index < len(paragraphs) - 1
            if skip_next_url and _URL_RE.fullmatch(stripped):
                url = url or clean_url(stripped)
                edits.append(edit(self.name, "text", "remove:watch_videos", stripped,
                                  fixes=_removal(kept_chars, bool(kept), paragraph, more)))
                skip_next_url = False
                continue
            skip_next_url = False
            rule = self._rule_for(stripped)
            if rule is None:
                kept_chars += len(paragraph) + (2 if kept else 0)
                kept.append(paragraph)
                continue
            edits.append(edit(self.name, "text", f"remove:{rule}", stripped,
                              fixes=_removal(kept_chars, bool(kept), paragraph, more)))
            if rule == "watch_videos":
                found = _URL_RE.search(stripped)
                if found:
                    url = url or clean_url(found.group())
                else:
                    skip_next_url = True
        if not edits:
            return record
        if url != record.get("url"):  # taken from a removed paragraph: an edit of its own
            edits.append(edit(self.name, "url", "from_removed_text", url, fixes=[fix(0, 0, url)]))
        return with_changes(record, self.name, edits, text="\n\n".join(kept), url=url)


def _removal(kept_chars: int, any_kept: bool, paragraph: str, more: bool) -> list[dict]:
    """The fix removing ``paragraph`` from the text as it is when its removal is replayed.

    That text is the paragraphs kept so far (``kept_chars`` long), this one and
    the rest, joined by blank lines: the paragraph goes with the separator after
    it, or, when it is the last, with the one before it.
    """
    start = kept_chars + (2 if any_kept else 0)
    if more:
        return [fix(start, start + len(paragraph) + 2, "")]
    if any_kept:
        return [fix(start - 2, start + len(paragraph), "")]
    return [fix(0, len(paragraph), "")]
