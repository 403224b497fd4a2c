"""Addresses: parameters that take an IPv4 address, an IPv4 network (CIDR), a netmask or an e-mail address, with
values from Brightwater's world and the words a person says them with.

A parameter takes one of these kinds by its name (`ip_address`, `network`, `subnet_mask`, `email`), its description
("IPv4 address", "CIDR", "e-mail"), or its JSON-schema `format` (`ipv4`, `email`). A tool about e-mail often names
its parameters after their role only (`to`, `cc`, `sender`): a string parameter named that way, of a tool whose
description speaks of e-mail or messages, takes e-mail addresses (`assign`).

Values (docs/world.md, "Addresses"): each office's network and one host on it (`OFFICE_NETWORKS`), and the people's
addresses from the operations database (`employees.email`, on the reserved domain brightwater.example). They are
said as a person would: "the Lisbon office network 10.20.0.0/16", "the Denver file server 10.30.9.40", "Marta
Quintela's address marta.quintela@brightwater.example" (`words`); values read from an output are said as they are.
"""

from __future__ import annotations

import ipaddress
import re
from functools import cache
from typing import TYPE_CHECKING, Any

from task_synth.kinds import Kind, register_kind

if TYPE_CHECKING:
    from mcpbench.catalog import ToolEntry
    from task_synth.artifacts import ToolGraph

OFFICE_NETWORKS: tuple[tuple[str, str, str], ...] = (
    ("Lisbon", "10.20.0.0/16", "10.20.4.17"),
    ("Denver", "10.30.8.0/22", "10.30.9.40"),
    ("Singapore", "10.40.16.0/24", "10.40.16.25"),
    ("Auckland", "192.168.50.0/24", "192.168.50.12"),
)
"""(office, its network, the office file server's address on it): Brightwater's private (RFC 1918) networks."""

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"


def _is_mask(value: str) -> bool:
    """A dotted netmask: ones then zeros (255.255.252.0), not all zeros."""
    try:
        bits = int(ipaddress.IPv4Address(value))
    except ValueError:
        return False
    inverted = (~bits) & 0xFFFFFFFF
    return bits != 0 and (inverted & (inverted + 1)) == 0


def _host(text: str, start: int, end: int) -> bool:
    """An address, not a mask (255.255.255.0), a wildcard mask (0.0.0.255) or a dotted binary/version string."""
    v = text[start:end]
    return not _is_mask(v) and not v.startswith("0.") and text[end:end + 1] != "/"


def _mask(text: str, start: int, end: int) -> bool:
    return _is_mask(text[start:end])


def masks() -> list[str]:
    """The offices' netmasks, in the order of OFFICE_NETWORKS, each once."""
    return list(dict.fromkeys(str(ipaddress.IPv4Network(n).netmask) for _, n, _ in OFFICE_NETWORKS))


@cache
def people_addresses() -> tuple[tuple[str, str], ...]:
    """(name, e-mail address) of Brightwater's people, from the world's operations database, in id order."""
    from task_synth.topics import _rows

    return tuple((str(n), str(e)) for n, e in _rows("SELECT name, email FROM employees ORDER BY employee_id"))


register_kind(Kind("ipv4", IPV4,
                   params=r"(?:\w+_)?ip(?:v4)?(?:_?addr(?:ess)?)?|(?:host|device|server|gateway|source|dest\w*)_?ip|"
                          r"network_?(?:base|address|addr)|base_?ip|ip_?addr",
                   described=r"\bIP(?:v4)? address\b|\bIPv4\b",
                   find=rf"(?<![\d.])({IPV4})(?![\d/]|\.\d)", accept=_host,
                   produced_by=r"\bip(?:v4)?[ _]?address|\bipv4\b|first[ _]usable|gateway",
                   seeds=(*(h for _, _, h in OFFICE_NETWORKS), *(n.split("/")[0] for _, n, _ in OFFICE_NETWORKS)),
                   noun="address", param_described=r"\bIP(?:v4)? address\b|\bbase IP\b"))
register_kind(Kind("ipv4_network", rf"{IPV4}/(?:3[0-2]|[12]?\d)",
                   params=r"(?:\w+_)?(?:cidr|cidr_?block|ip_?range|subnet_?cidr|network_?cidr)",
                   described=r"\bCIDR\b",
                   find=rf"(?<![\d.])({IPV4}/(?:3[0-2]|[12]?\d))(?![\d])",
                   produced_by=r"\bcidr notation\b", seeds=tuple(n for _, n, _ in OFFICE_NETWORKS),
                   noun="network", param_described=r"\bCIDR\b|\be\.g\.,? \d+\.\d+\.\d+\.\d+/\d"))
register_kind(Kind("netmask", IPV4, params=r"(?:\w+_)?(?:net|subnet)_?mask|netmask", described=r"\bmask\b",
                   find=rf"(?<![\d.])({IPV4})(?![\d/]|\.\d)", accept=_mask, produced_by=r"\b(?:subnet|net)[ _]?mask",
                   seeds=tuple(masks()), noun="netmask", param_described=r"\b(?:subnet|net) ?mask\b"))
