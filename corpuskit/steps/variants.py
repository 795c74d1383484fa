"""``normalize_variants``: rewrite known spelling variants of names to the canonical form.

The lexicon maps each canonical spelling to its variants, and the step does
exactly what it says: every occurrence of a listed variant becomes the
canonical spelling as written there, and nothing else changes.

* Whole words only: a variant never matches inside a longer word or identifier
  (``Ebber`` leaves ``Ebbers``, ``Volker`` leaves ``Volker2``); a possessive
  ``'s`` after it is kept. Nothing is matched fuzzily.
* Punctuation inside a variant is matched as written, up to typography: a space
  or a hyphen between words matches a space, a line break or any hyphen
  (``Nagorny Karabakh`` also finds ``Nagorny-Karabakh``), an apostrophe matches
  ``'``, ``’`` or ``ʼ``, and a dot is a dot. So a variant that differs from its
  canonical only by a hyphen, a space or an apostrophe is replaced like any
  other (``"Kilroy-Silk" = ["Kilroy Silk"]``), and the canonical itself, in any
  typography, is left alone.
* Case: a variant is found in any case; the canonical is written as listed,
  or in capitals / lower case when the match is in capitals / lower case and
  the variant is not listed that way (``VOLKER`` becomes ``VOLCKER``).

:func:`validate_lexicon` refuses a lexicon that cannot be applied exactly (an
empty canonical, a variant without a letter, a variant equal to its canonical,
one variant under two canonicals, chains), with one line naming the key.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from corpuskit.errors import ConfigError
from corpuskit.fixes import apply, between, fix, in_order
from corpuskit.records import edit
from corpuskit.steps.base import FieldStep

_APOSTROPHES = "'’ʼ"
_HYPHENS = "‐‑-"  # hyphen-minus last: literal in a character class
# between two words of a name: spaces and hyphens, or one line break (wrapped text)
_SEPARATOR = rf"(?:[^\S\n]*\n[^\S\n]*|(?:[^\S\n]|[{_HYPHENS}])+)"
_SPLIT = re.compile(rf"[\s{_HYPHENS}]+")
_HAS_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=4096)
def _shape(text: str) -> str:
    """The spelling up to case and typography: what the lexicon compares exactly (memoised:
    every match is shaped several times, and the matches of a lexicon are few distinct strings)."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = re.sub(f"[{_APOSTROPHES}]", "'", text)
    text = re.sub(f"[{_HYPHENS}]", "-", text)
    return re.sub(r"\s+", " ", text).strip()


@lru_cache(maxsize=4096)
def _key(text: str) -> str:
    """The spelling up to case, typography and the choice of space or hyphen: what matches."""
    return " ".join(w for w in _SPLIT.split(_shape(text)) if w)


def validate_lexicon(table: dict, where: str = "") -> dict[str, tuple[str, ...]]:
    """Check a ``[variants]`` table and return it normalised (NFC, tuples).

    ``where`` (e.g. ``" in corpuskit.toml"``) is added to error messages.
    """
    if not isinstance(table, dict):
        raise ConfigError(f"[variants]{where} must be a table of canonical = [variants]")
    lexicon: dict[str, tuple[str, ...]] = {}
    owner: dict[str, str] = {}  # variant key -> canonical
    canonical_keys: dict[str, str] = {}
    for raw_canonical, variants in table.items():
        label = f"[variants] {raw_canonical!r}{where}"
        if isinstance(variants, str) or not isinstance(variants, list) or not all(
            isinstance(v, str) for v in variants
        ):
            raise ConfigError(f"{label} must be a list of strings, e.g. {raw_canonical!r} = [\"variant\"]")
        canonical = " ".join(unicodedata.normalize("NFC", raw_canonical).split())
        if not canonical:
            raise ConfigError(f"{label}: the canonical spelling is empty; write the name "
                              f"its variants should become")
        if not _HAS_LETTER.search(canonical):
            raise ConfigError(f"{label}: the canonical spelling has no letter; it must be a name")
        key = _key(canonical)
        if key in canonical_keys:
            raise ConfigError(f"{label}: spells the same name as canonical {canonical_keys[key]!r}; "
                              f"keep one of them")
        canonical_keys[key] = canonical
        items: list[str] = []
        for raw in variants:
            variant = " ".join(unicodedata.normalize("NFC", raw).split())
            if not _HAS_LETTER.search(variant):
                raise ConfigError(f"{label}: variant {raw!r} has no letter; a variant must be a "
                                  f"spelling of the name")
            if _shape(variant) == _shape(canonical):
                raise ConfigError(f"{label}: variant {raw!r} is the canonical spelling itself "
                                  f"(matching ignores case); remove it")
            vkey = _key(variant)
            if owner.get(vkey, canonical) != canonical:
                raise ConfigError(f"{label}: variant {raw!r} is listed under both {owner[vkey]!r} "
                                  f"and {canonical!r}; a variant can have one canonical spelling")
            owner[vkey] = canonical
            if variant not in items:
                items.append(variant)
        lexicon[canonical] = tuple(items)
    for vkey, canonical in owner.items():
        other = canonical_keys.get(vkey)
        if other is not None and other != canonical:
            raise ConfigError(
                f"[variants] {other!r}{where}: {other!r} is both a canonical form and a variant "
                f"of {canonical!r} (a chain); list its variants under {canonical!r} instead")
    return lexicon


