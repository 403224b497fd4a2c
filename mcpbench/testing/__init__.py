"""Test doubles that speak real protocols: a scripted OpenAI/Anthropic HTTP endpoint."""

from mcpbench.testing.fake_llm import FakeLLM, FakeTurn, RecordedRequest, load_fake_script

__all__ = ["FakeLLM", "FakeTurn", "RecordedRequest", "load_fake_script"]
