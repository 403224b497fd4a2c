"""Stage 2b, world seeding: stateful tasks that write the world's facts into a server, then ask about them.

Only servers the fleet isolates per episode (`stateful: true`: a fresh process and data dir per episode) are written
to. For each write tool of such a server, and a topic of the world (topics.py), seeding

1. fills the tool from the topic (fill.py: handles like a file name, sheet or list name; content like rows, lines,
   items or text; ids bound from an earlier step's output where a key of that name appears);
2. tries it live in a sandbox episode. When the call fails, **prerequisites come from the error**: another tool of
   the same server named in the error or in the tool's description ("use X first"), or, when the error says
   something is missing ("not found", "does not exist", "no … set"), a tool that creates it — is run before it and
   the write is retried;
3. picks a read tool of the same server, filled with the same handles, whose output then shows what was written and
   did not before (that read becomes the chain's last step and the task's **final-state check**);
4. grounds the chain twice like any other (grounding.ground_chain) and reads the state a fresh instance shows
   (what a do-nothing agent leaves), so the filters can prove the check tells the two apart.

The request gives the records and asks for them to be kept in a named place, then asks a question a person would ask
of them (a total, a count); it is scored on the final state *and* the answer. With two or more isolated servers, two
seeded chains of one topic are joined into a cross-server task ("keep it in both"). Nothing here names a server or
tool: every choice comes from schemas, descriptions, errors and outputs.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any, TypeVar

import anyio

from judges.checks import json_unescaped
from mcpbench.catalog import ToolEntry
from task_synth.artifacts import Chain, ChainStep, CheckSpec, Draft, Grounded, GroundedStep
from task_synth.binding import BindingError, expand, extract
from task_synth.fill import Unfillable, file_format, fill, role, slug, sql_statements, writes_content
from task_synth.followups import change_phrase, kind_for, new_choice, shows_change, status_changes
from task_synth.grammar import codeish, with_article
from task_synth.graph import MUTATING_VERBS, REMOVES, handle_source, is_read_only, named_as_read
from task_synth.grounding import GroundingFailed, ground_chain
from task_synth.handles import HIDDEN, id_fits, id_regex
from task_synth.kinds import param_kind
from task_synth.normalise import VARIES
from task_synth.probe import looks_like_error
from task_synth.recall import keyword_queries, search_param
from task_synth.registry import step
from task_synth.replay import state_arguments
from task_synth.required import learn_required
from task_synth.task import CallValue, StateRead, state_key
from task_synth.topics import Topic, world_topics
from task_synth.wording import humanize, listing

if TYPE_CHECKING:
    from task_synth.pipeline import EpisodeCalls, SynthState

_CREATOR = re.compile(r"(^|[_\-. ])(create|new|init|initialize|open|start|register|add|make)", re.IGNORECASE)
_MISSING = re.compile(r"not found|does not exist|doesn't exist|no such|not exist|missing|first\b|"
                      r"\bno \w+ (is |are )?(currently )?(set|selected|loaded|open)|not (currently )?(set|loaded|open)|"
                      r"out of range|invalid \w+ (index|id)\b|unknown (file|sheet|document|session|list)",
                      re.IGNORECASE)
_STEP_REF = re.compile(r"^step\[(\d+)\]:(.*)$", re.DOTALL)
OPENERS = ("I'm getting ready for the quarterly review.", "For next week's planning meeting:",
           "I'm tidying up our records.", "Quick favour for the ops team:", "Before the board pack goes out:")


Plan = tuple[Topic, list[ChainStep], tuple[str, str]]
"""A seeded plan: its topic, its chain steps (ending with the verifying read) and the server's file format."""


_CHOSEN = re.compile(r"\b(unique|new|custom|your own|choose|chosen|e\.g\.|for example)\b", re.IGNORECASE)
_GIVEN = re.compile(r"\b(existing|current|old|original|source|target|parent|of the \w+ to)\b", re.IGNORECASE)


def new_id(entry: ToolEntry, param: str) -> bool:
    """PARAM of a tool that makes a thing (`add_page`, `create_user`) is the id the caller gives the new thing: a
    bare `id` or the thing's own `<noun>_id`, described as one to choose ("Unique page ID (e.g. 'intro')"), never
    one of an existing thing ("Current page ID", "ID of the list to add to")."""
    from task_synth.fill import id_noun
    from task_synth.handles import MAKES, tool_noun

    noun = tool_noun(entry.name)
    desc = str((((entry.input_schema or {}).get("properties") or {}).get(param) or {}).get("description", ""))
    return bool(MAKES.search(entry.name) and noun and id_noun(param) in ("", noun)
                and _CHOSEN.search(desc) and not _GIVEN.search(desc))


def _fitted(schema: dict[str, Any], value: str) -> str:
    """VALUE, or with hyphens for underscores when the parameter's pattern or bounds refuse it."""
    from task_synth import bounds

    return value if bounds.fits(schema, value) else value.replace("_", "-")


class SeedFailed(Exception):
    """This write tool and topic give no verified stateful chain; the message is the reason."""


def isolated_servers(state: SynthState) -> list[str]:
    """The selected servers the fleet starts fresh for every episode (the only ones seeding writes to)."""
    specs = getattr(state.live, "specs", None) or {}
    return [s for s in state.options.servers if getattr(specs.get(s), "stateful", False)]


_QUOTED = re.compile(r"[\"'“‘`]([^\"'”’`\n]{1,80})[\"'”’`]")


def _missing_value(error: str, args: dict[str, Any]) -> str | None:
    """The value of the write's own arguments ARGS that its error quotes as missing ('Project "Brightwater products"
    not found'): what a creator run before it must make, under that very name; None when the error quotes none."""
    if not _MISSING.search(error):
        return None
    given = {v for v in args.values() if isinstance(v, str)}
    return next((q for q in _QUOTED.findall(error) if q in given), None)


_SUGGESTS = re.compile(r"\b(?:did you mean|close matches|suggestions?|similar \w+|available \w+|valid (?:values|"
                       r"options|names)|known \w+|choose from|try one of)\b\s*(?:are|is|include)?\s*[:?]?\s*([^\n]+)",
                       re.IGNORECASE)


def _strings(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def suggested(error: str, args: dict[str, Any]) -> tuple[str, str] | None:
    """(the value of ARGS an error quotes, the first name it suggests instead) when a write is refused for naming
    what does not exist and told what does: "No exercise matches 'Brightwater products'. Did you mean: Sight
    Reading, Major Scales?" -> ('Brightwater products', 'Sight Reading'); None otherwise."""
    given = set(_strings(args))
    quoted = next((q for q in _QUOTED.findall(error) if q in given), None)
    m = _SUGGESTS.search(error)
    if quoted is None or m is None:
        return None
    for part in re.split(r",|;|\bor\b", m.group(1)):
        name = part.strip().strip("\"'“”‘’`").rstrip("?.!").strip().strip("\"'“”‘’`")
        if 0 < len(name) <= 60 and name != quoted and not name.lower().startswith(("none", "no ")):
            return quoted, name
    return None


def renamed(value: Any, names: dict[str, str]) -> Any:
    """VALUE with every string equal to a key of NAMES replaced by its name (nested in objects and arrays too)."""
    if isinstance(value, dict):
        return {k: renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, names) for v in value]
    return names.get(value, value) if isinstance(value, str) else value


def _named_as(step: ChainStep, creator: ToolEntry, value: str) -> ChainStep:
    """The creator's step with the one parameter that names what it makes (a name, a title, a file) set to VALUE,
    unless an argument already is; unchanged when it has no such parameter or several."""
    if value in step.arguments.values():
        return step
    props = (creator.input_schema or {}).get("properties") or {}
    required = set((creator.input_schema or {}).get("required") or [])
    naming = [p for p in step.arguments if p in required and role(p, props.get(p) or {}) in ("name", "file")]
    if len(naming) != 1:
        return step
    return step.model_copy(update={"arguments": {**step.arguments, naming[0]: value}})


