"""Model providers, named 'provider/model': openai/..., anthropic/..., local/..., scripted/...

Provider modules are imported on first use of `get_provider` / `known_providers` (the SDKs are heavy to import).
"""

from mcpbench.models.base import (
                                  REGISTRY,
                                  Message,
                                  ModelError,
                                  ModelRequest,
                                  ModelResponse,
                                  ModelSettings,
                                  Provider,
                                  ToolSpec,
                                  provider,
                                  split_name,
)
from mcpbench.models.registry import configured_endpoints, get_provider, installed_local_models, known_providers
from mcpbench.models.retry import RetryPolicy

__all__ = ["REGISTRY", "Message", "ModelError", "ModelRequest", "ModelResponse", "ModelSettings", "Provider",
           "RetryPolicy", "ToolSpec", "configured_endpoints", "get_provider", "installed_local_models",
           "known_providers", "provider", "split_name"]