def _form_pattern(form: str) -> str:
    """A regex for ``form`` written as listed, up to typography (see the module docstring)."""
    out = []
    for word_index, word in enumerate(w for w in _SPLIT.split(form) if w):
        if word_index:
            out.append(_SEPARATOR)
        out.append("".join(f"[{_APOSTROPHES}]" if ch in _APOSTROPHES else re.escape(ch) for ch in word))
    return "".join(out)


#: What a text's lower case needs to show an ASCII letter the way every case-insensitive match
#: of it looks: the regex also matches ``i`` with the dotless ``ı`` and ``s`` with the long ``ſ``
#: (:mod:`re`'s extra cases), whose lower cases are themselves. (The Kelvin sign's lower case is
#: ``k``, and the dotted ``İ``'s is two characters: a text with it is matched without places.)
_FOLD = str.maketrans({"\u0131": "i", "\u017f": "s"})
_ASCII_LETTERS = re.compile("[a-zA-Z]+")


def _start_words(forms: Sequence[str]) -> tuple[str, ...] | None:
    """The lower-cased leading ASCII letters of each form: wherever a form matches, the
    lower-cased text, folded by :data:`_FOLD`, has them (None when a form does not begin with
    an ASCII letter: then every place is tried). A word that begins with another is left out
    (the other's places include its places).

    >>> _start_words(["Nagorno", "Caucasus", "\u00c9lys\u00e9e"])
    >>> _start_words(["Nagorno", "Nagorny", "Tsipras", "Caucasus", "K-pop", "Kilroy"])
    ('caucasus', 'k', 'nagorno', 'nagorny', 'tsipras')
    """
    starts = set()
    for form in forms:
        head = _ASCII_LETTERS.match(form)
        if not head:
            return None
        starts.add(head.group().lower())
    return tuple(sorted(w for w in starts if not any(w != v and w.startswith(v) for v in starts)))


