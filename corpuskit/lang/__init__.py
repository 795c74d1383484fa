"""Fast, deterministic language identification with langdetect's own profiles.

langdetect scores a text by drawing n-grams at random and multiplying their
per-language probabilities until one language passes 0.99999, seven times
over; the answer depends on the random seed and costs milliseconds. This
module computes the same naive-Bayes model *exactly* instead:

* the 55 profiles shipped with langdetect are loaded once (lazily, per
  process; forked workers share the pages) into a matrix of
  ``log(alpha / 10000 + P(ngram | language))`` with langdetect's default
  ``alpha = 0.5``;
* n-grams are extracted exactly as langdetect does (URL/e-mail removal,
  Vietnamese normalisation, its Latin-cleaning rule, its per-character
  normalisation as one ``str.translate`` table, and its rule that skips
  n-grams inside capitalised words), word by word with a per-process cache
  (a batch's words split and looked up together: one Arrow split and dictionary
  encoding, only the distinct words become Python strings);
* the posterior is a softmax of the summed log-probabilities. Evidence is
  capped at :data:`EVIDENCE_NGRAMS` n-grams' worth (the log-likelihoods are
  averaged, then scaled), so the probability reflects how clearly the
  text's n-grams favour one language, not merely how long it is.

Only a bounded sample of a long document is read (:func:`sample_text`:
head, middle and tail windows); the test suite checks it gives the same
labels as the whole text.

The result is a pure function of the text: no randomness, no dependence on
``PYTHONHASHSEED`` or on the order of files in the profile directory.
"""

from __future__ import annotations

import functools
import itertools
import json
import logging
import math
import operator
import os
import re
import threading
from dataclasses import dataclass

from corpuskit.lang import siblings
from corpuskit.lang.scripts import dominant_script, only_alphabet

log = logging.getLogger(__name__)

UNDETERMINED = "und"
#: langdetect's smoothing: alpha / BASE_FREQ is added to every probability.
ALPHA = 0.5
BASE_FREQ = 10000
#: The posterior is computed as if the text had at most this many n-grams.
EVIDENCE_NGRAMS = 60
#: langdetect reads at most this many characters of a text.
MAX_TEXT_LENGTH = 10000

_URL_RE = re.compile(r"https?://[-_.?&~;+=/#0-9A-Za-z]{1,2076}")
_MAIL_RE = re.compile(r"[-_.0-9A-Za-z]{1,64}@[-_0-9A-Za-z]{1,255}[-_.0-9A-Za-z]{1,255}")
_COMBINING_RE = re.compile("[\u0300-\u0323]")
_DOUBLE_SPACE_RE = re.compile("  +")
_LATIN_RE = re.compile("[A-z]")  # langdetect's 'A' <= ch <= 'z' (includes [\\]^_`)
# langdetect: ch >= U+0300 and not in Latin Extended Additional (U+1E00-U+1EFF)
_NON_LATIN_RE = re.compile("[\u0300-\u1dff\u1f00-\U0010ffff]")


#: The unicode blocks (names in langdetect.utils.unicode_block) in which
#: langdetect 1.0.9's ``NGram.normalize`` may change a character; it returns
#: every other character as it is.
_NORMALIZED_BLOCKS = (
    "UNICODE_BASIC_LATIN",
    "UNICODE_LATIN_1_SUPPLEMENT",
    "UNICODE_LATIN_EXTENDED_B",
    "UNICODE_GENERAL_PUNCTUATION",
    "UNICODE_ARABIC",
    "UNICODE_LATIN_EXTENDED_ADDITIONAL",
    "UNICODE_HIRAGANA",
    "UNICODE_KATAKANA",
    "UNICODE_BOPOMOFO",
    "UNICODE_BOPOMOFO_EXTENDED",
    "UNICODE_CJK_UNIFIED_IDEOGRAPHS",
    "UNICODE_HANGUL_SYLLABLES",
)


def _normalized_ranges() -> list[tuple[int, int]]:
    """BMP code point ranges of :data:`_NORMALIZED_BLOCKS`, from langdetect's own table.

    ``unicode_block(ch)`` names a block only when ``ch`` lies in one of that
    block's ranges in this table, so outside these ranges ``NGram.normalize``
    is the identity. Falls back to the whole BMP if langdetect's (private)
    table is not there: another langdetect can make this slower, never wrong.
    """
    from langdetect.utils import unicode_block

    blocks = getattr(unicode_block, "_unicode_blocks", None)
    if blocks is None or not all(hasattr(unicode_block, n) for n in _NORMALIZED_BLOCKS):
        return [(0, 0xFFFF)]
    wanted = {getattr(unicode_block, name) for name in _NORMALIZED_BLOCKS}
    return [
        (start, min(end, 0xFFFF))
        for block, start, end in blocks
        if block in wanted and start <= 0xFFFF
    ]


