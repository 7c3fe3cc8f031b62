#!/bin/bash
# turn-50-calls.sh: --count simultaneous calls (default 50) from one
# process, all through the TURN relay, in the NAT lab (tests/nat/natlab.sh):
#
#   alice: `bench-calls --call sip:bob@REGISTRAR --count N` in the client
#          namespace, behind nat1 (cone), force_relay = 1: every call's
#          media goes through coturn
#   bob:   `bench-calls --answer --count N` in client2, behind nat2 (cone),
#          answers every call
#
# Kamailio (the lab's template) relays the INVITEs, coturn on the public
# segment is the STUN and TURN server of both. Each process reports its
# CPU time and memory (start, all calls active, before the hangup, after)
# and per call ICE and first-RTP times; this script adds the loss each way
# (1 - what one side received / what the other sent) and the datagrams
# dropped at coturn's UDP sockets during the calls, and prints one JSON
# object per run on stdout (progress on stderr).
#
# Usage: bench/nat/turn-50-calls.sh [--count N] [--seconds S] [--runs N] [--keep-logs]
#
#   --count N     simultaneous calls (default 50)
#   --seconds S   how long they stay up once all are active (default 10)
#   --runs N      runs, each in a fresh lab (default 1)
#   --keep-logs   keep the state directories (logs of both sides and servers)
#
# Needs root, kamailio, coturn and the built bench-calls (SIPNAT_BUILDDIR,
# default _build). Every process is started through natlab.sh spawn or exec
# and stopped by its PID; the lab is torn down at the end of each run, on
# error, on SIGTERM/SIGINT and, through --owner, after a SIGKILL.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NATLAB=$ROOT/tests/nat/natlab.sh
BUILDDIR=${SIPNAT_BUILDDIR:-$ROOT/_build}
BENCH=$BUILDDIR/bench/bench-calls
PYTHON=/usr/bin/python3
PATH=$PATH:/usr/sbin:/sbin
BENCH_NAME=turn-50-calls
# shellcheck source=bench-lib.sh
. "$HERE/bench-lib.sh"

COUNT=50
CALL_SECONDS=10
RUNS=1
KEEP_LOGS=0

usage() { sed -n '/^# Usage:/,/^#   --keep-logs/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --count) COUNT=${2:?}; shift ;;
    --seconds) CALL_SECONDS=${2:?}; shift ;;
    --runs) RUNS=${2:?}; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage ;;
    *) log "unknown option '$1'"; usage ;;
  esac
  shift
done
[[ $COUNT =~ ^[1-9][0-9]*$ ]] || die "--count: a whole number > 0"
[[ $CALL_SECONDS =~ ^[1-9][0-9]*$ ]] || die "--seconds: whole seconds > 0"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs: a whole number > 0"
need_root
[ -x "$BENCH" ] || die "no $BENCH: build first (meson compile -C $BUILDDIR)"
command -v kamailio >/dev/null 2>&1 || die "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || die "coturn (turnserver) not installed"

bench_start turn-50-calls

# write_config FILE USER PASSWORD LOCAL_IP [NAT LINES]: as test-nat-calls.sh.
write_config() {
  cat > "$1" <<EOF
[policy.endpoint]
local_address = $4
local_port = 5060

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = $2
password = $3
reg_timeout = 600
reg_match_received_rport = 1

[proxies.proxy0.nat]
keepalive_interval = 15
ice_enabled = 1
stun_server = $TURN_IP
stun_server_port = $TURN_PORT
turn_server = $TURN_IP
turn_server_port = $TURN_PORT
turn_user_name = $2
turn_password = $3
${5:-}
EOF
}

# udp_drops ROLE: datagrams dropped at the UDP sockets of that namespace
# (the "drops" column of /proc/net/udp), e.g. coturn's.
udp_drops() {
  nl exec "$1" cat /proc/net/udp /proc/net/udp6 2>/dev/null |
    awk 'NF >= 13 && $1 != "sl" { n += $NF } END { print n + 0 }'
}

run_once() {
  local run=$1 answer_deadline=$((CALL_SECONDS + 120))
  STATE=$WORK/run$run
  mkdir -p "$STATE"
  log "run $run: lab up (cone, second client behind its own cone NAT)"
  "$NATLAB" --state "$STATE" up cone --second-client --owner $$ >/dev/null || return 1
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  nl start-kamailio >/dev/null || return 1
  nl start-coturn >/dev/null || return 1
  write_config "$STATE/bob.conf" bob bobpw "$CLIENT2_IP"
  write_config "$STATE/alice.conf" alice alicepw "$CLIENT_IP" "force_relay = 1"

  nl spawn client2 bob "$BENCH" --answer --config "$STATE/bob.conf" --count "$COUNT" \
    --seconds "$answer_deadline" --json >/dev/null || return 1
  wait_for "$STATE/bob.log" 'bench-calls: registered' 15 || { log "bob not registered"; cat "$STATE/bob.log" >&2; return 1; }

  log "run $run: alice dials $COUNT calls at once, up $CALL_SECONDS s once all are active"
  udp_drops turn > "$STATE/coturn-drops.before"
  nl exec client timeout $((CALL_SECONDS + 120)) "$BENCH" --call "sip:bob@$REGISTRAR_IP" \
    --config "$STATE/alice.conf" --count "$COUNT" --seconds "$CALL_SECONDS" --json \
    > "$STATE/alice.json" 2> "$STATE/alice.err"
  log "run $run: alice exited with $?"
  udp_drops turn > "$STATE/coturn-drops.after"
  wait_for "$STATE/bob.log" '^\{"mode":"answer"' 40 || log "bob did not report"
  nl stop bob >/dev/null 2>&1

  "$PYTHON" - "$run" "$COUNT" "$CALL_SECONDS" "$STATE/alice.json" "$STATE/bob.log" \
    "$(cat "$STATE/coturn-drops.before")" "$(cat "$STATE/coturn-drops.after")" <<'EOF'
import json, sys

run, count, seconds, alice_path, bob_path, drops_before, drops_after = sys.argv[1:8]

def report(path, mode):
    for line in open(path, errors="replace"):
        if line.startswith('{"mode":"%s"' % mode):
            return json.loads(line)
    return None

alice, bob = report(alice_path, "call"), report(bob_path, "answer")

def loss(sender, receiver):
    if not sender or not receiver or not sender.get("rtp-sent"):
        return None
    return round(100 * (1 - receiver["rtp-received"] / sender["rtp-sent"]), 2)

print(json.dumps({"run": int(run), "count": int(count), "seconds": int(seconds),
                  "loss-caller-to-answerer-percent": loss(alice, bob),
                  "loss-answerer-to-caller-percent": loss(bob, alice),
                  "coturn-udp-drops": int(drops_after or 0) - int(drops_before or 0),
                  "caller": alice, "answerer": bob}), flush=True)
sys.exit(0 if alice and bob and alice["calls-active-max"] >= int(count) else 1)
EOF
}

status=0
for ((run = 1; run <= RUNS; run++)); do
  run_once "$run" || status=1
  "$NATLAB" --state "$STATE" down >/dev/null 2>&1 || { log "run $run: natlab down failed"; status=1; }
  STATE=
done
exit "$status"
