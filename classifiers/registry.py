"""The model registry on disk.

    models/<name>/<version>/weights.npz     arrays only (loaded with allow_pickle=False)
                            labels.json     sorted label map {"label2id": ..., "id2label": ...}
                            config.json     the resolved config
                            metrics.json    evaluation on the test split
                            manifest.json   library versions, training-data sha256, git commit, created time
    models/<name>/PRODUCTION                the version in use (promotion = rewriting this pointer)
    models/<name>/HISTORY                   earlier PRODUCTION versions, one per line (for rollback)

Version names: ``20261126T153000-<datahash8>``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

MODEL_NAMES = ("categories", "agencies", "sentiment")
_LIBRARIES = ("numpy", "scipy", "scikit-learn", "jieba", "pyahocorasick", "opencc-python-reimplemented")


class RegistryError(RuntimeError):
    pass


@dataclass(frozen=True)
class LoadedVersion:
    name: str
    version: str
    arrays: dict[str, np.ndarray]
    labels: list[str]
    config: dict
    metrics: dict
    manifest: dict


def data_sha256(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"")
    return digest.hexdigest()


def new_version_name(data_hash: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now.strftime('%Y%m%dT%H%M%S')}-{data_hash[:8]}"


def _library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for lib in _LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "unknown"
    return out


def _git_commit(cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=True), encoding="utf-8")


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def save_version(model_dir: Path, name: str, arrays: dict[str, np.ndarray], labels: list[str], config: dict,
                 metrics: dict, data_hash: str, *, version: str | None = None,
                 extra: dict[str, str | Path] | None = None) -> str:
    """Write a new version directory; returns its name. Never overwrites an existing version.

    ``extra`` adds files that travel with the version, written before the directory appears: a ``str``
    value is written as UTF-8 text, a ``Path`` (file or directory) is copied (e.g. a model card, a
    transformer's ``save_pretrained`` directory).
    """
    from qingfeng.settings import PROJECT_ROOT

    version = version or new_version_name(data_hash)
    target = Path(model_dir) / name / version
    if target.exists():
        raise RegistryError(f"模型版本已存在 / version already exists: {name}/{version}")
    tmp = target.with_name(f".{version}.partial")
    tmp.mkdir(parents=True, exist_ok=False)
    np.savez_compressed(tmp / "weights.npz", **arrays)
    labels = sorted(labels)
    _write_json(tmp / "labels.json", {"label2id": {lab: i for i, lab in enumerate(labels)},
                                      "id2label": {str(i): lab for i, lab in enumerate(labels)}})
    _write_json(tmp / "config.json", config)
    _write_json(tmp / "metrics.json", metrics)
    _write_json(tmp / "manifest.json", {
        "name": name, "version": version, "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data_sha256": data_hash, "git_commit": _git_commit(PROJECT_ROOT),
        "libraries": _library_versions(), "format": "npz+json",
    })
    for rel, content in (extra or {}).items():
        _add_extra(tmp, rel, content)
    os.replace(tmp, target)
    return version


def _add_extra(root: Path, rel: str, content: str | Path) -> None:
    import shutil

    dest = root / rel
    if root.resolve() not in dest.resolve().parents:
        raise RegistryError(f"extra file outside the version directory: {rel}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, Path):
        if content.is_dir():
            shutil.copytree(content, dest)
        else:
            shutil.copy2(content, dest)
    else:
        dest.write_text(content, encoding="utf-8")


def load_version(model_dir: Path, name: str, version: str) -> LoadedVersion:
    path = Path(model_dir) / name / version
    if not (path / "weights.npz").is_file():
        raise RegistryError(f"找不到模型版本 / model version not found: {name}/{version} in {model_dir}")
    with np.load(path / "weights.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    labels_doc = json.loads((path / "labels.json").read_text(encoding="utf-8"))
    labels = [labels_doc["id2label"][str(i)] for i in range(len(labels_doc["id2label"]))]

    def read(fname: str) -> dict:
        return json.loads((path / fname).read_text(encoding="utf-8"))

    return LoadedVersion(name, version, arrays, labels, read("config.json"), read("metrics.json"), read("manifest.json"))


def list_versions(model_dir: Path, name: str) -> list[str]:
    root = Path(model_dir) / name
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")
                  and (p / "weights.npz").is_file())


def pointer_path(model_dir: Path, name: str) -> Path:
    return Path(model_dir) / name / "PRODUCTION"


def production_version(model_dir: Path, name: str) -> str | None:
    pointer = pointer_path(model_dir, name)
    if not pointer.is_file():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    return version or None


def history(model_dir: Path, name: str) -> list[str]:
    path = Path(model_dir) / name / "HISTORY"
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def set_production(model_dir: Path, name: str, version: str) -> str | None:
    """Point PRODUCTION at ``version``; the previous one is appended to HISTORY. Returns the previous."""
    if version not in list_versions(model_dir, name):
        raise RegistryError(f"找不到模型版本 / model version not found: {name}/{version}")
    previous = production_version(model_dir, name)
    if previous == version:
        return previous
    if previous:
        with (Path(model_dir) / name / "HISTORY").open("a", encoding="utf-8") as fh:
            fh.write(previous + "\n")
    _write_atomic(pointer_path(model_dir, name), version + "\n")
    return previous


def rollback(model_dir: Path, name: str) -> tuple[str | None, str]:
    """Point PRODUCTION back at the last version in HISTORY and drop that line. Returns (from, to)."""
    earlier = history(model_dir, name)
    if not earlier:
        raise RegistryError(f"没有可回滚的历史版本 / no earlier PRODUCTION version in HISTORY: {name}")
    target = earlier[-1]
    if target not in list_versions(model_dir, name):
        raise RegistryError(f"历史版本已不存在 / version in HISTORY is gone: {name}/{target}")
    current = production_version(model_dir, name)
    _write_atomic(pointer_path(model_dir, name), target + "\n")
    _write_atomic(Path(model_dir) / name / "HISTORY", "".join(v + "\n" for v in earlier[:-1]))
    return current, target


def pointer_state(model_dir: Path, names: tuple[str, ...] = MODEL_NAMES) -> tuple:
    """A cheap fingerprint of the PRODUCTION pointers (content + mtime) to detect promotions."""
    state = []
    for name in names:
        pointer = pointer_path(model_dir, name)
        try:
            state.append((name, pointer.stat().st_mtime_ns, pointer.read_text(encoding="utf-8").strip()))
        except OSError:
            state.append((name, None, None))
    return tuple(state)
