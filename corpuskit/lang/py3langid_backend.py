"""The optional ``py3langid`` backend (``pip install 'corpuskit[langid]'``).

py3langid (a maintained fork of langid.py) ships its naive-Bayes model inside
the wheel (about 4 MB), works offline, is deterministic (numpy arithmetic, no
sampling), and covers 140 labels, among them Azerbaijani, Armenian, Georgian,
Basque, Malay, Bosnian, Serbian, Kazakh, Mongolian, Belarusian, Icelandic,
Irish, Latin, Esperanto and several African languages that langdetect lacks
(see docs/language.md). Its ``zxx`` label (no linguistic content) becomes ``und``.
"""

from __future__ import annotations

import threading

from corpuskit.errors import require

EXTRA = "'corpuskit[langid]'"
_lock = threading.Lock()
_identifier = None


def get_identifier():
    """The process-wide py3langid identifier with normalised probabilities."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                require("py3langid", "the py3langid language backend", EXTRA)
                from py3langid.langid import MODEL_FILE, LanguageIdentifier

                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def languages() -> list[str]:
    """The labels the backend can give (besides ``und``)."""
    return sorted(set(get_identifier().labels) - {"zxx"})


def guess(text: str) -> tuple[str, float]:
    """(label, probability) for ``text``; ``zxx`` is reported as ``und``."""
    label, probability = get_identifier().classify(text)
    return ("und" if label == "zxx" else label), float(probability)
