"""Bounded retrying: how patient we are, and when we refuse to repeat a call."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import requests

from pipeline.errors import UserError
from pipeline.spotify import retry
from pipeline.spotify.retry import (RateLimited, RetryPolicy, ServiceUnavailable, call_with_retries,
                                    describe_wait, failure_of_requests_error, parse_retry_after)

TINY = RetryPolicy(retries=2, backoff=0.001, max_retry_after=1, timeout=1)
PATIENT = RetryPolicy(retries=3, backoff=0.5, max_retry_after=30, timeout=1)  # the defaults


@pytest.fixture(autouse=True)
def waits(monkeypatch) -> list[float]:
    """Every wait retrying asked for, in order; nobody actually waits."""
    asked: list[float] = []
    monkeypatch.setattr(retry, "sleep", asked.append)
    return asked


def retried(call, policy=PATIENT, **options):
    return call_with_retries(call, service="X", policy=policy, failure_of=failure_of_requests_error, **options)


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


def test_a_wait_beyond_the_cap_is_reported_in_minutes_without_waiting(waits):
    call, calls = failing(http_error(429, "7200"))
    with pytest.raises(RateLimited, match="X asks us to wait 120 minutes") as stopped:
        call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error)
    assert stopped.value.wait_seconds == 7200 and len(calls) == 1 and waits == []


def test_four_short_rate_limits_far_under_the_cap_are_all_waited_out(waits):
    call, calls = failing(*[http_error(429, "2")] * 4)

    assert retried(call) == "done"

    assert waits == [2, 2, 2, 2] and len(calls) == 5


def test_rate_limit_waits_count_together_against_the_cap(waits):
    call, calls = failing(*[http_error(429, "12")] * 4)

    with pytest.raises(RateLimited) as stopped:
        retried(call)

    assert waits == [12, 12]  # a third would make 36 s, over the 30 s cap
    assert str(stopped.value) == ("X asks us to wait 12 seconds; progress is saved: "
                                  "run the same command again after that")


def test_rate_limits_do_not_use_up_the_retries_for_server_errors(waits):
    call, calls = failing(http_error(429, "1"), http_error(429, "1"), http_error(500), http_error(502),
                          requests.ConnectionError())

    assert retried(call) == "done"

    assert waits == [1, 1, 0.5, 1, 2]
    call, calls = failing(*[http_error(503)] * 4)
    with pytest.raises(ServiceUnavailable, match=r"HTTP 503; tried 4 times"):
        retried(call)


def test_a_rate_limit_without_retry_after_backs_off_and_says_it_was_not_told_how_long(waits):
    call, calls = failing(*[http_error(429)] * 10)

    with pytest.raises(RateLimited) as stopped:
        retried(call)

    assert waits == [0.5, 1, 2, 4, 8]  # the next, 16 s, would pass the 30 s cap
    assert stopped.value.wait_seconds is None
    assert str(stopped.value) == ("X keeps answering 'too many requests' without saying for how long "
                                  "(we waited 16 seconds); progress is saved: run the same command again "
                                  "in a few minutes")


def test_retry_after_is_read_as_seconds_or_as_an_http_date_and_garbage_means_back_off(waits):
    noon = datetime(2015, 10, 21, 12, 0, tzinfo=timezone.utc)
    assert parse_retry_after("Wed, 21 Oct 2015 12:28:00 GMT", now=noon) == 28 * 60
    assert parse_retry_after("Wed, 21 Oct 2015 11:00:00 GMT", now=noon) == 0  # already past
    assert parse_retry_after(" 3 ") == 3
    for garbage in ("soon", "", "-5", "nan", "inf", "1e999"):
        assert parse_retry_after(garbage) is None

    in_two_hours = format_datetime(datetime.now(timezone.utc) + timedelta(hours=2), usegmt=True)
    with pytest.raises(RateLimited, match="X asks us to wait 120 minutes"):
        retried(failing(http_error(429, in_two_hours))[0])
    assert waits == []
    assert retried(failing(http_error(429, "soon"))[0]) == "done"
    assert waits == [PATIENT.backoff]


@pytest.mark.parametrize("seconds, said", [
    (0.3, "1 second"), (1, "1 second"), (2, "2 seconds"), (89, "89 seconds"), (90, "2 minutes"),
    (61 * 60, "61 minutes"), (7200, "120 minutes"), (3 * 3600, "3 hours"), (5.5 * 3600, "6 hours")])
def test_waits_are_described_with_the_right_plural(seconds, said):
    assert describe_wait(seconds) == said


def test_a_one_second_wait_is_not_one_seconds():
    assert str(RateLimited("X", 1)).startswith("X asks us to wait 1 second;")


def test_other_errors_pass_through_untouched():
    call, calls = failing(http_error(404))
    with pytest.raises(requests.HTTPError):
        call_with_retries(call, service="X", policy=TINY, failure_of=failure_of_requests_error)
    assert len(calls) == 1