@dataclass(frozen=True)
class Guess:
    """A language label, its probability, the number of n-grams scored, and how
    many n-grams the text has in all (in some profile or in none)."""

    language: str
    probability: float
    ngrams: int
    emitted: int = 0


class Model:
    """langdetect's profiles as a log-probability matrix; see the module docstring."""

    def __init__(self, profiles_dir: str | None = None):
        import numpy as np
        from langdetect.utils.ngram import NGram

        if profiles_dir is None:
            from langdetect.detector_factory import PROFILES_DIRECTORY as profiles_dir
        names = sorted(n for n in os.listdir(profiles_dir) if not n.startswith("."))
        profiles = []
        for name in names:
            with open(os.path.join(profiles_dir, name), encoding="utf-8") as handle:
                profiles.append(json.load(handle))
        self.languages: tuple[str, ...] = tuple(p["name"] for p in profiles)
        # Vectorised because start-up is serial time in every build: instead of
        # writing ~184k entries one numpy scalar at a time, the vocabulary comes
        # from dict.fromkeys (first-seen order over the sorted profiles, as
        # before) and each profile's column is filled by one fancy-index
        # assignment of the same Python float divisions; the smoothing and log
        # run in place. Results are bit-identical to the scalar loops.
        grams = [[gram for gram in p["freq"] if 1 <= len(gram) <= 3] for p in profiles]
        vocabulary: dict[str, int] = {
            gram: index
            for index, gram in enumerate(dict.fromkeys(itertools.chain.from_iterable(grams)))
        }
        probs = np.zeros((len(vocabulary), len(profiles)), dtype=np.float64)
        for column, (profile, kept) in enumerate(zip(profiles, grams)):
            freq, n_words = profile["freq"], profile["n_words"]
            probs[[vocabulary[gram] for gram in kept], column] = [
                freq[gram] / n_words[len(gram) - 1] for gram in kept
            ]
        probs += ALPHA / BASE_FREQ
        np.log(probs, out=probs)
        self.logprob = probs.astype(np.float32)
        self.vocabulary = vocabulary
        # langdetect's per-character normalisation, as one translate table.
        # NGram.normalize returns its argument unchanged unless the character's
        # unicode block is one of _NORMALIZED_BLOCKS, so only those blocks'
        # code points are asked (about 33k of the BMP's 63.5k non-surrogates).
        table = {}
        for start, end in _normalized_ranges():
            for code in range(start, end + 1):
                if 0xD800 <= code <= 0xDFFF:
                    continue
                ch = chr(code)
                out = NGram.normalize(ch)
                if out != ch:
                    table[code] = out
        self._normalize = str.maketrans(table)
        self._spaces = _utf8_pattern(code for code, out in table.items() if out == " ")
        #: language -> script of its profile ("LATIN", "CYRILLIC", "CJK", ...)
        self.scripts = {p["name"]: _profile_script(p["freq"]) for p in profiles}
        self.alphabetic = frozenset(
            name for name, script in self.scripts.items() if script in ("LATIN", "CYRILLIC"))
        self._normalize_vi = NGram.normalize_vi
        self._np = np
        import pyarrow.compute  # noqa: F401  (guess_many's; imported with the model, before workers fork)
        self._reset_cache()

    # -- n-grams, exactly as langdetect extracts them --------------------------------
    def _word_ngrams(self, word: str, trailing_space: bool) -> tuple[tuple[int, ...], int]:
        """Vocabulary ids of the n-grams langdetect emits for one normalised word,
        and how many n-grams it emits in all (in a profile or not).

        What ``langdetect.utils.ngram.NGram`` emits fed with ``' ' + word`` (and a
        closing space), starting from its reset state: for each character, its
        1-, 2- and 3-gram of ``' ' + word``, in that order, except at a character
        that follows an upper-case one and is upper case itself (NGram's
        ``capitalword``); then the closing 2- and 3-gram. Built with string
        slices instead of NGram's character loop (``tests/test_language.py``
        compares both on every word of its texts).
        """
        padded = " " + word
        pairs = list(map(operator.add, word, word[1:]))  # the 2-gram ending at each character after the first
        triples = zip(word[1:], pairs, map(operator.add, padded, pairs))
        upper = list(map(str.isupper, word))
        if True in upper:
            capital = list(map(operator.and_, upper, upper[1:]))
            if True in capital:
                triples = itertools.compress(triples, map(operator.not_, capital))
        grams = [word[0], padded[:2], *itertools.chain.from_iterable(triples)]
        if trailing_space:
            grams += (word[-1] + " ", padded[-2:] + " ")
        return tuple(i for i in map(self.vocabulary.get, grams) if i is not None), len(grams)

    def prepare(self, text: str) -> str:
        """langdetect's ``Detector.append`` and ``cleaning_text``, then normalisation."""
        return self._prepared(text).decode("utf-8", "surrogatepass")

    def _prepared(self, text: str) -> bytes:
        """:meth:`prepare` of ``text``, as UTF-8 bytes (lone surrogates passed through)."""
        data = text.encode("utf-8", "surrogatepass")
        # langdetect's substitutions, when the bytes show one may apply: a URL starts with
        # "http", an e-mail address has "@", U+0300-U+033F (the combining marks Vietnamese is
        # normalised for) have the lead byte 0xCC; most texts have none of them
        if b"http" in data or b"@" in data or b"\xcc" in data or b"  " in data or len(text) > MAX_TEXT_LENGTH:
            text = _URL_RE.sub(" ", text)
            if "@" in text:
                text = _MAIL_RE.sub(" ", text)
            if not text.isascii() and _COMBINING_RE.search(text):
                text = self._normalize_vi(text)
            text = text[:MAX_TEXT_LENGTH]
            if "  " in text:
                text = _DOUBLE_SPACE_RE.sub(" ", text)
            data = text.encode("utf-8", "surrogatepass")
        if not data.isascii() and _mostly_non_latin(data, len(text)):
            data = data.translate(None, _LATIN_BYTES)
        # ASCII: every non-letter becomes a space (a bytes table, fast); so do the non-ASCII
        # characters langdetect's table makes spaces (quotation marks, dashes: one bytes
        # substitution); the others go through the table, one run of non-ASCII bytes (whole
        # characters: UTF-8 never puts an ASCII byte inside one) at a time
        data = data.translate(_ASCII_BYTES_TABLE)
        if data.isascii():
            return data
        data = self._spaces.sub(b" ", data)
        return data if data.isascii() else _NON_ASCII_BYTES_RUN.sub(self._normalize_run, data)

    def _normalize_run(self, match: re.Match) -> bytes:
        return match.group().decode("utf-8", "surrogatepass").translate(self._normalize).encode(
            "utf-8", "surrogatepass")

    def _add_words(self, keys: list[str]) -> None:
        """Compute the word scores of ``keys`` (none of them cached) and cache them.

        A word's scores are the sum, in float64 and in order, of its n-grams' rows
        of ``logprob``; ``np.add.reduceat`` sums each word's rows in order as
        ``sum(axis=0)`` does, for :data:`NEW_WORDS_AT_ONCE` words in one call.
        """
        np = self._np
        start = self._used
        while start + len(keys) > len(self._word_scores):
            self._grow()
        for first in range(0, len(keys), NEW_WORDS_AT_ONCE):
            new = keys[first:first + NEW_WORDS_AT_ONCE]
            grams = [self._word_ngrams(key[:-1], False) if key[-1] == _LAST else self._word_ngrams(key, True)
                     for key in new]
            at = start + first
            ids = list(itertools.chain.from_iterable(found for found, _ in grams))
            lengths = [len(found) for found, _ in grams]
            scores = self._word_scores[at:at + len(new)]
            scores[:] = 0.0
            if ids:
                scored = [i for i, length in enumerate(lengths) if length]
                offsets = np.cumsum([0] + [lengths[i] for i in scored[:-1]])
                scores[scored] = np.add.reduceat(self.logprob[ids].astype(np.float64), offsets, axis=0)
            self._word_counts[at:at + len(new)] = lengths
            self._word_emitted[at:at + len(new)] = [emitted for _, emitted in grams]
        self._word_cache.update(zip(keys, range(start, start + len(keys))))
        self._used = start + len(keys)

    def _grow(self) -> None:
        np = self._np
        used = len(self._word_scores)
        grown = np.zeros((2 * used, len(self.languages)), dtype=np.float64)
        grown[:used] = self._word_scores
        self._word_scores = grown
        self._word_counts = np.concatenate([self._word_counts, np.zeros(used, dtype=np.int64)])
        self._word_emitted = np.concatenate([self._word_emitted, np.zeros(used, dtype=np.int64)])

    def _reset_cache(self) -> None:
        np = self._np
        self._word_cache = {}
        self._word_scores = np.zeros((4096, len(self.languages)), dtype=np.float64)
        self._word_counts = np.zeros(4096, dtype=np.int64)
        self._word_emitted = np.zeros(4096, dtype=np.int64)
        self._used = 0

    def word_rows(self, text: str) -> list[int]:
        """Cache rows of the words of ``text`` after langdetect's preparation (valid until
        the next call: the cache may be emptied to make room)."""
        rows, _ = self._word_table([self._prepared(text)])
        return rows.tolist()

    def _word_table(self, prepared: list[bytes]):
        """(cache rows of the words of every text, text after text; each text's number of
        words) for ``prepared`` texts (:meth:`_prepared`), or ``None`` when the new words of
        several texts do not fit in the cache even emptied (fewer texts will; one text's
        always do: a text is cut at 10,000 characters, and the cache holds 32,768 words).

        A text's words are the non-empty pieces between spaces; the last one (no space
        follows it: no closing n-grams) is cached under its word with :data:`_LAST`
        appended, which appending that character to the text before splitting gives. One
        Arrow split and dictionary encoding for all the texts: only the distinct pieces of
        the batch become Python strings and are looked up. The words not cached yet are
        computed together (:meth:`_add_words`), after emptying the cache when they would
        take it past :data:`_WORD_CACHE_ROWS` (bounded memory: rows handed out before are
        invalid after it).
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        np = self._np
        if len(prepared) <= 2:  # Arrow's calls cost more than splitting a text or two in Python
            pieces = [(text + _LAST_BYTE).decode("utf-8", "surrogatepass").split(" ") for text in prepared]
            keys, index = list(itertools.chain.from_iterable(pieces)), None
            starts = np.cumsum([0] + [len(one) for one in pieces[:-1]])
        else:
            # the texts, each followed by the marker, as one Arrow array made from buffers (no
            # conversion of Python objects, which would have pyarrow import pandas: ~45 MB)
            offsets = np.zeros(len(prepared) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, prepared), dtype=np.int64, count=len(prepared)) + 1, out=offsets[1:])
            texts = pa.Array.from_buffers(pa.large_binary(), len(prepared), [
                None, pa.py_buffer(offsets), pa.py_buffer(_LAST_BYTE.join(prepared) + _LAST_BYTE)])
            split = pc.split_pattern(texts, b" ")
            encoded = pc.dictionary_encode(split.values)
            index, starts = _values(encoded.indices), _values(split.offsets)[:-1]
            keys = [piece.decode("utf-8", "surrogatepass") for piece in encoded.dictionary.to_pylist()]
        rows = list(map(self._word_cache.get, keys))
        new = list(dict.fromkeys(key for key, row in zip(keys, rows) if row is None and key and key != _LAST))
        if new:
            if self._used + len(new) > _WORD_CACHE_ROWS:
                self._reset_cache()
                new = list(dict.fromkeys(key for key in keys if key and key != _LAST))
                if len(new) > _WORD_CACHE_ROWS and len(prepared) > 1:
                    return None
            self._add_words(new)
            rows = list(map(self._word_cache.get, keys))
        rows = np.array([-1 if row is None else row for row in rows], dtype=np.int64)
        if index is not None:
            rows = rows[index]
        words = rows >= 0
        # every text is at least one piece (its last): no empty segment
        sizes = np.add.reduceat(words, starts) if len(prepared) else words
        return rows[words], sizes

    def ngram_ids(self, text: str) -> list[int]:
        """Vocabulary ids of every n-gram langdetect would sample from ``text`` (slow path,
        for tests and inspection)."""
        words = self.prepare(text).split(" ")
        ids: list[int] = []
        last = len(words) - 1
        for position, word in enumerate(words):
            if word:
                ids.extend(self._word_ngrams(word, position != last)[0])
        return ids

    # -- scoring ---------------------------------------------------------------------
    def scores(self, text: str):
        """(summed log-probabilities per language, number of n-grams) for ``text``."""
        np = self._np
        rows = np.array(self.word_rows(text), dtype=np.int64)
        if not len(rows):
            return np.zeros(len(self.languages)), 0
        return self._word_scores[rows].sum(axis=0), int(self._word_counts[rows].sum())

    def guess(self, text: str) -> Guess:
        """The most probable language of ``text`` and its probability."""
        return self.guess_many([text])[0]

    def guess_many(self, texts: list[str]) -> list[Guess]:
        """:meth:`guess` of each of ``texts``, :data:`TEXTS_AT_ONCE` texts at a time (their
        words split and looked up together: :meth:`_word_table`)."""
        prepared = [self._prepared(text) for text in texts]
        guesses: list[Guess] = []
        for start in range(0, len(prepared), TEXTS_AT_ONCE):
            guesses += self._guess_batch(prepared[start:start + TEXTS_AT_ONCE])
        return guesses

    def _guess_batch(self, prepared: list[bytes]) -> list[Guess]:
        table = self._word_table(prepared)
        if table is None:  # more new words than the cache holds: half the texts at a time
            half = len(prepared) // 2
            return self._guess_batch(prepared[:half]) + self._guess_batch(prepared[half:])
        return self._guesses(*table)

    def _guesses(self, rows, sizes) -> list[Guess]:
        """The guess of each text whose words have the cache ``rows``, ``sizes`` rows each.

        A text's summed scores are ``np.add.reduceat`` over its words' rows, which adds
        them in order as ``sum(axis=0)`` does, for :data:`WORDS_AT_ONCE` words' worth of texts
        at a time; the softmax's operations are element by element or along a row, so
        each row comes out as the softmax of that row alone (``tests/test_language.py``
        compares both, bit for bit).
        """
        np = self._np
        sizes = sizes.tolist()
        guesses = [Guess(UNDETERMINED, 0.0, 0)] * len(sizes)
        worded = [text for text, size in enumerate(sizes) if size]  # the texts with words
        if not worded:
            return guesses
        lengths = [sizes[text] for text in worded]
        starts = np.cumsum([0] + lengths[:-1])
        n = np.add.reduceat(self._word_counts[rows], starts).tolist()
        emitted = np.add.reduceat(self._word_emitted[rows], starts).tolist()
        scored = [at for at, count in enumerate(n) if count]  # ... and n-grams
        if not scored:
            return guesses
        totals = np.empty((len(worded), len(self.languages)))
        first = words = 0
        for last, length in enumerate(lengths, start=1):
            words += length
            if words >= WORDS_AT_ONCE or last == len(lengths):  # texts first..last-1: one gather
                begin = int(starts[first])
                group = rows[begin:begin + words]
                totals[first:last] = np.add.reduceat(self._word_scores[group], starts[first:last] - begin, axis=0)
                first, words = last, 0
        if len(scored) < len(worded):
            totals = totals[scored]
        counts = [n[at] for at in scored]
        scaled = totals * np.array([min(count, EVIDENCE_NGRAMS) / count for count in counts])[:, None]
        scaled -= scaled.max(axis=1, keepdims=True)
        weights = np.exp(scaled)
        posterior = weights / weights.sum(axis=1, keepdims=True)
        best = posterior.argmax(axis=1)
        probabilities = posterior[np.arange(len(best)), best].tolist()
        for at, b, p, count in zip(scored, best.tolist(), probabilities, counts):
            guesses[worded[at]] = Guess(self.languages[b], p, count, emitted[at])
        return guesses


_WORD_CACHE_ROWS = 1 << 15
#: :meth:`Model.guess_many` sums this many words' rows at once (450 kB: they stay in the
#: cache; with 4096, 1.8 MB, the sums cost a third more).
WORDS_AT_ONCE = 1024
#: :meth:`Model.guess_many` splits and looks up the words of this many texts at once.
TEXTS_AT_ONCE = 512
#: New words' n-gram rows are gathered this many words at a time (~2.5 MB of float32).
NEW_WORDS_AT_ONCE = 512
#: Appended to the key of a text's last word in the word cache: no space follows that
#: word, so it has no closing n-grams (no prepared word holds this character).
_LAST = "\x00"
_LAST_BYTE = _LAST.encode()
_NON_ASCII_BYTES_RUN = re.compile(rb"[\x80-\xff]+")
_LATIN_BYTES = bytes(range(ord("A"), ord("z") + 1))
# UTF-8 lead bytes of characters >= U+0300
_HIGH_LEADS = bytes(range(0xCC, 0xF5))
# the first two bytes of the characters of U+1E00-U+1EFF (Latin Extended Additional)
_EXTENDED_ADDITIONAL_LEADS = tuple(bytes([0xE1, b]) for b in (0xB8, 0xB9, 0xBA, 0xBB))


_ASCII_BYTES_TABLE = bytes(
    b if (0x41 <= b <= 0x5A or 0x61 <= b <= 0x7A or b >= 0x80) else 0x20 for b in range(256)
)


def _values(array):
    """The values of an Arrow integer array without nulls, as numpy, without a copy (its
    ``to_numpy`` has pyarrow import pandas, ~45 MB, in a process that has not yet)."""
    import numpy as np

    dtype = np.dtype(f"<i{array.type.bit_width // 8}")
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array), offset=array.offset * dtype.itemsize)


def _utf8_pattern(codes) -> re.Pattern[bytes]:
    """A pattern matching the UTF-8 bytes of the non-ASCII characters ``codes``: one
    alternative per leading bytes, with a class of last bytes (UTF-8 is self-synchronising:
    a match is always a whole character)."""
    groups: dict[bytes, set[int]] = {}
    for code in codes:
        encoded = chr(code).encode("utf-8", "surrogatepass")
        if len(encoded) > 1:
            groups.setdefault(encoded[:-1], set()).add(encoded[-1])
    if not groups:
        return re.compile(b"(?!)")  # matches nothing
    return re.compile(b"|".join(
        re.escape(lead) + b"[" + b"".join(re.escape(bytes([last])) for last in sorted(lasts)) + b"]"
        for lead, lasts in sorted(groups.items())))


def _mostly_non_latin(data: bytes, characters: int) -> bool:
    """langdetect's test ``latin * 2 < non_latin`` on UTF-8 bytes (exact) of a text of
    ``characters`` characters.

    Latin: 'A' <= ch <= 'z'. Non-Latin: ch >= U+0300 outside U+1E00-U+1EFF. A
    character above U+007F takes at least two bytes, so there are at most
    ``len(data) - characters`` of them: when the Latin letters are at least half
    that many, the answer is no without counting the others (an English text with
    a few quotation marks and dashes), and the letters of its head often show it.
    """
    most = len(data) - characters
    head = data[:4 * most + 64]  # the Latin letters of a head are a lower bound: often enough
    if (len(head) - len(head.translate(None, _LATIN_BYTES))) * 2 >= most:
        return False
    latin = len(data) - len(data.translate(None, _LATIN_BYTES))
    if latin * 2 >= most:
        return False
    high = len(data) - len(data.translate(None, _HIGH_LEADS))
    extended_additional = sum(map(data.count, _EXTENDED_ADDITIONAL_LEADS))
    return latin * 2 < high - extended_additional


def _profile_script(freq: dict[str, int]) -> str:
    """The script of a profile's most frequent letter (``LATIN``, ``CYRILLIC``, ``CJK`` ...)."""
    import unicodedata

    letters = [(count, gram) for gram, count in freq.items() if len(gram) == 1 and gram.isalpha()]
    return unicodedata.name(max(letters)[1], "").split(" ")[0] if letters else ""


