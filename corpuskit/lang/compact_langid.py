"""py3langid's classifier on a smaller, faster layout of the same model.

py3langid 0.4.0 holds its model as (measured, ``benchmarks/eval_language.py``'s
``guard_cost``):

* the byte DFA that finds the features, 38,346 distinct rows of 256 ``uint32``
  transitions (39 MB), and
* ``nb_ptc``, the per-feature log-probabilities, a dense ``float16`` matrix of
  100,053 features x 142 classes (28 MB). Scoring a text gathers the rows of its
  features and numpy converts them to ``float32`` before the product; that
  conversion (numpy has no fast path for it here) was most of the scoring time.

This module keeps py3langid's own code for everything that decides (encoding,
the naive-Bayes product, the softmax, label aliases, ``set_languages``; for a
batch, the same arithmetic row by row), changes the layout of the two tables, and
walks the DFA with numpy:

* **byte classes**: bytes whose column is the same in every DFA row (197
  classes of 256 byte values) share one column; the text is mapped to its
  classes once (``bytes.translate``) before the walk. The walk visits the same
  states.
* **sparse log-probabilities**: most entries of a class's column are that
  column's minimum (its value for a feature never seen in the class; 81.5 % of
  all entries); a row with few other entries (the rare features) keeps only
  those, as the ``float16`` bit patterns they have, the others stay whole
  (:class:`Float16Rows`: 15 MB instead of 27). The rows of a text's features are
  rebuilt and converted to ``float32`` exactly; the product then gets the same
  ``float32`` matrix it got before, so its result is the same to the last bit.
  ``tests/test_language.py`` compares both tables entry by entry with
  py3langid's and the labels and probabilities with py3langid's own
  ``classify`` and ``rank`` on text in many scripts.
* **the walk**: py3langid 0.4.0's DFA forgets where it started after 6 bytes
  (:func:`synchronizing_depth` proves it for the model file,
  :data:`SYNCHRONIZING_MODELS`), so the state after each byte is the state
  reached from the start on the 6 bytes ending there: 6 numpy gathers over the
  whole text instead of a Python step per byte (``visit_counts``); the features
  are counted in py3langid's order. Another model file is walked by
  ``visit_counts``.
* **batches** (:meth:`CompactIdentifier.decide_many`): the texts of a batch are
  walked together (each from the start state), one sort counts every text's
  features and finds the batch's distinct ones, whose rows are converted once
  each (a batch of news repeats most features: ~5,800 distinct of ~54,000 in 300
  articles' guard inputs), and each text's
  product is py3langid's own (a product over several texts could sum in another
  order); the normalisation is ``_decide``'s float32 arithmetic on every row at
  once (element by element or along a row, so each row is what ``_decide`` gives
  that text alone: ``tests/test_language.py`` compares them bit for bit).
"""

from __future__ import annotations

import hashlib
import math
from array import array

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, RAW_FLOOR, LanguageIdentifier, visit_counts
from py3langid.modelio import load_model


#: A row of ``nb_ptc`` with at most this many entries off its columns' defaults is kept as
#: those entries (3 bytes each) instead of whole (2 bytes per class). A layout choice only:
#: the rows rebuilt are the same whatever it is. The rare features (half of the 100,053
#: rows) are kept sparse; the features texts have are nearly all common ones, whose rows
#: stay whole: 2.5 % of 3,000 generated news articles' guard inputs had any sparse row, and
#: reading a text's rows took 14.5-16 us instead of 12.3-13.2 (with 20 entries: 12 MB
#: instead of 15, but 37 % of the inputs had a sparse row, and 21 us).
SPARSE_ENTRIES = 10
#: :meth:`CompactIdentifier.raw_scores` gathers the rows of this many features of the texts at once
#: (0.6 MB of float32 with 142 classes: a few texts' worth, small enough to stay in the cache).
ROWS_AT_ONCE = 1024
#: :meth:`CompactIdentifier.raw_scores` converts the rows of at most this many distinct features
#: at once (4.7 MB of float32), a batch with more half its texts at a time.
DISTINCT_AT_ONCE = 8192


