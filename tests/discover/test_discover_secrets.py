"""Secrets in found configs become ${VAR} references while reading and never appear again in clear."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcpbench.discover import read_file
from mcpbench.discover.secrets import Redactor, looks_like_token, normalize_refs, var_name

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "discover"



def test_the_fixtures_really_contain_the_planted_secrets(planted_secrets):
    blob = "".join(p.read_text() for p in FIX.iterdir())
    assert all(s in blob for s in planted_secrets)


@pytest.mark.parametrize("fixture", sorted(p.name for p in FIX.iterdir() if p.name != "tools.json"))
def test_no_clear_secret_survives_reading_any_fixture(fixture, planted_secrets):
    servers, issues = read_file(FIX / fixture)
    dumped = "".join(s.model_dump_json() for s in servers) + "".join(issues)
    leaked = [s for s in planted_secrets if s in dumped]
    assert leaked == []


def test_secret_env_values_become_a_reference_to_the_variable_of_the_same_name():
    red = Redactor("github")
    env = red.env({"GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x", "GITHUB_API_URL": "https://api.github.com", "DEBUG": "1"})
    assert env == {"GITHUB_PERSONAL_ACCESS_TOKEN": "${GITHUB_PERSONAL_ACCESS_TOKEN}",
                   "GITHUB_API_URL": "https://api.github.com", "DEBUG": "1"}
    assert red.variables == ["GITHUB_PERSONAL_ACCESS_TOKEN"]


def test_a_token_shaped_value_is_secret_even_under_an_innocent_key():
    red = Redactor("s")
    assert red.env({"SETTING": "sk-ant-api03-abcdefghijklmnopqrstuv"}) == {"SETTING": "${SETTING}"}
    assert looks_like_token("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlX3g")
    assert not looks_like_token("/home/me/data")


def test_bearer_headers_keep_their_scheme_and_name_the_variable_after_the_server():
    red = Redactor("my-server")
    out = red.headers({"Authorization": "Bearer abc.def", "Accept": "application/json", "X-Api-Key": "k123"})
    assert out == {"Authorization": "Bearer ${MY_SERVER_TOKEN}", "Accept": "application/json",
                   "X-Api-Key": "${MY_SERVER_X_API_KEY}"}


def test_values_that_are_already_references_are_kept_and_recorded():
    red = Redactor("s")
    assert red.env({"API_KEY": "${env:API_KEY}"}) == {"API_KEY": "${API_KEY}"}
    assert red.headers({"Authorization": "Bearer ${TOKEN}"}) == {"Authorization": "Bearer ${TOKEN}"}
    assert red.variables == ["API_KEY", "TOKEN"]


def test_secret_flags_in_arguments_are_redacted_in_both_spellings():
    red = Redactor("srv")
    args = red.args(["--api-key", "abc123", "--api-token=xyz", "--port", "8080", "ghp_0123456789abcdefghijABCD"])
    assert args == ["--api-key", "${SRV_API_KEY}", "--api-token=${SRV_API_TOKEN}", "--port", "8080", "${SRV_TOKEN}"]


def test_passwords_in_connection_strings_and_secret_query_parameters_are_redacted():
    red = Redactor("db")
    assert red.args(["mysql://root:hunter2@db:3306/app"]) == ["mysql://root:${DB_PASSWORD}@db:3306/app"]
    assert red.url("https://h/mcp?token=abc&region=eu") == "https://h/mcp?token=${DB_TOKEN}&region=eu"


@pytest.mark.parametrize("raw, want", [
    ("${env:HOME}/x", "${HOME}/x"), ("${input:api-key}", "${API_KEY}"), ("$MY_TOKEN", "${MY_TOKEN}"),
    ("{env:JIRA}", "${JIRA}"), ("${ALREADY}", "${ALREADY}"), ("plain", "plain"),
])
def test_other_clients_variable_syntaxes_are_rewritten_as_ours(raw, want):
    assert normalize_refs(raw) == want


def test_variable_names_are_valid_environment_names():
    assert var_name("io.github/x", "Authorization") == "IO_GITHUB_X_AUTHORIZATION"
    assert var_name("9lives") == "MCP_9LIVES"
