"""Reading a bundle's bytes back, safely: the gzip stream is inflated a chunk at a time and the tar parsed a header at
a time, under caps on the compressed size, the decompressed total, the member count and each member's size, so a
hostile bundle (a gzip bomb, a tar with a huge or endless member, thousands of entries) is refused in bounded memory.

Nothing is trusted before it is checked: the archive must be byte-identical to the canonical encoding of its own
members, which is checked by hashing (the decompressed stream as it is read, the canonical re-encoding as it is
written), so no second copy of the archive is ever held.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from pydantic import BaseModel, ConfigDict, Field

from mcpbench.bundle.format import GZIP_HEADER, MEMBERS, SUMS, encode_to, sums

MiB = 1024 * 1024
CHUNK = 256 * 1024
"""Compressed bytes read, and decompressed bytes produced, per step."""
BLOCK = 512


class ReadLimits(BaseModel):
    """Caps that bound what reading a bundle may cost (docs/leaderboard.md, "Untrusted bundles")."""

    model_config = ConfigDict(frozen=True)

    max_total_bytes: int = Field(default=192 * MiB, gt=0)
    """Largest decompressed size (the whole tar stream). The compressed file may not be larger either."""
    max_member_bytes: int = Field(default=192 * MiB, gt=0)
    """Largest single member, as its tar header declares it (refused before any of its data is read)."""
    max_members: int = Field(default=32, gt=0)
    """Most tar entries (a bundle has 9)."""

    @classmethod
    def of_mib(cls, mib: int) -> ReadLimits:
        """Limits with both size caps at MIB mebibytes (`mcpbench verify --max-mib`)."""
        return cls(max_total_bytes=mib * MiB, max_member_bytes=mib * MiB)


class BundleBytes(BaseModel):
    """What reading a bundle found."""

    members: dict[str, bytes] = Field(default_factory=dict)
    problems: list[str] = Field(default_factory=list)
    """Empty when the bytes are intact and canonical."""
    warnings: list[str] = Field(default_factory=list)
    sha256: str = ""
    """sha256 of the bundle file (of every byte read, trailing data included)."""
    size: int = 0
    """Compressed bytes read."""


class _Refused(Exception):
    """A cap was hit: reading stops at once."""


def _mib(n: int) -> str:
    return f"{n / MiB:.0f} MiB" if n >= MiB else f"{n} bytes"


class _Inflater:
    """The decompressed bytes of a gzip file, produced on demand, counted against the cap and hashed."""

    def __init__(self, src: BinaryIO, limits: ReadLimits) -> None:
        self.src, self.limits = src, limits
        self.d = zlib.decompressobj(wbits=31)
        self.file_sha, self.tar_sha = hashlib.sha256(), hashlib.sha256()
        self.head = b""
        self.size = self.total = self.trailing = 0
        self.buf = bytearray()
        self.ended = False
        """The gzip stream ended (eof) or the input ran out (truncated)."""

    def read_src(self) -> bytes:
        chunk = self.src.read(CHUNK)
        self.size += len(chunk)
        if self.size > self.limits.max_total_bytes:
            raise _Refused(f"the bundle file is larger than {_mib(self.limits.max_total_bytes)}, the cap "
                           "(`mcpbench verify --max-mib` raises it)")
        self.file_sha.update(chunk)
        if len(self.head) < len(GZIP_HEADER):
            self.head += chunk[: len(GZIP_HEADER) - len(self.head)]
        return chunk

    def _step(self) -> None:
        """Inflate at most CHUNK more bytes. Raises zlib.error for a corrupt stream, _Refused at a cap."""
        data = self.d.unconsumed_tail or self.read_src()
        if not data:
            self.ended = True
            return
        out = self.d.decompress(data, CHUNK)
        self.total += len(out)
        if self.total > self.limits.max_total_bytes:
            raise _Refused(f"the archive decompresses to more than {_mib(self.limits.max_total_bytes)}, the cap "
                           "(a decompression bomb, or a bundle larger than any run should make; "
                           "`mcpbench verify --max-mib` raises the cap)")
        self.tar_sha.update(out)
        self.buf += out
        if self.d.eof:
            self.ended = True
            self.trailing = len(self.d.unused_data)
            while chunk := self.read_src():
                self.trailing += len(chunk)

    def read(self, n: int) -> bytes:
        """The next n decompressed bytes (fewer only at the end of the stream); n is at most about CHUNK."""
        while len(self.buf) < n and not self.ended:
            self._step()
        out = bytes(self.buf[:n])
        del self.buf[:n]
        return out

    def chunks(self, n: int) -> Iterator[bytes]:
        """The next n decompressed bytes, a chunk at a time (fewer only at the end of the stream)."""
        while n > 0:
            chunk = self.read(min(CHUNK, n))
            if not chunk:
                return
            n -= len(chunk)
            yield chunk

    def drain(self) -> None:
        """Read (count, hash, drop) the rest of the stream."""
        while not self.ended:
            self._step()
            self.buf.clear()
        self.buf.clear()


def _entries(inf: _Inflater, limits: ReadLimits, problems: list[str]) -> dict[str, bytes]:
    """Parse the tar a header at a time. Raises _Refused at a cap."""
    members: dict[str, bytes] = {}
    count = 0
    while True:
        block = inf.read(BLOCK)
        if len(block) < BLOCK:
            problems.append("tar archive is corrupt: it ends inside a header (truncated)")
            return members
        if block == bytes(BLOCK):
            return members
        try:
            info = tarfile.TarInfo.frombuf(block, "utf-8", "surrogateescape")
        except tarfile.HeaderError as e:
            problems.append(f"tar archive is corrupt: {e}")
            return members
        count += 1
        if count > limits.max_members:
            raise _Refused(f"the archive holds more than {limits.max_members} entries, the cap (a bundle has "
                           f"{len(MEMBERS) + 1})")
        if info.size > limits.max_member_bytes:
            raise _Refused(f"tar entry {info.name!r} declares {info.size} bytes, more than "
                           f"{_mib(limits.max_member_bytes)}, the per-member cap (`mcpbench verify --max-mib` "
                           "raises it)")
        padded = -(-info.size // BLOCK) * BLOCK
        if not info.isfile() or "/" in info.name or info.name in ("", ".", ".."):
            problems.append(f"unexpected tar entry {info.name!r}")
            if sum(len(c) for c in inf.chunks(padded)) < padded:
                problems.append("tar archive is corrupt: unexpected end of data")
                return members
            continue
        data, left, got = io.BytesIO(), info.size, 0  # BytesIO.getvalue() hands over its buffer: no second copy
        for chunk in inf.chunks(padded):
            got += len(chunk)
            part = chunk[:left]
            if b"\0" in part:  # members are JSON text and SHA256SUMS: a NUL byte is never legitimate (bombs are zeros)
                raise _Refused(f"member {info.name} contains a NUL byte: it is not the text a bundle holds")
            data.write(part)
            left -= len(part)
        if got < padded:
            problems.append(f"tar archive is corrupt: member {info.name} is truncated")
            return members
        if info.name in members:
            problems.append(f"duplicate member {info.name}")
        members[info.name] = data.getvalue()


class _HashSink(io.RawIOBase):
    """A write-only file that keeps only the sha256 (and length) of what is written to it."""

    def __init__(self) -> None:
        self.sha, self.n = hashlib.sha256(), 0

    def writable(self) -> bool:
        return True

    def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self.sha.update(b)
        self.n += len(b)
        return len(b)

    def tell(self) -> int:
        return self.n


def _canonical_hashes(members: dict[str, bytes]) -> tuple[str, str]:
    """sha256 of the canonical tar of MEMBERS and of its gzip, computed without holding either."""
    tar_sink, gz_sink = _HashSink(), _HashSink()
    encode_to(members, tar_sink, gz_sink)
    return tar_sink.sha.hexdigest(), gz_sink.sha.hexdigest()


def read_bundle(src: BinaryIO, limits: ReadLimits | None = None) -> BundleBytes:
    """Read a bundle from SRC (a binary file) under LIMITS. Never raises for bad content: every problem, a hit cap
    included, is a line of `problems`. Raises OSError when SRC cannot be read."""
    limits = limits or ReadLimits()
    out = BundleBytes()
    inf = _Inflater(src, limits)
    try:
        try:
            out.members = _entries(inf, limits, out.problems)
            inf.drain()
        except zlib.error as e:
            out.problems.append(f"gzip stream is corrupt: {e}")
            while inf.read_src():  # the file's sha256 is still reported
                pass
    except _Refused as e:
        # reading stopped part-way: no sha256 of the whole file, and nothing read is kept
        return BundleBytes(problems=[f"refused: {e}"], size=inf.size)
    out.sha256, out.size = inf.file_sha.hexdigest(), inf.size
    if inf.head != GZIP_HEADER:
        out.problems.insert(0, "gzip header differs from the one mcpbench writes (a flipped byte, or a repacked "
                               "archive)")
    if any(p.startswith("gzip stream is corrupt") for p in out.problems):
        return out
    if not inf.d.eof:
        out.problems.append("gzip stream is truncated")
        return out
    if inf.trailing:
        out.problems.append(f"{inf.trailing} byte(s) of trailing data after the gzip stream")
    canonical_tar_sha, canonical_gz_sha = _canonical_hashes(out.members)
    if not out.problems and canonical_tar_sha != inf.tar_sha.hexdigest():
        out.problems.append("tar archive is not in canonical form (a flipped byte in a header or padding, or "
                            "repacked)")
    out.problems += [f"member {name} is missing" for name in (*MEMBERS, SUMS) if name not in out.members]
    if SUMS in out.members:
        out.problems += _check_sums(out.members)
    if not out.problems and canonical_gz_sha != out.sha256:
        made_with = _zlib_of(out.members)
        if made_with == zlib.ZLIB_RUNTIME_VERSION:
            out.problems.append("the gzip stream is not the one mcpbench writes for these members (a flipped byte "
                                "that still decompresses, or a recompressed archive)")
        else:
            out.warnings.append(f"bundle compressed with zlib {made_with}, this verifier has "
                                f"{zlib.ZLIB_RUNTIME_VERSION}: the compressed stream could not be compared byte for "
                                "byte (every member was)")
    return out


def read_members(blob: bytes, limits: ReadLimits | None = None) -> tuple[dict[str, bytes], list[str], list[str]]:
    """(members, problems, warnings) of a bundle's bytes; no problems means the bytes are intact."""
    got = read_bundle(io.BytesIO(blob), limits)
    return got.members, got.problems, got.warnings


