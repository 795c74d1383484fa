"""Open sources as streams of lines with byte offsets, compressed or not.

``.gz`` is read with the standard library; ``.zst``/``.zstd`` needs the
optional ``zstandard`` package (``pip install corpuskit[zstd]``). Byte offsets
of a compressed source are offsets in the *decompressed* stream; the checksum
recorded for provenance is the sha256 of the file as it is on disk.

A plain file is streamed when a first pass (checksum and UTF-8 check, in
fixed-size chunks) shows it is UTF-8 text without ISO-2022/HZ escapes; any
other file (another encoding, a byte-order mark other than UTF-8's, NUL bytes,
escapes, empty) is handed to :func:`corpuskit.readers.source.load_source`, which
reads it whole and decides. A compressed file is streamed in the encoding
:func:`sample_decoding` chooses from its first decompressed bytes; a later line
that contradicts the choice is a one-line error citing it.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import os
import time
from collections.abc import Iterator
from typing import BinaryIO

from corpuskit.errors import InputError, require
from corpuskit.readers.decoding import DETECT_BYTES, ESCAPE_RE, Decoding, choose
from corpuskit.readers.source import read_error

CHUNK = 1 << 22
COMPRESSIONS = {".gz": "gzip", ".zst": "zstd", ".zstd": "zstd"}
_OTHER_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def compression_of(path: str) -> str | None:
    """``"gzip"``, ``"zstd"`` or None, from the file name.

    >>> compression_of("a.jsonl.gz"), compression_of("a.JSONL.ZST"), compression_of("a.csv")
    ('gzip', 'zstd', None)
    """
    return COMPRESSIONS.get(os.path.splitext(path.lower())[1])


def strip_compression(path: str) -> str:
    """The file name without its compression suffix (``a.jsonl.gz`` -> ``a.jsonl``)."""
    if compression_of(path):
        return os.path.splitext(path)[0]
    return path


#: :func:`scan_plain`'s results in this process, by file identity (the last few files).
_SCANNED: dict[tuple, tuple[str, bool, int]] = {}
#: How long before a scan began a file must have last changed for its scan to be kept.
SETTLED_SECONDS = 2.0


def scan_plain(path: str, shown: str) -> tuple[str, bool, int]:
    """One pass over a plain file: (sha256, streamable as UTF-8, BOM length).

    Escape sequences (ISO-2022's ``ESC``, HZ's ``~{``) make it not streamable:
    :func:`~corpuskit.readers.decoding.choose` decides on the whole file.

    A file scanned again in this process is not read again when it is unchanged: same
    device, inode, size, modification and change times, and its last change at least
    :data:`SETTLED_SECONDS` before the first scan began (any later write then moves its
    change time, which no one can set back, whatever the file system's clock
    granularity). The build reads each source once, but its gate's checks each scanned
    every source again (the cited sources, the replay, the spans in every process:
    1.4 CPU-s each for a 680 MB source).
    """
    began, identity = time.time(), _identity(path)
    if identity in _SCANNED:
        return _SCANNED[identity]
    found = _scan_plain(path, shown)
    if identity is not None and identity[-1] < (began - SETTLED_SECONDS) * 1e9 and identity == _identity(path):
        if len(_SCANNED) >= 16:
            del _SCANNED[next(iter(_SCANNED))]
        _SCANNED[identity] = found
    return found


def _identity(path: str) -> tuple | None:
    """What tells a file's content changed without reading it (change time last); None
    when it cannot be read."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns


def _scan_plain(path: str, shown: str) -> tuple[str, bool, int]:
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    streamable = True
    content = False
    first = True
    bom = 0
    last = b""
    try:
        with open(path, "rb") as handle:
            while True:
                chunk = handle.read(CHUNK)
                if not chunk:
                    break
                digest.update(chunk)
                if first:
                    first = False
                    if chunk.startswith(codecs.BOM_UTF8):
                        bom = len(codecs.BOM_UTF8)
                    elif chunk.startswith(_OTHER_BOMS):
                        streamable = False
                if not streamable:
                    continue
                if b"\x00" in chunk or b"\x1b" in chunk or (last + chunk[:1] == b"~{") or (
                        b"~" in chunk and b"~{" in chunk):
                    streamable = False
                    continue
                last = chunk[-1:]
                content = content or bool(chunk.strip())
                try:
                    decoder.decode(chunk)
                except UnicodeDecodeError:
                    streamable = False
            if streamable:
                try:
                    decoder.decode(b"", final=True)
                except UnicodeDecodeError:
                    streamable = False
    except OSError as exc:
        raise read_error(exc, shown) from None
    return digest.hexdigest(), streamable and content, bom


def file_sha256(path: str, shown: str) -> str:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK), b""):
                digest.update(chunk)
    except OSError as exc:
        raise read_error(exc, shown) from None
    return digest.hexdigest()


