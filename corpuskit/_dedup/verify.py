"""Verification: decide whether a candidate pair is one story, from signatures alone.

Three measurements, each symmetric in the two articles:

``containment``
    the share of the smaller article's sampled word bigrams found in the other
    one (both sampled at the coarser of their two levels). Abridged copies score
    high against their original; OCR noise, variants and added boilerplate cost
    a little each.
``headline``
    how much of one article's headline, weighted by rarity (inverse document
    frequency over the corpus), is found in the other's headline and lead (the
    better of the two directions). Template stories (dividend notices of two
    companies, bond issues) share their bodies but not the rare words of their
    headlines, i.e. the company names.
``title``
    headline against headline: the rarity-weighted share of one headline's
    tokens found in the other headline (the better direction), a token also
    matching one at edit distance 1 (OCR drops and swaps). A copy keeps its
    headline (perhaps shortened or with a prefix/suffix) or its body; a
    re-send under a rewritten headline with a rewritten body is another story,
    so a low ``title`` needs near-complete containment.
``numbers`` / ``missing``
    figures (dates, amounts) compared as multisets: ``missing`` counts the
    figure occurrences of the article with fewer figures that the other lacks.
    A real copy, abridged or not, carries a subset of its original's figures;
    revised earnings reports and recurring stories differ in one or two.

Proportions, never exact equality: OCR damages a few words and figures of a
true copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from corpuskit._dedup.normalize import date_slip, days_apart
from corpuskit._dedup.signature import Signature, array, head_value


@dataclass(frozen=True, slots=True)  # slots: one per clustered copy, ~3x smaller without a __dict__
class Evidence:
    containment: float
    headline: float
    numbers: float
    figures: int  # figures in the article with fewer
    exact: bool
    days: int = -1  # days between the two stories' dates, -1 when unknown
    ratio: float = 1.0  # size of the smaller article over the larger's
    title: float = 1.0  # headline-to-headline agreement
    missing: int = 0  # figure occurrences of the article with fewer that the other lacks
    smaller: int = 1 << 30  # canonical tokens of the smaller article
    reworded: bool = False  # a word of the shorter headline is absent from the other (see ``reworded``)
    same_body: bool = False  # identical canonical bodies (see ``same_article``)
    date_slip: bool = False  # one day number is the other with a digit lost (``normalize.date_slip``)


class HeadlineWeights:
    """Inverse document frequency of headline tokens over the whole corpus."""

    def __init__(self, heads: list[bytes]):
        self.total = max(1, len(heads))
        if heads:
            tokens, counts = np.unique(np.frombuffer(b"".join(heads), dtype="<u4"), return_counts=True)
        else:
            tokens, counts = np.empty(0, dtype="<u4"), np.empty(0, dtype=np.int64)
        self.tokens = tokens
        self.idf = np.log((self.total + 1) / (counts + 1)) + 1.0

    def of(self, tokens: np.ndarray) -> np.ndarray:
        if not len(self.tokens):
            return np.ones(len(tokens))
        where = np.searchsorted(self.tokens, tokens).clip(0, len(self.tokens) - 1)
        known = self.tokens[where] == tokens
        return np.where(known, self.idf[where], math.log(self.total + 1) + 1.0)


class TitleWeights:
    """Inverse document frequency of canonical headline tokens (``Signature.title``).

    Built from the titles themselves, or (:meth:`from_heads`) from the corpus'
    :class:`HeadlineWeights`: a headline's tokens hash to its ``head`` values, so
    both give the same weights without a second pass over the corpus.
    """

    def __init__(self, titles: list[str]):
        from collections import Counter

        counts: Counter = Counter()
        for title in titles:
            counts.update(set(title.split()))
        total = max(1, len(titles))
        self.unknown = math.log(total + 1) + 1.0
        self.idf = {t: math.log((total + 1) / (c + 1)) + 1.0 for t, c in counts.items()}
        self._heads: HeadlineWeights | None = None

    @classmethod
    def from_heads(cls, heads: HeadlineWeights) -> TitleWeights:
        self = cls([])
        self.unknown = math.log(heads.total + 1) + 1.0
        self._heads = heads
        return self

    def weight(self, token: str) -> float:
        found = self.idf.get(token)
        if found is None:
            if self._heads is None:
                return self.unknown
            found = float(self._heads.of(np.array([head_value(token)], dtype=np.uint32))[0])
            self.idf[token] = found
        return found


def _near(a: str, b: str) -> bool:
    """Edit distance at most 1 (one substitution, insertion, deletion or adjacent swap).

    >>> _near("financing", "financng"), _near("stevens", "stevnes"), _near("rate", "date"), _near("ab", "cd")
    (True, True, True, False)
    """
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) <= 1:
            return True
        return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] \
            and a[diff[1]] == b[diff[0]]
    if la > lb:
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1:]


def _spacing(a: list[str], b: list[str]) -> set[str]:
    """Tokens of ``a`` that ``b`` has with a space lost or added by OCR: a token of ``a`` that
    is two neighbouring tokens of ``b`` written together, and two neighbours of ``a`` that
    are one token of ``b``.

    >>> sorted(_spacing(["bid", "for", "san", "miguel"], ["bid", "for", "sanmiguel"]))
    ['miguel', 'san']
    >>> sorted(_spacing(["bid", "forsan"], ["bid", "for", "san"]))
    ['forsan']
    """
    other = set(b)
    glued = {x + y for x, y in zip(b, b[1:])}
    found = {t for t in a if t in glued}
    for x, y in zip(a, a[1:]):
        if x + y in other:
            found.update((x, y))
    return found


def _title_cover(a: list[str], b: list[str], weights: TitleWeights) -> float:
    if not a:
        return 1.0
    other = set(b) | _spacing(a, b)
    fuzzy = [t for t in set(b) if len(t) >= 4 and not t.isdigit()]
    total = found = 0.0
    for token in set(a):
        w = weights.weight(token)
        total += w
        if token in other or (len(token) >= 4 and not token.isdigit()
                              and any(_near(token, t) for t in fuzzy)):
            found += w
    return found / total


def title_agreement(a: str, b: str, weights: TitleWeights) -> float:
    """Headline-to-headline agreement, the better of the two directions."""
    ta, tb = a.split(), b.split()
    if not ta or not tb:
        return 1.0
    return max(_title_cover(ta, tb, weights), _title_cover(tb, ta, weights))


def _core(title: str) -> list[str]:
    """The headline tokens without a leading wire/outlet tag or a trailing tag (set off by tabs)."""
    parts = title.split("\t")
    return (parts[1] if len(parts) == 3 else title).split()


def _absent(a: list[str], b: list[str]) -> bool:
    """Some token of ``a`` is in neither ``b`` nor (edit distance 1, as in ``title``) near one of it."""
    other = set(b)
    fuzzy = [t for t in other if len(t) >= 4 and not t.isdigit()]
    for token in a:
        if token in other:
            continue
        if len(token) >= 4 and not token.isdigit() and any(_near(token, t) for t in fuzzy):
            continue
        return True
    return False


def reworded(a: str, b: str) -> bool:
    """A word of the shorter headline (fewer tokens, tags dropped) is absent from the other.

    A copy's headline is re-cased, tagged, or shortened, never reworded; an
    independent re-send rewords it (``IN PAYOUT`` / ``SETS PAYOUT``).

    >>> reworded("acme sets payout", "acme in payout"), reworded("acme sets", "update 1\tacme sets payout\t")
    (True, False)
    """
    ta, tb = _core(a), _core(b)
    if not ta or not tb:
        return False
    if len(ta) > len(tb):
        ta, tb = tb, ta
    return _absent(ta, tb) or (len(ta) == len(tb) and _absent(tb, ta))


def _sample(values: np.ndarray, level: int) -> np.ndarray:
    if not level:
        return values
    return values[(values & np.uint32((1 << level) - 1)) == 0]


def _covered(head: np.ndarray, other: np.ndarray, weights: HeadlineWeights) -> float:
    if not len(head):
        return 1.0
    w = weights.of(head)
    other_set = set(other.tolist())
    found = np.fromiter((t in other_set for t in head.tolist()), dtype=bool, count=len(head))
    return float(w[found].sum() / w.sum())


def compare(a: Signature, b: Signature, weights: HeadlineWeights,
            min_containment: float = 0.0, titles: TitleWeights | None = None) -> Evidence:
    """Measure how much ``a`` and ``b`` look like one story (symmetric).

    Below ``min_containment`` the other measurements are skipped (reported as 0).
    """
    if a.key == b.key:
        return Evidence(1.0, 1.0, 1.0, 0, True)
    same_body = a.body == b.body != 0
    level = max(a.level, b.level)
    sa = _sample(array(a.shingles), level)
    sb = _sample(array(b.shingles), level)
    shared = len(np.intersect1d(sa, sb, assume_unique=True))
    containment = shared / max(1, min(len(sa), len(sb)))
    ratio = min(a.size, b.size) / max(1, a.size, b.size)
    if containment < min_containment and not same_body:
        return Evidence(containment, 0.0, 0.0, 0, False, -1, ratio)
    headline = max(_covered(array(a.head), array(b.context), weights),
                   _covered(array(b.head), array(a.context), weights))
    na, nb = array(a.numbers), array(b.numbers)
    figures = min(len(na), len(nb))
    shared_figures = len(np.intersect1d(na, nb, assume_unique=True))
    numbers = shared_figures / figures if figures else 1.0
    days = days_apart(a.day, b.day) if a.day >= 0 and b.day >= 0 else -1
    title = title_agreement(a.title, b.title, titles or TitleWeights([]))
    return Evidence(containment, headline, numbers, figures, False, days, ratio, title,
                    figures - shared_figures, min(a.size, b.size), reworded(a.title, b.title), same_body,
                    date_slip(a.day, b.day))


@dataclass(frozen=True)
class Thresholds:
    """Where a pair becomes one story. See docs/dedup.md for what each catches."""

    containment: float = 0.5
    headline: float = 0.7  # headline found in the other's headline and lead
    numbers: float = 0.7  # kept for configuration compatibility; see ``figure_slack``
    figure_slack: int = 1  # figures that may differ (OCR) when containment is high
    slack_containment: float = 0.75
    slack_tokens: int = 50  # in template-sized articles one figure is the story: no slack
    max_days: int = 3  # stories dated further apart are different stories
    title: float = 0.7  # headline-to-headline agreement, unless ...
    retitled_containment: float = 0.9  # ... the body is (nearly) all shared
    short_tokens: int = 25  # template-sized articles, where a few tokens decide ...
    short_containment: float = 0.9  # ... need this containment
    reworded_tokens: int = 50  # template-sized articles whose headlines are reworded are distinct
    exact_only: bool = False


def misread_date(evidence: Evidence, thresholds: Thresholds) -> bool:
    """Dates apart by a lost digit of the day (OCR drops a dateline digit) in a pair
    that otherwise reads as one story: at least 3 figures, all shared but the misread day
    itself (the dateline's day is not counted as a figure, so each side drops a different
    one), and the body mostly shared; the figure rule of ``decide`` still applies. A
    recurring story of another day differs in its figures.

    >>> t = Thresholds()
    >>> misread_date(Evidence(0.96, 1.0, 1.0, 12, False, 10, date_slip=True), t)
    True
    >>> misread_date(Evidence(0.96, 1.0, 0.8, 12, False, 10, missing=2, date_slip=True), t)
    False
    """
    return (evidence.date_slip and evidence.missing <= 1 and evidence.figures >= 3
            and evidence.containment >= thresholds.slack_containment)


def same_article(evidence: Evidence, thresholds: Thresholds) -> bool:
    """Identical bodies under different headlines: one article re-sent (re-titled), when
    the body identifies the story by itself (``reworded_tokens`` or more tokens of names,
    figures, places) or the headlines agree on their rare (identifying) tokens, and the
    stories are dated together. Template stories of different companies or days differ
    in their bodies (names, tickers, figures, dateline) or in their headlines' names.

    >>> t = Thresholds()
    >>> same_article(Evidence(0.8, 0.3, 1.0, 2, False, 0, title=0.3, smaller=200, same_body=True), t)
    True
    >>> same_article(Evidence(0.8, 0.3, 1.0, 2, False, 0, title=0.3, smaller=20, same_body=True), t)
    False
    """
    return (evidence.same_body and evidence.days <= thresholds.max_days
            and (evidence.smaller >= thresholds.reworded_tokens
                 or max(evidence.headline, evidence.title) >= thresholds.headline))


def decide(evidence: Evidence, thresholds: Thresholds) -> str | None:
    """The name of the test the pair passes (``exact``, ``near``, ``containment``) or None.

    >>> t = Thresholds()
    >>> decide(Evidence(0.95, 1.0, 1.0, 4, False, 0), t), decide(Evidence(0.9, 1.0, 1.0, 4, False, 1, 0.5), t)
    ('near', 'containment')
    >>> decide(Evidence(0.95, 0.3, 1.0, 4, False, 0, title=0.3), t), decide(Evidence(0.99, 1.0, 1.0, 4, False, 7), t)
    (None, None)
    >>> decide(Evidence(0.7, 1.0, 0.75, 4, False, 0, missing=1), t), decide(Evidence(0.85, 1.0, 0.75, 4, False, 0, missing=1, smaller=80), t)
    (None, 'near')
    """
    if evidence.exact:
        return "exact"
    if thresholds.exact_only:
        return None
    if same_article(evidence, thresholds):
        return "near" if evidence.ratio >= 0.8 else "containment"
    if evidence.containment < thresholds.containment or \
            max(evidence.headline, evidence.title) < thresholds.headline:
        return None
    if evidence.days > thresholds.max_days and not misread_date(evidence, thresholds):
        return None
    if evidence.title < thresholds.title and evidence.containment < thresholds.retitled_containment:
        return None
    if evidence.smaller < thresholds.short_tokens and evidence.containment < thresholds.short_containment:
        return None
    if evidence.reworded and evidence.smaller < thresholds.reworded_tokens:
        return None
    if evidence.missing:
        # OCR damages a figure now and then: with high containment, tolerate one
        # damaged figure (one more per 8 figures); otherwise figures must all agree
        slack = 0
        if evidence.figures >= 3 and evidence.containment >= thresholds.slack_containment \
                and evidence.smaller >= thresholds.slack_tokens:
            slack = thresholds.figure_slack * (1 + evidence.figures // 8)
        if evidence.missing > slack:
            return None
    return "near" if evidence.ratio >= 0.8 else "containment"


def plausible(evidence: Evidence, thresholds: Thresholds) -> bool:
    """The looser check of a record joining a cluster through one of its members:
    the kept record and the record still share most of a body, a headline and a date."""
    if evidence.exact or same_article(evidence, thresholds):
        return True
    return (evidence.containment >= thresholds.containment
            and max(evidence.headline, evidence.title) >= thresholds.headline
            and evidence.days <= thresholds.max_days
            and (evidence.title >= thresholds.title
                 or evidence.containment >= thresholds.retitled_containment))
