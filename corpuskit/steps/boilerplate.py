"""``strip_boilerplate``: remove trailer, video, read-more and caption paragraphs.

Rules are data: each has a stable name and a regular expression that must match
a *whole paragraph*. They are conservative by design: a paragraph that merely
mentions Reuters or ends in parentheses stays; a caption is removed only when
its closing parenthesis holds a photo credit. Every removed paragraph is logged
in the record's provenance with the rule that removed it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from corpuskit.records import Record, edit, with_changes
from corpuskit.steps.base import RecordStep

_CREDIT_WORDS = (
    r"photo|photos|photograph|photographer|picture|pictures|handout|images?|pool|getty|"
    r"credit|courtesy|afp|epa|ap|reuters/|/reuters"
)
# "Agency/Photographer" or "Outlet/Staff/Name": two to four capitalised parts joined by "/"
_SLASH_CREDIT = r"[A-Z][\w.&'’ -]{0,40}(?:/[A-Z][\w.&'’ -]{0,40}){1,3}"
# what makes a sentence a caption: a caption word, or the date captions end with
_CAPTION_CUE = (
    r"(?i:\b(?:photo|picture|pictured|handout|file photo|is seen|are seen|poses?)\b)"
    r"|\b[A-Z][a-z]{2,4}\.? \d{1,2}, \d{4}[.!?]\s*\("
)
_CAPTION = r"[^()]{20,400}[.!?]"
_SHARE_TARGETS = r"(?:Facebook|Twitter|X|Email|E-mail|Print|WhatsApp|LinkedIn|Reddit|Pinterest|Telegram|Messenger|Copy link)"

#: name -> pattern matched against a whole, stripped paragraph (``re.fullmatch``).
DEFAULT_RULES: dict[str, str] = {
    # (Reporting by ...; Editing by ...) wire trailers, in parentheses only
    "reporting_trailer": (
        r"\((?:Reporting|Additional reporting|Writing|Editing|Compiled|Research|Fact-checking)"
        r"\s+by\s[^()]*\)\.?"
    ),
    # READ MORE: <headline of another story>
    "read_more": r"(?i:read more)\s*[:\-–—]\s*\S.{0,200}",
    # "Watch all videos at" (+ URL here or in the next paragraph, moved to ``url``)
    "watch_videos": r"Watch all videos at:?(?:\s+https?://\S+)?",
    # one caption sentence ending in a parenthesised credit that names a photo
    # source, or a slash credit (Agency/Photographer) after a caption cue
    "photo_caption": (
        _CAPTION + r"\s*\((?=[^()]*\b(?i:" + _CREDIT_WORDS + r"))[^()]{2,100}\)"
        r"|(?=[^()]*(?:" + _CAPTION_CUE + r"))" + _CAPTION + r"\s*\(" + _SLASH_CREDIT + r"\)"
    ),
    # Share this article: Facebook | Twitter | Email | Print
    "share_bar": (
        r"(?i:share(?: this)?(?: article| story| on)?)?\s*:?\s*"
        + _SHARE_TARGETS + r"(?:\s*[|•·,/]\s*" + _SHARE_TARGETS + r"){1,8}"
    ),
    # Sign up for our ... newsletter ... / Subscribe to our newsletter ...
    "newsletter": r"(?i:sign up|subscribe)\b[^\n]{0,120}\b(?i:newsletters?)\b[^\n]{0,120}",
    # Copyright 1987 Outlet. All rights reserved. / © 2020 Outlet
    "copyright": (
        r"(?:Copyright|COPYRIGHT|©)\s*(?:©\s*|\(c\)\s*)?(?:\d{4}(?:[-–]\d{4})?)\s[^\n]{0,120}?"
        r"(?:\.?\s*All rights reserved\.?)?"
    ),
}

# Every default rule is anchored: a paragraph it matches either ends in ")"
# (trailers, captions) or starts with one of these. This necessary condition
# lets almost every body paragraph skip the rules; it never changes a decision
# (tests/test_boilerplate_prefilter.py proves it against the rules themselves).
_DEFAULT_PREFIX = re.compile(
    r"\(|(?i:read more|sign up|subscribe|share)|Watch all videos at|Copyright|COPYRIGHT|©|:|"
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
        patterns = [(name, DEFAULT_RULES[name]) for name in self.params.rules]
        patterns += list(self.params.extra_rules)
        self._rules = [(name, re.compile(pattern, re.S)) for name, pattern in patterns]
        self._extra = [(name, re.compile(pattern, re.S)) for name, pattern in self.params.extra_rules]

    def _rule_for(self, paragraph: str) -> str | None:
        if paragraph.endswith(")") or _DEFAULT_PREFIX.match(paragraph):
            rules = self._rules
        else:
            rules = self._extra  # no default rule can match this paragraph
        for name, pattern in rules:
            if pattern.fullmatch(paragraph):
                return name
        return None

    def _rule_for_unfiltered(self, paragraph: str) -> str | None:
        """The same decision without the prefilter (the reference for tests)."""
        for name, pattern in self._rules:
            if pattern.fullmatch(paragraph):
                return name
        return None

    def apply(self, record: Record) -> Record:
        text = record.get("text") or ""
        paragraphs = text.split("\n\n")
        kept: list[str] = []
        edits: list[dict] = []
        url = record.get("url")
        skip_next_url = False
        for paragraph in paragraphs:
            stripped = paragraph.strip()
            if skip_next_url and _URL_RE.fullmatch(stripped):
                url = url or clean_url(stripped)
                edits.append(edit(self.name, "text", "remove:watch_videos", stripped))
                skip_next_url = False
                continue
            skip_next_url = False
            rule = self._rule_for(stripped)
            if rule is None:
                kept.append(paragraph)
                continue
            edits.append(edit(self.name, "text", f"remove:{rule}", stripped))
            if rule == "watch_videos":
                found = _URL_RE.search(stripped)
                if found:
                    url = url or clean_url(found.group())
                else:
                    skip_next_url = True
        if not edits:
            return record
        return with_changes(record, self.name, edits, text="\n\n".join(kept), url=url)
