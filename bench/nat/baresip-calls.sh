#!/bin/bash
# baresip-calls.sh: the baseline for calls through NATs, baresip 1.0 calling
# baresip 1.0 in the NAT lab (tests/nat/natlab.sh), one lab per row:
#
#   cone       alice behind a cone NAT (nat1), bob behind another (nat2)
#   symmetric  both behind symmetric NATs
#   double     alice behind a cone home router and a cone carrier NAT, bob
#              behind his own cone router on the public segment
#
# In each lab: Kamailio (the lab's template plus nathelper, so that a
# NATed UA is reachable and in-dialog requests reach it, see below), coturn,
# bob (client2) with answermode=auto and alice (client), both with
# medianat=ice and coturn as their STUN or TURN server, Opus with a 440 Hz
# sine as the source. alice dials bob (the `cons` module's UDP console);
# the call lasts --seconds S after bob's answer. Measured:
#
#   * from baresip's log, every line timestamped as it is written: bob's
#     answer (the 200 sent), "Call established" (alice), ICE complete (or
#     failed) on each side, "audio: start" (baresip starts its audio when
#     ICE completes) and the selected (nominated) pair of component 1;
#   * in each home router (nat1, nat2), nft counters in the forward hook:
#     RTP packets the client sent (before the lab's filter) and received
#     (after it), plain or inside TURN ChannelData, and STUN packets (ICE
#     checks, TURN), and the time the first RTP packet reached the client
#     (a dynamic nft set with a timeout: its element's "expires" gives the
#     insertion time). See bench/README.md.
#
# Output: one JSON object per row on stdout; progress on stderr.
#
# Usage: bench/nat/baresip-calls.sh [--seconds S] [--rows "cone symmetric double"]
#          [--media-nat turn|stun] [--keep-logs]
#
#   --seconds S     call length after the answer (default 10)
#   --rows LIST     rows to run, in order (default: cone symmetric double)
#   --media-nat X   turn (default): stunserver=turn:203.0.113.20:3478 with the
#                   user's TURN credentials (host, srflx and relay candidates);
#                   stun: stunserver=stun:203.0.113.20:3478 (host and srflx)
#   --keep-logs     keep the state directories (baresip and server logs)
#
# Needs root, kamailio, coturn, nftables, conntrack and baresip-core. Every
# process is started through natlab.sh spawn and stopped by its PID; every
# lab is torn down at the end of its row, on error, on SIGTERM/SIGINT and,
# through --owner, even after a SIGKILL.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NATLAB=$ROOT/tests/nat/natlab.sh
KAMAILIO_TEMPLATE=$ROOT/tests/servers/kamailio.cfg.in
PYTHON=/usr/bin/python3
PATH=$PATH:/usr/sbin:/sbin
BENCH_NAME=baresip-calls
# shellcheck source=bench-lib.sh
. "$HERE/bench-lib.sh"
# shellcheck source=../../tests/nat/baresip-lib.sh
. "$ROOT/tests/nat/baresip-lib.sh"

SECONDS_AFTER_ANSWER=10
ROWS="cone symmetric double"
MEDIA_NAT=turn
KEEP_LOGS=0

usage() { sed -n '/^# Usage:/,/^#   --keep-logs/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --seconds) SECONDS_AFTER_ANSWER=${2:?}; shift ;;
    --rows) ROWS=${2:?}; shift ;;
    --media-nat) MEDIA_NAT=${2:?}; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage ;;
    *) log "unknown option '$1'"; usage ;;
  esac
  shift
done
[[ $SECONDS_AFTER_ANSWER =~ ^[1-9][0-9]*$ ]] || die "--seconds: whole seconds > 0"
case $MEDIA_NAT in turn|stun) ;; *) die "--media-nat: turn or stun" ;; esac
for row in $ROWS; do
  case $row in cone|symmetric|double) ;; *) die "unknown row '$row' (cone, symmetric, double)" ;; esac
done
need_root
! missing=$(baresip_missing) || die "$missing"

bench_start baresip-calls

# pid_running PID: not gone and not a zombie.
pid_running() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

# lab_options ROW
lab_options() {
  case $1 in
    cone) echo "cone --second-client" ;;
    symmetric) echo "symmetric --second-client" ;;
    double) echo "double --client2-nat cone" ;;
  esac
}

