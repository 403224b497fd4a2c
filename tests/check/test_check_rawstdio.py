"""Our own stdout reader: what counts as a JSON-RPC line, and the output-bomb guard."""

from __future__ import annotations

import sys

import anyio
import pytest
from check_helpers import fixture_target

from mcpbench.check.rawstdio import MAX_LINE, is_jsonrpc, scan_stdout
from mcpbench.check.target import Target


@pytest.mark.parametrize("line,ok", [
    ('{"jsonrpc":"2.0","id":1,"result":{}}', True),
    ('{"jsonrpc":"2.0","id":1,"error":{"code":-32601,"message":"x"}}', True),
    ('{"jsonrpc":"2.0","method":"notifications/message","params":{}}', True),
    ('[{"jsonrpc":"2.0","id":1,"result":{}}]', True),
    ('{"jsonrpc":"1.0","id":1,"result":{}}', False),
    ('{"jsonrpc":"2.0","id":1}', False),
    ('{"jsonrpc":"2.0","id":1,"result":{},"error":{}}', False),
    ('{"level":"info","msg":"listening"}', False),
    ("Server started on stdio", False),
    ("[]", False),
])
def test_what_counts_as_a_json_rpc_line(line: str, ok: bool) -> None:
    assert is_jsonrpc(line) is ok


@pytest.mark.anyio
async def test_a_clean_server_writes_only_json_rpc_and_answers_every_probe(tmp_path) -> None:
    with anyio.fail_after(60), (tmp_path / "err").open("w+") as err:
        scan = await scan_stdout(fixture_target("clean_raw"), err, timeout_s=30)
    # initialize, tools/list, ping and the unknown-tool call each got exactly one answer line
    assert scan.checked and scan.lines == 4 and scan.bad_lines == 0


@pytest.mark.anyio
async def test_a_giant_line_is_counted_without_being_kept(tmp_path) -> None:
    with anyio.fail_after(60), (tmp_path / "err").open("w+") as err:
        scan = await scan_stdout(fixture_target("output_bomb"), err, timeout_s=30)
    assert scan.bad_lines == 1 and scan.samples == [f"<a line over {MAX_LINE} bytes>"]
    assert scan.lines == 5  # the bomb plus the four answers that followed it


@pytest.mark.anyio
async def test_a_missing_binary_is_an_error_not_a_crash(tmp_path) -> None:
    with anyio.fail_after(30), (tmp_path / "err").open("w+") as err:
        scan = await scan_stdout(Target.from_command(["/nonexistent/server"]), err, timeout_s=5)
    assert not scan.checked and "cannot start" in (scan.error or "")


@pytest.mark.anyio
async def test_a_server_that_ignores_stdin_closing_is_killed_within_bounds(tmp_path) -> None:
    script = tmp_path / "stubborn.py"
    script.write_text("import signal, sys, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                      "print('not json', flush=True)\nwhile True:\n    time.sleep(1)\n")
    with anyio.fail_after(30), (tmp_path / "err").open("w+") as err:
        scan = await scan_stdout(Target.from_command([sys.executable, str(script)]), err, timeout_s=2)
    assert scan.bad_lines == 1
