"""servers.yaml validation: every error names the file, the line and the field."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from mcpbench.config import ConfigError, expand, load_config, parse_config, referenced_vars

GOOD = """\
version: 1
servers:
  - name: time
    command: mcp-server-time
    args: [--local-timezone, UTC]
    install: {pypi: mcp-server-time==2026.10.19}
  - name: remote
    transport: http
    url: https://example.invalid/mcp
    headers: {Authorization: "Bearer ${REMOTE_TOKEN}"}
"""


def test_a_valid_file_parses_into_typed_specs():
    cfg = parse_config(GOOD, "servers.yaml")
    assert [s.name for s in cfg.servers] == ["time", "remote"]
    assert cfg.get("time").install.pypi == "mcp-server-time==2026.10.19"
    assert cfg.get("remote").transport == "http"
    assert referenced_vars(cfg.get("remote")) == {"REMOTE_TOKEN"}


@pytest.mark.parametrize("text, line, field, words", [
    ("servers:\n  - name: a\n    transport: smoke-signals\n    command: x\n", 3, "servers[0] (a).transport", "'stdio'"),
    ("servers:\n  - name: a\n    command: x\n    timeouts:\n      connect: -1\n", 5, "servers[0] (a).timeouts.connect",
     "greater than 0"),
    ("servers:\n  - name: a\n    command: x\n  - name: b\n    command: y\n    bogus: 1\n", 6, "servers[1] (b).bogus",
     "Extra inputs"),
    ("servers:\n  - name: a\n    transport: sse\n", 2, "servers[0] (a)", "needs 'url'"),
    ("servers:\n  - name: a\n    command: x\n    env: {GITHUB_TOKEN: ghp_abc123}\n", 4, "servers[0] (a).env",
     "looks like a secret"),
    ("servers:\n  - name: a\n    command: x\n  - name: a\n    command: y\n", 1, "servers", "duplicate server name"),
])
def test_a_malformed_file_names_file_line_and_field(text, line, field, words):
    with pytest.raises(ConfigError) as e:
        parse_config(text, "fleet.yaml")
    msg = str(e.value)
    assert msg.startswith(f"fleet.yaml:{line}: {field}:"), msg
    assert words in msg


def test_broken_yaml_syntax_names_the_line():
    with pytest.raises(ConfigError) as e:
        parse_config("servers:\n  - name: a\n    args: [unclosed\n", "s.yaml")
    assert str(e.value).startswith("s.yaml:")
    assert "invalid YAML" in str(e.value)


def test_placeholders_expand_builtins_first_then_environment_and_unset_is_an_error():
    assert expand("${WORLD}/db ${HOME_X}", {"WORLD": "/w"}, {"HOME_X": "h"}) == "/w/db h"
    with pytest.raises(ConfigError, match=r"\$\{NOPE\} is not set"):
        expand("${NOPE}", {}, {})


def test_the_cli_exits_2_with_the_location_on_a_broken_config(tmp_path):
    from mcpbench.cli import app

    bad = tmp_path / "servers.yaml"
    bad.write_text("servers:\n  - name: a\n    command: x\n    max_concurrency: zero\n")
    result = CliRunner().invoke(app, ["servers", "list", "--config", str(bad)])
    assert result.exit_code == 2
    assert f"{bad}:4: servers[0] (a).max_concurrency" in result.output.replace("\n", "")


def test_a_missing_config_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "nope.yaml")


def test_an_author_is_not_a_secret_but_an_authorization_is():
    ok = parse_config("servers:\n  - name: a\n    command: x\n    env: {GIT_AUTHOR_NAME: Brightwater Team}\n", "f.yaml")
    assert ok.get("a").env == {"GIT_AUTHOR_NAME": "Brightwater Team"}
    with pytest.raises(ConfigError, match="looks like a secret"):
        parse_config("servers:\n  - name: a\n    transport: http\n    url: http://x\n"
                     "    headers: {Authorization: Bearer abc}\n", "f.yaml")
