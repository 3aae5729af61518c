"""Keeping secrets out of logs, reprs and exception text.

Two layers, both cheap:

* :func:`redact` rewrites ``SSWS <token>`` / ``Bearer <token>`` / ``client_assertion=...`` /
  ``access_token`` patterns and every secret registered with :func:`register_secret` to ``***``.
  The error choke point (:mod:`okta_dbapi.http.errors`) runs every message through it.
* :class:`RedactingFilter` applies :func:`redact` to log records of the ``okta_dbapi`` logger;
  :func:`install_log_filter` attaches it once (the client does so on construction). Records
  are only touched when they are actually emitted, so disabled DEBUG logging costs nothing.

Secrets are registered by value (the API token, an OAuth access token, a private key) in a
process-wide set; registering the same value twice is harmless. Values shorter than 6
characters are ignored: replacing them would mangle ordinary text and they are not real tokens.
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "***"
LOGGER_NAME = "okta_dbapi"
_MIN_SECRET_LEN = 6

_lock = threading.Lock()
_secrets: frozenset[str] = frozenset()

# "SSWS 00abc...", "Bearer eyJ...", "Authorization: xyz", JSON/form fields carrying tokens.
_PATTERNS = (
    re.compile(r"(?i)\b(SSWS|Bearer)\s+[^\s'\",;]+"),
    re.compile(r"(?i)(authorization['\"]?\s*[:=]\s*['\"]?)(?!(?:SSWS|Bearer)\s)[^\s'\",;]+"),
    re.compile(
        r"(?i)((?:access_token|client_assertion|private_key|privateKey|token)['\"]?\s*[:=]\s*['\"]?)"
        r"[^\s'\",;&]{6,}"
    ),
)


def register_secret(value: str | None) -> None:
    """Remember ``value`` so that :func:`redact` masks it wherever it appears."""
    global _secrets
    if not value or len(value) < _MIN_SECRET_LEN:
        return
    with _lock:
        if value not in _secrets:
            # Longest first, so a secret containing another is masked whole.
            _secrets = frozenset((*_secrets, value))


def redact(text: str) -> str:
    """Return ``text`` with tokens, Authorization values and registered secrets masked."""
    if not text:
        return text
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {MASK}", text)
    text = _PATTERNS[1].sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{MASK}", text)


def mask(value: str | None) -> str:
    """How a secret field shows in a repr: ``'***'`` when set, ``None`` otherwise."""
    return repr(MASK) if value else "None"


class RedactingFilter(logging.Filter):
    """A logging filter that masks secrets in the formatted message of each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return True
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg = cleaned
            record.args = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


_installed = False


def install_log_filter(logger_name: str = LOGGER_NAME) -> None:
    """Attach one :class:`RedactingFilter` to the driver's logger (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        logging.getLogger(logger_name).addFilter(RedactingFilter())
        _installed = True


__all__ = [
    "MASK",
    "RedactingFilter",
    "install_log_filter",
    "mask",
    "redact",
    "register_secret",
]
