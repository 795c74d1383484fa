"""Script-based identification: the scripts that name their language, and the
scripts no profile of the active model covers.

langdetect has no profile for Armenian or Georgian: its naive Bayes then
labels Armenian text with whichever profile shares its few Latin n-grams
(``et``). A script written for one language names the language outright;
a script no profile covers and that several languages share gives ``und``.

Only scripts that one language dominates are mapped (:data:`SINGLE_LANGUAGE`):

* Armenian → ``hy``, Georgian → ``ka``: each script is used for one language.
* Khmer → ``km``, Lao → ``lo``, Sinhala → ``si``, Thaana → ``dv``, Oriya → ``or``:
  each the script of one national or state language; minority languages that
  use it are rare in news text.

Not mapped, so ``und`` unless a backend covers them: Ethiopic (Amharic and
Tigrinya, among others), Myanmar (Burmese, Shan, Mon, Karen), Tibetan (Tibetan
and Dzongkha), Mongolian, Canadian syllabics, and every other script.
"""

from __future__ import annotations

import re

#: Script name -> (characters, language it names, or None when shared).
SCRIPTS: dict[str, tuple[str, str | None]] = {
    "Armenian": ("\u0531-\u0556\u0559-\u0587\ufb13-\ufb17", "hy"),
    "Georgian": ("\u10a0-\u10ff\u1c90-\u1cbf\u2d00-\u2d2f", "ka"),
    "Khmer": ("\u1780-\u17ff\u19e0-\u19ff", "km"),
    "Lao": ("\u0e80-\u0eff", "lo"),
    "Sinhala": ("\u0d80-\u0dff", "si"),
    "Thaana": ("\u0780-\u07bf", "dv"),
    "Oriya": ("\u0b00-\u0b7f", "or"),
    "Ethiopic": ("\u1200-\u139f\u2d80-\u2ddf\uab00-\uab2f", None),
    "Myanmar": ("\u1000-\u109f\ua9e0-\ua9ff\uaa60-\uaa7f", None),
    "Tibetan": ("\u0f00-\u0fff", None),
    "Mongolian": ("\u1800-\u18af", None),
    "Canadian syllabics": ("\u1400-\u167f\u18b0-\u18ff", None),
    "Cherokee": ("\u13a0-\u13ff", None),
    "Syriac": ("\u0700-\u074f", None),
    "N'Ko": ("\u07c0-\u07ff", None),
    "Tifinagh": ("\u2d30-\u2d7f", None),
}
SINGLE_LANGUAGE = {name: lang for name, (_, lang) in SCRIPTS.items() if lang}
_SCRIPT_RES = [(name, re.compile(f"[{chars}]"), lang) for name, (chars, lang) in SCRIPTS.items()]
_ANY_SCRIPT_RE = re.compile("[" + "".join(chars for chars, _ in SCRIPTS.values()) + "]")
_LETTER_RE = re.compile(r"[^\W\d_]")
#: A script decides when at least this share of the letters are written in it.
DOMINANT_SHARE = 0.5


def dominant_script(text: str) -> tuple[str, str | None, float] | None:
    """(script, language or None, share of letters) of the script of
    :data:`SCRIPTS` that at least half the letters of ``text`` are written in.

    >>> dominant_script("Երևանում այսօր")[1:]
    ('hy', 1.0)
    >>> dominant_script("Plain English") is None
    True
    """
    if text.isascii() or not _ANY_SCRIPT_RE.search(text):
        return None
    letters = len(_LETTER_RE.findall(text))
    if not letters:
        return None
    for name, pattern, lang in _SCRIPT_RES:
        count = len(pattern.findall(text))
        if count and count >= DOMINANT_SHARE * letters:
            return name, lang, min(1.0, count / letters)
    return None


#: The letters of the two alphabets most profiles are written in (the script
#: name is the first word of the Unicode name of a profile's commonest letter).
ALPHABETS = {
    "LATIN": "A-Za-z\u00aa\u00ba\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
             "\u2c60-\u2c7f\ua720-\ua7ff",
    "CYRILLIC": "\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f",
}
_OTHER_LETTERS = {name: re.compile(f"(?:(?![{chars}])[^\\W\\d_])+") for name, chars in ALPHABETS.items()}
#: The characters of ASCII, Latin-1, general punctuation and currency signs that are not
#: letters (for the pattern: not ª, ², µ ...): text of these and an alphabet's letters
#: has no letter of another script, which one search for anything else shows.
_COMMON_NON_LETTERS = "".join(
    chr(code) for start, end in ((0x00, 0xBF), (0x2000, 0x206F), (0x20A0, 0x20CF))
    for code in range(start, end + 1) if not _LETTER_RE.match(chr(code)))
_MAYBE_OTHER = {name: re.compile(f"[^{chars}{re.escape(_COMMON_NON_LETTERS)}]") for name, chars in ALPHABETS.items()}


def only_alphabet(text: str, script: str) -> str:
    """``text`` with the letters of other scripts replaced by a space, when
    ``script`` is one of :data:`ALPHABETS` (otherwise ``text`` unchanged: Japanese
    mixes scripts in every sentence).

    An English article quoting a Russian or Armenian sentence is labelled by
    its English; a model reading bytes would weigh the two-byte letters of the
    quote more than the article.

    >>> only_alphabet("Talks resumed. Переговоры возобновились.", "LATIN")
    'Talks resumed.    .'
    >>> only_alphabet("東京 Tokyo", "CJK")
    '東京 Tokyo'
    """
    pattern = _OTHER_LETTERS.get(script)
    if pattern is None or not _MAYBE_OTHER[script].search(text):
        return text  # nothing to replace (the search costs a fraction of the substitution)
    return pattern.sub(" ", text)


__all__ = ["ALPHABETS", "DOMINANT_SHARE", "SCRIPTS", "SINGLE_LANGUAGE", "dominant_script", "only_alphabet"]
