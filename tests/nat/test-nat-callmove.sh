#!/bin/bash
# test-nat-callmove.sh: an active call follows its caller to another
# network (issue 9 §3: active calls survive a network change).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Cone NAT lab; Kamailio and coturn on the public segment. `sipnat answer`
# runs as bob on the public segment itself (203.0.113.1), `sipnat call` as
# alice in the client's namespace. Two scenarios, each in its own lab:
#
# 1. "rebind": alice bound to the client's LAN address. Once the call is
#    active, the client's link goes down for 1.5 s and comes back on the
#    same interface and address behind a router with another public
#    address (natlab.sh rebind: new WAN address, conntrack flushed), as
#    when a laptop roams to another network numbered like its home one.
#    The endpoint's transports stay, so the call restarts ICE with a
#    re-INVITE (sipnat-call-restart.c); the call keeps the candidates it
#    gathered at the start: the new public address is learnt as
#    peer-reflexive by bob, who is public here.
#
# 2. "tether": alice bound to all interfaces (0.0.0.0). Once the call is
#    active, the client leaves its home router for a phone tether
#    (natlab.sh move-client: the home address is flushed, a new interface
#    with another address behind another NAT comes up). The address the
#    endpoint's SIP stack was bound to is gone: the endpoint replaces the
#    stack, and the call moves to the new one (sipnat-call-move.c): a
#    re-INVITE from the new stack with a new Contact and a new ICE agent
#    gathered on the new interface (host, server-reflexive, relayed).
#    The call must stay active (never "The network changed") and the audio
#    flow both ways again.
#
# Each scenario prints the times from the new network up to the pair
# selected again and to new audio on each side; "tether" also to the
# stack's replacement and to the move's re-INVITE answered (from alice's
# SIPNAT_DEBUG=sip,nat lines).
#
# Env: SIPNAT_TOOL (the sipnat program), SIPNAT_NAT_RESULTS (append
# "call-move libsipnat SECONDS" and "call-move-tether libsipnat SECONDS"
# lines: the later of both sides' audio again), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
CHECK=$HERE/natlab-callmove-check.py
RESULTS=${SIPNAT_NAT_RESULTS:-}
PLAN=8

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || skip_all "coturn (turnserver) not installed"

echo "1..$PLAN"

# lab_up: a cone lab with Kamailio and coturn, bob answering on the public
# segment.
lab_up() {
  if ! lab_start cone || ! OUT=$(nl start-kamailio 2>&1) || ! OUT=$(nl start-coturn 2>&1); then
    not_ok "$1: lab up"; printf '%s\n' "$OUT" | diag
    return 1
  fi
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"

  write_call_config "$STATE/bob.conf" bob bobpw "$PUBLIC_IP"
  if nl spawn public bob "$TOOL" answer --config "$STATE/bob.conf" --json --for 60 >/dev/null &&
     wait_for_line "$STATE/bob.log" '"state":"registered"' 150; then
    ok "$1: bob registered on the public segment"
  else
    not_ok "$1: bob registered on the public segment"; diag < "$STATE/bob.log"
  fi
}

# call_up SCENARIO LOCAL_ADDRESS: alice calls bob; the call is active and
# the audio flows both ways.
call_up() {
  write_call_config "$STATE/alice.conf" alice alicepw "$2"
  nl spawn client alice env TZ=UTC SIPNAT_DEBUG=sip,nat G_MESSAGES_DEBUG=Sipnat \
    "$TOOL" call "sip:bob@$REGISTRAR_IP" --config "$STATE/alice.conf" --json --for 14 >/dev/null
  if wait_for_line "$STATE/alice.log" '"state":"active"' 200; then
    ok "$1: alice's call active before the change"
  else
    not_ok "$1: alice's call active before the change"; diag < "$STATE/alice.log"
  fi
  wait_for_line "$STATE/alice.log" '"rtp-received":[1-9]' 100
  wait_for_line "$STATE/bob.log" '"rtp-received":[1-9]' 100
}

# audio_again SCENARIO RESULT_NAME [--moved]
audio_again() {
  local scenario=$1 name=$2
  shift 2
  wait_for_final_stats "$STATE/alice.log" 250
  wait_for_final_stats "$STATE/bob.log" 50
  if measured=$("$PYTHON" "$CHECK" "$STATE/alice.log" "$STATE/bob.log" "${CHANGED_AT:-0}" "$@" \
                  2> "$STATE/check.err"); then
    ok "$scenario: audio both ways again after the change: $measured"
    echo "# $name: $measured"
    grep -E 'new SIP transports|re-INVITE|moved to|waits for' "$STATE/alice.log" |
      sed 's/^.*Sipnat-DEBUG: //' | diag
    if [ -n "$RESULTS" ]; then
      echo "$name libsipnat $("$PYTHON" -c 'import json,sys; d=json.loads(sys.argv[1]); print(max(d["caller-audio-again-s"], d["callee-audio-again-s"]))' "$measured")" >> "$RESULTS"
    fi
  else
    not_ok "$scenario: audio both ways again after the change: $measured"
    { cat "$STATE/check.err"; echo "--- alice"; grep -v 'libnice\|^(' "$STATE/alice.log";
      echo "--- bob"; cat "$STATE/bob.log"; } | diag
  fi
}

# 1. The same interface and address behind another router: the stack stays.
if lab_up rebind; then
  call_up rebind "$CLIENT_IP"
  # The link stays down 1.5 s on purpose: an outage.
  CHANGED_AT=
  if nl exec client ip link set eth0 down && sleep 1.5 && OUT=$(nl rebind 2>&1) &&
     nl exec client ip link set eth0 up &&
     nl exec client ip route replace default via "$CLIENT_GW"; then
    CHANGED_AT=$EPOCHREALTIME
  fi
  check "rebind: link down 1.5 s, back behind a new public address (back at ${CHANGED_AT:-?})" \
    test -n "$CHANGED_AT"
  audio_again rebind call-move
  "$NATLAB" --state "$STATE" down >/dev/null 2>&1
fi

# 2. Another interface and address behind a phone tether: the stack is
# replaced, the call moves to the new one.
if lab_up tether; then
  call_up tether 0.0.0.0
  CHANGED_AT=
  if OUT=$(nl move-client 2>&1); then
    CHANGED_AT=$(printf '%s\n' "$OUT" | sed -n 's/^CHANGED_AT=//p')
  fi
  check "tether: the client moved to the tether (new address up at ${CHANGED_AT:-?})" \
    test -n "$CHANGED_AT"
  audio_again tether call-move-tether --moved
  "$NATLAB" --state "$STATE" down >/dev/null 2>&1
fi

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
