"""Volume benchmark of the nightly flow: 10k and 100k complaints through ``pipelines.nightly.nightly``.

Each scenario runs the real Prefect flow in a child process (fresh database, one shared local Prefect
server); the parent samples the RSS of the child and its triage workers together every 0.5 s (peak of the
sum), and the child reports its own high-water mark. SQLite always; PostgreSQL when
QINGFENG_TEST_POSTGRES_URL (or --postgres-url) is reachable, skipped cleanly otherwise. The triage rate of
the PRODUCTION models is measured alone as well, to show where the time goes.

Run: .venv/bin/python -m bench.nightly_volume [--sizes 10000,100000] [--skip-postgres] [--workers N]
Writes bench/results/nightly_volume.json and bench/results/nightly_volume.md. Timings only: never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DAY = datetime(2018, 6, 12)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def child(source: str, out: str) -> None:
    """Run the flow once (environment prepared by the parent) and write timings and peak memory."""
    from pipelines.nightly import nightly

    started = time.perf_counter()
    summary = nightly(date=DAY.date(), source_dir=source)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)  # the triage pool's processes, when there is one
    Path(out).write_text(json.dumps({
        "flow_wall_s": round(wall, 1), "main_peak_rss_mib": round(_high_water_mib(), 1),
        "classify_workers": int(os.environ.get("QINGFENG_CLASSIFY_WORKERS", "1") or 1),
        "cpu_user_s": round(usage.ru_utime + workers.ru_utime, 1),
        "cpu_sys_s": round(usage.ru_stime + workers.ru_stime, 1),
        "summary": {k: v for k, v in summary.items() if k not in ("report", "source_dir")},
    }), encoding="utf-8")


def _high_water_mib() -> float:
    """This process's own peak RSS (VmHWM; ``ru_maxrss`` carries the parent's peak across exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _schema(base: str, schema: str, *, create: bool) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(base)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        if create:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def postgres_url(base: str | None, schema: str) -> str | None:
    """A fresh schema on the server, or None when it cannot be reached."""
    if not base:
        return None
    try:
        _schema(base, schema, create=True)
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable": skip, never fail
        print(f"PostgreSQL skipped: {exc.__class__.__name__}", file=sys.stderr)
        return None
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}"


def triage_rate(settings, n: int = 1000) -> float:
    """Texts per second of ``Triager.triage_batch`` alone (after warm-up), chunks of the flow's size."""
    from bench.nightly_volume_data import Composer
    from classifiers.triage import ensure_default_models, load_triager

    ensure_default_models(settings)
    triager = load_triager(settings)
    comp = Composer(seed=7)
    texts = [comp.text(["hotline", "online", "report_box"][i % 3]) for i in range(n)]
    triager.triage_batch(texts[:50])
    started = time.perf_counter()
    for i in range(0, n, settings.classify_chunk_size):
        triager.triage_batch(texts[i:i + settings.classify_chunk_size])
    return n / (time.perf_counter() - started)


def sample_tree_rss(proc: subprocess.Popen, every: float = 0.5) -> float:
    """Wait for ``proc``; the largest sum of RSS over it and its descendants (the triage pool), in MiB."""
    import psutil

    peak = 0.0
    root = psutil.Process(proc.pid)
    while proc.poll() is None:
        try:
            procs = [root, *root.children(recursive=True)]
            peak = max(peak, sum(p.memory_info().rss for p in procs if p.is_running()) / 2**20)
        except psutil.Error:
            pass
        time.sleep(every)
    return peak


