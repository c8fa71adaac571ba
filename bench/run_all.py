"""Run every benchmark: each bench/*.py module that exposes ``main()`` (``python -m bench.run_all``).

Modules are discovered, not listed, so a new benchmark only has to define ``main()``. A failing benchmark is
reported and the others still run; the exit code is non-zero when any failed.
"""

from __future__ import annotations

import importlib
import sys
import time
import traceback
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
SKIP = {"run_all"}


def discover() -> list[str]:
    names = []
    for path in sorted(BENCH_DIR.glob("*.py")):
        if path.stem in SKIP or path.stem.startswith("_"):
            continue
        module = importlib.import_module(f"bench.{path.stem}")
        if callable(getattr(module, "main", None)):
            names.append(path.stem)
    return names


def main() -> int:
    failed = []
    for name in discover():
        module = importlib.import_module(f"bench.{name}")
        started = time.perf_counter()
        print(f"== bench.{name}", flush=True)
        saved_argv = sys.argv
        sys.argv = [f"bench.{name}"]  # each benchmark sees no arguments of ours
        try:
            module.main()
        except SystemExit as exc:
            if exc.code not in (None, 0):
                failed.append(name)
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            failed.append(name)
        finally:
            sys.argv = saved_argv
        print(f"   {time.perf_counter() - started:.1f} s", flush=True)
    if failed:
        print(f"失败的基准 / failed benchmarks: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