def shared_writers_hints(state: SynthState) -> list[str]:
    """One 'hint:' note per selected server that has tools that change state but is shared (not `stateful: true`):
    synthesis never writes to it, so a store that starts empty gives no task until its entry says so."""

    isolated = set(isolated_servers(state))
    out = []
    for server in state.options.servers:
        if server in isolated:
            continue
        writes = sorted(e.name for e in state.entries if e.server == server and not is_read_only(e))
        if writes:
            more = f" and {len(writes) - 3} more" if len(writes) > 3 else ""
            out.append(f"hint: {server} has tools that change state ({', '.join(writes[:3])}{more}) but is shared, "
                       "so synthesis never calls them; if it keeps its data in its process or its working directory, "
                       f"give its entry `stateful: true` and `cwd: \"${{EPISODE_DIR}}\"` (a fresh copy per episode)")
    return out


_FAILURE = re.compile(r"does not exist|doesn't exist|not found|no such|cannot|can't|could not|couldn't|\bfailed\b|"
                      r"\binvalid\b|\berror\b|not allowed|denied", re.IGNORECASE)
_NO_ERROR = re.compile(r"""["']?(error|errors|err)["']?\s*[:=]\s*(null|none|false|\[\]|\{\}|""|'')""",
                       re.IGNORECASE)
SHORT_FAILURE = 300
"""An ok result this short that says something failed is a failure (servers that report faults as plain text)."""


EMPTY = ("", "[]", "{}", "null", "None", '""')


def _text(out: Any) -> tuple[bool, str]:
    text = out.content if out.ok else " ".join(x for x in (out.error, out.content) if x)
    if not out.ok:
        return False, text
    content = _NO_ERROR.sub("", out.content)
    failed = looks_like_error(out.content) or (len(content) < SHORT_FAILURE and bool(_FAILURE.search(content)))
    return out.ok and not failed, text


def echoes(arguments: dict[str, Any], values: list[str]) -> bool:
    """A read given any of VALUES as (part of) its arguments: that it shows them proves nothing about what was
    written, since many reads repeat the key they were asked for, found or not ({"name": x, "error": "not
    found"})."""
    given = json.dumps(arguments, ensure_ascii=False)
    return any(_contains(given, v) for v in values)


def given_handles(props: dict[str, Any], args: dict[str, Any], done: list[tuple[ChainStep, str]]) -> dict[str, Any]:
    """The handles among ARGS (a file, a sheet, a name) that an earlier step of the chain gave under the same
    parameter name, with the value it gave: a read finds what the write named, even when the write had to slug
    the name ('brightwater-products') and the read's own description does not say so."""
    out: dict[str, Any] = {}
    for p, v in args.items():
        if role(p, props.get(p) or {}) not in ("file", "sheet", "name"):
            continue
        earlier = [s.arguments[p] for s, _ in done if isinstance(s.arguments.get(p), str)]
        if earlier and earlier[-1] != v:
            out[p] = earlier[-1]
    return out


def _named_tools(text: str, tools: list[ToolEntry], exclude: str) -> list[ToolEntry]:
    return [t for t in tools if t.name != exclude and re.search(rf"(?<![\w-]){re.escape(t.name)}(?![\w-])", text)]


def _contains(haystack: str, needle: str) -> bool:
    """`needle` shows in `haystack` (whitespace and case aside; JSON's ASCII escapes read as what they stand for, as
    the state check reads them)."""
    want = " ".join(needle.split()).casefold()
    return any(want in " ".join(h.split()).casefold() for h in (haystack, json_unescaped(haystack)))


def sql_param(entry: ToolEntry) -> str | None:
    """The required parameter through which a tool runs SQL, or None."""
    props = (entry.input_schema or {}).get("properties") or {}
    for p in (entry.input_schema or {}).get("required") or []:
        ps = props.get(p) or {}
        if param_kind(p, ps) == "sql" or (p.lower() in ("sql", "query", "statement")
                                         and re.search(r"\bSQL\b", entry.description or "")):
            return str(p)
    return None


