#!/bin/bash
# test-nat-registration.sh: libsipnat registering through real NATs.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The `sipnat register` program runs in the client namespace of the NAT lab
# (natlab.sh) against Kamailio on the public segment, which does no NAT
# fixing of its own: the client alone must make itself reachable. A probe on
# the public side sends OPTIONS through Kamailio to the registered user to
# prove it. For every topology: registered, reachable, and reachable again
# within the keep-alive interval + 2 s after the router rebinds (new public
# address, all bindings lost). Then keep-alives against a 5 s NAT timeout,
# and reg_match_received_rport=0 as the product documents it.
#
# Env: SIPNAT_TOOL (the sipnat program), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
KEEPALIVE=2
PLAN=34
RESULTS=${SIPNAT_NAT_RESULTS:-}

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"

echo "1..$PLAN"

# write_config FILE USER PASSWORD LOCAL_IP MATCH KEEPALIVE (tap-lib.sh's
# write_register_config; ENDPOINT_EXTRA, PROXY_EXTRA and LOCAL_PORT apply).
write_config() { MATCH=$5 KEEPALIVE=$6 write_register_config "$1" "$2" "$3" "$4"; }

# client_start ROLE NAME USER PASSWORD LOCAL_IP MATCH KEEPALIVE: runs
# `sipnat register --json` in ROLE's namespace; its events go to
# $STATE/NAME.log. Waits until it is registered.
client_start() {
  local role=$1 name=$2
  write_config "$STATE/$name.conf" "$3" "$4" "$5" "$6" "$7"
  nl spawn "$role" "$name" "$TOOL" register --config "$STATE/$name.conf" --json >/dev/null ||
    { OUT="spawn failed"; return 1; }
  wait_for_line "$STATE/$name.log" '"state":"registered"' 100 ||
    { OUT=$(cat "$STATE/$name.log"); return 1; }
}

# cell NAME TOPOLOGY-OPTIONS...: one cell of the scenario table.
cell() {
  local name=$1 old limit
  shift
  if ! lab_start "$@" || ! OUT=$(nl start-kamailio 2>&1); then
    not_ok "$name: lab up"; printf '%s\n' "$OUT" | diag
    not_ok "$name: reachable"; not_ok "$name: recovers after rebind"
    lab_stop
    return
  fi

  if client_start client alice alice alicepw "$CLIENT_IP" 1 "$KEEPALIVE" &&
     binding_event "$STATE/alice.log" "$NAT_WAN_IP" "${TRANSPORT:-udp}"; then
    ok "$name: registered, public binding $NAT_WAN_IP learned"
  else
    not_ok "$name: registered, public binding $NAT_WAN_IP learned"; printf '%s\n' "$OUT" | diag
  fi
  check "$name: reachable from the public side" reachable alice

  old=$NAT_WAN_IP
  nl rebind >/dev/null
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  # On TCP a dead connection is noticed when a ping gets no pong in time
  # (the keep-alive interval at most, PONG_WAIT here).
  limit=$((KEEPALIVE + 2 + ${PONG_WAIT:-0}))
  if time_to_reachable alice $((limit + 6)) &&
     awk -v r="$RECOVERY" -v l="$limit" 'BEGIN { exit !(r <= l) }' &&
     binding_event "$STATE/alice.log" "$NAT_WAN_IP" "${TRANSPORT:-udp}"; then
    ok "$name: rebind $old -> $NAT_WAN_IP, reachable again after ${RECOVERY} s (limit ${limit} s)"
  else
    not_ok "$name: rebind $old -> $NAT_WAN_IP, reachable again after ${RECOVERY} s (limit ${limit} s)"
    { printf '%s\n' "$OUT"; cat "$STATE/alice.log"; } | diag
  fi
  record "$name libsipnat $RECOVERY"
  lab_stop
}

lab_stop() {
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  STATE=
}

# ---------------------------------------------------------------------------
# Section 7: one cell per topology (3 checks each: 18)