def _zlib_of(members: dict[str, bytes]) -> str | None:
    try:
        found = json.loads(members["bundle.json"]).get("zlib")
    except (ValueError, AttributeError, KeyError):
        return None
    return found if isinstance(found, str) else None


_SUM_LINE = re.compile(r"([0-9a-f]{64})  ([^\n]+)")


def _check_sums(members: dict[str, bytes]) -> list[str]:
    if members[SUMS] == sums(members):
        return []
    try:
        text = members[SUMS].decode("utf-8")
    except UnicodeDecodeError:
        return [f"{SUMS} is not UTF-8 text"]
    problems = []
    listed: dict[str, str] = {}
    for i, line in enumerate(text.removesuffix("\n").split("\n"), 1):
        m = _SUM_LINE.fullmatch(line)
        if not m:
            problems.append(f"{SUMS} line {i} is malformed: {line[:80]!r}")
            continue
        listed[m.group(2)] = m.group(1)
    for name in sorted(set(members) - {SUMS}):
        if name not in listed:
            problems.append(f"{name} is not listed in {SUMS}")
        elif listed[name] != hashlib.sha256(members[name]).hexdigest():
            problems.append(f"{name}: sha256 does not match {SUMS} (its content changed)")
    problems += [f"{SUMS} lists {n}, which the bundle does not contain" for n in sorted(set(listed) - set(members))]
    return problems or [f"{SUMS} is not in canonical form (order or whitespace changed)"]


__all__ = ["BundleBytes", "ReadLimits", "read_bundle", "read_members"]
