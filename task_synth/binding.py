"""Bindings: how a reference step's argument is derived from earlier steps' outputs, and how answers are re-rendered.

One mini-language, shared by synthesis, live re-grounding (`replay`), the oracle baseline and answer rendering:

- a **reference** `step[i]:<regex>` reads step i's output and takes the regex's first group (the whole match when it
  has none); `step[i]:$.a.b[0]` reads a JSON path instead. As a binding it replaces the whole argument, converted to
  the type of the value recorded at grounding time (an int stays an int).
- a **template** `template:<text>` embeds references as `{{step[i]:<regex>}}` in literal text, e.g.
  `template:SELECT COUNT(*) FROM {{step[0]:'name': '(\\w+)'}}`. Answers (`Task.answer`) use the same `{{...}}`
  placeholders when they depend on live values. A reference inside `{{ }}` must not itself contain `}}`.
- `${VAR}` in arguments and task text names a fleet placeholder (`${WEB_URL}`, `${WORLD}`, ...): tasks are stored with
  placeholders (the loopback port differs on every run) and expanded with the fleet's values before use.

Regexes run with re.DOTALL, like the answer-key `extract` of judges/checks.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from task_synth.task import ReferenceStep, Task

_REF = re.compile(r"^step\[(\d+)\]:(.*)$", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{\{(step\[\d+\]:.*?)\}\}", re.DOTALL)
_PATH_TOKEN = re.compile(r"\.([A-Za-z_][\w-]*)|\[(\d+)\]|\[['\"](.+?)['\"]\]")
_VAR = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
TEMPLATE = "template:"

Outputs = Mapping[int, str] | Sequence[str]


class BindingError(ValueError):
    """A binding or placeholder could not be resolved: malformed, or nothing matched in the source output."""


def _as_mapping(outputs: Outputs) -> Mapping[int, str]:
    if isinstance(outputs, Mapping):
        return {int(k): v for k, v in outputs.items()}
    return dict(enumerate(outputs))


def ref_source(ref: str) -> int | None:
    """The step index a reference 'step[i]:...' reads, or None when it is not a reference."""
    m = _REF.match(ref)
    return int(m.group(1)) if m else None


def binding_sources(spec: str) -> list[int]:
    """Every step index a binding (reference or template) reads, in order of appearance."""
    if spec.startswith(TEMPLATE):
        return [int(m.group(1)) for m in (_REF.match(r) for r in _PLACEHOLDER.findall(spec)) if m]
    src = ref_source(spec)
    return [] if src is None else [src]


def binding_refs(spec: str) -> list[str]:
    """The references 'step[i]:<expr>' a binding reads: itself, or each placeholder of a template."""
    if spec.startswith(TEMPLATE):
        return [r for r in _PLACEHOLDER.findall(spec) if ref_source(r) is not None]
    return [spec] if ref_source(spec) is not None else []


def template_sources(text: str) -> list[int]:
    """Step indices referenced by `{{step[i]:...}}` placeholders of a text (answers)."""
    return [s for r in _PLACEHOLDER.findall(text) if (s := ref_source(r)) is not None]


def _json_path(text: str, path: str) -> Any:
    try:
        node: Any = json.loads(text)
    except ValueError:
        return None
    for attr, index, quoted in _PATH_TOKEN.findall(path[1:]):
        key: Any = attr or quoted or int(index)
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    return node


_NTH = re.compile(r"^\(\?:(?P<prefix>.+)\.\*\?\)\{(?P<k>\d+)\}(?P<body>.+)$", re.DOTALL)


def regex_search(expr: str, text: str) -> re.Match[str] | None:
    """`re.search(expr, text, re.DOTALL)`, except that the k-th-occurrence form `kinds.reference_regex` writes,
    `(?:A(?:P).*?){k}A(P)`, is found by counting the occurrences of `A(P)`: the same match, without trying every way
    to split the text among the k lazy gaps (exponential when an output holds fewer than k + 1 occurrences: a
    listing drawn anew that came back shorter). Raises re.error for an invalid regex."""
    m = _NTH.match(expr)
    if m is not None:
        prefix, body, k = m.group("prefix"), m.group("body"), int(m.group("k"))
        if any(body[i] == "(" and prefix == f"{body[:i]}(?:{body[i + 1:]}" for i in range(len(body))):
            for n, hit in enumerate(re.finditer(body, text, re.DOTALL)):
                if n == k:
                    return hit
            return None
    return re.search(expr, text, re.DOTALL)


def extract(expr: str, text: str) -> Any:
    """Apply one extraction expression (regex: group 1 or whole match; '$.path': JSON path) to text; None if no hit.

    Raises BindingError for an invalid regex.
    """
    if expr.startswith("$"):
        return _json_path(text, expr)
    try:
        m = regex_search(expr, text)
    except re.error as e:
        raise BindingError(f"invalid regex {expr!r}: {e}") from None
    if m is None:
        return None
    return m.group(1) if m.re.groups else m.group(0)


def resolve_ref(ref: str, outputs: Outputs) -> Any:
    """The value a reference 'step[i]:<expr>' reads. Raises BindingError when malformed or nothing matches."""
    m = _REF.match(ref)
    if not m:
        raise BindingError(f"not a reference 'step[i]:<regex>': {ref!r}")
    i, expr = int(m.group(1)), m.group(2)
    outs = _as_mapping(outputs)
    if i not in outs:
        raise BindingError(f"{ref!r} reads step {i}, which has no output")
    value = extract(expr, outs[i])
    if value is None:
        raise BindingError(f"{expr!r} found nothing in the output of step {i}")
    return value


def nested_values(value: Any) -> Iterator[Any]:
    """`value` and every value inside it, depth first (dict values and list items, the containers themselves too)."""
    if isinstance(value, dict):
        for x in value.values():
            yield from nested_values(x)
    elif isinstance(value, list):
        for x in value:
            yield from nested_values(x)
    yield value


def placeholder(step: int, expr: str) -> str:
    """`{{step[i]:<expr>}}`, safe when the regex itself ends with a brace (a `{n}` quantifier)."""
    if "}}" in expr:
        raise BindingError(f"a placeholder's regex cannot contain '}}}}': {expr!r}")
    tail = "(?:)" if expr.endswith("}") else ""
    return "{{" + f"step[{step}]:{expr}{tail}" + "}}"


def _scalar_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def render(text: str, outputs: Outputs, *, only: set[int] | None = None) -> str:
    """Replace every `{{step[i]:<expr>}}` placeholder of `text` by the value it reads (only those reading the steps
    in `only`, when given: the others stay placeholders). Raises BindingError."""

    def sub(m: re.Match[str]) -> str:
        if only is not None and ref_source(m.group(1)) not in only:
            return m.group(0)
        return _scalar_text(resolve_ref(m.group(1), outputs))

    return _PLACEHOLDER.sub(sub, text)


def coerce(value: Any, like: Any) -> Any:
    """Give an extracted string the type of the value recorded at grounding time (ints stay ints, floats floats)."""
    if not isinstance(value, str) or isinstance(like, bool) or like is None:
        return value
    try:
        if isinstance(like, int):
            f = float(value)
            return int(f) if f.is_integer() else f
        if isinstance(like, float):
            return float(value)
    except ValueError:
        return value
    return value


def resolve_binding(spec: str, outputs: Outputs, like: Any = None) -> Any:
    """The value of one binding (reference or template) given earlier outputs. Raises BindingError."""
    if spec.startswith(TEMPLATE):
        return render(spec[len(TEMPLATE):], outputs)
    return coerce(resolve_ref(spec, outputs), like)


def expand(value: Any, builtins: Mapping[str, str] | None) -> Any:
    """Fill `${VAR}` placeholders in strings (recursively in lists and dicts); unknown variables stay as they are."""
    if not builtins:
        return value
    if isinstance(value, str):
        return _VAR.sub(lambda m: builtins.get(m.group(1), m.group(0)), value)
    if isinstance(value, list):
        return [expand(v, builtins) for v in value]
    if isinstance(value, dict):
        return {k: expand(v, builtins) for k, v in value.items()}
    return value


def placeholders(value: Any, builtins: Mapping[str, str] | None, names: Sequence[str] = ("WEB_URL", "WORLD",
                 "MCPBENCH_HOME", "EPISODE_DIR")) -> Any:
    """The reverse of `expand`: write the fleet's run-specific values (longest first) back as `${VAR}`."""
    if not builtins:
        return value
    pairs = sorted(((builtins[n], n) for n in names if builtins.get(n)), key=lambda p: -len(p[0]))
    if isinstance(value, str):
        for real, name in pairs:
            value = value.replace(real, f"${{{name}}}")
        return value
    if isinstance(value, list):
        return [placeholders(v, builtins, names) for v in value]
    if isinstance(value, dict):
        return {k: placeholders(v, builtins, names) for k, v in value.items()}
    return value