class WritePlanner:
    """Tries one write tool with one topic in a sandbox episode and returns the chain that worked."""

    def __init__(self, state: SynthState, server: str, fmt: tuple[str, str]):
        self.state = state
        self.server = server
        self.fmt = fmt
        self.files = sorted(state.offered.get(server) or {})
        """The files the server was given (task_synth.offered): a file a write takes is one of them."""
        self.tools = [e for e in state.entries if e.server == server]
        self.reads = [e for e in self.tools if is_read_only(e)]
        self.writes = [e for e in self.tools if not is_read_only(e)
                       or (writes_content(e.input_schema) and not named_as_read(e)
                           and (e.annotations or {}).get("readOnlyHint") is not True)]
        self.sql = [e for e in self.tools if sql_param(e) and (e.annotations or {}).get("readOnlyHint") is not True]

    async def plan_sql(self, tool: ToolEntry, topic: Topic) -> list[ChainStep]:
        """CREATE TABLE, INSERT and SELECT, each through the first tool of the server that runs it: TOOL, then the
        server's other SQL tools (a server may split them: one only creates tables, one only reads). A statement a
        tool refuses is tried on the next; the chain keeps the calls that worked. Raises SeedFailed."""
        _, create, insert, select = sql_statements(topic)
        candidates = [tool, *(e for e in self.tools if e.name != tool.name and sql_param(e))]
        steps: list[ChainStep] = []
        async with self.state.live.episode(f"seed-try.{self.server}.{tool.name}.{topic.key}", servers=[self.server],
                                           call_timeout_s=self.state.options.call_timeout_s) as tools:
            done: list[tuple[ChainStep, str]] = []
            for i, q in enumerate((create, insert, select)):
                refused = ""
                for cand in candidates:
                    s = ChainStep(server=self.server, tool=cand.name, arguments={str(sql_param(cand)): q})
                    ok, out = await self._run(tools, s, done)
                    if not ok and i < 2 and out.strip() in EMPTY:  # a statement that returns no rows
                        ok = True
                    if ok:
                        steps.append(s)
                        done.append((s, out))
                        break
                    refused = refused or f"{cand.name}: {q[:40]}…: {out[:160]!r}"
                else:
                    raise SeedFailed(refused)
        if not all(_contains(done[-1][1], m) for m in topic.markers):
            raise SeedFailed(f"{tool.name}: the table does not show what was inserted")
        return steps

    def _props(self, entry: ToolEntry) -> dict[str, Any]:
        return (entry.input_schema or {}).get("properties") or {}

    def _fill_step(self, entry: ToolEntry, topic: Topic, done: list[tuple[ChainStep, str]], *, content: bool,
                   given: dict[str, Any] | None = None) -> ChainStep:
        """The step of ENTRY filled from TOPIC, ids bound to the earlier steps DONE; GIVEN: arguments already chosen
        (a search's keywords), which fill then does not ask for. Raises Unfillable."""
        given = given or {}
        schema = entry.input_schema or {}
        if given:
            schema = {**schema, "required": [p for p in schema.get("required") or [] if p not in given]}
        try:
            args, ids, _ = fill(schema, topic, self.fmt, with_content=content, description=entry.description,
                                 files=self.files)
        except Unfillable:
            if content:
                raise
            # a creator that needs a text to make the item at all (a todo's text, a note's body) makes it under the
            # topic's name; the write it prepares puts the records in
            args, ids, _ = fill(schema, topic, self.fmt, with_content=False, description=entry.description,
                                titled=True, files=self.files)
        args.update(given)
        bindings: dict[str, str] = {}
        props = self._props(entry)
        args.update(given_handles(props, args, done))
        for p in sorted(set(props) - set(args) - set(ids)):  # an id an earlier step made is passed on
            if role(p, props[p] or {}) == "id":
                for j in range(len(done) - 1, -1, -1):
                    rx = id_regex(p, done[j][1], self._fits(done[j][0].tool, p, entry.name))
                    if rx:
                        bindings[p] = f"step[{j}]:{rx}"
                        break
        for p in [p for p in ids if new_id(entry, p)]:  # the caller names the item the tool makes
            args[p] = _fitted(props.get(p) or {}, slug(topic.key).replace("-", "_"))
            ids = [q for q in ids if q != p]
        for p in ids:
            for j in range(len(done) - 1, -1, -1):
                rx = id_regex(p, done[j][1], self._fits(done[j][0].tool, p, entry.name))
                if rx:
                    bindings[p] = f"step[{j}]:{rx}"
                    break
            else:
                raise Unfillable(f"id '{p}' (no earlier output has it)")
        names = {old: new for (server, old), new in self.state.existing.items() if server == self.server}
        return ChainStep(server=self.server, tool=entry.name, arguments=renamed(args, names) if names else args,
                         bindings=bindings, depends_on=sorted({int(b[5:b.index("]")]) for b in bindings.values()}))

    async def _run(self, tools: EpisodeCalls, s: ChainStep, done: list[tuple[ChainStep, str]],
                   topic: Topic | None = None) -> tuple[bool, str]:
        """Call the step; when it fails with an error naming an optional parameter as required (required.py), that
        parameter is filled from TOPIC and the call made once more."""
        from task_synth.binding import resolve_binding

        args = expand(dict(s.arguments), self.state.builtins)
        outputs = [o for _, o in done]
        for p, spec in s.bindings.items():  # of the parameter's JSON type: an item's number stays an integer
            args[p] = resolve_binding(spec, outputs, self._like(s.tool, p))
        out = await tools.call_real(self.server, s.tool, args, self.state.options.call_timeout_s)
        ok, text = _text(out)
        if ok or topic is None:
            return ok, text
        names = [p for p in learn_required(self.state, self.server, s.tool, text) if p not in args]
        entry = self.state.entry(self.server, s.tool)
        if not names or entry is None:
            return ok, text
        self.tools = [entry if t.name == s.tool else t for t in self.tools]
        self.reads = [entry if t.name == s.tool else t for t in self.reads]
        self.writes = [entry if t.name == s.tool else t for t in self.writes]
        try:  # once more, with the parameters the error asked for
            extra = fill(entry.input_schema, topic, self.fmt, description=entry.description, files=self.files)[0]
        except Unfillable:
            return ok, text
        if not all(p in extra for p in names):
            return ok, text
        extra.update(given_handles((entry.input_schema or {}).get("properties") or {}, extra, done))
        s.arguments.update({p: extra[p] for p in names})
        args.update(expand({p: extra[p] for p in names}, self.state.builtins))
        out = await tools.call_real(self.server, s.tool, args, self.state.options.call_timeout_s)
        return _text(out)

    def _fits(self, tool: str, param: str, taker: str | None = None) -> bool:
        """Whether TOOL's bare `id` may be taken as PARAM of TAKER (handles.id_fits)."""
        return id_fits(self.state.graph, self.server, tool, param, taker)

    def _like(self, tool: str, param: str) -> Any:
        """A value of the parameter's JSON type, so a bound value is converted to it (an item's number stays an
        integer: servers that check their input schema refuse "1")."""
        entry = self.state.entry(self.server, tool)
        t = ((((entry.input_schema if entry else {}) or {}).get("properties") or {}).get(param) or {}).get("type")
        return 0 if t == "integer" else 0.0 if t == "number" else ""

    def _creators(self, write: ToolEntry) -> list[ToolEntry]:
        """Tools that may create what `write` needs: fewest required parameters first, all of them ones the write
        also takes, 'create/new/init' before 'add/open/…'; then the server's other writes that store a text and
        take no item's id."""
        wprops = set((write.input_schema or {}).get("properties") or {})

        def rank(t: ToolEntry) -> tuple[int, int, int, str]:
            req = set((t.input_schema or {}).get("required") or [])
            m = _CREATOR.search(t.name)
            verb = m.group(2).lower() if m else ""
            return (len(req - wprops), len(req), 0 if verb in ("create", "new", "init", "initialize") else 1, t.name)

        named = sorted((t for t in self.tools if t.name != write.name and _CREATOR.search(t.name)
                        and not REMOVES.search(t.name)), key=rank)
        # then any other write that stores a text and needs no item of its own ("log_entry", "keep_note"): what it
        # stores is an item, and its answer may number it ("Logged entry #3")
        stores = sorted((t for t in self.writes if t.name != write.name and t not in named
                         and not REMOVES.search(t.name) and writes_content(t.input_schema)
                         and not any(role(p, self._props(t).get(p) or {}) == "id"
                                     for p in (t.input_schema or {}).get("required") or [])), key=rank)
        return named + stores

    async def _setup(self, tools: EpisodeCalls, done: list[tuple[ChainStep, str]]) -> None:
        """The server's set-up call (learnt from its reads' probe errors, graph.setups) starts every chain."""
        su = self.state.graph.setups.get(self.server)
        if su:
            s = ChainStep(server=self.server, tool=su["tool"], arguments=dict(su["arguments"]))
            ok, out = await self._run(tools, s, done)
            if not ok:
                raise SeedFailed(f"{su['tool']}: the set-up failed: {out[:160]!r}")
            done.append((s, out))

    async def _prerequisite(self, tools: EpisodeCalls, write: ToolEntry, topic: Topic, error: str,
                            done: list[tuple[ChainStep, str]], given: dict[str, Any] | None = None
                            ) -> ChainStep | None:
        """A step that makes `write` work, learned from its error (or its description): run it, or None."""
        named = _named_tools(error, self.tools, write.name) + _named_tools(write.description, self.tools, write.name)
        ran = {st.tool for st, _ in done}  # a set-up already made is not made twice
        by_name = {t.name: t for t in [*named, *(self._creators(write) if _MISSING.search(error) else [])]
                   if t.name not in ran}
        cands = list(by_name.values())
        missing = _missing_value(error, given or {})
        for cand in cands[:3]:
            try:
                s = self._fill_step(cand, topic, done, content=False)
            except Unfillable:
                continue
            if missing is not None:
                s = _named_as(s, cand, missing)
            ok, out = await self._run(tools, s, done, topic)
            if ok:
                done.append((s, out))
                return s
        return None

    async def plan(self, write: ToolEntry, topic: Topic) -> tuple[list[ChainStep], int]:
        """(chain steps ending with the verifying read, index of the write). Raises SeedFailed."""
        async with self.state.live.episode(f"seed-try.{self.server}.{write.name}.{topic.key}",
                                           servers=[self.server],
                                           call_timeout_s=self.state.options.call_timeout_s) as tools:
            done: list[tuple[ChainStep, str]] = []
            await self._setup(tools, done)
            needs_ids = [p for p in fill(write.input_schema, topic, self.fmt, description=write.description,
                                         files=self.files)[1] if not new_id(write, p)]
            if needs_ids:  # an id the write needs comes from the tool that opens it (graph.handles), else a creator
                await self._open(tools, needs_ids, topic, done)
                await self._read_example(tools, needs_ids, write, done)
            if needs_ids and not all(any(id_regex(p, o, self._fits(st.tool, p, write.name)) for st, o in done)
                                     for p in needs_ids):
                for creator in self._creators(write):
                    try:
                        s = self._fill_step(creator, topic, done, content=False)
                    except Unfillable:
                        continue
                    ok, out = await self._run(tools, s, done, topic)
                    if ok:  # what it made is in the sandbox now, so in the chain too
                        done.append((s, out))
                    if ok and all(id_regex(p, out, self._fits(s.tool, p, write.name)) for p in needs_ids):
                        break
            try:
                w = self._fill_step(write, topic, done, content=True)
            except Unfillable as e:
                raise SeedFailed(f"{write.name}: cannot fill {e}") from None
            ok, out = await self._run(tools, w, done, topic)
            for _ in range(3):
                if ok:
                    break
                if await self._prerequisite(tools, write, topic, out, done, w.arguments) is None:
                    break
                w = self._fill_step(write, topic, done, content=True)  # ids the set-up made are passed on
                ok, out = await self._run(tools, w, done, topic)
            if not ok and (named := suggested(out, w.arguments)) is not None:
                # it works on an item that exists, which its error names: that item, in this step and the read
                self.state.existing.setdefault((self.server, named[0]), named[1])
                w = self._fill_step(write, topic, done, content=True)
                ok, out = await self._run(tools, w, done, topic)
            if not ok:
                raise SeedFailed(f"{write.name}: the write failed: {out[:160]!r}")
            done.append((w, out))
            iw = len(done) - 1
            for read in self._ranked_reads(write):
                sp = search_param(read)
                written = [w.arguments[p] for p in w.arguments if role(p, self._props(write).get(p) or {})
                           == "content"]
                for given in ([{sp: q} for q in keyword_queries(written, topic.markers)] if sp else [{}]):
                    try:
                        r = self._fill_step(read, topic, done, content=False, given=given)
                    except Unfillable:
                        break
                    ok, out = await self._run(tools, r, done, topic)
                    if ok and all(_contains(out, m) for m in topic.markers) and not echoes(r.arguments,
                                                                                           topic.markers):
                        return [s for s, _ in done] + [r], iw
        raise SeedFailed(f"{write.name}: no read tool shows what it wrote")

    async def plan_change(self, write: ToolEntry, topic: Topic) -> tuple[Topic, list[ChainStep]]:
        """The write, then a change of the item it made through the number it answered (followups.py), then a read
        that shows the new choice where it did not before the change, and the records: (the topic with the choice
        among its markers and the change to ask for, the steps). Raises SeedFailed."""
        for change, idp, cp in status_changes(self.tools, write):
            value = new_choice(change, cp)
            if value is None:
                continue
            kind = kind_for(write, change)
            async with self.state.live.episode(f"seed-change.{self.server}.{change.name}.{topic.key}",
                                               servers=[self.server],
                                               call_timeout_s=self.state.options.call_timeout_s) as tools:
                done: list[tuple[ChainStep, str]] = []
                await self._setup(tools, done)
                try:
                    w = self._fill_step(write, topic, done, content=True)
                except Unfillable:
                    continue
                w.arguments.update(kind)
                ok, out = await self._run(tools, w, done, topic)
                if not ok:
                    continue
                done.append((w, out))
                try:
                    c = self._fill_step(change, topic, done, content=False, given={cp: value})
                except Unfillable:
                    continue
                if idp not in c.bindings:
                    continue
                reads = [r for r in self._ranked_reads(write) if search_param(r) is None]
                before: dict[str, str] = {}
                for read in reads:
                    try:
                        ok, out = await self._run(tools, self._fill_step(read, topic, done, content=False), done)
                    except Unfillable:
                        continue
                    if ok:
                        before[read.name] = out
                ok, out = await self._run(tools, c, done, topic)
                if not ok:
                    continue
                done.append((c, out))
                for read in (r for r in reads if r.name in before):
                    r = self._fill_step(read, topic, done, content=False)
                    ok, out = await self._run(tools, r, done)
                    if ok and shows_change(value, out, before[read.name]) \
                            and all(_contains(out, m) for m in topic.markers) \
                            and not echoes(r.arguments, [*topic.markers, value]):
                        as_ = with_article(next(iter(kind.values()))) if kind else ""
                        return (topic.model_copy(update={"markers": [*topic.markers, value], "kept_as": as_,
                                                         "then": change_phrase(change, cp, value)}),
                                [s for s, _ in done] + [r])
        raise SeedFailed(f"{write.name}: no change of what it made shows in a read")

    async def _open(self, tools: EpisodeCalls, ids: list[str], topic: Topic, done: list[tuple[ChainStep, str]]
                    ) -> None:
        """Run the producers of the handles `ids` the probe learnt (an opener with one of its argument sets, drawn
        by the topic), so the write can bind them; a producer that fails leaves the creators to try."""
        from task_synth.handles import prelude

        wanted = [p for p in ids if handle_source(self.state.graph, self.server, p) is not None]
        if not wanted:
            return
        pre, _ = prelude(self.state.graph, self.server, wanted, random.Random(f"task_synth:open:{topic.key}"),
                         len(done))
        for s in pre:
            own = self._topic_arguments(s, topic)
            ok, out = (False, "")
            if own is not None:  # what it opens is named after the records that go in it, when it can be
                ok, out = await self._run(tools, own, done)
                s = own if ok else s
            if not ok:
                ok, out = await self._run(tools, s, done)
            if not ok:
                return
            done.append((s, out))

    async def _read_example(self, tools: EpisodeCalls, ids: list[str], write: ToolEntry,
                            done: list[tuple[ChainStep, str]]) -> None:
        """For each id the write needs that no earlier output has, and whose values are the examples the server's
        words give (exemplars.py: 'Use the id from search_contacts (e.g. C-1007)'), the read of one item that takes
        it, called with the first example: its output carries the id, so the write binds it there (a note added to
        the contact that read showed) rather than to a literal nothing in the chain produced."""
        from task_synth.graph import literal_values

        for p in ids:
            if any(id_regex(p, o, self._fits(st.tool, p, write.name)) for st, o in done):
                continue
            node = self.state.graph.node(f"{self.server}/{write.name}")
            kind = node.params.get(p) if node is not None else None
            if not kind or "@" not in kind:
                continue
            examples = literal_values(self.state.graph, kind, None, self.server, p)
            for read in sorted((n for n in self.state.graph.nodes if n.server == self.server and n.read_only
                                and n.params.get(p) == kind and len(n.params) == 1 and examples),
                               key=lambda n: n.tool):
                s = ChainStep(server=self.server, tool=read.tool, arguments={p: examples[0]})
                ok, out = await self._run(tools, s, done)
                if ok and id_regex(p, out, self._fits(read.tool, p, write.name)):
                    done.append((s, out))
                    break

    def _topic_arguments(self, s: ChainStep, topic: Topic) -> ChainStep | None:
        """The opener step `s` filled from `topic` instead of a learnt argument set (which was filled from whichever
        topic the probe drew), or None when that cannot be filled or changes nothing."""
        entry = self.state.entry(self.server, s.tool)
        if entry is None or s.bindings:
            return None
        try:
            args, ids, _ = fill(entry.input_schema, topic, self.fmt, description=entry.description, files=self.files)
        except Unfillable:
            return None
        mine = {k: args[k] for k in s.arguments if k in args}
        if ids or len(mine) != len(s.arguments) or mine == s.arguments:
            return None
        return s.model_copy(update={"arguments": mine})

    def _ranked_reads(self, write: ToolEntry) -> list[ToolEntry]:
        """The reads that may verify WRITE, the ones taking most of its parameters first. A read that takes content
        to store (one of `self.writes`) is none: tried with the topic's title it overwrites what the write put in the
        very place it shares with it (the same slot, the same index), and every read after it shows that instead."""
        wprops = set((write.input_schema or {}).get("properties") or {})
        writes = {e.name for e in self.writes}

        def score(e: ToolEntry) -> tuple[int, int, str]:
            req = set((e.input_schema or {}).get("required") or [])
            return (-len(req & wprops), len(req - wprops), e.name)

        return sorted((e for e in self.reads if e.name not in writes), key=score)[:6]


