"""The instance actor: an `Application` at /actor whose key signs the fetches we make on
nobody's behalf (actors, keys, collections), as Mastodon's does. Servers in "authorized
fetch" mode answer only signed GETs, so every fetch is signed with this key.

Its key pair is made on first use and stored; every process then reads the same one.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import dataclass
from datetime import datetime

from server.clock import Clock
from server.config import Config
from server.db import Database
from server.federation import queries
from server.federation.activitypub.signatures import PrivateKey, load_private_key
from server.federation.keys import generate_rsa_keypair_async

PATH = "/actor"
# Mastodon names its instance actor after the domain; a second, readable acct also works.
ALIAS = "instance.actor"


@dataclass(frozen=True)
class InstanceActor:
    public_key_pem: str
    private_key: PrivateKey
    created_at: datetime


def uri(config: Config) -> str:
    return config.url(PATH)


def key_id(config: Config) -> str:
    return uri(config) + "#main-key"


def username(config: Config) -> str:
    return config.domain


_loaded: weakref.WeakKeyDictionary[Database, InstanceActor] = weakref.WeakKeyDictionary()
# One load at a time per database: a burst of first fetches would otherwise each read and
# parse the key (or each make a pair), all for the same answer.
_loading: weakref.WeakKeyDictionary[Database, asyncio.Lock] = weakref.WeakKeyDictionary()


async def get_instance_actor(db: Database, clock: Clock) -> InstanceActor:
    """The instance actor's keys, made and stored the first time they are needed."""
    cached = _loaded.get(db)
    if cached is not None:
        return cached
    lock = _loading.get(db)
    if lock is None:
        lock = _loading[db] = asyncio.Lock()
    async with lock:
        cached = _loaded.get(db)
        return cached if cached is not None else await _load(db, clock)


async def _load(db: Database, clock: Clock) -> InstanceActor:
    async with db.acquire() as conn:
        keys = await queries.get_instance_actor(conn)
    if keys is None:
        # Two processes racing here both generate a pair; the first insert wins and both
        # read it back, so nobody signs with a key that was not stored.
        private_pem, public_pem = await generate_rsa_keypair_async()
        async with db.transaction() as conn:
            await queries.insert_instance_actor(conn, public_key_pem=public_pem,
                                                private_key_pem=private_pem, now=clock.now())
            keys = await queries.get_instance_actor(conn)
    assert keys is not None
    actor = InstanceActor(keys.public_key_pem, load_private_key(keys.private_key_pem),
                          keys.created_at)
    _loaded[db] = actor
    return actor
