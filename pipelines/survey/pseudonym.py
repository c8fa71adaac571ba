"""Respondent pseudonyms: a keyed hash (HMAC-SHA256) of the enterprise name, e.g. ``企业-3f9a1c0b2e``.

The same enterprise always gets the same pseudonym under one key, so answers can be grouped without
storing who answered; without the key the name cannot be recovered by hashing a list of company names.
The key is ``Settings.survey_pseudonym_key``; when unset, a random key is created once in
``Settings.survey_pseudonym_key_file`` (mode 0600) and reused.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import unicodedata
from pathlib import Path

PREFIX = "企业-"
DIGITS = 10


def canonical_name(name: str) -> str:
    """Spelling variants of one name hash alike: NFKC, no spaces, full-width brackets made half-width."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def pseudonym(name: str | None, key: bytes) -> str | None:
    if not name or not canonical_name(name):
        return None
    digest = hmac.new(key, canonical_name(name).encode("utf-8"), hashlib.sha256).hexdigest()
    return PREFIX + digest[:DIGITS]


def keyed_digest(text: str, key: bytes) -> str:
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def load_or_create_key(secret: str | None, key_file: Path) -> bytes:
    """The HMAC key: the configured secret, else the key file (created with a random key when absent)."""
    if secret:
        return secret.encode("utf-8")
    if key_file.is_file():
        key = key_file.read_text(encoding="utf-8").strip()
        if len(key) < 32:
            raise ValueError(f"假名密钥文件内容过短 (pseudonym key file too short): {key_file}")
        return key.encode("utf-8")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32))
    return key_file.read_text(encoding="utf-8").strip().encode("utf-8")
