"""Shared fixtures: the real data that lives beside the repository, never inside it."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Callable

import pytest


def pytest_configure(config) -> None:
    """Take Ctrl-C (SIGINT) as a terminal does, even when the suite was started in the background.

    A shell without job control (``cmd &`` in a script, as a CI runner may start the suite) starts it
    with SIGINT ignored, and every process it starts inherits that: the CLI that tests press Ctrl-C on
    would never see it, and servers the tests start behave unlike a user's. Measured: three tests
    (Ctrl-C on ``tune --workers``, on ``export``, and the browser's restart test) failed that way and
    only that way. Restoring Python's own handler here gives every child the default again."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)

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
