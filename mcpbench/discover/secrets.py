"""Secrets found in other clients' configs become ${VAR} references the moment they are read.

The clear value is never kept in a DiscoveredServer, so nothing downstream (table, --json, servers.yaml) can leak it.
A value is treated as secret when its key looks secret (KEY, TOKEN, SECRET, PASSWORD, AUTH...), when it is a bearer
or basic credential, or when it has the shape of a well-known token (sk-..., ghp_..., xoxb-..., AKIA..., a JWT).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_KEY = re.compile(
    r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|AUTH|CREDENTIAL|COOKIE|SESSION|PAT\b|PRIVATE)", re.IGNORECASE)
"""Key names whose values are secret (a superset of what mcpbench.config refuses in clear)."""

_TOKEN_SHAPES = re.compile(
    r"^(sk-[A-Za-z0-9_-]{16,}|sk-ant-[A-Za-z0-9_-]{16,}|gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,}"
    r"|xox[abprs]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|AIza[0-9A-Za-z_-]{30,}|glpat-[A-Za-z0-9_-]{16,}"
    r"|hf_[A-Za-z0-9]{20,}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,})$"
)
_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_FOREIGN_REFS = (
    (re.compile(r"\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}"), r"${\1}"),  # VS Code / Cursor
    (re.compile(r"\$\{input:([A-Za-z0-9_.-]+)\}"), None),  # VS Code prompted inputs: named after the input id
    (re.compile(r"(?<![\w$])\$([A-Za-z_][A-Za-z0-9_]*)\b"), r"${\1}"),  # Gemini CLI / shell style $VAR
    (re.compile(r"\{env:([A-Za-z_][A-Za-z0-9_]*)\}"), r"${\1}"),  # opencode
)
_URLISH = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_SCHEME = re.compile(r"^(Bearer|Basic|Token|Bot)\s+(\S+)$", re.IGNORECASE)


def var_name(*parts: str) -> str:
    """An environment variable name made from parts: 'my-server', 'Authorization' -> 'MY_SERVER_AUTHORIZATION'."""
    joined = "_".join(p for p in parts if p)
    name = re.sub(r"[^A-Za-z0-9]+", "_", joined).strip("_").upper()
    if not name or name[0].isdigit():
        name = f"MCP_{name}"
    return name


def is_secret_key(key: str) -> bool:
    return bool(SECRET_KEY.search(key))


def looks_like_token(value: str) -> bool:
    return bool(_TOKEN_SHAPES.match(value.strip()))


def normalize_refs(value: str) -> str:
    """Rewrite other clients' variable syntaxes (${env:X}, ${input:x}, $X, {env:X}) as mcpbench's ${X}."""
    for pattern, repl in _FOREIGN_REFS:
        if repl is None:
            value = pattern.sub(lambda m: "${" + var_name(m.group(1)) + "}", value)
        else:
            value = pattern.sub(repl, value)
    return value


def is_reference(value: str) -> bool:
    """True when the value is only ${VAR} references and non-secret glue (e.g. 'Bearer ${TOKEN}')."""
    stripped = _REF.sub("", value).strip()
    return "${" in value and (not stripped or bool(re.fullmatch(r"(Bearer|Basic|Token|Bot)", stripped, re.IGNORECASE)))


@dataclass
class Redactor:
    """Turns clear secrets into ${VAR} references for one server and remembers which variables the user must set."""

    server: str
    variables: list[str] = field(default_factory=list)

    def _ref(self, var: str) -> str:
        if var not in self.variables:
            self.variables.append(var)
        return "${" + var + "}"

    def _note_refs(self, value: str) -> None:
        for m in _REF.finditer(value):
            if m.group(1) not in self.variables:
                self.variables.append(m.group(1))

    def env(self, env: dict[str, str]) -> dict[str, str]:
        """Environment values: a secret value becomes ${KEY} (the variable of the same name, as users expect)."""
        out: dict[str, str] = {}
        for key, raw in env.items():
            value = normalize_refs(str(raw))
            if is_reference(value):
                self._note_refs(value)
                out[key] = value
            elif is_secret_key(key) or looks_like_token(value):
                out[key] = self._ref(var_name(key))
            else:
                out[key] = value
        return out

    def headers(self, headers: dict[str, str]) -> dict[str, str]:
        """Header values: 'Bearer abc' -> 'Bearer ${SERVER_TOKEN}', a secret header -> ${SERVER_HEADER}."""
        out: dict[str, str] = {}
        for key, raw in headers.items():
            value = normalize_refs(str(raw))
            if is_reference(value):
                self._note_refs(value)
                out[key] = value
                continue
            scheme = _SCHEME.match(value.strip())
            if scheme:
                out[key] = f"{scheme.group(1)} " + self._ref(var_name(self.server, "token"))
            elif is_secret_key(key) or looks_like_token(value):
                own = var_name(key)  # a header already named like a variable (X_API_KEY) keeps its name
                out[key] = self._ref(own if own.startswith(var_name(self.server)) else var_name(self.server, key))
            else:
                out[key] = value
        return out

    def args(self, args: list[str]) -> list[str]:
        """Arguments: values of secret-named flags (--api-key X, --token=X) and token-shaped words."""
        out: list[str] = []
        secret_flag: str | None = None
        for raw in args:
            arg = normalize_refs(str(raw))
            if secret_flag is not None and not arg.startswith("-"):
                out.append(arg if is_reference(arg) else self._ref(var_name(self.server, secret_flag)))
                self._note_refs(arg)
                secret_flag = None
                continue
            secret_flag = None
            m = re.match(r"^(--?[A-Za-z0-9][A-Za-z0-9_-]*)=(.*)$", arg)
            if m and is_secret_key(m.group(1)) and m.group(2) and not is_reference(m.group(2)):
                out.append(f"{m.group(1)}=" + self._ref(var_name(self.server, m.group(1))))
            elif arg.startswith("-") and "=" not in arg and is_secret_key(arg):
                secret_flag = arg
                out.append(arg)
            elif looks_like_token(arg):
                out.append(self._ref(var_name(self.server, "token")))
            else:
                self._note_refs(arg)
                out.append(self.url(arg) if _URLISH.match(arg) else arg)
        return out

    def url(self, url: str) -> str:
        """URLs: secret query parameters (?key=..., ?api_key=...) and passwords in the authority."""
        url = normalize_refs(url)
        self._note_refs(url)
        try:
            parts = urlsplit(url)
        except ValueError:
            return url
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, host = netloc.rsplit("@", 1)
            if ":" in userinfo and not is_reference(userinfo.split(":", 1)[1]):
                netloc = f"{userinfo.split(':', 1)[0]}:" + self._ref(var_name(self.server, "password")) + f"@{host}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            new = []
            for k, v in pairs:
                if v and not is_reference(v) and (is_secret_key(k) or looks_like_token(v)):
                    v = self._ref(var_name(self.server, k))
                new.append((k, v))
            query = urlencode(new, safe="${}")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask(value: str) -> str:
    """For display: ${VAR} references stay readable; anything else that looks secret becomes ***."""
    if is_reference(value):
        return value
    return "***" if looks_like_token(value) else value


__all__ = [
    "SECRET_KEY",
    "Redactor",
    "is_reference",
    "is_secret_key",
    "looks_like_token",
    "mask",
    "normalize_refs",
    "var_name",
]
