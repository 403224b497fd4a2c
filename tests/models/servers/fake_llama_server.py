"""A stand-in for llama-server with its command line and HTTP surface, to test process management and error mapping.

Behaviour is chosen by the extra argument `--fake MODE`:
  ok            /health ok after a few polls; /v1/chat/completions answers a fixed tool call
  unknown-tool  /v1/chat/completions answers HTTP 500 like llama.cpp when the output cannot be parsed
  exit          exits with code 3 during startup after printing an error
  stubborn      ignores SIGTERM (must be SIGKILLed)
  never-ready   /health answers 503 "Loading model" forever
  crash         the process dies on the first chat request
  hang          a chat request never answers and uses no CPU
Any mode: `--fake-busy-s S` makes each chat answer take S wall seconds, computing (spinning the CPU) for a share
`--fake-duty D` of them (default 1.0) and sleeping the rest — a model on a machine where it gets D of a core.
Every chat request is appended to the file given by `--fake-record PATH` (one JSON line each).
"""

import argparse
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

p = argparse.ArgumentParser()
p.add_argument("--port", type=int, required=True)
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--fake", default="ok")
p.add_argument("--fake-record", default=None)
p.add_argument("--fake-busy-s", type=float, default=0.0)
p.add_argument("--fake-duty", type=float, default=1.0)
args, _unknown = p.parse_known_args()

print(f"fake llama-server pid {os.getpid()} argv: {sys.argv[1:]}", file=sys.stderr, flush=True)
if args.fake == "exit":
    print("error: failed to load model (fake)", file=sys.stderr, flush=True)
    sys.exit(3)
if args.fake == "stubborn":
    signal.signal(signal.SIGTERM, lambda *a: print("ignoring SIGTERM", file=sys.stderr, flush=True))

polls = {"n": 0}


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):  # keep the log readable
        pass

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            polls["n"] += 1
            if polls["n"] < 3 or args.fake == "never-ready":
                return self._send(503, {"error": {"code": 503, "message": "Loading model",
                                                  "type": "unavailable_error"}})
            return self._send(200, {"status": "ok"})
        self._send(404, {"error": {"code": 404, "message": "not found"}})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if args.fake_record:
            with open(args.fake_record, "a") as f:
                f.write(json.dumps(body) + "\n")
        if args.fake == "crash":
            os._exit(1)
        if args.fake == "hang":
            threading.Event().wait()
        end = time.monotonic() + args.fake_busy_s
        while time.monotonic() < end:  # compute for a share `duty` of every 50 ms, sleep the rest
            slice_end = time.monotonic() + 0.05 * args.fake_duty
            while time.monotonic() < slice_end:
                pass
            time.sleep(0.05 * (1 - args.fake_duty))
        if args.fake == "unknown-tool":
            message = "Failed to parse input at pos 12: ```json\n{\"name\": \"nope\""
            return self._send(500, {"error": {"code": 500, "type": "server_error", "message": message}})
        self._send(200, {
            "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": body.get("model", "x"),
            "choices": [{"index": 0, "finish_reason": "tool_calls", "message": {
                "role": "assistant", "content": None,
                "tool_calls": [{"id": f"c{i}", "type": "function",
                                "function": {"name": "get_current_time", "arguments": "{\"timezone\": \"UTC\"}"}}
                               for i in (1, 2)]}}],  # llama.cpp's duplicate-call artifact
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}})


ThreadingHTTPServer((args.host, args.port), Handler).serve_forever()
