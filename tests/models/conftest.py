"""The local-model fixtures (fake wheels, a fake llama-server, a home with a fake model) for every test here."""

from test_local_model import fake_binary, fake_home, fake_model  # noqa: F401 - re-exported fixtures
