#!/bin/bash
# The main job: libsipnat keeping a SIP client reachable through a NAT.
#
# Builds libsipnat, then, in a NAT lab of network namespaces (needs root):
# a client behind a home router registers with Kamailio on a public
# segment, learns its public binding, is reached from the public side; the
# router reboots with a new public address (all NAT bindings lost); the
# client sees the change at its next keep-alive, tells the application
# (public-binding-changed), registers its new public Contact and is
# reachable again. Then a call: bob, behind a second router that is a
# symmetric NAT, answers; alice calls him; ICE (STUN and TURN at coturn on
# the public segment) finds the media path, which is printed with the RTP
# packets counted at both ends. Everything is printed as a timeline.
# Without root, a shorter demonstration on loopback, and a note saying
# what was left out.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
builddir=${SIPNAT_BUILDDIR:-_build}
# shellcheck source=../tests/nat/wait-lib.sh
. "$ROOT/tests/nat/wait-lib.sh"
KEEPALIVE=${SIPNAT_DEMO_KEEPALIVE:-5}

if [ -d "$builddir" ]; then
  meson setup --reconfigure "$builddir" >/dev/null
else
  meson setup "$builddir" >/dev/null
fi
meson compile -C "$builddir" >/dev/null
TOOL=$ROOT/$builddir/tools/sipnat
NATLAB=$ROOT/tests/nat/natlab.sh

START=$EPOCHREALTIME
say() { printf '[%6.2f s] %s\n' "$(awk -v a="$EPOCHREALTIME" -v b="$START" 'BEGIN { print a - b }')" "$*"; }

# Prints the client's new event lines, indented.
SHOWN=0
show_events() {
  local log=$1 lines
  lines=$(wc -l < "$log")
  if [ "$lines" -gt "$SHOWN" ]; then
    sed -n "$((SHOWN + 1)),${lines}p" "$log" | sed 's/^/             sipnat: /'
    SHOWN=$lines
  fi
}


