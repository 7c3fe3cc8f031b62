#!/bin/bash
# test-nat-callmove.sh: an active call follows its caller to another
# router (issue 9 §3: active calls restart ICE with a re-INVITE).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Cone NAT lab; Kamailio and coturn on the public segment. `sipnat answer`
# runs as bob on the public segment itself (203.0.113.1), `sipnat call` as
# alice in the client's namespace, bound to the client's LAN address.
# Once the call is active, the client's link goes down for 1.5 s and comes
# back on the same interface and address behind a router with another
# public address (natlab.sh rebind: new WAN address, conntrack flushed), as
# when a laptop roams to another network numbered like its home one. The
# endpoint's transports stay, so the call restarts ICE with a re-INVITE;
# the audio must flow both ways again. Prints the time from the link back
# up to the pair selected again and to new audio on each side.
#
# The call keeps the candidates it gathered at the start (libnice gathers
# a stream once, doc/nat-traversal.md "Active calls"): the new public
# address is learnt as peer-reflexive by bob, who is public here. (libnice
# ties each host socket to its interface, IP_UNICAST_IF: a move to another
# interface, natlab.sh move-client, leaves the call without a socket that
# works, and the call ends.)
#
# Env: SIPNAT_TOOL (the sipnat program), SIPNAT_NAT_RESULTS (append
# "call-move libsipnat SECONDS" lines), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
CHECK=$HERE/natlab-callmove-check.py
RESULTS=${SIPNAT_NAT_RESULTS:-}
PLAN=4

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || skip_all "coturn (turnserver) not installed"

echo "1..$PLAN"

if ! lab_start cone || ! OUT=$(nl start-kamailio 2>&1) || ! OUT=$(nl start-coturn 2>&1); then
  not_ok "lab up"; printf '%s\n' "$OUT" | diag
  exit 1
fi
# shellcheck disable=SC1091
. "$STATE/natlab.env"

write_call_config "$STATE/bob.conf" bob bobpw "$PUBLIC_IP"
write_call_config "$STATE/alice.conf" alice alicepw "$CLIENT_IP"
if nl spawn public bob "$TOOL" answer --config "$STATE/bob.conf" --json --for 60 >/dev/null &&
   wait_for_line "$STATE/bob.log" '"state":"registered"' 150; then
  ok "bob registered on the public segment"
else
  not_ok "bob registered on the public segment"; diag < "$STATE/bob.log"
fi

nl spawn client alice "$TOOL" call "sip:bob@$REGISTRAR_IP" --config "$STATE/alice.conf" \
  --json --for 12 >/dev/null
if wait_for_line "$STATE/alice.log" '"state":"active"' 200; then
  ok "alice's call active before the move"
else
  not_ok "alice's call active before the move"; diag < "$STATE/alice.log"
fi

# Audio flows both ways before the move (each side's media-stats counts
# received RTP); the link then stays down 1.5 s on purpose: an outage.
wait_for_line "$STATE/alice.log" '"rtp-received":[1-9]' 100
wait_for_line "$STATE/bob.log" '"rtp-received":[1-9]' 100
CHANGED_AT=
if nl exec client ip link set eth0 down && sleep 1.5 && OUT=$(nl rebind 2>&1) &&
   nl exec client ip link set eth0 up &&
   nl exec client ip route replace default via "$CLIENT_GW"; then
  CHANGED_AT=$EPOCHREALTIME
fi
check "link down 1.5 s, back behind a new public address (back at ${CHANGED_AT:-?})" \
  test -n "$CHANGED_AT"

wait_for_final_stats "$STATE/alice.log" 250
wait_for_final_stats "$STATE/bob.log" 50
if measured=$("$PYTHON" "$CHECK" "$STATE/alice.log" "$STATE/bob.log" "${CHANGED_AT:-0}" \
                2> "$STATE/check.err"); then
  ok "audio both ways again after the move: $measured"
  echo "# call-move: $measured"
  if [ -n "$RESULTS" ]; then
    echo "call-move libsipnat $("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(max(d["caller-audio-again-s"], d["callee-audio-again-s"]))' "$measured")" >> "$RESULTS"
  fi
else
  not_ok "audio both ways again after the move: $measured"
  { cat "$STATE/check.err"; echo "--- alice"; cat "$STATE/alice.log";
    echo "--- bob"; cat "$STATE/bob.log"; } | diag
fi

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
