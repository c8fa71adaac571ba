"""The FastAPI application: ``create_app(settings)``; the lifespan loads models and opens the database.

Nothing happens at import. ``qingfeng serve`` runs ``create_app_from_env`` (an import string with
``factory=True``), so each uvicorn worker process builds its own app from ``QINGFENG_*`` settings.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from qingfeng.settings import Settings, get_settings
from serving.errors import install_error_handlers
from serving.middleware import BodyLimit, RequestContext
from serving.routes import admin, complaints, directory, health, review, triage
from serving.runtime import Runtime, TriageBatcher, load_models, watch_production_pointer

log = logging.getLogger("qingfeng.api")

DESCRIPTION = """清风 受理接口：投诉受理系统（热线、举报箱登记、网上平台）在受理时调用。

* 认证：请求头 `X-API-Key`（`qingfeng keys create` 生成）；角色 intake / analyst / admin。
* 错误：一律返回 JSON `{code, message, detail}`，message 为中文。
* 举报人联系方式只存入受限表，任何响应都不会返回。
"""


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    from qingfeng.storage.db import connect

    runtime: Runtime = app.state.runtime
    runtime.sessions = await run_in_threadpool(connect, runtime.settings.database_url)
    if runtime.triager is None:
        runtime.triager = await run_in_threadpool(load_models, runtime.settings)
    runtime.batcher = TriageBatcher(inline_chars=runtime.settings.api_inline_triage_chars)
    runtime.batcher.start()
    runtime.tasks.append(asyncio.get_running_loop().create_task(watch_production_pointer(runtime),
                                                                name="model-watcher"))
    log.info("api ready: model_version=%s", runtime.triager.model_version if runtime.triager else None)
    try:
        yield
    finally:
        for task in runtime.tasks:
            task.cancel()
        for task in runtime.tasks:
            try:
                await task
            except asyncio.CancelledError:
                pass
        runtime.tasks.clear()
        await runtime.batcher.stop()
        runtime.sessions.kw["bind"].dispose()
        runtime.sessions = None


def create_app(settings: Settings | None = None, *, model_check_seconds: float = 5.0) -> FastAPI:
    """A new application for ``settings`` (``get_settings()`` when omitted). Models load in the lifespan."""
    settings = settings or get_settings()
    app = FastAPI(title="清风 qingfeng API", version="1", description=DESCRIPTION, lifespan=lifespan)
    app.state.runtime = Runtime(settings=settings, model_check_seconds=model_check_seconds)
    install_error_handlers(app)
    for module in (health, triage, complaints, review, directory, admin):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=settings.api_max_body_bytes)
    app.add_middleware(RequestContext)  # added last = outermost: ids, logs, and the 500 of last resort
    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn serving.app:create_app_from_env --factory`` (one app per worker process)."""
    return create_app(Settings())