class LineStream:
    """A (possibly compressed) file read in blocks of whole lines (:meth:`blocks`).

    A line is its bytes without the ``\\n`` (a ``\\r`` stays). ``position()``
    is how far into the file on disk reading has got; ``empty`` stays True while
    nothing but whitespace has been read.
    """

    def __init__(self, path: str, shown: str, compression: str | None, check_escapes: bool = False):
        self.path = path
        self.shown = shown
        self.compression = compression
        self.check_escapes = check_escapes  # ISO-2022 escapes contradict the decision
        zstandard = None
        if compression == "zstd":
            zstandard = require("zstandard", "zstd-compressed inputs (.zst)", "zstandard")
        self._raw = open(path, "rb")
        self.handle: BinaryIO
        if compression == "gzip":
            import gzip

            self.handle = gzip.GzipFile(fileobj=self._raw, mode="rb")
        elif zstandard is not None:
            reader = zstandard.ZstdDecompressor().stream_reader(self._raw, read_across_frames=True)
            self.handle = io.BufferedReader(reader, buffer_size=1 << 20)
        else:
            self.handle = self._raw
        self.empty = True

    def position(self) -> int:
        try:
            return self._raw.tell()
        except (ValueError, OSError):
            return 0

    def close(self) -> None:
        try:
            self.handle.close()
        finally:
            self._raw.close()

    def _read(self, size: int, line: int) -> bytes:
        """Up to ``size`` bytes; a damaged compressed stream is an error citing ``line``."""
        try:
            return self.handle.read(size)
        except (OSError, EOFError) as exc:
            raise InputError(f"cannot decompress ({exc}); the file is damaged or not "
                             f"{self.compression}", self.shown, line) from None
        except Exception as exc:  # zstandard.ZstdError and friends
            if type(exc).__module__.startswith("zstandard"):
                raise InputError(f"cannot decompress ({exc}); the file is damaged or not zstd",
                                 self.shown, line) from None
            raise

    def blocks(self, size: int = 1 << 20) -> Iterator[tuple[int, int, bytes]]:
        """The stream as ``(first line index, first byte offset, data)`` blocks of whole lines.

        Each block holds about ``size`` bytes and ends at a ``\n`` (the last
        block may not); :func:`split_block` turns a block into its lines with
        their 0-based indices and byte offsets. A UTF-8 byte-order mark is
        skipped (offsets still count it). Reading costs no Python work per line.
        """
        index = 0
        offset = 0
        carry = b""
        first = True
        while True:
            data = self._read(size, index + carry.count(b"\n") + 1)
            if first:
                first = False
                while 0 < len(data) < len(codecs.BOM_UTF8):  # enough bytes to see a BOM
                    more = self._read(size, 1)
                    if not more:
                        break
                    data += more
                if data.startswith(codecs.BOM_UTF8):
                    data = data[len(codecs.BOM_UTF8):] or self._read(size, 1)
                    offset = len(codecs.BOM_UTF8)
            if not data:
                if carry:
                    if self.empty and carry.strip():
                        self.empty = False
                    if self.check_escapes:
                        self._no_escapes(carry, index)
                    yield index, offset, carry
                return
            buffer = carry + data if carry else data
            cut = buffer.rfind(b"\n") + 1
            if cut == 0:  # no line end yet: a line longer than the block
                carry = buffer
                continue
            block, carry = buffer[:cut], buffer[cut:]
            if self.empty and block.strip():
                self.empty = False
            if self.check_escapes:
                self._no_escapes(block, index)
            yield index, offset, block
            index += block.count(b"\n")
            offset += len(block)


    def _no_escapes(self, block: bytes, index: int) -> None:
        found = b"\x1b" in block and ESCAPE_RE.search(block)  # memchr first: ESC is rare
        if found:
            raise InputError("ISO-2022 escape sequences after lines without them: the file mixes "
                             "encodings; declare its encoding with --encoding NAME (or in the "
                             "configuration's [encodings] table), or convert it to UTF-8",
                             self.shown, index + block.count(b"\n", 0, found.start()) + 1)


def sample_decoding(path: str, shown: str, compression: str, declared: str | None) -> Decoding:
    """The encoding of a compressed file, chosen from its first decompressed bytes."""
    stream = LineStream(path, shown, compression)
    try:
        sample = stream._read(DETECT_BYTES, 1)
    finally:
        stream.close()
    decoding = choose(sample, shown, declared, partial=len(sample) >= DETECT_BYTES)
    if decoding.encoding.startswith(("utf-16", "utf-32")):
        raise InputError(f"compressed {decoding.encoding} text is not supported; decompress it "
                         "or convert it to UTF-8", shown)
    return decoding


def split_block(first_index: int, first_offset: int, data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """The ``(index, start byte, raw)`` lines of a block from :meth:`LineStream.blocks`."""
    offset = first_offset
    lines = data.split(b"\n")
    if data.endswith(b"\n"):
        lines.pop()  # the empty text after the block's last line end starts the next block
    for index, raw in enumerate(lines, first_index):
        yield index, offset, raw
        offset += len(raw) + 1


def decode_line(raw: bytes, shown: str, index: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte {exc.start} of the line); convert the file to "
                         "UTF-8 (e.g. iconv -f <encoding> -t utf-8)", shown, index + 1) from None
