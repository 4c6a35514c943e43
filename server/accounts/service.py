"""Local accounts: creating them, signing in, passwords, approval."""

from __future__ import annotations

import re
from datetime import datetime

from server.accounts import passwords, queries
from server.accounts.queries import LocalUser, NewAccount
from server.config import Config
from server.db import Conn
from server.errors import ConflictError, ForbiddenError, NotFoundError, ValidationError
from server.federation.keys import generate_rsa_keypair_async
from server.ids import new_id

USERNAME_MAX = 30
ROLES = ("admin", "moderator", "user")
_USERNAME = re.compile(r"^[A-Za-z0-9_]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Names that would shadow routes, the instance's own actors, or staff.
RESERVED_USERNAMES = frozenset({
    "admin", "administrator", "root", "support", "help", "webmaster", "hostmaster", "postmaster",
    "mod", "moderator", "moderators", "abuse", "security", "noreply", "no_reply", "system",
    "coop", "cooperative", "governance", "charter", "proposals", "members", "council", "board",
    "instance", "instance_actor", "actor", "inbox", "outbox", "users", "api", "oauth", "auth",
    "settings", "about", "explore", "public", "nodeinfo", "well_known", "commonhold", "staff",
})


def check_username(username: str) -> str:
    name = username.strip()
    if not name:
        raise ValidationError("Choose a username.", field="username")
    if len(name) > USERNAME_MAX:
        raise ValidationError(f"The username can be at most {USERNAME_MAX} characters long.",
                              field="username")
    if not _USERNAME.match(name):
        raise ValidationError("The username may contain only letters, digits and underscores.",
                              field="username")
    if name.lower() in RESERVED_USERNAMES:
        raise ValidationError(f"The username {name!r} is reserved.", field="username")
    return name


def check_email(email: str) -> str:
    address = email.strip()
    if not _EMAIL.match(address) or len(address) > 320:
        raise ValidationError("Enter a valid email address.", field="email")
    return address


def local_actor_urls(config: Config, username: str) -> dict[str, str]:
    base = config.url(f"/users/{username}")
    return {
        "uri": base,
        "url": config.url(f"/@{username}"),
        "inbox_url": f"{base}/inbox",
        "shared_inbox_url": config.url("/inbox"),
        "outbox_url": f"{base}/outbox",
        "followers_url": f"{base}/followers",
        "following_url": f"{base}/following",
        "featured_url": f"{base}/collections/featured",
    }


async def create_local_user(conn: Conn, *, config: Config, username: str, email: str, password: str,
                            now: datetime, role: str = "user", approved: bool = True,
                            reason: str = "") -> LocalUser:
    """Create an account, its user and its key pair. Raises ValidationError/ConflictError."""
    name = check_username(username)
    address = check_email(email)
    passwords.check_password_rules(password)
    if role not in ROLES:
        raise ValidationError(f"Unknown role {role!r}.", field="role")
    if await queries.username_taken(conn, username=name):
        raise ConflictError(f"The username {name!r} is already taken.", field="username")
    if await queries.email_taken(conn, email=address):
        raise ConflictError("That email address is already in use.", field="email")
    private_pem, public_pem = await generate_rsa_keypair_async()
    urls = local_actor_urls(config, name)
    account_id = new_id()
    await queries.insert_account(conn, NewAccount(
        id=account_id, username=name, domain=None, display_name=name,
        public_key_pem=public_pem, public_key_id=f"{urls['uri']}#main-key",
        private_key_pem=private_pem, **urls), now=now)
    await queries.insert_user(
        conn, user_id=new_id(), account_id=account_id, email=address,
        password_hash=await passwords.hash_password(password), role=role, approved=approved,
        signup_reason=reason.strip()[:1000], now=now)
    user = await queries.get_local_user_by_username(conn, username=name)
    assert user is not None
    return user


async def authenticate(conn: Conn, *, login: str, password: str, now: datetime) -> LocalUser:
    """The user for these credentials, or a ForbiddenError that does not say which part was wrong."""
    user = await queries.get_local_user_by_login(conn, login=login.strip())
    ok = await passwords.verify_password(user.password_hash if user else None, password)
    if user is None or not ok:
        raise ForbiddenError("Invalid username, email or password.")
    if user.disabled:
        raise ForbiddenError("This account has been disabled.")
    if not user.approved:
        raise ForbiddenError("Your account is awaiting approval by the instance's admins.")
    await queries.update_last_sign_in(conn, user_id=user.id, now=now)
    return user


async def change_password(conn: Conn, *, user: LocalUser, current: str, new: str, confirm: str,
                          now: datetime) -> None:
    if not await passwords.verify_password(user.password_hash, current):
        raise ForbiddenError("The current password is not correct.", field="current_password")
    if new != confirm:
        raise ValidationError("The new passwords do not match.", field="password_confirmation")
    await set_password(conn, user=user, password=new, now=now)


async def set_password(conn: Conn, *, user: LocalUser, password: str, now: datetime) -> None:
    passwords.check_password_rules(password)
    await queries.update_password(conn, user_id=user.id,
                                  password_hash=await passwords.hash_password(password), now=now)


async def get_user_by_username(conn: Conn, *, username: str) -> LocalUser:
    user = await queries.get_local_user_by_username(conn, username=username)
    if user is None:
        raise NotFoundError(f"No local account is called {username!r}.")
    return user


async def approve(conn: Conn, *, user_id: int) -> None:
    if not await queries.approve_user(conn, user_id=user_id):
        raise NotFoundError("No pending sign-up with that id.")


async def reject(conn: Conn, *, user_id: int) -> None:
    if not await queries.reject_pending_user(conn, user_id=user_id):
        raise NotFoundError("No pending sign-up with that id.")
