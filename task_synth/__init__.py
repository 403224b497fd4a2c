"""task_synth: from live tool schemas to verified, fuzzy, multi-hop tasks — and the shipped suites.

    graph (schema · probe · llm) → chains → live grounding → writing (precise + fuzzy) → filtering → Suite (JSONL)

See docs/tasks.md. Public API:
- `synthesize(fleet, SynthOptions(...), plans=None, model=None, work=None)` → SynthState (`.tasks`, `.rejected`)
- `replay(task, tools)` → fresh outputs of the reference chain (the runner stores them; judges re-derive checks)
- `validate_suite(suite, fleet)` → per-task verdicts of `mcpbench tasks validate`
- `resolve_arguments(step, outputs)`, `render_answer(task, outputs)`, `expand_task(task, builtins)` (binding.py)
"""

from task_synth.binding import BindingError, expand_task, render_answer, resolve_arguments, resolve_binding
from task_synth.pipeline import DEFAULT_EXCLUDE, SynthOptions, SynthState
from task_synth.replay import TaskValidation, calls_of, read_final_state, replay, validate_suite, validate_task
from task_synth.synth import load_plans, synthesize, write_outputs
from task_synth.task import Check, Provenance, ReferenceStep, Suite, Task

__all__ = [
    "DEFAULT_EXCLUDE",
    "BindingError",
    "Check",
    "Provenance",
    "ReferenceStep",
    "Suite",
    "SynthOptions",
    "SynthState",
    "Task",
    "TaskValidation",
    "calls_of",
    "expand_task",
    "load_plans",
    "read_final_state",
    "render_answer",
    "replay",
    "resolve_arguments",
    "resolve_binding",
    "synthesize",
    "validate_suite",
    "validate_task",
    "write_outputs",
]