_lock = threading.Lock()
_model: Model | None = None


def get_model() -> Model:
    """The process-wide model, built on first use (about a second)."""
    global _model
    if _model is None:
        with _lock:
            if _model is None:
                log.info("loading langdetect profiles into the language model")
                _model = Model()
    return _model


def release_models() -> None:
    """Let go of the process-wide language models (langdetect's profiles and py3langid's
    identifier: ~90 MB handed back, measured in a fresh process); the next detection loads
    them again (about a second). The quality gate calls it once its language check is done,
    before its near-duplicate resolve, so that the two never hold memory at the same time."""
    global _model
    with _lock:
        _model = None
    from corpuskit.lang import py3langid_backend

    py3langid_backend.release()


_SPACE = re.compile(r"\s")


def sample_text(text: str, sample_chars: int) -> str:
    """At most ~``sample_chars`` characters: the head, middle and tail of ``text``.

    Windows are cut at whitespace so that no word is split; a window without
    whitespace (Chinese, Japanese, Thai) is kept as it is.

    >>> sample_text("one two three", 100)
    'one two three'
    >>> len(sample_text("word " * 1000, 300)) <= 300
    True
    >>> len(sample_text("日本語" * 100, 30))  # three windows of 10 characters and two newlines
    32
    """
    if sample_chars <= 0 or len(text) <= sample_chars:
        return text
    width = sample_chars // 3
    pieces = []
    for start in (0, (len(text) - width) // 2, len(text) - width):
        piece = text[start:start + width]
        if start > 0:
            cut = _SPACE.search(piece)
            piece = piece[cut.end():] if cut else piece
        if start + width < len(text):
            cut = max(piece.rfind(" "), piece.rfind("\n"))
            piece = piece[:cut] if cut > 0 else piece
        pieces.append(piece)
    return "\n".join(pieces)


_LETTER_RE = re.compile(r"[^\W\d_]")


# Characters of scripts where one character carries about a syllable or a word
# (CJK ideographs, kana, Hangul): each counts as this many letters of evidence,
# so a short but informative CJK headline is not called too short.
_DENSE_RE = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
DENSE_WEIGHT = 3


def _evidence(text: str, enough: int) -> int:
    """The letters of evidence of ``text`` (dense-script characters weigh more), or
    ``enough`` when there are at least that many: whether a text has ``minimum`` letters
    of evidence, for any ``minimum <= enough``, is ``_evidence(text, enough) >= minimum``.

    >>> _evidence("OK 42", 20), _evidence("The talks would continue next week.", 20)
    (2, 20)
    >>> _evidence("日本語", 20)  # three dense characters
    9
    """
    if enough <= 0:
        return 0
    if _letters_at_least(enough).match(text):
        return enough
    count = len(_LETTER_RE.findall(text))  # fewer than ``enough``
    if text.isascii():
        return count
    return count + (DENSE_WEIGHT - 1) * len(_DENSE_RE.findall(text))


@functools.lru_cache(maxsize=8)
def _letters_at_least(count: int) -> re.Pattern[str]:
    """A pattern that matches the start of a text with at least ``count`` letters: one pass
    (a letter and the non-letters after it, ``count`` times; the two classes are disjoint
    and the repeats possessive, so a failing match never backtracks)."""
    return re.compile(r"[\W\d_]*+(?:[^\W\d_][\W\d_]*+){%d}" % count)


#: With at least this many n-grams, a Latin- or Cyrillic-script text of which
#: more than :data:`MAX_UNKNOWN_SHARE` of the n-grams are in none of the 55
#: profiles is in a language no profile describes (Azerbaijani, Kazakh,
#: Mongolian, Belarusian, Icelandic, Yoruba): ``und``. Both numbers were chosen
#: on the first half of the evaluation sentences (benchmarks/eval_language.py):
#: there it turns no correctly labelled text of a covered language into ``und``.
#: Shorter text (a sentence is 150-300 n-grams) is too noisy for the test: one
#: foreign name can make a tenth of its n-grams unknown.
UNKNOWN_MIN_NGRAMS = 700
MAX_UNKNOWN_SHARE = 0.1


def _unknown_to_every_profile(model: Model, guess: Guess) -> bool:
    return (guess.emitted >= UNKNOWN_MIN_NGRAMS and guess.language in model.alphabetic
            and guess.ngrams < (1 - MAX_UNKNOWN_SHARE) * guess.emitted)


#: Fewer letters of evidence than this: ``und``. A label needs two models to
#: agree (the coverage guard), so ten letters are enough; one model alone needed
#: twenty (figures in docs/language.md).
MIN_LETTERS = 10
#: The coverage guard reads at most about this many characters (head, middle
#: and tail of the sample): its byte-by-byte walk costs more than langdetect's
#: cached word scores, and two sentences are enough evidence for it (450 gave
#: the same figures in benchmarks/eval_language.py, at 0.1 ms more per article).
GUARD_CHARS = 300
#: Letters enough for a script that names its language (one script, one language).
SCRIPT_MIN_LETTERS = 3
#: Language id backends: the default uses langdetect's profiles (always installed).
BACKENDS = ("langdetect", "py3langid")


def check_backend(name: str) -> None:
    """Raise ``ValueError`` for an unknown backend and a fix-it
    :class:`~corpuskit.errors.DependencyError` when py3langid (the py3langid
    backend, and the langdetect backend's coverage guard) is not installed."""
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r} (known: {', '.join(BACKENDS)})")
    from corpuskit.lang import py3langid_backend

    py3langid_backend.check_installed()  # the backend, or the default backend's guard


