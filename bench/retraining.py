"""Retraining cost: the default (linear) backend on the corpus, and the transformer backend per epoch —
a tiny BERT (hidden 32, 2 layers, 2 heads) on the CPU and, when a GPU is present, on the GPU, plus a
BERT-base-shaped network (hidden 768, 12 layers, random init) on the GPU to show what a real checkpoint
costs. Timings only — never asserted in tests.

Each machine's numbers are kept as one "run" in bench/results/retraining.json (re-running on the same
machine replaces its run) and rendered to bench/results/retraining.md.

Run: .venv/bin/python -m bench.retraining [--epochs 2] [--skip-sklearn] [--skip-base] [--results DIR]
     .venv/bin/python -m bench.retraining --merge other/retraining.json   # add a run made elsewhere
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "data" / "corpus"


def machine() -> dict:
    info = {"platform": platform.platform(), "python": platform.python_version(), "cpu_count": os.cpu_count(),
            "load_average_1min": round(os.getloadavg()[0], 2)}
    try:
        import torch

        info.update(torch=torch.__version__, torch_threads=torch.get_num_threads(),
                    gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)
    except ImportError:
        info.update(torch=None, gpu=None)
    return info


def bench_sklearn() -> dict:
    """Prepare + fit the default categories model on the whole training split (CPU)."""
    from classifiers import model_specs, train
    from classifiers.corpus import read_complaints
    from qingfeng.settings import Settings

    settings = Settings(model_dir=Path(tempfile.mkdtemp()))
    started = time.perf_counter()
    resources = train.load_resources(settings)
    records = read_complaints(CORPUS, "train")
    docs = resources.prepare([c.text for c in records])
    prepared = time.perf_counter()
    config = model_specs.resolve_config("categories", resources.cue_doc)
    train.fit_categories(docs, records, config)
    done = time.perf_counter()
    return {"n_train": len(records), "prepare_seconds": round(prepared - started, 2),
            "fit_seconds": round(done - prepared, 2), "total_seconds": round(done - started, 2)}


class Prepared:
    """A text already normalised and masked (what the network reads), so timing covers training only."""

    def __init__(self, clean_text: str) -> None:
        self.clean_text = clean_text


def bench_transformer(device: str, *, hidden: int, layers: int, heads: int, epochs: int, max_length: int,
                      batch_size: int, checkpoint_dir: Path) -> dict:
    import numpy as np

    from classifiers.corpus import label_matrix, read_complaints
    from classifiers.transformer_backend import TransformerArgs, fit_transformer, model_text
    from classifiers.transformer_checkpoint import make_tiny_checkpoint
    from qingfeng.codes import CATEGORY_CODES

    labels = sorted(CATEGORY_CODES)
    train = read_complaints(CORPUS, "train")
    test = read_complaints(CORPUS, "test")
    texts = [Prepared(model_text(c.text)) for c in train]
    ckpt = make_tiny_checkpoint(checkpoint_dir / f"bert-{hidden}-{layers}", [c.text for c in train],
                                hidden_size=hidden, layers=layers, heads=heads)
    args = TransformerArgs(checkpoint=str(ckpt), max_length=max_length, batch_size=batch_size, epochs=epochs,
                           learning_rate=2e-3 if hidden <= 64 else 5e-5, patience=epochs + 1, dev_fraction=0.1,
                           device=device)
    started = time.perf_counter()
    model = fit_transformer(texts, label_matrix([c.categories for c in train], labels), labels, args)
    total = time.perf_counter() - started
    test_texts = [model_text(c.text) for c in test]
    model.predict_proba_texts(test_texts[:32])  # warm-up
    t0 = time.perf_counter()
    model.predict_proba_texts(test_texts)
    infer = time.perf_counter() - t0
    n_params = sum(int(np.prod(p.shape)) for p in model.network.parameters())
    return {"device": device, "hidden": hidden, "layers": layers, "heads": heads, "parameters": n_params,
            "n_train": len(train), "max_length": max_length, "batch_size": batch_size,
            "epoch_seconds": [e["seconds"] for e in model.history],
            "train_loss": [e["train_loss"] for e in model.history],
            "fit_seconds_total": round(total, 2), "inference_texts_per_second": round(len(test_texts) / infer, 1)}


def run(epochs: int, skip_sklearn: bool, skip_base: bool) -> dict:
    import torch

    result: dict = {"machine": machine(), "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    if not skip_sklearn:
        try:
            result["sklearn_categories"] = bench_sklearn()
        except ImportError as exc:
            result["sklearn_categories"] = {"skipped": f"missing dependency: {exc.name}"}
    with tempfile.TemporaryDirectory() as tmp:
        tiny = dict(hidden=32, layers=2, heads=2, epochs=epochs, max_length=128, batch_size=32, checkpoint_dir=Path(tmp))
        result["transformer_tiny_cpu"] = bench_transformer("cpu", **tiny)
        if torch.cuda.is_available():
            result["transformer_tiny_gpu"] = bench_transformer("cuda", **tiny)
            if not skip_base:
                result["transformer_base_gpu"] = bench_transformer(
                    "cuda", hidden=768, layers=12, heads=12, epochs=epochs, max_length=256, batch_size=32,
                    checkpoint_dir=Path(tmp))
    return result


def run_label(result: dict) -> str:
    m = result["machine"]
    return f"{m.get('gpu') or 'cpu-only'} / {m['cpu_count']} cores"


def render_md(runs: dict) -> str:
    lines = ["# Retraining cost", "",
             "Default backend: prepare (normalise, mask, segment) + fit of the categories model on the whole",
             "training split. Transformer backend: seconds per epoch of fine-tuning on the training split",
             "(fp32, dev loss each epoch included); the base-shaped network is random-init (same shape as",
             "a Chinese BERT/RoBERTa base checkpoint), so only its time is meaningful, not its loss.", ""]
    for label, result in runs.items():
        m = result["machine"]
        lines += [f"## {label}", "", f"- measured {result['measured_at']}; {m['platform']}; Python {m['python']};"
                  f" torch {m.get('torch')} ({m.get('torch_threads')} threads); load average {m.get('load_average_1min')}"
                  " at the start (other processes on a small machine slow every number)", ""]
        sk = result.get("sklearn_categories")
        if sk and "skipped" not in sk:
            lines.append(f"- default backend (categories, {sk['n_train']} texts): prepare {sk['prepare_seconds']} s + "
                         f"fit {sk['fit_seconds']} s = **{sk['total_seconds']} s**")
        elif sk:
            lines.append(f"- default backend: skipped ({sk['skipped']})")
        lines += ["", "| transformer | device | params | max len | batch | s / epoch | loss by epoch | predict texts/s |",
                  "|---|---|---|---|---|---|---|---|"]
        for key in ("transformer_tiny_cpu", "transformer_tiny_gpu", "transformer_base_gpu"):
            t = result.get(key)
            if t:
                shape = f"{t['hidden']}×{t['layers']}L×{t['heads']}H"
                lines.append(f"| {shape} | {t['device']} | {t['parameters']:,} | {t['max_length']} | {t['batch_size']} | "
                             f"{' / '.join(f'{s:.2f}' for s in t['epoch_seconds'])} | "
                             f"{' → '.join(f'{v:.3f}' for v in t['train_loss'])} | {t['inference_texts_per_second']} |")
        lines.append("")
    return "\n".join(lines)


def save(runs: dict, results_dir: Path) -> None:
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / "retraining.json").write_text(json.dumps({"runs": runs}, ensure_ascii=False, indent=2) + "\n",
                                                 encoding="utf-8")
    (results_dir / "retraining.md").write_text(render_md(runs), encoding="utf-8")


def load_runs(results_dir: Path) -> dict:
    path = results_dir / "retraining.json"
    return json.loads(path.read_text(encoding="utf-8")).get("runs", {}) if path.is_file() else {}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--skip-base", action="store_true")
    parser.add_argument("--threads", type=int, help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--results", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--merge", type=Path, help="add the runs of another retraining.json and re-render")
    args = parser.parse_args(argv)
    runs = load_runs(args.results)
    if args.merge:
        runs.update(json.loads(args.merge.read_text(encoding="utf-8"))["runs"])
    else:
        if args.threads:
            import torch

            torch.set_num_threads(args.threads)
        result = run(args.epochs, args.skip_sklearn, args.skip_base)
        runs[run_label(result)] = result
    save(runs, args.results)
    print(render_md(runs))


if __name__ == "__main__":
    main()