_MADE = re.compile(r"^\s*(?:creates?|starts?|opens?|makes?|initiali[sz]es?|registers?)\s+(an?\s+(?:new\b,?\s*)?"
                   r"[A-Za-z][A-Za-z ,-]{2,40}?)\s*(?:[.;:(]|\b(?:from|with|for|that|which|and|in|on)\b|$)",
                   re.IGNORECASE)


def made_phrase(description: str) -> str:
    """'a new PowerPoint presentation' from 'Create a new PowerPoint presentation.' (what a chain's first call makes,
    for a request with no name to give the place); '' when its description does not say."""
    m = _MADE.match(description or "")
    return m.group(1).rstrip(" ,") if m else ""


NO_PLACE = ("the system you have access to", "the server's store")
"""where_words when nothing in the chain names the place (fuzzy, precise)."""


def where_words(steps: list[ChainStep], fmt: tuple[str, str], made: str = "",
                existing: Collection[str] = ()) -> tuple[str, str]:
    """(fuzzy, precise) wording of where the records go, from the literal handles the chain uses (else what its
    first call makes, `made`); a name among EXISTING is an item that was there before ('the exercise "Sight Reading"'),
    not a new one."""
    args: dict[str, Any] = {}
    for s in steps:
        for k, v in s.arguments.items():
            args.setdefault(k, v)
    roles = {role(k, {"type": "string"}): v for k, v in args.items() if isinstance(v, str) and len(v) < 80}
    noun = fmt[0] if fmt[0] != "file" else "file"
    if "file" in roles:
        # a file the server was given (task_synth.offered) is the user's own: it is there already
        where = f"the {noun} {roles['file']}" if roles["file"] in existing else f"a {noun} named {roles['file']}"
        if "sheet" in roles:
            where += f" (on its {roles['sheet']} sheet)"
        return where, where
    if "name" in roles:
        tool = next((s.tool for s in steps if roles["name"] in s.arguments.values()), "")
        what = made or named_thing([k for k, v in args.items() if v == roles["name"]], tool)
        if roles["name"] in existing:
            thing = re.sub(r"^an? (?:new )?", "", what) if what != "a new record set" else "item"
            return (f"the {thing} \"{roles['name']}\"",) * 2
        return f"{what} called \"{roles['name']}\"", f"{what} named \"{roles['name']}\""
    tables = [m.group(1) for v in args.values() if isinstance(v, str)
              for m in [re.match(r"\s*CREATE TABLE (\w+)", v)] if m]
    if tables:
        return f"a new database table called {tables[0]}", f"a new table {tables[0]}"
    if made:
        return made, made
    return NO_PLACE


