"""API keys (stored as sha256 hashes), roles, the in-memory key cache and the per-key rate limiter.

A key is ``qf_`` + 43 url-safe characters (256 random bits), so a plain sha256 is a sound hash: there is
nothing to brute-force. The key itself is shown once, at creation; the table keeps its hash and a short
prefix (to recognise it in ``qingfeng keys list``).

Auth lookups are cached in memory (hash -> principal, also for unknown keys) for ``KEY_CACHE_TTL_S``
seconds, so ``/v1/triage`` touches no database on the hot path, and a revoked key stops working within
that many seconds in every worker process.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from qingfeng.storage.tables import ApiKey, utcnow

KEY_PREFIX = "qf_"
PREFIX_CHARS = 12
KEY_CACHE_TTL_S = 5.0
KEY_CACHE_MAX = 4096


class Role(StrEnum):
    intake = "intake"
    analyst = "analyst"
    admin = "admin"


class Permission(StrEnum):
    triage = "triage"
    complaints = "complaints"
    review = "review"
    directory = "directory"
    admin = "admin"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.intake: frozenset({Permission.triage, Permission.complaints, Permission.directory}),
    Role.analyst: frozenset({Permission.triage, Permission.review, Permission.directory}),
    Role.admin: frozenset(Permission),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's name (the annotator of labels), its role and its hash (rate limits)."""

    name: str
    role: Role
    key_hash: str

    def can(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


# --- storage (used by the CLI and by the cache on a miss) ---------------------------------------------

def create_key(session: Session, *, name: str, role: Role) -> str:
    """Store a new key's hash; return the plaintext key (the only time it exists outside the caller)."""
    name = name.strip()
    if not name or len(name) > 128:
        raise ValueError("密钥名称不能为空，且不超过 128 个字符")
    if session.scalar(select(ApiKey.id).where(ApiKey.name == name, ApiKey.revoked_at.is_(None))):
        raise ValueError(f"已存在名为 {name!r} 的有效密钥；请换一个名称或先吊销旧密钥")
    key = new_key()
    session.add(ApiKey(name=name, role=Role(role).value, prefix=key[:PREFIX_CHARS], key_hash=hash_key(key)))
    return key


def revoke_keys(session: Session, name_or_prefix: str) -> list[ApiKey]:
    """Revoke every active key whose name or listed prefix is ``name_or_prefix`` (or that is that key)."""
    ident = name_or_prefix.strip()
    if not ident:
        return []
    rows = session.scalars(select(ApiKey).where(
        ApiKey.revoked_at.is_(None),
        or_(ApiKey.name == ident, ApiKey.prefix == ident, ApiKey.key_hash == hash_key(ident)),
    )).all()
    for row in rows:
        row.revoked_at = utcnow()
    return list(rows)


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)).all())


def lookup_key(session: Session, key_hash: str) -> Principal | None:
    row = session.execute(
        select(ApiKey.name, ApiKey.role).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    ).first()
    if row is None or row.role not in Role.__members__:
        return None
    return Principal(name=row.name, role=Role(row.role), key_hash=key_hash)


# --- in-memory cache and rate limiting ------------------------------------------------------------------

class KeyCache:
    """hash -> (principal or None, expiry). Bounded; oldest entries go first. Thread-safe."""

    def __init__(self, ttl_s: float = KEY_CACHE_TTL_S, max_entries: int = KEY_CACHE_MAX,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._clock = clock
        self._entries: OrderedDict[str, tuple[Principal | None, float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key_hash: str) -> tuple[bool, Principal | None]:
        """``(hit, principal)``; a hit with ``None`` means "known to be invalid"."""
        with self._lock:
            entry = self._entries.get(key_hash)
            if entry is None:
                return False, None
            if entry[1] <= self._clock():
                del self._entries[key_hash]
                return False, None
            return True, entry[0]

    def put(self, key_hash: str, principal: Principal | None) -> None:
        with self._lock:
            self._entries[key_hash] = (principal, self._clock() + self.ttl_s)
            self._entries.move_to_end(key_hash)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class RateLimiter:
    """Sliding window: at most ``per_minute`` requests per key in any 60 s, counted in this process."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic,
                 window_s: float = 60.0) -> None:
        self.per_minute = per_minute
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, who: str) -> float | None:
        """Record a request; return ``None`` when allowed, else seconds until the next one is."""
        now = self._clock()
        with self._lock:
            hits = self._hits.setdefault(who, deque())
            while hits and hits[0] <= now - self.window_s:
                hits.popleft()
            if len(hits) >= self.per_minute:
                return max(hits[0] + self.window_s - now, 0.001)
            hits.append(now)
            return None
