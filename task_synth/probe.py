"""Graph source `probe`: call read-only tools with safe generated arguments and look at what comes back.

Each round probes every read-only tool whose required parameters can now be filled (the first round's outputs — table
names, entity names, links — fill parameters of the next). Every probe runs twice in two episodes; an output that
differs, or mentions today's date, marks the tool live and its values stay out of the literal pools (they would
change the next run's choices).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio

from task_synth import conditions, exemplars, freetext, listers
from task_synth.artifacts import ChainStep, ProbeRecord, ToolNode
from task_synth.binding import expand, placeholders, resolve_binding
from task_synth.graph import can_fill, connect, init_graph, literal_values, mark_produces
from task_synth.handles import (
    confirm_producers,
    learn_openers,
    mask,
    observe,
    opener_candidates,
    prelude,
    run_prelude,
    server_files,
    unbound_handles,
)
from task_synth.kinds import KINDS, NEVER, find_values
from task_synth.normalise import clock_dependent, episode_dirs
from task_synth.registry import step
from task_synth.required import learn_range, learn_required

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

POOLED_PER_TOOL = 8
"""Values a single probe output may add to a kind's pool (long listings must not drown the seeds)."""
NOT_POOLED = {"number", "text", "markup", "json", "csv"}
"""Kinds whose probe values are evidence for edges but never literal arguments (any output is full of numbers; an
output text is a result, not something a person would paste)."""

_ERROR = re.compile(r"^\s*(error\b|traceback|exception\b|failed\b|invalid\b|unknown tool)", re.IGNORECASE)


def looks_like_error(text: str) -> bool:
    """An ok outcome whose text is really an error or empty (some servers report faults as plain text, or as a JSON
    object saying only that it failed: `{"error": "…"}`, `{"success": false, …}`, `{"status": "error", …}` with no
    data)."""
    t = text.strip()
    if not t or t in ("[]", "{}", "null", "None", '""') or bool(_ERROR.match(t)):
        return True
    if t.startswith("{") and len(t) < 2000:
        try:
            d = json.loads(t)
        except ValueError:
            return False
        data = {k for k, v in d.items() if v not in (None, "", [], {})} if isinstance(d, dict) else set()
        failed = isinstance(d, dict) and (bool(d.get("error")) or d.get("success") is False
                                          or str(d.get("status", "")).lower() in ("error", "failed", "failure"))
        # the keys say why it failed, or name the call itself (`"function_results_id": "fff16c5b"`)
        return failed and all(_ABOUT_FAILURE.search(str(k)) or re.search(r"(?:^|_)id$", str(k)) for k in data)
    return False


_ABOUT_FAILURE = re.compile(r"error|message|detail|hint|type|code|trace|exception|suggest|success|status|session_id|"
                            r"reason", re.IGNORECASE)
"""Keys of a JSON answer that say why a call failed (`{"error": true, "error_type": "TypeError", "message": …}`),
not data it returned."""


def normalise_output(text: str, builtins: dict[str, str] | None) -> str:
    """Run-specific values written back as placeholders (the loopback port, temporary directories)."""
    return episode_dirs(placeholders(text, builtins))


def probe_arguments(state: SynthState, node: ToolNode) -> dict[str, Any]:
    entry = state.entry(node.server, node.tool)
    props = ((entry.input_schema if entry else {}) or {}).get("properties") or {}
    from task_synth.sampling import paths_for

    args = {p: (paths_for(node, p, vals) if k.split("@")[0] == "path" else vals)[0]
            for p, k in node.params.items() if k is not None
            for vals in [literal_values(state.graph, k, props.get(p), node.server, p)]}
    freetext.complete(node, args, None)
    return args


_LINK = re.compile(r"\]\(([^()\s]+)\)|href=[\"']([^\"'\s]+)[\"']")


def linked_urls(text: str, base: str) -> list[str]:
    """Pages a page fetched from `base` links to by a relative link (markdown `[x](a.html)` or `href="a.html"`),
    made absolute against `base`: a fetcher's probe of one page gives the pages it can fetch next. Links with a
    scheme, fragments and links back to `base` are not taken (absolute URLs are the `url` kind's own finding)."""
    from urllib.parse import urljoin

    out: list[str] = []
    for m in _LINK.finditer(text):
        link = m.group(1) or m.group(2)
        if re.match(r"^[a-z][\w+.-]*:|^#|^//", link, re.IGNORECASE):
            continue
        url = urljoin(base, link.split("#", 1)[0])
        if url and url != base and url not in out:
            out.append(url)
    return out


