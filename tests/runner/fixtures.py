"""A tiny fleet (the toy server) and suite for runner tests."""

from __future__ import annotations

import sys
from pathlib import Path

from task_synth.task import Check, ReferenceStep, Suite, Task

TOY = Path(__file__).resolve().parent.parent / "fleet" / "servers" / "toy_server.py"


def write_config(path: Path, **extra: str) -> Path:
    lines = ["servers:", "  - name: toy", f"    command: {sys.executable}", f"    args: [{TOY}]"]
    lines += [f"    {k}: {v}" for k, v in extra.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def toy_suite(n: int = 3) -> Suite:
    tasks = []
    for i in range(n):
        a, b, c = i + 2, 10 * i + 3, 5
        s1 = a + b
        tasks.append(Task(
            id=f"toy-{i:03d}", servers=["toy"],
            precise=f"Add {a} and {b}, then add {c} to the result, and report the final sum.",
            fuzzy=f"If I have {a} apples and get {b} more, and then another {c}, how many do I have?",
            checks=[Check(kind="numeric", value=s1 + c)],
            reference=[ReferenceStep(server="toy", tool="add", arguments={"a": a, "b": b}, output=str(s1)),
                       ReferenceStep(server="toy", tool="add", arguments={"a": s1, "b": c}, output=str(s1 + c),
                                     bindings={"a": "step[0]:(\\d+)"}, depends_on=[0])],
            answer=f"You have {s1 + c}."))
    return Suite(name="toy", tasks=tasks)
