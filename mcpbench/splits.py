"""Splits: which task set a score was measured on, and private splits made from a secret seed.

A **public split** is a suite anyone can read (the shipped `smoke` and `core`, or any published file). A **private
split** is a suite a maintainer synthesizes from a secret (`mcpbench splits secret`, then `mcpbench synth
--secret-file`) and never publishes: only its suite sha256 and a commitment to the secret go into the public splits
registry (`mcpbench splits add`). Models are scored on it by the maintainers; its rows are shown with the split's name,
so nobody can have trained on, or tuned to, its tasks. When the split is retired the maintainer publishes the secret
and anyone can check it against the commitment (`mcpbench splits reveal`) and re-synthesize the suite.

The synthesis seed is derived from the secret, never equal to it, and the commitment is a hash in another domain: the
registry reveals neither. Secrets are 256-bit random strings, so neither can be guessed. (docs/leaderboard.md,
"Private splits".)
"""

from __future__ import annotations

import hashlib
import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

SEED_DOMAIN = "mcpbench-split-seed/1:"
COMMIT_DOMAIN = "mcpbench-split-commitment/1:"
MIN_SECRET_CHARS = 32
SplitKind = Literal["public", "private", "unlisted"]


class SplitError(Exception):
    """A secret or registry that cannot be used (missing, too short, malformed, a name or suite already taken)."""


def new_secret() -> str:
    """A fresh 256-bit secret, as 64 hex characters."""
    return secrets.token_hex(32)


def secret_seed(secret: str) -> int:
    """The synthesis seed of a secret: the first 63 bits of sha256(SEED_DOMAIN + secret)."""
    return int.from_bytes(hashlib.sha256((SEED_DOMAIN + secret).encode()).digest()[:8], "big") >> 1


def seed_commitment(secret: str) -> str:
    """What the registry publishes about a secret: sha256(COMMIT_DOMAIN + secret), hex."""
    return hashlib.sha256((COMMIT_DOMAIN + secret).encode()).hexdigest()


def write_secret(path: str | Path) -> str:
    """Create PATH (mode 0600) holding a new secret and return it. Raises SplitError when PATH exists."""
    p = Path(path)
    secret = new_secret()
    try:
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SplitError(f"{p} already exists: a secret is never overwritten") from None
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secret + "\n")
    return secret


def read_secret(path: str | Path) -> str:
    """The secret in PATH (surrounding whitespace ignored). Raises SplitError when unreadable or too short."""
    try:
        secret = Path(path).read_text(encoding="utf-8").strip()
    except OSError as e:
        raise SplitError(f"cannot read the secret file {path}: {e.strerror} (create one with `mcpbench splits "
                         "secret FILE`)") from None
    if len(secret) < MIN_SECRET_CHARS:
        raise SplitError(f"the secret in {path} has {len(secret)} characters; at least {MIN_SECRET_CHARS} are needed "
                         "so that it cannot be guessed")
    return secret


class SplitRecord(BaseModel):
    """One split in the public registry."""

    name: str
    kind: Literal["public", "private"]
    suite_sha256: str
    tasks: int
    seed_commitment: str | None = None
    """private splits: seed_commitment(secret)."""
    revealed_secret: str | None = None
    """Set when a retired private split's secret is published (it must match the commitment)."""
    created: str = ""
    note: str = ""


