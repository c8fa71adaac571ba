"""``qingfeng serve`` (the HTTP API under uvicorn) and ``qingfeng keys create|revoke|list`` (API keys)."""

from __future__ import annotations

from typing import Annotated

import typer

LOG_CONFIG = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain", "stream": "ext://sys.stderr"}},
    "loggers": {
        "qingfeng": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn": {"handlers": ["stderr"], "level": "INFO", "propagate": False},
        "uvicorn.error": {"level": "INFO"},
    },
}


def limit_malloc_arenas(arenas: int = 2) -> None:
    """Cap glibc's malloc arenas (worker threads of the triage threadpool otherwise each grow their own,
    which shows as slowly creeping RSS). Set for this process now and, through the environment, for the
    worker processes uvicorn spawns. A no-op off glibc or when MALLOC_ARENA_MAX is already set."""
    import ctypes
    import os
    import sys

    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return
    os.environ["MALLOC_ARENA_MAX"] = str(arenas)
    try:
        ctypes.CDLL("libc.so.6").mallopt(-8, arenas)  # M_ARENA_MAX
    except (OSError, AttributeError):
        pass


def register(app: typer.Typer) -> None:
    @app.command("serve")
    def serve_cmd(
        host: Annotated[str, typer.Option(help="监听地址")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="监听端口")] = 8000,
        workers: Annotated[int, typer.Option(min=1, max=64, help="工作进程数")] = 1,
        train_missing: Annotated[bool, typer.Option(help="没有生产模型时先训练默认模型")] = True,
        log_level: Annotated[str, typer.Option(help="日志级别：warning 时不记录每个请求")] = "info",
    ) -> None:
        """启动受理接口（uvicorn）。配置取自 QINGFENG_* 环境变量；每个工作进程各自加载模型。"""
        import uvicorn

        from classifiers.triage import ensure_default_models
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import make_engine, upgrade

        limit_malloc_arenas()
        settings = get_settings()
        if train_missing:
            trained = ensure_default_models(settings)
            if trained:
                typer.echo(f"已训练默认模型：{', '.join(trained)}", err=True)
        upgrade(make_engine(settings.database_url))  # once here, not racing in every worker
        config = {**LOG_CONFIG, "loggers": {name: {**cfg, "level": log_level.upper()} if "handlers" in cfg else cfg
                                            for name, cfg in LOG_CONFIG["loggers"].items()}}
        uvicorn.run("serving.app:create_app_from_env", factory=True, host=host, port=port, workers=workers,
                    access_log=False, log_config=config, server_header=False, proxy_headers=False)

    keys = typer.Typer(help="API 密钥：create / revoke / list（库中只存哈希）。", no_args_is_help=True)

    @keys.command("create")
    def create_cmd(
        role: Annotated[str, typer.Option(help="intake | analyst | admin")],
        name: Annotated[str, typer.Option(help="密钥名称（标注人即用此名）")],
    ) -> None:
        """生成新密钥；密钥只显示这一次，单独占输出的最后一行。"""
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect, session_scope
        from serving.security import PREFIX_CHARS, Role, create_key

        if role not in Role.__members__:
            typer.echo(f"未知角色 {role!r}；可选 {', '.join(Role.__members__)}", err=True)
            raise typer.Exit(2)
        try:
            with session_scope(connect(get_settings().database_url)) as session:
                key = create_key(session, name=name, role=Role(role))
        except ValueError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"已创建密钥：名称 {name.strip()}，角色 {role}，前缀 {key[:PREFIX_CHARS]}。密钥只显示这一次，请妥善保存：")
        typer.echo(key)

    @keys.command("revoke")
    def revoke_cmd(name_or_prefix: Annotated[str, typer.Argument(help="密钥名称、前缀（keys list 所示）或密钥本身")]) -> None:
        """吊销密钥；各服务进程最迟在几秒内（认证缓存过期后）拒绝它。"""
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect, session_scope
        from serving.security import KEY_CACHE_TTL_S, revoke_keys

        with session_scope(connect(get_settings().database_url)) as session:
            revoked = [(k.name, k.prefix) for k in revoke_keys(session, name_or_prefix)]
        if not revoked:
            typer.echo(f"没有找到与 {name_or_prefix!r} 匹配的有效密钥", err=True)
            raise typer.Exit(1)
        for name, prefix in revoked:
            typer.echo(f"已吊销：{name}（{prefix}）")
        typer.echo(f"运行中的服务将在 {KEY_CACHE_TTL_S:.0f} 秒内停止接受被吊销的密钥")

    @keys.command("list")
    def list_cmd() -> None:
        """列出所有密钥（名称、角色、前缀、创建时间、是否吊销；不显示密钥本身）。"""
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect, session_scope
        from serving.security import list_keys

        with session_scope(connect(get_settings().database_url)) as session:
            rows = list_keys(session)
            lines = [f"{k.prefix}\t{k.role}\t{k.name}\t{k.created_at:%Y-%m-%d %H:%M}\t"
                     + (f"已吊销 {k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "有效") for k in rows]
        typer.echo("前缀\t角色\t名称\t创建时间\t状态")
        for line in lines:
            typer.echo(line)

    app.add_typer(keys, name="keys")
