#!/bin/bash
# netchange.sh: libsipnat, baresip and linphonec when the client's own
# address changes (issue 9 §3).
#
# For each client and round: a fresh `cone` NAT lab (tests/nat/natlab.sh),
# Kamailio on the public segment (nat-aware by default: the registrar
# sends to where a REGISTER came from, so that the peers get their best
# chance; `--registrar stock` for the lab's plain one), the client in the
# client namespace bound to all interfaces, registered for 600 s (no
# refresh falls into the measurement). Then two changes, each timed from
# the moment the new address is up until the client is reachable again
# (an OPTIONS from the public side through Kamailio to the user gets a 200;
# tests/nat/natlab-reach.py, started before the change, probes every 0.1 s),
# or "never" after LIMIT seconds:
#   1. renumber: a new LAN address behind the same router
#      (natlab.sh renumber-client; the router maps it to a new public port)
#   2. move: a new router, another public address (natlab.sh move-client,
#      as from Wi-Fi to a phone tether)
# The move is measured only when the client recovered from the renumber.
#
# Output: a Markdown table (medians over the rounds) on stdout, progress
# on stderr. Needs root; everything happens in the labs' namespaces, torn
# down on exit (and after SIGKILL: --owner).
#
# Usage: bench/nat/netchange.sh [--rounds N] [--limit S]
#          [--clients "libsipnat baresip linphonec"] [--registrar nat-aware|stock]
#          [--keep-logs]
#
# Environment: SIPNAT_TOOL (default _build/tools/sipnat, or
# $SIPNAT_BUILDDIR/tools/sipnat).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NATLAB=$ROOT/tests/nat/natlab.sh
KAMAILIO_TEMPLATE=$ROOT/tests/servers/kamailio.cfg.in
TOOL=${SIPNAT_TOOL:-$ROOT/${SIPNAT_BUILDDIR:-_build}/tools/sipnat}
PATH=$PATH:/usr/sbin:/sbin
BENCH_NAME=netchange.sh
# shellcheck source=bench-lib.sh
. "$HERE/bench-lib.sh"

ROUNDS=3
LIMIT=120
KEEPALIVE=15
CLIENTS="libsipnat baresip linphonec"
REGISTRAR=nat-aware
KEEP_LOGS=0

usage() {
  # shellcheck disable=SC2016
  sed -n '/^# Usage:/,/^# \$SIPNAT_BUILDDIR/s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift ;;
    --limit) LIMIT=${2:?}; shift ;;
    --clients) CLIENTS=${2:?}; shift ;;
    --registrar) REGISTRAR=${2:?}; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage ;;
    *) echo "netchange.sh: unknown option '$1'" >&2; usage ;;
  esac
  shift
done
for v in ROUNDS LIMIT; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "netchange.sh: --${v,,} must be a whole number > 0" >&2; exit 2; }
done
case $REGISTRAR in nat-aware|stock) ;; *) echo "netchange.sh: --registrar nat-aware or stock" >&2; exit 2 ;; esac
for c in $CLIENTS; do
  case $c in libsipnat|baresip|linphonec) ;; *) echo "netchange.sh: unknown client '$c'" >&2; exit 2 ;; esac
done

need_root
need_tools ip nft conntrack kamailio python3
# shellcheck disable=SC2086
need_clients $CLIENTS

bench_start netchange
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

client_version() {
  case $1 in
    libsipnat) echo "libsipnat $COMMIT (sipnat register)" ;;
    baresip) echo "baresip $(dpkg-query -W -f '${Version}' baresip-core 2>/dev/null || echo '?')" ;;
    linphonec) echo "linphonec $(dpkg-query -W -f '${Version}' linphone-cli 2>/dev/null || echo '?')" ;;
  esac
}

client_settings() {
  case $1 in
    libsipnat) echo "local_address 0.0.0.0 (default), reg_timeout 600, reg_match_received_rport 1, keepalive_interval $KEEPALIVE" ;;
    baresip) echo "no sip_listen (its default: the default route's address), regint=600, sipnat=outbound; checks its address every 60 s (built in)" ;;
    linphonec) echo "reg_expires 600, keepalive_period $((KEEPALIVE * 1000)), use_rport 1, auto_net_state_mon and register_only_when_network_is_up at their defaults" ;;
  esac
}

