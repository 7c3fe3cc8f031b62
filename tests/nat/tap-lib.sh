# tap-lib.sh: what the NAT-lab TAP tests share. Source it after setting
# HERE (this directory); it defines NATLAB, PYTHON, REQUIRE, WORK, STATE,
# the TAP helpers, and skips the whole test (or fails it under
# SIPNAT_REQUIRE_NETNS=1) when the lab cannot run here. Every lab is torn
# down on exit, also on failure and on SIGTERM.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

NATLAB=$HERE/natlab.sh
PYTHON=/usr/bin/python3
PATH=$PATH:/usr/sbin:/sbin
REQUIRE=${SIPNAT_REQUIRE_NETNS:-0}


skip_all() {
  if [ "$REQUIRE" = 1 ]; then
    echo "1..1"
    echo "not ok 1 - NAT lab unavailable although SIPNAT_REQUIRE_NETNS=1: $1"
    exit 1
  fi
  echo "1..0 # SKIP $1"
  exit "${NATLAB_SKIP_STATUS:-77}"
}

[ "$(id -u)" -eq 0 ] || skip_all "needs root (network namespaces, nftables)"
for tool in ip nft conntrack sysctl flock setsid; do
  command -v "$tool" >/dev/null 2>&1 || skip_all "$tool not installed"
done
[ -x "$PYTHON" ] || skip_all "$PYTHON not installed"
probe_ns=snl$$-check
if ! ip netns add "$probe_ns" >/dev/null 2>&1; then
  skip_all "ip netns add does not work here"
fi
ip netns del "$probe_ns"

WORK=$(mktemp -d "/tmp/$(basename "$0" .sh).XXXXXX")
STATE=

