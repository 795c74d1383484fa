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
the DFA walk, the naive-Bayes product, the softmax, label aliases,
``set_languages``) and changes only the layout of the two tables:

* **byte classes**: bytes whose column is the same in every DFA row (197
  classes of 256 byte values) share one column; the text is mapped to its
  classes once (``bytes.translate``) before the walk. The walk visits the same
  states.
* **sparse log-probabilities**: most entries of a class's column are that
  column's minimum (its value for a feature never seen in the class); only the
  other entries are stored (18.5 %), as the ``float16`` bit patterns they have.
  The rows of a text's features are rebuilt as ``float32`` through a table of
  all 65,536 conversions, which numpy computed itself; the product then gets
  the same ``float32`` matrix it got before, so its result is the same to the
  last bit. ``tests/test_language.py`` compares both tables entry by entry with
  py3langid's and the labels and probabilities with py3langid's own
  ``classify`` and ``rank`` on text in many scripts.
"""

from __future__ import annotations

import hashlib
from array import array

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
from py3langid.modelio import load_model



class Float16Rows:
    """``nb_ptc`` (features x classes, float16) whose ``table[idx]`` are the rows as
    float32, converted by integer arithmetic on the bit patterns; ``table[:, columns]``
    is the table restricted to those classes (what ``set_languages`` asks).

    For a negative normal float16 ``h`` (sign 1, exponent 1-30; every entry of the
    model is one, checked on construction), the float32 with the same value has
    the bit pattern ``(h << 13) + 0xA8000000``: the exponent bias moves from 15 to
    127 and the sign from bit 15 to bit 31. numpy's own conversion, used when the
    check fails, costs about twice as much.
    """

    __slots__ = ("_table", "_by_bits")

    def __init__(self, table: np.ndarray, by_bits: bool | None = None):
        self._table = table
        if by_bits is None:  # negative normal float16 bit patterns: 0x8400 to 0xFBFF
            bits = table.view(np.uint16)
            by_bits = bool(bits.min() >= 0x8400 and bits.max() <= 0xFBFF)
        self._by_bits = by_bits

    @property
    def shape(self):
        return self._table.shape

    @property
    def nbytes(self) -> int:
        return self._table.nbytes

    def __getitem__(self, key):
        if isinstance(key, tuple):
            return Float16Rows(self._table[key], self._by_bits)
        if not self._by_bits:
            return self._table[key].astype(np.float32)
        rows = self._table.view(np.uint16)[key].astype(np.uint32)
        rows <<= 13
        rows += 0xA8000000
        return rows.view(np.float32)


def merge_byte_columns(moves: array) -> tuple[array, bytes, int]:
    """(transitions with one column per byte class, byte -> class table, number of classes).

    Two bytes are in one class when their columns are equal in every row of
    the DFA, so the walk over the classes of a text visits the same states as
    the walk over its bytes.
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
    # filled in place: a temporary copy of 30 MB would stay in the process's heap
    merged = array(moves.typecode, [0]) * (len(rows) * len(keep))
    target = np.frombuffer(merged, dtype=rows.dtype).reshape(len(rows), len(keep))
    for cls, byte in enumerate(keep):  # column by column: rows[:, keep] would be one more copy
        target[:, cls] = rows[:, byte]
    return merged, bytes(byte_class), len(keep)


class CompactIdentifier(LanguageIdentifier):
    """py3langid's ``LanguageIdentifier`` (normalised probabilities) on the compact
    tables; every method that decides is py3langid's own."""

    __slots__ = ("_byte_class",)

    def __init__(self, nb_ptc, nb_pc, nb_classes, tk_nextmove, tk_output, *, tk_row):
        moves, self._byte_class, width = merge_byte_columns(tk_nextmove)
        super().__init__(Float16Rows(np.asarray(nb_ptc, dtype=np.float16)), nb_pc, nb_classes, moves, tk_output,
                         norm_probs=True, tk_row=tk_row)
        # py3langid's row << 8, for `width` columns; one int object per row, not per state
        bases = [row * width for row in range(len(moves) // width)]
        self._rowbase = [bases[row] for row in tk_row]

    def _encode(self, text):
        """py3langid's UTF-8 bytes of ``text``, each byte replaced by its class (same length)."""
        return LanguageIdentifier._encode(text).translate(self._byte_class)


def load() -> CompactIdentifier:
    """py3langid's shipped model (its own loader), in the compact layout."""
    ptc, pc, classes, nextmove, row, output = load_model(MODEL_DIR / MODEL_FILE)
    return CompactIdentifier(np.asarray(ptc), np.asarray(pc), classes, nextmove, output, tk_row=row)
