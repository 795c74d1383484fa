"""Flat, offset-indexed storage of signatures inside the engine.

Workers hand the engine small picklable :class:`~corpuskit._dedup.signature.Signature`
tuples; :meth:`SignatureStore.append` copies their fields into a handful of
growing C arrays (``array.array``) and drops the tuple, so the engine holds no
Python object per article:

* one scalar array per field (``key`` uint64, ``size``, ``chars``, ``level``,
  ``anchor``, ``day``, input ``position``);
* the set-valued fields (``shingles``, ``head``, ``context``, ``numbers``) as
  one concatenated uint32 array each plus an int64 offset array: record ``i``'s
  values are ``data[off[i]:off[i + 1]]`` (sorted, unique);
* headline canonical tokens as one UTF-8 byte buffer plus offsets;
* the MinHash band keys, :data:`~corpuskit._dedup.signature.BANDS` uint32 per record.

About 0.8 KB per ~500-word article (see docs/dedup.md for the measured figure).
:meth:`freeze` exposes everything as numpy arrays without copying.

>>> from corpuskit._dedup.signature import compute
>>> store = SignatureStore()
>>> sig = compute({"title": None, "text": "HEADLINE\\n\\nSome body words here, 12 of them."})
>>> store.append(7, sig)
>>> store.signature(0) == sig, len(store), store.freeze().positions.tolist()
(True, 1, [7])
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from corpuskit._dedup.signature import BANDS, Signature

SETS = ("shingles", "head", "context", "numbers")


@dataclass
class Frozen:
    """Numpy views of a :class:`SignatureStore` (no copies)."""

    keys: np.ndarray
    sizes: np.ndarray
    chars: np.ndarray
    levels: np.ndarray
    anchors: np.ndarray
    days: np.ndarray
    positions: np.ndarray
    data: dict[str, np.ndarray]
    offsets: dict[str, np.ndarray]
    titles: bytes
    title_offsets: np.ndarray
    bands: np.ndarray  # (records, BANDS) uint32
    bodies: np.ndarray  # uint64 body keys

    def values(self, field: str, i: int) -> np.ndarray:
        off = self.offsets[field]
        return self.data[field][off[i]:off[i + 1]]

    def title(self, i: int) -> str:
        return self.titles[self.title_offsets[i]:self.title_offsets[i + 1]].decode("utf-8")


class SignatureStore:
    """Append-only flat storage of signatures (see the module docstring)."""

    def __init__(self) -> None:
        self.keys = array("Q")
        self.sizes = array("q")
        self.chars = array("q")
        self.levels = array("b")
        self.anchors = array("b")
        self.days = array("h")
        self.positions = array("q")
        self.data = {name: array("I") for name in SETS}
        self.offsets = {name: array("q", [0]) for name in SETS}
        self.titles = bytearray()
        self.title_offsets = array("q", [0])
        self.bands = array("I")
        self.bodies = array("Q")

    def __len__(self) -> int:
        return len(self.keys)

    def append(self, position: int, sig: Signature) -> None:
        self.keys.append(sig.key)
        self.sizes.append(sig.size)
        self.chars.append(sig.chars)
        self.levels.append(sig.level)
        self.anchors.append(sig.anchor)
        self.days.append(sig.day)
        self.positions.append(position)
        for name, blob in ((SETS[0], sig.shingles), (SETS[1], sig.head), (SETS[2], sig.context),
                           (SETS[3], sig.numbers)):
            values = self.data[name]
            values.frombytes(blob)
            self.offsets[name].append(len(values))
        self.titles += sig.title.encode("utf-8")
        self.title_offsets.append(len(self.titles))
        self.bands.frombytes(sig.bands)
        self.bodies.append(sig.body)

    def nbytes(self) -> int:
        """Bytes held by the arrays (allocated capacity may be a little more)."""
        total = sum(a.itemsize * len(a) for a in (self.keys, self.sizes, self.chars, self.levels,
                                                    self.anchors, self.days, self.positions,
                                                    self.title_offsets, self.bands, self.bodies))
        total += sum(a.itemsize * len(a) for a in self.data.values())
        total += sum(a.itemsize * len(a) for a in self.offsets.values())
        return total + len(self.titles)

    def freeze(self) -> Frozen:
        def view(values, dtype):
            return np.frombuffer(values, dtype=dtype) if len(values) else np.empty(0, dtype=dtype)

        return Frozen(
            keys=view(self.keys, np.uint64), sizes=view(self.sizes, np.int64),
            chars=view(self.chars, np.int64), levels=view(self.levels, np.int8),
            anchors=view(self.anchors, np.int8), days=view(self.days, np.int16),
            positions=view(self.positions, np.int64),
            data={k: view(v, np.uint32) for k, v in self.data.items()},
            offsets={k: view(v, np.int64) for k, v in self.offsets.items()},
            titles=bytes(self.titles), title_offsets=view(self.title_offsets, np.int64),
            bands=view(self.bands, np.uint32).reshape(-1, BANDS), bodies=view(self.bodies, np.uint64),
        )

    def signature(self, i: int) -> Signature:
        """Rebuild record ``i``'s signature (for scalar checks and tests)."""
        def blob(name):
            off = self.offsets[name]
            return self.data[name][off[i]:off[i + 1]].tobytes()

        return Signature(
            key=self.keys[i], size=self.sizes[i], chars=self.chars[i], level=self.levels[i],
            anchor=self.anchors[i], shingles=blob("shingles"), head=blob("head"),
            context=blob("context"), numbers=blob("numbers"), day=self.days[i],
            title=self.titles[self.title_offsets[i]:self.title_offsets[i + 1]].decode("utf-8"),
            bands=self.bands[i * BANDS:(i + 1) * BANDS].tobytes(), body=self.bodies[i],
        )
