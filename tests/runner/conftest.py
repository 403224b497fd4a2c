import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fixtures import toy_suite, write_config


@pytest.fixture
def world(tmp_path):
    """servers.yaml with the toy server and a 4-task toy suite: (config path, suite path)."""
    cfg = write_config(tmp_path / "servers.yaml")
    suite = tmp_path / "toy.jsonl"
    toy_suite(4).dump(suite)
    return cfg, suite