SETUP_TRIES = 4
SETUP_READS = 3
"""Failed reads tried after a candidate set-up: one that then succeeds confirms it."""
"""Argument sets tried per set-up tool (a read's probe error named it)."""


def named_tools(text: str, tools: list[str], exclude: str) -> list[str]:
    """Tools of `tools` (other than `exclude`) that `text` names as a word."""
    return [t for t in tools if t != exclude and re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", text)]


def setup_values(state: SynthState, server: str, param: str, schema: dict[str, Any], hint: str = "") -> list[Any]:
    """Candidates for a set-up parameter: the server's own per-episode data (the names its isolation copies into its
    working directory, and the files inside them — as seen from the server's working directory, those with an
    extension HINT (the tool's description) names first), the world's directory, then the literal pool of the
    parameter's kind."""
    from task_synth.kinds import param_kind

    spec = (getattr(state.live, "specs", None) or {}).get(server)
    iso = getattr(spec, "isolation", None)
    copies = [str(c) for c in (getattr(iso, "copy_", None) or [])]
    vals: list[Any] = list(copies)
    if schema.get("type") in (None, "string"):
        vals += [f for f in copied_files(state, copies, str(getattr(spec, "cwd", "") or ""), hint) if f not in vals]
    if schema.get("type") in (None, "string") and state.offered.get(server):
        # the files synthesis gave it (task_synth.offered), and the folder they sit in for a folder
        from task_synth.fill import FOLDER
        from task_synth.handles import server_files

        given = (["."] if FOLDER.search(param) else []) + server_files(state, server)
        vals += [v for v in given if v not in vals]
    if schema.get("type") in (None, "string") and "WORLD" in state.builtins:
        vals.append("${WORLD}")
    kind = param_kind(param, schema)
    if kind:
        vals += [v for v in literal_values(state.graph, kind, schema, server, param) if v not in vals]
    return vals


COPIED_FILES = 8
"""Files of a server's copied data offered as set-up candidates (the tries stop at SETUP_TRIES anyway)."""


def copied_files(state: SynthState, copies: list[str], cwd: str, hint: str) -> list[str]:
    """Files under the world's copies of COPIES, as paths relative to the server's working directory when it lies in
    the episode directory (`${EPISODE_DIR}/office` → `memos/a.docx`), else relative to the episode directory; files
    whose extension HINT mentions first, then by path."""
    world = state.builtins.get("WORLD")
    if not world or not copies:
        return []
    base = cwd.removeprefix("${EPISODE_DIR}").strip("/") if cwd.startswith("${EPISODE_DIR}") else ""
    found: list[str] = []
    for c in copies:
        root = Path(world) / c
        if not root.is_dir():
            continue
        for f in sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith(".")):
            rel = f.relative_to(Path(world)).as_posix()
            if base and (rel + "/").startswith(base + "/"):
                rel = rel[len(base) + 1:]
            found.append(rel)
    exts = {e.lower() for e in re.findall(r"\.(\w{2,5})\b", hint)}
    found.sort(key=lambda r: (Path(r).suffix.lower().lstrip(".") not in exts, r))
    return found[:COPIED_FILES]


async def _run_setups(state: SynthState, tools: Any, servers: list[str]) -> None:
    for server in servers:
        su = state.graph.setups.get(server)
        if su:
            await tools.call_real(server, su["tool"], expand(dict(su["arguments"]), state.builtins),
                                  state.options.call_timeout_s)