class Float16Rows:
    """``nb_ptc`` (features x classes, float16) whose ``table[idx]`` are the rows as
    float32, converted by integer arithmetic on the bit patterns; ``table[:, columns]``
    is the table restricted to those classes (what ``set_languages`` asks).

    Held in 15 MB instead of 27: per class, its column's minimum (the log-probability
    of a feature never seen in that class, which most entries hold) is kept once, and a row with
    at most :data:`SPARSE_ENTRIES` other entries only as those entries (their column and
    bit pattern); the other rows whole. ``table[idx]`` puts the rows of ``idx`` together
    again, bit for bit, before converting them. Every process that checks languages holds
    this table (a build's cleaning processes, the gate's), so 12 MB less each.

    For a negative normal float16 ``h`` (sign 1, exponent 1-30; every entry of the
    model is one, checked on construction), the float32 with the same value has
    the bit pattern ``(h << 13) + 0xA8000000``: the exponent bias moves from 15 to
    127 and the sign from bit 15 to bit 31. numpy's own conversion, used when the
    check fails, costs about twice as much.
    """

    __slots__ = ("shape", "_default", "_whole", "_slot", "_starts", "_columns", "_values", "_by_bits")

    def __init__(self, table: np.ndarray, by_bits: bool | None = None):
        bits = np.ascontiguousarray(table, dtype=np.float16).view(np.uint16)
        rows, width = bits.shape
        self.shape = bits.shape
        if by_bits is None:  # negative normal float16 bit patterns: 0x8400 to 0xFBFF
            by_bits = bool(bits.size == 0 or (bits.min() >= 0x8400 and bits.max() <= 0xFBFF))
        self._by_bits = by_bits
        # each column's minimum: in py3langid's model, the value of most entries (any value
        # would give the same rows; this one gives the fewest entries to keep)
        self._default = (bits.view(np.float16).min(axis=0) if rows else np.zeros(width, np.float16)).view(np.uint16)
        off = np.zeros(rows, dtype=np.int64)  # entries off the defaults, per row
        for start in range(0, rows, 8192):  # in blocks: no table-sized temporaries
            off[start:start + 8192] = (bits[start:start + 8192] != self._default).sum(axis=1)
        whole = off > SPARSE_ENTRIES
        # slot of a row: >= 0 its index in ``_whole``, < 0 (-1 - n) the n-th sparse row
        self._slot = np.where(whole, np.cumsum(whole) - 1, -np.cumsum(~whole)).astype(np.int32)
        self._whole = bits[whole]
        self._starts = np.concatenate([[0], np.cumsum(off[~whole])]).astype(np.int64)
        columns, values = [], []
        for start in range(0, rows, 8192):
            block = bits[start:start + 8192][~whole[start:start + 8192]]
            mask = block != self._default
            columns.append(np.nonzero(mask)[1].astype(np.uint8 if width <= 256 else np.uint16))
            values.append(block[mask])
        self._columns = np.concatenate(columns) if columns else np.zeros(0, np.uint8)
        self._values = np.concatenate(values) if values else np.zeros(0, np.uint16)

    @property
    def nbytes(self) -> int:
        """Bytes of the tables held (the float16 matrix would take ``shape[0] * shape[1] * 2``)."""
        return sum(a.nbytes for a in (self._default, self._whole, self._slot, self._starts,
                                      self._columns, self._values))

    def _bits(self, idx: np.ndarray) -> np.ndarray:
        """The float16 bit patterns of the rows ``idx``, as the whole matrix holds them."""
        slot = self._slot[idx]
        if not slot.size or slot.min() >= 0:  # only whole rows: nearly always
            return np.take(self._whole, slot, axis=0)  # half the time of ``self._whole[slot]``
        out = np.take(self._whole, np.maximum(slot, 0), axis=0)  # the sparse rows are replaced below
        at = np.flatnonzero(slot < 0)
        out[at] = self._default
        first = self._starts[-1 - slot[at]]
        lengths = self._starts[-slot[at]] - first
        ends = np.cumsum(lengths)
        entries = np.arange(ends[-1]) + np.repeat(first - (ends - lengths), lengths)
        out[np.repeat(at, lengths), self._columns[entries]] = self._values[entries]
        return out

    def float16(self) -> np.ndarray:
        """The whole matrix, as py3langid holds it (27 MB: for ``set_languages`` and tests)."""
        return self._bits(np.arange(self.shape[0])).view(np.float16)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            return Float16Rows(self.float16()[key], self._by_bits)
        rows = self._bits(np.asarray(key, dtype=np.intp))
        if not self._by_bits:
            return rows.view(np.float16).astype(np.float32)
        rows = rows.astype(np.uint32)
        rows <<= 13
        rows += 0xA8000000
        return rows.view(np.float32)


