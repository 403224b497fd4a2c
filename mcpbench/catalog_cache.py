"""The catalog cache: each server's tool listing on disk, so `servers search` and `servers tools` need not connect.

A record is keyed by the server's launch spec (transport, command, args, env, cwd, url, headers, install pin — the
parts that decide which program answers) and remembers the version the server reported. Every time a fleet lists a
server's tools (connect or a `tools/list_changed` relist) the record is checked against the live listing: the same
tool hashes and version leave it alone, anything else replaces it. A changed spec (e.g. a new install pin) is a
different key, so it is never answered from an older record. `--refresh` ignores the cache and lists again.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from mcpbench.catalog import Catalog, ToolEntry, canonical_json
from mcpbench.config import ServerSpec

SCHEMA_VERSION = 1
MAX_RECORDS = 500
"""Records kept; writing one more removes the least recently written (test fleets with temporary paths add keys)."""
_KEY_FIELDS = ("transport", "command", "args", "env", "cwd", "url", "headers", "install", "stateful")


class CachedListing(BaseModel):
    """One server's tools as last listed live."""

    schema_version: int = SCHEMA_VERSION
    server: str
    spec_key: str
    """sha256 of the launch spec (spec_key())."""
    server_version: str | None = None
    """serverInfo.version at the listing."""
    listed_at: str
    tools: list[dict[str, Any]] = Field(default_factory=list)
    """The tools as the fleet registered them (name, title, description, input_schema, ...)."""
    tool_hashes: dict[str, str] = Field(default_factory=dict)
    """Tool name -> sha256 of its definition (catalog.tool_sha256)."""
    tool_flags: dict[str, list[str]] = Field(default_factory=dict)
    """Tool name -> its security flags at the listing (so a warm read needs neither the SDK nor the scanner)."""


def spec_key(spec: ServerSpec) -> str:
    """sha256 of the parts of a spec that decide which program answers and how it is launched."""
    dumped = spec.model_dump(mode="json")
    return hashlib.sha256(canonical_json({k: dumped.get(k) for k in _KEY_FIELDS}).encode()).hexdigest()


def cache_dir(home: Path) -> Path:
    return home / "cache" / "catalog"


def _path(home: Path, spec: ServerSpec) -> Path:
    return cache_dir(home) / f"{spec.name}-{spec_key(spec)[:20]}.json"


def load(home: Path, spec: ServerSpec) -> CachedListing | None:
    """The cached listing of this exact spec, or None (missing, unreadable or from another spec/schema)."""
    try:
        rec = CachedListing.model_validate_json(_path(home, spec).read_bytes())
    except (OSError, ValidationError, ValueError):
        return None
    if rec.schema_version != SCHEMA_VERSION or rec.spec_key != spec_key(spec) or rec.server != spec.name:
        return None
    return rec


def remember(home: Path, spec: ServerSpec, version: str | None, tools: list[dict[str, Any]],
             entries: list[ToolEntry]) -> bool:
    """Check a live listing (its raw tools and their catalog entries) against the cache; (re)write the record when
    it is new or differs. True if written. Never raises for I/O: a cache that cannot be written only costs a
    connection."""
    hashes = {e.name: e.sha256 for e in entries}
    flags = {e.name: list(e.flags) for e in entries if e.flags}
    old = load(home, spec)
    if old is not None and (old.tool_hashes, old.tool_flags, old.server_version) == (hashes, flags, version):
        return False
    rec = CachedListing(server=spec.name, spec_key=spec_key(spec), server_version=version,
                        listed_at=datetime.now(UTC).isoformat(timespec="seconds"),
                        tools=json.loads(json.dumps(tools, default=str)), tool_hashes=hashes, tool_flags=flags)
    path = _path(home, spec)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(rec.model_dump_json())
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        return False
    return True


def _prune(folder: Path) -> None:
    records = list(folder.glob("*.json"))
    if len(records) <= MAX_RECORDS:
        return
    records.sort(key=lambda p: p.stat().st_mtime_ns)
    for old in records[:len(records) - MAX_RECORDS]:
        old.unlink(missing_ok=True)


def catalog_from(listings: Iterable[CachedListing]) -> Catalog:
    """A Catalog built from cached listings exactly as a live fleet would build it (hashes, names, quarantine)."""
    catalog = Catalog()
    for rec in listings:
        for tool in rec.tools:
            entry = catalog.add(ToolEntry(server=rec.server, **tool))
            entry.flags = list(rec.tool_flags.get(entry.name, []))
    return catalog


async def fleet_catalog(specs: list[ServerSpec], *, home: Path | None = None,
                        refresh: bool = False) -> tuple[Catalog, dict[str, str], list[str]]:
    """The fleet's catalog, from the cache where possible, connecting only the servers without a record.

    Returns (catalog, failures by server, names of the servers listed live). Live listings are written to the
    cache by the fleet itself (Fleet._register_tools)."""
    from mcpbench.install import home_dir

    home = home or home_dir()
    cached: dict[str, CachedListing] = {}
    if not refresh:
        for spec in specs:
            rec = load(home, spec)
            if rec is not None:
                cached[spec.name] = rec
    missing = [s for s in specs if s.name not in cached]
    failed: dict[str, str] = {}
    live: dict[str, CachedListing] = {}
    if missing:
        from mcpbench.fleet import Fleet  # the SDK is imported only when something must be listed live

        async with Fleet.open(missing, home=home) as fleet:
            failed = {n: str(st.error or "failed") for n, st in fleet.status.items() if st.status != "connected"}
            for spec in missing:
                if spec.name in failed:
                    continue
                rec = load(home, spec)  # just written by the fleet's listing
                if rec is None:  # the cache could not be written: take the listing from the live catalog
                    entries = fleet.catalog.entries([spec.name], include_quarantined=True)
                    rec = CachedListing(server=spec.name, spec_key=spec_key(spec), listed_at="",
                                        server_version=fleet.status[spec.name].version,
                                        tools=[_raw(e) for e in entries],
                                        tool_flags={e.name: list(e.flags) for e in entries if e.flags})
                live[spec.name] = rec
    order = [s.name for s in specs]
    recs = [cached.get(n) or live[n] for n in order if n in cached or n in live]
    return catalog_from(recs), failed, sorted(live)


def _raw(e: ToolEntry) -> dict[str, Any]:
    return {"name": e.name, "title": e.title, "description": e.description, "input_schema": e.input_schema,
            "output_schema": e.output_schema, "annotations": e.annotations}


__all__ = ["MAX_RECORDS", "CachedListing", "cache_dir", "catalog_from", "fleet_catalog", "load", "remember", "spec_key"]
