"""Shared fixtures: the bundled plan pack and its index, and paths the tests own."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
EXAMPLES = REPO / "examples"


@pytest.fixture(scope="session")
def pack():
    from mineplan.pack import load_pack

    return load_pack()


@pytest.fixture(scope="session")
def index(pack):
    from mineplan.index import index_for

    return index_for(pack)
