#!/bin/bash
# test-nat-calls.sh: libsipnat calls whose media crosses the lab's NATs.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Both users register with Kamailio on the public segment (which relays
# the INVITE and does no NAT fixing of its own); `sipnat answer` runs as bob
# in client2's namespace, `sipnat call` as alice in the client's. coturn on
# the public segment is the STUN and TURN server. For each row of the
# table: both calls active, at least 90 % of the RTP packets sent arrive at
# the other side (each receiver counts), and the selected pair is the
# expected one (direct, or through the relay over UDP, TCP or TLS).
#
# Env: SIPNAT_TOOL (the sipnat program), SIPNAT_NAT_CALL_RESULTS (a file to
# append one JSON line of measurements per row to), SIPNAT_NAT_CALL_ROWS
# (run only these rows, by key, space-separated: cone symmetric double
# double-symmetric turn-tcp turn-tls fragments force-relay ice-off
# ice-off-no-stun tls-fallback; the others are skipped), SIPNAT_NAT_CALL_SECONDS (how long
# the caller stays in the call once active, default 4), and what
# tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
CHECK=$HERE/natlab-call-check.py
RESULTS=${SIPNAT_NAT_CALL_RESULTS:-}
CALL_SECONDS=${SIPNAT_NAT_CALL_SECONDS:-4}
ROWS=${SIPNAT_NAT_CALL_ROWS:-}
PLAN=23

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || skip_all "coturn (turnserver) not installed"

echo "1..$PLAN"

lab_stop() {
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  STATE=
}

# call_row KEY NAME EXPECT TOPOLOGY-OPTIONS...: one row of the table, 2
# checks (skipped unless KEY is in SIPNAT_NAT_CALL_ROWS, when that is set).
# CALLER_NAT / CALLEE_NAT add lines to each side's nat section.
call_row() {
  local key=$1 name=$2 expect=$3 measured passed=false
  shift 3
  if [ -n "$ROWS" ] && [[ " $ROWS " != *" $key "* ]]; then
    skip "$name: bob registered behind his NAT" "not in SIPNAT_NAT_CALL_ROWS"
    skip "$name: audio both ways, $expect" "not in SIPNAT_NAT_CALL_ROWS"
    return
  fi
  if ! lab_start "$@" --second-client || ! OUT=$(nl start-kamailio 2>&1) ||
     ! OUT=$(nl start-coturn 2>&1); then
    not_ok "$name: lab up"; printf '%s\n' "$OUT" | diag
    not_ok "$name: audio both ways, $expect"
    lab_stop
    return
  fi
  # start-coturn added TURN_CA_FILE and TURN_TLS_PORT to the state.
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"

  NAT_EXTRA=${CALLEE_NAT:-} write_call_config "$STATE/bob.conf" bob bobpw "$CLIENT2_IP"
  NAT_EXTRA=${CALLER_NAT:-} write_call_config "$STATE/alice.conf" alice alicepw "$CLIENT_IP"
  if nl spawn client2 bob "$TOOL" answer --config "$STATE/bob.conf" --json --for 60 >/dev/null &&
     wait_for_line "$STATE/bob.log" '"state":"registered"' 150; then
    ok "$name: bob registered behind his NAT"
  else
    not_ok "$name: bob registered behind his NAT"; diag < "$STATE/bob.log"
  fi

  nl exec client timeout 40 "$TOOL" call "sip:bob@$REGISTRAR_IP" --config "$STATE/alice.conf" \
    --json --for "$CALL_SECONDS" > "$STATE/alice.log" 2> "$STATE/alice.err"
  # bob's call ends with alice's BYE: its last media-stats follows.
  wait_for_final_stats "$STATE/bob.log" 100
  if measured=$("$PYTHON" "$CHECK" "$STATE/alice.log" "$STATE/bob.log" "$expect" 2> "$STATE/check.err"); then
    ok "$name: audio both ways, $expect: $measured"
    passed=true
  else
    not_ok "$name: audio both ways, $expect: $measured"
    { cat "$STATE/check.err"; echo "--- alice"; cat "$STATE/alice.log" "$STATE/alice.err";
      echo "--- bob"; cat "$STATE/bob.log"; } | diag
  fi
  [ -z "$RESULTS" ] || echo "{\"key\":\"$key\",\"row\":\"$name\",\"expect\":\"$expect\",\"passed\":$passed,\"measured\":${measured:-null}}" >> "$RESULTS"
  nl stop bob >/dev/null 2>&1
  lab_stop
}

