"""``qingfeng nightly run|serve``, ``qingfeng complaints export``, ``qingfeng quarantine list``, ``qingfeng run-sample``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

SAMPLE_DATE = dt.date(2018, 6, 12)

DateOpt = Annotated[dt.datetime | None, typer.Option("--date", formats=["%Y-%m-%d"], help="日期 YYYY-MM-DD")]


def _run_nightly(run_date: dt.date | None, source_dir: str, online_api_url: str | None) -> dict:
    import os

    # Without PREFECT_API_URL, Prefect starts a temporary local server; its first start (schema creation)
    # can take longer than Prefect's default 20 s on a small machine.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    from pipelines.nightly import nightly

    return nightly(date=run_date, source_dir=source_dir, online_api_url=online_api_url)


def _echo_summary(summary: dict) -> None:
    counts = {k: summary.get(k, 0) for k in ("parsed", "stored", "already_stored", "quarantined")}
    typer.echo(f"{summary['run_date']}：读取 {counts['parsed']} 条，新入库 {counts['stored']} 件，"
               f"已存在 {counts['already_stored']} 件，隔离 {counts['quarantined']} 条")
    report = summary.get("report") or {}
    if report:
        typer.echo(f"日报：{report['markdown']}")
        typer.echo(f"      {report['html']}")


def register(app: typer.Typer) -> None:
    nightly_app = typer.Typer(help="每晚导入热线、举报箱、网上平台数据并生成日报（Prefect 流程）。", no_args_is_help=True)

    @nightly_app.command("run")
    def run_cmd(
        source_dir: Annotated[str, typer.Option("--source-dir", help="数据目录（含 hotline/ report_box/ online/；"
                                                                    "可含 {date}）")],
        date: DateOpt = None,
        online_api_url: Annotated[str | None, typer.Option("--online-api-url", help="网上平台接口地址")] = None,
    ) -> None:
        """运行一次夜间导入（默认日期：昨天）。"""
        _echo_summary(_run_nightly(date.date() if date else None, source_dir, online_api_url))

    @nightly_app.command("serve")
    def serve_cmd(
        source_dir: Annotated[str, typer.Option("--source-dir", help="数据目录，可含 {date}，如 /srv/exports/{date}")],
        cron: Annotated[str | None, typer.Option(help="cron 表达式；默认 QINGFENG_NIGHTLY_CRON")] = None,
        timezone: Annotated[str | None, typer.Option(help="时区；默认 QINGFENG_TIMEZONE (Asia/Shanghai)")] = None,
        online_api_url: Annotated[str | None, typer.Option("--online-api-url", help="网上平台接口地址")] = None,
        name: Annotated[str, typer.Option(help="部署名称")] = "nightly",
    ) -> None:
        """按计划（默认每天 02:00 北京时间）运行夜间导入，直到中断。"""
        from prefect.schedules import Cron

        from pipelines.nightly import nightly
        from qingfeng.settings import get_settings

        settings = get_settings()
        schedule = Cron(cron or settings.nightly_cron, timezone=timezone or settings.timezone)
        nightly.serve(name=name, schedules=[schedule],
                      parameters={"source_dir": source_dir, "online_api_url": online_api_url})

    app.add_typer(nightly_app, name="nightly")

    complaints_app = typer.Typer(help="已入库的投诉（文本已脱敏）。", no_args_is_help=True)

    @complaints_app.command("export")
    def export_cmd(
        date: DateOpt = None,
        since: Annotated[dt.datetime | None, typer.Option(help="接收时间起（含）")] = None,
        until: Annotated[dt.datetime | None, typer.Option(help="接收时间止（不含）")] = None,
        output: Annotated[Path | None, typer.Option("-o", "--output", help="输出文件（默认标准输出）")] = None,
    ) -> None:
        """导出投诉为 JSON Lines：编号、渠道、来源编号、时间、脱敏文本、类别、单位、案件号、复核标记、模型版本。"""
        from pipelines.export import export_jsonl
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect, session_scope

        if date and (since or until):
            raise typer.BadParameter("--date 与 --since/--until 不能同时使用")
        factory = connect(get_settings().database_url)
        with session_scope(factory) as session:
            if output is None:
                n = export_jsonl(session, sys.stdout, run_date=date.date() if date else None, since=since,
                                 until=until)
            else:
                with open(output, "w", encoding="utf-8") as fh:
                    n = export_jsonl(session, fh, run_date=date.date() if date else None, since=since,
                                     until=until)
        typer.echo(f"已导出 {n} 件", err=True)

    app.add_typer(complaints_app, name="complaints")

    quarantine_app = typer.Typer(help="隔离区：无法入库的原始数据（保留原样待修复）。", no_args_is_help=True)

    @quarantine_app.command("list")
    def list_cmd(
        date: DateOpt = None,
        as_json: Annotated[bool, typer.Option("--json", help="每行一个 JSON 对象")] = False,
    ) -> None:
        """列出隔离数据（渠道、来源编号、原因；不输出原始内容）。"""
        from pipelines.quarantine import list_quarantine
        from pipelines.records import REASON_ZH
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect, session_scope

        factory = connect(get_settings().database_url)
        with session_scope(factory) as session:
            for item in list_quarantine(session, date.date() if date else None):
                row = {"id": item.id, "run_date": item.run_date, "channel": item.channel,
                       "source_id": item.source_id, "source_file": item.source_file, "reason": item.reason,
                       "detail": item.detail}
                if as_json:
                    typer.echo(json.dumps(row, ensure_ascii=False))
                else:
                    typer.echo(f"{item.id}\t{item.run_date}\t{item.channel}\t{item.source_id or '-'}\t"
                               f"{REASON_ZH.get(item.reason, item.reason)}\t{item.source_file or ''}\t"
                               f"{item.detail or ''}")

    app.add_typer(quarantine_app, name="quarantine")

    @app.command("run-sample")
    def run_sample_cmd() -> None:
        """在示例数据 data/samples/ 上运行夜间流程（2018-06-12），并给出日报位置。"""
        from qingfeng.settings import get_settings

        samples = get_settings().data_dir / "samples"
        summary = _run_nightly(SAMPLE_DATE, str(samples), None)
        _echo_summary(summary)
