"""A small IPv4 planning server (stdio) for tests: every tool takes an address, a network or a netmask, under names
with no description (`network_base`, `block`, `mask`), as registry calculators often do.

Before the address kinds, no parameter here could be filled and synthesis made no candidate at all."""

import ipaddress
import json

from mcp.server.mcpserver import MCPServer

mcp = MCPServer("netplan", version="0.1.0")


@mcp.tool()
def block_for_hosts(network_base: str, host_count: int) -> str:
    """Plan the smallest IPv4 block starting at a base IP that fits the hosts needed."""
    base = ipaddress.IPv4Address(network_base)
    prefix = 32
    while prefix > 0 and 2 ** (32 - prefix) - 2 < host_count:
        prefix -= 1
    net = ipaddress.IPv4Network(f"{base}/{prefix}", strict=False)
    return json.dumps({"network_address": str(net.network_address), "netmask": str(net.netmask),
                       "prefix_length": prefix, "first_host": str(net.network_address + 1),
                       "usable_hosts": max(0, net.num_addresses - 2)}, indent=2)


@mcp.tool()
def mask_details(ip_address: str, mask: str) -> str:
    """Network details of an IP address under a netmask."""
    net = ipaddress.IPv4Network(f"{ip_address}/{mask}", strict=False)
    return json.dumps({"network_address": str(net.network_address), "broadcast": str(net.broadcast_address),
                       "address_count": net.num_addresses}, indent=2)


@mcp.tool()
def address_in_block(address: str, block: str) -> str:
    """Check whether an IPv4 address lies inside a subnet."""
    net = ipaddress.IPv4Network(block, strict=False)
    ip = ipaddress.IPv4Address(address)
    return json.dumps({"inside": ip in net, "network_address": str(net.network_address),
                       "netmask": str(net.netmask), "address_count": net.num_addresses}, indent=2)


if __name__ == "__main__":
    mcp.run()