def checked_item(steps: list[ChainStep], read: StateRead | None, made: Collection[int]) -> str:
    """The item a part's state check reads, as a request names it ('member M-1001'), when the check reads an item
    that existed before the task rather than one the agent makes: an id argument the final read takes (through the
    write, when the write echoes it) from an earlier step that is not a write (MADE: indices of the part's writes),
    with a value the same in every episode (state_read keeps it literal). Such a task must say which item, or an agent
    that picks another one is failed for doing what it was asked. '' when none."""
    from task_synth.fill import id_noun
    from task_synth.handles import tool_noun

    if read is None or not steps:
        return ""
    for p in sorted(steps[-1].bindings):
        v = read.arguments.get(p)
        if not isinstance(v, str | int) or isinstance(v, bool) or role(p, {"type": "string"}) != "id" \
                or not 0 < len(str(v)) <= 40:
            continue
        j, q = len(steps) - 1, p
        while (m := _STEP_REF.match(steps[j].bindings.get(q, ""))) and int(m.group(1)) < j:
            j = int(m.group(1))  # back to where the id came from: the write echoes the id it was given
            ids = sorted(k for k in steps[j].bindings if role(k, {"type": "string"}) == "id")
            q = q if q in ids else (ids[0] if ids else "")
        if j not in made:
            return f"{id_noun(p) or tool_noun(read.tool) or 'item'} {v}"
    return ""


def existing_item(steps: list[ChainStep], existing: Collection[str]) -> str:
    """The item a part's write works on when it is one that was there before (a name its error suggested), as a
    request names it ('the exercise "Sight Reading"', from the parameter that takes it); '' when none."""
    for s in steps[:-1]:
        for key, v in s.arguments.items():
            for inner, value in (v.items() if isinstance(v, dict) else [(key, v)]):
                if isinstance(value, str) and value in existing:
                    words = [w for w in humanize(str(inner)).split() if w not in ("name", "title")]
                    return f'the {" ".join(words) or "item"} "{value}"'
    return ""


def named_thing(keys: list[str], tool: str = "") -> str:
    """What a name parameter names, from the parameter's own words ('diagram_name' -> 'a new diagram', 'boardTitle'
    -> 'a new board'), else from the name of the TOOL that takes it, its verbs aside ('put_context' -> 'a new
    context'); 'a new record set' when neither says more."""
    verbs = re.compile(rf"^(?:{MUTATING_VERBS}|new|make|keep|or)$", re.IGNORECASE)
    for k in keys:
        words = [w for w in humanize(k).split() if w not in ("name", "title", "label", "new")]
        if words and not any(codeish(w) for w in words):
            return f"a new {' '.join(words)}"
    words = [w for w in humanize(tool).split() if not verbs.match(w)]
    if 0 < len(words) <= 2 and not any(codeish(w) or len(w) < 3 for w in words):
        return f"a new {' '.join(words)}"
    return "a new record set"


_AS = re.compile(r"^\s*(?:add|write|insert|create|set|append|put|save|record|store|attach)s?\s+(?:(an?|the)\s+)?"
                 r"((?:new\s+)?[a-z]+(?:\s[a-z]+)?)\s+(?:to|into|in|on|for|at)\b", re.IGNORECASE)


def as_phrase(description: str) -> str:
    """' as a note' from 'Add a note to a cell.' (what kind of record the write makes), '' when unclear."""
    m = _AS.match(description or "")
    if not m or m.group(2).lower() in ("it", "them", "data", "values", "text", "content"):
        return ""
    article = "an" if m.group(2)[0].lower() in "aeiou" else "a"
    return f" as {article} {m.group(2).lower()}" if m.group(1) or not m.group(2).endswith("s") else \
        f" as {m.group(2).lower()}"


_ADDRESSED = (("addressed to", re.compile(r"to|recipients?|to_?address|to_?email", re.IGNORECASE)),
              ("with a copy to", re.compile(r"b?cc", re.IGNORECASE)),
              ("sent from", re.compile(r"from|sender|from_?address|from_?email", re.IGNORECASE)))


def given_values(step: ChainStep, description: str = "") -> list[str]:
    """The literal arguments of a seeded step that came from a value kind, not from the records or a handle (fill.
    kind_value: a date, an amount, a recipient's address), as a request says them ('addressed to Marta Quintela
    (marta.quintela@brightwater.example)', 'a date of 2026-10-15', 'an amount of 1250'): the person must say them,
    or the agent cannot make the same call."""
    from task_synth.addresses import KINDS as ADDRESS_KINDS
    from task_synth.addresses import role_kind, words
    from task_synth.fill import kind_values
    from task_synth.wording import named_value

    out = []
    for p, v in step.arguments.items():
        if p in step.bindings or isinstance(v, bool) or not isinstance(v, str | int | float) or \
                role(p, {}) in ("file", "sheet", "cell", "name", "id", "content"):
            continue
        kind = param_kind(p, {}) or role_kind(p, {}, description)
        if kind in ADDRESS_KINDS:
            said = words(str(kind), v)
            out.append(next((f"{lead} {said}" for lead, rx in _ADDRESSED if kind == "email" and rx.fullmatch(p)),
                            f"{humanize(p)} {said}"))
        elif kind in ("date", "number", "time") and v in kind_values(p, kind):
            out.append(named_value(p, str(v)))
    return out


