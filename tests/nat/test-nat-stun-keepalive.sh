#!/bin/bash
# test-nat-stun-keepalive.sh: STUN keep-alives on the SIP flow through real
# NATs (RFC 5626 §4.4.2).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `sipnat register` runs in the client namespace of the NAT lab (natlab.sh)
# with SIPNAT_DEBUG=nat, against the lab's Kamailio: with its stun module
# (start-kamailio's default), the keep-alives are STUN Binding requests on
# the SIP socket, answered with the public binding (counted from the debug
# lines); a rebind (new public address, every binding lost) is seen at the
# next keep-alive and re-registered, as with OPTIONS. With
# `start-kamailio --no-stun`, the keep-alives fall back to OPTIONS by
# themselves, and a rebind is still followed.
#
# Env: SIPNAT_TOOL (the sipnat program), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
KEEPALIVE=2
PLAN=14

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"

echo "1..$PLAN"

# write_config FILE: alice's configuration (tap-lib.sh), KEEPALIVE as set here.
write_config() { write_register_config "$1" alice alicepw "$CLIENT_IP"; }

client_start() {
  write_config "$STATE/alice.conf"
  SIPNAT_DEBUG=nat G_MESSAGES_DEBUG=Sipnat \
    nl spawn client alice "$TOOL" register --config "$STATE/alice.conf" --json >/dev/null ||
    { OUT="spawn failed"; return 1; }
  wait_for_line "$STATE/alice.log" '"state":"registered"' 100 ||
    { OUT=$(cat "$STATE/alice.log"); return 1; }
  wait_for_line "$STATE/alice.log" "\"public-binding-changed\".*\"new\":\"$NAT_WAN_IP:" 50 ||
    { OUT=$(cat "$STATE/alice.log"); return 1; }
}

# count TEXT: lines of alice's log with TEXT.
count() { grep -c -- "$1" "$STATE/alice.log"; }

# wait_count TEXT N TENTHS
wait_count() {
  local i
  for ((i = 0; i < $3; i++)); do
    [ "$(count "$1")" -ge "$2" ] && return 0
    sleep 0.1
  done
  OUT=$(grep -- "keep-alive" "$STATE/alice.log" | tail -n 20)
  return 1
}

reachable_within() {
  local limit=$1 start
  start=$(now)
  RECOVERY=never
  while awk -v t="$(since "$start")" -v l="$((limit + 6))" 'BEGIN { exit !(t < l) }'; do
    if [ "$(probe public sip-request OPTIONS "sip:alice@$REGISTRAR_IP" \
              --proxy "$REGISTRAR_IP:$SIP_PORT" --timeout 0.5 2>/dev/null | tail -n 1)" = 200 ]; then
      RECOVERY=$(since "$start")
      awk -v r="$RECOVERY" -v l="$limit" 'BEGIN { exit !(r <= l) }'
      return
    fi
    sleep 0.25
  done
  return 1
}

lab_stop() {
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  STATE=
}

# rebind_check NAME: rebinds the router, then alice must be reachable again
# within a keep-alive interval + 2 s, with the new public address.
rebind_check() {
  local name=$1 old=$NAT_WAN_IP limit=$((KEEPALIVE + 2))
  nl rebind >/dev/null
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  if reachable_within "$limit" &&
     grep -q "\"public-binding-changed\".*\"new\":\"$NAT_WAN_IP:" "$STATE/alice.log"; then
    ok "$name: rebind $old -> $NAT_WAN_IP, reachable again after $RECOVERY s (limit $limit s)"
  else
    not_ok "$name: rebind $old -> $NAT_WAN_IP, reachable again after $RECOVERY s (limit $limit s)"
    grep -E 'keep-alive|public binding|"event"' "$STATE/alice.log" | tail -n 30 | diag
  fi
}

# stun_cell NAME TOPOLOGY...: 5 checks.
stun_cell() {
  local name=$1
  shift
  if ! lab_start "$@" || ! OUT=$(nl start-kamailio 2>&1); then
    for i in 1 2 3 4 5; do not_ok "$name: lab up"; done
    printf '%s\n' "$OUT" | diag
    lab_stop
    return
  fi
  check "$name: registered, public binding $NAT_WAN_IP learned" client_start
  check "$name: three keep-alives answered by STUN with $NAT_WAN_IP" \
    wait_count "keep-alive answered: STUN mapped $NAT_WAN_IP:" 3 $((KEEPALIVE * 45))
  OUT=$(grep -- "keep-alive" "$STATE/alice.log" | tail -n 20)
  check "$name: at most the first keep-alive also sent an OPTIONS ($(count 'keep-alive OPTIONS'))" \
    test "$(count 'keep-alive OPTIONS')" -le 1
  check "$name: no fallback to OPTIONS" test "$(count 'falling back to OPTIONS')" -eq 0
  rebind_check "$name"
  lab_stop
}

stun_cell "cone, STUN" cone
stun_cell "symmetric, STUN" symmetric

# Kamailio without STUN: 4 checks.
name="cone, Kamailio without STUN"
if lab_start cone && OUT=$(nl start-kamailio --no-stun 2>&1); then
  check "$name: registered" client_start
  check "$name: the keep-alives fall back to OPTIONS by themselves" \
    wait_count "no STUN answer from the registrar; falling back to OPTIONS" 1 $((KEEPALIVE * 10 + 40))
  check "$name: OPTIONS keep-alives afterwards" \
    wait_count "keep-alive OPTIONS" 3 $((KEEPALIVE * 45))
  rebind_check "$name"
else
  for i in 1 2 3 4; do not_ok "$name: lab up"; done
  printf '%s\n' "$OUT" | diag
fi
lab_stop

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
