#!/bin/bash
# Issue 10's matrix: bench-register's many-registrations run for 1 000,
# 10 000 and 30 000 registrations, over UDP and TCP, with digest auth
# (any user, password user + "pw"), the raw-socket client in the same run,
# keep-alives (STUN on UDP, CRLF on TCP) and refreshes running for
# IDLE seconds before memory and CPU are read, then the close. Runs the
# matrix RUNS times and prints min / median / max of each measure.
#
# Usage: bash bench/scale-matrix.sh [--rows "udp:1000 udp:10000 udp:30000 tcp:10000"]
#                                   [--runs 3] [--idle 60] [--results FILE]
# Environment: SIPNAT_BUILDDIR (default _build).
set -uo pipefail
cd "$(dirname "$0")/.."

builddir=${SIPNAT_BUILDDIR:-_build}
rows="udp:1000 udp:10000 udp:30000 tcp:1000 tcp:10000 tcp:30000"
runs=3
idle=60
keepalive=15
reg_timeout=60
results=""

while [ $# -gt 0 ]; do
    case "$1" in
        --rows) rows=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --idle) idle=$2; shift 2 ;;
        --results) results=$2; shift 2 ;;
        --summarize) summarize_only=$2; shift 2 ;;
        *) echo "unknown option $1" >&2; exit 2 ;;
    esac
done

if [ -z "${summarize_only:-}" ]; then
    meson compile -C "$builddir" >/dev/null || exit 1
    bench="$builddir/bench/bench-register"
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    if [ -n "$(git status --porcelain --untracked-files=no -- libsipnat bench tests/sipnat-test-registrar.c tests/servers 2>/dev/null)" ]; then
        commit="$commit+"
    fi
    results=${results:-bench/results-scale-$(date -u +%Y%m%dT%H%M).jsonl}
    for run in $(seq 1 "$runs"); do
        for row in $rows; do
            transport=${row%%:*}
            count=${row##*:}
            echo "== run $run of $runs: $transport $count ($(date -u +%H:%M:%S), load $(cut -d' ' -f1 /proc/loadavg))" >&2
            out=$(SIPNAT_SOURCE_ROOT="$PWD" timeout 600 "$bench" --skip-latency --json \
                    --transport "$transport" --count "$count" --digest --stun \
                    --keepalive "$keepalive" --reg-timeout "$reg_timeout" --idle "$idle" \
                    --close-timeout 60000 2>"$results.err.tmp")
            rc=$?
            err=$(tail -c 2000 "$results.err.tmp" | tr '\n' ' ')
            rm -f "$results.err.tmp"
            python3 - "$commit" "$run" "$transport" "$count" "$rc" "$err" "$out" >>"$results" <<'PY'
import json, sys
commit, run, transport, count, rc, err, out = sys.argv[1:8]
line = {"commit": commit, "run": int(run), "transport": transport, "count": int(count),
        "rc": int(rc), "stderr": err[-2000:]}
try:
    line.update(json.loads(out).get("many", {}))
except Exception:
    pass
print(json.dumps(line))
PY
        done
    done
    summarize_only=$results
fi

python3 - "$summarize_only" <<'PY'
import json, statistics, sys

rows = {}
for text in open(sys.argv[1]):
    r = json.loads(text)
    rows.setdefault((r["transport"], r["count"]), []).append(r)

def per_reg(r, key):
    return r[key] / r["count"] if key in r else None

measures = [
    ("runs passed (exit 0)", lambda r: 1 if r["rc"] == 0 else 0, "sum"),
    ("all registered, s", lambda r: r.get("register_ms", 0) / 1000 if "register_ms" in r else None, ".2f"),
    ("REGISTER/s (a 401 and an authenticated REGISTER each)", lambda r: r.get("per_second"), ".0f"),
    ("raw client REGISTER/s, same run", lambda r: r.get("raw_per_second"), ".0f"),
    ("ratio to the raw client, %", lambda r: 100 * r["per_second"] / r["raw_per_second"] if r.get("raw_per_second") else None, ".1f"),
    ("CPU per registration while registering, ms", lambda r: per_reg(r, "cpu_register_ms"), ".3f"),
    ("CPU while idle (keep-alives, refreshes), % of a core", lambda r: 100 * r["cpu_idle_ms"] / (r["idle_s"] * 1000) if r.get("idle_s") else None, ".1f"),
    ("CPU per registration per minute idle, ms", lambda r: r["cpu_idle_ms"] / r["count"] * 60 / r["idle_s"] if r.get("idle_s") else None, ".3f"),
    ("VmRSS per registration right after registering, KiB", lambda r: r.get("rss_kib_per_reg"), ".2f"),
    ("VmRSS per registration after the idle period, KiB", lambda r: r.get("rss_idle_kib_per_reg"), ".2f"),
    ("malloc'd per registration after the idle period, KiB", lambda r: r.get("settled_heap_kib_per_reg"), ".2f"),
    ("close (unregisters all), s", lambda r: r["close_ms"] / 1000 if "close_ms" in r else None, ".2f"),
    ("CPU per registration while closing, ms", lambda r: per_reg(r, "cpu_close_ms"), ".3f"),
    ("contacts left in Kamailio after close", lambda r: r.get("contacts_after_close"), "d"),
    ("registrations that saw a 408", lambda r: r.get("status_408"), "d"),
    ("UDP datagrams dropped at our socket, whole run", lambda r: r.get("total_drops_endpoint"), "d"),
    ("UDP datagrams dropped at Kamailio while registering", lambda r: r.get("udp_drops_registrar"), "d"),
]

keys = sorted(rows, key=lambda k: (k[0] != "udp", k[1]))
commits = sorted({r["commit"] for k in keys for r in rows[k]})
print(f"commit(s): {', '.join(commits)}; min / **median** / max of the runs\n")
print("| measure | " + " | ".join(f"{t.upper()} {c:,}".replace(",", " ") for t, c in keys) + " |")
print("|---|" + "---:|" * len(keys))
for name, fn, fmt in measures:
    cells = []
    for k in keys:
        values = []
        for r in rows[k]:
            try:
                v = fn(r)
            except Exception:
                v = None
            if v is not None:
                values.append(v)
        if fmt == "sum":
            cells.append(f"{sum(values)}/{len(rows[k])}")
        elif not values:
            cells.append("–")
        else:
            f = lambda v: format(int(round(v)), "d") if fmt == "d" else format(v, fmt)
            cells.append(f"{f(min(values))} / **{f(statistics.median(values))}** / {f(max(values))}")
    print(f"| {name} | " + " | ".join(cells) + " |")

for k in keys:
    for r in rows[k]:
        if r["rc"] != 0:
            print(f"\n{k[0]} {k[1]} run {r['run']}: exit {r['rc']}: {r['stderr'][-300:]}")
PY
