#!/bin/bash
# calls-compare.sh: the Markdown tables of calls through the NAT lab, from
# the JSON lines of bench/nat/libsipnat-calls.sh (tests/nat/test-nat-calls.sh
# with SIPNAT_NAT_CALL_RESULTS) and, optionally, of bench/nat/baresip-calls.sh.
#
# Usage: bench/nat/calls-compare.sh --libsipnat FILE [--baresip FILE]...
#
# Prints, per libsipnat row: min / median / max over the runs of answer ->
# ICE connected and answer -> first RTP received (caller, callee) and of
# the RTP loss each way; then, for the rows baresip-calls.sh has (cone,
# symmetric, double), baresip's medians next to libsipnat's and the ratio
# baresip / libsipnat. --baresip may be given more than once (e.g. one
# file with --media-nat turn, one with stun): each file's "media_nat"
# makes its own column group. No root needed.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

LIBSIPNAT=
BARESIP=()
while [ $# -gt 0 ]; do
  case $1 in
    --libsipnat) LIBSIPNAT=${2:?}; shift ;;
    --baresip) BARESIP+=("${2:?}"); shift ;;
    -h|--help) sed -n '/^# Usage:/,/^# makes its own/s/^# \{0,1\}//p' "$0" >&2; exit 2 ;;
    *) echo "calls-compare: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done
[ -n "$LIBSIPNAT" ] || { echo "calls-compare: --libsipnat FILE is required" >&2; exit 2; }

exec /usr/bin/python3 - "$LIBSIPNAT" "${BARESIP[@]}" <<'EOF'
import json
import statistics
import sys


def read_lines(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("{"):
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
    return out


def mmm(values):
    """min / median / max of the numbers in values (None: not measured)."""
    got = [v for v in values if v is not None]
    if not got:
        return None
    return min(got), statistics.median(got), max(got)


def fmt(t, unit=""):
    if t is None:
        return "—"
    lo, med, hi = t
    num = (lambda v: f"{v:g}") if unit != "%" else (lambda v: f"{v:.1f}")
    return f"{num(lo)} / **{num(med)}** / {num(hi)}"


def loss(sent, received):
    if not sent:
        return None
    return max(0.0, 100.0 * (1 - (received or 0) / sent))


def ms_or_none(v):
    return None if v is None or v < 0 else v


lib = read_lines(sys.argv[1])
rows = {}
for r in lib:
    rows.setdefault(r["key"], []).append(r)

print("libsipnat ↔ libsipnat, ms after the answer (min / **median** / max over the runs); "
      "loss in % of the RTP packets the other side sent\n")
print("| row | runs passed | path (caller) | ICE connected caller | ICE connected callee "
      "| first RTP caller | first RTP callee | loss caller → callee | loss callee → caller |")
print("|---|---:|---|---|---|---|---|---|---|")
summary = {}
for key, runs in rows.items():
    m = [r.get("measured") or {} for r in runs]
    passed = sum(1 for r in runs if r.get("passed"))
    pair = next((x.get("caller-pair") for x in m if x.get("caller-pair")), None)
    path = " ".join(pair.split()[0:1] + ["↔"] + pair.split()[3:4] + pair.split()[-2:]) if pair else "—"
    cols = {
        "ice_caller": mmm([ms_or_none(x.get("caller-connect-ms")) for x in m]),
        "ice_callee": mmm([ms_or_none(x.get("callee-connect-ms")) for x in m]),
        "rtp_caller": mmm([ms_or_none(x.get("caller-first-rtp-ms")) for x in m]),
        "rtp_callee": mmm([ms_or_none(x.get("callee-first-rtp-ms")) for x in m]),
        "loss_ab": mmm([loss(x.get("caller-sent"), x.get("callee-received")) for x in m]),
        "loss_ba": mmm([loss(x.get("callee-sent"), x.get("caller-received")) for x in m]),
    }
    summary[key] = cols
    name = runs[0]["row"].replace("|", "\\|")
    print(f"| {name} | {passed}/{len(runs)} | {path} | {fmt(cols['ice_caller'])} "
          f"| {fmt(cols['ice_callee'])} | {fmt(cols['rtp_caller'])} | {fmt(cols['rtp_callee'])} "
          f"| {fmt(cols['loss_ab'], '%')} | {fmt(cols['loss_ba'], '%')} |")

groups = {}
for path in sys.argv[2:]:
    for r in read_lines(path):
        if "error" in r:
            continue
        groups.setdefault(r.get("media_nat", "?"), {}).setdefault(r["row"], []).append(r)


def bare(runs, user, field):
    vals = [r[user].get(field) for r in runs]
    return mmm(vals), sum(1 for v in vals if v is not None), len(vals)


def ratio(b, l):
    if b is None or l is None:
        return "—"
    if l[1] == 0:
        return "—"
    return f"{b[1] / l[1]:.1f}×"


def bcell(stat):
    t, got, n = stat
    if got == 0:
        return f"never (0/{n})"
    text = fmt(t)
    return text if got == n else f"{text} ({got}/{n} runs)"


for media_nat, brows in groups.items():
    print(f"\nSide by side with baresip ↔ baresip (`baresip-calls.sh --media-nat {media_nat}`), "
          "ms after the answer: baresip min / **median** / max (runs where it happened), "
          "libsipnat median, ratio baresip median / libsipnat median\n")
    print("| row | measure | baresip | libsipnat | ratio |")
    print("|---|---|---|---:|---:|")
    for row in ("cone", "symmetric", "double"):
        if row not in brows or row not in summary:
            continue
        b, l = brows[row], summary[row]
        for label, user, field, lkey in (
                ("ICE connected, caller", "alice", "answer_to_ice_connected_ms", "ice_caller"),
                ("ICE connected, callee", "bob", "answer_to_ice_connected_ms", "ice_callee"),
                ("first RTP received, caller", "alice", "answer_to_first_rtp_received_ms", "rtp_caller"),
                ("first RTP received, callee", "bob", "answer_to_first_rtp_received_ms", "rtp_callee")):
            stat = bare(b, user, field)
            lm = l[lkey]
            print(f"| {row} | {label} | {bcell(stat)} | {lm[1] if lm else '—'} "
                  f"| {ratio(stat[0], lm) if stat[1] == stat[2] else ('∞' if stat[1] == 0 else '—')} |")
        for label, user, lkey in (("loss caller → callee, %", "bob", "loss_ab"),
                                  ("loss callee → caller, %", "alice", "loss_ba")):
            vals = []
            for r in b:
                lf = r[user].get("loss_from_peer")
                vals.append(None if lf is None else 100 * lf)
            t = mmm(vals)
            lm = l[lkey]
            none = sum(1 for v in vals if v is None)
            text = fmt(t, "%") if t else "no packets sent"
            if t and none:
                text += f" ({len(vals) - none}/{len(vals)} runs sent any)"
            print(f"| {row} | {label} | {text} | {f'{lm[1]:.1f}' if lm else '—'} | |")
EOF