def arg_path(args: Mapping[str, Any], key: str) -> Any:
    """The argument KEY names in ARGS: a top-level one, or, for a tool that takes its parameters wrapped in one object
    (`{"params": {...}}`), a dotted path into it ('params.problem_name'); None when absent."""
    if key in args or "." not in key:
        return args.get(key)
    head, rest = key.split(".", 1)
    inner = args.get(head)
    return arg_path(inner, rest) if isinstance(inner, Mapping) else None


def with_arg(args: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    """ARGS (a copy along the path) with KEY set to VALUE; KEY as in `arg_path`."""
    if "." not in key or key in args:
        return {**args, key: value}
    head, rest = key.split(".", 1)
    inner = args.get(head)
    return {**args, head: with_arg(dict(inner) if isinstance(inner, Mapping) else {}, rest, value)}


def without_args(args: Mapping[str, Any], keys: Iterable[str]) -> dict[str, Any]:
    """ARGS less the arguments KEYS name (as in `arg_path`): a reference step's fixed arguments, its bound ones
    left out also inside a wrapping object; a wrapping object left empty is dropped."""
    out = dict(args)
    for key in keys:
        if key in out or "." not in key:
            out.pop(key, None)
            continue
        head, rest = key.split(".", 1)
        if isinstance(out.get(head), Mapping):
            inner = without_args(out[head], [rest])
            if inner:
                out[head] = inner
            else:
                out.pop(head)
    return out


def resolve_arguments(step: ReferenceStep, outputs: Outputs, *, builtins: Mapping[str, str] | None = None
                      ) -> dict[str, Any]:
    """The arguments to send for `step`, given the outputs of the steps before it (index -> text, or a list).

    Bound arguments are re-derived from `outputs`; every other argument is the recorded one. `${VAR}` placeholders
    are filled from `builtins` (the fleet's values) when given. Raises BindingError when a binding cannot be resolved
    (the source step's output no longer contains what the binding reads).
    """
    args = dict(step.arguments)
    for arg, spec in step.bindings.items():
        args = with_arg(args, arg, resolve_binding(spec, outputs, arg_path(step.arguments, arg)))
    return expand(args, builtins)


def render_answer(task: Task, outputs: Outputs | None = None) -> str:
    """The reference final answer: `task.answer` with its `{{step[i]:...}}` placeholders filled from `outputs`
    (the live outputs of a replay). Without outputs, or when a placeholder cannot be resolved, raises BindingError."""
    if not _PLACEHOLDER.search(task.answer):
        return task.answer
    if outputs is None:
        raise BindingError(f"task {task.id}: its answer depends on live outputs; give the replayed outputs")
    return render(task.answer, outputs)


def expand_task(task: Task, builtins: Mapping[str, str] | None) -> Task:
    """The task with `${VAR}` placeholders (e.g. `${WEB_URL}`) filled in its texts and reference arguments, so the
    agent, the oracle and argument matching all see the values of this fleet."""
    if not builtins:
        return task
    args = [expand(s.arguments, builtins) for s in task.reference]
    precise, fuzzy = expand(task.precise, builtins), expand(task.fuzzy, builtins)
    if precise == task.precise and fuzzy == task.fuzzy and all(a == s.arguments for a, s in zip(args, task.reference)):
        return task  # nothing to fill: no copies (the runner expands every episode's task twice)
    steps = [s if a == s.arguments else s.model_copy(update={"arguments": a}) for a, s in zip(args, task.reference)]
    return task.model_copy(update={"precise": precise, "fuzzy": fuzzy, "reference": steps})


__all__ = [
    "TEMPLATE",
    "BindingError",
    "arg_path",
    "binding_refs",
    "binding_sources",
    "coerce",
    "expand",
    "expand_task",
    "extract",
    "nested_values",
    "placeholder",
    "placeholders",
    "ref_source",
    "regex_search",
    "render",
    "render_answer",
    "resolve_arguments",
    "resolve_binding",
    "resolve_ref",
    "template_sources",
    "with_arg",
    "without_args",
]
