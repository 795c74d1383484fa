"""Discover likely spelling variants of frequent names in a corpus.

A *suggestion* pairs a rare capitalised token with a frequent one it could be a
misspelling of. To keep ordinary word pairs out, a pair must pass every test:

* both are capitalised tokens of at least ``min_length`` letters that are used as
  names: their lowercase form is rare in the corpus (``Share``/``share`` is not
  a name);
* the edit distance (with adjacent transpositions) is 1, or 2 for tokens of 6+
  letters; the two are not a word and its inflection (``German``/``Germany``,
  ``Sumito``/``Sumitomo``: one is not the other plus a suffix or a longer word);
* the canonical form is frequent (``min_count``) and at least ``ratio`` times
  as frequent as the variant;
* they start with the same letter (``Herman``/``German`` are two names);
* they share context: at least ``min_shared`` (per edit) of the words around
  the variant also occur around the canonical form (``Nagorny Karabakh`` /
  ``Nagorno Karabakh``).

Possessives count as the name (``Russia’s`` is ``Russia``).

Suggestions are ranked by a score that grows with the canonical's frequency and
the shared context, and shrinks with the edit distance.

>>> texts = ["The Nagorno-Karabakh region and Nagorno Karabakh again.",
...          "Fighting in Nagorno Karabakh spread.", "Nargono Karabakh is in the Caucasus."]
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
_SUFFIXES = ("s", "es", "'s", "’s", "n", "an", "ian", "ians", "ans", "ese", "y", "ern", "ed",
             "er", "ers", "ing", "ist", "ists", "ism", "i", "is", "a")
_STOP = frozenset(
    "a an and are as at be by for from has have he her his in is it its of on or said "
    "that the their they this to was were which will with who not but after over".split()
)


@dataclass
class Suggestion:
    """One likely variant of a canonical name, with evidence."""

    variant: str
    canonical: str
    variant_count: int
    canonical_count: int
    distance: int
    shared_context: float
    score: float
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


def suggest_variants(texts: Iterable[str], *, known: dict[str, Iterable[str]] | None = None,
                     min_count: int = 3, ratio: float = 2.0, min_length: int = 4,
                     min_shared: float = 0.1, top: int = 20, examples: int = 2) -> list[Suggestion]:
    """Rank likely variants of frequent names in ``texts``; see the module docstring.

    ``known`` is a lexicon (canonical -> variants): pairs it already covers are
    not suggested again.
    """
    upper: Counter = Counter()
    lower: Counter = Counter()
    contexts: dict[str, Counter] = defaultdict(Counter)
    snippets: dict[str, list[str]] = defaultdict(list)
    for text in texts:
        tokens = [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]
        words = [t[0].lower() for t in tokens]
        for index, (token, start, end) in enumerate(tokens):
            if token.endswith(("'s", "’s")):
                token = token[:-2]  # possessive: count the name itself
            if not token[0].isupper():
                lower[token] += 1
                continue
            if token.isupper() and len(token) > 1:
                continue  # acronyms and headlines in capitals
            upper[token] += 1
            window = words[max(0, index - 6):index] + words[index + 1:index + 7]
            contexts[token].update(w for w in window if w not in _STOP and len(w) > 2)
            if len(snippets[token]) < examples:
                snippet = " ".join(text[max(0, start - 40):end + 40].split())
                snippets[token].append(snippet)
    known_pairs: set[str] = set()
    for canonical, variants in (known or {}).items():
        known_pairs.add(canonical.casefold())
        known_pairs.update(v.casefold() for v in variants)

    def is_name(token: str) -> bool:
        return lower[token.lower()] * 4 <= upper[token]

    frequent = [t for t, n in upper.items() if n >= min_count and len(t) >= min_length and is_name(t)]
    by_length: dict[int, list[str]] = defaultdict(list)
    for token in frequent:
        by_length[len(token)].append(token)
    found: dict[str, Suggestion] = {}
    for variant, count in upper.items():
        if len(variant) < min_length or not is_name(variant) or variant.casefold() in known_pairs:
            continue
        for length in range(len(variant) - 2, len(variant) + 3):
            for canonical in by_length.get(length, ()):
                if canonical == variant or upper[canonical] < ratio * count:
                    continue
                if canonical[0].lower() != variant[0].lower():
                    continue  # misspellings keep the first letter; other names do not
                short, long = sorted((variant, canonical), key=len)
                if _is_inflection(short, long):
                    continue
                limit = 2 if min(len(variant), len(canonical)) >= 6 else 1
                distance = edit_distance(variant, canonical, limit)
                if distance > limit:
                    continue
                ctx_v, ctx_c = contexts[variant], contexts[canonical]
                shared = (sum(1 for w in ctx_v if w in ctx_c) / len(ctx_v)) if ctx_v else 0.0
                if shared < min_shared * distance:
                    continue
                score = (math.log1p(upper[canonical]) * (0.5 + shared) * math.log1p(count)
                         / distance)
                best = found.get(variant)
                if best is None or score > best.score:
                    found[variant] = Suggestion(variant, canonical, count, upper[canonical],
                                                distance, round(shared, 2), round(score, 3),
                                                list(snippets[variant]))
    ranked = sorted(found.values(), key=lambda s: (-s.score, s.canonical, s.variant))
    return ranked[:top] if top else ranked


def format_toml(suggestions: list[Suggestion]) -> str:
    """Suggestions as a ``[variants]`` table, with counts and context as comments."""
    lines = ["# likely spelling variants, most likely first; check each before pasting",
             "[variants]"]
    if not suggestions:
        lines.append("# (no likely variants found)")
        return "\n".join(lines) + "\n"
    groups: dict[str, list[Suggestion]] = {}
    for item in suggestions:
        groups.setdefault(item.canonical, []).append(item)
    for canonical, items in groups.items():
        for item in items:
            lines.append(f"# {item.variant} x{item.variant_count} -> {canonical} "
                         f"x{item.canonical_count} (distance {item.distance}, "
                         f"shared context {item.shared_context:.0%}, score {item.score})")
            for example in item.examples:
                lines.append(f"#     …{example}…")
        variants = ", ".join(_toml_string(i.variant) for i in items)
        lines.append(f"{_toml_string(canonical)} = [{variants}]")
    return "\n".join(lines) + "\n"


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


__all__ = ["Suggestion", "edit_distance", "format_toml", "suggest_variants"]
