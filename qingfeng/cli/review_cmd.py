"""``qingfeng review export | import``: the analysts' review sheet (XLSX or CSV)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"日期格式应为 YYYY-MM-DD：{value}") from exc


def _parse_since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"时间格式应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM：{value}") from exc


def register(app: typer.Typer) -> None:
    review = typer.Typer(help="人工复核：导出待复核清单、导入复核结果。", no_args_is_help=True)

    @review.command("export")
    def export_cmd(
        output: Annotated[Path, typer.Option("-o", "--output", help="输出文件（.xlsx 或 .csv）")],
        on_date: Annotated[str | None, typer.Option("--date", help="只导出该日接收的投诉 (YYYY-MM-DD)")] = None,
        since: Annotated[str | None, typer.Option("--since", help="导出该时间之后接收的投诉")] = None,
        audit_rate: Annotated[float | None, typer.Option("--audit-rate", help="对模型较确定的件随机抽检的比例")] = None,
        seed: Annotated[int, typer.Option("--seed", help="抽检随机种子")] = 0,
        include_labelled: Annotated[bool, typer.Option("--include-labelled", help="包括已人工标注过的件")] = False,
    ) -> None:
        """导出模型不确定的件和随机抽检件，供分析员复核。"""
        from pipelines.review import ReviewExportError, export_review
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect, session_scope

        settings = get_settings()
        rate = settings.review_audit_rate if audit_rate is None else audit_rate
        if not 0.0 <= rate <= 1.0:
            raise typer.BadParameter("--audit-rate 应在 0 到 1 之间")
        try:
            with session_scope(connect(settings.database_url)) as session:
                items = export_review(session, output, on_date=_parse_date(on_date), since=_parse_since(since),
                                      audit_rate=rate, seed=seed, include_labelled=include_labelled)
        except ReviewExportError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        review_n = sum(i.reason == "needs_review" for i in items)
        typer.echo(f"已导出 {len(items)} 件（待复核 {review_n} 件，抽检 {len(items) - review_n} 件）→ {output}")

    @review.command("import")
    def import_cmd(
        path: Annotated[Path, typer.Argument(help="填写好的复核文件（.xlsx 或 .csv）")],
        annotator: Annotated[str | None, typer.Option("--annotator", help="标注人（文件中未填写时使用）")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验，不写入")] = False,
    ) -> None:
        """校验并导入复核结果；任何一行有错都不会写入。"""
        from pipelines.review_import import ReviewImportError, import_review
        from qingfeng.settings import get_settings
        from qingfeng.storage.db import connect

        settings = get_settings()
        try:
            summary = import_review(connect(settings.database_url), path, annotator=annotator, dry_run=dry_run)
        except ReviewImportError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        verb = "校验通过（未写入）" if dry_run else "已导入"
        typer.echo(f"{verb}：标签 {len(summary.labels)} 条（确认 {summary.n_confirmed}，更正 {summary.n_corrected}），"
                   f"与已有标注相同 {summary.unchanged} 条，未填写跳过 {len(summary.skipped_rows)} 行。")

    app.add_typer(review, name="review")