class SplitRegistry(BaseModel):
    """The splits file maintainers publish: {"splits": [SplitRecord, ...]}."""

    splits: list[SplitRecord] = Field(default_factory=list)

    @classmethod
    def load(cls, path: str | Path | None) -> SplitRegistry:
        """Read a registry (none, or a file that does not exist yet: empty). Raises SplitError when malformed."""
        if path is None or not Path(path).exists():
            return cls()
        try:
            return cls.model_validate_json(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as e:
            raise SplitError(f"splits registry {path}: {str(e).splitlines()[0]}") from None

    def save(self, path: str | Path) -> None:
        p = Path(path)
        tmp = p.with_name(f".{p.name}.tmp")
        tmp.write_text(self.model_dump_json(indent=2, exclude_none=True) + "\n", encoding="utf-8")
        tmp.replace(p)

    def add(self, record: SplitRecord) -> None:
        """Raises SplitError when the name or the suite is already registered."""
        for r in self.splits:
            if r.name == record.name:
                raise SplitError(f"a split named {record.name!r} is already registered")
            if r.suite_sha256 == record.suite_sha256:
                raise SplitError(f"this suite is already registered as split {r.name!r}")
        self.splits.append(record)

    def by_sha(self, suite_sha256: str) -> SplitRecord | None:
        return next((r for r in self.splits if r.suite_sha256 == suite_sha256), None)


class SplitInfo(BaseModel):
    """Which split a run was scored on, as `verify` and the leaderboard show it."""

    kind: SplitKind
    name: str | None = None
    suite_sha256: str
    source: str = ""
    """Where the split was recognised: 'shipped suite', the registry file, or '' (unlisted)."""

    def describe(self) -> str:
        if self.kind == "unlisted":
            return f"unlisted suite (sha256 {self.suite_sha256[:12]}): not a shipped suite nor in the splits registry"
        return f"{self.kind} split {self.name!r} (sha256 {self.suite_sha256[:12]})"


def shipped_splits() -> dict[str, str]:
    """suite sha256 -> name of every suite shipped with mcpbench (public by definition)."""
    from task_synth.task import SUITES_DIR, Suite

    out = {}
    for p in sorted(SUITES_DIR.glob("*.jsonl")):
        try:
            out[Suite.load(p).sha256] = p.stem
        except ValueError:
            continue
    return out


def identify(suite_sha256: str, registry: SplitRegistry | None = None, *, source: str = "registry") -> SplitInfo:
    """The split a suite hash belongs to: the registry's record first, then the shipped suites, else unlisted."""
    record = registry.by_sha(suite_sha256) if registry else None
    if record is not None:
        return SplitInfo(kind=record.kind, name=record.name, suite_sha256=suite_sha256, source=source)
    shipped = shipped_splits().get(suite_sha256)
    if shipped is not None:
        return SplitInfo(kind="public", name=shipped, suite_sha256=suite_sha256, source="shipped suite")
    return SplitInfo(kind="unlisted", suite_sha256=suite_sha256)


def private_record(suite_path: str | Path, name: str, secret: str, *, note: str = "") -> SplitRecord:
    """The registry record of a private suite made with SECRET. Raises SplitError when a synthesized task of the suite
    was not made with that secret's seed (the wrong secret, or a suite made with a plain --seed)."""
    from task_synth.task import Suite

    suite = Suite.load(suite_path)
    seed = secret_seed(secret)
    wrong = [t.id for t in suite.tasks if t.provenance.seed is not None and t.provenance.seed != seed]
    if wrong or not suite.tasks:
        raise SplitError(f"{suite_path}: {len(wrong)} task(s) (e.g. {wrong[0]}) were not synthesized with this "
                         "secret's seed" if wrong else f"{suite_path} holds no task")
    return SplitRecord(name=name, kind="private", suite_sha256=suite.sha256, tasks=len(suite.tasks),
                       seed_commitment=seed_commitment(secret), created=_today(), note=note)


def public_record(suite_path: str | Path, name: str, *, note: str = "") -> SplitRecord:
    from task_synth.task import Suite

    suite = Suite.load(suite_path)
    return SplitRecord(name=name, kind="public", suite_sha256=suite.sha256, tasks=len(suite.tasks), created=_today(),
                       note=note)


def reveal(registry: SplitRegistry, name: str, secret: str) -> SplitRecord:
    """Record a retired private split's secret after checking it against the commitment. Raises SplitError."""
    record = next((r for r in registry.splits if r.name == name), None)
    if record is None or record.kind != "private":
        raise SplitError(f"no private split named {name!r} in the registry")
    if record.seed_commitment != seed_commitment(secret):
        raise SplitError(f"this secret does not match split {name!r}'s commitment")
    record.revealed_secret = secret
    return record


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


__all__ = ["COMMIT_DOMAIN", "MIN_SECRET_CHARS", "SEED_DOMAIN", "SplitError", "SplitInfo", "SplitKind", "SplitRecord",
           "SplitRegistry", "identify", "new_secret", "private_record", "public_record", "read_secret", "reveal",
           "secret_seed", "seed_commitment", "shipped_splits", "write_secret"]
