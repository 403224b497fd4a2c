"""Judges for what a model makes of the tool list: description quality (a 0–100 rubric score), confusable tools,
context cost, and whether annotations match observed behaviour. Pure functions of `Observations`."""

from __future__ import annotations

import re

from mcpbench.check.confusable import confusable_pairs
from mcpbench.check.context import BUDGET_TOKENS, LARGEST_SHOWN, TOOL_TOKENS, TokenizerMissing, context_cost
from mcpbench.check.model import Observations, Status, Verdict, check
from mcpbench.check.robustness import name_words
from mcpbench.check.rubric import PASS_SCORE, TOOL_FLOOR, grade

MUTATING_WORDS = frozenset({
    "delete", "remove", "rm", "rmdir", "unlink", "drop", "truncate", "destroy", "erase", "purge", "wipe", "clear",
    "reset", "overwrite", "write", "update", "upsert", "set", "create", "insert", "put", "patch", "move", "mv",
    "rename", "kill", "terminate", "send", "publish", "deploy", "revoke", "uninstall", "upload", "edit", "modify",
    "replace", "append", "save", "commit", "push", "merge", "archive", "cancel", "execute", "exec", "run",
})
"""Name words of tools that change state. A name is evidence, not proof: an explicit annotation wins over it."""


def _unique_tools(obs: Observations) -> list[str]:
    return list(dict.fromkeys(t.name for t in obs.tools))


@check("schemas.description_quality", category="schemas", severity="warn", title="Description quality",
       why="Models choose and fill tools from their descriptions alone: purpose, when to use it, limits, parameters, "
           "examples and the result are what fixing 'smelly' descriptions adds (arXiv 2602.14878).",
       hint="Fix the findings listed per tool (each says how); the score formula is in docs/check.md.")
def _description_quality(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    pairs = [(p.a, p.b) for p in confusable_pairs(obs.tools, obs.tool_vectors)]
    g = grade(obs.tools, pairs)
    low = [t for t in g.tools if t.score < TOOL_FLOOR]
    findings = g.all_findings()
    status: Status = "pass" if g.score >= PASS_SCORE and not low else "warn"
    worst = min(g.tools, key=lambda t: t.score)
    lowest = f"; lowest: {worst.tool} {worst.score:.0f}" if len(g.tools) > 1 else ""
    summary = (f"score {g.score}/100 (tools {g.tool_mean:.0f}, server {g.server_score:.0f}); "
               f"{len(findings)} finding(s){lowest}")
    data = {"score": g.score, "tool_mean": g.tool_mean, "server_score": g.server_score,
            "server_points": g.server_points, "tools": {t.tool: t.score for t in g.tools},
            "findings": [f.model_dump(exclude_none=True) for f in findings]}
    return Verdict(status, summary, [f.line() for f in findings], data)


@check("schemas.confusable_tools", category="schemas", severity="warn", title="Confusable tools",
       why="Two tools with near-identical names or descriptions make models call the wrong one, and the error is "
           "silent when both accept the arguments.",
       hint="Rename one of each pair or say in each description when to use it rather than the other.")
def _confusable(obs: Observations) -> Verdict:
    if len(_unique_tools(obs)) < 2:
        return Verdict("skip", "fewer than two tools")
    pairs = confusable_pairs(obs.tools, obs.tool_vectors)
    data = {"pairs": [p.model_dump() for p in pairs], "embeddings": bool(obs.tool_vectors)}
    if pairs:
        return Verdict("warn", f"{len(pairs)} confusable pair(s)", [p.line() for p in pairs], data)
    return Verdict("pass", f"no confusable pair among {len(_unique_tools(obs))} tools", [], data)


@check("usability.context_cost", category="usability", severity="warn", title="Context cost",
       why="The whole tool list is sent with every request: its tokens are paid on every turn and crowd out the "
           "conversation, most of all for small models and clients that load many servers.",
       hint=f"Keep the tool list under {BUDGET_TOKENS} tokens and each tool under {TOOL_TOKENS}: shorter "
            "descriptions, fewer optional parameters, merged near-duplicate tools.")
def _context(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    try:
        cost = context_cost(obs)
    except TokenizerMissing as e:
        return Verdict("skip", str(e))
    big = [c for c in cost.tools if c.tokens > TOOL_TOKENS]
    details = [f"{c.tool}: {c.tokens} tokens" for c in cost.tools[:LARGEST_SHOWN]]
    details += [f"large output: {o['tool']} ({o['variant']}) returned {o['bytes']} bytes" for o in cost.large_outputs]
    data = {"total_tokens": cost.total_tokens, "encoding": cost.encoding,
            "tools": {c.tool: c.tokens for c in cost.tools}, "large_outputs": cost.large_outputs}
    summary = (f"{cost.total_tokens} tokens for {len(cost.tools)} tool(s) ({cost.encoding}); largest: "
               f"{cost.tools[0].tool} {cost.tools[0].tokens}")
    if cost.total_tokens > BUDGET_TOKENS or big:
        over = [f"over the {BUDGET_TOKENS}-token budget"] if cost.total_tokens > BUDGET_TOKENS else []
        over += [f"{len(big)} tool(s) over {TOOL_TOKENS} tokens"] if big else []
        return Verdict("warn", f"{summary}; {', '.join(over)}", details, data)
    return Verdict("pass", summary, details, data)


def _names_any(text: str, names: list[str]) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text, re.IGNORECASE) for n in names)


