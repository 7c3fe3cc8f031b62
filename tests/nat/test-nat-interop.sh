#!/bin/bash
# test-nat-interop.sh: libsipnat and baresip 1.0 (medianat=ice) calling
# each other through the lab's NATs (issue 8's interop requirement).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# alice is libsipnat (`sipnat call` or `sipnat answer`, client namespace,
# behind nat1), bob is baresip (client2 namespace, behind nat2), both
# registered with Kamailio on the public segment: the lab's template plus
# nathelper (baresip registers its private Contact, libsipnat its public
# one, see tests/nat/baresip-lib.sh). coturn is the STUN and TURN server;
# libsipnat has STUN and TURN, baresip STUN only (stunserver=stun:...; with
# TURN baresip 1.0 breaks its own ICE, see tests/nat/README.md). Cases 1-4:
# cone and symmetric NATs on both sides, libsipnat calling baresip and
# baresip calling libsipnat, baresip with rtcp_mux yes; cases 5-6: cone,
# both directions, with baresip's default rtcp_mux no. For each:
# both registered; then both calls active, RTP counted on both sides
# (libsipnat: its media-stats; baresip: nft counters in nat2, packets that
# left baresip's router towards the peer = sent, that it delivered to
# baresip = received), at least 90 % of what each side sent arrived, and
# libsipnat's selected pair reported. When the only failure is baresip's
# (see natlab-interop-check.py) the check is a TAP TODO with the evidence.
#
# Env: SIPNAT_TOOL (the sipnat program); SIPNAT_INTEROP_MEDIA_NAT (stun,
# the default, or turn: baresip's stunserver); SIPNAT_INTEROP_SECONDS
# (the call's length after it is active, default 8);
# SIPNAT_INTEROP_RESULTS (a file to append one JSON line per case to); and
# what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
CHECK=$HERE/natlab-interop-check.py
INTEROP_TEMPLATE=${SIPNAT_SOURCE_ROOT:-$HERE/../..}/tests/servers/kamailio.cfg.in
MEDIA_NAT=${SIPNAT_INTEROP_MEDIA_NAT:-stun}
CALL_SECONDS=${SIPNAT_INTEROP_SECONDS:-8}
RESULTS=${SIPNAT_INTEROP_RESULTS:-}
RTCP_MUX=${SIPNAT_INTEROP_RTCP_MUX:-yes}
CASES=${SIPNAT_INTEROP_CASES:-1 2 3 4 5 6}
PLAN=12

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"
# shellcheck source=baresip-lib.sh
. "$HERE/baresip-lib.sh"

command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || skip_all "coturn (turnserver) not installed"
! missing=$(baresip_missing) || skip_all "$missing"

echo "1..$PLAN"
echo "# baresip: medianat=ice, stunserver=$MEDIA_NAT; calls last ${CALL_SECONDS} s once active"

lab_stop() {
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  STATE=
}

# lab_setup TOPOLOGY-OPTIONS...: the lab, Kamailio with nathelper, coturn,
# the configurations, the counters in both home routers.
lab_setup() {
  lab_start "$@" --second-client || return 1
  OUT=$(baresip_kamailio_template "$INTEROP_TEMPLATE" "$STATE/kamailio-interop.cfg.in" 2>&1 &&
        nl start-kamailio --template "$STATE/kamailio-interop.cfg.in" 2>&1 &&
        nl start-coturn 2>&1 &&
        baresip_write_config "$STATE/bob" bob "$CLIENT2_IP" "$MEDIA_NAT" "${CASE_RTCP_MUX:-$RTCP_MUX}" 2>&1 &&
        natcount_install nat1 2>&1 && natcount_install nat2 2>&1) || return 1
  write_call_config "$STATE/alice.conf" alice alicepw "$CLIENT_IP"
}

# wait_call_end: baresip hangs up (or is hung up), then its RTP stops; the
# counters are read once both sides are quiet.
read_counts() {
  sleep 0.5
  natcount_read nat1 "$STATE/nat1.counters"
  natcount_read nat2 "$STATE/nat2.counters"
}

