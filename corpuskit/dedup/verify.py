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
``numbers``
    the share of the figures (dates, amounts) of the article with fewer figures
    found in the other. Same-headline recurring stories on different dates, and
    earnings reports with different results, differ here.

Proportions, never exact equality: OCR damages a few words and figures of a
true copy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from corpuskit.dedup.normalize import days_apart
from corpuskit.dedup.signature import Signature, array


@dataclass(frozen=True)
class Evidence:
    containment: float
    headline: float
    numbers: float
    figures: int  # figures in the article with fewer
    exact: bool
    days: int = -1  # days between the two stories' dates, -1 when unknown
    ratio: float = 1.0  # size of the smaller article over the larger's


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
            min_containment: float = 0.0) -> Evidence:
    """Measure how much ``a`` and ``b`` look like one story (symmetric).

    Below ``min_containment`` the other measurements are skipped (reported as 0).
    """
    if a.key == b.key:
        return Evidence(1.0, 1.0, 1.0, 0, True)
    level = max(a.level, b.level)
    sa = _sample(array(a.shingles), level)
    sb = _sample(array(b.shingles), level)
    shared = len(np.intersect1d(sa, sb, assume_unique=True))
    containment = shared / max(1, min(len(sa), len(sb)))
    ratio = min(a.size, b.size) / max(1, a.size, b.size)
    if containment < min_containment:
        return Evidence(containment, 0.0, 0.0, 0, False, -1, ratio)
    headline = max(_covered(array(a.head), array(b.context), weights),
                   _covered(array(b.head), array(a.context), weights))
    na, nb = array(a.numbers), array(b.numbers)
    figures = min(len(na), len(nb))
    numbers = len(np.intersect1d(na, nb, assume_unique=True)) / figures if figures else 1.0
    days = days_apart(a.day, b.day) if a.day >= 0 and b.day >= 0 else -1
    return Evidence(containment, headline, numbers, figures, False, days, ratio)


@dataclass(frozen=True)
class Thresholds:
    """Where a pair becomes one story. See docs/dedup.md for what each catches."""

    containment: float = 0.5
    headline: float = 0.7
    numbers: float = 0.7
    figure_slack: int = 0  # figures that may differ (OCR) when containment is high
    slack_containment: float = 0.8
    max_days: int = 3  # stories dated further apart are different stories
    exact_only: bool = False


def decide(evidence: Evidence, thresholds: Thresholds) -> str | None:
    """The name of the test the pair passes (``exact``, ``near``, ``containment``) or None.

    >>> t = Thresholds()
    >>> decide(Evidence(0.95, 1.0, 1.0, 4, False, 0), t), decide(Evidence(0.9, 1.0, 1.0, 4, False, 1, 0.5), t)
    ('near', 'containment')
    >>> decide(Evidence(0.95, 0.3, 1.0, 4, False, 0), t), decide(Evidence(0.99, 1.0, 1.0, 4, False, 7), t)
    (None, None)
    """
    if evidence.exact:
        return "exact"
    if thresholds.exact_only:
        return None
    if evidence.containment < thresholds.containment or evidence.headline < thresholds.headline:
        return None
    if evidence.days > thresholds.max_days:
        return None
    if evidence.numbers < thresholds.numbers:
        missing = evidence.figures - round(evidence.figures * evidence.numbers)
        if not (evidence.figures >= 3 and missing <= thresholds.figure_slack
                and evidence.containment >= thresholds.slack_containment):
            return None
    return "near" if evidence.ratio >= 0.8 else "containment"
