"""Bounded retrying for web services (Spotify, ReccoBeats): never hang, never lose progress.

Two budgets, because the two kinds of trouble differ:

- A 429 ("too many requests") is waited out while the *total* wait stays within
  `RetryPolicy.max_retry_after` (Spotify has been seen asking for hours). ``Retry-After`` is read
  in both forms (seconds, or an HTTP date); without one (or with garbage) we back off
  exponentially from `RetryPolicy.backoff`. Past the cap we stop with `RateLimited`, so the
  caller's cache keeps what was fetched and the next run resumes.
- 5xx answers and dropped connections get `RetryPolicy.retries` retries with exponential
  backoff, then `ServiceUnavailable`.

Environment variables (see `RetryPolicy.from_env`): ``PLAYLIST_ENHANCER_RETRIES`` (5xx retries),
``PLAYLIST_ENHANCER_BACKOFF`` (first backoff, seconds), ``PLAYLIST_ENHANCER_MAX_RETRY_AFTER`` (most
seconds spent waiting out 429s per call) and ``PLAYLIST_ENHANCER_HTTP_TIMEOUT`` (seconds per request).
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Mapping, NamedTuple, TypeVar

import requests

from pipeline.errors import UserError

logger = logging.getLogger(__name__)
T = TypeVar("T")
MIN_RATE_LIMIT_WAIT = 0.1
"""Seconds a 429 costs at least (a ``Retry-After: 0`` loop still ends at the cap)."""
sleep: Callable[[float], None] = time.sleep
"""How retrying waits; tests replace it to record the waits instead of sitting through them."""


@dataclass(frozen=True)
class RetryPolicy:
    """How patient to be. Tests shrink every number; the defaults suit a person waiting.

    retries: retries after a 5xx or a dropped connection (each waits ``backoff * 2**n``).
    backoff: the first of those waits, and of the waits after a 429 that names none.
    max_retry_after: most seconds spent waiting out 429s in one call, all waits together.
    timeout: seconds before one request counts as dropped.
    """

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
    """The service asked us to wait longer than we are willing to sleep.

    ``wait_seconds`` is what it asked for, None when it never said (``waited``: how long we waited);
    ``summary`` is the message without the advice, for a warning that names several problems.
    """

    def __init__(self, service: str, wait_seconds: float | None, waited: float = 0.0) -> None:
        self.service, self.wait_seconds, self.waited = service, wait_seconds, waited
        if wait_seconds is not None:
            self.summary = f"{service} asks us to wait {describe_wait(wait_seconds)}"
            advice = "run the same command again after that"
        else:
            patience = f" (we waited {describe_wait(waited)})" if waited > 0 else ""
            self.summary = f"{service} keeps answering 'too many requests' without saying for how long{patience}"
            advice = "run the same command again in a few minutes"
        super().__init__(f"{self.summary}; progress is saved: {advice}")


class ServiceUnavailable(UserError):
    """The service kept failing (5xx, timeouts, dropped connections) after every retry."""

    def __init__(self, service: str, problem: str, attempts: int) -> None:
        self.service, self.problem, self.attempts = service, problem, attempts
        tries = "once" if attempts == 1 else f"{attempts} times"
        self.summary = f"{service} is not answering properly ({problem}; tried {tries})"
        super().__init__(f"{self.summary}; progress is saved: run the same command again later")


class Failure(NamedTuple):
    """A failed call reduced to what retrying needs: HTTP status (None: no answer) and Retry-After."""

    status: int | None
    retry_after: float | None = None
    problem: str = ""


def describe_wait(seconds: float) -> str:
    """``seconds`` rounded up for a person: "1 second", "45 seconds", "120 minutes", "3 hours"."""
    if seconds < 90:
        return _count(math.ceil(seconds), "second")
    if seconds < 3 * 3600:
        return _count(math.ceil(seconds / 60), "minute")
    return _count(math.ceil(seconds / 3600), "hour")


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None when absent or garbage."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


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
    """Return ``attempt()``, waiting out 429s (all waits within the cap) and retrying transient failures.

    ``replayable=False`` is for writes that may have been applied even though the answer
    was lost (5xx, timeouts): those are not repeated, because repeating could duplicate;
    a 429 is always safe to repeat since the service refused the request.
    Raises `RateLimited` or `ServiceUnavailable`; other errors pass through unchanged.
    """
    attempts = failures = unnamed_waits = 0
    waited = 0.0
    while True:
        attempts += 1
        try:
            return attempt()
        except Exception as error:  # classified below; anything unknown is re-raised
            failure = failure_of(error)
            if failure is None:
                raise
        if failure.status == 429:
            if failure.retry_after is None:
                wait = max(policy.backoff * 2 ** unnamed_waits, MIN_RATE_LIMIT_WAIT)
                unnamed_waits += 1
            else:
                wait = max(failure.retry_after, MIN_RATE_LIMIT_WAIT)
            if waited + wait > policy.max_retry_after:
                raise RateLimited(service, None if failure.retry_after is None else wait, waited) from None
            waited += wait
            logger.warning("%s answered HTTP 429; waiting %.2f s (%.2f of at most %.2f s)",
                           service, wait, waited, policy.max_retry_after)
        else:
            failures += 1
            if not replayable or failures > policy.retries:
                raise ServiceUnavailable(service, failure.problem, attempts) from None
            wait = policy.backoff * 2 ** (failures - 1)
            logger.warning("%s answered %s; retrying in %.2f s (%d retries left)",
                           service, failure.problem, wait, policy.retries - failures)
        sleep(wait)


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