def checked_values(topic: Topic, afters: list[str], before: str, arguments: dict[str, Any]) -> list[str]:
    """What a state check looks for in one read: the topic's markers (its first and last record), except that a
    marker the control read on a fresh instance (BEFORE) also shows proves nothing, and gives way to another value of
    the records that every read after the write (AFTERS) shows, the control read does not, and the read was not given
    (its arguments); a marker with no such stand-in stays (and `do_nothing_fails` drops the task)."""
    pool = [str(r[0]) for r in topic.rows] + [str(v) for r in topic.rows for v in r[1:] if isinstance(v, str)]
    out: list[str] = []
    for m in topic.markers:
        if not _contains(before, m):
            out.append(m)
            continue
        out.append(next((v for v in dict.fromkeys(pool)
                         if len(v) >= 4 and not v.replace(".", "").isdigit() and v not in out
                         and v not in topic.markers and all(_contains(a, v) for a in afters)
                         and not _contains(before, v) and not echoes(arguments, [v])), m))
    return out


def draft_for(parts: list[tuple[list[ChainStep], tuple[str, str]]], topic: Topic, rng: random.Random,
              reads: list[tuple[int, StateRead | None]], writes: list[str] | None = None,
              made: list[str] | None = None, values: list[list[str]] | None = None,
              items: list[str] | None = None, existing: Collection[str] = ()) -> Draft:
    """Wording, answer and checks of a seeded task (one part per server the records go to; `writes`: the
    description of each part's write tool, for what kind of record it makes; `made`: the description of each
    part's first call, for what it makes when no handle names the place; `items`: the item each part's check reads,
    when the request must name it (checked_item); `existing`: names of items that were there before (where_words))."""
    wheres = [where_words(steps, fmt, made_phrase(m), existing) for (steps, fmt), m in
              zip(parts, made or [""] * len(parts), strict=True)]
    items = [item or existing_item(steps, existing)
             for item, (steps, _) in zip(items or [""] * len(parts), parts, strict=True)]
    for i, item in enumerate(items):  # the item the check reads is said, unless the place says it
        if item and (item.split('"')[1] if '"' in item else item.split(" ")[-1]) not in wheres[i][1]:
            place = item if item.startswith("the ") else f"the record of {item}"
            wheres[i] = (place, place) if wheres[i] == NO_PLACE else \
                (f"{wheres[i][0]} for {place}", f"{wheres[i][1]} for {place}")
    kinds = [as_phrase(d) for d in (writes or [""] * len(parts))]
    wheres = [(w[0] + k, w[1] + k) for w, k in zip(wheres, kinds, strict=True)]
    given = [g for (steps, _), d in zip(parts, writes or [""] * len(parts), strict=True)
             for s in steps[:-1] for g in given_values(s, d)]
    lead = [g for g in given if g.startswith(tuple(w for w, _ in _ADDRESSED))]
    said = ", ".join([*lead, *(["with " + listing([g for g in given if g not in lead])] if len(lead) < len(given)
                               else [])])
    wheres = [(w[0] + (f", {said}" if said and i == 0 else ""), w[1] + (f", {said}" if said and i == 0 else ""))
              for i, w in enumerate(wheres)]
    fuzzy_where = " and also in ".join(w[0] for w in wheres)
    precise_where = " and in ".join(w[1] for w in wheres)
    records = "; ".join(topic.lines())
    opener = rng.choice(OPENERS)
    then = f"{topic.then}, and " if topic.then else ""
    kept = f" as {topic.kept_as}" if topic.kept_as else ""
    fuzzy = (f"{opener} Please keep {topic.title} in {fuzzy_where}. Here they are: {records}. "
             f"Once they're saved{kept}, {then}tell me {topic.question}.")
    precise = (f"Record these {len(topic.rows)} {topic.noun} records (columns: {', '.join(topic.columns)}) in "
               f"{precise_where}{kept}, so that they are stored there, then "
               + (f"{topic.then}, then " if topic.then else "") + f"report {topic.precise}. Records: {records}.")
    checks: list[CheckSpec] = []
    for n, (_, read) in enumerate(reads):
        # a read whose argument is composed from an earlier output, or comes from another server, cannot be
        # repeated on the agent's instance: that part is checked through the answer only
        for m in (values[n] if values else topic.markers) if read is not None else []:
            checks.append(CheckSpec(kind="state", value=m, read=read,
                                    description=f"after the episode, the final state shows {m!r}"))
    integral = float(topic.answer).is_integer() and not topic.relative
    checks.append(CheckSpec(kind="numeric", value=topic.answer, tolerance=0.0 if integral else 0.005,
                            relative=not integral, description=f"report {topic.precise}"))
    tags = ["stateful", "seeded"] + (["final-state"] if any(c.kind == "state" for c in checks) else [])
    return Draft(precise=precise, fuzzy=fuzzy, answer=topic.rendered_answer(), checks=checks, writer="seed",
                 tags=tags)


def asker(parts: list[tuple[list[ChainStep], tuple[str, str]]], topic: Topic,
          reads: list[tuple[int, StateRead | None]], writes: list[str], made: list[str], seed: int,
          values: list[list[str]] | None = None, items: list[str] | None = None, existing: Collection[str] = ()
          ) -> Callable[[str, int], Draft | None]:
    """The draft of a copy of a seeded chain (id `cid`) asked the topic's k-th other question of the same records
    (Topic.others), None past the last: SynthState.askers, for refill.py. VALUES and ITEMS: what its state checks
    look for (checked_values) and the items they read (checked_item), as the first draft's."""

    def ask(cid: str, k: int) -> Draft | None:
        other = topic.asked(k)
        if other is None:
            return None
        return draft_for(parts, other, random.Random(f"task_synth:seed:{seed}:{cid}"), reads, writes, made, values,
                         items, existing)

    return ask


def state_read(g: Grounded, i: int) -> StateRead | None:
    """The final-state read of grounded step `i`: its literal arguments, and each bound one either as the value it
    took (the same in both groundings: an id a fresh instance always gives, "req-1") or, when every episode draws
    it anew (a uuid), read from the agent's own call of the step it came from (`StateRead.from_calls`). None when a
    bound argument is composed (a template) or comes from another server."""
    s = g.steps[i]
    args = {k: v for k, v in s.arguments.items() if k not in s.bindings}
    from_calls: dict[str, CallValue] = {}
    for p, spec in sorted(s.bindings.items()):
        m = _STEP_REF.match(spec)
        if m is None or g.steps[int(m.group(1))].server != s.server:
            return None
        j, rx = int(m.group(1)), m.group(2)
        try:
            seen = [extract(rx, g.raw_outputs(run)[j]) for run in (0, 1)]
        except BindingError:
            return None
        if s.arguments.get(p) != VARIES and seen[0] is not None and seen[0] == seen[1] and seen[0] != HIDDEN:
            args[p] = s.arguments[p]
        else:
            from_calls[p] = CallValue(tool=g.steps[j].tool, extract=rx)
    return StateRead(server=s.server, tool=s.tool, arguments=args, from_calls=from_calls)


