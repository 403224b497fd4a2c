"""`mcpbench check`: a compatibility report card for MCP server developers.

Observe a live server (handshakes, listings, generated calls, a raw stdout scan), then judge the observations with
registered checks (protocol, schemas, robustness, security; usability with a model). See docs/check.md for every
check id, its severity and why it matters.
"""

from mcpbench.check import protocol, quality, robustness, schemas, security  # noqa: F401 — registers judges
from mcpbench.check.model import (
                                  CheckInfo,
                                  CheckReport,
                                  CheckResult,
                                  FailOn,
                                  Observations,
                                  Status,
                                  ToolReport,
                                  Verdict,
                                  check,
                                  checks,
                                  judge,
)
from mcpbench.check.runner import CheckOptions, build_report, observe, run_check
from mcpbench.check.target import ConnectFailed, Target
from mcpbench.check.usability import usability

__all__ = ["CheckInfo", "CheckOptions", "CheckReport", "CheckResult", "ConnectFailed", "FailOn", "Observations",
           "Status", "Target", "ToolReport", "Verdict", "build_report", "check", "checks",
           "judge", "observe", "run_check", "usability"]
