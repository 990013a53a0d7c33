"""Keep tokens and client secrets out of log output (and expected HTTP errors out of sight).

Spotipy logs request headers (``Authorization: Bearer ...``, ``Basic ...``) and token
request bodies (refresh tokens, PKCE verifiers) at DEBUG. A filter on those loggers
rewrites every record before any handler sees it: known secret values and anything
shaped like a credential become ``[redacted]``. Spotipy also logs every HTTP error at
ERROR, including the ones we handle (the 403 that switches feature provider, the 401
we refresh after); those are lowered to DEBUG so the CLI's stderr shows only real news.
"""

from __future__ import annotations

import logging
import re
import threading

REDACTED = "[redacted]"
NOISY_LOGGERS = ("spotipy", "spotipy.client", "spotipy.oauth2", "spotipy.cache_handler", "spotipy.util",
                 "urllib3", "urllib3.connectionpool", "requests")

_CREDENTIAL_PATTERNS = (
    re.compile(r"(Bearer|Basic)\s+[A-Za-z0-9._~+/=\-]+"),
    re.compile(r"""(['"]?\b(?:access_token|refresh_token|code|code_verifier|client_secret)\b['"]?\s*[:=]\s*['"]?)"""
               r"""[^'",&\s}]+"""),
)
_known_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Remember a secret value (token, client secret) so it is redacted wherever it appears."""
    if value and len(value) >= 6:  # very short strings would redact ordinary words
        with _lock:
            _known_secrets.add(value)


def redact(text: str) -> str:
    text = _CREDENTIAL_PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _CREDENTIAL_PATTERNS[1].sub(lambda m: f"{m.group(1)}{REDACTED}", text)
    with _lock:
        secrets = sorted(_known_secrets, key=len, reverse=True)
    for secret in secrets:
        text = text.replace(secret, REDACTED)
    return text


class RedactSecrets(logging.Filter):
    """Rewrites a record's message with secrets removed (never drops the record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("spotipy") and record.levelno >= logging.ERROR and \
                str(record.msg).startswith(("HTTP Error for", "Max Retries")):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is the logging module's problem, not ours
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


_FILTER = RedactSecrets()


def install_redaction() -> None:
    """Attach the filter to the loggers that see credentials (idempotent)."""
    for name in NOISY_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
