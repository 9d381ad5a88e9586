"""PIN hashing: salted scrypt, so a stolen database does not give away the PINs."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from kiosk.domain.errors import ValidationError

_N, _R, _P = 2**14, 8, 1


def check_pin_format(pin: str) -> None:
    if not isinstance(pin, str) or not (pin.isascii() and pin.isdigit()) or not 4 <= len(pin) <= 8:
        raise ValidationError("A PIN is 4 to 8 digits.", field="pin")


def hash_pin(pin: str) -> str:
    check_pin_format(pin)
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def verify_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt" or not isinstance(pin, str):
        return False
    candidate = hashlib.scrypt(
        pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(candidate, base64.b64decode(digest))
