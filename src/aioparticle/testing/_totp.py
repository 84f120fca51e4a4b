"""One-time codes (RFC 6238 TOTP: SHA-1, 30-second steps, 6 digits), as authenticator apps and
Particle's MFA compute them; the local cloud checks them and tests compute them."""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

__all__ = ["STEP", "totp", "totp_matches"]

#: Seconds one code is valid for.
STEP = 30


def _key(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def totp(secret: str, at: float | None = None) -> str:
    """The 6-digit code of the base32 `secret` at time `at` (now by default)."""
    counter = int((time.time() if at is None else at) // STEP)
    digest = hmac.new(_key(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


def totp_matches(secret: str, code: str, *, at: float | None = None, window: int = 1) -> bool:
    """Whether `code` is the code of `secret` now, or up to `window` steps before or after
    (clocks drift)."""
    now = time.time() if at is None else at
    return any(
        hmac.compare_digest(totp(secret, now + step * STEP), code)
        for step in range(-window, window + 1)
    )
