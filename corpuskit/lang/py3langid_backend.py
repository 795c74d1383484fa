"""py3langid: the optional ``backend = "py3langid"`` and the default backend's coverage guard.

py3langid (a maintained fork of langid.py) ships its naive-Bayes model inside
the wheel (about 4.5 MB), works offline, is deterministic (numpy arithmetic, no
sampling, no hashing), and covers 139 labels, among them Azerbaijani, Armenian,
Georgian, Basque, Malay, Bosnian, Serbian, Kazakh, Mongolian, Belarusian,
Icelandic, Irish, Latin, Esperanto and several African languages that
langdetect lacks (see docs/language.md). Its ``zxx`` label (no linguistic
content) becomes ``und``.

It serves twice:

* as a backend of its own (:func:`guess`);
* as the **coverage guard** of the default langdetect backend (:func:`confirms`).
  langdetect is a closed-set classifier: Malay text gets its nearest profile,
  Indonesian. py3langid is an independent model that knows those languages
  too, so a langdetect label stands only when py3langid, choosing among *all*
  the languages it knows, names the same language. When it names a language
  langdetect has no profile for, or another language, the text is ``und``.
"""

from __future__ import annotations

import threading

from corpuskit.errors import require

EXTRA = "'corpuskit[langid]'"
_lock = threading.Lock()
_identifier = None

#: py3langid labels that name the language a langdetect label names: langdetect
#: has one Chinese profile per script, and one Norwegian profile (``no``) for
#: both written standards, which py3langid tells apart as ``no`` and ``nn``.
#: Every other langdetect label is spelled the same in py3langid.
_SAME_LANGUAGE = {"zh-cn": ("zh",), "zh-tw": ("zh",), "no": ("no", "nn")}


def check_installed() -> None:
    """A fix-it :class:`~corpuskit.errors.DependencyError` when py3langid is missing
    (without loading its model, which costs about a CPU-second)."""
    require("py3langid", "the py3langid language backend", EXTRA)


def release() -> None:
    """Drop the process-wide identifier (see :func:`corpuskit.lang.release_models`)."""
    global _identifier
    with _lock:
        _identifier = None


def get_identifier():
    """The process-wide py3langid identifier with normalised probabilities.

    py3langid's own classifier on a smaller, faster layout of the same model
    (:mod:`corpuskit.lang.compact_langid`): the same labels and probabilities,
    bit for bit."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                check_installed()
                from corpuskit.lang.compact_langid import load

                _identifier = load()
    return _identifier


def languages() -> list[str]:
    """The labels the backend can give (besides ``und``)."""
    return sorted(set(get_identifier().labels) - {"zxx"})


def guess(text: str) -> tuple[str, float]:
    """(label, probability) for ``text``; ``zxx`` is reported as ``und``."""
    return guess_many([text])[0]


def guess_many(texts: list[str]) -> list[tuple[str, float]]:
    """:func:`guess` of each of ``texts``, scored together (the same results as one by one)."""
    return [("und" if label == "zxx" else label, float(probability))
            for label, probability in get_identifier().classify_many(texts)]


def rank(text: str) -> list[tuple[str, float]]:
    """Every label with its normalised probability for ``text``, most probable first
    (``zxx`` included as it is)."""
    return [(label, float(p)) for label, p in get_identifier().rank(text)]


def confirms(text: str, langdetect_label: str) -> bool:
    """Whether py3langid, choosing among every language it knows, names the
    language of ``langdetect_label`` for ``text``.

    >>> confirms("The president said on Monday that talks would continue.", "en")
    True
    >>> confirms("Kerajaan Malaysia berkata pada hari Isnin bahawa rundingan akan diteruskan.", "id")
    False
    """
    return confirms_many([text], [langdetect_label])[0]


def confirms_many(texts: list[str], langdetect_labels: list[str]) -> list[bool]:
    """:func:`confirms` of each text and label, the texts scored together."""
    return [label in _SAME_LANGUAGE.get(expected, (expected,))
            for (label, _), expected in zip(guess_many(texts), langdetect_labels, strict=True)]