run_row() {
  local row=$1 i
  STATE=$WORK/$row
  mkdir -p "$STATE"
  log "$row: lab up ($(lab_options "$row"))"
  # shellcheck disable=SC2046
  "$NATLAB" --state "$STATE" up $(lab_options "$row") --owner $$ >/dev/null || return 1
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  baresip_kamailio_template "$KAMAILIO_TEMPLATE" "$STATE/kamailio-calls.cfg.in" || return 1
  nl start-kamailio --template "$STATE/kamailio-calls.cfg.in" >/dev/null || return 1
  nl start-coturn >/dev/null || return 1
  baresip_write_config "$STATE/alice" alice "$CLIENT_IP" "$MEDIA_NAT" || return 1
  baresip_write_config "$STATE/bob" bob "$CLIENT2_IP" "$MEDIA_NAT" || return 1
  baresip_start client2 bob || return 1
  baresip_start client alice || return 1
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"   # SPAWN_PID_alice, SPAWN_PID_bob
  natcount_install nat1 || return 1
  natcount_install nat2 || return 1

  log "$row: alice dials bob, the call lasts $SECONDS_AFTER_ANSWER s after the answer"
  echo "$EPOCHREALTIME" > "$STATE/dial.time"
  baresip_cons client "/dial sip:bob@$REGISTRAR_IP" || return 1
  if ! wait_for "$STATE/bob.log" 'answering call' 15; then
    log "$row: bob never answered"
  else
    sleep "$SECONDS_AFTER_ANSWER"
  fi
  # Both quit (no more RTP), then the counters are read: what one sent and
  # the other received are then comparable.
  for i in client client2; do baresip_cons "$i" /quit; done
  for ((i = 0; i < 30; i++)); do
    pid_running "${SPAWN_PID_alice:-}" || pid_running "${SPAWN_PID_bob:-}" || break
    sleep 0.1
  done
  natcount_read nat1 "$STATE/nat1.counters"
  natcount_read nat2 "$STATE/nat2.counters"
  nl stop alice >/dev/null 2>&1
  nl stop bob >/dev/null 2>&1

  "$PYTHON" - "$row" "$STATE" "$SECONDS_AFTER_ANSWER" "$MEDIA_NAT" "$(lab_options "$row")" <<'EOF'
import json, re, sys

row, state, seconds, media_nat, lab = sys.argv[1:6]

def lines(user):
    for text in open(f'{state}/{user}.log', errors='replace'):
        stamp, _, rest = text.partition(' ')
        try:
            yield float(stamp), rest.rstrip('\n')
        except ValueError:
            continue

def first(user, pattern):
    for t, text in lines(user):
        if re.search(pattern, text):
            return t
    return None

def selected_pair(user):
    # The nominated pair of component 1 in the "Valid list" of the ICE dump.
    pair = None
    for _, text in lines(user):
        m = re.search(r'\*\s+\{comp=1\}\s+(\w+)\s+\{[^}]*\}\s+\S*?:?(host|srflx|prflx|relay):(\S+)'
                      r'\s+<--->\s+(host|srflx|prflx|relay):(\S+)', text)
        if m:
            pair = {'state': m.group(1), 'local': f'{m.group(2)} {m.group(3)}',
                    'remote': f'{m.group(4)} {m.group(5)}'}
    return pair

def duration(text):
    """nft's 59m31s520ms, in seconds."""
    units = {'d': 86400, 'h': 3600, 'm': 60, 's': 1, 'ms': 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r'(\d+)(ms|d|h|m|s)', text))

def counters(router):
    # `nft list table` text: the JSON output rounds "expires" to seconds.
    with open(f'{state}/{router}.counters') as f:
        listed_at = float(f.readline())
        text = f.read()
    result = {name: int(packets) for name, packets in
              re.findall(r'counter (\w+) \{\s*packets (\d+)', text)}
    first_rtp = None
    m = re.search(r'set first_rtp_in \{.*?elements = \{ [\d.]+ expires (\w+)', text, re.S)
    if m:
        first_rtp = listed_at - (3600 - duration(m.group(1)))
    return result, first_rtp

def ms(t, since):
    return None if t is None or since is None else round((t - since) * 1000)

answer = first('bob', r'answering call .* with 200')
established = first('alice', r'Call established')
dial = float(open(f'{state}/dial.time').read())
out = {'row': row, 'lab': lab, 'media_nat': media_nat, 'seconds_after_answer': int(seconds),
       'dial_to_answer_ms': ms(answer, dial), 'answer_to_established_ms': ms(established, answer)}
for user, router, peer_router in (('alice', 'nat1', 'nat2'), ('bob', 'nat2', 'nat1')):
    c, first_rtp = counters(router)
    peer, _ = counters(peer_router)
    sent = c.get('rtp_out', 0) + c.get('relayed_rtp_out', 0)
    received = c.get('rtp_in', 0) + c.get('relayed_rtp_in', 0)
    peer_sent = peer.get('rtp_out', 0) + peer.get('relayed_rtp_out', 0)
    checklist = [m.group(1) for _, t in lines(user)
                 for m in [re.search(r'Check list: \[state=(\w+)\]', t)] if m]
    # "connectivity check is complete" comes on failure too, then "failed".
    ice_done = first(user, r'connectivity check is complete')
    ice_failed = first(user, r'connectivity check failed|ICE not supported')
    if ice_failed is not None:
        ice_result = 'failed'
    elif ice_done is not None:
        ice_result = 'connected'
    else:
        ice_result = 'not completed'  # the check list still running at the end
    out[user] = {
        'ice_result': ice_result,
        'answer_to_ice_connected_ms': ms(ice_done, answer) if ice_result == 'connected' else None,
        'answer_to_ice_failed_ms': ms(ice_failed, answer),
        'ice_checklist_last': checklist[-1] if checklist else None,
        'answer_to_audio_start_ms': ms(first(user, r'^audio: start$'), answer),
        'answer_to_first_rtp_received_ms': ms(first_rtp, answer),
        'rtp_sent': sent, 'rtp_received': received,
        'rtp_sent_relayed': c.get('relayed_rtp_out', 0),
        'rtp_received_relayed': c.get('relayed_rtp_in', 0),
        'loss_from_peer': None if peer_sent == 0 else round(1 - received / peer_sent, 4),
        'stun_sent': c.get('stun_out', 0), 'stun_received': c.get('stun_in', 0),
        'turn_errors': sorted({m.group(1) for _, t in lines(user)
                               for m in [re.search(r'TURN Client error: (.*)', t)] if m}),
        'selected_pair': selected_pair(user),
    }
print(json.dumps(out), flush=True)
EOF
}

status=0
for row in $ROWS; do
  if ! run_row "$row"; then
    log "$row: failed"
    echo "{\"row\": \"$row\", \"error\": \"setup failed, see the log above\"}"
    status=1
  fi
  "$NATLAB" --state "$STATE" down >/dev/null 2>&1 || { log "$row: natlab down failed"; status=1; }
  [ "$KEEP_LOGS" = 1 ] || rm -rf "$STATE"
  STATE=
done
exit "$status"