async def learn_setups(state: SynthState, failed: dict[str, tuple[ToolNode, str]]) -> list[str]:
    """Prerequisites from errors for reads: a read whose probe failed with an error naming another tool of its server
    ("… use X first") has that tool tried first, filled from what the fleet provides; the first argument set after
    which the read succeeds becomes the server's set-up (graph.setups). Returns the servers that gained one."""
    from task_synth.seeding import _MISSING, isolated_servers

    isolated = set(isolated_servers(state))
    gained: list[str] = []
    by_server: dict[str, list[tuple[ToolNode, str]]] = {}
    for key in sorted(failed):
        node, err = failed[key]
        if node.server not in state.graph.setups:
            by_server.setdefault(node.server, []).append((node, err))
    for server, reads in sorted(by_server.items()):
        tools = sorted(e.name for e in state.entries if e.server == server)
        counts: dict[str, int] = {}
        for node, err in reads:
            for t in named_tools(err, tools, node.tool):
                counts[t] = counts.get(t, 0) + 1
        cands = sorted(counts, key=lambda t: (-counts[t], t))[:2]
        if not cands and server in isolated and any(_MISSING.search(err) for _, err in reads):
            # "no presentation is loaded": what opens one is the set-up (only in the sandbox: it may create)
            cands = [e.name for e in opener_candidates(state, server, set())][:2]
        for cand in cands:
            entry = state.entry(server, cand)
            schema = (entry.input_schema if entry else None) or {}
            props = schema.get("properties") or {}
            required = [str(p) for p in schema.get("required") or []]
            hint = (entry.description if entry else "") or ""
            options = [setup_values(state, server, p, props.get(p) or {}, hint) for p in required]
            if any(not o for o in options):
                continue
            # the set-up is confirmed when one of the reads that failed now succeeds after it (the first read alone
            # may fail for a reason of its own: a made-up argument, a handle it also needs)
            checks = [n for n, _ in reads][:SETUP_READS]
            for i in range(SETUP_TRIES):
                args = {p: o[min(i, len(o) - 1)] for p, o in zip(required, options)}
                if i and all(len(o) <= i for o in options):
                    break
                async with state.live.episode(f"synth-setup-{server}-{i}", servers=[server],
                                              call_timeout_s=state.options.call_timeout_s) as ep:
                    su = await ep.call_real(server, cand, expand(dict(args), state.builtins),
                                            state.options.call_timeout_s)
                    if not su.ok or looks_like_error(su.content):
                        continue
                    confirmed = False
                    for node in checks:
                        out = await ep.call_real(server, node.tool,
                                                 expand(probe_arguments(state, node), state.builtins),
                                                 state.options.call_timeout_s)
                        if out.ok and not looks_like_error(out.content):
                            confirmed = True
                            break
                if confirmed:
                    state.graph.setups[server] = {"tool": cand, "arguments": args}
                    gained.append(server)
                    break
            if server in gained:
                break
    return gained


async def _call_all(state: SynthState, nodes: list[ToolNode], args: dict[str, dict[str, Any]], label: str
                    ) -> dict[str, tuple[str, str]]:
    """(outcome, text) per tool key, all calls of one episode run concurrently under a limiter (after the servers'
    set-up calls, when they need one)."""
    results: dict[str, tuple[str, str]] = {}
    limiter = anyio.CapacityLimiter(state.options.concurrency)
    servers = sorted({n.server for n in nodes})
    async with state.live.episode(f"synth-probe-{label}", servers=servers,
                                  call_timeout_s=state.options.call_timeout_s) as tools:
        await _run_setups(state, tools, servers)
        async def one(node: ToolNode) -> None:
            call = expand(dict(args[node.key]), state.builtins)
            async with limiter:
                # a handle the tool needs comes from its producer, called first in this episode (never made up)
                need = unbound_handles(state.graph, ChainStep(server=node.server, tool=node.tool, arguments=call))
                handles: list[Any] = []
                if need:
                    pre, bound = prelude(state.graph, node.server, need)
                    outs = await run_prelude(state, tools, pre)
                    if isinstance(outs, str):
                        results[node.key] = ("tool_error", f"the handle's producer failed: {outs}")
                        return
                    for p, spec in bound.items():
                        call[p] = resolve_binding(spec, outs)
                        handles.append(call[p])
                out = await tools.call_real(node.server, node.tool, call, state.options.call_timeout_s)
            text = out.content if out.ok else (out.error or out.content)
            results[node.key] = (out.outcome, mask(text, handles))

        async with anyio.create_task_group() as tg:
            for node in nodes:
                tg.start_soon(one, node)
    return results


