"""Servers configured the way users write them, `uvx PKG ...` or `npx -y PKG ...`, turned into pinned installs.

A launcher downloads (and may build) its package on first start, which can take minutes and miss any connect
deadline; every later start still pays for the launcher itself. `mcpbench servers install` therefore installs the
package a launcher line names like any other server (its own venv, or the shared npm prefix), records the version it
got, and from then on the server is launched by that installed binary with the rest of the line as its arguments.
Lines this module cannot read with certainty (unknown launcher flags) are left to their launcher.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mcpbench.config import Install, ServerSpec

LAUNCHERS = ("uvx", "npx")
"""Launcher commands whose lines `servers install` turns into pinned installs."""

_UVX_VALUE_FLAGS = frozenset({"--from", "--with", "--python", "-p"})
_UVX_BARE_FLAGS = frozenset({"-q", "--quiet", "--isolated", "--no-cache", "-n", "--refresh", "--offline"})
_NPX_VALUE_FLAGS = frozenset({"-p", "--package"})
_NPX_BARE_FLAGS = frozenset({"-y", "--yes", "-q", "--quiet", "--no-install", "--prefer-offline", "--prefer-online"})


class LauncherPlan(BaseModel):
    """What a launcher line runs: the package to install, the binary it starts and that binary's arguments."""

    model_config = ConfigDict(frozen=True)

    launcher: Literal["uvx", "npx"]
    kind: Literal["pypi", "npm"]
    package: str
    """The requirement (pip form, e.g. 'mcp-server-time==2026.1.1') or the npm spec ('@scope/pkg@1.2.3')."""
    with_: list[str] = Field(default_factory=list)
    """Extra requirements (uvx --with)."""
    command: str | None
    """The binary to start; None for npx when the package's own bin must be looked up after installing it."""
    args: list[str] = Field(default_factory=list)

    def install(self) -> Install:
        """The install section this line amounts to."""
        if self.kind == "pypi":
            return Install.model_validate({"pypi": self.package, "with": self.with_})
        return Install(npm=self.package)


def launcher_of(spec: ServerSpec) -> str | None:
    """'uvx' or 'npx' when the spec starts its server through one (and declares no install of its own)."""
    if spec.install is not None or not spec.command:
        return None
    name = PurePath(spec.command).name
    return name if name in LAUNCHERS else None


def _split(args: list[str], value_flags: frozenset[str], bare_flags: frozenset[str]
           ) -> tuple[dict[str, list[str]], list[str]] | None:
    """Leading launcher options (flag -> values) and the rest; None on a flag this module does not know."""
    opts: dict[str, list[str]] = {}
    i = 0
    while i < len(args) and args[i].startswith("-"):
        a = args[i]
        if a == "--":
            return opts, args[i + 1:]
        flag, eq, inline = a.partition("=")
        if flag in value_flags:
            if eq:
                opts.setdefault(flag, []).append(inline)
                i += 1
                continue
            if i + 1 >= len(args):
                return None
            opts.setdefault(flag, []).append(args[i + 1])
            i += 2
        elif a in bare_flags:
            i += 1
        else:
            return None
    return opts, args[i:]


_PYPI_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?(.*)$")


def _pip_requirement(ref: str) -> tuple[str, str] | None:
    """uvx's 'pkg', 'pkg@1.2', 'pkg==1.2', 'pkg[extra]>=1' → (pip requirement, command name)."""
    m = _PYPI_NAME.match(ref)
    if not m:
        return None
    name, extras, rest = m.group(1), m.group(2) or "", m.group(3)
    if rest.startswith("@"):
        version = rest[1:]
        rest = "" if not version or version == "latest" else f"=={version}"
    if rest and not re.match(r"^\s*(==|>=|<=|~=|!=|>|<)", rest):
        return None
    return f"{name}{extras}{rest}", name


def npm_name(ref: str) -> str:
    """The package name of an npm spec: '@scope/pkg@1.2.3' → '@scope/pkg'; 'pkg@latest' → 'pkg'."""
    at = ref.find("@", 1)
    return ref if at < 0 else ref[:at]


def plan(spec: ServerSpec) -> LauncherPlan | None:
    """The pinned-install plan of a `uvx ...` / `npx ...` server, or None (not a launcher line, or one with options
    this module does not read; such a server keeps starting through its launcher)."""
    launcher = launcher_of(spec)
    if launcher == "uvx":
        split = _split(list(spec.args), _UVX_VALUE_FLAGS, _UVX_BARE_FLAGS)
        if split is None or not split[1]:
            return None
        opts, rest = split
        if "--python" in opts or "-p" in opts:
            return None  # another interpreter than ours: leave it to uvx
        source = (opts.get("--from") or [rest[0]])[-1]
        req = _pip_requirement(source)
        if req is None:
            return None
        command = rest[0] if "--from" in opts else req[1]
        return LauncherPlan(launcher="uvx", kind="pypi", package=req[0], with_=opts.get("--with", []),
                            command=command, args=rest[1:])
    if launcher == "npx":
        split = _split(list(spec.args), _NPX_VALUE_FLAGS, _NPX_BARE_FLAGS)
        if split is None or not split[1]:
            return None
        opts, rest = split
        packages = opts.get("-p", []) + opts.get("--package", [])
        if len(packages) > 1:
            return None
        if packages:
            return LauncherPlan(launcher="npx", kind="npm", package=packages[0], command=rest[0], args=rest[1:])
        return LauncherPlan(launcher="npx", kind="npm", package=rest[0], command=None, args=rest[1:])
    return None


__all__ = ["LAUNCHERS", "LauncherPlan", "launcher_of", "npm_name", "plan"]
