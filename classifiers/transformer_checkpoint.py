"""A small BERT checkpoint made from scratch: a character vocabulary from the corpus and a random-init
``BertModel``. For tests and benchmarks (no download), and as a last resort when no pretrained Chinese
checkpoint is on disk — a pretrained one (e.g. a Chinese RoBERTa) is far better; see the README.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")


def build_char_vocab(texts: Iterable[str], *, min_count: int = 1, max_size: int = 8000) -> list[str]:
    """Special tokens, then characters by frequency (ties by code point), then ``##`` ASCII continuations.

    BERT's basic tokenizer splits every CJK character into its own token; Latin letters and digits form
    words that WordPiece splits into a first character plus ``##`` continuations, all of which are here.
    """
    from classifiers.normalise import normalise

    counts = Counter(ch for text in texts for ch in normalise(text).text if not ch.isspace())
    ascii_alnum = string.ascii_lowercase + string.digits
    chars = [ch for ch, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])) if n >= min_count]
    chars = [c for c in chars if c not in ascii_alnum]
    budget = max(0, max_size - len(SPECIAL_TOKENS) - 2 * len(ascii_alnum))
    return [*SPECIAL_TOKENS, *ascii_alnum, *chars[:budget], *(f"##{c}" for c in ascii_alnum)]


def make_tiny_checkpoint(directory: Path, texts: Iterable[str], *, hidden_size: int = 32, layers: int = 2,
                         heads: int = 2, intermediate_size: int | None = None, max_positions: int = 512,
                         seed: int = 0) -> Path:
    """Write a random-init BERT (``BertModel``, safetensors) and its tokenizer to ``directory``."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vocab = build_char_vocab(texts)
    tokenizer = BertTokenizer(vocab={tok: i for i, tok in enumerate(vocab)}, do_lower_case=True)
    tokenizer.model_max_length = max_positions
    config = BertConfig(vocab_size=len(vocab), hidden_size=hidden_size, num_hidden_layers=layers,
                        num_attention_heads=heads, intermediate_size=intermediate_size or 4 * hidden_size,
                        max_position_embeddings=max_positions, pad_token_id=0)
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    (directory / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    return directory
