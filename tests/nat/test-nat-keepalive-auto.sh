#!/bin/bash
# test-nat-keepalive-auto.sh: `keepalive_interval = auto` keeps a registration
# reachable through NATs with UDP timeouts of 20, 60 and 120 s, at a period
# between 50 % and 90 % of the timeout (issue 9 §5).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Four labs at the same time (cone NAT, Kamailio, coturn with its two
# addresses): three with `keepalive_interval = auto` and the router's UDP
# timeout at 20, 60 and 120 s, one with a fixed 15 s period (60 s timeout)
# for the bytes. `sipnat register` runs in the client namespace; the
# binding lifetime is measured in the background and the keep-alive
# interval switches to 80 % of it. For 10 minutes after the registration
# the router's conntrack entry of the SIP flow (client:5060 ->
# registrar:5060) is looked at every 2 s, which sends nothing through the
# NAT; it must never be missing. At the end, an OPTIONS from the public
# side through Kamailio to the user must reach it. The bytes of the SIP
# flow (conntrack accounting, both directions) after the switch give the
# bytes per hour, printed next to those of the fixed 15 s period.
#
# Env: SIPNAT_TOOL (the sipnat program), SIPNAT_KEEPALIVE_AUTO_SECONDS (the
# observation, default 600), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
OBSERVE=${SIPNAT_KEEPALIVE_AUTO_SECONDS:-600}

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || skip_all "coturn (turnserver) not installed"

# name | UDP timeout | keepalive_interval
CASES=("auto20|20|auto" "auto60|60|auto" "auto120|120|auto" "fixed15|60|15")

echo "1..$(( 3 * 4 + 2 ))"

epoch_s() { date +%s; }

# flow_bytes NS: the bytes (both directions) of the SIP flow's conntrack
# entry, or nothing when there is none.
flow_bytes() {
  ip netns exec "$1" conntrack -L -p udp -s "$CLIENT_IP" --sport 5060 \
    -d "$REGISTRAR_IP" --dport 5060 2>/dev/null |
    sed -n 's/.*bytes=\([0-9]*\).*bytes=\([0-9]*\).*/\1 \2/p' | awk '{ print $1 + $2; exit }'
}

# run_case NAME TIMEOUT INTERVAL: writes $WORK/NAME.result (KEY=VALUE lines)
run_case() {
  local name=$1 timeout=$2 interval=$3 state=$WORK/$1 conf=$WORK/$1.conf result=$WORK/$1.result
  local t0 t1='' b1='' period='' checks=0 missing=0 first_missing='' b now_s bytes
  mkdir -p "$state"
  {
    "$NATLAB" --state "$state" up cone --udp-timeout "$timeout" --owner $$ --prefix "snk$$$name" >/dev/null &&
    "$NATLAB" --state "$state" start-kamailio --no-auth --max-expires 3600 >/dev/null &&
    "$NATLAB" --state "$state" start-coturn >/dev/null
  } 2>"$WORK/$name.lab" || { echo "error=lab failed" > "$result"; return; }
  # shellcheck disable=SC1091
  . "$state/natlab.env"
  ip netns exec "$NS_NAT1" sysctl -q -w net.netfilter.nf_conntrack_acct=1
  REG_TIMEOUT=3600 KEEPALIVE=$interval NAT_EXTRA="stun_server = $TURN_IP
stun_server_port = $TURN_PORT" write_register_config "$conf" alice alicepw "$CLIENT_IP"
  "$NATLAB" --state "$state" spawn client reg env G_MESSAGES_DEBUG=Sipnat SIPNAT_DEBUG=nat \
    "$TOOL" register --config "$conf" --json >/dev/null
  wait_for_line "$state/reg.log" '"state":"registered"' 300 ||
    { echo "error=not registered" > "$result"; cp "$state/reg.log" "$WORK/$name.log"; return; }
  t0=$(epoch_s)
  [ "$interval" = auto ] || { t1=$((t0 + 20)); period=$interval; }

  while [ $(( $(epoch_s) - t0 )) -lt "$OBSERVE" ]; do
    now_s=$(epoch_s)
    bytes=$(flow_bytes "$NS_NAT1")
    checks=$((checks + 1))
    if [ -z "$bytes" ]; then
      missing=$((missing + 1))
      [ -n "$first_missing" ] || first_missing=$((now_s - t0))
    fi
    if [ -z "$period" ]; then
      period=$(sed -n 's/.*keepalive_interval = auto: .* keep-alive every \([0-9]*\) s.*/\1/p' \
                 "$state/reg.log" | head -n 1)
      [ -z "$period" ] || t1=$now_s
    fi
    if [ -z "$b1" ] && [ -n "$t1" ] && [ "$now_s" -ge "$t1" ] && [ -n "$bytes" ]; then
      b1=$bytes; t1=$now_s
    fi
    sleep 2
  done
  b=$(flow_bytes "$NS_NAT1")
  local t2 status
  t2=$(epoch_s)
  status=$("$NATLAB" --state "$state" probe public sip-request OPTIONS "sip:alice@$REGISTRAR_IP" \
             --proxy "$REGISTRAR_IP:$SIP_PORT" --timeout 3 2>/dev/null | tail -n 1)
  {
    echo "period=${period:-}"
    echo "switched_after=$(( ${t1:-$t2} - t0 ))"
    echo "checks=$checks"
    echo "missing=$missing"
    echo "first_missing=${first_missing:-}"
    echo "options=$status"
    if [ -n "$b1" ] && [ -n "$b" ] && [ "$t2" -gt "$t1" ]; then
      echo "bytes_per_hour=$(( (b - b1) * 3600 / (t2 - t1) ))"
    else
      echo "bytes_per_hour="
    fi
  } > "$result"
  cp "$state/reg.log" "$WORK/$name.log"
}