cell "cone" cone
cell "symmetric" symmetric
cell "double cone+cone" double --home cone --carrier cone
cell "double, symmetric carrier" double --home cone --carrier symmetric
cell "cone, 5 s NAT timeout" cone --udp-timeout 5
cell "cone, fragments dropped" cone --drop-fragments
TRANSPORT=tcp PONG_WAIT=$KEEPALIVE PROXY_EXTRA="transport = tcp" cell "cone, over TCP" cone

# ---------------------------------------------------------------------------
# Keep-alive against a 5 s NAT binding timeout, REGISTER only every 300 s:
# alice with keep-alives, bob (behind a second, identical router) without.

if lab_start cone --udp-timeout 5 --second-client && OUT=$(nl start-kamailio 2>&1); then
  check "keep-alive on: alice registered" client_start client alice alice alicepw "$CLIENT_IP" 1 "$KEEPALIVE"
  check "keep-alive off: bob registered" client_start client2 bob bob bobpw "$CLIENT2_IP" 1 0
  check "both reachable at first (alice)" reachable alice
  check "both reachable at first (bob)" reachable bob
  sleep 20
  check "after 20 s idle, alice (keep-alive every ${KEEPALIVE} s) is still reachable" reachable alice
  check "after 20 s idle, bob (no keep-alive) is not: his binding expired" unreachable bob 8
else
  for i in 1 2 3 4 5 6; do not_ok "keep-alive lab up"; done
  printf '%s\n' "$OUT" | diag
fi
lab_stop

# ---------------------------------------------------------------------------
# reg_match_received_rport=0: the Contact stays private (the product's
# documented behaviour), the binding is still reported.

if lab_start cone && OUT=$(nl start-kamailio 2>&1); then
  check "match off: registered" client_start client alice alice alicepw "$CLIENT_IP" 0 "$KEEPALIVE"
  check "match off: the public binding is reported" binding_event "$STATE/alice.log" "$NAT_WAN_IP"
  OUT=$(grep '"event":"contact"' "$STATE/alice.log")
  check "match off: the Contact stays private ($CLIENT_IP)" grep -q "\"uri\":\"sip:alice@$CLIENT_IP:5060\"" <<<"$OUT"
  check "match off: not reachable through this registrar" unreachable alice 8
else
  for i in 1 2 3 4; do not_ok "match-off lab up"; done
  printf '%s\n' "$OUT" | diag
fi
lab_stop

# ---------------------------------------------------------------------------
# A REGISTER of over 1500 bytes through a router that drops IP fragments
# (like the Windows RRAS NAT the product gives up on): over TCP it gets
# through; the control, with the TCP switch off, is lost.

BIG_NAME=$(printf 'x%.0s' $(seq 1500))
if lab_start cone --drop-fragments && OUT=$(nl start-kamailio 2>&1); then
  PROXY_EXTRA="display_name = $BIG_NAME" \
    check "large REGISTER over TCP: registered through the fragment-dropping NAT" \
    client_start client alice alice alicepw "$CLIENT_IP" 1 "$KEEPALIVE"
  check "large REGISTER over TCP: reachable (over UDP) afterwards" reachable alice
  LOCAL_PORT=5070 ENDPOINT_EXTRA=$'tcp_for_large_requests = 0\nsip_transaction_timeout = 3000' \
    PROXY_EXTRA="display_name = $BIG_NAME" \
    write_config "$STATE/bob.conf" bob bobpw "$CLIENT_IP" 1 "$KEEPALIVE"
  OUT=$(nl exec client "$TOOL" register --config "$STATE/bob.conf" --for 10 2>&1)
  rc=$?
  check "control, TCP switch off: the large REGISTER is lost, a clear error (exit $rc)" \
    grep -q "too large for UDP.*TCP for large requests is turned off" <<<"$OUT"
else
  for i in 1 2 3; do not_ok "fragment lab up"; done
  printf '%s\n' "$OUT" | diag
fi
lab_stop

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
