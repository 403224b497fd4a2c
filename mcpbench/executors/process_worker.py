"""A worker process of the process executor: `python -m mcpbench.executors.process_worker`.

Reads one ShardPlan (JSON) from stdin, runs it on a fleet of its own and writes one EpisodeResult per line to its
stdout as each episode finishes. Nothing else reaches that stream: the real stdout is kept for results and fd 1 is
pointed at stderr, so a library that prints cannot corrupt it. SIGTERM is handled like Ctrl-C (the fleet reaps its
servers), and on Linux the worker gets SIGTERM when its driver dies, so no worker outlives a killed run."""

from __future__ import annotations

import os
import signal
import sys

from mcpbench._loop import run as run_loop


def _die_with_parent(parent: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the driver died before prctl took effect
        os.kill(os.getpid(), signal.SIGTERM)


def main() -> None:
    from mcpbench._signals import sigterm_as_interrupt

    sigterm_as_interrupt()
    if len(sys.argv) > 1:
        _die_with_parent(int(sys.argv[1]))
    results = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr

    import anyio

    from mcpbench.executors.shard import EpisodeResult, ShardPlan, execute_shard

    shard = ShardPlan.model_validate_json(sys.stdin.read())

    def emit(result: EpisodeResult) -> None:
        results.write(result.model_dump_json(by_alias=True) + "\n")
        results.flush()

    async def run() -> None:
        with anyio.fail_after(shard.deadline_s()):
            await execute_shard(shard, emit)

    try:
        run_loop(run)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:  # the driver is gone
        sys.exit(141)


if __name__ == "__main__":
    main()