register_kind(Kind("email", EMAIL,
                   params=r"(?:\w+_)?e_?mail(?:_?addr(?:ess)?)?s?|(?:to|from|cc|bcc|reply_?to|sender|recipient)_?"
                          r"(?:e_?mail|addr(?:ess)?)",
                   described=r"\be-?mail\b",
                   find=rf"(?<![\w.@-])({EMAIL})(?![\w@-])", produced_by=r"\be-?mail(?:[ _]address)?\b",
                   seeds=tuple(e for _, e in people_addresses()), noun="e-mail address",
                   param_described=r"\be-?mail address\b|\brecipient(?:'s)? (?:e-?mail )?address\b"))

FORMATS = {"ipv4": "ipv4", "email": "email", "idn-email": "email"}
"""JSON-schema `format` values that name one of these kinds."""

_ROLES = (("email", re.compile(r"to|from|cc|bcc|reply_?to|sender|recipients?|from_?address|to_?address",
                               re.IGNORECASE),
           re.compile(r"\be-?mails?\b|\bmailbox\b|\brecipient\b|\binbox\b", re.IGNORECASE)),
          ("ipv4_network", re.compile(r"(?:\w+_)?(?:network|subnet|net|block|range)", re.IGNORECASE),
           re.compile(r"\bIP(?:v4)?\b|\bsubnets?\b|\bCIDR\b|\bnetmask\b", re.IGNORECASE)),
          ("netmask", re.compile(r"(?:\w+_)?mask", re.IGNORECASE),
           re.compile(r"\bIP(?:v4)?\b|\bsubnets?\b|\bCIDR\b|\bnetmask\b", re.IGNORECASE)),
          ("ipv4", re.compile(r"(?:\w+_)?(?:address|host|base|gateway)", re.IGNORECASE),
           re.compile(r"\bIP(?:v4)?\b|\bsubnets?\b|\bCIDR\b|\bnetmask\b", re.IGNORECASE)))
"""(kind, parameter names that say only a role, words of a tool about that kind): `to` of a tool about e-mail is an
address, `network` of a tool about IP subnets a network, `mask` a netmask; never of a tool about anything else (a
blockchain's `network`, an image's `mask`)."""


def role_kind(param: str, schema: dict[str, Any], tool_words: str) -> str | None:
    """The address kind a string parameter named only by its role takes, from what its tool is about; None when it
    is not one."""
    if "enum" in schema or schema.get("type") not in ("string", None):
        return None
    for kind, names, about in _ROLES:
        if names.fullmatch(param) and about.search(tool_words):
            return kind
    return None


def assign(graph: ToolGraph, entries: list[ToolEntry]) -> None:
    """Give role-named string parameters (`to`, `cc`, `network`, `mask`) of tools about e-mail or IP networks their
    address kind (graph.init_graph calls it once)."""
    by_key = {f"{e.server}/{e.name}": e for e in entries}
    for node in graph.nodes:
        entry = by_key.get(node.key)
        if entry is None:
            continue
        props = (entry.input_schema or {}).get("properties") or {}
        for p, k in node.params.items():
            if k is None and (kind := role_kind(p, props.get(p) or {}, f"{entry.description} {entry.name}")):
                node.params[p] = kind


def words(kind: str, value: Any) -> str:
    """A value of these kinds as a person says it: with the office or person it belongs to when it is one of the
    world's ("the Lisbon office network 10.20.0.0/16"), else as it is."""
    v = str(value)
    for office, net, host in OFFICE_NETWORKS:
        if kind == "ipv4_network" and v == net:
            return f"the {office} office network {v}"
        if kind == "ipv4" and v == host:
            return f"the {office} file server {v}"
        if kind == "ipv4" and v == net.split("/")[0]:
            return f"the {office} office network address {v}"
        if kind == "netmask" and v == str(ipaddress.IPv4Network(net).netmask):
            return f"the {office} office netmask {v}"
    if kind == "email":
        for name, address in people_addresses():
            if v == address:
                return f"{name} ({v})"
    return v


KINDS = ("ipv4", "ipv4_network", "netmask", "email")


def ordered(kind: str, param: str, values: list[Any]) -> list[Any]:
    """Of VALUES, those the parameter's name makes likely: for an IPv4 address named like a network's base or address
    (`network_base`) the networks' own addresses (10.20.0.0), for any other a host's (10.20.4.17); all of them when
    none fit. Other kinds unchanged."""
    if kind != "ipv4":
        return values
    wants_net = bool(re.search(r"network|base|subnet|net_", param, re.IGNORECASE))
    nets = {n.split("/")[0] for _, n, _ in OFFICE_NETWORKS}
    return [v for v in values if (v in nets) == wants_net] or values


__all__ = ["EMAIL", "FORMATS", "IPV4", "KINDS", "OFFICE_NETWORKS", "assign", "masks", "ordered", "people_addresses",
           "role_kind", "words"]