def joined_pairs(found: dict[str, list[Plan]], servers: list[str], count: int, max_hops: int
                 ) -> list[tuple[str, Plan, str, Plan]]:
    """Up to COUNT pairs (server a, its plan, server b, its plan) to join into one task: one topic, the same change
    asked of both parts (markers), servers alternating, each pair once, and the two parts within MAX_HOPS together
    once the first part's verifying read is left out of the reference (`trimmed`: its final-state check still reads
    it at evaluation).

    A part's length is fixed by its server (the set-ups a write needs, the read that verifies it), so a plan too
    long for its partner is passed over for the next plan of its server that fits, not joined into a task the
    `hops` filter would drop after grounding it.
    """
    multi = [s for s in servers if found.get(s)]
    out: list[tuple[str, Plan, str, Plan]] = []
    used: set[tuple[str, int, str, int]] = set()
    for k in range(count if len(multi) >= 2 else 0):
        a, b = multi[k % len(multi)], multi[(k + 1) % len(multi)]
        first = k % len(found[a])
        for i in [*range(first, len(found[a])), *range(first)]:
            pa = found[a][i]
            j = next((j for j, pb in enumerate(found[b]) if pb[0].key == pa[0].key
                      and pb[0].markers == pa[0].markers  # a change asked of one part only: not joined
                      and len(pa[1]) - 1 + len(pb[1]) <= max_hops and (a, i, b, j) not in used), None)
            if j is not None:
                used.add((a, i, b, j))
                out.append((a, pa, b, found[b][j]))
                break
    return out


Step = TypeVar("Step", ChainStep, GroundedStep)


def without_steps(steps: list[Step], drop: Collection[int]) -> list[Step] | None:
    """The steps with those at DROP left out, bindings, dependencies and bound sources renumbered; None when a kept
    step uses a dropped one."""
    at = {i: k for k, i in enumerate(i for i in range(len(steps)) if i not in drop)}
    used: set[int] = set()
    for s in (s for i, s in enumerate(steps) if i not in drop):
        used |= {int(m) for v in s.bindings.values() for m in re.findall(r"step\[(\d+)\]", v)} | set(s.depends_on)
        used |= {b.source for b in s.binds} if isinstance(s, ChainStep) else {r.source for r in s.refs.values()}
    if used & set(drop):
        return None
    out = []
    for i, s in enumerate(steps):
        if i in drop:
            continue
        update: dict[str, Any] = {
            "bindings": {p: re.sub(r"step\[(\d+)\]", lambda m: f"step[{at[int(m.group(1))]}]", v)
                         for p, v in s.bindings.items()},
            "depends_on": [at[d] for d in s.depends_on]}
        if isinstance(s, ChainStep):
            update["binds"] = [b.model_copy(update={"source": at[b.source]}) for b in s.binds]
        else:
            update["refs"] = {p: r.model_copy(update={"source": at[r.source]}) for p, r in s.refs.items()}
        out.append(s.model_copy(update=update))
    return out


def trimmed(chain: Chain, g: Grounded, reads: list[tuple[int, StateRead | None]], max_hops: int
            ) -> tuple[Chain, Grounded]:
    """A joined chain longer than MAX_HOPS without its leading parts' verifying reads (READS but the last, each
    with the final-state read made from it): their changes are still scored by the final-state checks, which make
    those reads at evaluation. As it was when it fits, when a part has no final-state read, when a kept step uses a
    read, or when it would still be too long."""
    drop = [last for last, read in reads[:-1]]
    if len(g.steps) <= max_hops or not drop or any(read is None for _, read in reads[:-1]) \
            or len(g.steps) - len(drop) > max_hops:
        return chain, g
    cs, gs = without_steps(chain.steps, drop), without_steps(g.steps, drop)
    if cs is None or gs is None:
        return chain, g
    return chain.model_copy(update={"steps": cs}), g.model_copy(update={"steps": gs})


def in_order(steps: list[ChainStep]) -> list[ChainStep]:
    """Each step depends on the one before it, data or not: the read shows what the write did, the write needs what
    the set-up made, so a replay (the oracle) must not issue them in one turn."""
    return [s if i == 0 or i - 1 in s.depends_on
            else s.model_copy(update={"depends_on": sorted({*s.depends_on, i - 1})}) for i, s in enumerate(steps)]


def renumbered(spec: str, offset: int) -> str:
    """A binding or answer template with every `step[i]` moved to `step[i + offset]`."""
    return re.sub(r"step\[(\d+)\]", lambda m: f"step[{int(m.group(1)) + offset}]", spec)


def shifted(steps: list[ChainStep], offset: int) -> list[ChainStep]:
    """The steps placed after `offset` others: their bindings and dependencies renumbered."""
    return [s.model_copy(update={"bindings": {k: renumbered(v, offset) for k, v in s.bindings.items()},
                                 "depends_on": [d + offset for d in s.depends_on]}) for s in steps]


async def ground_fresh(state: SynthState, chains: dict[str, Chain],
                       state_reads: Callable[[str, Grounded], tuple[list[tuple[int, StateRead | None]], int]]
                       ) -> dict[str, tuple[Grounded, dict[int, str]] | str]:
    """Each chain grounded twice, concurrently, with its final-state reads (`state_reads(cid, grounded)`: the reads
    and how many markers they look for) made on fresh instances where nothing was done: the grounded chain and what
    those reads show, or why grounding failed."""
    limiter = anyio.CapacityLimiter(state.options.concurrency)
    results: dict[str, tuple[Grounded, dict[int, str]] | str] = {}

    async def one(cid: str) -> None:
        async with limiter:
            try:
                g = await ground_chain(state, chains[cid])
                reads, markers = state_reads(cid, g)
                results[cid] = (g, await fresh_reads(state, cid, reads, chains[cid].servers, markers))
            except GroundingFailed as e:
                results[cid] = str(e)

    async with anyio.create_task_group() as tg:
        for cid in chains:
            tg.start_soon(one, cid)
    return results


async def fresh_reads(state: SynthState, cid: str, reads: list[tuple[int, StateRead | None]],
                      servers: list[str], markers: int) -> dict[int, str]:
    """The final-state reads on fresh instances where nothing was done (no call made: a read that takes an id the
    episode made has none to take, and fails closed as `read_final_state` does)."""
    out: dict[int, str] = {}
    async with state.live.episode(f"{cid}.before", servers=servers,
                                  call_timeout_s=state.options.call_timeout_s) as tools:
        k = 0
        for _, read in reads:
            if read is None:
                continue
            try:
                res = await tools.call_real(read.server, read.tool, state_arguments(read, [], state.builtins),
                                            state.options.call_timeout_s)
                text = res.content if res.ok else f"[replay: {res.outcome}: {res.error}]"
            except BindingError as e:
                text = f"[replay: {e}]"
            for _m in range(markers):
                out[state_key(k)] = text
                k += 1
    return out


