"""``normalize_variants``: rewrite known spelling variants of names to the canonical form.

The lexicon maps each canonical spelling to its variants. Matching is exact and
whole-word: a variant never matches inside a longer word (``Ebber`` leaves
``Ebbers`` alone), a possessive ``'s`` is kept, multi-word entries match with a
space or a hyphen between words, and case is carried over (a variant in
capitals becomes the canonical in capitals). Nothing is matched fuzzily.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from corpuskit.errors import ConfigError
from corpuskit.records import edit
from corpuskit.steps.base import FieldStep

_WORD = r"\w"  # letters, digits and "_": a variant never matches inside an identifier


def validate_lexicon(table: dict) -> dict[str, tuple[str, ...]]:
    """Check a ``[variants]`` table and return it normalised (NFC, tuples)."""
    if not isinstance(table, dict):
        raise ConfigError("[variants] must be a table of canonical = [variants]")
    lexicon: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}
    for canonical, variants in table.items():
        if isinstance(variants, str) or not isinstance(variants, list) or not all(
            isinstance(v, str) and v.strip() for v in variants
        ):
            raise ConfigError(f"[variants] {canonical!r} must be a list of non-empty strings")
        canonical_n = unicodedata.normalize("NFC", canonical.strip())
        items = []
        for variant in variants:
            v = unicodedata.normalize("NFC", variant.strip())
            if v.casefold() == canonical_n.casefold():
                raise ConfigError(f"[variants] {canonical!r} lists itself as a variant")
            if v.casefold() in owner and owner[v.casefold()] != canonical_n:
                raise ConfigError(
                    f"[variants] {variant!r} is listed under both {owner[v.casefold()]!r} and {canonical!r}")
            owner[v.casefold()] = canonical_n
            items.append(v)
        lexicon[canonical_n] = tuple(items)
    for canonical in lexicon:
        if canonical.casefold() in owner:
            raise ConfigError(f"[variants] {canonical!r} is both a canonical form and a variant")
    return lexicon


def _separator_pattern(variant: str) -> str:
    words = re.split(r"[\s\-]+", variant)
    return r"[\s\-]+".join(re.escape(w) for w in words)


def _carry_case(matched: str, canonical: str, variant: str) -> str | None:
    """Canonical in the case style of ``matched``; None if the case is not a plain form."""
    if matched == variant or _same_words(matched, variant):
        out = canonical
    elif matched == matched.upper() and matched != matched.lower():
        out = canonical.upper()
    elif matched == matched.lower():
        out = canonical.lower()
    elif matched.title() == matched:
        out = canonical.title() if canonical == canonical.lower() else canonical
    else:
        return None
    seps = re.findall(r"[\s\-]+", matched)
    canon_words = re.split(r"[\s\-]+", out)
    if seps and len(seps) == len(canon_words) - 1:
        out = canon_words[0] + "".join(s + w for s, w in zip(seps, canon_words[1:]))
    return out


def _same_words(a: str, b: str) -> bool:
    return re.split(r"[\s\-]+", a) == re.split(r"[\s\-]+", b)


class NormalizeVariants(FieldStep):
    """Replace lexicon variants by their canonical spelling in the title and text."""

    name = "normalize_variants"

    @dataclass(frozen=True)
    class Params:
        lexicon: tuple[tuple[str, tuple[str, ...]], ...] = ()
        fields: tuple[str, ...] = ("title", "text")

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        if "lexicon" in table:
            lexicon = validate_lexicon(table["lexicon"])
        else:
            lexicon = context.variants
        table["lexicon"] = tuple(sorted(lexicon.items()))
        if "fields" in table:
            table["fields"] = tuple(table["fields"])
        return table

    def config(self) -> dict:
        # the lexicon itself is saved once, in [variants]
        return {"step": self.name, "fields": list(self.params.fields)}

    def __init__(self, params=None, **kwargs):
        super().__init__(params, **kwargs)
        self._lookup: dict[str, tuple[str, str]] = {}
        alternatives = []
        for canonical, variants in self.params.lexicon:
            for variant in variants:
                self._lookup[_key(variant)] = (canonical, variant)
                alternatives.append(variant)
        alternatives.sort(key=len, reverse=True)
        self._pattern = None
        if alternatives:
            body = "|".join(_separator_pattern(v) for v in alternatives)
            self._pattern = re.compile(rf"(?<!{_WORD})(?:{body})(?!{_WORD})", re.IGNORECASE)

    def rewrite(self, text: str) -> tuple[str, dict[tuple[str, str], int]]:
        """Rewrite ``text``; return it and counts per (variant, canonical)."""
        if self._pattern is None or not text:
            return text, {}
        counts: dict[tuple[str, str], int] = {}

        def replace(match: re.Match) -> str:
            matched = match.group()
            canonical, variant = self._lookup[_key(matched)]
            new = _carry_case(matched, canonical, variant)
            if new is None:
                return matched
            counts[(variant, canonical)] = counts.get((variant, canonical), 0) + 1
            return new

        if not unicodedata.is_normalized("NFC", text):
            # match on NFC but keep the text as it is wherever nothing matched
            nfc = unicodedata.normalize("NFC", text)
            if not self._pattern.search(nfc):
                return text, {}
            text = nfc
        return self._pattern.sub(replace, text), counts

    def counter_key(self, item: dict) -> str:
        return item["detail"]

    def edit_field(self, name: str, value: str) -> tuple[str, list[dict]]:
        new, counts = self.rewrite(value)
        return new, [edit(self.name, name, "replace", f"{variant} -> {canonical}", n)
                     for (variant, canonical), n in sorted(counts.items())]


def _key(text: str) -> str:
    return " ".join(re.split(r"[\s\-]+", unicodedata.normalize("NFC", text).casefold()))