loopback_demo() {
  local helper=$ROOT/$builddir/tests/servers/sipnat-test-kamailio work port
  echo "The NAT part of this demonstration needs root (network namespaces and nftables):"
  echo "run it as root to see a client behind a real NAT survive a router reboot."
  echo "Here instead: libsipnat registering on loopback with a Kamailio it starts."
  echo
  work=$(mktemp -d)
  trap 'exec {K[1]}>&- 2>/dev/null || true; rm -rf "$work"' EXIT
  coproc K (SIPNAT_SOURCE_ROOT=$ROOT "$helper" --auth)
  read -r line <&"${K[0]}"
  port=${line#PORT }
  cat > "$work/demo.conf" <<EOF
[policy.endpoint]
local_address = 127.0.0.1
[proxies.proxy0]
server = 127.0.0.1:$port
user = alice
password = alicepw
EOF
  say "Kamailio on 127.0.0.1:$port; sipnat register for 3 s"
  "$TOOL" register --config "$work/demo.conf" --for 3 | sed 's/^/             sipnat: /'
  say "done"
}

if [ "$(id -u)" -ne 0 ] || [ -n "${SIPNAT_DEMO_LOOPBACK:-}" ]; then
  loopback_demo
  exit 0
fi

STATE=$(mktemp -d /tmp/sipnat-demo.XXXXXX)
trap '"$NATLAB" --state "$STATE" down >/dev/null 2>&1 || true; rm -rf "$STATE"' EXIT
nl() { "$NATLAB" --state "$STATE" "$@"; }

nl up cone --second-client --client2-nat symmetric --owner $$ >/dev/null
nl start-kamailio >/dev/null
nl start-coturn >/dev/null
# shellcheck disable=SC1091
. "$STATE/natlab.env"
say "NAT lab up: client $CLIENT_IP behind a home router (public address $NAT_WAN_IP),"
say "Kamailio registrar at $REGISTRAR_IP:$SIP_PORT on the public segment (no NAT fixing of its own)"

cat > "$STATE/alice.conf" <<EOF
[policy.endpoint]
local_address = $CLIENT_IP
local_port = 5060

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = alice
password = alicepw
reg_timeout = 600
reg_match_received_rport = 1

[proxies.proxy0.nat]
keepalive_interval = $KEEPALIVE
EOF
say "starting: sipnat register (reg_timeout 600 s, keep-alive every $KEEPALIVE s, reg_match_received_rport 1)"
nl spawn client alice "$TOOL" register --config "$STATE/alice.conf" >/dev/null
LOG=$STATE/alice.log
wait_for "$LOG" "contact uri=sip:alice@$NAT_WAN_IP" 10 || { cat "$LOG"; exit 1; }
sleep 0.2
show_events "$LOG"

reach() {
  nl probe public sip-request OPTIONS "sip:alice@$REGISTRAR_IP" \
    --proxy "$REGISTRAR_IP:$SIP_PORT" --timeout "${1:-3}" 2>/dev/null | tail -n 1
}
say "from the public side, OPTIONS through Kamailio to alice: $(reach)"

OLD=$NAT_WAN_IP
nl rebind >/dev/null
# shellcheck disable=SC1091
. "$STATE/natlab.env"
REBIND=$EPOCHREALTIME
say "the router reboots: new public address $NAT_WAN_IP (was $OLD), every NAT binding lost"
say "from the public side, OPTIONS to alice: $(reach 0.5)  (Kamailio still has the old Contact)"

status=never
for ((i = 0; i < 4 * (KEEPALIVE + 10); i++)); do
  if [ "$(reach 0.5)" = 200 ]; then status=ok; break; fi
  sleep 0.25
done
RECOVERY=$(awk -v a="$EPOCHREALTIME" -v b="$REBIND" 'BEGIN { printf "%.2f", a - b }')
show_events "$LOG"
if [ "$status" = ok ]; then
  say "alice is reachable again, ${RECOVERY} s after the rebind (keep-alive interval: $KEEPALIVE s)"
else
  say "alice did NOT become reachable again"
  exit 1
fi

say "stopping the client (SIGTERM): it unregisters"
nl stop alice >/dev/null
sleep 0.3
show_events "$LOG"
# ---------------------------------------------------------------- a call

call_config() {   # call_config USER PASSWORD LOCAL_IP
  cat <<EOF
[policy.endpoint]
local_address = $3
local_port = 5060

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = $1
password = $2
reg_timeout = 600
reg_match_received_rport = 1

[proxies.proxy0.nat]
keepalive_interval = $KEEPALIVE
ice_enabled = 1
stun_server = $TURN_IP
turn_server = $TURN_IP
turn_user_name = $1
turn_password = $2
EOF
}
call_config bob bobpw "$CLIENT2_IP" > "$STATE/bob.conf"
call_config alice alicepw "$CLIENT_IP" > "$STATE/alice-call.conf"

say "what kind of NAT is each behind? sipnat probe (RFC 5780 with coturn's two addresses):"
nl exec client "$TOOL" probe --config "$STATE/alice-call.conf" 2>&1 | sed 's/^/             alice: /'
nl exec client2 "$TOOL" probe --config "$STATE/bob.conf" 2>&1 | sed 's/^/             bob:   /'

say "a call: bob ($CLIENT2_IP) is behind a second router, a symmetric NAT ($CLIENT2_PUBLIC_IP);"
say "coturn on the public segment ($TURN_IP) is the STUN and TURN server of both"
nl spawn client2 bob "$TOOL" answer --config "$STATE/bob.conf" --for 60 >/dev/null
wait_for "$STATE/bob.log" "state=registered" 10 || { cat "$STATE/bob.log"; exit 1; }
say "bob registered and waits for a call (sipnat answer)"
say "alice calls sip:bob@$REGISTRAR_IP (sipnat call, a test tone both ways, 3 s once active):"
nl exec client "$TOOL" call "sip:bob@$REGISTRAR_IP" --config "$STATE/alice-call.conf" --for 3 \
  > "$STATE/alice-call.log" 2>&1 || { cat "$STATE/alice-call.log"; exit 1; }
grep -E "call-state|selected-pair|call-error" "$STATE/alice-call.log" | sed 's/^/             alice: /'
grep "media-stats" "$STATE/alice-call.log" | tail -n 1 | sed 's/^/             alice: /'
wait_for "$STATE/bob.log" "state=ended" 10 || true
sleep 0.3
grep -E "call-state|selected-pair" "$STATE/bob.log" | sed 's/^/             bob:   /'
grep "media-stats" "$STATE/bob.log" | tail -n 1 | sed 's/^/             bob:   /'
nl stop bob >/dev/null
say "done"
