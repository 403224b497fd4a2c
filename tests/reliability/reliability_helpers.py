"""Shared by the reliability tests: the fault-injection servers, their logs, and process/memory probes."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

import anyio

from mcpbench.config import ServerSpec

ROOT = Path(__file__).resolve().parents[2]
FAULTS = ROOT / "tests" / "fixtures" / "faults"
FAULT_SERVER = FAULTS / "fault_server.py"
HTTP_FAULT_SERVER = FAULTS / "http_fault_server.py"


def fault_spec(name: str, log: Path | None = None, *args: str, **kw: Any) -> ServerSpec:
    """A ServerSpec for the raw fault server (stdio), logging what it receives to `log`."""
    argv = [str(FAULT_SERVER), "--name", name, *(["--log", str(log)] if log else []), *args]
    return ServerSpec(name=name, command=sys.executable, args=argv, **kw)


def read_log(path: Path) -> list[dict[str, Any]]:
    """The fault server's log: one JSON object per line (a missing file is an empty log)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def events(path: Path, kind: str) -> list[dict[str, Any]]:
    return [e for e in read_log(path) if e["event"] == kind]


def alive(pid: int) -> bool:
    """True while `pid` is a live process (a zombie awaiting its reaper counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2] != "Z"


async def wait_gone(pid: int, timeout: float) -> None:
    """Return once `pid` has exited (woken by a pidfd, no polling); raises TimeoutError after `timeout`."""
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    try:
        with anyio.fail_after(timeout):
            if alive(pid):
                await anyio.wait_readable(fd)
    finally:
        os.close(fd)


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def rss_reset() -> int:
    """Reset this process's peak-RSS mark (Linux clear_refs) and return the current RSS in bytes."""
    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS") * 1024


def rss_peak() -> int:
    """Peak RSS in bytes since the last rss_reset()."""
    return _status_kb("VmHWM") * 1024


def _status_kb(field: str) -> int:
    m = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.MULTILINE)
    assert m, field
    return int(m.group(1))


def grep_tree(root: Path, needle: str) -> list[str]:
    """Every file under `root` whose bytes contain `needle`."""
    hits = []
    for p in root.rglob("*"):
        if p.is_file() and needle.encode() in p.read_bytes():
            hits.append(str(p))
    return hits


def fault_config(path: Path, servers: dict[str, list[str]], **fields: str) -> Path:
    """A servers.yaml of fault servers: name -> extra arguments; `fields` are added to every server as YAML."""
    lines = ["servers:"]
    for name, extra in servers.items():
        args = ", ".join(json.dumps(a) for a in [str(FAULT_SERVER), "--name", name, *extra])
        lines += [f"  - name: {name}", f"    command: {sys.executable}", f"    args: [{args}]"]
        lines += [f"    {k}: {v}" for k, v in fields.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def echo_task(task_id: str, server: str, text: str, before: list[tuple[str, dict]] | None = None,
              parallel: bool = False) -> Any:
    """A task whose reference chain runs `before` steps on `server`, then echoes `text`; checked by 'contains'.
    parallel: the echo does not depend on the steps before it (the oracle sends them all in one turn)."""
    from task_synth.task import Check, ReferenceStep, Task

    steps = [ReferenceStep(server=server, tool=tool, arguments=args) for tool, args in before or []]
    steps.append(ReferenceStep(server=server, tool="echo", arguments={"text": text}, output=text,
                               depends_on=[] if parallel else list(range(len(steps)))))
    return Task(id=task_id, servers=[server], precise=f"Echo '{text}' with {server}.", fuzzy=f"Say {text}, please.",
                checks=[Check(kind="contains", value=text)], reference=steps, answer=text)
