"""Office passwords as slow salted hashes (scrypt, in the standard library).

The stored form names its parameters (``scrypt$n$r$p$salt$hash``), so they can be
raised later and old hashes still verify: :func:`needs_rehash` says when to re-hash at
the next sign-in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from functools import cache

#: 2**15 × 8 × 128 bytes = 32 MiB of memory and ~50–100 ms a hash on a small server:
#: cheap for one sign-in, ruinous for guessing millions of passwords from a stolen table.
N, R, P = 2**15, 8, 1
SALT_BYTES = 16
KEY_BYTES = 32
MAX_MEMORY = 64 * 1024 * 1024
#: Longer passwords are refused: hashing megabytes on request would be a cheap attack.
MAX_LENGTH = 1024


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=MAX_MEMORY,
        dklen=KEY_BYTES,
    )


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(SALT_BYTES)
    return f"scrypt${N}${R}${P}${_b64(salt)}${_b64(_scrypt(password, salt, N, R, P))}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` is the one ``stored`` was made from (constant-time compare)."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        got = _scrypt(password, base64.b64decode(salt), int(n), int(r), int(p))
    except ValueError:
        return False
    return hmac.compare_digest(got, expected)


def needs_rehash(stored: str) -> bool:
    return not stored.startswith(f"scrypt${N}${R}${P}$")


@cache
def dummy_hash() -> str:
    """Verified against when the user name is unknown, so a wrong name takes as long as
    a wrong password and timing does not tell which names exist (made once, on first use)."""
    return hash_password(secrets.token_urlsafe(16))