def merge_byte_columns(moves: array) -> tuple[np.ndarray, bytes]:
    """(transitions with one column per byte class, byte -> class table).

    Two bytes are in one class when their columns are equal in every row of
    the DFA, so the walk over the classes of a text visits the same states as
    the walk over its bytes. The table is a numpy array: numpy asks the kernel
    for huge pages for it, which the walk's random reads need (with 4 kB pages
    nearly every read of the 30 MB missed the TLB).
    """
    rows = np.frombuffer(moves, dtype=f"u{moves.itemsize}").reshape(-1, 256)
    representatives: dict[bytes, list[int]] = {}
    byte_class = bytearray(256)
    keep: list[int] = []
    for byte in range(256):
        column = rows[:, byte]
        same = representatives.setdefault(hashlib.blake2b(column.tobytes()).digest(), [])
        for cls in same:
            if np.array_equal(rows[:, keep[cls]], column):
                break
        else:
            cls = len(keep)
            keep.append(byte)
            same.append(cls)
        byte_class[byte] = cls
    merged = np.empty((len(rows), len(keep)), dtype=rows.dtype)
    for cls, byte in enumerate(keep):  # column by column: rows[:, keep] would be one more copy
        merged[:, cls] = rows[:, byte]
    return merged, bytes(byte_class)


