"""Pluggable synthesis steps: a Protocol with one async method and a registry filled by a decorator.

Stages run in order — graph (several sources) → sample → ground → write → filter — each a registered step that reads
and extends the shared `SynthState`. A pipeline is named by its steps and their arguments (`StepRef`), which go into
every task's provenance, so a suite can be rebuilt from its header.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

from mcpbench._registry import Registry

if TYPE_CHECKING:
    from task_synth.pipeline import SynthState

Stage = Literal["graph", "sample", "ground", "write", "filter"]
STAGES: tuple[Stage, ...] = ("graph", "sample", "ground", "write", "filter")


@runtime_checkable
class Step(Protocol):
    """One synthesis step. `run` reads and extends the state; it records rejections instead of raising for bad
    candidates, and raises only for faults of the step itself (e.g. a writer model that cannot be reached)."""

    name: str

    async def run(self, state: SynthState) -> None: ...


StepFactory = Callable[..., Step]


@dataclass
class _Registry:
    factories: dict[Stage, Registry[StepFactory]] = field(
        default_factory=lambda: {s: Registry(f"{s} step") for s in STAGES})


REGISTRY = _Registry()


def step(stage: Stage, name: str) -> Callable[[StepFactory], StepFactory]:
    """Register a step factory under (stage, name); it is called as factory(**args). Raises ValueError when the name
    is taken in that stage."""

    def deco(factory: StepFactory) -> StepFactory:
        REGISTRY.factories[stage][name] = factory
        return factory

    return deco


@dataclass(frozen=True)
class StepRef:
    """A step as named in a pipeline: stage, registered name, arguments."""

    stage: Stage
    name: str
    args: tuple[tuple[str, Any], ...] = ()

    def build(self) -> Step:
        """Raises KeyError for an unknown step (the message lists the registered ones)."""
        _load_builtin_steps()
        known = REGISTRY.factories[self.stage]
        if self.name not in known:
            raise KeyError(f"no {self.stage} step named '{self.name}' (known: {', '.join(sorted(known))})")
        return known[self.name](**dict(self.args))

    def label(self) -> str:
        args = ",".join(f"{k}={v}" for k, v in self.args)
        return f"{self.stage}:{self.name}" + (f"({args})" if args else "")


def _load_builtin_steps() -> None:
    import task_synth.actions
    import task_synth.binarycalc
    import task_synth.carry
    import task_synth.compound
    import task_synth.filters
    import task_synth.graph
    import task_synth.grounding
    import task_synth.llm
    import task_synth.planner
    import task_synth.probe
    import task_synth.refill
    import task_synth.sampling
    import task_synth.seeding
    import task_synth.worldcalc
    import task_synth.writing  # noqa: F401


__all__ = ["REGISTRY", "STAGES", "Stage", "Step", "StepFactory", "StepRef", "step"]
