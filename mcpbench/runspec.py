"""The run spec: everything that determines a run's results. Its hash is the run id, so re-running the same command
resumes the same run."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

import mcpbench
from mcpbench.agent import Limits
from mcpbench.toolsets import Toolset


class RunSpec(BaseModel):
    """Frozen description of a run (recorded in the manifest)."""

    model_config = ConfigDict(frozen=True)

    models: list[str]
    model_options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Per model: base_url, settings... (never API keys)."""
    suite: str
    suite_sha256: str
    tasks: int
    fleet: dict[str, str]
    """'server/tool' -> sha256 of each tool definition offered."""
    judges: list[str] = Field(default_factory=list)
    judge_k: int = 1
    limits: Limits = Field(default_factory=Limits)
    repeats: int = 1
    seed: int = 0
    distractors: int = 0
    """Extra servers (beyond the task's) whose tools are offered, chosen by a seeded RNG per task."""
    infra_retries: int = 2
    toolset: Toolset | None = None
    """The large-toolset mode (`--tools all|retrieval`); None for the default `task` mode."""
    mcpbench_version: str = mcpbench.__version__
    git_commit: str | None = None

    @property
    def run_id(self) -> str:
        dumped = self.model_dump(mode="json")
        if dumped.get("toolset") is None:  # task mode keeps the run ids it had before the field existed
            dumped.pop("toolset", None)
        blob = json.dumps(dumped, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def git_commit() -> str | None:
    """The commit of the mcpbench checkout, when it is one (None for an installed wheel)."""
    root = Path(mcpbench.__file__).resolve().parent.parent
    if not (root / ".git").exists():
        return None
    try:
        out = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def episode_id(model: str, task_id: str, repeat: int) -> str:
    """Readable and deterministic: 'scripted-oracle.smoke-001.r0'."""
    slug = "".join(ch if ch.isalnum() or ch in "-_." else "-" for ch in model.replace("/", "-"))
    return f"{slug}.{task_id}.r{repeat}"


__all__ = ["RunSpec", "episode_id", "git_commit"]
