"""The bundle's bytes: members, SHA256SUMS, a canonical tar and a deterministic gzip (reader.py reads them back).
The same members always encode to the same bytes, so a verifier can demand that an archive be byte-identical to the
canonical encoding of its own members."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import zlib
from typing import IO, Any, Protocol, cast

from pydantic import BaseModel

BUNDLE_FORMAT = "mcpbench-bundle/1"
SUMS = "SHA256SUMS"
MEMBERS = ("bundle.json", "catalog.jsonl", "manifest.json", "results.json", "scores.jsonl", "spec.json", "tasks.jsonl",
           "trajectories.jsonl")
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
"""Magic, deflate, no flags, mtime 0, max compression, OS unknown: what write_bundle produces, byte for byte."""


class BundleInfo(BaseModel):
    """bundle.json: what the bundle is."""

    format: str = BUNDLE_FORMAT
    run_id: str
    suite: str
    suite_sha256: str
    fleet_sha256: str
    formula_version: str
    state: str
    models: list[str]
    episodes: int
    mcpbench_version: str | None = None
    zlib: str = zlib.ZLIB_RUNTIME_VERSION
    """The zlib that compressed the bundle. Deflate output can differ between zlib builds (zlib-ng), so the
    compressed stream is compared byte for byte only when the verifier runs the same zlib."""


def canonical_line(obj: Any) -> str:
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def jsonl(items: list[Any]) -> bytes:
    return "".join(canonical_line(x) + "\n" for x in items).encode()


def sums(members: dict[str, bytes]) -> bytes:
    """The SHA256SUMS text (sha256sum format, names sorted) of every member but itself."""
    return "".join(f"{hashlib.sha256(members[n]).hexdigest()}  {n}\n" for n in sorted(members) if n != SUMS).encode()


class Sink(Protocol):
    """Anything bytes can be written to (a file, a hashing sink)."""

    def write(self, b: bytes, /) -> object: ...


class _Tee(io.RawIOBase):
    """A write-only file that passes every write on to several sinks (tarfile also asks it where it is)."""

    def __init__(self, *sinks: Sink) -> None:
        self.sinks, self.n = sinks, 0

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        for s in self.sinks:
            s.write(b)
        self.n += len(b)
        return len(b)

    def tell(self) -> int:
        return self.n


def _write_tar(members: dict[str, bytes], sink: _Tee) -> None:
    with tarfile.open(fileobj=cast(IO[bytes], sink), mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(members[name]))


def _gzip_file(sink: Sink) -> gzip.GzipFile:
    return gzip.GzipFile(filename="", mode="wb", fileobj=cast(IO[bytes], sink), mtime=0, compresslevel=9)


def canonical_tar(members: dict[str, bytes]) -> bytes:
    """A ustar archive of the members in name order with fixed metadata (the same members give the same bytes)."""
    buf = io.BytesIO()
    _write_tar(members, _Tee(buf))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and mtime 0 at compression level 9 (deterministic for a given zlib)."""
    buf = io.BytesIO()
    with _gzip_file(buf) as gz:
        gz.write(data)
    return buf.getvalue()


def encode(members: dict[str, bytes]) -> bytes:
    """The bundle's bytes: gzip_bytes(canonical_tar(members))."""
    buf = io.BytesIO()
    encode_to(members, None, buf)
    return buf.getvalue()


def encode_to(members: dict[str, bytes], tar_sink: Sink | None, gz_sink: Sink) -> None:
    """Write the canonical tar of MEMBERS to TAR_SINK (if any) and its gzip to GZ_SINK in one pass, holding neither
    (the verifier passes hashing sinks)."""
    with _gzip_file(gz_sink) as gz:
        _write_tar(members, _Tee(gz) if tar_sink is None else _Tee(tar_sink, gz))


__all__ = [
    "BUNDLE_FORMAT",
    "GZIP_HEADER",
    "MEMBERS",
    "SUMS",
    "BundleInfo",
    "Sink",
    "canonical_line",
    "canonical_tar",
    "encode",
    "encode_to",
    "gzip_bytes",
    "jsonl",
    "sums",
]
