"""A transformer backend for the category task: fine-tune a local BERT-family checkpoint (multi-label).

The model exposes the interface the :class:`~classifiers.triage.Triager` and :mod:`classifiers.evaluate`
use on the default linear model — ``labels``, ``features(docs)``, ``predict_proba(docs)``,
``head.predict_proba``, ``head.threshold_``, ``head.predict`` and ``evidence`` — so either backend serves.

* Input text: normalised and PII-masked (the ``clean_text`` of a prepared text), truncated to
  ``max_length`` tokens.
* Head: one logit per label, ``BCEWithLogitsLoss`` with ``pos_weight = negatives / positives`` (capped).
* Early stopping on the loss of a seeded dev split; per-label thresholds tuned on the dev probabilities.
* Saved with ``save_pretrained`` (``model.safetensors``; ``id2label`` / ``label2id`` in ``config.json``).
* Only local directories are read (``local_files_only=True``); nothing is ever downloaded.

torch and transformers are imported inside functions: importing this module costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from classifiers.lexicon import CueLexicon
from classifiers.linear import tune_threshold
from classifiers.spans import Span

SUBDIR = "transformer"  # inside a registry version directory


@dataclass
class TransformerArgs:
    """Fine-tuning settings (saved in the version's config.json)."""

    checkpoint: str = field(default="", metadata={"help": "local directory of a BERT-family checkpoint"})
    max_length: int = field(default=256, metadata={"help": "tokens per text (longer texts are truncated)"})
    batch_size: int = 16
    epochs: int = 8
    learning_rate: float = 3e-5
    weight_decay: float = 0.01
    warmup_fraction: float = 0.1
    patience: int = field(default=2, metadata={"help": "epochs without dev-loss improvement before stopping"})
    dev_fraction: float = 0.15
    max_pos_weight: float = 10.0
    seed: int = 0
    device: str = field(default="auto", metadata={"help": "auto | cpu | cuda"})


def model_text(item) -> str:
    """What the network reads: the prepared text's ``clean_text``, or a raw text normalised and masked."""
    if hasattr(item, "clean_text"):
        return item.clean_text
    from classifiers.normalise import normalise
    from classifiers.pii import redact

    return redact(normalise(str(item)).text).text


def pick_device(name: str = "auto"):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def _quiet_transformers() -> None:
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()


class _Head:
    """The thresholding part, shaped like the linear head (``predict_proba`` runs the network)."""

    def __init__(self, model: TransformerCategoryModel, thresholds: np.ndarray) -> None:
        self._model = model
        self.threshold_ = np.asarray(thresholds, dtype=np.float64)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self._model.predict_proba_texts(list(texts))

    def predict(self, proba: np.ndarray) -> np.ndarray:
        return proba >= self.threshold_


class TransformerCategoryModel:
    backend = "transformer"

    def __init__(self, network, tokenizer, labels: list[str], thresholds: np.ndarray, args: TransformerArgs,
                 lexicon: CueLexicon | None = None, history: list[dict] | None = None) -> None:
        self.network = network
        self.tokenizer = tokenizer
        self.labels = list(labels)
        self.args = args
        self.lexicon = lexicon
        self.history = list(history or [])
        self.device = pick_device(args.device)
        self.network.to(self.device)
        self.head = _Head(self, thresholds)

    # --- the interface shared with the linear model --------------------------------------------------
    def features(self, docs) -> list[str]:
        return [model_text(d) for d in docs]

    def predict_proba(self, docs, X: Sequence[str] | None = None) -> np.ndarray:
        return self.predict_proba_texts(self.features(docs) if X is None else list(X))

    def predict_proba_texts(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """Sigmoid scores, batched; texts are sorted by length so each batch pads little."""
        import torch

        out = np.zeros((len(texts), len(self.labels)), dtype=np.float64)
        if not texts:
            return out
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        size = batch_size or max(self.args.batch_size, 32)
        self.network.eval()
        with torch.inference_mode():
            for lo in range(0, len(order), size):
                rows = order[lo:lo + size]
                logits = self._logits([texts[i] for i in rows])
                out[rows] = torch.sigmoid(logits).float().cpu().numpy()
        return out

    def evidence(self, doc, x_row, label: str, k: int = 8, max_spans: int = 3) -> list[Span]:
        """The network gives no per-word weights: evidence is the label's cue words found in the text."""
        if self.lexicon is None or not hasattr(doc, "normalised"):
            return []
        group = f"categories.{label}"
        spans = []
        for match in self.lexicon.find(doc.clean_text):
            if match.span.label != group or match.negated:
                continue
            if any(p.start < match.span.end and match.span.start < p.end for p in doc.pii):
                continue
            s, e = doc.normalised.original_span(match.span.start, match.span.end)
            spans.append(Span(s, e, label, doc.original[s:e]))
            if len(spans) >= max_spans:
                break
        return sorted(spans)

    # --- internals -----------------------------------------------------------------------------------
    def _encode(self, texts: list[str]):
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=self.args.max_length,
                               return_tensors="pt")
        return {k: v.to(self.device) for k, v in batch.items()}

    def _logits(self, texts: list[str]):
        return self.network(**self._encode(texts)).logits

    # --- persistence ---------------------------------------------------------------------------------
    def save(self, directory: Path) -> Path:
        """``save_pretrained`` of network and tokenizer into ``directory`` (safetensors)."""
        _quiet_transformers()
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        self.network.save_pretrained(directory)
        self.tokenizer.save_pretrained(directory)
        return directory

    def config(self) -> dict:
        return {"backend": "transformer", "transformer": asdict(self.args), "labels": list(self.labels)}


def load_network(directory: Path, labels: list[str] | None = None):
    """(network, tokenizer) from a local directory; with ``labels`` a fresh multi-label head is attached."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    _quiet_transformers()
    directory = Path(directory)
    if not (directory / "config.json").is_file():
        raise FileNotFoundError(f"不是有效的模型目录（缺少 config.json）/ not a checkpoint directory: {directory}")
    if not list(directory.glob("*.safetensors")):
        raise FileNotFoundError(f"模型目录中没有 safetensors 权重（不加载 pickle 格式的 .bin）/ no *.safetensors in {directory}")
    kwargs: dict = {"local_files_only": True, "use_safetensors": True}
    if labels is not None:
        kwargs.update(num_labels=len(labels), problem_type="multi_label_classification",
                      id2label=dict(enumerate(labels)), label2id={lab: i for i, lab in enumerate(labels)},
                      ignore_mismatched_sizes=True)
    network = AutoModelForSequenceClassification.from_pretrained(str(directory), **kwargs)
    tokenizer = AutoTokenizer.from_pretrained(str(directory), local_files_only=True)
    return network, tokenizer


def load_model(directory: Path, thresholds: np.ndarray, args: TransformerArgs,
               lexicon: CueLexicon | None = None) -> TransformerCategoryModel:
    network, tokenizer = load_network(directory)
    id2label = network.config.id2label
    labels = [id2label[i] for i in range(len(id2label))]
    return TransformerCategoryModel(network, tokenizer, labels, thresholds, args, lexicon)


def pos_weights(Y: np.ndarray, cap: float) -> np.ndarray:
    """negatives / positives per label, within [1, cap] (1 for a label without positives)."""
    pos = Y.sum(axis=0).astype(float)
    neg = len(Y) - pos
    w = np.where(pos > 0, neg / np.maximum(pos, 1), 1.0)
    return np.clip(w, 1.0, cap)


def dev_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train rows, dev rows), seeded; at least one row on each side when n ≥ 2."""
    order = np.random.default_rng(seed).permutation(n)
    n_dev = min(max(1, int(round(n * fraction))), n - 1) if n >= 2 else 0
    return np.sort(order[n_dev:]), np.sort(order[:n_dev])


def fit_transformer(texts: Sequence, Y: np.ndarray, labels: list[str], args: TransformerArgs,
                    lexicon: CueLexicon | None = None, log=None) -> TransformerCategoryModel:
    """Fine-tune ``args.checkpoint`` on (texts, Y); returns the model at its best dev loss."""
    import torch

    torch.manual_seed(args.seed)
    texts = [model_text(t) for t in texts]
    Y = np.asarray(Y, dtype=np.float32)
    network, tokenizer = load_network(Path(args.checkpoint), labels)
    model = TransformerCategoryModel(network, tokenizer, labels, np.full(len(labels), 0.5), args, lexicon)
    train_rows, dev_rows = dev_split(len(texts), args.dev_fraction, args.seed)
    loss_fn = torch.nn.BCEWithLogitsLoss(
        pos_weight=torch.tensor(pos_weights(Y[train_rows], args.max_pos_weight), dtype=torch.float32, device=model.device))
    optimizer = torch.optim.AdamW(network.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay)
    steps = max(1, args.epochs * -(-len(train_rows) // args.batch_size))
    warmup = int(steps * args.warmup_fraction)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: (s + 1) / max(1, warmup) if s < warmup else max(0.0, (steps - s) / max(1, steps - warmup)))
    generator = torch.Generator().manual_seed(args.seed)
    best_loss, best_state, stale = float("inf"), None, 0
    for epoch in range(1, args.epochs + 1):
        started = time.perf_counter()
        network.train()
        total, seen = 0.0, 0
        for batch in torch.randperm(len(train_rows), generator=generator).split(args.batch_size):
            rows = train_rows[batch.numpy()]
            target = torch.from_numpy(Y[rows]).to(model.device)
            loss = loss_fn(model._logits([texts[i] for i in rows]), target)
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            total, seen = total + float(loss.detach()) * len(rows), seen + len(rows)
        dev_loss = _dev_loss(model, texts, Y, dev_rows, loss_fn)
        record = {"epoch": epoch, "train_loss": round(total / max(seen, 1), 5), "dev_loss": round(dev_loss, 5),
                  "seconds": round(time.perf_counter() - started, 2)}
        model.history.append(record)
        if log is not None:
            log(record)
        if dev_loss < best_loss - 1e-4:
            best_loss, stale = dev_loss, 0
            best_state = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
        else:
            stale += 1
            if stale >= args.patience:
                break
    if best_state is not None:
        network.load_state_dict(best_state)
    if len(dev_rows):
        proba = model.predict_proba_texts([texts[i] for i in dev_rows])
        model.head.threshold_ = np.array([tune_threshold(Y[dev_rows, j].astype(int), proba[:, j])
                                          for j in range(len(labels))])
    return model


def _dev_loss(model: TransformerCategoryModel, texts: list[str], Y: np.ndarray, rows: np.ndarray, loss_fn) -> float:
    import torch

    if not len(rows):
        return 0.0
    model.network.eval()
    total = 0.0
    with torch.inference_mode():
        for lo in range(0, len(rows), 64):
            part = rows[lo:lo + 64]
            target = torch.from_numpy(Y[part]).to(model.device)
            total += float(loss_fn(model._logits([texts[i] for i in part]), target)) * len(part)
    return total / len(rows)
