"""Dependencies of the route handlers, as ``Annotated`` aliases (one place, like the FastAPI template).

The cheap ones are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in the thread pool, and
a thread hop per dependency cost more than the rest of a health check.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request, Security
from fastapi.security import APIKeyHeader
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from qingfeng.settings import Settings
from qingfeng.storage.db import session_scope
from serving.errors import ApiError, STATUS_ERRORS
from serving.runtime import Runtime
from serving.security import Permission, Principal, hash_key, lookup_key

if TYPE_CHECKING:
    from classifiers.triage import Triager
else:  # the API module imports no model code; the lifespan loads it
    Triager = object

MAX_KEY_CHARS = 256
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="qingfeng keys create 生成的 API 密钥")


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_settings(runtime: RuntimeDep) -> Settings:
    return runtime.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_request_id(request: Request) -> str:
    return getattr(request.state, "request_id", "-")


RequestIdDep = Annotated[str, Depends(get_request_id)]


MODELS_MISSING = "模型尚未加载：请先训练并发布模型（qingfeng train），或稍后再试"


async def current_triager(request: Request) -> Triager | None:
    """The loaded triager or ``None`` (the override point for tests that hand in a model)."""
    return request.app.state.runtime.triager


def loaded(triager: Triager | None) -> Triager:
    """The triager, or a 503 ``models_missing`` when none is loaded yet."""
    if triager is None:
        raise ApiError(503, "models_missing", MODELS_MISSING)
    return triager


async def get_triager(triager: Annotated[Triager | None, Depends(current_triager)]) -> Triager:
    return loaded(triager)


TriagerDep = Annotated[Triager, Depends(get_triager)]


def get_session(runtime: RuntimeDep) -> Iterator[Session]:
    """One transaction per request (committed when the handler returns without error)."""
    if runtime.sessions is None:
        raise ApiError(503, "database_unavailable", "数据库尚未就绪，请稍后再试")
    with session_scope(runtime.sessions) as session:
        yield session


# scope="function": the transaction commits before the response is sent, so a failed commit is an error
# response, never a 2xx for data that was not stored.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def authenticate(runtime: Runtime, key: str | None) -> Principal:
    """The caller behind ``X-API-Key``: from the in-memory cache, else one indexed lookup (then cached)."""
    if not key or len(key) > MAX_KEY_CHARS:
        raise ApiError(401, "unauthorized", STATUS_ERRORS[401][1])
    key_hash = hash_key(key)
    hit, principal = runtime.keys.get(key_hash)
    if not hit:
        if runtime.sessions is None:
            raise ApiError(503, "database_unavailable", "数据库尚未就绪，请稍后再试")
        principal = await run_in_threadpool(_lookup, runtime, key_hash)
        runtime.keys.put(key_hash, principal)
    if principal is None:
        raise ApiError(401, "unauthorized", STATUS_ERRORS[401][1])
    return principal


def authorize(runtime: Runtime, principal: Principal, permission: Permission) -> Principal:
    """Within its rate limit (429) and allowed ``permission`` by its role (403)."""
    wait = runtime.limiter.check(principal.key_hash)
    if wait is not None:
        raise ApiError(429, "rate_limited",
                       f"请求过于频繁：每个密钥每分钟最多 {runtime.limiter.per_minute} 次，请 {wait:.0f} 秒后再试",
                       {"retry_after_seconds": round(wait, 3)}, headers={"Retry-After": str(max(1, round(wait)))})
    if not principal.can(permission):
        raise ApiError(403, "forbidden", f"角色 {principal.role.value} 无权访问此接口", {"required": permission.value})
    return principal


async def get_principal(runtime: RuntimeDep, key: Annotated[str | None, Security(api_key_header)] = None
                        ) -> Principal:
    return await authenticate(runtime, key)


def _lookup(runtime: Runtime, key_hash: str) -> Principal | None:
    with session_scope(runtime.sessions) as session:
        return lookup_key(session, key_hash)


def require(permission: Permission):
    """A dependency: an authenticated caller within its rate limit whose role grants ``permission``."""

    async def allowed(runtime: RuntimeDep, principal: Annotated[Principal, Depends(get_principal)]) -> Principal:
        return authorize(runtime, principal, permission)

    return allowed


@dataclass(frozen=True)
class TriageCall:
    """Everything the triage routes need, resolved by :func:`get_triage_call`."""

    runtime: Runtime
    principal: Principal
    triager: Triager
    request_id: str


async def get_triage_call(request: Request, triager: Annotated[Triager | None, Depends(current_triager)],
                          key: Annotated[str | None, Security(api_key_header)] = None) -> TriageCall:
    """Key, rate limit and role, then the model (a missing model is a 503 only for an authorised caller).

    Few dependency nodes on purpose (this, the header and the model): FastAPI's cost per request grows with
    the nodes it resolves."""
    runtime = request.app.state.runtime
    principal = authorize(runtime, await authenticate(runtime, key), Permission.triage)
    return TriageCall(runtime, principal, loaded(triager), getattr(request.state, "request_id", "-"))


TriageCallDep = Annotated[TriageCall, Depends(get_triage_call)]
IntakeCaller = Annotated[Principal, Depends(require(Permission.complaints))]
AnalystCaller = Annotated[Principal, Depends(require(Permission.review))]
DirectoryCaller = Annotated[Principal, Depends(require(Permission.directory))]
AdminCaller = Annotated[Principal, Depends(require(Permission.admin))]
