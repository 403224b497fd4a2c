"""Make a local model ready to run here: weights (sha256-verified), runtime, and a proof run.

`ensure_local_model` is what `mcpbench models install`, the first use by `mcpbench run` and the test session's set-up
call. The proof starts the server on the weights and generates a few tokens: a runtime that dies (a signal such as
SIGILL on a VM that traps an instruction its CPU advertises, an exit code, a missing shared library) fails the
install with the cause and the remedy, instead of failing every episode of the first run. A passed proof is
remembered in $MCPBENCH_HOME/runtimes/ under a key of the runtime, the weights and this CPU, so it runs once.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import anyio
import httpx
from pydantic import BaseModel

from mcpbench.models.local_server import (
    LlamaServer,
    LlamaServerError,
    Runtime,
    ServerOptions,
    ensure_runtime,
    explain_exit,
)
from mcpbench.models.local_weights import (
    LocalModelError,
    OnWeightsEvent,
    WeightsError,
    home_dir,
    install_model,
    source_for,
    verified_weights,
)

PROOF_TOKENS = 8
"""Tokens the proof run asks for: enough to run every kernel of a forward pass, few enough to take seconds."""


class RuntimeProofError(LocalModelError):
    """The runtime did not start or did not generate on these weights. The message says why and what to do."""


class RuntimeProof(BaseModel):
    """A proof run's outcome, written to $MCPBENCH_HOME/runtimes/proof-<key>.json when it passed."""

    model: str
    runtime: str
    """`Runtime.describe()` of what ran."""
    cpu: str
    """This machine's CPU model name and a hash of its feature flags (a new CPU proves again)."""
    ready_s: float
    """Seconds from launch to a healthy server (model load)."""
    generate_s: float
    completion_tokens: int
    text: str
    """What the model wrote (a few tokens: only proof that it generates)."""
    proved_at: str


class SetupEvent(BaseModel):
    """Progress of `ensure_local_model` for the runtime and proof stages (weights report WeightsEvent)."""

    name: str
    stage: str
    detail: str = ""


OnSetupEvent = Callable[[SetupEvent], None]


