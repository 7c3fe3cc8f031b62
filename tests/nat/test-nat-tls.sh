#!/bin/bash
# test-nat-tls.sh: libsipnat registering over TLS through real NATs.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# As test-nat-registration.sh, over SIP over TLS: `sipnat register` in the
# client namespace of the NAT lab against Kamailio's TLS module on
# 203.0.113.10:5061 (natlab.sh start-kamailio --tls, a CA of its own given
# as tls_ca_file). For the cone and the symmetric NAT: registered with the
# public binding learned, reachable from the public side (Kamailio relays
# an OPTIONS down the client's TLS connection), and reachable again after
# the router rebinds (new public address, all bindings lost): the next
# keep-alive (an OPTIONS: Sofia's TLS transport has no CRLF ping) fails on
# the dead connection, and the registration is made again on a new one,
# its certificate checked again. Then the same registrar
# without its CA: a certificate error naming an unknown CA, at once.
#
# Env: SIPNAT_TOOL (the sipnat program), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}
KEEPALIVE=2
PLAN=7
RESULTS=${SIPNAT_NAT_RESULTS:-}

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
[ -f /usr/lib/x86_64-linux-gnu/kamailio/modules/tls.so ] ||
  ls /usr/lib/*/kamailio/modules/tls.so >/dev/null 2>&1 ||
  skip_all "Kamailio's TLS module not installed (apt-get install kamailio-tls-modules)"
command -v openssl >/dev/null 2>&1 || skip_all "openssl not installed"

echo "1..$PLAN"

# write_config FILE USER PASSWORD LOCAL_IP CA_FILE: over TLS to the lab's
# Kamailio (tap-lib.sh's write_register_config), KEEPALIVE as set here.
write_config() {
  SERVER=$REGISTRAR_IP:$KAMAILIO_TLS_PORT ENDPOINT_EXTRA="sip_transaction_timeout = 4000" \
    PROXY_EXTRA="transport = tls
tls_ca_file = $5" write_register_config "$1" "$2" "$3" "$4"
}

lab_stop() {
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  STATE=
}

# cell NAME TOPOLOGY-OPTIONS...: registered, reachable, recovers after a
# rebind, over TLS.
cell() {
  local name=$1 old limit
  shift
  if ! lab_start "$@" || ! OUT=$(nl start-kamailio --tls 2>&1); then
    not_ok "$name: lab up"; printf '%s\n' "$OUT" | diag
    not_ok "$name: reachable"; not_ok "$name: recovers after rebind"
    lab_stop
    return
  fi
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"

  write_config "$STATE/alice.conf" alice alicepw "$CLIENT_IP" "$KAMAILIO_TLS_CA_FILE"
  if nl spawn client alice "$TOOL" register --config "$STATE/alice.conf" --json >/dev/null &&
     wait_for_line "$STATE/alice.log" '"state":"registered"' 100 &&
     binding_event "$STATE/alice.log" "$NAT_WAN_IP" tls; then
    ok "$name over TLS: registered, public binding $NAT_WAN_IP/tls learned"
  else
    not_ok "$name over TLS: registered, public binding $NAT_WAN_IP/tls learned"
    { printf '%s\n' "$OUT"; cat "$STATE/alice.log"; } | diag
  fi
  check "$name over TLS: reachable from the public side" reachable alice

  old=$NAT_WAN_IP
  nl rebind >/dev/null
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  # The dead connection is noticed by the next keep-alive (a keep-alive
  # interval at most); then one more TLS handshake for GIO's check of the
  # certificate, and the new connection.
  limit=$((KEEPALIVE + 3))
  if time_to_reachable alice $((limit + 6)) &&
     awk -v r="$RECOVERY" -v l="$limit" 'BEGIN { exit !(r <= l) }' &&
     binding_event "$STATE/alice.log" "$NAT_WAN_IP" tls; then
    ok "$name over TLS: rebind $old -> $NAT_WAN_IP, reachable again after ${RECOVERY} s (limit ${limit} s)"
  else
    not_ok "$name over TLS: rebind $old -> $NAT_WAN_IP, reachable again after ${RECOVERY} s (limit ${limit} s)"
    { printf '%s\n' "$OUT"; cat "$STATE/alice.log"; } | diag
  fi
  record "$name, TLS libsipnat $RECOVERY"
  lab_stop
}

cell "cone" cone
cell "symmetric" symmetric

# Without the registrar's CA (tls_ca_file empty: the system's CAs only).
if lab_start cone && OUT=$(nl start-kamailio --tls 2>&1); then
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  write_config "$STATE/bob.conf" bob bobpw "$CLIENT_IP" ""
  start=$(now)
  OUT=$(nl exec client "$TOOL" register --config "$STATE/bob.conf" --for 10 2>&1)
  took=$(since "$start")
  check "unknown CA: a certificate error naming it, after ${took} s" \
    grep -q "not signed by a trusted certificate authority (unknown CA)" <<<"$OUT"
else
  not_ok "unknown-CA lab up"
  printf '%s\n' "$OUT" | diag
fi
lab_stop

[ "$n" -eq "$PLAN" ] || { echo "# ran $n tests, planned $PLAN"; failed=1; }
exit "$failed"
