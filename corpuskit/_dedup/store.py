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
:meth:`freeze` exposes everything as numpy arrays.

The set-valued fields, the band keys and the headlines (nearly all of those bytes)
are not needed until :meth:`freeze`: once they exceed :data:`SPILL_BYTES` in
memory they are appended to unnamed temporary files (``tempfile.TemporaryFile``:
the platform's temporary folder, ``TMPDIR``; removed by the system whatever
happens). A build's parent then holds some 60 bytes per article while the workers
clean, instead of 0.8 KB (850 MB at 1,000,000 articles). :meth:`freeze` does not
read them back: it maps each file read-only (``mmap``), and the clustering calls
:meth:`Frozen.release` after each pass over them, which drops the pages this
process touched from its memory; they are read again from the file (usually from
the page cache) when next used. The clustering's memory then no longer grows with
the corpus by 0.8 KB an article. (With ``TMPDIR`` on a RAM file system the files
themselves are in memory, outside any process's RSS.)

>>> from corpuskit._dedup.signature import compute
>>> store = SignatureStore()
>>> sig = compute({"title": None, "text": "HEADLINE\\n\\nSome body words here, 12 of them."})
>>> store.append(7, sig)
>>> store.signature(0) == sig, len(store), store.freeze().positions.tolist()
(True, 1, [7])
"""

from __future__ import annotations

import mmap
import os
import tempfile
from array import array
from dataclasses import dataclass

import numpy as np

from corpuskit._dedup.signature import BANDS, Signature

SETS = ("shingles", "head", "context", "numbers")

#: Bytes of set values, band keys and headlines held in memory before they go to disk: the
#: build's parent holds up to this much more than its workers while they clean (16 MB made
#: it the cleaning stage's largest process); writing 4 MB at a time costs no measurable time.
SPILL_BYTES = 4 << 20


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
    maps: tuple = ()  # the read-only maps of the spill files the spilled fields are views of

    def release(self) -> None:
        """Drop the mapped pages this process has touched from its memory (they stay in the
        file and are read again when next used; the values do not change)."""
        for view in self.maps:
            view.madvise(mmap.MADV_DONTNEED)

    def values(self, field: str, i: int) -> np.ndarray:
        off = self.offsets[field]
        return self.data[field][off[i]:off[i + 1]]

    def title(self, i: int) -> str:
        return self.titles[self.title_offsets[i]:self.title_offsets[i + 1]].decode("utf-8")

    def signature(self, i: int) -> Signature:
        """Rebuild record ``i``'s signature (for scalar checks and tests)."""
        def blob(name):
            return self.values(name, i).tobytes()

        return Signature(
            key=int(self.keys[i]), size=int(self.sizes[i]), chars=int(self.chars[i]),
            level=int(self.levels[i]), anchor=int(self.anchors[i]), shingles=blob("shingles"),
            head=blob("head"), context=blob("context"), numbers=blob("numbers"), day=int(self.days[i]),
            title=self.title(i), bands=self.bands[i].tobytes(), body=int(self.bodies[i]),
        )


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
        self._files: dict = {}  # field -> its temporary file, once spilled
        self._spilled = dict.fromkeys((*SETS, "bands", "titles"), 0)  # values on disk per field
        self._frozen: Frozen | None = None

    def __len__(self) -> int:
        return len(self.keys)

    def append(self, position: int, sig: Signature) -> None:
        self._frozen = None
        self.keys.append(sig.key)
        self.sizes.append(sig.size)
        self.chars.append(sig.chars)
        self.levels.append(sig.level)
        self.anchors.append(sig.anchor)
        self.days.append(sig.day)
        self.positions.append(position)
        held = 0
        for name, blob in ((SETS[0], sig.shingles), (SETS[1], sig.head), (SETS[2], sig.context),
                           (SETS[3], sig.numbers)):
            values = self.data[name]
            values.frombytes(blob)
            self.offsets[name].append(self._spilled[name] + len(values))
            held += len(values)
        self.titles += sig.title.encode("utf-8")
        self.title_offsets.append(self._spilled["titles"] + len(self.titles))
        self.bands.frombytes(sig.bands)
        self.bodies.append(sig.body)
        if 4 * (held + len(self.bands)) + len(self.titles) > SPILL_BYTES:
            self._spill()

    def _held(self) -> dict:
        """The arrays that go to disk, by name (``titles`` is a bytearray: counted in bytes)."""
        return {**self.data, "bands": self.bands, "titles": self.titles}

    def _spill(self) -> None:
        """Append the held set values, band keys and headlines to their temporary files."""
        for name, values in self._held().items():
            handle = self._files.get(name)
            if handle is None:
                handle = self._files[name] = tempfile.TemporaryFile(prefix="corpuskit-signatures-")
            handle.write(values)
            handle.flush()  # ``_read`` reads the file by offset, beside the buffered handle
            self._spilled[name] += len(values)
        self.data = {name: array("I") for name in SETS}
        self.bands = array("I")
        self.titles = bytearray()

    def nbytes(self) -> int:
        """Bytes of signature data, in memory and spilled (allocated capacity may be a little more)."""
        total = sum(a.itemsize * len(a) for a in (self.keys, self.sizes, self.chars, self.levels,
                                                    self.anchors, self.days, self.positions,
                                                    self.title_offsets, self.bodies))
        total += sum(a.itemsize * len(a) for a in self.offsets.values())
        total += sum(4 * (len(a) + self._spilled[name]) for name, a in self.data.items())
        total += 4 * (len(self.bands) + self._spilled["bands"])
        return total + len(self.titles) + self._spilled["titles"]

    def freeze(self) -> Frozen:
        """Numpy arrays of everything added: views of the memory arrays, and of read-only maps
        of the temporary files once anything was spilled (the rest held is spilled first, so
        that each field is one map)."""
        if self._frozen is not None:
            return self._frozen
        if self._files:
            self._spill()

        def view(values, dtype):
            return np.frombuffer(values, dtype=dtype) if len(values) else np.empty(0, dtype=dtype)

        maps = {}
        for name, handle in self._files.items():
            if self._spilled[name]:
                maps[name] = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)

        def spilled(name, dtype):
            return view(maps[name], dtype) if name in maps else view(self._held()[name], dtype)

        self._frozen = Frozen(
            keys=view(self.keys, np.uint64), sizes=view(self.sizes, np.int64),
            chars=view(self.chars, np.int64), levels=view(self.levels, np.int8),
            anchors=view(self.anchors, np.int8), days=view(self.days, np.int16),
            positions=view(self.positions, np.int64),
            data={k: spilled(k, np.uint32) for k in SETS},
            offsets={k: view(v, np.int64) for k, v in self.offsets.items()},
            titles=maps["titles"] if "titles" in maps else bytes(self.titles),
            title_offsets=view(self.title_offsets, np.int64),
            bands=spilled("bands", np.uint32).reshape(-1, BANDS), bodies=view(self.bodies, np.uint64),
            maps=tuple(maps.values()),
        )
        return self._frozen

    def signature(self, i: int) -> Signature:
        """Rebuild record ``i``'s signature (for scalar checks and tests)."""
        if self._frozen is not None:
            return self._frozen.signature(i)

        def blob(name):
            off = self.offsets[name]
            return self._read(name, off[i], off[i + 1])

        start, end = self.title_offsets[i], self.title_offsets[i + 1]
        return Signature(
            key=self.keys[i], size=self.sizes[i], chars=self.chars[i], level=self.levels[i],
            anchor=self.anchors[i], shingles=blob("shingles"), head=blob("head"),
            context=blob("context"), numbers=blob("numbers"), day=self.days[i],
            title=self._read("titles", start, end).decode("utf-8"),
            bands=self._read("bands", i * BANDS, (i + 1) * BANDS), body=self.bodies[i],
        )

    def _read(self, name: str, lo: int, hi: int) -> bytes:
        """The bytes of field ``name``'s values ``lo:hi``, from its file and/or memory (no
        buffer is exported: appending stays possible)."""
        held, spilled = self._held()[name], self._spilled[name]
        size = held.itemsize if isinstance(held, array) else 1
        out = b""
        if lo < spilled:
            out = os.pread(self._files[name].fileno(), (min(hi, spilled) - lo) * size, lo * size)
        if hi > spilled:
            part = held[max(lo, spilled) - spilled:hi - spilled]
            out += part.tobytes() if isinstance(part, array) else bytes(part)
        return out

    def close(self) -> None:
        """Remove the temporary files (the store is empty after). A map of one stays valid
        while an array still views it; the system removes the file with the last of them."""
        self._frozen = None
        for handle in self._files.values():
            handle.close()
        self._files.clear()
