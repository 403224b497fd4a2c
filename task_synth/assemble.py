"""From a grounded chain and its draft to a Task: expected values read from the outputs, live values kept out.

What goes into the file for a live-varying step (see normalise.py): its output's masked shape, masked values for
arguments bound to it, masked expected values for checks reading it (the judge re-derives them from the live replay
via from_step + extract), and the answer as a `{{step[i]:...}}` template. Deterministic tasks store real outputs,
real expected values and a literal answer.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from task_synth.artifacts import CheckSpec, Draft, Grounded
from task_synth.binding import BindingError, arg_path, binding_sources, extract, render, with_arg
from task_synth.normalise import VARIES, mask_differing, mask_live, mask_value
from task_synth.task import Check, Provenance, ReferenceStep, Task, TaskFiles

OUTPUT_CHARS = 6000
"""Reference outputs longer than this are cut in the file (the judges' prompts show them; replays are live)."""


class AssembleFailed(Exception):
    """A check recipe reads nothing from its step's output; the message is the rejection reason."""


def _cut(text: str) -> str:
    if len(text) <= OUTPUT_CHARS:
        return text
    return text[:OUTPUT_CHARS] + f"\n[... {len(text) - OUTPUT_CHARS} more characters]"


def _number(v: Any) -> float | int:
    f = float(str(v).replace(",", ""))
    return int(f) if f.is_integer() and "." not in str(v) else f


def expected_value(spec: CheckSpec, raw: list[str], live: list[bool]) -> Any:
    """The synthesis-time expected value of a check (masked when it reads a live step). Raises AssembleFailed."""
    if spec.kind == "claims" and not spec.claims:
        if not isinstance(spec.value, list) or not spec.value:
            raise AssembleFailed("a claims check needs claims to read or a literal list")
        return [str(v) for v in spec.value]
    if spec.kind == "claims":
        values = []
        for c in spec.claims:
            if live[c.step]:
                raise AssembleFailed(f"claim reads live step {c.step}: claims are not re-derived live")
            v = extract(c.extract, raw[c.step])
            if v is None:
                raise AssembleFailed(f"claim {c.extract!r} found nothing in the output of step {c.step}")
            values.append(str(v))
        return values
    if spec.step is None:
        if spec.value is None:
            raise AssembleFailed("a check needs a step to read or a literal value")
        return spec.value
    v = extract(spec.extract, raw[spec.step]) if spec.extract else raw[spec.step].strip()
    if v is None:
        raise AssembleFailed(f"check {spec.extract!r} found nothing in the output of step {spec.step}")
    if live[spec.step]:
        return mask_live(str(v))
    if spec.kind == "numeric":
        try:
            return _number(v)
        except ValueError:
            raise AssembleFailed(f"numeric check read {v!r}, not a number") from None
    return str(v)


def to_check(spec: CheckSpec, raw: list[str], live: list[bool]) -> Check:
    return Check(kind=spec.kind, value=expected_value(spec, raw, live), tolerance=spec.tolerance,
                 relative=spec.relative, case_sensitive=spec.case_sensitive,
                 from_step=spec.step if spec.kind != "claims" else None,
                 extract=spec.extract if spec.kind != "claims" else None, read=spec.read,
                 description=spec.description)


def reference_steps(g: Grounded) -> list[ReferenceStep]:
    live = [s.live_varying for s in g.steps]
    out = []
    for s in g.steps:
        args = dict(s.arguments)
        for p, spec in s.bindings.items():
            if any(live[j] for j in binding_sources(spec)):
                masked = mask_value(arg_path(args, p))
                # a value drawn at random each run (an id) keeps no letters of this run either
                differs = any(mask_live(g.steps[j].outputs[0]) != mask_live(g.steps[j].outputs[-1])
                              for j in binding_sources(spec))
                args = with_arg(args, p, VARIES if differs and isinstance(masked, str) else masked)
        output = s.outputs[0]
        if s.live_varying:
            output = mask_differing(mask_live(output), mask_live(s.outputs[-1]))
        out.append(ReferenceStep(server=s.server, tool=s.tool, arguments=args, bindings=dict(s.bindings),
                                 output=_cut(output), live_varying=s.live_varying, depends_on=list(s.depends_on)))
    return out


def task_id(prefix: str, steps: list[ReferenceStep], fuzzy: str) -> str:
    blob = json.dumps([[s.server, s.tool, s.arguments, s.bindings] for s in steps] + [fuzzy], sort_keys=True,
                      ensure_ascii=False, default=str)
    return f"{prefix}-{hashlib.sha256(blob.encode()).hexdigest()[:10]}"


AUTO_TAGS = re.compile(r"^(single-server|multi-server|servers-\d+|hops-\d+|live-varying)$")
"""The tags `tags_for` derives from a task's steps."""


def own_tags(tags: list[str]) -> list[str]:
    """The tags a writer gave, without those `tags_for` derives from the steps (a joined task gets its own)."""
    return [t for t in tags if not AUTO_TAGS.match(t)]


def tags_for(steps: list[ReferenceStep], extra: list[str]) -> list[str]:
    servers = list(dict.fromkeys(s.server for s in steps))
    tags = ["single-server" if len(servers) == 1 else "multi-server", f"servers-{len(servers)}", f"hops-{len(steps)}"]
    if any(s.live_varying for s in steps):
        tags.append("live-varying")
    return tags + [t for t in extra if t not in tags]


def assemble(g: Grounded, draft: Draft, *, task_id_: str | None, prefix: str, generator: str, seed: int | None,
             tool_sha256: dict[str, str], files: TaskFiles | None = None) -> Task:
    """Build the Task (with the files its chain was grounded on). Raises AssembleFailed when a check or the answer
    template reads nothing."""
    raw = g.raw_outputs(0)
    live = [s.live_varying for s in g.steps]
    checks = [to_check(c, raw, live) for c in draft.checks]
    try:
        # values of live steps stay placeholders (re-rendered from the replay); the rest is written out
        answer = render(draft.answer, raw, only={i for i, s in enumerate(g.steps) if not s.live_varying})
    except BindingError as e:
        raise AssembleFailed(f"answer template: {e}") from None
    steps = reference_steps(g)
    servers = list(dict.fromkeys(s.server for s in steps))
    used = {f"{s.server}/{s.tool}" for s in steps}
    return Task(id=task_id_ or task_id(prefix, steps, draft.fuzzy), servers=servers, precise=draft.precise,
                fuzzy=draft.fuzzy, checks=checks, reference=steps, answer=answer, tags=tags_for(steps, draft.tags),
                provenance=Provenance(generator=generator, seed=seed,
                                      tool_sha256={k: v for k, v in sorted(tool_sha256.items()) if k in used}),
                files=files or {})


__all__ = [
    "AUTO_TAGS",
    "OUTPUT_CHARS",
    "AssembleFailed",
    "assemble",
    "expected_value",
    "own_tags",
    "reference_steps",
    "tags_for",
    "task_id",
    "to_check",
]