def synchronizing_depth(table: np.ndarray, tk_row, limit: int = 8) -> int | None:
    """The number of bytes ``k`` after which the DFA's state no longer depends on the
    state it started from (for every state ``s`` and every ``k`` bytes ``w``,
    ``walk(s, w) == walk(0, w)``), or ``None`` if it still does after ``limit`` bytes.

    The proof behind :data:`SYNCHRONIZING_MODELS`: with it, the state after each byte
    is the state a walk from the start reaches on the last ``k`` bytes alone, which
    numpy computes for every position at once. Follows every pair of different states
    that the same bytes lead to, from (every state, the start), until none is left;
    pairs are kept as rows of the table (the next pair depends only on the rows).
    Costs seconds and about a GB at most: for tests, not at load time.
    """
    rows = np.asarray(tk_row, dtype=np.int64)
    states = np.arange(len(rows), dtype=np.int64)
    left, right = states, np.zeros_like(states)
    for depth in range(1, limit + 1):
        pairs = np.unique(rows[left] * len(table) + rows[right])
        left = table[pairs // len(table)].ravel().astype(np.int64)
        right = table[pairs % len(table)].ravel().astype(np.int64)
        keep = left != right
        if not keep.any():
            return depth
        pairs = np.unique(left[keep] * len(rows) + right[keep])
        left, right = pairs // len(rows), pairs % len(rows)
    return None


#: sha256 of py3langid model files whose DFA forgets its start state after this many
#: bytes, by :func:`synchronizing_depth` (``tests/test_language.py`` checks the entry of
#: the installed model): py3langid 0.4.0's, whose features are byte n-grams of up to 6
#: bytes. Another model file is walked byte by byte, by py3langid's own ``visit_counts``.
SYNCHRONIZING_MODELS = {"f4f4a2c3465ca1f081541037f9cac23021d68151c2f709c55ae5eedfca522963": 6}


class CompactIdentifier(LanguageIdentifier):
    """py3langid's ``LanguageIdentifier`` (normalised probabilities) on the compact
    tables; every method that decides is py3langid's own, except the DFA walk when
    the model's DFA is known to forget its start state after ``window`` bytes
    (:meth:`visits`)."""

    __slots__ = ("_byte_class", "_window", "_moves")

    def __init__(self, nb_ptc, nb_pc, nb_classes, tk_nextmove, tk_output, *, tk_row, window: int | None = None):
        table, self._byte_class = merge_byte_columns(tk_nextmove)
        self._moves = table.reshape(-1)
        # py3langid's walk indexes tk_nextmove with ints: a memoryview of the table gives them
        super().__init__(Float16Rows(np.asarray(nb_ptc, dtype=np.float16)), nb_pc, nb_classes,
                         memoryview(self._moves), tk_output, norm_probs=True, tk_row=tk_row)
        self._window = window
        width = table.shape[1]
        if window is None:
            # py3langid's row << 8, for `width` columns; one int object per row, not per state
            bases = [row * width for row in range(len(table))]
            self._rowbase = [bases[row] for row in tk_row]
        else:  # numpy arrays for the vectorised walk (smaller than the lists of ints, too)
            self._rowbase = np.asarray(tk_row, dtype=np.intp) * width
            self.tk_output = np.asarray(tk_output, dtype=np.int32)

    def _encode(self, text):
        """py3langid's UTF-8 bytes of ``text``, each byte replaced by its class (same length)."""
        return LanguageIdentifier._encode(text).translate(self._byte_class)

    def visits(self, data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
        """The features py3langid's ``visit_counts`` finds in ``data`` (encoded): their
        ids in order of first occurrence and their counts (``float32``), or ``None``
        (:meth:`visits_many` for one text)."""
        ids, counts, _ = self.visits_many([data])
        return (ids, counts) if len(ids) else None

    def visits_many(self, data: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The features py3langid's ``visit_counts`` finds in each text of ``data`` (encoded):
        the ids of every text's features one text after the other, each text's in its order
        of first occurrence (the product sums in it), their counts (``float32``), and the
        number of features of each text.

        With a ``window``, the state after each byte is the state a walk from the start
        reaches on the ``window`` bytes ending there (the walk before them is forgotten:
        :func:`synchronizing_depth`), computed for every position of every text at once in
        ``window`` numpy steps instead of a Python step per byte (:meth:`_states`). One sort
        then counts every text's features (:func:`_first_occurrences`).
        """
        if self._window is None:
            found = [visit_counts(self.tk_nextmove, self._rowbase, self.tk_output, one) or {} for one in data]
            return (np.fromiter((i for f in found for i in f), dtype=np.intp),
                    np.fromiter((c for f in found for c in f.values()), dtype=np.float32),
                    np.fromiter(map(len, found), dtype=np.intp, count=len(found)))
        return self._visits(data)[:3]

    def _visits(self, data: list[bytes]) -> tuple[np.ndarray, ...]:
        """:meth:`visits_many`, and the distinct features of all the texts (ascending) with the
        index among them of each feature of each text."""
        if self._window is None:
            ids, counts, sizes = self.visits_many(data)
            return (ids, counts, sizes, *np.unique(ids, return_inverse=True))
        lengths = np.fromiter(map(len, data), dtype=np.intp, count=len(data))
        features = self.tk_output[self._states(b"".join(data), lengths)]
        text = np.repeat(np.arange(len(data), dtype=np.intp), lengths)  # the text of each byte
        first, counts, distinct, which = _first_occurrences(features, text)
        return (features[first].astype(np.intp), counts.astype(np.float32),
                np.bincount(text[first], minlength=len(data)), distinct, which)

    def _states(self, joined: bytes, lengths: np.ndarray) -> np.ndarray:
        """The DFA's state after each byte of ``joined``, the texts of ``lengths`` bytes one
        after the other, each walked from the start state.

        Step ``lag`` moves the walk ending at byte ``i`` by byte ``i - lag``; where that byte
        is in an earlier text (``i`` is fewer than ``lag`` bytes into its text) the state
        is put back to the start, as a walk over that text alone never took the step.
        """
        symbols = np.frombuffer(joined, dtype=np.uint8)
        n = len(symbols)
        states = np.zeros(n, dtype=np.intp)
        # byte j < window - 1 of every text but the first (the first walks from the start
        # anyway), ordered by j: after step ``lag`` those with j < lag go back to the start
        j = np.arange(self._window - 1)[:, None]
        kept = j < lengths[1:]
        heads = ((np.cumsum(lengths) - lengths)[1:] + j)[kept]
        upto = np.cumsum(kept.sum(axis=1)).tolist()  # upto[k]: the heads with j <= k
        for lag in range(min(self._window, n) - 1, -1, -1):
            states[lag:] = self._moves[self._rowbase[states[lag:]] + symbols[:n - lag]]
            if lag and upto[lag - 1]:
                states[heads[:upto[lag - 1]]] = 0
        return states

    def raw_scores(self, data: list[bytes]) -> np.ndarray:
        """py3langid's ``_raw_score`` of each text of ``data`` (encoded), one row each.

        The same arithmetic on the same arrays as ``_sparse_score``: the feature rows the
        texts have are read and converted once each (the ~300 texts of a batch of news have
        ~54,000 features, ~5,800 distinct; at most :data:`DISTINCT_AT_ONCE` rows at a time),
        gathered for :data:`ROWS_AT_ONCE` features of the texts at a time, and each text's
        row of the result is one product of its own ``log1p(counts)`` and rows, as
        py3langid computes it (one product over several texts could sum in another order).
        """
        ids, counts, sizes, distinct, which = self._visits(data)
        if len(distinct) > DISTINCT_AT_ONCE and len(data) > 1:
            half = len(data) // 2
            return np.concatenate([self.raw_scores(data[:half]), self.raw_scores(data[half:])])
        if len(distinct) == len(ids):  # no feature shared (one text): its rows, in its order
            table, which = self.nb_ptc[ids], None
        else:
            table = self.nb_ptc[distinct]  # float32
        # no features: 0.0 under norm_probs (uniform -> abstain), RAW_FLOOR otherwise
        scores = np.full((len(data), len(self.nb_classes)), 0.0 if self._norm_probs else RAW_FLOOR,
                         dtype=np.float32)
        weights = np.log1p(counts)
        rows, first, last, end = None, 0, 0, 0  # rows: nb_ptc's rows of ids[first:last]
        for text, size in enumerate(sizes.tolist()):
            if size:
                start, end = end, end + size
                if end > last:
                    first, last = start, max(end, min(start + ROWS_AT_ONCE, len(ids)))
                    rows = table[first:last] if which is None else np.take(table, which[first:last], axis=0)
                np.matmul(weights[start:end], rows[start - first:end - first], out=scores[text])
        scores[sizes > 0] += self.nb_pc
        return scores

    def _raw_score(self, text):
        """py3langid's ``_raw_score`` (:meth:`raw_scores` of one text), for its ``classify`` and ``rank``."""
        return self.raw_scores([text])[0]

    def decide_many(self, texts: list[str]) -> np.ndarray:
        """py3langid's ``_decide`` of each of ``texts`` (normalised probabilities), one row each.

        The same float32 operations on each row as ``_decide`` does on one text's scores (they
        are element by element, or along the row: the rows come out bit for bit the same;
        ``tests/test_language.py`` compares them), on every text of a batch at once.
        """
        if not self._norm_probs:
            raise ValueError("decide_many: an identifier with normalised probabilities (norm_probs=True)")
        if not texts:
            return np.zeros((0, len(self.nb_classes)), dtype=np.float32)
        data = [self._encode(text) for text in texts]
        scores = self.raw_scores(data)
        # T = sqrt(bytes) keeps softmax calibrated across lengths (py3langid's own comment)
        scores *= np.array([1.0 / math.sqrt(len(one) or 1) for one in data], dtype=np.float32)[:, None]
        np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        for i, j in self._alias_pairs:  # a label's script aliases (srl -> sr) folded into its first column
            scores[:, i] += scores[:, j]
            scores[:, j] = 0.0
        return scores

    def classify_many(self, texts: list[str]) -> list[tuple[str, float]]:
        """py3langid's ``classify`` of each of ``texts``: (label, probability)."""
        scores = self.decide_many(texts)
        best = scores.argmax(axis=1).tolist()
        found = []
        for text, i in enumerate(best):
            confidence = float(scores[text, i])
            if self.min_confidence is not None and confidence < self.min_confidence:
                found.append(("und", confidence))
            else:
                found.append((self.nb_classes[i], confidence))
        return found


def _first_occurrences(features: np.ndarray, text: np.ndarray):
    """The positions where a feature (``features >= 0``) occurs for the first time in its
    text (``text``, one text after the other), in order; how often it occurs in that text;
    the distinct features of all the texts (ascending) and the index among them of the
    feature at each of those positions.

    One sort of (feature, position) pairs packed into int64 (numpy's vectorised sort) puts
    each feature's occurrences together in order of position, so in order of text; a group
    is a run of one feature in one text, its first position the first occurrence. The
    counts are put at those positions, which are then read in order.
    """
    at = np.flatnonzero(features >= 0)
    if not at.size:
        return at, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp)
    shift = max(len(features), 1).bit_length()  # ids (100,053 features: 17 bits) and positions: < 63 bits
    packed = np.sort((features[at].astype(np.int64) << shift) | at)
    at = packed & ((1 << shift) - 1)
    feature, texts = packed >> shift, text[at]
    new_feature = np.concatenate(([True], feature[1:] != feature[:-1]))
    starts = np.flatnonzero(new_feature | np.concatenate(([False], texts[1:] != texts[:-1])))
    counts = np.zeros(len(features), dtype=np.int64)
    counts[at[starts]] = np.diff(np.append(starts, len(at)))
    which = np.empty(len(features), dtype=np.intp)
    which[at[starts]] = (np.cumsum(new_feature) - 1)[starts]
    first = np.flatnonzero(counts)
    return first, counts[first], feature[new_feature].astype(np.intp), which[first]


def load() -> CompactIdentifier:
    """py3langid's shipped model (its own loader), in the compact layout; its DFA walked
    :data:`SYNCHRONIZING_MODELS`' way when the model file is one of them."""
    path = MODEL_DIR / MODEL_FILE
    window = SYNCHRONIZING_MODELS.get(hashlib.sha256(path.read_bytes()).hexdigest())
    ptc, pc, classes, nextmove, row, output = load_model(path)
    return CompactIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, tk_row=row, window=window)
