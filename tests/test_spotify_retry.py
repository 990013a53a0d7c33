"""Bounded retrying: how patient we are, and when we refuse to repeat a call."""

from __future__ import annotations

import pytest
import requests

from pipeline.errors import UserError
from pipeline.spotify.retry import (RateLimited, RetryPolicy, ServiceUnavailable, call_with_retries,
                                 failure_of_requests_error)

TINY = RetryPolicy(retries=2, backoff=0.001, max_retry_after=0.01, timeout=1)


def failing(*errors):
    """A call that raises ``errors`` in turn, then answers "done"; counts its calls."""
    calls = []

    def call():
        calls.append(1)
        if len(calls) <= len(errors):
            raise errors[len(calls) - 1]
        return "done"
    return call, calls


def http_error(status: int, retry_after: str | None = None) -> requests.HTTPError:
    response = requests.Response()
    response.status_code = status
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return requests.HTTPError(response=response)


def test_the_policy_comes_from_the_environment_and_bad_values_are_named():
    policy = RetryPolicy.from_env({"PLAYLIST_ENHANCER_MAX_RETRY_AFTER": "5", "PLAYLIST_ENHANCER_RETRIES": "1"})
    assert (policy.max_retry_after, policy.retries, policy.backoff) == (5.0, 1, 0.5)
    with pytest.raises(UserError, match="PLAYLIST_ENHANCER_BACKOFF must be a number, not 'soon'"):
        RetryPolicy.from_env({"PLAYLIST_ENHANCER_BACKOFF": "soon"})


def test_transient_failures_are_retried_until_the_call_succeeds():
    call, calls = failing(http_error(503), requests.ConnectionError())
    assert call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error) == "done"
    assert len(calls) == 3


def test_a_write_that_may_have_happened_is_not_repeated_but_a_refused_one_is():
    call, calls = failing(http_error(500))
    with pytest.raises(ServiceUnavailable, match="tried once"):
        call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error, replayable=False)
    assert len(calls) == 1
    call, calls = failing(http_error(429, "0"))
    assert call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error,
                             replayable=False) == "done"


def test_a_wait_beyond_the_cap_is_reported_in_minutes_without_waiting():
    call, calls = failing(http_error(429, "7200"))
    with pytest.raises(RateLimited, match="X asks us to wait 120 minutes") as stopped:
        call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error)
    assert stopped.value.wait_seconds == 7200 and len(calls) == 1


def test_other_errors_pass_through_untouched():
    call, calls = failing(http_error(404))
    with pytest.raises(requests.HTTPError):
        call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error)
    assert len(calls) == 1