# client_start CLIENT STATE: spawns the client as "ua" in the client
# namespace and waits until it is registered.
client_start() {
  local c=$1 st=$2 user pass dir
  user=$(client_user "$c")
  pass=${user}pw
  case $c in
    libsipnat)
      cat > "$st/sipnat.conf" <<EOF
[policy.endpoint]
local_port = 5060

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = $user
password = $pass
reg_timeout = 600
reg_match_received_rport = 1

[proxies.proxy0.nat]
keepalive_interval = $KEEPALIVE
EOF
      "$NATLAB" --state "$st" spawn client ua "$TOOL" register --config "$st/sipnat.conf" --json >/dev/null || return 1
      wait_for "$st/ua.log" '"event":"registered-all"' 20
      ;;
    baresip)
      dir=$st/baresip
      mkdir -p "$dir"
      cat > "$dir/config" <<EOF
poll_method		epoll
audio_player		aufile,/dev/null
audio_source		ausine,440
audio_alert		aufile,/dev/null
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aufile.so
module_tmp		uuid.so
module_tmp		account.so
EOF
      cat > "$dir/accounts" <<EOF
<sip:$user@$REGISTRAR_IP>;auth_pass=$pass;regint=600;sipnat=outbound;outbound="sip:$REGISTRAR_IP:$SIP_PORT"
EOF
      "$NATLAB" --state "$st" spawn client ua /usr/bin/env HOME="$dir" \
        /usr/bin/baresip -f "$dir" -s >/dev/null || return 1
      wait_for "$st/ua.log" '\} 200 OK' 20
      ;;
    linphonec)
      dir=$st/linphone
      mkdir -p "$dir/.local/share/linphone"
      cat > "$dir/linphonerc" <<EOF
[sip]
sip_port=5060
sip_tcp_port=-1
sip_tls_port=-1
default_proxy=0
keepalive_period=$((KEEPALIVE * 1000))
ping_with_options=1
use_rport=1

[net]
enable_nat_helper=1
ipv6_enabled=0

[proxy_0]
reg_proxy=<sip:$REGISTRAR_IP:$SIP_PORT;transport=udp>
reg_identity=sip:$user@$REGISTRAR_IP
reg_expires=600
reg_sendregister=1
publish=0

[auth_info_0]
username=$user
passwd=$pass
realm=$REGISTRAR_IP
domain=$REGISTRAR_IP

[misc]
history_max_size=0
EOF
      # shellcheck disable=SC2016
      "$NATLAB" --state "$st" spawn client ua /bin/sh -c \
        'sleep 1000000 | HOME="$1" exec /usr/bin/linphonec -c "$1/linphonerc" -d 6 -l "$1/linphonec.log"' \
        sh "$dir" >/dev/null || return 1
      wait_for "$dir/linphonec.log" 'to \[LinphoneRegistrationOk\]' 20
      ;;
  esac
}

status() {
  "$NATLAB" --state "$ST" probe public sip-request OPTIONS "sip:$1@$REGISTRAR_IP" \
    --proxy "$REGISTRAR_IP:$SIP_PORT" --timeout "${2:-3}" 2>/dev/null | tail -n 1
}

# change USER NATLAB-COMMAND: the seconds from the new address being up
# (natlab.sh's CHANGED_AT) until reachable again, or never: natlab-reach.py
# sends an OPTIONS every 0.1 s, started before the change so that its own
# start-up is not measured.
change() {
  local user=$1 command=$2 file=$ST/$2.changed pid i
  "$NATLAB" --state "$ST" exec public /usr/bin/python3 "$ROOT/tests/nat/natlab-reach.py" \
    "sip:$user@$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" --since-file "$file" \
    --limit "$LIMIT" > "$ST/$command.reach" &
  pid=$!
  for ((i = 0; i < 100; i++)); do
    [ ! -e "$file.ready" ] || break
    sleep 0.1
  done
  "$NATLAB" --state "$ST" "$command" > "$file" || { kill "$pid"; echo error; return; }
  wait "$pid"
  cat "$ST/$command.reach"
}

