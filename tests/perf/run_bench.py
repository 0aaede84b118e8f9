#!/usr/bin/env python3
"""Timebank benchmark: every row of the performance table, Timebank beside the
PostgreSQL peer, three repetitions each, medians with min and max.

Builds timebankd and timebank-bench in Release (build-release/), starts
timebankd on fresh data directories on loopback, drives it with
timebank-bench, starts the PostgreSQL peer from shared/bench/postgres-peer
(or the path in PEER_DIR_SCRIPTS), runs its pgbench and its reciprocity SQL
on the same amount of generated data, and prints a Markdown table.

Usage: tests/perf/run_bench.py [--quick] [--skip-peer] [--reps N] ...
Not part of the default test run (CTest label "perf").
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def build(build_dir):
    subprocess.run(["cmake", "-S", ROOT, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                    "-DTIMEBANK_BUILD_TESTS=ON"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["cmake", "--build", build_dir, "-j", "2", "--target", "timebankd",
                    "timebank-bench", "report_figures_bench"],
                   check=True, stdout=subprocess.DEVNULL)
    return (os.path.join(build_dir, "services", "timebankd"),
            os.path.join(build_dir, "client", "timebank-bench"),
            os.path.join(build_dir, "tests", "perf", "report_figures_bench"))


class Server:
    """timebankd on a loopback port with its own data directory."""

    def __init__(self, binary, data_dir, extra=()):
        self.data_dir = data_dir
        ready = os.path.join(data_dir + ".ready")
        if os.path.exists(ready):
            os.remove(ready)
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            [binary, "--data-dir", data_dir, "--listen", "127.0.0.1:0",
             "--ready-file", ready, "--log-level", "warn", *extra])
        while not os.path.exists(ready) or not open(ready).read().strip():
            if self.proc.poll() is not None:
                raise RuntimeError("timebankd exited during start-up")
            if time.monotonic() - self.started > 600:
                raise RuntimeError("timebankd did not start")
            time.sleep(0.005)
        self.ready_seconds = time.monotonic() - self.started
        self.port = int(open(ready).read().strip())
        self.token_file = os.path.join(data_dir, "admin.token")

    def peak_rss_mib(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        return 0

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=60)


def bench(tool, server, mode, **flags):
    args = [tool, "--server", f"127.0.0.1:{server.port}", "--token-file", server.token_file,
            "--mode", mode, "--json"]
    for key, value in flags.items():
        flag = "--" + key.replace("_", "-")
        args += [flag] if value is True else [flag, str(value)]
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def ceiling(tool, **flags):
    out = subprocess.run([tool, "--mode", "ceiling", "--json"] +
                         [x for k, v in flags.items() for x in ("--" + k.replace("_", "-"), str(v))],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def spread(values):
    return {"median": statistics.median(values), "min": min(values), "max": max(values),
            "all": values}


def peer_scripts():
    candidates = [os.environ.get("PEER_DIR_SCRIPTS", ""),
                  os.path.join(ROOT, "..", "shared", "bench", "postgres-peer")]
    for path in candidates:
        if path and os.path.exists(os.path.join(path, "setup.sh")):
            return os.path.abspath(path)
    return None


def peer_psql(sql_file=None, command=None, variables=()):
    env = dict(os.environ, PGHOST="127.0.0.1", PGPORT=os.environ.get("PEER_PORT", "5433"),
               PGUSER="postgres")
    args = ["psql", "-q", "-d", "timebank"]
    for name, value in variables:
        args += ["-v", f"{name}={value}"]
    args += ["-f", sql_file] if sql_file else ["-c", command]
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout


def run_peer(scripts, reps, seconds, concurrencies, month, year):
    log("peer: starting PostgreSQL")
    subprocess.run(["bash", os.path.join(scripts, "setup.sh")], check=True)
    results = {}
    try:
        for c in concurrencies:
            tps, p99 = [], []
            for _ in range(reps):
                out = subprocess.run(["bash", os.path.join(scripts, "run_pgbench.sh"), str(c)],
                                     env=dict(os.environ, SECONDS_EACH=str(seconds)),
                                     check=True, capture_output=True, text=True).stdout
                m = re.search(r"tps=([0-9.]+) p50_ms=([0-9.]+) p99_ms=([0-9.]+)", out)
                tps.append(float(m.group(1)))
                p99.append(float(m.group(3)))
            results[f"pgbench_{c}"] = {"tps": spread(tps), "p99_ms": spread(p99)}
            log(f"peer: {c} clients {statistics.median(tps):.0f} tps")
        log("peer: loading 1,000,000 transfers")
        peer_psql(os.path.join(scripts, "recip_load.sql"))
        for name, (start, end) in (("month", month), ("year", year)):
            totals = []
            for _ in range(reps):
                out = peer_psql(os.path.join(scripts, "recip_query.sql"),
                                variables=(("from", start), ("to", end)))
                totals.append(sum(float(t) for t in re.findall(r"Time: ([0-9.]+) ms", out)))
            results[f"report_{name}_ms"] = spread(totals)
            log(f"peer: report for a {name}: {statistics.median(totals):.0f} ms")
    finally:
        subprocess.run(["bash", os.path.join(scripts, "stop.sh")], check=False)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--duration", type=float, default=10, help="seconds per load run")
    parser.add_argument("--report-members", type=int, default=10_000)
    parser.add_argument("--report-exchanges", type=int, default=1_000_000)
    parser.add_argument("--restart-entries", type=int, default=10_000_000)
    parser.add_argument("--skip-peer", action="store_true")
    parser.add_argument("--quick", action="store_true",
                        help="small sizes and short runs, to check the script")
    parser.add_argument("--json-out", help="also write every figure here")
    opts = parser.parse_args()
    if opts.quick:
        opts.reps, opts.duration = 1, 2
        opts.report_exchanges, opts.restart_entries = 50_000, 100_000

    timebankd, tool, figures_bench = build(os.path.join(ROOT, "build-release"))
    work = tempfile.mkdtemp(prefix="timebank-bench-")
    results = {"machine": {"cores": os.cpu_count(), "kernel": os.uname().release}}
    try:
        # The report's in-memory core alone, without gRPC or the server.
        out = subprocess.run([figures_bench, f"--members={opts.report_members}",
                              f"--exchanges={opts.report_exchanges}",
                              f"--benchmark_repetitions={opts.reps}",
                              "--benchmark_format=json"],
                             check=True, capture_output=True, text=True).stdout
        rows = json.loads(out)["benchmarks"]
        for name in ("BM_ReportYear", "BM_ReportYearByMonth", "BM_ReportMonth"):
            times = [r["real_time"] for r in rows
                     if r["run_name"] == name and r.get("run_type") == "iteration"]
            results[f"core_{name}_ms"] = spread(times)
        results["core_replay_per_s"] = spread(
            [r["entries_per_s"] for r in rows if r["run_name"].startswith("BM_Replay")
             and r.get("run_type") == "iteration"])
        log(f"report core: year by month {results['core_BM_ReportYearByMonth_ms']['median']:.1f} ms")
        results["ceiling"] = spread([ceiling(tool, in_flight=16, duration=opts.duration)["per_second"]
                                     for _ in range(opts.reps)])
        log(f"generator ceiling {results['ceiling']['median']:.0f}/s")

        server = Server(timebankd, os.path.join(work, "load"))
        common = dict(timebank="bench", members=1000, duration=opts.duration)
        bench(tool, server, "balance", in_flight=1, **dict(common, duration=0.5))  # Set-up.
        rows = {
            "unary_64": ("unary", dict(in_flight=64)),
            "unary_16": ("unary", dict(in_flight=16)),
            "bulk_1000": ("bulk", dict(in_flight=2, batch=1000)),
            "mixed_64": ("mixed", dict(in_flight=64)),
        }
        for name, (mode, flags) in rows.items():
            runs = [bench(tool, server, mode, skip_setup=True, **common, **flags)
                    for _ in range(opts.reps)]
            results[name] = {"per_second": spread([r["per_second"] for r in runs]),
                             "p99_ms": spread([r["p99_ms"] for r in runs]),
                             "errors": sum(r["errors"] for r in runs)}
            if mode == "mixed":
                results[name]["read_p99_ms"] = spread([r["reads"]["p99_ms"] for r in runs])
            log(f"{name}: {results[name]['per_second']['median']:.0f}/s "
                f"p99 {results[name]['p99_ms']['median']:.2f} ms")
        server.stop()

        # A year of a large timebank for the report, RSS and disk rows.
        data = os.path.join(work, "report")
        server = Server(timebankd, data)
        today = date.today()
        year_from, year_to = (today - timedelta(days=364)).isoformat(), today.isoformat()
        month_from = (today.replace(day=1)).isoformat()
        loaded = bench(tool, server, "bulk", timebank="report", members=opts.report_members,
                       in_flight=2, batch=1000, total=opts.report_exchanges,
                       duration=86400, date_span_days=365)
        log(f"loaded {loaded['ok']} exchanges at {loaded['per_second']:.0f}/s")
        # The first report after a start replays the timebank's journal into
        # memory; every later one reads memory only.
        firsts = []
        for _ in range(opts.reps):
            server.stop()
            server = Server(timebankd, data)
            first = bench(tool, server, "report", timebank="report", members=opts.report_members,
                          in_flight=1, total=1, duration=600, report_from=year_from,
                          report_to=year_to,
                          skip_setup=True)
            firsts.append(first["p50_ms"])
        results["report_first_ms"] = spread(firsts)
        log(f"first report after a start: {results['report_first_ms']['median']:.0f} ms")
        for name, start in (("year", year_from), ("month", month_from)):
            runs = [bench(tool, server, "report", timebank="report",
                          members=opts.report_members, in_flight=1, duration=opts.duration / 2,
                          report_from=start, report_to=year_to)
                    for _ in range(opts.reps)]
            results[f"report_{name}_ms"] = spread([r["p50_ms"] for r in runs])
            log(f"report for a {name}: {results[f'report_{name}_ms']['median']:.1f} ms")
        results["peak_rss_mib"] = server.peak_rss_mib()
        results["report_exchanges"] = loaded["ok"]
        server.stop()
        compacted = Server(timebankd, data, ["--compact"])
        compacted.stop()
        size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(data) for f in fs)
        results["disk_bytes_per_exchange"] = size / max(1, loaded["ok"])

        # Restart to serving over a long journal.
        more = opts.restart_entries - loaded["ok"]
        if more > 0:
            server = Server(timebankd, data)
            bench(tool, server, "bulk", timebank="report", members=opts.report_members,
                  in_flight=2, batch=1000, total=more, duration=86400, date_span_days=365,
                  skip_setup=True)
            server.stop()
        restarts = []
        for _ in range(opts.reps):
            server = Server(timebankd, data)
            restarts.append(server.ready_seconds)
            server.stop()
        results["restart_s"] = spread(restarts)
        results["restart_entries"] = opts.restart_entries
        log(f"restart: {results['restart_s']['median']:.2f} s")

        scripts = peer_scripts()
        if not opts.skip_peer and scripts:
            results["peer"] = run_peer(
                scripts, opts.reps, max(5, int(opts.duration)), (16, 64),
                month=("2024-06-01", "2024-07-01"), year=("2024-01-01", "2025-01-01"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print_table(results)
    if opts.json_out:
        with open(opts.json_out, "w") as out:
            json.dump(results, out, indent=2)


def fmt(s, digits=0):
    f = f"{{:,.{digits}f}}"
    return f"{f.format(s['median'])} ({f.format(s['min'])}–{f.format(s['max'])})"


def print_table(r):
    peer = r.get("peer", {})
    def ratio(ours, theirs, higher_better=True):
        if not theirs:
            return "–"
        return f"{(ours / theirs) if higher_better else (theirs / ours):.1f}×"
    rows = [
        ("generator ceiling, trivial endpoint, 16 in flight (calls/s)", fmt(r["ceiling"]), "–", "–", "–"),
        ("durable unary RecordExchange, 64 in flight (/s)", fmt(r["unary_64"]["per_second"]),
         fmt(peer["pgbench_64"]["tps"]) if peer else "–",
         ratio(r["unary_64"]["per_second"]["median"], peer.get("pgbench_64", {}).get("tps", {}).get("median")),
         "≥ 25,000 and ≥ 7×"),
        ("unary p99 latency, 16 in flight (ms)", fmt(r["unary_16"]["p99_ms"], 2),
         fmt(peer["pgbench_16"]["p99_ms"], 2) if peer else "–", "–", "≤ 2 ms"),
        ("durable bulk RecordExchanges, 1000 per call (exchanges/s)", fmt(r["bulk_1000"]["per_second"]),
         "–", "–", "≥ 300,000"),
        ("GetBalance p99 under unary write load (ms)", fmt(r["mixed_64"]["read_p99_ms"], 2), "–", "–", "≤ 2 ms"),
        (f"reciprocity report by month, a year of {r['report_exchanges']:,} exchanges, over gRPC (ms)", fmt(r["report_year_ms"], 1),
         fmt(peer["report_year_ms"], 0) if peer else "–",
         ratio(r["report_year_ms"]["median"], peer.get("report_year_ms", {}).get("median"), False),
         "≤ 10 ms and ≥ 25×"),
        ("the same year report (13 monthly periods and the total) in memory, without gRPC (ms)",
         fmt(r["core_BM_ReportYearByMonth_ms"], 1), "–", "–", "–"),
        ("a year as one period and the total, in memory (ms)",
         fmt(r["core_BM_ReportYear_ms"], 1), "–", "–", "–"),
        ("journal replay into report figures, in memory (entries/s)",
         fmt(r["core_replay_per_s"]), "–", "–", "–"),
        ("first report after a start: journal replayed into memory (ms)",
         fmt(r["report_first_ms"], 0), "–", "–", "–"),
        ("reciprocity report, one month (ms)", fmt(r["report_month_ms"], 1),
         fmt(peer["report_month_ms"], 0) if peer else "–",
         ratio(r["report_month_ms"]["median"], peer.get("report_month_ms", {}).get("median"), False), "–"),
        (f"restart to serving, {r['restart_entries']:,} journal entries (s)", fmt(r["restart_s"], 2),
         "–", "–", "≤ 2 s"),
        ("disk per exchange after compaction (bytes)", f"{r['disk_bytes_per_exchange']:.0f}", "–", "–", "≤ 200"),
        ("server peak RSS, 10,000 members / 1M exchanges (MiB)", f"{r['peak_rss_mib']:.0f}", "–", "–", "≤ 256"),
    ]
    print("| what | Timebank median (min–max) | PostgreSQL peer | ratio | target |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
