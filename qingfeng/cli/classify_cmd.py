"""``qingfeng classify | survey | train | evaluate``: the triage models from the command line.

classify / survey read JSON Lines (``-`` = stdin) and write one JSON line per input line, in order. A line
that is not JSON or has no text yields ``{"id"?, "error": ...}`` and the run goes on; the exit code is
non-zero only when the input cannot be read at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated

import typer

MODEL_CHOICES = ("categories", "agencies", "sentiment", "all")

InputArg = Annotated[str, typer.Argument(help="JSON Lines 输入文件，`-` 表示标准输入")]
OutputOpt = Annotated[str | None, typer.Option("-o", "--output", help="输出文件（默认标准输出）")]


def parse_line(raw: bytes, max_chars: int) -> tuple[dict | None, dict | None]:
    """(record, None) for a usable line, (None, error line) otherwise."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None, {"error": "该行不是 UTF-8 编码 / line is not valid UTF-8"}
    if not line.strip():
        return None, {"error": "空行 / empty line"}
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, {"error": f"该行不是合法 JSON / line is not JSON: {exc.msg}"}
    if not isinstance(record, dict):
        return None, {"error": "该行不是 JSON 对象 / line is not a JSON object"}
    head = {"id": record["id"]} if "id" in record else {}
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return None, {**head, "error": "缺少文本字段 text / missing or empty 'text'"}
    if len(text) > max_chars:
        return None, {**head, "error": f"文本过长（{len(text)} > {max_chars} 字）/ text too long"}
    return record, None


def _read_lines(source: str) -> Iterator[bytes]:
    stream = sys.stdin.buffer if source == "-" else open(source, "rb")  # noqa: SIM115 - closed below
    try:
        for raw in stream:
            yield raw.rstrip(b"\r\n")
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def run_jsonl(source: str, output: str | None, chunk_size: int, max_chars: int,
              predict: Callable[[list[dict]], list[dict]]) -> int:
    """Stream ``source`` through ``predict`` in chunks; returns the number of error lines."""
    try:
        if source != "-" and not Path(source).is_file():
            raise OSError(f"找不到输入文件 / input not found: {source}")
        lines = _read_lines(source)
        out = sys.stdout if output is None else open(output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        typer.echo(f"无法读取输入 / cannot read input: {exc}", err=True)
        raise typer.Exit(2) from exc
    errors = 0
    try:
        pending: list[tuple[dict | None, dict | None]] = []
        try:
            for raw in lines:
                pending.append(parse_line(raw, max_chars))
                if len(pending) >= chunk_size:
                    errors += _flush(pending, predict, out)
                    pending = []
        except OSError as exc:
            typer.echo(f"读取输入中断 / reading input failed: {exc}", err=True)
            raise typer.Exit(2) from exc
        errors += _flush(pending, predict, out)
    finally:
        if out is not sys.stdout:
            out.close()
    return errors


def _flush(pending: list[tuple[dict | None, dict | None]], predict, out) -> int:
    records = [rec for rec, _ in pending if rec is not None]
    predicted = iter(predict(records) if records else [])
    errors = 0
    for rec, error in pending:
        if rec is None:
            errors += 1
            line = error
        else:
            line = {"id": rec.get("id"), **next(predicted)}
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
    out.flush()
    return errors


def register(app: typer.Typer) -> None:
    @app.command("classify")
    def classify_cmd(input: InputArg, output: OutputOpt = None) -> None:
        """对投诉文本分类（类别、被投诉单位、证据），输入输出均为 JSON Lines。"""
        from classifiers.triage import ensure_default_models, load_triager
        from qingfeng.settings import get_settings

        settings = get_settings()
        ensure_default_models(settings)
        triager = load_triager(settings)

        def predict(records: list[dict]) -> list[dict]:
            channels = [r.get("channel") if isinstance(r.get("channel"), str) else None for r in records]
            return [res.as_dict() for res in triager.triage_batch([r["text"] for r in records], channels)]

        errors = run_jsonl(input, output, settings.classify_chunk_size, settings.max_text_chars, predict)
        if errors:
            typer.echo(f"{errors} 行无法处理，已输出错误行 / {errors} line(s) could not be classified", err=True)

    @app.command("survey")
    def survey_cmd(input: InputArg, output: OutputOpt = None) -> None:
        """分析满意度调查的开放回答（情感与问题方面），输入输出均为 JSON Lines。"""
        from classifiers.survey import load_survey_analyzer
        from classifiers.triage import ensure_default_models
        from qingfeng.settings import get_settings

        settings = get_settings()
        ensure_default_models(settings)
        analyzer = load_survey_analyzer(settings)

        def predict(records: list[dict]) -> list[dict]:
            return [res.as_dict() for res in analyzer.analyse_batch([r["text"] for r in records])]

        errors = run_jsonl(input, output, settings.classify_chunk_size, settings.max_text_chars, predict)
        if errors:
            typer.echo(f"{errors} 行无法处理，已输出错误行 / {errors} line(s) could not be analysed", err=True)

    @app.command("train")
    def train_cmd(name: Annotated[str, typer.Argument(help="categories | agencies | sentiment | all")] = "all") -> None:
        """训练模型，在测试集上评估，保存新版本（尚无生产版本时设为生产版本）。"""
        from classifiers.report import format_summary
        from classifiers.train import load_resources, register_trained
        from qingfeng.settings import get_settings

        settings = get_settings()
        resources = load_resources(settings)
        resources.memo = {}  # the models share prepared texts
        for model_name in _names(name):
            summary = register_trained(settings, model_name, resources=resources)
            typer.echo(format_summary(summary))

    @app.command("evaluate")
    def evaluate_cmd(name: Annotated[str, typer.Argument(help="categories | agencies | sentiment | all")] = "all",
                     output_dir: Annotated[Path | None, typer.Option("-o", "--output-dir", help="报告目录")] = None) -> None:
        """在测试集上评估生产模型，写出 report.md 和图表。"""
        from classifiers.report import evaluate_production
        from classifiers.triage import ModelsMissing
        from qingfeng.settings import get_settings

        settings = get_settings()
        target = output_dir or Path(settings.reports_dir) / "evaluation"
        try:
            report = evaluate_production(settings, list(_names(name)), target)
        except ModelsMissing as exc:
            typer.echo(str(exc), err=True)
            raise typer.Exit(1) from exc
        typer.echo(f"评估报告已写入 / report written: {report}")


def _names(name: str) -> tuple[str, ...]:
    if name not in MODEL_CHOICES:
        raise typer.BadParameter(f"未知模型 {name!r}；可选 {', '.join(MODEL_CHOICES)}")
    return ("categories", "agencies", "sentiment") if name == "all" else (name,)