@step("graph", "probe")
class ProbeSource:
    """Edges from live outputs: a kind found in a probe's output is produced by that tool."""

    name = "probe"

    def __init__(self, rounds: int = 3):
        self.rounds = rounds

    async def run(self, state: SynthState) -> None:
        from task_synth.seeding import isolated_servers

        init_graph(state)
        for server in state.options.servers:
            files = server_files(state, server)
            if files and server not in state.graph.local_pools:
                # the folders they sit in too: a tool that lists a directory is given one (sampling picks by need)
                folders = sorted({str(Path(f).parent) for f in files} - {"."})
                if not folders and server in state.offered:
                    folders = ["."]  # the files it was given sit where it runs
                state.graph.local_pools[server] = {"path": files + folders}
        await listers.learn(state)
        await conditions.learn(state)
        exemplars.learn(state)  # what nothing better fills takes the examples its tool's words give
        await learn_openers(state, isolated_servers(state))
        freetext.assign_prose(state.graph, state.entries)  # the last resort for what is still of no kind
        schemas = {f"{e.server}/{e.name}": e.input_schema or {} for e in state.entries}
        probed: set[str] = set()
        searched: set[str] = set()
        setup_tried = False
        for r in range(self.rounds + 1):  # a round more when a set-up was learnt (its server is probed again)
            if r == self.rounds and not state.graph.setups:
                break
            todo = [n for n in state.graph.nodes
                    if n.key not in probed and can_fill(state.graph, n, schemas.get(n.key, {}))]
            if not todo:
                break
            args = {n.key: probe_arguments(state, n) for n in todo}
            first = await _call_all(state, todo, args, f"{r}a")
            second = await _call_all(state, todo, args, f"{r}b")
            failed = {n.key: (n, first[n.key][1]) for n in todo
                      if first[n.key][0] != "ok" or looks_like_error(first[n.key][1])}
            if failed and not setup_tried:
                setup_tried = True
                gained = set(await learn_setups(state, failed))
                if gained:  # those servers' reads are probed again, after their set-up
                    todo = [n for n in todo if n.server not in gained]
            for node in todo:
                outcome, raw = first[node.key]
                if (outcome != "ok" or looks_like_error(raw)) and r + 1 < self.rounds \
                        and (learn_required(state, node.server, node.tool, raw)
                             or learn_range(state, node.server, node.tool, raw)):
                    entry = state.entry(node.server, node.tool)
                    schemas[node.key] = (entry.input_schema if entry else None) or {}
                    continue  # probed again next round, with the parameter its error asked for, in its range
                probed.add(node.key)
                text = normalise_output(raw, state.builtins)
                varying = (text != normalise_output(second[node.key][1], state.builtins)
                           or clock_dependent(raw, state.now))
                node.probe = ProbeRecord(arguments=args[node.key], outcome=outcome, output=text[:4000],
                                         varying=varying)
                if outcome != "ok" or looks_like_error(raw):
                    continue
                observe(state, node, args[node.key], raw)
                self._learn(state, node, raw, text, varying)
            if r + 1 < self.rounds:  # a search nothing filled takes the names these reads gave: probed next round
                await listers.search_words(state, searched)
        await confirm_producers(state)
        connect(state.graph)

    @staticmethod
    def _learn(state: SynthState, node: ToolNode, raw: str, text: str, varying: bool) -> None:
        if not varying and node.probe is not None:
            pool = state.graph.pools.setdefault("url", [])
            for base in (v for p, v in node.probe.arguments.items() if node.params.get(p) == "url"):
                pool += [u for u in linked_urls(text, str(base))[:POOLED_PER_TOOL] if u not in pool]
        for kind in sorted(KINDS):
            found = find_values(kind, raw, node.key)
            if not found:
                # a successful probe outranks a guess from the schema's words
                if KINDS[kind].find != NEVER and node.produces.get(kind) == ["schema"]:
                    del node.produces[kind]
                continue
            mark_produces(node, kind, "probe")
            if varying or kind in NOT_POOLED:
                continue
            pool = state.graph.pools.setdefault(kind, [])
            for _, _, value in found[:POOLED_PER_TOOL]:
                value = normalise_output(value, state.builtins)
                if value not in pool:
                    pool.append(value)


__all__ = ["NOT_POOLED", "ProbeSource", "linked_urls", "looks_like_error", "normalise_output", "probe_arguments"]
