"""Starting, connecting to and stopping Ray for the driver.

Ray ties the processes it starts (GCS, raylet, agents) to the *thread* that called `ray.init` (Linux parent-death
signal): started from a pooled worker thread, they are killed when that thread retires, ~10 s after it idles. So
Ray is initialised and shut down by one dedicated thread that lives exactly as long as this process uses Ray."""

from __future__ import annotations

import logging
import os
import threading
from functools import partial
from typing import Any

import anyio

INIT_TIMEOUT_S = 180.0
"""Starting a local Ray instance takes 20-40 s on a busy 2-core machine; connecting to a cluster, a few seconds."""
SHUTDOWN_TIMEOUT_S = 60.0
LOCAL_START_ATTEMPTS = 2
"""A local start misses Ray's fixed 15 s agent window on an overloaded machine; a failed start's processes die with
its host thread, so trying again is clean."""
LOCAL_OBJECT_STORE_BYTES = 256 * 1024**2
"""Shard payloads and results are JSON of a few MB at most."""


def import_ray() -> Any:
    """The ray module. Raises RunError when the `ray` extra is not installed."""
    from mcpbench.executors.base import RunError

    try:
        import ray
    except ImportError:
        raise RunError("--executor ray needs Ray: pip install 'mcpbench[ray]'") from None
    return ray


class RayHost:
    """The thread that owns this process's Ray connection: `ray.init` on start, `ray.shutdown` on close."""

    def __init__(self, init: Any):
        self._init = init
        self._ready = threading.Event()
        self._stop = threading.Event()
        self._done = threading.Event()
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="mcpbench-ray-host", daemon=True)

    def _main(self) -> None:
        ray = import_ray()
        try:
            self._init()
        except BaseException as e:
            self.error = e
            self._ready.set()
            self._done.set()
            return
        self._ready.set()
        self._stop.wait()
        try:
            ray.shutdown()
        finally:
            self._done.set()

    async def start(self) -> None:
        """Raises TimeoutError past INIT_TIMEOUT_S, or what `ray.init` raised."""
        self._thread.start()
        with anyio.fail_after(INIT_TIMEOUT_S):
            await anyio.to_thread.run_sync(self._ready.wait, abandon_on_cancel=True)
        if self.error is not None:
            raise self.error

    async def aclose(self) -> None:
        """Shut Ray down (bounded wait; safe to call twice)."""
        self._stop.set()
        with anyio.move_on_after(SHUTDOWN_TIMEOUT_S, shield=True):
            await anyio.to_thread.run_sync(self._done.wait, abandon_on_cancel=True)

    def close(self) -> None:
        """Blocking form of aclose, for synchronous callers (tests, atexit)."""
        self._stop.set()
        self._done.wait(SHUTDOWN_TIMEOUT_S)


async def connect_ray(address: str | None, *, num_cpus: int) -> RayHost | None:
    """Connect to the Ray cluster at `address` (default: $RAY_ADDRESS, as Ray does), or start a local instance of
    `num_cpus` CPUs. Returns the host to close when this call initialised Ray, None when Ray was already initialised
    in this process (it is used as it is and left alone).
    Raises RunError when Ray is missing, does not start, or cannot be reached within INIT_TIMEOUT_S."""
    from mcpbench.executors.base import RunError

    ray = import_ray()
    if ray.is_initialized():
        return None
    address = address or os.environ.get("RAY_ADDRESS") or None
    common: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.ERROR}
    if address:
        init = partial(ray.init, address=address, **common)
    else:
        init = partial(ray.init, address="local", num_cpus=num_cpus, include_dashboard=False,
                       object_store_memory=LOCAL_OBJECT_STORE_BYTES, **common)
    where = f" at {address}" if address else ""
    attempts = 1 if address else LOCAL_START_ATTEMPTS
    for attempt in range(1, attempts + 1):
        host = RayHost(init)
        try:
            await host.start()
            return host
        except TimeoutError:
            await host.aclose()
            raise RunError(f"Ray did not start{where} within {INIT_TIMEOUT_S:.0f} s") from None
        except Exception as e:
            if attempt < attempts:
                continue  # the failed node's processes died with its host thread
            hint = "" if address else (" (a local Ray start fails when its agents take over 15 s to come up, e.g. "
                                       "on an overloaded machine: retry later, or start a head with `ray start "
                                       "--head` and pass --ray-address)")
            raise RunError(f"cannot {'reach' if address else 'start'} Ray{where}: {e}{hint}") from None
    raise AssertionError("unreachable")


__all__ = ["INIT_TIMEOUT_S", "RayHost", "connect_ray", "import_ray"]
