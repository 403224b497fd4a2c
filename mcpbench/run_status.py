"""Is a finished run usable? Infra-failed episodes counted against a threshold, with the first infra error named.

`mcpbench run` exits 1 when the results are unusable: every episode infra-failed, or more than `--max-infra` did.
The status names the first infra error, how many episodes the same error hit, and where the logs are.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel

from mcpbench.store import STORE_FILE, RunStore
from mcpbench.trajectory import ErrorEvent

DEFAULT_MAX_INFRA = "50%"


class RunStatus(BaseModel):
    """The verdict on a run's results (printed with `mcpbench run --json` under "status")."""

    usable: bool
    episodes: int
    """Episodes recorded in the run store (all sessions of a resumed run)."""
    infra_failed: int
    max_infra: int
    """The most infra-failed episodes a usable run may have (from --max-infra)."""
    first_infra_error: str | None = None
    """The first infra error of the first infra-failed episode, one line."""
    first_infra_episode: str | None = None
    same_error_episodes: int = 0
    """Infra-failed episodes whose first infra error is the same message (numbers such as ports ignored)."""
    log: str
    """Where to look: the run store and, when servers wrote stderr, the run's logs folder."""
    reason: str | None = None
    """Why the results are unusable (None when usable)."""


def parse_max_infra(value: str, episodes: int) -> int:
    """'3' → 3 episodes; '25%' → 25 % of `episodes`, rounded down. Raises ValueError for anything else."""
    text = value.strip()
    try:
        if text.endswith("%"):
            share = float(text[:-1])
            if not 0 <= share <= 100:
                raise ValueError
            return int(episodes * share / 100)
        count = int(text)
        if count < 0:
            raise ValueError
        return count
    except ValueError:
        raise ValueError(f"--max-infra takes a count (3) or a share (25%), not '{value}'") from None


def _first_line(text: str, limit: int = 300) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _shape(message: str) -> str:
    return re.sub(r"\d+", "#", message)


def _first_infra_error(traj: object) -> str:
    for ev in getattr(traj, "events", []):
        if isinstance(ev, ErrorEvent) and ev.kind == "infra_error":
            return _first_line(ev.message)
    for call in traj.tool_calls():  # type: ignore[attr-defined]
        if call.outcome == "infra_error":
            return _first_line(f"{call.exposed_name}: {call.error}")
    return "infra failure (no message recorded)"


def run_status(run_dir: Path, max_infra: str = DEFAULT_MAX_INFRA) -> RunStatus:
    """Read the run store in `run_dir` and judge the results. Raises ValueError for a bad `max_infra`."""
    with RunStore(run_dir, create=False) as store:
        episodes = list(store.episodes())
    limit = parse_max_infra(max_infra, len(episodes))
    failed = [e for e in episodes if e.status == "infra_failed"]
    logs = run_dir / "logs"
    log = str(run_dir / STORE_FILE) + (f" (server logs: {logs})" if logs.is_dir() else "")
    status = RunStatus(usable=True, episodes=len(episodes), infra_failed=len(failed), max_infra=limit, log=log)
    if failed:
        first = _first_infra_error(failed[0].trajectory)
        status.first_infra_error = first
        status.first_infra_episode = failed[0].episode_id
        status.same_error_episodes = sum(_shape(_first_infra_error(e.trajectory)) == _shape(first) for e in failed)
    if not episodes:
        status.usable, status.reason = False, "no episode was recorded"
    elif len(failed) == len(episodes):
        status.usable, status.reason = False, f"every episode ({len(failed)}) infra-failed"
    elif len(failed) > limit:
        status.usable, status.reason = False, (f"{len(failed)} of {len(episodes)} episodes infra-failed, more than "
                                               f"--max-infra {max_infra} ({limit})")
    return status


def describe(status: RunStatus) -> str:
    """The message for people: reason, first infra error, how many episodes it hit, where the logs are."""
    lines = [f"the run's results are unusable: {status.reason}."]
    if status.first_infra_error:
        lines.append(f"first infra error (episode {status.first_infra_episode}, the same error hit "
                     f"{status.same_error_episodes} of {status.infra_failed} infra-failed episodes): "
                     f"{status.first_infra_error}")
    lines.append(f"log: {status.log}")
    return "\n".join(lines)


__all__ = ["DEFAULT_MAX_INFRA", "RunStatus", "describe", "parse_max_infra", "run_status"]
