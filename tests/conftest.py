"""Shared fixtures: the real data that lives beside the repository, never inside it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
"""Real exports of real libraries (see its README.md); ``../shared/data`` from the repo root."""


def shared_data_path(*parts: str) -> Path:
    """Path to real data under `SHARED_DATA`; fails the test in CI when it is missing, else skips it."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        message = f"real data missing: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def shared_data() -> Callable[..., Path]:
    """``shared_data("exportify-deadda7a-2021")`` -> that folder, or fail (CI) / skip when it is missing."""
    return shared_data_path
