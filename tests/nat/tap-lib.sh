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

# write_call_config FILE USER PASSWORD LOCAL_IP: a libsipnat configuration for
# calls through the lab (ICE, coturn as STUN and TURN server); NAT_EXTRA adds lines to the nat
# section (turn_relay_type, force_relay, ice_enabled...).
write_call_config() {
  cat > "$1" <<EOF
[policy.endpoint]
local_address = $4
local_port = 5060

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = $2
password = $3
reg_timeout = 600
reg_match_received_rport = 1

[proxies.proxy0.nat]
keepalive_interval = 2
ice_enabled = 1
stun_server = $TURN_IP
stun_server_port = $TURN_PORT
turn_server = $TURN_IP
turn_server_port = $TURN_PORT
turn_user_name = $2
turn_password = $3
turn_tls_ca_file = ${TURN_CA_FILE:-}
${NAT_EXTRA:-}
EOF
}

LAB=0
# lab_start TOPOLOGY [OPTIONS]: brings a new lab up (torn down with the
# test, even after SIGKILL, through --owner) and sources its variables.
lab_start() {
  local var
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