one_round() {
  local c=$1 r=$2 user reach renumber=- move=- what
  user=$(client_user "$c")
  what="$c round $r"
  ST=$WORK/$c-$r
  mkdir -p "$ST"
  if ! "$NATLAB" --state "$ST" up cone --owner $$ --prefix "snn$$$(client_tag "$c")$r" >"$ST/up.out" 2>&1; then
    log "$what: lab up failed: $(tail -n 3 "$ST/up.out")"
    echo "round=$r error=lab"
    return
  fi
  # shellcheck disable=SC1091
  . "$ST/natlab.env"
  local kam_args=()
  if [ "$REGISTRAR" = nat-aware ]; then
    write_nat_aware_template "$ST/kamailio-nat-aware.cfg.in"
    kam_args=(--template "$ST/kamailio-nat-aware.cfg.in")
  fi
  if ! "$NATLAB" --state "$ST" start-kamailio "${kam_args[@]}" >"$ST/kamailio.out" 2>&1; then
    log "$what: Kamailio failed: $(tail -n 3 "$ST/kamailio.out")"
    echo "round=$r error=servers"
    "$NATLAB" --state "$ST" down >/dev/null 2>&1
    return
  fi
  if ! client_start "$c" "$ST"; then
    log "$what: not registered within 20 s"
    echo "round=$r error=register"
    "$NATLAB" --state "$ST" down >/dev/null 2>&1
    return
  fi
  sleep 2
  reach=$(status "$user" 3)
  log "$what: registered; reachable: $reach"
  if [ "$reach" = 200 ]; then
    renumber=$(change "$user" renumber-client)
    log "$what: new LAN address: reachable again after $renumber"
    if [ "$renumber" != never ]; then
      move=$(change "$user" move-client)
      log "$what: new router: reachable again after $move"
    fi
  fi
  echo "round=$r reach=$reach renumber=$renumber move=$move"
  "$NATLAB" --state "$ST" stop ua >/dev/null 2>&1
  "$NATLAB" --state "$ST" down >/dev/null 2>&1
}

run_client() {
  local c=$1 r
  for ((r = 1; r <= ROUNDS; r++)); do
    one_round "$c" "$r"
  done > "$WORK/$c.results"
}

log "registrar: $REGISTRAR; clients: $CLIENTS; $ROUNDS round(s) each; limit ${LIMIT} s; clients in parallel"
set -m
for c in $CLIENTS; do
  run_client "$c" &
  CHILDREN+=("$!")
done
set +m
for pid in "${CHILDREN[@]}"; do
  wait "$pid"
done
CHILDREN=()

# The table: median per change ("never" counts as infinite), every round.
echo "Registrar: $REGISTRAR; $ROUNDS round(s); limit $LIMIT s; $(date -u '+%F')."
echo
echo "| client | new LAN address: median (rounds) | new router: median (rounds) | settings |"
echo "|---|---|---|---|"
for c in $CLIENTS; do
  python3 - "$WORK/$c.results" "$(client_version "$c")" "$(client_settings "$c")" <<'PY'
import statistics
import sys

path, version, settings = sys.argv[1:]
rounds = [dict(f.split("=", 1) for f in line.split()) for line in open(path)]

def cell(key):
    values = [r.get(key, r.get("error", "?")) for r in rounds]
    numbers = [float("inf") if v == "never" else float(v) for v in values
               if v == "never" or v.replace(".", "", 1).isdigit()]
    if not numbers:
        return "not measured (%s)" % ", ".join(values)
    median = statistics.median(numbers)
    shown = "never" if median == float("inf") else "%.2f s" % median
    return "%s (%s)" % (shown, ", ".join(values))

print("| %s | %s | %s | %s |" % (version, cell("renumber"), cell("move"), settings))
PY
done
