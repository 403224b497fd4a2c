"""Start a LlamaServer (fake binary given as argv[1]), print its pid, then wait to be killed."""

import sys
from pathlib import Path

import anyio

from mcpbench.models.local_server import LlamaServer


async def main() -> None:
    binary, model, log = map(Path, sys.argv[1:4])
    server = LlamaServer(model, binary=binary, log_path=log)
    await server.start()
    print(server.pid, flush=True)
    await anyio.sleep_forever()


anyio.run(main)
