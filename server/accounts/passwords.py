"""Password hashing with argon2id; hashing runs off the event loop (it is meant to be slow)."""

from __future__ import annotations

import asyncio
import os

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.errors import ValidationError

MIN_LENGTH = 8
MAX_LENGTH = 1024
# The test suite creates hundreds of accounts; it asks for cheap (still argon2id) hashes
# through this variable, as Django's test settings do with their hasher. Never set it in
# production.
_hasher = (PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
           if os.environ.get("COMMONHOLD_FAST_PASSWORD_HASHING") == "1" else PasswordHasher())
# Verifying against this keeps "no such user" as slow as "wrong password".
_dummy_hash: str | None = None


def _dummy() -> str:
    # Made on first use, not at import: start-up stays fast.
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("commonhold-timing-equaliser")
    return _dummy_hash


def check_password_rules(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise ValidationError(f"The password must be at least {MIN_LENGTH} characters long.",
                              field="password")
    if len(password) > MAX_LENGTH:
        raise ValidationError(f"The password must be at most {MAX_LENGTH} characters long.",
                              field="password")


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def check() -> bool:
        try:
            return _hasher.verify(password_hash or _dummy(), password) and password_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)
