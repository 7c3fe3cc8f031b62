#!/bin/bash
# Builds libsipnat and runs the benchmarks BENCH_RUNS times (default 3), then
# prints every run and the median of the runs as the Markdown table that
# bench/README.md keeps under "Last results".
#
# Usage: bash bench/run.sh [bench-register options, e.g. --rounds 500 --auth]
# Environment: SIPNAT_BUILDDIR (default _build), BENCH_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${SIPNAT_BUILDDIR:-_build}
runs=${BENCH_RUNS:-3}

if [ ! -d "$builddir" ]; then
    meson setup "$builddir" >/dev/null
fi
meson compile -C "$builddir"

bench="$builddir/bench/bench-register"
results=$(mktemp -d "${TMPDIR:-/tmp}/sipnat-bench-XXXXXX")
trap 'rm -rf "$results"' EXIT

for i in $(seq 1 "$runs"); do
    echo "== run $i of $runs" >&2
    SIPNAT_SOURCE_ROOT="$PWD" "$bench" --json "$@" >"$results/run$i.json"
done

# What was measured: the library and the registrar harness at this commit.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git status --porcelain -- libsipnat tests/sipnat-test-registrar.c tests/servers 2>/dev/null)" ]; then
    commit="$commit + uncommitted changes"
fi

python3 - "$commit" "$results"/run*.json <<'PY'
import json
import platform
import statistics
import sys
import time

commit, paths = sys.argv[1], sys.argv[2:]
runs = [json.load(open(p)) for p in paths]

def median(values):
    return statistics.median(values)

def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return "unknown"

def nproc():
    import os
    return len(os.sched_getaffinity(0))

print(f"\n## Every run")
for n, run in enumerate(runs, 1):
    print(f"\nrun {n}:")
    for row in run["latency"]:
        print(f"  {row['name']:<11} median {row['median_ms']:.3f}  p90 {row['p90_ms']:.3f}  "
              f"p99 {row['p99_ms']:.3f}  min {row['min_ms']:.3f}  max {row['max_ms']:.3f} ms  "
              f"(first {row['first_ms']:.3f} ms, {row['registers_seen']} REGISTERs)")
    m = run.get("many")
    if m:
        print(f"  {m['count']} registrations: {m['register_ms']:.1f} ms ({m['per_second']:.0f}/s), "
              f"{m['answered_first_try']} answered before T1, UDP drops endpoint/Kamailio "
              f"{m['udp_drops_endpoint']}/{m['udp_drops_registrar']}, "
              f"{m['registers_seen']} REGISTERs, {m['contacts']} contacts; "
              f"RSS {m['rss_kib_per_reg']:.2f} KiB/reg, malloc {m['heap_kib_per_reg']:.2f} KiB/reg "
              f"(6 s later {m['settled_rss_kib_per_reg']:.2f}/{m['settled_heap_kib_per_reg']:.2f}); "
              f"close {m['close_ms']:.1f} ms ({m['close_registers_seen']} REGISTERs), "
              f"{m['contacts_after_close']} contacts left")

print(f"\n## Median of {len(runs)} runs\n")
print(f"{time.strftime('%Y-%m-%d')}, commit {commit}, {nproc()} × {cpu_model()}, "
      f"Linux {platform.release()}\n")

if runs[0]["latency"]:
    rounds = runs[0]["latency"][0]["rounds"]
    print(f"REGISTER → 200 latency, ms ({rounds} rounds per row and run, "
          f"{runs[0]['warmup_rounds']} warm-up rounds not counted)\n")
    print("| row | median | p90 | p99 | min | max | first (cold) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for i, row in enumerate(runs[0]["latency"]):
        rows = [run["latency"][i] for run in runs]
        cells = [median([r[k] for r in rows]) for k in
                 ("median_ms", "p90_ms", "p99_ms", "min_ms", "max_ms", "first_ms")]
        print(f"| {row['name']} | " + " | ".join(f"{c:.3f}" for c in cells) + " |")
    print()

if runs[0].get("many"):
    many = [run["many"] for run in runs]
    m0 = many[0]
    how = "all at once" if m0["window"] == 0 else f"at most {m0['window']} in flight"
    def med(key):
        return median([m[key] for m in many])
    def each(key, fmt):
        return " / ".join(format(m[key], fmt) for m in many)
    print(f"{m0['count']} registrations, one endpoint, {m0['transport'].upper()}, {how}\n")
    print("| measure | median | every run |")
    print("|---|---:|---:|")
    print(f"| first register_async → last callback, ms | {med('register_ms'):.1f} | {each('register_ms', '.1f')} |")
    print(f"| REGISTERs per second | {med('per_second'):.0f} | {each('per_second', '.0f')} |")
    print(f"| half of the callbacks came after, ms | {med('p50_done_ms'):.1f} | {each('p50_done_ms', '.1f')} |")
    print(f"| answered before T1 (500 ms) | {med('answered_first_try'):.0f} | {each('answered_first_try', 'd')} |")
    print(f"| UDP datagrams dropped at the endpoint | {med('udp_drops_endpoint'):.0f} | {each('udp_drops_endpoint', 'd')} |")
    print(f"| UDP datagrams dropped at Kamailio | {med('udp_drops_registrar'):.0f} | {each('udp_drops_registrar', 'd')} |")
    print(f"| REGISTERs Kamailio received | {med('registers_seen'):.0f} | {each('registers_seen', 'd')} |")
    print(f"| contacts in Kamailio | {med('contacts'):.0f} | {each('contacts', 'd')} |")
    print(f"| VmRSS per registration, KiB | {med('rss_kib_per_reg'):.2f} | {each('rss_kib_per_reg', '.2f')} |")
    print(f"| malloc'd per registration, KiB | {med('heap_kib_per_reg'):.2f} | {each('heap_kib_per_reg', '.2f')} |")
    print(f"| malloc'd per registration 6 s later, KiB | {med('settled_heap_kib_per_reg'):.2f} | {each('settled_heap_kib_per_reg', '.2f')} |")
    print(f"| close (unregisters all), ms | {med('close_ms'):.1f} | {each('close_ms', '.1f')} |")
    print(f"| REGISTERs Kamailio received while closing | {med('close_registers_seen'):.0f} | {each('close_registers_seen', 'd')} |")
    print(f"| contacts in Kamailio after close | {med('contacts_after_close'):.0f} | {each('contacts_after_close', 'd')} |")
PY
