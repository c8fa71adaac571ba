"""``qingfeng retrain`` and ``qingfeng models list | promote | rollback``: the model registry for analysts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

NAMES = ("categories", "agencies", "sentiment")


def _check_name(name: str, allowed: tuple[str, ...] = NAMES) -> str:
    if name not in allowed:
        raise typer.BadParameter(f"未知模型 {name!r}；可选 {', '.join(allowed)}")
    return name


def _summary_line(record: dict) -> str:
    m = record["metrics"]
    score = m.get("macro_f1")
    extra = f"macro-F1 {score:.3f}" if isinstance(score, (int, float)) else ""
    if isinstance(m.get("oos"), dict):
        extra += f"  范围外 F1 {m['oos']['f1']:.3f}"
    backend = m.get("backend", "sklearn")
    flag = "★ 生产" if record["production"] else "     "
    return f"{flag}  {record['name']:<10} {record['version']:<28} {record['created_at'] or '':<26} {backend:<11} {extra}"


def _factory(settings):
    from qingfeng.storage.db import connect

    return connect(settings.database_url)


def register(app: typer.Typer) -> None:
    models = typer.Typer(help="模型版本：列出、晋升（经门槛检查）、回滚。", no_args_is_help=True)

    @models.command("list")
    def list_cmd(as_json: Annotated[bool, typer.Option("--json", help="输出 JSON 数组")] = False) -> None:
        """列出所有模型版本及其测试集指标，★ 为生产版本。"""
        from pipelines.promotion import list_models
        from qingfeng.settings import get_settings

        records = list_models(Path(get_settings().model_dir))
        if as_json:
            typer.echo(json.dumps(records, ensure_ascii=False, indent=2))
            return
        if not records:
            typer.echo("模型库为空。请先运行 qingfeng train 或 qingfeng retrain。")
            return
        for record in records:
            typer.echo(_summary_line(record))

    @models.command("promote")
    def promote_cmd(name: Annotated[str, typer.Argument(help="categories | agencies | sentiment")],
                    version: Annotated[str, typer.Argument(help="版本号（见 qingfeng models list）")],
                    force: Annotated[bool, typer.Option("--force", help="跳过门槛检查（须说明理由并记录）")] = False,
                    actor: Annotated[str | None, typer.Option("--actor", help="操作人（默认当前系统用户）")] = None) -> None:
        """把某个版本设为生产版本；候选版本任一标签 F1 下降超过门槛时拒绝。"""
        from pipelines.promotion import PromotionError, promote_version
        from qingfeng.settings import get_settings

        settings = get_settings()
        try:
            outcome = promote_version(settings, _check_name(name), version, force=force, actor=actor,
                                      factory=_factory(settings))
        except PromotionError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        if outcome.gate is not None and not outcome.gate.allowed:
            typer.echo(f"拒绝晋升 {name}/{version}（门槛：任一标签 F1 下降不超过 {settings.promotion_max_drop:.3f}）：", err=True)
            for reason in outcome.gate.reasons:
                typer.echo(f"  - {reason}", err=True)
            typer.echo("如确需晋升，请加 --force（操作会记入审计日志）。", err=True)
            raise typer.Exit(1)
        if not outcome.promoted:
            typer.echo(f"{name}/{version} 已经是生产版本。")
            return
        for note in (outcome.gate.notes if outcome.gate else []):
            typer.echo(f"  说明：{note}")
        how = "（已跳过门槛检查）" if outcome.forced else ""
        typer.echo(f"已晋升 {name}/{version} 为生产版本{how}；原生产版本 {outcome.previous or '无'} 可用 "
                   f"qingfeng models rollback {name} 恢复。API 与下一次夜间任务会自动使用新版本。")

    @models.command("rollback")
    def rollback_cmd(name: Annotated[str, typer.Argument(help="categories | agencies | sentiment")],
                     actor: Annotated[str | None, typer.Option("--actor", help="操作人")] = None) -> None:
        """回滚到上一个生产版本（来自 HISTORY）。"""
        from pipelines.promotion import PromotionError, rollback_version
        from qingfeng.settings import get_settings

        settings = get_settings()
        try:
            current, target = rollback_version(settings, _check_name(name), actor=actor, factory=_factory(settings))
        except PromotionError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"已回滚 {name}：{current or '无'} → {target}")

    app.add_typer(models, name="models")

    @app.command("retrain")
    def retrain_cmd(
        name: Annotated[str, typer.Argument(help="categories | agencies")] = "categories",
        backend: Annotated[str, typer.Option("--backend", help="sklearn | transformer")] = "sklearn",
        checkpoint: Annotated[Path | None, typer.Option("--checkpoint", help="transformer：本地预训练模型目录")] = None,
        epochs: Annotated[int | None, typer.Option("--epochs", help="transformer：最多训练轮数")] = None,
        max_length: Annotated[int | None, typer.Option("--max-length", help="transformer：最大长度（token）")] = None,
        batch_size: Annotated[int | None, typer.Option("--batch-size", help="transformer：批大小")] = None,
        learning_rate: Annotated[float | None, typer.Option("--learning-rate", help="transformer：学习率")] = None,
        seed: Annotated[int, typer.Option("--seed", help="随机种子（留出集划分、bootstrap、训练）")] = 0,
        promote: Annotated[bool, typer.Option("--promote", help="通过门槛时直接晋升为生产版本")] = False,
    ) -> None:
        """用语料 + 人工标注重新训练候选模型，与生产版本比较，写入模型库（附 MODEL_CARD.md、comparison.json）。"""
        from pipelines.retrain import RetrainError, RetrainOptions, retrain, summary_zh
        from qingfeng.settings import get_settings

        transformer = {k: v for k, v in {"epochs": epochs, "max_length": max_length, "batch_size": batch_size,
                                         "learning_rate": learning_rate}.items() if v is not None}
        options = RetrainOptions(name=_check_name(name, ("categories", "agencies")), backend=backend,
                                 checkpoint=str(checkpoint) if checkpoint else None, transformer=transformer,
                                 seed=seed, promote=promote)
        settings = get_settings()
        try:
            summary = retrain(settings, _factory(settings), options)
        except RetrainError as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(2) from exc
        typer.echo(summary_zh(summary, Path(settings.model_dir)))

