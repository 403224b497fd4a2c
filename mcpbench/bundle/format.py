"""The bundle's bytes: members, SHA256SUMS, a canonical tar and a deterministic gzip — and reading them back with every
integrity problem named. A flipped byte anywhere (gzip header, deflate stream, tar header or padding, member, sums)
is reported: the archive must be byte-identical to the canonical encoding of its own members."""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import zlib
from typing import Any

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


def canonical_tar(members: dict[str, bytes]) -> bytes:
    """A ustar archive of the members in name order with fixed metadata (the same members give the same bytes)."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name in sorted(members):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(members[name]), 0, 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(members[name]))
    return buf.getvalue()


def gzip_bytes(data: bytes) -> bytes:
    """gzip with no file name and mtime 0 at compression level 9 (deterministic for a given zlib)."""
    import gzip

    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(data)
    return buf.getvalue()


def encode(members: dict[str, bytes]) -> bytes:
    return gzip_bytes(canonical_tar(members))


def read_members(blob: bytes) -> tuple[dict[str, bytes], list[str], list[str]]:
    """(members, problems, warnings) of a bundle's bytes; no problems means the bytes are intact."""
    problems: list[str] = []
    warnings: list[str] = []
    if blob[:10] != GZIP_HEADER:
        problems.append("gzip header differs from the one mcpbench writes (a flipped byte, or a repacked archive)")
    d = zlib.decompressobj(wbits=31)
    try:
        tar_bytes = d.decompress(blob) + d.flush()
    except zlib.error as e:
        return {}, [*problems, f"gzip stream is corrupt: {e}"], warnings
    if not d.eof:
        return {}, [*problems, "gzip stream is truncated"], warnings
    if d.unused_data:
        problems.append(f"{len(d.unused_data)} byte(s) of trailing data after the gzip stream")
    members: dict[str, bytes] = {}
    try:
        with tarfile.open(fileobj=io.BytesIO(tar_bytes), mode="r:") as tar:
            for m in tar.getmembers():
                if not m.isfile() or "/" in m.name or m.name in ("", ".", ".."):
                    problems.append(f"unexpected tar entry {m.name!r}")
                    continue
                if m.name in members:
                    problems.append(f"duplicate member {m.name}")
                f = tar.extractfile(m)
                members[m.name] = f.read() if f else b""
    except (tarfile.TarError, OSError, EOFError) as e:
        return members, [*problems, f"tar archive is corrupt: {e}"], warnings
    if not problems and canonical_tar(members) != tar_bytes:
        problems.append("tar archive is not in canonical form (a flipped byte in a header or padding, or repacked)")
    problems += [f"member {name} is missing" for name in (*MEMBERS, SUMS) if name not in members]
    if SUMS in members:
        problems += _check_sums(members)
    if not problems and gzip_bytes(tar_bytes) != blob:
        made_with = _zlib_of(members)
        if made_with == zlib.ZLIB_RUNTIME_VERSION:
            problems.append("the gzip stream is not the one mcpbench writes for these members (a flipped byte that "
                            "still decompresses, or a recompressed archive)")
        else:
            warnings.append(f"bundle compressed with zlib {made_with}, this verifier has {zlib.ZLIB_RUNTIME_VERSION}: "
                            "the compressed stream could not be compared byte for byte (every member was)")
    return members, problems, warnings


def _zlib_of(members: dict[str, bytes]) -> str | None:
    try:
        return json.loads(members["bundle.json"]).get("zlib")
    except (ValueError, AttributeError, KeyError):
        return None


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


__all__ = ["BUNDLE_FORMAT", "GZIP_HEADER", "MEMBERS", "SUMS", "BundleInfo", "canonical_line", "canonical_tar",
           "encode", "gzip_bytes", "jsonl", "read_members", "sums"]
