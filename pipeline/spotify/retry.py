"""Bounded retrying for web services (Spotify, ReccoBeats): never hang, never lose progress.

A 429 is honoured by sleeping for its ``Retry-After`` only up to a cap (Spotify has been
seen asking for hours); past the cap we stop with `RateLimited` so the caller's cache keeps
what was fetched and the next run resumes. 5xx answers and dropped connections get a few
retries with exponential backoff, then `ServiceUnavailable`.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from typing import Callable, Mapping, NamedTuple, TypeVar

import requests

from pipeline.errors import UserError

logger = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How patient to be. Tests shrink every number; the defaults suit a person waiting."""

    retries: int = 3
    backoff: float = 0.5
    max_retry_after: float = 30.0
    timeout: float = 15.0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "RetryPolicy":
        """Read ``PLAYLIST_ENHANCER_{RETRIES,BACKOFF,MAX_RETRY_AFTER,HTTP_TIMEOUT}``."""
        env = os.environ if env is None else env
        defaults = cls()
        return cls(
            retries=int(_number(env, "PLAYLIST_ENHANCER_RETRIES", defaults.retries)),
            backoff=_number(env, "PLAYLIST_ENHANCER_BACKOFF", defaults.backoff),
            max_retry_after=_number(env, "PLAYLIST_ENHANCER_MAX_RETRY_AFTER", defaults.max_retry_after),
            timeout=_number(env, "PLAYLIST_ENHANCER_HTTP_TIMEOUT", defaults.timeout),
        )


class RateLimited(UserError):
    """The service asked us to wait longer than we are willing to sleep."""

    def __init__(self, service: str, wait_seconds: float) -> None:
        self.service, self.wait_seconds = service, wait_seconds
        super().__init__(f"{service} asks us to wait {describe_wait(wait_seconds)}; progress is saved: "
                         "run the same command again after that")


class ServiceUnavailable(UserError):
    """The service kept failing (5xx, timeouts, dropped connections) after every retry."""

    def __init__(self, service: str, problem: str, attempts: int) -> None:
        self.service, self.problem, self.attempts = service, problem, attempts
        tries = "once" if attempts == 1 else f"{attempts} times"
        super().__init__(f"{service} is not answering properly ({problem}; tried {tries}); "
                         "progress is saved: run the same command again later")


class Failure(NamedTuple):
    """A failed call reduced to what retrying needs: HTTP status (None: no answer) and Retry-After."""

    status: int | None
    retry_after: float | None = None
    problem: str = ""


def describe_wait(seconds: float) -> str:
    if seconds < 90:
        return f"{math.ceil(seconds)} seconds"
    return f"{math.ceil(seconds / 60)} minutes"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (the delta-seconds form Spotify and ReccoBeats send)."""
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def failure_of_requests_error(error: BaseException) -> Failure | None:
    """Classify a `requests` exception; None when retrying cannot help."""
    if isinstance(error, requests.HTTPError) and error.response is not None:
        return failure_of_status(error.response.status_code, error.response.headers)
    if isinstance(error, (requests.ConnectionError, requests.Timeout)):
        return Failure(None, None, type(error).__name__)
    return None


def failure_of_status(status: int, headers: Mapping[str, str] | None) -> Failure | None:
    if status == 429:
        return Failure(429, parse_retry_after((headers or {}).get("Retry-After")), "HTTP 429")
    if status >= 500:
        return Failure(status, None, f"HTTP {status}")
    return None


def call_with_retries(attempt: Callable[[], T], *, service: str, policy: RetryPolicy,
                      failure_of: Callable[[BaseException], Failure | None],
                      replayable: bool = True) -> T:
    """Return ``attempt()``, retrying 429s (within the cap) and transient failures.

    ``replayable=False`` is for writes that may have been applied even though the answer
    was lost (5xx, timeouts): those are not repeated, because repeating could duplicate;
    a 429 is always safe to repeat since the service refused the request.
    Raises `RateLimited` or `ServiceUnavailable`; other errors pass through unchanged.
    """
    attempts = 0
    while True:
        attempts += 1
        try:
            return attempt()
        except Exception as error:  # classified below; anything unknown is re-raised
            failure = failure_of(error)
            if failure is None:
                raise
        retries_left = policy.retries - (attempts - 1)
        if failure.status == 429:
            wait = policy.backoff if failure.retry_after is None else failure.retry_after
            if wait > policy.max_retry_after or retries_left <= 0:
                raise RateLimited(service, wait) from None
        else:
            if not replayable or retries_left <= 0:
                raise ServiceUnavailable(service, failure.problem, attempts) from None
            wait = policy.backoff * 2 ** (attempts - 1)
        logger.warning("%s answered %s; retrying in %.2f s (%d retries left)",
                       service, failure.problem, wait, retries_left - 1)
        time.sleep(wait)


def _number(env: Mapping[str, str], name: str, default: float) -> float:
    text = env.get(name, "").strip()
    if not text:
        return float(default)
    try:
        value = float(text)
    except ValueError:
        raise UserError(f"environment variable {name} must be a number, not '{text}'") from None
    if value < 0:
        raise UserError(f"environment variable {name} must not be negative ({text})")
    return value