# verdict NAME DIRECTION: runs the check and prints the TAP line.
verdict() {
  local name=$1 direction=$2 measured status
  measured=$("$PYTHON" "$CHECK" "$direction" "$STATE" 2> "$STATE/check.err")
  status=$?
  # The times asked for by issue 8 (from the answer) and the counts.
  printf '%s\n' "$measured" | sed -n '2,$p' | diag
  measured=$(printf '%s\n' "$measured" | head -n 1)
  case $status in
    0) ok "$name: audio both ways: $measured" ;;
    3) ok "$name: audio both ways # TODO baresip 1.0: $(head -n 1 "$STATE/check.err")"
       { echo "measured: $measured"; tail -n +2 "$STATE/check.err"; } | diag ;;
    *) not_ok "$name: audio both ways: $measured"
       { cat "$STATE/check.err"; echo "--- alice (libsipnat)"; cat "$STATE/alice.log" "$STATE/alice.err" 2>/dev/null
         echo "--- bob (baresip), last lines"; tail -n 60 "$STATE/bob.log"; } | diag ;;
  esac
  [ -z "$RESULTS" ] ||
    echo "{\"case\":\"$name\",\"media_nat\":\"$MEDIA_NAT\",\"measured\":${measured:-null}}" >> "$RESULTS"
}

# case_libsipnat_calls NAME TOPOLOGY-OPTIONS...: alice (libsipnat) calls bob.
case_libsipnat_calls() {
  local name=$1
  shift
  if ! lab_setup "$@" || ! OUT=$(baresip_start client2 bob 2>&1); then
    not_ok "$name: lab up, baresip registered"; printf '%s\n' "$OUT" | diag
    not_ok "$name: audio both ways"
    lab_stop
    return
  fi
  ok "$name: lab up, baresip registered"
  nl exec client timeout $((CALL_SECONDS + 60)) "$TOOL" call "sip:bob@$REGISTRAR_IP" \
    --config "$STATE/alice.conf" --json --for "$CALL_SECONDS" > "$STATE/alice.log" 2> "$STATE/alice.err"
  wait_for "$STATE/bob.log" 'terminated|closed|Call with .* terminated' 5
  read_counts
  verdict "$name" libsipnat-calls
  nl stop bob >/dev/null 2>&1
  lab_stop
}

# case_baresip_calls NAME TOPOLOGY-OPTIONS...: bob (baresip) calls alice.
case_baresip_calls() {
  local name=$1 i
  shift
  if ! lab_setup "$@" || ! OUT=$(baresip_start client2 bob 2>&1) ||
     ! nl spawn client alice "$TOOL" answer --config "$STATE/alice.conf" --json \
         --for $((CALL_SECONDS + 90)) >/dev/null ||
     ! wait_for_line "$STATE/alice.log" '"state":"registered"' 150; then
    not_ok "$name: lab up, both registered"
    { printf '%s\n' "$OUT"; cat "$STATE/alice.log" 2>/dev/null; } | diag
    not_ok "$name: audio both ways"
    lab_stop
    return
  fi
  ok "$name: lab up, both registered"
  baresip_cons client2 "/dial sip:alice@$REGISTRAR_IP"
  # The call's length counts from libsipnat's active state, as for `call`;
  # a call that ends (or is not active within 30 s) is hung up at once.
  for ((i = 0; i < 300; i++)); do
    grep -qE '"state":"(active|ended)"' "$STATE/alice.log" && break
    sleep 0.1
  done
  ! grep -q '"state":"active"' "$STATE/alice.log" || sleep "$CALL_SECONDS"
  baresip_cons client2 /hangup
  wait_for_final_stats "$STATE/alice.log" 100
  read_counts
  verdict "$name" baresip-calls
  nl stop alice >/dev/null 2>&1
  nl stop bob >/dev/null 2>&1
  lab_stop
}

run_case() {
  local number=$1
  shift
  if [[ " $CASES " == *" $number "* ]]; then
    "$@"
  else
    skip "case $number: lab up" "not in SIPNAT_INTEROP_CASES"
    skip "case $number: audio both ways" "not in SIPNAT_INTEROP_CASES"
  fi
}

run_case 1 case_libsipnat_calls "cone | cone: libsipnat calls baresip" cone
run_case 2 case_baresip_calls "cone | cone: baresip calls libsipnat" cone
run_case 3 case_libsipnat_calls "symmetric | symmetric: libsipnat calls baresip" symmetric --client2-nat symmetric
run_case 4 case_baresip_calls "symmetric | symmetric: baresip calls libsipnat" symmetric --client2-nat symmetric
# baresip's default: RTCP on its own port (ICE component 2), which
# libsipnat's offers carry candidates for and its answers keep.
CASE_RTCP_MUX=no run_case 5 case_libsipnat_calls "cone | cone, baresip rtcp_mux no: libsipnat calls baresip" cone
CASE_RTCP_MUX=no run_case 6 case_baresip_calls "cone | cone, baresip rtcp_mux no: baresip calls libsipnat" cone

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