def detect(text: str, *, sample_chars: int = 1500, min_letters: int = MIN_LETTERS,
           min_probability: float = 0.8, backend: str = "langdetect") -> tuple[str, float]:
    """Return (language code, probability) for ``text``; ``und`` when unsure.

    A script that names its language decides first (Armenian ``hy``, Georgian
    ``ka``, ...; :mod:`corpuskit.lang.scripts`): when at least half the letters
    are in it, the label is certain (score 1.0) and :data:`SCRIPT_MIN_LETTERS`
    letters are enough. Text mostly in a script the backend has no model for is
    ``und``. Otherwise the backend's best label, ``und`` below ``min_probability``
    or with fewer than ``min_letters`` letters. With the default backend the label
    must also be confirmed by the coverage guard
    (:func:`corpuskit.lang.py3langid_backend.confirms`): a second, independent
    model that knows 139 languages names the same one, or the answer is ``und``
    (Malay is not Indonesian, Bosnian not Croatian, unless both models say so), and
    the words or letters of an uncovered sibling language must not be at least as
    many as the label's own (:mod:`corpuskit.lang.siblings`: Malay *kerana*,
    Bosnian *hiljada*, Azerbaijani *ə* are ``und``, not ``id``, ``hr``, ``tr``).

    >>> detect("The president said on Monday that the talks would continue next week.")
    ('en', 1.0)
    >>> detect("Der Präsident sagte am Montag, die Gespräche würden nächste Woche fortgesetzt.")[0]
    'de'
    >>> detect("Հայաստանի կառավարությունը հինգշաբթի հաստատեց նոր ծրագիրը։")
    ('hy', 1.0)
    >>> detect("OK 42")
    ('und', 0.0)
    """
    return detect_many([text], sample_chars=sample_chars, min_letters=min_letters,
                       min_probability=min_probability, backend=backend)[0]


