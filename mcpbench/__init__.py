"""mcpbench: an MCP-native live-server benchmark orchestrator."""

__version__ = "0.1.0"
__all__ = ["__version__"]
