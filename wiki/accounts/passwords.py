"""Password hashes: argon2id with argon2-cffi's defaults (RFC 9106's low-memory profile)."""
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 8
MAX_LENGTH = 200            # argon2 takes any length; a cap keeps a hostile form from costing CPU
_hasher = PasswordHasher()
# Verifying against this when the account does not exist takes as long as a real check: the
# time of an answer does not tell whether a username exists.
_DUMMY = _hasher.hash("bocage-dummy-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored: str, password: str) -> bool:
    if not password or len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored or _DUMMY, password) and bool(stored)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return bool(stored) and _hasher.check_needs_rehash(stored)
