"""Deterministic randomness, Okta-like identifiers and timestamps.

Everything the emulator "randomises" is derived from ``blake2b(seed, *parts)`` so an org is a pure
function of its seed: the same seed always yields the same users, factors, ids and passcodes.
"""

from __future__ import annotations

import datetime as _dt
import hashlib

# Sorted in ASCII order, so fixed-width encodings sort like the numbers they encode.
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def digest(seed: int, *parts: object) -> bytes:
    """64 deterministic pseudo-random bytes for (seed, parts)."""
    h = hashlib.blake2b(repr((seed, *parts)).encode(), digest_size=64)
    return h.digest()


def rand_int(seed: int, *parts: object) -> int:
    return int.from_bytes(digest(seed, *parts)[:8], "big")


def rand_chars(data: bytes, n: int) -> str:
    """``n`` base62 characters taken from ``data`` (must hold at least ``n`` bytes)."""
    return "".join(ALPHABET[b % 62] for b in data[:n])


def encode_fixed(value: int, width: int) -> str:
    """Fixed-width base62 (ASCII-sortable) encoding of a non-negative int."""
    out = []
    for _ in range(width):
        value, r = divmod(value, 62)
        out.append(ALPHABET[r])
    if value:
        raise ValueError("value too large for width")
    return "".join(reversed(out))


def decode_fixed(text: str) -> int | None:
    value = 0
    for c in text:
        i = _INDEX.get(c)
        if i is None:
            return None
        value = value * 62 + i
    return value


def iso(ts: float) -> str:
    """Okta's timestamp format: UTC, millisecond precision, ``Z`` suffix."""
    dt = _dt.datetime.fromtimestamp(ts, tz=_dt.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_iso(text: str) -> float | None:
    """Parse an ISO-8601 timestamp (``Z`` or offset); None when it is not one."""
    try:
        dt = _dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_dt.timezone.utc)
    return dt.timestamp()
