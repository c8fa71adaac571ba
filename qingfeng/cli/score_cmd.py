"""``qingfeng score`` (unit scoring of 考评验收), ``qingfeng score serve`` (the scheduled flow) and
``qingfeng bulletin --quarter`` (the quarterly negative-case bulletin)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

USER_ERRORS = ("SurveyFileError", "ColumnError", "PeriodError", "ScoringConfigError", "ScoringInputError")


def _fail(exc: Exception) -> None:
    typer.echo(f"错误：{exc}", err=True)
    raise typer.Exit(2) from exc


def _print_units(units: list[dict]) -> None:
    for u in units:
        flags = [name for key, name in (("interview", "约谈"), ("focus", "整顿重点")) if u[key] == "true"]
        if u["excellent_eligible"] == "false":
            flags.append("不得评优")
        sat = "—" if u["satisfaction"] is None else f"{100 * u['satisfaction']:.1f}%"
        comp = "—" if u["composite"] is None else f"{u['composite']:.1f} [{u['composite_low']:.1f}, {u['composite_high']:.1f}]"
        rank = f"{u['rank']}." if u["rank"] else "—"
        typer.echo(f"{rank} {u['unit_zh']}（{u['unit']}）\t问卷 {u['n']} 份\t满意率 {sat}\t综合 {comp}\t"
                   f"{u['tier']}\t{' '.join(flags)}".rstrip())


def register(app: typer.Typer) -> None:
    score = typer.Typer(help="考评验收：问卷测评 + 投诉压力 → 单位综合得分、档次、约谈与整顿重点。",
                        invoke_without_command=True)

    @score.callback()
    def score_main(
        ctx: typer.Context,
        period: Annotated[str | None, typer.Option("--period", help="2018、2018Q2、2018-06 或 2018-03-01..2018-12-31")] = None,
        survey: Annotated[list[Path] | None, typer.Option("--survey", help="问卷导出 CSV/XLSX/JSONL（可多次给出）")] = None,
        peer: Annotated[Path | None, typer.Option("--peer", help="上下互评 CSV：unit,score")] = None,
        volume: Annotated[Path | None, typer.Option("--volume", help="办案量 CSV：unit,cases（投诉压力按每千件计）")] = None,
        output: Annotated[Path | None, typer.Option("-o", "--output", help="输出目录")] = None,
    ) -> None:
        """对一个期间评分，写出 units.csv、units.xlsx、units.json、bulletin.html 和图表。"""
        if ctx.invoked_subcommand is not None:
            return
        if not period or output is None:
            typer.echo("用法：qingfeng score --period 2018 [--survey 文件] [--peer 文件] -o 目录", err=True)
            raise typer.Exit(2)
        from pipelines.scoring.period import parse_period
        from pipelines.survey_scoring import run_scoring
        from qingfeng.settings import get_settings

        try:
            run = run_scoring(get_settings(), parse_period(period), surveys=list(survey or []), peer_file=peer,
                              volume_file=volume, out_dir=output)
        except Exception as exc:
            if type(exc).__name__ in USER_ERRORS:
                _fail(exc)
            raise
        for item in run.ingested:
            typer.echo(f"导入 {item['source_file']}：新增 {item['added']} 份，已存在 {item['unchanged']} 份，"
                       f"隔离 {item['quarantined']} 行")
        if run.peer_quarantined:
            typer.echo(f"互评文件隔离 {run.peer_quarantined} 行")
        _print_units(run.units)
        typer.echo(f"已写出：{output}")

    @score.command("serve")
    def serve_cmd(
        cron: Annotated[str | None, typer.Option(help="cron 表达式；默认取 QINGFENG_SURVEY_SCORING_CRON")] = None,
        name: Annotated[str, typer.Option(help="部署名称")] = "survey-scoring",
    ) -> None:
        """按计划运行 survey_scoring 流程（默认每季度初评上一季度），直到中断。"""
        from pipelines.survey_flow import survey_scoring
        from qingfeng.settings import get_settings

        settings = get_settings()
        survey_scoring.serve(name=name, cron=cron or settings.survey_scoring_cron)

    app.add_typer(score, name="score")

    @app.command("bulletin")
    def bulletin_cmd(
        quarter: Annotated[str, typer.Option("--quarter", help="季度，如 2018Q2")],
        output: Annotated[Path, typer.Option("-o", "--output", help="输出目录")],
    ) -> None:
        """每季度反面案例通报：严重问题投诉分单位统计、与上季度比较、案例摘要（已脱敏）。"""
        from pipelines.bulletin.quarterly import write_quarterly_bulletin
        from pipelines.scoring.period import PeriodError, parse_period
        from pipelines.survey_scoring import district_name
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect

        settings = get_settings()
        try:
            paths = write_quarterly_bulletin(connect(settings.database_url), parse_period(quarter), output,
                                             district=district_name(settings))
        except PeriodError as exc:
            _fail(exc)
        typer.echo(f"已写出：{paths['html']}")
