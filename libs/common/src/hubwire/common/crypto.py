"""Secrets at rest: encryption for what must be read back, argon2 for the rest.

API keys, app passwords, destination passwords and signing secrets are
encrypted (Fernet, key derived from ``HUBWIRE_SECRET_KEY``; previous keys keep
decrypting during a rotation). Admin passwords and API passwords are hashed
with argon2 and can never be read back. Bearer tokens are random and stored as
their SHA-256 only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from hubwire.common.errors import HubwireError

_hasher = PasswordHasher()


def configure_password_hashing(
    *, time_cost: int, memory_cost_kib: int, parallelism: int = 1
) -> None:
    """Set the argon2 cost for new hashes (stored hashes carry their own
    parameters and keep verifying). Tests lower it; production keeps the
    argon2-cffi defaults (RFC 9106 low-memory profile)."""
    global _hasher
    _hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
    )


class SecretBox:
    """Encrypts and decrypts small secrets with the service's key(s)."""

    def __init__(self, key: str, *, previous: Iterable[str] = ()) -> None:
        keys = [key, *[k for k in previous if k]]
        self._fernet = MultiFernet([Fernet(_derive(k)) for k in keys])

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise HubwireError("a stored secret could not be decrypted") from exc


def _derive(key: str) -> bytes:
    digest = hashlib.sha256(b"hubwire-secretbox:" + key.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verifying against this keeps the time of a login with an unknown user close
# to that of a wrong password, so usernames cannot be probed by timing.
DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def new_token(prefix: str, nbytes: int = 32) -> str:
    return f"{prefix}_{secrets.token_urlsafe(nbytes)}"


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
