"""Hostile bundles, built in a moment: after a full flush (which resets the dictionary) a deflate stream of one block
repeated is that block's compressed form written again and again, so a 1 GiB stream costs one compression of each
distinct block and a CRC."""

from __future__ import annotations

import struct
import tarfile
import zlib
from pathlib import Path

from mcpbench.bundle.format import GZIP_HEADER

MiB = 1024 * 1024
GiB = 1024 * MiB
Segment = tuple[bytes, bytes, int]
"""(prefix, block, times): prefix once, then block repeated `times` times."""


def repeated_gzip(path: Path, segments: list[Segment]) -> Path:
    """Write the gzip of the segments' bytes to PATH with mcpbench's own gzip header; return PATH."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    crc = size = 0
    with path.open("wb") as f:
        f.write(GZIP_HEADER)
        for prefix, block, times in segments:
            f.write(c.compress(prefix) + c.flush(zlib.Z_FULL_FLUSH))
            crc, size = zlib.crc32(prefix, crc), size + len(prefix)
            if not times:
                continue
            body = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
            for _ in range(times):
                f.write(body)
                crc = zlib.crc32(block, crc)
            size += len(block) * times
        f.write(c.flush() + struct.pack("<II", crc, size & 0xFFFFFFFF))
    return path


def tar_header(name: str, size: int) -> bytes:
    info = tarfile.TarInfo(name)
    info.size, info.mode = size, 0o644
    return info.tobuf(tarfile.USTAR_FORMAT)


def zeros_bomb(path: Path, size: int = GiB) -> Path:
    """gzip of SIZE zero bytes (no tar at all)."""
    return repeated_gzip(path, [(b"", bytes(MiB), size // MiB)])


def member_bomb(path: Path, size: int = GiB, name: str = "trajectories.jsonl") -> Path:
    """A tar whose one member declares SIZE bytes and holds SIZE zero bytes."""
    return repeated_gzip(path, [(tar_header(name, size), bytes(MiB), size // MiB)])


def text_bomb(path: Path, names: list[str], member_size: int) -> Path:
    """A tar of one member per name, each MEMBER_SIZE (a multiple of 1 MiB) spaces: text with no NUL byte, under any
    per-member cap, so only the total cap stops it."""
    return repeated_gzip(path, [(tar_header(n, member_size), b" " * MiB, member_size // MiB) for n in names])


def many_members_bomb(path: Path, count: int) -> Path:
    """A tar of COUNT empty members."""
    return repeated_gzip(path, [(b"", tar_header("x.json", 0), count)])