cleanup() {
  local status=$?
  if [ -n "$STATE" ]; then
    "$NATLAB" --state "$STATE" down >/dev/null 2>&1 || true
  fi
  if [ -n "${NATLAB_KEEP_LOGS:-}" ]; then
    echo "# logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n - $*"; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
diag() { sed 's/^/# /'; }

# check DESCRIPTION CONDITION-COMMAND... ; shows $OUT on failure.
OUT=
check() {
  local description=$1
  shift
  if "$@"; then
    ok "$description"
  else
    not_ok "$description"
    [ -z "$OUT" ] || printf '%s\n' "$OUT" | diag
  fi
}

# Server tests: skipped (or failed under SIPNAT_REQUIRE_NETNS=1) if absent.
server_missing() {
  local what=$1 description=$2
  if [ "$REQUIRE" = 1 ]; then
    not_ok "$description ($what not installed)"
  else
    skip "$description" "$what not installed"
  fi
}

nl() { "$NATLAB" --state "$STATE" "$@"; }
probe() { "$NATLAB" --state "$STATE" probe "$@"; }

# wait_for_line FILE TEXT [TENTHS]
wait_for_line() {
  local i
  for ((i = 0; i < ${3:-50}; i++)); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}


# wait_for_final_stats FILE [TENTHS]: the `ended` call-state of `sipnat
# call`/`answer --json` and the last media-stats line printed after it.
wait_for_final_stats() {
  local i
  for ((i = 0; i < ${2:-100}; i++)); do
    awk '/"state":"ended"/ { e = 1 } e && /"event":"media-stats"/ { f = 1 } END { exit !f }' \
      "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# write_register_config FILE USER PASSWORD LOCAL_IP: a libsipnat configuration
# registering with the lab's Kamailio: reg_timeout REG_TIMEOUT (default 600),
# reg_match_received_rport MATCH (default 1), a keep-alive every KEEPALIVE s
# (default 2), the server SERVER (default the registrar's SIP address) on
# LOCAL_PORT (default 5060); ENDPOINT_EXTRA, PROXY_EXTRA and NAT_EXTRA add
# lines to the endpoint, proxy and nat sections.
write_register_config() {
  cat > "$1" <<EOF
[policy.endpoint]
local_address = $4
local_port = ${LOCAL_PORT:-5060}
${ENDPOINT_EXTRA:-}

[proxies.proxy0]
server = ${SERVER:-$REGISTRAR_IP:$SIP_PORT}
user = $2
password = $3
reg_timeout = ${REG_TIMEOUT:-600}
reg_match_received_rport = ${MATCH:-1}
${PROXY_EXTRA:-}

[proxies.proxy0.nat]
keepalive_interval = ${KEEPALIVE:-2}
${NAT_EXTRA:-}
EOF
}

# write_call_config FILE USER PASSWORD LOCAL_IP: the same for calls through
# the lab (ICE, coturn as STUN and TURN server, the user's own TURN
# credentials); NAT_EXTRA adds lines to the nat section (turn_relay_type,
# force_relay, ice_enabled...), after these.
write_call_config() {
  NAT_EXTRA="ice_enabled = 1
stun_server = $TURN_IP
stun_server_port = $TURN_PORT
turn_server = $TURN_IP
turn_server_port = $TURN_PORT
turn_user_name = $2
turn_password = $3
turn_tls_ca_file = ${TURN_CA_FILE:-}
${NAT_EXTRA:-}" write_register_config "$@"
}

# now / since START: the time, and the seconds since START (2 decimals).
now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

# status USER [TIMEOUT]: the final status of an OPTIONS from the public
# side through Kamailio to USER ("timeout" if none).
status() {
  probe public sip-request OPTIONS "sip:$1@$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" \
    --timeout "${2:-3}" 2>/dev/null | tail -n 1
}

# reachable / unreachable USER [TIMEOUT]: that OPTIONS gets a 200 (or not);
# OUT says what came.
reachable() {
  local got
  got=$(status "$1" "${2:-3}")
  OUT="OPTIONS to $1 through Kamailio: $got"
  [ "$got" = 200 ]
}

unreachable() {
  ! reachable "$@"
}

# binding_event LOG ADDRESS [TRANSPORT]: a public-binding-changed event
# whose new binding is at ADDRESS.
binding_event() {
  OUT=$(grep '"public-binding-changed"' "$1")
  grep -q "\"new\":\"$2:[0-9]*/${3:-udp}\"" <<<"$OUT"
}

# time_to_reachable USER LIMIT: RECOVERY is the seconds until USER is
# reachable again (polled every 0.25 s with short probes), or "never"
# after LIMIT seconds.
RECOVERY=
time_to_reachable() {
  local user=$1 limit=$2 start
  start=$(now)
  RECOVERY=never
  while awk -v t="$(since "$start")" -v l="$limit" 'BEGIN { exit !(t < l) }'; do
    if [ "$(status "$user" 0.5)" = 200 ]; then
      RECOVERY=$(since "$start")
      return 0
    fi
    sleep 0.25
  done
  return 1
}

# record LINE: appends LINE to $RESULTS, when the caller set it.
record() {
  [ -z "${RESULTS:-}" ] || echo "$*" >> "$RESULTS"
}

LAB=0
# lab_start TOPOLOGY [OPTIONS]: brings a new lab up (torn down with the
# test, even after SIGKILL, through --owner) and sources its variables.
lab_start() {
  local var
  # One lab at a time: the previous one goes first, also when the test
  # gave up on it half-way (its state directory goes with WORK at exit,
  # and without it the watchdog cannot find what to tear down).
  if [ -n "$STATE" ]; then
    "$NATLAB" --state "$STATE" down >/dev/null 2>&1 || true
  fi
  LAB=$((LAB + 1))
  # Forget the previous lab's variables.
  for var in $(compgen -v | grep -E '^(NS_|NAT[12]_|CARRIER_|CLIENT2_|KAMAILIO_|COTURN_|SPAWN_)'); do
    unset "$var"
  done
  STATE=$WORK/lab$LAB
  mkdir -p "$STATE"
  OUT=$("$NATLAB" --state "$STATE" up "$@" --owner $$ 2>&1) || return 1
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
}
