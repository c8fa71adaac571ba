"""Latency and throughput of the HTTP API, loopback only: ``qingfeng serve`` as a subprocess on 127.0.0.1
(random free port, temporary SQLite database, the default models), driven by an httpx async client.

* p50 / p99 latency and requests/s of POST /v1/triage at concurrency 1, 8 and 32, with 1 and 2 workers,
  next to GET /healthz on the same server (the framework's ceiling on this machine);
* a sustained POST /v1/triage run (default 300 s, ``--quick`` 30 s) that must show zero errors, with the
  RSS of the server processes sampled every second (flat memory = no leak).

Run: .venv/bin/python -m bench.api_latency [--quick] [--point-seconds 5] [--sustain-seconds 300]
Writes bench/results/api_latency.json and .md. Timings only: never asserted in tests. The load generator
shares the machine with the server, so on a small box the healthz ceiling is partly the client's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
MAX_REQUESTS_PER_POINT = 50_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def corpus_texts(limit: int = 500) -> list[str]:
    path = ROOT / "data" / "corpus" / "complaints" / "test.jsonl"
    texts = [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts[:limit]


def prepare_models(target: Path) -> str:
    """Copy the PRODUCTION triage models of the project (``Settings().model_dir``) into ``target``; when
    there are none, ``qingfeng serve`` trains the defaults there itself."""
    from classifiers import registry
    from qingfeng.settings import Settings

    source = Path(Settings().model_dir)
    for name in ("categories", "agencies"):
        version = registry.production_version(source, name)
        if version is None:
            return "trained by qingfeng serve"
        shutil.copytree(source / name / version, target / name / version)
        (target / name / "PRODUCTION").write_text(version + "\n", encoding="utf-8")
    return f"copied from {source}"


def cli(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qingfeng.cli.main", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600, check=True)


class Server:
    def __init__(self, env: dict, workers: int, log_path: Path) -> None:
        self.env, self.workers, self.port, self.log_path = env, workers, free_port(), log_path
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Server:
        import httpx

        self.log = self.log_path.open("a", encoding="utf-8")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "qingfeng.cli.main", "serve", "--host", "127.0.0.1", "--port", str(self.port),
             "--workers", str(self.workers), "--log-level", "warning"],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log)
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"qingfeng serve exited: {self.log_path.read_text(encoding='utf-8')[-2000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("qingfeng serve did not become ready")

    def _procs(self) -> list:
        import psutil

        root = psutil.Process(self.proc.pid)
        return [root, *root.children(recursive=True)]

    def rss_mb(self) -> float:
        import psutil

        try:
            return sum(p.memory_info().rss for p in self._procs()) / 2**20
        except psutil.Error:
            return float("nan")

    def cpu_seconds(self) -> float:
        """User + system CPU of the server processes: per request, a measure that other load on the
        machine does not inflate the way wall-clock latency is inflated."""
        import psutil

        try:
            return sum(sum(p.cpu_times()[:2]) for p in self._procs())
        except psutil.Error:
            return float("nan")

    def __exit__(self, *exc) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


async def load(url: str, method: str, path: str, key: str, texts: list[str], concurrency: int, seconds: float,
               max_requests: int = MAX_REQUESTS_PER_POINT, on_tick=None) -> dict:
    """Closed-loop load: ``concurrency`` clients, each sending its next request when the last returns."""
    import httpx

    latencies: list[float] = []
    errors: dict[str, int] = {}
    sent = 0
    stop_at = time.perf_counter() + seconds

    async def client_loop(client: httpx.AsyncClient, offset: int) -> None:
        nonlocal sent
        i = offset
        while time.perf_counter() < stop_at and sent < max_requests:
            sent += 1
            body = {"text": texts[i % len(texts)], "channel": "hotline"} if method == "POST" else None
            i += concurrency
            t0 = time.perf_counter()
            try:
                r = await client.request(method, path, json=body, headers={"X-API-Key": key})
                ok = r.status_code == 200
                why = str(r.status_code)
            except httpx.HTTPError as exc:
                ok, why = False, type(exc).__name__
            latencies.append(time.perf_counter() - t0)
            if not ok:
                errors[why] = errors.get(why, 0) + 1

    async def ticker() -> None:
        while time.perf_counter() < stop_at:
            await asyncio.sleep(1.0)
            on_tick()

    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        tasks = [client_loop(client, k) for k in range(concurrency)] + ([ticker()] if on_tick else [])
        await asyncio.gather(*tasks)
        wall = time.perf_counter() - started
    latencies.sort()
    n = len(latencies)

    def pct(q: float) -> float:
        return round(latencies[min(n - 1, int(q * n))] * 1000, 2) if n else float("nan")

    return {"requests": n, "seconds": round(wall, 2), "rps": round(n / wall, 1), "p50_ms": pct(0.50),
            "p99_ms": pct(0.99), "max_ms": pct(1.0), "errors": errors}


def run_matrix(env: dict, log: Path, key: str, texts: list[str], workers_list, concurrencies, seconds: float,
               rounds: int = 1) -> list[dict]:
    """Each point ``rounds`` times, healthz and triage alternating (so a slow spell of the shared machine hits
    both), reporting the round with the median requests/s per endpoint; all rounds' req/s are kept."""
    rows = []
    for workers in workers_list:
        with Server(env, workers, log) as server:
            for concurrency in concurrencies:
                endpoints = (("healthz", "GET", "/healthz"), ("triage", "POST", "/v1/triage"))
                for _, method, path in endpoints:
                    asyncio.run(load(server.url, method, path, key, texts, concurrency, min(2.0, seconds)))  # warm
                measured: dict[str, list[dict]] = {name: [] for name, _, _ in endpoints}
                for _ in range(rounds):
                    for name, method, path in endpoints:
                        cpu0 = server.cpu_seconds()
                        result = asyncio.run(load(server.url, method, path, key, texts, concurrency, seconds))
                        result["server_cpu_ms_per_request"] = round(
                            (server.cpu_seconds() - cpu0) * 1000 / max(result["requests"], 1), 2)
                        measured[name].append(result)
                for name, _, _ in endpoints:
                    ordered = sorted(measured[name], key=lambda r: r["rps"])
                    rows.append({"workers": workers, "concurrency": concurrency, "endpoint": name,
                                 **ordered[len(ordered) // 2], "rps_rounds": [r["rps"] for r in measured[name]]})
                    print(json.dumps(rows[-1], ensure_ascii=False), flush=True)
    return rows


def run_sustained(env: dict, log: Path, key: str, texts: list[str], seconds: float, concurrency: int, workers: int) -> dict:
    with Server(env, workers, log) as server:
        asyncio.run(load(server.url, "POST", "/v1/triage", key, texts, concurrency, 3.0))  # warm
        samples: list[tuple[float, float]] = []
        t0 = time.perf_counter()
        tick = lambda: samples.append((round(time.perf_counter() - t0, 1), round(server.rss_mb(), 1)))  # noqa: E731
        tick()
        cpu0 = server.cpu_seconds()
        result = asyncio.run(load(server.url, "POST", "/v1/triage", key, texts, concurrency, seconds,
                                  max_requests=10**9, on_tick=tick))
        result["server_cpu_ms_per_request"] = round((server.cpu_seconds() - cpu0) * 1000 / max(result["requests"], 1), 2)
    rss = [m for _, m in samples]
    tenth = max(1, len(rss) // 10)
    early, late = sum(rss[:tenth]) / tenth, sum(rss[-tenth:]) / tenth
    return {"workers": workers, "concurrency": concurrency, **result, "rss_mb_first_tenth": round(early, 1),
            "rss_mb_last_tenth": round(late, 1), "rss_growth_mb": round(late - early, 1),
            "rss_mb_max": max(rss), "rss_samples": samples}


def summarise(rows: list[dict]) -> dict:
    def get(workers, concurrency, endpoint):
        return next((r for r in rows if (r["workers"], r["concurrency"], r["endpoint"]) == (workers, concurrency, endpoint)), None)

    triage, health = get(1, 8, "triage"), get(1, 8, "healthz")
    if not (triage and health):
        return {}
    ratio = triage["rps"] / health["rps"] if health["rps"] else 0.0
    cpu_ratio = health["server_cpu_ms_per_request"] / triage["server_cpu_ms_per_request"]
    return {"c8_1worker_triage_over_healthz": round(ratio, 3), "c8_1worker_triage_p99_ms": triage["p99_ms"],
            "target_ratio_met": ratio >= 0.5, "target_p99_met": triage["p99_ms"] <= 50.0,
            "c8_1worker_cpu_capacity_ratio": round(cpu_ratio, 3)}


def write_results(doc: dict) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "api_latency.json").write_text(json.dumps(doc, ensure_ascii=False, indent=2), encoding="utf-8")
    lines = [f"# API latency ({doc['mode']})", "",
             f"Machine: {doc['machine']['cpus']} CPUs, {doc['machine']['platform']}, load average at start "
             f"{doc['machine']['loadavg_start']} / end {doc['machine']['loadavg_end']}. Models: {doc['models']}. "
             f"Client: httpx async on the same machine, closed loop, {doc['point_seconds']} s per point; "
             f"{doc['rounds']} round(s) per point, healthz and triage alternating, the median round shown "
             "(req/s of every round in the last column).", "",
             "| workers | concurrency | endpoint | requests | req/s | p50 ms | p99 ms | server CPU ms/req | errors | req/s by round |",
             "|---:|---:|---|---:|---:|---:|---:|---:|---|---|"]
    for r in doc["matrix"]:
        lines.append(f"| {r['workers']} | {r['concurrency']} | {r['endpoint']} | {r['requests']} | {r['rps']} | "
                     f"{r['p50_ms']} | {r['p99_ms']} | {r['server_cpu_ms_per_request']} | "
                     f"{sum(r['errors'].values()) or 0} | {', '.join(map(str, r.get('rps_rounds', [r['rps']])))} |")
    s, t = doc["sustained"], doc["targets"]
    lines += ["", f"Sustained /v1/triage: {s['seconds']} s, {s['workers']} worker(s), concurrency {s['concurrency']}: "
              f"{s['requests']} requests, {s['rps']} req/s, p50 {s['p50_ms']} ms, p99 {s['p99_ms']} ms, "
              f"server CPU {s['server_cpu_ms_per_request']} ms/request, errors {sum(s['errors'].values())}; server RSS {s['rss_mb_first_tenth']} MB (first tenth) → "
              f"{s['rss_mb_last_tenth']} MB (last tenth), max {s['rss_mb_max']} MB.", ""]
    if t:
        lines += [f"Target (1 worker, concurrency 8): triage/healthz throughput {t['c8_1worker_triage_over_healthz']} "
                  f"(≥ 0.5: {'met' if t['target_ratio_met'] else 'NOT met'}), triage p99 {t['c8_1worker_triage_p99_ms']} ms "
                  f"(≤ 50: {'met' if t['target_p99_met'] else 'NOT met'}). Server CPU per request, healthz/triage "
                  f"(the throughput ratio on an otherwise idle core): {t['c8_1worker_cpu_capacity_ratio']}."]
    (RESULTS / "api_latency.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="30 s sustained run and 3 s per matrix point")
    ap.add_argument("--point-seconds", type=float, default=None, help="seconds per matrix point (default 5)")
    ap.add_argument("--sustain-seconds", type=float, default=None, help="sustained run (default 300)")
    ap.add_argument("--rounds", type=int, default=None, help="rounds per matrix point, median reported (default 3, quick 1)")
    ap.add_argument("--sustain-workers", type=int, default=1)
    ap.add_argument("--sustain-concurrency", type=int, default=8)
    args = ap.parse_args(argv)
    point = args.point_seconds or (3.0 if args.quick else 5.0)
    sustain = args.sustain_seconds or (30.0 if args.quick else 300.0)
    rounds = args.rounds or (1 if args.quick else 3)
    texts = corpus_texts()
    loadavg_start = [round(x, 2) for x in os.getloadavg()]
    with tempfile.TemporaryDirectory(prefix="qf-bench-api-") as tmp:
        model_dir = Path(tmp) / "models"
        model_dir.mkdir()
        models = prepare_models(model_dir)
        env = {**os.environ, "QINGFENG_DATABASE_URL": f"sqlite:///{Path(tmp) / 'bench.db'}",
               "QINGFENG_MODEL_DIR": str(model_dir), "QINGFENG_API_RATE_LIMIT_PER_MINUTE": str(10**9)}
        key = cli(env, "keys", "create", "--role", "intake", "--name", "bench").stdout.strip().splitlines()[-1]
        log = Path(tmp) / "serve.log"
        matrix = run_matrix(env, log, key, texts, (1, 2), (1, 8, 32), point, rounds)
        sustained = run_sustained(env, log, key, texts, sustain, args.sustain_concurrency, args.sustain_workers)
    doc = {"mode": "quick" if args.quick else "full", "point_seconds": point, "rounds": rounds, "models": models,
           "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                       "loadavg_start": loadavg_start, "loadavg_end": [round(x, 2) for x in os.getloadavg()]},
           "matrix": matrix, "sustained": sustained, "targets": summarise(matrix)}
    write_results(doc)
    print((RESULTS / "api_latency.md").read_text(encoding="utf-8"))
    return doc


if __name__ == "__main__":
    main()
