"""``detect_language``: label each record's language, deterministically and fast.

The model is langdetect's own: its 55 language profiles and its n-gram
extraction, scored exactly (naive Bayes over every n-gram of a bounded sample of
the text) instead of by random sampling; see :mod:`corpuskit.lang`. The same text
gets the same answer in every run and under any ``PYTHONHASHSEED``, about a
hundred times faster than ``langdetect.detect``.

A script that names its language decides first (Armenian ``hy``, Georgian
``ka``, ...), and text in a script langdetect has no profile for is ``und``
(:mod:`corpuskit.lang.scripts`). A langdetect label stands only when a second,
independent model that knows 139 languages (py3langid, the coverage guard)
names the same language: text in a language langdetect lacks is ``und``, not
its nearest neighbour. ``backend = "py3langid"`` uses py3langid's model alone,
which covers Azerbaijani and many languages langdetect lacks; the output
contract is the same.

Text with fewer than ``min_letters`` letters, or whose best language has a
probability below ``min_probability``, is labelled ``und``. With ``languages``
set, records in other languages (``und`` included) are dropped with the reason
``language:<code>``.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass

from corpuskit.errors import describe_value
from corpuskit.lang import MIN_LETTERS, UNDETERMINED, check_backend, detect, detect_many, get_model, py3langid_backend
from corpuskit.records import Record, with_changes
from corpuskit.steps.base import Drop, RecordStep

__all__ = ["UNDETERMINED", "DetectLanguage", "detect"]


class DetectLanguage(RecordStep):
    """Label each record with its language; optionally keep only ``languages``.

    >>> from corpuskit.records import new_record
    >>> step = DetectLanguage(languages=("en",))
    >>> r = step.apply(new_record(text="The central bank kept interest rates unchanged on Thursday.", source={}))
    >>> r["language"], r["language_score"]
    ('en', 1.0)
    >>> step.apply(new_record(text="La banque centrale a maintenu ses taux directeurs jeudi.", source={}))
    Drop(reason='language:fr', detail='p=1.0')
    """

    name = "detect_language"

    @dataclass(frozen=True)
    class Params:
        languages: tuple[str, ...] = ()
        min_probability: float = 0.8
        min_letters: int = MIN_LETTERS
        sample_chars: int = 1500
        backend: str = "langdetect"

    def warm_up(self) -> None:
        """Load the language models now (the pool forks its workers after this)."""
        py3langid_backend.get_identifier()  # the backend, or the langdetect backend's guard
        if self.params.backend == "langdetect":
            get_model()

    @classmethod
    def coerce(cls, table, context):
        table = dict(table)
        if table.get("min_probability", 0) > 1:
            raise ValueError("min_probability: expected a number from 0 to 1, "
                             f"got {describe_value(table['min_probability'])}")
        table["languages"] = tuple(table.get("languages", context.languages))
        check_backend(table.get("backend", "langdetect"))  # unknown or not installed: one line
        return table

    #: (language, probability) of the records of the batch being processed, by ``id()``
    #: (set on a copy of the step: see :meth:`process_batch`)
    _labels: dict[int, tuple[str, float]] | None = None

    def process_batch(self, records, stats):
        """Every record's label first, the models scoring the whole batch at once
        (:func:`~corpuskit.lang.detect_many`: the labels :func:`detect` gives one by one,
        at a fraction of the cost), then the usual record-by-record pass on a copy of the
        step that holds them."""
        started = time.perf_counter()
        texts = [record.get("text") or "" for record in records]
        labelled = copy.copy(self)
        labelled._labels = dict(zip(map(id, records), self.labels(texts)))
        stats.seconds += time.perf_counter() - started  # the pass below adds its own time
        kept, dropped = super(DetectLanguage, labelled).process_batch(records, stats)
        for record in kept:
            stats.counters[f"language:{record['language']}"] += 1
        return kept, dropped

    def labels(self, texts: list[str]) -> list[tuple[str, float]]:
        """(language, probability) of each text with this step's settings, scored together
        (``corpuskit check`` asks the same of the published texts)."""
        return detect_many(texts, **self._detect_params())

    def _detect_params(self) -> dict:
        return {"sample_chars": self.params.sample_chars, "min_letters": self.params.min_letters,
                "min_probability": self.params.min_probability, "backend": self.params.backend}

    def apply(self, record: Record) -> Record | Drop:
        if self._labels is not None and id(record) in self._labels:
            language, probability = self._labels[id(record)]
        else:
            language, probability = detect(record.get("text") or "", **self._detect_params())
        if self.params.languages and language not in self.params.languages:
            return Drop(f"language:{language}", f"p={probability}")
        if record.get("language") == language and record.get("language_score") == probability:
            return record
        # a label is a new field, not an edit of the text: no provenance entry
        return with_changes(record, self.name, [], language=language, language_score=probability)
