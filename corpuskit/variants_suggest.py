"""Discover likely spelling variants of frequent names in a corpus.

A *suggestion* pairs a rare capitalised token (``Juen``, ``Canadaian``,
``Nagorny``) with a frequent one it is probably a misspelling or
transliteration of (``June``, ``Canadian``, ``Nagorno``). Real news is full of
distinct names one letter apart (``Marc``/``March``, ``Regan``/``Reagan``,
``Iraq``/``Iran``, ``Banco do Brasil``/``Brazil``), so a pair is ranked by the
evidence that the two spellings name the same thing:

* **rarity**: the variant is at least ``ratio`` times rarer than the canonical
  form (a typo is rare; two names are both used);
* **the same neighbours**: the words right next to the variant are words seen
  right next to the canonical form, on the same side (``Juen 30`` / ``June 30``,
  ``Nagorny Karabakh`` / ``Nagorno Karabakh``), and the words around it are
  words seen around the canonical form, weighted by how rare they are;
* **a typical typo or transliteration**: a doubled or dropped letter, two
  neighbouring letters swapped, an extra or wrong letter next to it on the
  keyboard, or a vowel or transliteration change (``y``/``o``, ``ph``/``f``)
  inside the word. A different last letter or an extra ending (``Paul``/``Paulo``,
  ``Gull``/``Gulf``) is how different names differ, so it counts for little.

Pairs are dropped when the variant is a common word (its lowercase form is
frequent, ``Grass``/``Glass``), when one is the other plus an ending
(``German``/``Germans``), when they differ only in case (the lexicon matches
any case), and when the variant is used often with neighbours of its own (an
independent name). The canonical form may be a common word (``Commmission``). The printed
table always loads as a ``[variants]`` lexicon: no chains, no name listed as
its own variant.

>>> texts = ["The Nagorno-Karabakh region and Nagorno Karabakh again.",
...          "Fighting in Nagorno Karabakh spread.", "Nagorno Karabakh is at war.",
...          "Nargono Karabakh is in the Caucasus."]
>>> [(s.variant, s.canonical) for s in suggest_variants(texts, min_count=2)]
[('Nargono', 'Nagorno')]
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

_TOKEN_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_WORD_RE = re.compile(r"\w+(?:['’]\w+)?")
_SUFFIXES = ("s", "es", "'s", "’s", "n", "an", "ian", "ians", "ans", "ese", "y", "ern", "ed",
             "er", "ers", "ing", "ist", "ists", "ism", "i", "is", "a")
_STOP = frozenset(
    "a an and are as at be by for from has have he her his in is it its of on or said "
    "that the their they this to was were which will with who not but after over".split()
)
_VOWELS = set("aeiouyäöüåéèêëáàâíìîïóòôõúùûý")
# keys next to each other on a QWERTY keyboard
_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_NEAR_KEYS: dict[str, set[str]] = defaultdict(set)
for _r, _row in enumerate(_ROWS):
    for _c, _ch in enumerate(_row):
        for _dr in (-1, 0, 1):
            if 0 <= _r + _dr < len(_ROWS):
                for _dc in (-1, 0, 1):
                    other = _ROWS[_r + _dr]
                    if 0 <= _c + _dc < len(other) and other[_c + _dc] != _ch:
                        _NEAR_KEYS[_ch].add(other[_c + _dc])
# letter groups that transliterations swap (Nagorny/Nagorno, Poehl/Pöhl, Tchaikovsky/Chaikovsky)
_TRANSLIT = [("ph", "f"), ("ks", "x"), ("ou", "u"), ("oe", "ö"), ("ue", "ü"), ("ae", "ä"),
             ("sch", "sh"), ("tch", "ch"), ("j", "y"), ("k", "c"), ("w", "v"), ("i", "y"),
             ("dj", "j"), ("kh", "h"), ("zh", "j"), ("ie", "i"), ("ee", "i"), ("oo", "u"),
             ("dh", "d"), ("dh", "dd"), ("q", "k"), ("sh", "ch"), ("tz", "ts"), ("gh", "g")]


@dataclass
class Suggestion:
    """One likely variant of a canonical name, with the evidence."""

    variant: str
    canonical: str
    variant_count: int
    canonical_count: int
    distance: int
    shared_context: float
    score: float
    edit: str = ""
    neighbours: float = 0.0
    examples: list[str] = field(default_factory=list)


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment distance (adjacent transpositions cost 1).

    >>> edit_distance("Nagorny", "Nagorno"), edit_distance("Nargono", "Nagorno")
    (1, 2)
    >>> edit_distance("Volcker", "Volkcer")
    1
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def typo_kind(variant: str, canonical: str) -> tuple[str, float]:
    """The kind of edit that turns ``canonical`` into ``variant``, and how typical a typo it is.

    >>> typo_kind("Commmission", "Commission"), typo_kind("Toyko", "Tokyo")
    (('doubled', 1.0), ('swapped', 1.0))
    >>> typo_kind("Corfp", "Corp"), typo_kind("Marc", "March")
    (('near key', 0.9), ('ending', 0.15))
    """
    v, c = variant.lower(), canonical.lower()
    for a, b in _TRANSLIT:
        for x, y in ((a, b), (b, a)):
            start = 0
            while (i := c.find(x, start)) != -1:
                if c[:i] + y + c[i + len(x):] == v:
                    return "transliteration", 0.8
                start = i + 1
    prefix = 0
    while prefix < min(len(v), len(c)) and v[prefix] == c[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(v), len(c)) - prefix and v[-1 - suffix] == c[-1 - suffix]:
        suffix += 1
    dv, dc = v[prefix:len(v) - suffix], c[prefix:len(c) - suffix]
    at_end = suffix == 0  # the words differ in their last letter: how names differ
    if len(dv) == 2 and len(dc) == 2 and dv == dc[::-1]:
        return "swapped", 1.0
    if (len(dv), len(dc)) in ((1, 0), (0, 1)):
        letter = dv or dc
        longer = v if dv else c
        if longer[prefix - 1:prefix] == letter or longer[prefix + 1:prefix + 2] == letter:
            return "doubled", 1.0
        if at_end:
            return "ending", 0.15
        around = {longer[prefix - 1:prefix], longer[prefix + 1:prefix + 2]} - {""}
        if any(letter in _NEAR_KEYS[ch] for ch in around):
            return "near key", 0.9
        return "extra letter" if dv else "dropped letter", 0.7
    if len(dv) == 1 and len(dc) == 1:
        if at_end:
            return "ending", 0.15
        if dv in _NEAR_KEYS[dc]:
            return "near key", 0.8
        if dv in _VOWELS and dc in _VOWELS:
            return "vowel", 0.7
        return "letter", 0.3
    if sorted(dv) == sorted(dc):
        return "letters moved", 0.7 if not at_end else 0.15
    if edit_distance(dv, dc, 2) <= 2 and all(ch in _VOWELS for ch in set(dv) ^ set(dc)):
        return "vowels", 0.5 if not at_end else 0.05
    return "other", 0.2 if not at_end else 0.05


def _is_inflection(short: str, long: str) -> bool:
    """One word is the other plus a suffix or a longer word, or both are one stem
    with different suffixes (``German``/``Germany``/``Germans``, ``Sumito``/``Sumitomo``)."""
    a, b = short.lower(), long.lower()
    if b.startswith(a):
        rest = b[len(a):]
        return rest in _SUFFIXES or len(rest) >= 2
    stem = 0
    while stem < min(len(a), len(b)) and a[stem] == b[stem]:
        stem += 1
    return a[stem:] in _SUFFIXES and b[stem:] in _SUFFIXES


@dataclass
class _Usage:
    """How one capitalised token is used: counts, neighbours on each side, words around it."""

    count: int = 0
    left: Counter = field(default_factory=Counter)
    right: Counter = field(default_factory=Counter)
    around: Counter = field(default_factory=Counter)
    occurrences: list[tuple[str, str]] = field(default_factory=list)
    snippets: list[str] = field(default_factory=list)


def _read(texts: Iterable[str], examples: int) -> tuple[dict[str, _Usage], Counter, Counter]:
    usage: dict[str, _Usage] = defaultdict(_Usage)
    lower: Counter = Counter()
    words: Counter = Counter()
    for text in texts:
        tokens = list(_WORD_RE.finditer(text))
        lowered = [t.group().lower() for t in tokens]
        words.update(lowered)
        for index, match in enumerate(tokens):
            token = match.group()
            if not _TOKEN_RE.fullmatch(token):
                continue
            if token.endswith(("'s", "’s")):
                token = token[:-2]  # possessive: count the name itself
            if not token[0].isupper():
                lower[token] += 1
                continue
            if token.isupper() and len(token) > 1:
                continue  # acronyms and headlines in capitals
            item = usage[token]
            item.count += 1
            left = _neighbour(text, tokens, lowered, index, -1)
            right = _neighbour(text, tokens, lowered, index, 1)
            item.left[left] += 1
            item.right[right] += 1
            item.occurrences.append((left, right))
            window = lowered[max(0, index - 6):index] + lowered[index + 1:index + 7]
            item.around.update(w for w in window if w not in _STOP and len(w) > 2)
            if len(item.snippets) < examples:
                item.snippets.append(" ".join(text[max(0, match.start() - 40):match.end() + 40].split()))
    return usage, lower, words


def _neighbour(text: str, tokens: list, lowered: list[str], index: int, step: int) -> str:
    """The adjacent word on one side, or "" when a sentence or clause boundary is in between."""
    other = index + step
    if not 0 <= other < len(tokens):
        return ""
    a, b = (tokens[other], tokens[index]) if step < 0 else (tokens[index], tokens[other])
    between = text[a.end():b.start()]
    if any(ch in between for ch in ".;:!?()\n"):
        return ""
    return lowered[other]


def _neighbour_support(variant: _Usage, canonical: _Usage) -> float:
    """Share of the variant's uses whose next word, on either side, is also next to the canonical.

    A shared function word (``the``, ``of``) counts a quarter, and not at all when
    the other side holds a content word never seen there (``Donald Regan`` is not
    ``Donald Reagan``'s neighbourhood just because ``and`` follows both).
    """
    total = 0.0
    for left, right in variant.occurrences:
        best = 0.0
        unmatched_content = False
        for word, seen in ((left, canonical.left), (right, canonical.right)):
            if word and seen[word]:
                best = max(best, 0.25 if word in _STOP else 1.0)
            elif word and word not in _STOP and not word.isdigit():
                unmatched_content = True  # a number is no evidence against (Juen 31 / June 30)
        total += 0.0 if best < 1.0 and unmatched_content else best
    return total / len(variant.occurrences) if variant.occurrences else 0.0


def _context_overlap(variant: _Usage, canonical: _Usage, words: Counter, n_words: int) -> float:
    """Rare-word-weighted share of the words around the variant also seen around the canonical."""
    weight = {w: math.log(n_words / words[w]) for w in variant.around}
    total = sum(weight.values())
    if not total:
        return 0.0
    return sum(v for w, v in weight.items() if canonical.around[w]) / total


def suggest_variants(texts: Iterable[str], *, known: dict[str, Iterable[str]] | None = None,
                     min_count: int = 3, ratio: float = 4.0, min_length: int = 4,
                     top: int = 20, examples: int = 2) -> list[Suggestion]:
    """Rank likely variants of frequent names in ``texts``; see the module docstring.

    ``known`` is a lexicon (canonical -> variants): names it already lists are
    not suggested again, and no suggestion would make a chain with it.
    """
    from corpuskit.steps.variants import _key

    usage, lower, words = _read(texts, examples)
    n_words = sum(words.values()) or 1
    known_canonicals = {_key(c) for c in (known or {})}
    known_variants = {_key(v) for variants in (known or {}).values() for v in variants}
    known_keys = known_canonicals | known_variants

    def is_name(token: str) -> bool:
        return lower[token.lower()] * 4 <= usage[token].count

    frequent = [t for t, u in usage.items() if u.count >= min_count and len(t) >= min_length]
    by_length: dict[int, list[str]] = defaultdict(list)
    for token in frequent:
        by_length[len(token)].append(token)
    found: dict[str, Suggestion] = {}
    for variant, vuse in usage.items():
        if len(variant) < min_length or not is_name(variant) or _key(variant) in known_keys:
            continue
        for length in range(len(variant) - 2, len(variant) + 3):
            for canonical in by_length.get(length, ()):
                suggestion = _evaluate(variant, vuse, canonical, usage[canonical], ratio, words, n_words)
                if suggestion is None:
                    continue
                best = found.get(variant)
                if best is None or suggestion.score > best.score:
                    found[variant] = suggestion
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.canonical, s.variant))
    loadable = _loadable(ranked, known_variants)
    return loadable[:top] if top else loadable


def _evaluate(variant: str, vuse: _Usage, canonical: str, cuse: _Usage, ratio: float,
              words: Counter, n_words: int) -> Suggestion | None:
    """The suggestion ``variant -> canonical`` with its score, or None when the evidence says no."""
    if canonical == variant or cuse.count < ratio * vuse.count:
        return None
    if canonical[0].lower() != variant[0].lower() or canonical.lower() == variant.lower():
        return None  # misspellings keep the first letter; case alone is matched anyway
    short, long = sorted((variant, canonical), key=len)
    if _is_inflection(short, long):
        return None
    limit = 2 if min(len(variant), len(canonical)) >= 6 else 1
    distance = edit_distance(variant, canonical, limit)
    if distance > limit:
        return None
    kind, typical = typo_kind(variant, canonical)
    neighbours = _neighbour_support(vuse, cuse)
    overlap = _context_overlap(vuse, cuse, words, n_words)
    if neighbours < 0.5 and vuse.count >= 3:
        return None  # used often, with neighbours of its own: an independent name
    if neighbours == 0 and overlap < 0.3:
        return None
    score = (typical * (0.1 + neighbours) * (0.2 + overlap)
             * math.log(cuse.count / vuse.count) / distance)
    if score < 0.05:
        return None
    return Suggestion(variant, canonical, vuse.count, cuse.count, distance, round(overlap, 2),
                      round(score, 3), kind, round(neighbours, 2), list(vuse.snippets))


def _loadable(ranked: list[Suggestion], known_variants: set[str]) -> list[Suggestion]:
    """Keep the suggestions that make one valid lexicon, best first: no chains (also with the
    known lexicon's variants), no name listed as its own variant."""
    from corpuskit.steps.variants import _key

    canonicals: dict[str, str] = {}  # key -> the canonical spelling used for it
    variants: set[str] = set()
    kept = []
    for item in ranked:
        vkey, ckey = _key(item.variant), _key(item.canonical)
        if vkey in canonicals or ckey in variants or vkey in variants or vkey == ckey \
                or ckey in known_variants or canonicals.get(ckey, item.canonical) != item.canonical:
            continue
        canonicals[ckey] = item.canonical
        variants.add(vkey)
        kept.append(item)
    return kept


def format_toml(suggestions: list[Suggestion], known: dict[str, Iterable[str]] | None = None) -> str:
    """Suggestions as a ``[variants]`` table, with counts and context as comments.

    The table loads on its own; a canonical that ``known`` already lists is marked,
    since its new variants belong in that existing entry.
    """
    from corpuskit.steps.variants import _key

    existing = {_key(c): c for c in (known or {})}
    lines = ["# likely spelling variants, most likely first; check each before pasting",
             "[variants]"]
    if not suggestions:
        lines.append("# (no likely variants found)")
        return "\n".join(lines) + "\n"
    groups: dict[str, list[Suggestion]] = {}
    for item in suggestions:
        groups.setdefault(item.canonical, []).append(item)
    for canonical, items in groups.items():
        if _key(canonical) in existing:
            lines.append(f"# {existing[_key(canonical)]!r} is already in your lexicon: "
                         "add these variants to its list there")
        for item in items:
            lines.append(f"# {item.variant} x{item.variant_count} -> {canonical} "
                         f"x{item.canonical_count} ({item.edit}, same neighbours "
                         f"{item.neighbours:.0%}, shared context {item.shared_context:.0%}, "
                         f"score {item.score})")
            for example in item.examples:
                lines.append(f"#     …{example}…")
        variants = ", ".join(_toml_string(i.variant) for i in items)
        lines.append(f"{_toml_string(canonical)} = [{variants}]")
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["Suggestion", "edit_distance", "format_toml", "suggest_variants", "typo_kind"]