call_row cone "cone | cone" direct cone
call_row symmetric "symmetric | symmetric" relay symmetric --client2-nat symmetric
call_row double "double cone+cone | cone" direct double --home cone --carrier cone --client2-nat cone
call_row double-symmetric "double, symmetric carrier | symmetric" relay double --home cone --carrier symmetric --client2-nat symmetric
CALLER_NAT="turn_relay_type = tcp" \
  call_row turn-tcp "cone, UDP only to the registrar | cone: TURN/TCP" relay-tcp cone --udp-only-to-registrar
CALLER_NAT=$'turn_relay_type = tls\nturn_server_port = 5349' \
  call_row turn-tls "cone, UDP only to the registrar | cone: TURN/TLS" relay-tls cone --udp-only-to-registrar
call_row fragments "cone, fragments dropped | cone" direct cone --drop-fragments
CALLER_NAT="force_relay = 1" call_row force-relay "force-relay | cone" relay-udp cone
CALLER_NAT=$'ice_enabled = 0' CALLEE_NAT=$'ice_enabled = 0' \
  call_row ice-off "ICE off both sides, STUN set | cone" latched cone
# The caller's STUN server never answers: its offer carries the public
# address its registration learnt (the NAT keeps the port), never a
# private one. (The later stun_server line wins.)
CALLER_NAT=$'ice_enabled = 0\nstun_server = 203.0.113.99' CALLEE_NAT=$'ice_enabled = 0' \
  call_row ice-off-no-stun "ICE off both sides, caller's STUN server silent | cone" latched cone
# A TURN server whose certificate no configured authority vouches for:
# no TLS relay; UDP is blocked; the relay comes over TCP.
openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=someone-else -days 1 \
  -keyout "$WORK/other-ca.key" -out "$WORK/other-ca.pem" >/dev/null 2>&1
CALLER_NAT=$'turn_relay_type = tls\nturn_server_port = 5349\n'"turn_tls_ca_file = $WORK/other-ca.pem" \
  call_row tls-fallback "cone, UDP only to the registrar | cone: TURN/TLS certificate not trusted, falls back" relay-tcp cone --udp-only-to-registrar

# The Python example (PyGObject) through the same NATs: bob answers, alice
# calls; each prints the media path and exits 0 when audio arrived.
python_example_row() {
  local example=${SIPNAT_EXAMPLE_CALL_PY:-} rc
  if [ -z "$example" ]; then
    if [ "$REQUIRE" = 1 ]; then not_ok "Python example: not built (no introspection)"
    else skip "Python example through cone NATs" "no introspection data built"; fi
    return
  fi
  if ! lab_start cone --second-client || ! OUT=$(nl start-kamailio 2>&1) ||
     ! OUT=$(nl start-coturn 2>&1); then
    not_ok "Python example: lab up"; printf '%s\n' "$OUT" | diag
    lab_stop
    return
  fi
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  write_call_config "$STATE/bob.conf" bob bobpw "$CLIENT2_IP"
  write_call_config "$STATE/alice.conf" alice alicepw "$CLIENT_IP"
  nl spawn client2 bob_py env PYTHONUNBUFFERED=1 /usr/bin/python3 "$example" "$STATE/bob.conf" --answer 3 >/dev/null
  wait_for_line "$STATE/bob_py.log" "waiting for a call" 150
  nl exec client env PYTHONUNBUFFERED=1 timeout 60 /usr/bin/python3 "$example" "$STATE/alice.conf" \
    "sip:bob@$REGISTRAR_IP" 3 > "$STATE/alice-py.log" 2>&1
  rc=$?
  wait_for_line "$STATE/bob_py.log" "^sent " 100
  OUT=$(cat "$STATE/alice-py.log"; echo "--- bob"; cat "$STATE/bob_py.log")
  check "Python example (examples/call.py) through cone NATs: exit $rc, audio both ways: $(grep -h '^media path' "$STATE/alice-py.log" | head -n 1)" \
    test "$rc" = 0 -a -n "$(grep -l '^sent [0-9]* RTP packets, received [1-9]' "$STATE/bob_py.log")"
  lab_stop
}
python_example_row

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