def run_scenario(name: str, source: Path, database_url: str, work: Path, env_base: dict) -> dict:
    out = work / f"{name}.json"
    env = dict(env_base, QINGFENG_DATABASE_URL=database_url, QINGFENG_REPORTS_DIR=str(work / f"reports-{name}"))
    load_before = os.getloadavg()
    started = time.perf_counter()
    err = work / f"{name}.stderr"
    with err.open("w", encoding="utf-8") as stderr:
        proc = subprocess.Popen([sys.executable, "-m", "bench.nightly_volume", "--child", str(source), str(out)],
                                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        peak_tree = sample_tree_rss(proc)
    total = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{err.read_text(encoding='utf-8')[-3000:]}")
    result = json.loads(out.read_text(encoding="utf-8"))
    result["process_wall_s"] = round(total, 1)
    result["peak_tree_rss_mib"] = round(peak_tree, 1)
    result["load_avg_1m"] = [round(load_before[0], 1), round(os.getloadavg()[0], 1)]  # other work on the machine
    print(f"{name}: {result}", file=sys.stderr)
    return result


def render(report: dict) -> str:
    lines = ["# Nightly flow volume benchmark", "",
             f"Machine: {report['machine']['platform']}, {report['machine']['cpu_count']} CPUs, "
             f"Python {report['machine']['python']}. Date: {report['created']}.", "",
             f"Triage alone (PRODUCTION models, chunks of {report['chunk_size']}): "
             f"**{report['triage_texts_per_s']:.0f} texts/s** in one process.", "",
             f"Triage pool: `QINGFENG_CLASSIFY_WORKERS={report['classify_workers']}`"
             + (" (worker processes classify one chunk ahead of storage)." if report["classify_workers"] > 1 else "."), "",
             "| scenario | complaints | flow wall (s) | process wall (s) | peak RSS, flow + workers (MiB) | CPU user+sys (s) "
             "| stored | quarantined | complaints/s | load avg before/after |", "|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in report["scenarios"].items():
        if "skipped" in r:
            lines.append(f"| {name} | — | skipped: {r['skipped']} | | | | | | | |")
            continue
        s = r["summary"]
        rate = s.get("stored", 0) / r["flow_wall_s"] if r["flow_wall_s"] else 0
        rss = f"{r['peak_tree_rss_mib']}"
        lines.append(f"| {name} | {r['size']} | {r['flow_wall_s']} | {r['process_wall_s']} | {rss} | "
                     f"{r['cpu_user_s'] + r['cpu_sys_s']:.0f} | {s.get('stored', 0)} | {s.get('quarantined', 0)} | "
                     f"{rate:.0f} | {' / '.join(map(str, r.get('load_avg_1m', [])))} |")
    lines += ["", "Target: 100k complaints in < 3 min and < 2 GiB on a 2-core machine.",
              "Flow wall = the flow call inside the child (models loaded, files parsed, stored, report written); "
              "process wall adds interpreter start and the Prefect client connection. "
              "The Prefect server is shared and started once, outside the timings.", ""]
    lines += [f"- {note}" for note in report.get("notes", [])]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("SOURCE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("QINGFENG_TEST_POSTGRES_URL") or DEFAULT_PG)
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="QINGFENG_CLASSIFY_WORKERS for the flow (default: 2 on a machine with 2+ CPUs)")
    args = parser.parse_args(argv)
    if args.child:
        child(*args.child)
        return

    from bench.nightly_volume_data import generate
    from qingfeng.settings import Settings

    settings = Settings()
    sizes = [int(s) for s in args.sizes.split(",")]
    report: dict = {"created": datetime.now().isoformat(timespec="seconds"), "chunk_size": settings.classify_chunk_size,
                    "classify_workers": args.workers,
                    "machine": {"platform": platform.platform(), "python": platform.python_version(),
                                "cpu_count": os.cpu_count()}, "scenarios": {}, "notes": []}
    report["triage_texts_per_s"] = round(triage_rate(settings), 1)
    with tempfile.TemporaryDirectory(prefix="qingfeng-bench-") as tmp:
        work = Path(tmp)
        os.environ["PREFECT_HOME"] = str(work / "prefect")
        os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
        from prefect.server.api.server import SubprocessASGIServer

        server = SubprocessASGIServer()
        server.start(timeout=300)
        env_base = {k: v for k, v in os.environ.items() if not k.startswith("QINGFENG_")}
        env_base.update(PREFECT_API_URL=server.api_url, PREFECT_LOGGING_LEVEL="WARNING",
                        QINGFENG_MODEL_DIR=str(settings.model_dir), QINGFENG_CLASSIFY_WORKERS=str(args.workers))
        try:
            for size in sizes:
                source = work / f"source-{size}"
                started = time.perf_counter()
                formats = generate(source, size, DAY)
                report["notes"].append(f"{size}: generated in {time.perf_counter() - started:.0f} s: {formats}")
                backends = [("sqlite", f"sqlite:///{work / f'bench-{size}.db'}")]
                schema = f"bench_nightly_{size}_{os.getpid()}"
                if not args.skip_postgres:
                    backends.append(("postgres", postgres_url(args.postgres_url, schema)))
                for backend, url in backends:
                    name = f"{backend}-{size // 1000}k"
                    if url is None:
                        report["scenarios"][name] = {"skipped": "PostgreSQL not reachable"}
                        continue
                    try:
                        report["scenarios"][name] = {"size": size,
                                                     **run_scenario(name, source, url, work, env_base)}
                    finally:
                        if backend == "postgres":
                            _schema(args.postgres_url, schema, create=False)
        finally:
            server.stop()
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "nightly_volume.json").write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n",
                                                      encoding="utf-8")
    (args.results / "nightly_volume.md").write_text(render(report), encoding="utf-8")
    print(render(report))


if __name__ == "__main__":
    main()