def cpu_signature() -> str:
    """'<model name> flags:<sha256[:12] of the feature flags>' from /proc/cpuinfo ('unknown' elsewhere)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "unknown"
    fields: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip() not in fields:
            fields[key.strip()] = value.strip()
    flags = " ".join(sorted(fields.get("flags", "").split()))
    return f"{fields.get('model name', 'unknown')} flags:{hashlib.sha256(flags.encode()).hexdigest()[:12]}"


def _proof_path(home: Path, model: str, runtime: Runtime) -> Path:
    key = hashlib.sha256(json.dumps([model, source_for(model).sha256, runtime.model_dump(mode="json"),
                                     cpu_signature()]).encode()).hexdigest()[:16]
    return home / "runtimes" / f"proof-{source_for(model).name}-{key}.json"


def proven(model: str, home: Path | None = None, runtime: Runtime | None = None) -> RuntimeProof | None:
    """The remembered proof for this model, runtime and CPU, or None."""
    try:
        path = _proof_path(home or home_dir(), model, runtime or ensure_runtime())
        return RuntimeProof.model_validate_json(path.read_text())
    except (OSError, ValueError, LocalModelError):
        return None


async def prove_runtime(gguf: Path, runtime: Runtime, *, model: str, log_path: Path,
                        timeout_s: float = 300.0) -> RuntimeProof:
    """Start the server on `gguf` and generate PROOF_TOKENS tokens. Raises RuntimeProofError with cause and remedy."""
    options = ServerOptions(ctx=1024, parallel=1, ready_timeout_s=timeout_s)
    server = LlamaServer(gguf, options=options, log_path=log_path, binary=runtime, alias=model)
    try:
        with anyio.fail_after(timeout_s + 30):
            try:
                await server.start()
            except LlamaServerError as e:
                raise RuntimeProofError(f"the llama.cpp runtime failed its proof run on local/{model}: {e}") from None
            started = time.monotonic()
            try:
                async with httpx.AsyncClient(timeout=timeout_s) as client:
                    r = await client.post(server.openai_base_url + "/chat/completions", json={
                        "model": model, "temperature": 0, "max_tokens": PROOF_TOKENS,
                        "messages": [{"role": "user", "content": "Say hello."}]})
                r.raise_for_status()
                body = r.json()
            except (httpx.HTTPError, ValueError) as e:
                code = await server.exit_code(wait_s=5)  # a server that died explains the failed request
                tail = server.log_path.read_text(errors="replace")[-2000:] if server.log_path else ""
                why = explain_exit(code, tail, runtime=runtime) if code is not None else f"the request failed: {e}"
                raise RuntimeProofError(f"the llama.cpp runtime failed its proof run on local/{model}: llama-server "
                                        f"{why} (log {server.log_path})") from None
            message = (body.get("choices") or [{}])[0].get("message") or {}
            text = message.get("content") or json.dumps(message.get("tool_calls") or "")
            generate_s = round(time.monotonic() - started, 2)
            return RuntimeProof(model=model, runtime=runtime.describe(), cpu=cpu_signature(),
                                ready_s=round(server.ready_s or 0.0, 2), generate_s=generate_s,
                                completion_tokens=int((body.get("usage") or {}).get("completion_tokens") or 0),
                                text=str(text)[:200], proved_at=datetime.now(UTC).isoformat(timespec="seconds"))
    finally:
        await server.stop()


def ensure_local_model(name: str, home: Path | None = None, *, on_weights: OnWeightsEvent | None = None,
                       on_event: OnSetupEvent | None = None, force: bool = False, prove: bool = True,
                       rehash: bool = True) -> tuple[Path, Runtime, RuntimeProof | None]:
    """Install local model `name` (weights, verified), find the runtime and prove it runs; idempotent and quick when
    all three were done before on this machine. Returns (gguf path, runtime, proof or None when `prove` is False).

    `rehash=False` trusts an installed file whose stat stamp matches its last verification (what a run does before
    it starts); `mcpbench models install` re-hashes. Raises WeightsError, RuntimeMissingError or RuntimeProofError;
    each message says what to do.
    """
    emit = on_event or (lambda e: None)
    source = source_for(name)
    home = home or home_dir()
    gguf: Path | None = None
    if not (force or rehash):
        try:
            gguf = verified_weights(source.name, home)
        except WeightsError:
            gguf = None
    if gguf is None:
        gguf = install_model(source.name, home, on_weights, force=force)
    runtime = ensure_runtime()
    emit(SetupEvent(name=source.name, stage="runtime", detail=runtime.describe()))
    if not prove:
        return gguf, runtime, None
    proof = None if force else proven(source.name, home, runtime)
    if proof is not None:
        emit(SetupEvent(name=source.name, stage="proven", detail=f"earlier proof run {proof.proved_at}"))
        return gguf, runtime, proof
    emit(SetupEvent(name=source.name, stage="proof", detail=f"starting the server, generating {PROOF_TOKENS} tokens"))
    log = home / "logs" / f"llama-server-proof-{source.name}-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    from mcpbench._loop import run as run_loop

    proof = run_loop(functools.partial(prove_runtime, model=source.name, log_path=log), gguf, runtime)
    path = _proof_path(home, source.name, runtime)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")  # concurrent first uses (test sessions) may race
    tmp.write_text(proof.model_dump_json(indent=2) + "\n")
    os.replace(tmp, path)
    emit(SetupEvent(name=source.name, stage="proven", detail=f"ready in {proof.ready_s:.1f} s, "
                    f"{proof.completion_tokens} tokens in {proof.generate_s:.1f} s"))
    return gguf, runtime, proof


__all__ = ["PROOF_TOKENS", "RuntimeProof", "RuntimeProofError", "SetupEvent", "cpu_signature", "ensure_local_model",
           "prove_runtime", "proven"]