@step("sample", "seed")
class WorldSeeding:
    """Stateful chains that write world topics into isolated servers and read them back (see the module doc)."""

    name = "seed"

    def __init__(self, per_server: int = 6, tries_per_server: int = 16, joined: int = 6):
        self.per_server = per_server
        self.tries_per_server = tries_per_server
        self.joined = joined

    async def run(self, state: SynthState) -> None:
        servers = isolated_servers(state)
        state.notes.extend(shared_writers_hints(state))
        if not servers:
            state.notes.append("seed: no selected server is isolated per episode (stateful: true); nothing written")
            return
        rng = random.Random(f"task_synth:seed:{state.options.seed}")
        per_server, joined = self.per_server * state.options.variants, self.joined * state.options.variants
        topics = list(world_topics())
        found: dict[str, list[tuple[Topic, list[ChainStep], tuple[str, str]]]] = {}
        limiter = anyio.CapacityLimiter(state.options.concurrency)

        async def server_plans(server: str) -> None:
            fmt = file_format([e.description for e in state.entries if e.server == server]
                              + [str((e.input_schema or {}).get("properties") or {}) for e in state.entries
                                 if e.server == server])
            planner = WritePlanner(state, server, fmt)
            srng = random.Random(f"task_synth:seed:{state.options.seed}:{server}")
            writes = sorted((e for e in planner.writes
                             if writes_content(e.input_schema) and not REMOVES.search(e.name)), key=lambda e: e.name)
            srng.shuffle(writes)
            writes = [w for w in writes if w.name not in {e.name for e in planner.sql}]
            tries = [(w, topics[i % len(topics)]) for i, w in enumerate(writes)][: self.tries_per_server]
            tries = [(e, t) for e in planner.sql for t in topics] + tries
            results: dict[int, tuple[Topic, list[ChainStep], tuple[str, str]] | str] = {}

            async def one(i: int, w: ToolEntry, topic: Topic, change: bool = False) -> None:
                """Try W with TOPIC (CHANGE: the write followed by a change of what it made) into results[i]."""
                async with limiter:
                    try:
                        if change:
                            topic, steps = await planner.plan_change(w, topic)
                        else:
                            steps = (await planner.plan_sql(w, topic) if w in planner.sql
                                     else (await planner.plan(w, topic))[0])
                        results[i] = (topic, steps, fmt)
                    except (SeedFailed, GroundingFailed) as e:
                        results[i] = str(e)
                    except Exception as e:  # a server fault while trying: recorded, never fatal
                        results[i] = f"{w.name}: {type(e).__name__}: {e}"[:300]

            async with anyio.create_task_group() as tg:
                for i, (w, topic) in enumerate(tries):
                    tg.start_soon(one, i, w, topic)
            # a write that worked is tried with the other topics too (different records, a different question)
            worked = list({tries[i][0].name: tries[i][0] for i, r in sorted(results.items())
                           if not isinstance(r, str)}.values())
            tried = {(w.name, t.key) for w, t in tries}
            more = [(w, t) for w in worked for t in topics if (w.name, t.key) not in tried]
            more = more[: max(0, per_server * 2 - len(worked))]
            base = len(tries)
            tries += more
            async with anyio.create_task_group() as tg:
                for i, (w, topic) in enumerate(more):
                    tg.start_soon(one, base + i, w, topic)
            # a write that worked, followed by a change of what it made (followups.py): one try per topic it worked with
            changes = [(tries[i][0], r[0]) for i, r in sorted(results.items()) if not isinstance(r, str)
                       and tries[i][0] not in planner.sql and not fill(tries[i][0].input_schema, r[0], fmt,
                                                                              description=tries[i][0].description)[1]
                       and status_changes(planner.tools, tries[i][0])]

            base = len(tries)
            tries += changes
            async with anyio.create_task_group() as tg:
                for i, (w, topic) in enumerate(changes):
                    tg.start_soon(one, base + i, w, topic, True)
            ok = [r for _, r in sorted(results.items()) if not isinstance(r, str)]
            seen: set[tuple[tuple[str, ...], str]] = set()
            found[server] = []
            for r in ok:
                sig = (tuple(s.tool for s in r[1]), r[0].key)
                if sig not in seen:
                    seen.add(sig)
                    found[server].append(r)
            # the first plans of each distinct tool sequence lead: variety before volume
            firsts: dict[tuple[str, ...], Plan] = {}
            for p in found[server]:
                firsts.setdefault(tuple(s.tool for s in p[1]), p)
            found[server] = list(firsts.values()) + [p for p in found[server] if p not in firsts.values()]
            for i, res in sorted(results.items()):
                if isinstance(res, str):
                    state.reject(f"seed.{server}.{i}", "seed", [res])

        async with anyio.create_task_group() as tg:
            for server in servers:
                tg.start_soon(server_plans, server)

        state.writers.update({s: list(found.get(s, [])) for s in servers if found.get(s)})
        candidates: list[tuple[str, list[tuple[str, list[ChainStep], tuple[str, str]]], Topic]] = []
        for server in servers:
            for topic, steps, fmt in found.get(server, [])[:per_server]:
                candidates.append((f"seed-{server}-{steps[-2].tool}-{topic.key}", [(server, steps, fmt)], topic))
        for k, (a, pa, b, pb) in enumerate(joined_pairs(found, servers, joined, state.options.max_hops)):
            candidates.append((f"seed-{a}-{b}-{pa[0].key}-{k}", [(a, pa[1], pa[2]), (b, pb[1], pb[2])], pa[0]))
        await self._ground_all(state, candidates, rng)

    async def _ground_all(self, state: SynthState,
                          candidates: list[tuple[str, list[tuple[str, list[ChainStep], tuple[str, str]]], Topic]],
                          rng: random.Random) -> None:
        chains: dict[str, Chain] = {}
        reads: dict[str, list[tuple[int, StateRead | None]]] = {}
        lasts: dict[str, list[int]] = {}
        topics = {cid: topic for cid, _, topic in candidates}
        for cid, parts, _ in candidates:
            steps: list[ChainStep] = []
            for _, ps, _ in parts:
                steps += shifted(in_order(ps), len(steps))
                lasts.setdefault(cid, []).append(len(steps) - 1)
            chains[cid] = Chain(id=cid, steps=steps, seed=f"{state.options.seed}:{cid}")

        def state_reads(cid: str, g: Grounded) -> tuple[list[tuple[int, StateRead | None]], int]:
            reads[cid] = [(last, state_read(g, last)) for last in lasts[cid]]
            return reads[cid], len(topics[cid].markers)

        results = await ground_fresh(state, chains, state_reads)
        for cid, parts, topic in candidates:
            r = results[cid]
            if isinstance(r, str):
                state.chains.append(chains[cid])
                state.reject(cid, "ground", [r], chains[cid])
                continue
            g, before = r
            kept_chain, kept = trimmed(chains[cid], g, reads[cid], state.options.max_hops)
            state.chains.append(kept_chain)
            descs, firsts = [], []
            for server, ps, _ in parts:
                entry, first = state.entry(server, ps[-2].tool), state.entry(server, ps[0].tool)
                descs.append(entry.description if entry else "")
                firsts.append(first.description if first else "")
            values, k = [], 0
            for last, read in reads[cid]:
                values.append(topic.markers if read is None else checked_values(
                    topic, [g.raw_outputs(run)[last] for run in (0, 1)], before.get(state_key(k), ""),
                    read.arguments))
                k += len(topic.markers) if read is not None else 0
            items = [checked_item(ps, read, {i for i, st in enumerate(ps)
                                             if (e := state.entry(st.server, st.tool)) is None or not is_read_only(e)})
                     for (_, ps, _), (_, read) in zip(parts, reads[cid], strict=False)]
            existing = {name for (server, _), name in state.existing.items() if server in chains[cid].servers}
            existing |= {f for s in chains[cid].servers for f in state.offered.get(s, {})}
            draft = draft_for([(ps, fmt) for _, ps, fmt in parts], topic, rng, reads[cid], descs, firsts, values,
                              items, existing)
            state.grounded.append(kept)
            state.drafts[cid] = draft
            state.askers[cid] = asker([(ps, fmt) for _, ps, fmt in parts], topic, reads[cid], descs, firsts,
                                      state.options.seed, values, items, existing)
            after = []
            for run in (0, 1):
                outs = g.raw_outputs(run)
                k, d = 0, {}
                for last, read in reads[cid]:
                    for _m in topic.markers if read is not None else []:
                        d[state_key(k)] = outs[last]
                        k += 1
                after.append(d)
            state.states[cid] = (after, before)


__all__ = ["NO_PLACE", "OPENERS", "Plan", "SeedFailed", "WorldSeeding", "WritePlanner", "asker", "checked_values",
           "draft_for", "echoes", "fresh_reads", "in_order", "isolated_servers", "joined_pairs", "made_phrase",
           "renumbered", "shifted", "state_read", "trimmed", "where_words", "without_steps"]
