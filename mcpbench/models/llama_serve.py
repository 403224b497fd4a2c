"""`python -m mcpbench.models.llama_serve ARGS`: llama.cpp's server from the prebuilt `xllamacpp` wheel, as a process.

It takes the subset of `llama-server`'s command line that `LlamaServer.command` writes, so the same process
management (port, /health, SIGTERM then SIGKILL, the die-with-parent wrapper) serves both this runtime and a
`llama-server` binary given by $MCPBENCH_LLAMA_SERVER. xllamacpp runs llama.cpp's own C++ HTTP server in this
process; we only fill its parameters and wait for SIGTERM.

Exit codes: 0 after SIGTERM/SIGINT, 2 bad arguments, 127 the runtime could not be loaded (the message names the
missing module or shared library), 1 the server could not start (the message says why).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="mcpbench.models.llama_serve", description=__doc__)
    p.add_argument("-m", "--model", required=True)
    p.add_argument("--alias", default=None)
    p.add_argument("--jinja", action="store_true")
    p.add_argument("--chat-template-file", default=None)
    p.add_argument("-c", "--ctx-size", type=int, default=4096)
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--kv-unified", action="store_true")
    p.add_argument("-t", "--threads", type=int, default=None)
    p.add_argument("-tb", "--threads-batch", type=int, default=None)
    p.add_argument("-ngl", "--n-gpu-layers", type=int, default=0)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--no-webui", action="store_true")
    p.add_argument("--seed", type=int, default=None)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        import xllamacpp
    except ImportError as e:  # includes a shared library the extension needs (OSError text inside)
        print(f"llama_serve: cannot load the xllamacpp runtime: {e}", file=sys.stderr, flush=True)
        return 127
    p = xllamacpp.CommonParams()
    p.model.path = args.model
    if args.alias:
        p.model_alias = args.alias
    p.use_jinja = bool(args.jinja)
    if args.chat_template_file:
        p.chat_template = Path(args.chat_template_file).read_text()
    p.n_ctx = args.ctx_size
    p.n_parallel = args.parallel
    p.kv_unified = bool(args.kv_unified)
    if args.threads:
        p.cpuparams.n_threads = args.threads
    if args.threads_batch:
        p.cpuparams_batch.n_threads = args.threads_batch
    p.n_gpu_layers = args.n_gpu_layers
    p.hostnames = [args.host]
    p.port = args.port
    p.ui = not args.no_webui
    if args.seed is not None:
        p.sampling.seed = args.seed
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"llama_serve: xllamacpp {getattr(xllamacpp, '__version__', '?')} · {xllamacpp.get_system_info().strip()}",
          file=sys.stderr, flush=True)
    try:
        server = xllamacpp.Server(p)  # loads the model and starts listening (llama.cpp's own log goes to stderr)
    except Exception as e:  # any failure here is a start-up failure, reported as such
        print(f"llama_serve: the server did not start: {e}", file=sys.stderr, flush=True)
        return 1
    stop.wait()
    del server  # stops the HTTP loop and frees the model
    return 0


if __name__ == "__main__":
    sys.exit(main())
