"""The project's own suite: checks that every operation keapsim implements has a test
(tests/support/operation_hits.py). Not part of the user-facing pytest plugin."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.operation_hits import OperationHits, add_option

TESTS_DIR = Path(__file__).resolve().parent


def pytest_addoption(parser: pytest.Parser) -> None:
    add_option(parser)


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("keapsim-operation-hits"):
        config.pluginmanager.register(OperationHits(config, TESTS_DIR), "keapsim-operation-hits")
