#!/bin/bash
# test-nat-netchange.sh: libsipnat follows a change of its own address.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# `sipnat register` runs in the client namespace of a cone NAT lab
# (natlab.sh), bound to all interfaces, registered with Kamailio on the
# public segment for 600 s, with a keep-alive every 30 s: neither a
# refresh nor a keep-alive can come to the rescue within the deadline.
# Then the client's address changes, twice (over UDP, then again in a new
# lab over TCP):
#   1. a new LAN address behind the same router (natlab.sh renumber-client):
#      the router maps the new address to a new public port;
#   2. a new router (natlab.sh move-client): the home link goes down and a
#      link to another NAT (another public address) comes up.
# Each time, the real GNetworkMonitor in the client must notice, and the
# client must be reachable again (an OPTIONS from the public side through
# Kamailio to the user gets its 200; natlab-reach.py polls every 0.1 s)
# within DEADLINE seconds of the new address being up,
# with a network-changed and a public-binding-changed event to the new
# public address.
#
# Env: SIPNAT_TOOL (the sipnat program), SIPNAT_NETCHANGE_DEADLINE (seconds,
# default 2; scaled by SIPNAT_TIME_SCALE when set), SIPNAT_NAT_RESULTS
# (append "case libsipnat SECONDS" lines), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
DEADLINE=$(awk -v d="${SIPNAT_NETCHANGE_DEADLINE:-2}" -v s="${SIPNAT_TIME_SCALE:-1}" \
             'BEGIN { printf "%g", d * s }')
LIMIT=20
RESULTS=${SIPNAT_NAT_RESULTS:-}
PLAN=12

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"

echo "1..$PLAN"

# change_and_time USER COMMAND: runs natlab.sh COMMAND and sets RECOVERY to
# the seconds from the new address being up (its CHANGED_AT) until USER is
# reachable: an OPTIONS every 0.1 s by natlab-reach.py, started before the
# change; "never" after LIMIT seconds.
RECOVERY=
change_and_time() {
  local user=$1 command=$2 file=$STATE/$2.changed pid i
  nl exec public "$PYTHON" "$HERE/natlab-reach.py" "sip:$user@$REGISTRAR_IP" \
    --proxy "$REGISTRAR_IP:$SIP_PORT" --since-file "$file" --limit "$LIMIT" \
    > "$STATE/$command.reach" &
  pid=$!
  for ((i = 0; i < 100; i++)); do
    [ ! -e "$file.ready" ] || break
    sleep 0.1
  done
  nl "$command" > "$file" || { kill "$pid"; RECOVERY=error; return 1; }
  wait "$pid"
  RECOVERY=$(cat "$STATE/$command.reach")
  [ -n "$RECOVERY" ] || RECOVERY=never
}

# count_events LOG EVENT: how many EVENT lines the client printed.
count_events() {
  grep -c "\"event\":\"$2\"" "$1" 2>/dev/null || true
}

within_deadline() {
  awk -v r="$RECOVERY" -v l="$DEADLINE" 'BEGIN { exit !(r != "never" && r <= l) }'
}

# one_change NAME NATLAB-COMMAND: changes the client's address, then checks
# recovery, the events, and records the time.
one_change() {
  local name=$1 command=$2 changes0 bindings0 log=$STATE/alice.log
  changes0=$(count_events "$log" network-changed)
  bindings0=$(count_events "$log" public-binding-changed)
  change_and_time alice "$command"
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  if within_deadline; then
    ok "$name: client now $CLIENT_IP behind $NAT_WAN_IP, reachable again after ${RECOVERY} s (deadline ${DEADLINE} s)"
  else
    not_ok "$name: client now $CLIENT_IP behind $NAT_WAN_IP, reachable again after ${RECOVERY} s (deadline ${DEADLINE} s)"
    diag < "$log"
  fi
  record "$name libsipnat $RECOVERY"
  OUT=$(grep -E '"event":"(network-changed|public-binding-changed|contact)"' "$log")
  check "$name: network-changed, then public-binding-changed to $NAT_WAN_IP" \
    eval '[ "$(count_events "$log" network-changed)" -gt "$changes0" ] &&
          [ "$(count_events "$log" public-binding-changed)" -gt "$bindings0" ] &&
          grep "\"public-binding-changed\"" "$log" | tail -n 1 | grep -q "\"new\":\"$NAT_WAN_IP:"'
}

# scenario TRANSPORT: a lab, the client registered over TRANSPORT, the two
# changes; 6 checks.
scenario() {
  local transport=$1
  if ! lab_start cone || ! OUT=$(nl start-kamailio 2>&1); then
    not_ok "$transport: lab up"; printf '%s\n' "$OUT" | diag
    for _ in 1 2 3 4 5; do not_ok "$transport: skipped, no lab"; done
    return
  fi

  KEEPALIVE=30 PROXY_EXTRA="transport = $transport" \
    write_register_config "$STATE/alice.conf" alice alicepw 0.0.0.0
  nl spawn client alice env SIPNAT_DEBUG="${SIPNAT_DEBUG:-nat,registration}" \
    "$TOOL" register --config "$STATE/alice.conf" --json >/dev/null
  if wait_for_line "$STATE/alice.log" "\"uri\":\"sip:alice@$NAT_WAN_IP:" 100; then
    ok "$transport: registered with the public Contact $NAT_WAN_IP"
  else
    not_ok "$transport: registered with the public Contact $NAT_WAN_IP"; diag < "$STATE/alice.log"
  fi
  check "$transport: reachable from the public side" reachable alice

  one_change "$transport, new LAN address" renumber-client
  one_change "$transport, new router" move-client
  "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  STATE=
}

scenario udp
scenario tcp