def _carry_case(matched: str, canonical: str, variant: str) -> str:
    """The canonical, in capitals or lower case when ``matched`` is and ``variant`` is not."""
    if _shape(matched) != _shape(variant) or matched == variant:
        return canonical
    if matched == matched.upper() and matched != matched.lower() and variant != variant.upper():
        return canonical.upper()
    if matched == matched.lower() and variant != variant.lower():
        return canonical.lower()
    return canonical


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

    def __init__(self, lexicon: "Mapping[str, Sequence[str]] | None" = None, *, params=None, **kwargs):
        """``NormalizeVariants({"Nagorno": ["Nargono", "Nagorny"]})``: canonical -> variants,
        validated like ``[variants]`` (also accepted as ``lexicon=`` pairs)."""
        if lexicon is not None:
            kwargs["lexicon"] = lexicon
        if "lexicon" in kwargs and not isinstance(kwargs["lexicon"], Mapping):
            kwargs["lexicon"] = dict(kwargs["lexicon"])  # the Params form: (canonical, variants) pairs
        super().__init__(params, **kwargs)
        # key -> (canonical, the listed variants with that key: none when only the canonical has it)
        self._lookup: dict[str, tuple[str, list[str]]] = {}
        forms: list[str] = []
        for canonical, variants in self.params.lexicon:
            self._lookup.setdefault(_key(canonical), (canonical, []))
            forms.append(canonical)  # matched too, so no variant is found inside it
            for variant in variants:
                self._lookup.setdefault(_key(variant), (canonical, []))[1].append(variant)
                forms.append(variant)
        # canonicals as written: a match equal to one is left as it is (see ``replace``)
        self._as_written = frozenset(c for c, _ in self.params.lexicon if self._lookup[_key(c)][0] == c)
        self._pattern = None
        if any(variants for _, variants in self.params.lexicon):
            forms.sort(key=lambda f: (-len(f), f))  # the longest form wins where several start
            body = "|".join(_form_pattern(f) for f in forms)
            self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)
            self._starts = _start_words(forms)

    def rewrite(self, text: str) -> tuple[str, dict[tuple[str, str], int]]:
        """Rewrite ``text``; return it and counts per (variant, canonical)."""
        new_text, found, _ = self._replacements(text)
        return new_text, {pair: len(fixes) for pair, fixes in found.items()}

    def _replacements(self, text: str) -> tuple[str, dict[tuple[str, str], list[dict]], str]:
        """The rewritten text, the replacements per (variant, canonical) as fixes, and the text
        they apply to (``text`` in NFC when it was not, else ``text`` itself)."""
        if self._pattern is None or not text:
            return text, {}, text
        found: dict[tuple[str, str], list[dict]] = {}

        def replace(match: re.Match) -> str:
            matched = match.group()
            if matched in self._as_written:
                return matched  # the most common match, decided without shaping it
            entry = self._lookup.get(_key(matched))
            if entry is None:
                # the regex's case-insensitive matching also pairs i with the dotless ı and the
                # dotted İ: other letters (Turkish, Azerbaijani), not a spelling of the form
                return matched
            canonical, variants = entry
            if not variants or _shape(matched) == _shape(canonical):
                return matched  # the canonical spelling, in any case or typography
            variant = next((v for v in variants if _shape(v) == _shape(matched)), variants[0])
            new = _carry_case(matched, canonical, variant)
            found.setdefault((variant, canonical), []).append(fix(match.start(), match.end(), new))
            return new

        base = text
        if not unicodedata.is_normalized("NFC", text):
            # match on NFC but keep the text as it is wherever nothing matched
            base = unicodedata.normalize("NFC", text)
            if not self._pattern.search(base):
                return text, {}, text
        new_text = self._substitute(replace, base)
        return (new_text, found, base) if found else (text, {}, text)

    def _substitute(self, replace, text: str) -> str:
        """``self._pattern.sub(replace, text)``, trying the pattern only where a form can start.

        The regex, case-insensitive and behind a look-behind, costs a step at every character
        of the text; a lower-cased copy of the text shows the few places where some form's
        leading letters are (:func:`_start_words`), and the pattern is tried at those, in order,
        as ``sub`` tries every place. ``İ`` is the one character whose lower case is longer
        (places would shift): a text with it gets the plain ``sub``."""
        if self._starts is None or "\u0130" in text:
            return self._pattern.sub(replace, text)
        lowered = text.lower()
        if "\u0131" in lowered or "\u017f" in lowered:
            lowered = lowered.translate(_FOLD)
        places: set[int] = set()
        for start in self._starts:
            at = lowered.find(start)
            while at >= 0:
                places.add(at)
                at = lowered.find(start, at + 1)
        if not places:
            return text
        pieces: list[str] = []
        done = 0  # end of the last match: ``sub`` never matches inside one
        match_at = self._pattern.match
        for at in sorted(places):
            if at < done:
                continue
            match = match_at(text, at)
            if match:
                pieces += (text[done:at], replace(match))
                done = match.end()
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)

    def counter_key(self, item: dict) -> str:
        return item["detail"]

    def edit_field(self, name: str, value: str) -> tuple[str, list[dict]]:
        """One edit per (variant, canonical), each with its replacements as fixes, in that order."""
        new, found, base = self._replacements(value)
        pairs = sorted(found)
        groups = in_order([found[pair] for pair in pairs])
        if groups and base != value:  # the text was put in NFC to match: the first edit does that too
            groups[0] = between(value, apply(base, groups[0]))
        return new, [edit(self.name, name, "replace", f"{variant} -> {canonical}", len(found[(variant, canonical)]),
                          fixes=group) for (variant, canonical), group in zip(pairs, groups)]