def detect_many(texts: list[str], *, sample_chars: int = 1500, min_letters: int = MIN_LETTERS,
                min_probability: float = 0.8, backend: str = "langdetect") -> list[tuple[str, float]]:
    """:func:`detect` of each of ``texts``: the models score all the texts that need them at
    once (:meth:`Model.guess_many`, :func:`~corpuskit.lang.py3langid_backend.confirms_many`),
    which gives each text the label and probability it gets alone, bit for bit, at a
    fraction of the cost per text."""
    found: list[tuple[str, float] | None] = [None] * len(texts)
    samples: dict[int, str] = {}  # text -> its sample, for the backend
    for at, text in enumerate(texts):
        sample = sample_text(text, sample_chars)
        letters = _evidence(sample, max(SCRIPT_MIN_LETTERS, min_letters))
        script = dominant_script(sample) if letters >= SCRIPT_MIN_LETTERS else None
        if script is not None and script[1] is not None:
            found[at] = script[1], 1.0
        elif script is not None and backend == "langdetect":
            found[at] = UNDETERMINED, 0.0  # a script no langdetect profile covers
        elif letters < min_letters:
            found[at] = UNDETERMINED, 0.0
        else:
            samples[at] = sample
    if not samples:
        return found  # no model needed (nor loaded)
    from corpuskit.lang import py3langid_backend

    if backend == "py3langid":
        for at, (language, probability) in zip(samples, py3langid_backend.guess_many(list(samples.values()))):
            found[at] = _thresholded(language, probability, min_probability)
        return found
    model = get_model()
    guarded: dict[int, str] = {}  # text -> the guard's input
    for (at, sample), guess in zip(samples.items(), model.guess_many(list(samples.values()))):
        if _unknown_to_every_profile(model, guess):
            found[at] = UNDETERMINED, round(guess.probability, 4)
            continue
        found[at] = _thresholded(guess.language, guess.probability, min_probability)
        if found[at][0] != UNDETERMINED:
            guarded[at] = only_alphabet(sample_text(sample, GUARD_CHARS), model.scripts[guess.language])
    confirmed = py3langid_backend.confirms_many(list(guarded.values()), [found[at][0] for at in guarded]) \
        if guarded else []
    for (at, guard_text), agrees in zip(guarded.items(), confirmed):
        language, probability = found[at]
        if not agrees:
            found[at] = UNDETERMINED, probability  # the coverage guard names another language
        elif siblings.rejects(language, samples[at], guard_text):
            found[at] = UNDETERMINED, probability  # the words or letters of a sibling langdetect lacks
    return found


def _thresholded(language: str, probability: float, min_probability: float) -> tuple[str, float]:
    """(language, probability to 4 places), or ``und`` when the backend is unsure."""
    probability = round(probability, 4)
    if math.isnan(probability):
        return UNDETERMINED, 0.0
    if language == UNDETERMINED or probability < min_probability:
        return UNDETERMINED, probability
    return language, probability


__all__ = ["BACKENDS", "Guess", "MIN_LETTERS", "Model", "UNDETERMINED", "check_backend", "detect", "detect_many",
           "get_model", "sample_text"]