pids=()
for c in "${CASES[@]}"; do
  IFS='|' read -r name timeout interval <<< "$c"
  ( run_case "$name" "$timeout" "$interval"; "$NATLAB" --state "$WORK/$name" down >/dev/null 2>&1 ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

get() { sed -n "s/^$2=//p" "$WORK/$1.result" 2>/dev/null | head -n 1; }

for c in "${CASES[@]}"; do
  IFS='|' read -r name timeout interval <<< "$c"
  [ "$interval" = auto ] || continue
  if [ -n "$(get "$name" error)" ] || [ ! -f "$WORK/$name.result" ]; then
    for what in "period" "reachable" "OPTIONS" "bytes"; do
      not_ok "$name: $what # $(get "$name" error)"
    done
    cat "$WORK/$name.lab" "$WORK/$name.log" 2>/dev/null | tail -n 20 | diag
    continue
  fi
  period=$(get "$name" period)
  if [ -n "$period" ] && [ $((period * 100)) -ge $((timeout * 50)) ] &&
     [ $((period * 100)) -le $((timeout * 90)) ]; then
    ok "$name: the keep-alive period chosen, $period s after $(get "$name" switched_after) s, lies within 50-90 % of the ${timeout} s NAT timeout"
  else
    not_ok "$name: the keep-alive period (${period:-none}) lies within 50-90 % of the ${timeout} s NAT timeout"
    grep -i "lifetime\|keepalive" "$WORK/$name.log" | tail -n 20 | diag
  fi
  if [ "$(get "$name" missing)" = 0 ] && [ "$(get "$name" checks)" -ge $((OBSERVE / 3)) ]; then
    ok "$name: the SIP flow's conntrack entry never went missing ($(get "$name" checks) checks over $OBSERVE s)"
  else
    not_ok "$name: the SIP flow's conntrack entry went missing $(get "$name" missing) of $(get "$name" checks) times (first after $(get "$name" first_missing) s)"
  fi
  case $(get "$name" options) in
    200*) ok "$name: an OPTIONS through Kamailio reaches the client at the end ($(get "$name" options))" ;;
    *) not_ok "$name: an OPTIONS through Kamailio reaches the client at the end ($(get "$name" options))" ;;
  esac
  # Bytes: reported next to the fixed 15 s period; a period above 15 s
  # must cost less (under 15 s, at a 20 s timeout, it costs more: 15 s
  # would leave too little margin for the lifetime measured).
  bph=$(get "$name" bytes_per_hour)
  fixed=$(get fixed15 bytes_per_hour)
  if [ -n "$bph" ] && [ -n "$fixed" ] && { [ "${period:-0}" -le 15 ] || [ "$bph" -lt "$fixed" ]; }; then
    ok "$name: $bph bytes/hour at $period s, against $fixed bytes/hour at a fixed 15 s"
  else
    not_ok "$name: bytes/hour at ${period:-?} s (${bph:-?}) next to a fixed 15 s (${fixed:-?})"
  fi
done

# The fixed period: reachable too, and its bytes were measured.
if [ "$(get fixed15 missing)" = 0 ] && [ -n "$(get fixed15 bytes_per_hour)" ]; then
  ok "fixed15: reachable at a fixed 15 s period, $(get fixed15 bytes_per_hour) bytes/hour"
else
  not_ok "fixed15: reachable at a fixed 15 s period ($(cat "$WORK/fixed15.result" 2>/dev/null | tr '\n' ' '))"
fi
case $(get fixed15 options) in
  200*) ok "fixed15: an OPTIONS through Kamailio reaches the client at the end" ;;
  *) not_ok "fixed15: an OPTIONS through Kamailio reaches the client at the end ($(get fixed15 options))" ;;
esac

exit "$failed"
