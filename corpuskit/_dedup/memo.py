"""The build's signature memo: each dedup signature the build computed, under the digest of
the exact inputs it was computed from, for the build's gate to take instead of computing it
again (``records.near_duplicates``; docs/check.md says why the check still means something).

A signature is a function of three fields of its record, :data:`SIGNED_FIELDS` (the headline
split reads ``title`` and ``text``, the story day ``date``; ``tests/test_signature_memo.py``
fails if :func:`~corpuskit._dedup.signature.compute_batch` reads any other key).
:func:`input_digests` hashes exactly those values (BLAKE2b, 128 bits, each value tagged and
length-prefixed: no two different inputs share an encoding). The workers digest the very
records they sign (:func:`signed_batch`, the ``dedup`` step's ``signatures``); the gate
digests each row as read back from the published parquet, the record it would sign itself.
So a published row whose digest the memo holds has the inputs of a record the build signed,
and that record's signature is the row's; any other row (its text written or read back
differently, a field the pipeline shaped otherwise) is not found and is signed again.

The memo lives in the build's own spill folder, never in the published version, and is
written and read as files: the build's process streams it (no Python object per record is
kept), a gate process holds 32 bytes a record of its index and reads a signature when it
takes one. Files: ``digests`` (16 bytes a record, in signing order), ``offsets`` (int64: where
each record's marshalled signature ends in ``signatures``), and, once closed, ``sorted`` (the
digests sorted) and ``order`` (int64: the record of each sorted digest).
"""

from __future__ import annotations

import hashlib
import marshal
import os

import numpy as np

from corpuskit._dedup.signature import Signature, compute_batch

#: The record fields a dedup signature is computed from (see the module docstring).
SIGNED_FIELDS = ("title", "text", "date")
#: The digest of a record whose signed fields are not all str or None: matches nothing.
UNMATCHED = bytes(16)
_NONE, _STR = b"\x00", b"\x01"


def input_digests(records: list[dict]) -> bytes:
    """The 16-byte digest of each record's :data:`SIGNED_FIELDS`, concatenated in order.

    >>> a = input_digests([{"title": None, "text": "Body", "date": None}])
    >>> a == input_digests([{"text": "Body"}]), a == input_digests([{"title": "", "text": "Body"}])
    (True, False)
    """
    out = bytearray()
    for record in records:
        digest = hashlib.blake2b(digest_size=16)
        for name in SIGNED_FIELDS:
            value = record.get(name)
            if value is None:
                digest.update(_NONE)
            elif isinstance(value, str):
                data = value.encode("utf-8", "surrogatepass")
                digest.update(_STR + len(data).to_bytes(8, "little"))
                digest.update(data)
            else:
                digest = None
                break
        out += UNMATCHED if digest is None else digest.digest()
    return bytes(out)


class SignedBatch(list):
    """The signatures of a batch (a list, as every collector takes it) and ``digests``, the
    :func:`input_digests` of the records they were computed from."""

    digests: bytes = b""


def signed_batch(records: list[dict]) -> SignedBatch:
    """:func:`~corpuskit._dedup.signature.compute_batch` of ``records``, with their digests."""
    batch = SignedBatch(compute_batch(records))
    batch.digests = input_digests(records)
    return batch


class MemoWriter:
    """Streams the signatures of a build into the memo folder ``path`` (created here)."""

    def __init__(self, path: str):
        os.makedirs(path)
        self.path = path
        self._digests = open(os.path.join(path, "digests"), "wb")
        self._signatures = open(os.path.join(path, "signatures"), "wb")
        self._offsets = open(os.path.join(path, "offsets"), "wb")
        self._offsets.write(np.zeros(1, dtype="<i8").tobytes())
        self._end = 0

    def append(self, signatures) -> None:
        """Add a batch's signatures (a :class:`SignedBatch`; a plain list has no digests and
        is left out: the gate signs those records again)."""
        digests = getattr(signatures, "digests", None)
        if digests is None or not signatures:
            return
        if len(digests) != 16 * len(signatures):
            raise ValueError(f"{len(digests) // 16} digests for {len(signatures)} signatures")
        blobs = [marshal.dumps(tuple(signature)) for signature in signatures]
        ends = self._end + np.cumsum(np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs)))
        self._end = int(ends[-1])
        self._signatures.write(b"".join(blobs))
        self._offsets.write(ends.astype("<i8").tobytes())
        self._digests.write(digests)

    def close(self) -> None:
        """Finish the files and write the sorted index the gate looks digests up in."""
        self.abort()
        digests = np.fromfile(os.path.join(self.path, "digests"), dtype="S16")
        order = np.argsort(digests, kind="stable")
        digests[order].tofile(os.path.join(self.path, "sorted"))
        order.astype("<i8").tofile(os.path.join(self.path, "order"))

    def abort(self) -> None:
        """Close the files (a failed build: its folder, the memo with it, is removed)."""
        for handle in (self._digests, self._signatures, self._offsets):
            handle.close()


class Memo:
    """A closed memo, read: :meth:`find` digests, then take :meth:`signature` s."""

    def __init__(self, path: str):
        self.sorted = np.fromfile(os.path.join(path, "sorted"), dtype="S16")
        self.order = np.fromfile(os.path.join(path, "order"), dtype="<i8")
        self.offsets = np.fromfile(os.path.join(path, "offsets"), dtype="<i8")
        if not len(self.sorted) == len(self.order) == len(self.offsets) - 1:
            raise ValueError(f"{path}: the memo's files disagree on its length")
        self._fd = os.open(os.path.join(path, "signatures"), os.O_RDONLY)

    def find(self, digests: bytes) -> np.ndarray:
        """The memo record of each 16-byte digest, -1 where it holds none (and for
        :data:`UNMATCHED`)."""
        keys = np.frombuffer(digests, dtype="S16")
        if not len(self.sorted):
            return np.full(len(keys), -1, dtype=np.int64)
        at = np.minimum(np.searchsorted(self.sorted, keys), len(self.sorted) - 1)
        found = (self.sorted[at] == keys) & (keys != UNMATCHED)
        return np.where(found, self.order[at], -1)

    def signature(self, index: int) -> Signature:
        start, end = int(self.offsets[index]), int(self.offsets[index + 1])
        return Signature(*marshal.loads(os.pread(self._fd, end - start, start)))

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1
