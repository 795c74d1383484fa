"""``detect_language``: identify the language with langdetect, deterministically.

langdetect is randomised; here every document is scored with a fixed seed, so
the same text gets the same answer in every run and under any PYTHONHASHSEED.
Text with too few letters, or whose best language is below ``min_probability``,
is labelled ``und``. With ``languages`` set, records in other languages are
dropped with the reason ``language:<code>``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from corpuskit.records import Record, with_changes
from corpuskit.steps.base import Drop, RecordStep

UNDETERMINED = "und"
_lock = threading.Lock()
_factory = None


def _get_factory():
    global _factory
    with _lock:
        if _factory is None:
            from langdetect import detector_factory

            factory = detector_factory.DetectorFactory()
            factory.load_profile(detector_factory.PROFILES_DIRECTORY)
            _factory = factory
    return _factory


def detect(text: str, *, sample_chars: int = 2000, min_letters: int = 20,
           min_probability: float = 0.8) -> tuple[str, float]:
    """Return (language code, probability) for ``text``; ``und`` when unsure.

    >>> detect("The president said on Monday that the talks would continue next week.")[0]
    'en'
    """
    from langdetect.lang_detect_exception import LangDetectException

    sample = text[:sample_chars]
    if sum(ch.isalpha() for ch in sample) < min_letters:
        return UNDETERMINED, 0.0
    detector = _get_factory().create()
    detector.seed = 0
    detector.append(sample)
    try:
        best = detector.get_probabilities()[0]
    except (LangDetectException, IndexError):
        return UNDETERMINED, 0.0
    if best.prob < min_probability:
        return UNDETERMINED, round(best.prob, 4)
    return best.lang, round(best.prob, 4)


class DetectLanguage(RecordStep):
    """Label each record with its language; optionally keep only ``languages``."""

    name = "detect_language"

    @dataclass(frozen=True)
    class Params:
        languages: tuple[str, ...] = ()
        min_probability: float = 0.8
        min_letters: int = 20
        sample_chars: int = 2000

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        table["languages"] = tuple(table.get("languages", context.languages))
        return table

    def apply(self, record: Record) -> Record | Drop:
        text = record.get("text") or ""
        language, probability = detect(
            text, sample_chars=self.params.sample_chars, min_letters=self.params.min_letters,
            min_probability=self.params.min_probability)
        if self.params.languages and language not in self.params.languages:
            return Drop(f"language:{language}", f"p={probability}")
        if record.get("language") == language and record.get("language_score") == probability:
            return record
        return with_changes(record, self.name, [], language=language, language_score=probability)

    def counter_key(self, item):
        return item["detail"]