@check("usability.error_messages", category="usability", severity="warn", title="Actionable error messages",
       why="A model repairs a bad call only when the error says what was wrong: which argument, and what was "
           "expected. 'Invalid input' makes it guess or give up.",
       hint="Name the offending argument and what was expected (type, allowed values, an example) in the error.")
def _error_messages(obs: Observations) -> Verdict:
    schemas = {t.name: t.input_schema for t in obs.tools}
    # only where valid arguments succeed is a refusal about the arguments (not auth, state or a missing feature)
    accepting = {r.tool for r in obs.calls if r.case == "valid" and r.result == "ok"}
    refused = [r for r in obs.calls if r.case == "invalid" and r.result in ("error_result", "protocol_error")
               and r.tool in accepting]
    if not refused:
        return Verdict("skip", "no invalid call was refused by a tool that accepted valid arguments")
    vague: list[str] = []
    for r in refused:
        if r.variant.startswith("wrong-type:"):
            names = [r.variant.split(":", 1)[1]]
        else:
            required = (schemas.get(r.tool) or {}).get("required") or []
            names = [n for n in required if isinstance(n, str)]
        text = f"{r.text_head} {r.error or ''}"
        if names and not _names_any(text, names):
            vague.append(f"{r.tool} ({r.variant}): the error names none of {', '.join(names)} — "
                         f"{' '.join(text.split())[:120]!r}")
    if vague:
        return Verdict("warn", f"{len(vague)} of {len(refused)} refusals do not name the offending argument",
                       vague, {"vague": len(vague), "refused": len(refused)})
    return Verdict("pass", f"all {len(refused)} refusals name the offending argument", [],
                   {"vague": 0, "refused": len(refused)})


def mutating_word(name: str) -> str | None:
    return next((w for w in name_words(name) if w in MUTATING_WORDS), None)


@check("schemas.annotations", category="schemas", severity="error", title="Annotations match behaviour",
       why="Clients auto-approve tools that declare readOnlyHint and ask before destructive ones: a read-only claim "
           "that is false lets an agent change state without asking.",
       hint="Declare readOnlyHint only on tools that change nothing; declare destructiveHint (true if the tool "
            "deletes or overwrites, false if it only adds) on every tool that changes state.")
def _annotations(obs: Observations) -> Verdict:
    if not obs.tools:
        return Verdict("skip", "no tools listed")
    fails: list[str] = []
    warns: list[str] = []
    for p in obs.probes:
        if p.changed:
            fails.append(f"{p.tool}: declares readOnlyHint but changed state — {', '.join(p.changed)} answered "
                         f"differently after calling it with {p.arguments} → drop readOnlyHint (declare "
                         "destructiveHint) or make the tool read-only")
        if p.retry == "error":  # the arguments were accepted before (that is how the probe chose them)
            fails.append(f"{p.tool}: declares readOnlyHint but failed when called again with the same arguments "
                         f"({p.retry_text[:100]!r}) → a read-only tool can be retried; drop readOnlyHint")
    seen: set[str] = set()
    for tl in obs.tools:
        if tl.name in seen:
            continue
        seen.add(tl.name)
        ann = tl.annotations or {}
        if ann.get("readOnlyHint") is True and ann.get("destructiveHint") is True:
            warns.append(f"{tl.name}: declares both readOnlyHint and destructiveHint → clients ignore "
                         "destructiveHint on read-only tools; drop the one that is false")
        elif ann.get("readOnlyHint") is not True and "destructiveHint" not in ann and (w := mutating_word(tl.name)):
            warns.append(f"{tl.name}: its name says it changes state ('{w}') but it declares no destructiveHint → "
                         "declare destructiveHint true (deletes/overwrites) or false (only adds), and readOnlyHint "
                         "false")
    probed = f"{len(obs.probes)} read-only tool(s) probed" if obs.probes else (obs.probes_skipped or "no probe ran")
    data = {"probes": [p.model_dump() for p in obs.probes], "probes_skipped": obs.probes_skipped}
    if fails:
        return Verdict("fail", f"{len(fails)} readOnlyHint claim(s) contradicted by behaviour; {probed}",
                       fails + warns, data)
    if warns:
        return Verdict("warn", f"{len(warns)} tool(s) with missing or contradictory hints; {probed}", warns, data)
    return Verdict("pass", f"annotations consistent with names and behaviour; {probed}", [], data)


__all__ = ["MUTATING_WORDS", "mutating_word"]
