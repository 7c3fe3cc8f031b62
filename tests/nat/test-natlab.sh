#!/bin/bash
# test-natlab.sh: TAP self-test of the NAT lab (tests/nat/natlab.sh).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Needs root. Without root or network-namespace support it prints
# "1..0 # SKIP reason" and exits $NATLAB_SKIP_STATUS (default 77; meson's
# TAP runner wants 0), unless SIPNAT_REQUIRE_NETNS=1, which makes that a
# failure. Kamailio/coturn tests are skipped the same way when the servers
# are not installed. Every lab is torn down on exit, also on failure and on
# SIGTERM; --owner makes natlab.sh's watchdog tear it down even after SIGKILL.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ECHO_PORT=7000
PLAN=52

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

# seen ROLE FROM_PORT HOST PORT [HOST PORT...]: the source addresses the
# echo servers saw, one per line ("timeout" if none).
seen() {
  local role=$1 port=$2
  shift 2
  probe "$role" query --from-port "$port" "$@" | awk '{ print $2 }'
}

# lab_up TOPOLOGY [OPTIONS]: brings a lab up with echo servers on port 7000
# in the public, registrar and turn namespaces (and carrier, if any).
lab_up() {
  local role start
  start=$EPOCHREALTIME
  lab_start "$@" || return 1
  ECHO_ROLES="public registrar turn"
  [ -z "${NS_CARRIER:-}" ] || ECHO_ROLES="$ECHO_ROLES carrier"
  for role in $ECHO_ROLES; do
    nl spawn "$role" "echo_$role" "$PYTHON" "$HERE/natlab-probe.py" echo-server "$ECHO_PORT" >/dev/null ||
      return 1
  done
  for role in $ECHO_ROLES; do
    wait_for_line "$STATE/echo_$role.log" listening || { OUT="echo server in $role did not start"; return 1; }
  done
  UP_TIME=$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
  return 0
}

lab_down() {
  local start prefix=$NATLAB_PREFIX
  start=$EPOCHREALTIME
  OUT=$("$NATLAB" --state "$STATE" down 2>&1) || return 1
  DOWN_TIME=$(awk -v a="$EPOCHREALTIME" -v b="$start" 'BEGIN { printf "%.2f", a - b }')
  STATE=
  # (ls, not `ip netns list`: that one complains about namespaces that a
  # concurrent lab is deleting.)
  if compgen -G "/run/netns/$prefix-*" >/dev/null; then
    OUT="left over: $(cd /run/netns && echo "$prefix"-*)"
    return 1
  fi
  return 0
}

# inbound_after IDLE PORT [LISTEN OPTIONS]: the client creates a binding
# from PORT to the public echo server, listens on PORT, and after IDLE
# seconds the echo server (same address and port) sends "late" to the
# public binding. Succeeds if "late" reached the client.
inbound_after() {
  local idle=$1 port=$2 binding lp rc created rest
  shift 2
  binding=$(seen client "$port" "$PUBLIC_IP" "$ECHO_PORT")
  created=$EPOCHREALTIME
  OUT="binding: $binding"
  case $binding in *:*) ;; *) return 2 ;; esac
  probe client listen "$port" --timeout "$(awk -v i="$idle" 'BEGIN { print i + 1.5 }')" \
    --expect late "$@" > "$WORK/listen.$port" 2>&1 &
  lp=$!
  # The poke goes IDLE s after the binding was made, and never before the
  # listener is up (it says so): a datagram lost to a slow start would
  # look like a dropped one.
  wait_for_line "$WORK/listen.$port" "listening on" || { wait "$lp"; return 2; }
  rest=$(awk -v i="$idle" -v a="$created" -v b="$EPOCHREALTIME" 'BEGIN { r = i - (b - a); print (r > 0 ? r : 0) }')
  sleep "$rest"
  probe public poke "$ECHO_PORT" "${binding%:*}" "${binding#*:}" late >/dev/null 2>&1
  wait "$lp"
  rc=$?
  OUT="binding $binding, client saw: $(tr '\n' ' ' < "$WORK/listen.$port")"
  return "$rc"
}

# relay_between TRANSPORT: a TURN allocation on .20 made by the client over
# TRANSPORT (udp, tcp, tls) with a permission for client2's public address;
# client2 sends to the relayed address and must get the answer back, which
# the client sent through the relay (both NATs crossed, both ways).
RELAY_RUN=0
relay_between() {
  local transport=$1 port=$TURN_PORT name relayed
  RELAY_RUN=$((RELAY_RUN + 1))
  name=turn_echo_$RELAY_RUN
  [ "$transport" != tls ] || port=$TURN_TLS_PORT
  nl spawn client "$name" "$PYTHON" "$HERE/natlab-probe.py" turn-echo "$TURN_IP" "$port" bob bobpw \
    --peer "$CLIENT2_PUBLIC_IP" --transport "$transport" --ca-file "$TURN_CA_FILE" \
    --duration 5 --count 1 >/dev/null || return 1
  wait_for_line "$STATE/$name.log" '^relayed \|failed\|timeout' 50
  relayed=$(awk '/^relayed/ { print $2 }' "$STATE/$name.log")
  OUT="client: $(tr '\n' ' ' < "$STATE/$name.log")"
  [ -n "$relayed" ] || return 1
  OUT="$OUT / client2: $(probe client2 query "${relayed%:*}" "${relayed#*:}" 2>&1)"
  case $OUT in *"client2: $relayed $CLIENT2_PUBLIC_IP:"*) return 0 ;; *) return 1 ;; esac
}

echo "1..$PLAN"

have_kamailio=0
have_coturn=0
{ command -v kamailio || [ -x /usr/sbin/kamailio ]; } >/dev/null 2>&1 && have_kamailio=1
{ command -v turnserver || [ -x /usr/bin/turnserver ]; } >/dev/null 2>&1 && have_coturn=1

# ------------------------------------------------------------------- cone

if lab_up cone --second-client; then
  ok "cone: lab up in ${UP_TIME} s ($(wc -w <<<"$NATLAB_NAMESPACES") namespaces)"
else
  not_ok "cone: lab up"
  printf '%s\n' "$OUT" | diag
fi

OUT=$(seen client 40000 "$PUBLIC_IP" "$ECHO_PORT")
check "cone: client port preserved (public host sees 203.0.113.101:40000)" \
  [ "$OUT" = "203.0.113.101:40000" ]

OUT=$(seen client 40000 "$REGISTRAR_IP" "$ECHO_PORT" "$TURN_IP" "$ECHO_PORT" | tr '\n' ' ')
check "cone: same public port to two destinations (.10 and .20)" \
  [ "$OUT" = "203.0.113.101:40000 203.0.113.101:40000 " ]

OUT=$(seen client 40001 "$PUBLIC_IP" "$ECHO_PORT" --size 3000)
check "cone: a 3000-byte datagram (fragmented) passes without --drop-fragments" \
  [ "$OUT" = "203.0.113.101:40001" ]

check "cone: the contacted host's datagram reaches the client through the binding" \
  inbound_after 0.3 40002

# A datagram from a public address the client never sent to is unsolicited.
probe client listen 40002 --timeout 1.5 --expect intruder > "$WORK/intruder" 2>&1 &
lp=$!
# Sent once the listener is up: a datagram lost before that would pass.
wait_for_line "$WORK/intruder" "listening on"
probe registrar send "$NAT_WAN_IP" 40002 intruder --from-port 7001
wait "$lp"
rc=$?
OUT=$(cat "$WORK/intruder")
check "cone: an unsolicited datagram from another public host is dropped" [ "$rc" = 1 ]

flush_then_inbound() {
  local binding lp
  binding=$(seen client 40003 "$PUBLIC_IP" "$ECHO_PORT")
  nl flush || return 2
  probe client listen 40003 --timeout 1.5 --expect late > "$WORK/flush" 2>&1 &
  lp=$!
  wait_for_line "$WORK/flush" "listening on" || { wait "$lp"; return 2; }
  probe public poke "$ECHO_PORT" "${binding%:*}" "${binding#*:}" late >/dev/null 2>&1
  wait "$lp"
  OUT="binding $binding, client saw: $(tr '\n' ' ' < "$WORK/flush")"
  case $binding in *:*) ;; *) return 2 ;; esac
  ! grep -q late "$WORK/flush"
}
check "cone: flush loses the binding (inbound datagram dropped)" flush_then_inbound

if [ "$have_kamailio" = 1 ]; then
  if OUT=$(nl start-kamailio 2>&1); then
    . "$STATE/natlab.env"
    ok "cone: Kamailio starts in the registrar namespace (pid $KAMAILIO_PID)"
  else
    not_ok "cone: Kamailio starts in the registrar namespace"
    printf '%s\n' "$OUT" | diag
  fi

  OUT=$(probe public sip-request OPTIONS "sip:$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" 2>&1)
  check "cone: Kamailio answers OPTIONS from the public side with 200" [ "$OUT" = 200 ]

  OUT=$(probe public sip-request OPTIONS "sip:$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" \
          --max-forwards 0 2>&1)
  check "cone: Kamailio answers OPTIONS with Max-Forwards 0 with 483" [ "$OUT" = 483 ]

  # alice registers the public binding (Via received/rport) as her Contact.
  nl spawn client ua_alice "$PYTHON" "$HERE/natlab-probe.py" sip-ua alice alicepw \
    --registrar "$REGISTRAR_IP:$SIP_PORT" --contact public --port 5062 --duration 60 >/dev/null
  if wait_for_line "$STATE/ua_alice.log" '^registered' 50; then
    OUT=$(probe public sip-request OPTIONS "sip:alice@$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" 2>&1)
    check "cone: OPTIONS through Kamailio reaches alice registered with her public Contact (200)" \
      [ "$OUT" = 200 ]
    OUT=$(probe public sip-request MESSAGE "sip:alice@$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" \
            --body "hello alice" 2>&1)
    check "cone: MESSAGE through Kamailio reaches alice (200)" [ "$OUT" = 200 ]
  else
    OUT=$(cat "$STATE/ua_alice.log")
    not_ok "cone: alice registers"
    printf '%s\n' "$OUT" | diag
    not_ok "cone: MESSAGE through Kamailio reaches alice (not registered)"
  fi
  nl stop ua_alice >/dev/null 2>&1

  # bob registers his private address: Kamailio relays there, nothing answers.
  nl spawn client ua_bob "$PYTHON" "$HERE/natlab-probe.py" sip-ua bob bobpw \
    --registrar "$REGISTRAR_IP:$SIP_PORT" --contact private --duration 60 >/dev/null
  if wait_for_line "$STATE/ua_bob.log" '^registered' 50; then
    OUT=$(probe public sip-request OPTIONS "sip:bob@$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" \
            --timeout 8 2>&1)
    check "cone: bob with a private Contact is unreachable (Kamailio: 408)" [ "$OUT" = 408 ]
  else
    OUT=$(cat "$STATE/ua_bob.log")
    not_ok "cone: bob registers"
    printf '%s\n' "$OUT" | diag
  fi
  nl stop ua_bob >/dev/null 2>&1
else
  for d in "Kamailio starts" "OPTIONS 200" "OPTIONS Max-Forwards 0: 483" \
           "alice reachable (OPTIONS)" "alice reachable (MESSAGE)" "bob unreachable"; do
    server_missing kamailio "cone: $d"
  done
fi

if [ "$have_coturn" = 1 ]; then
  if OUT=$(nl start-coturn 2>&1); then
    . "$STATE/natlab.env"
    ok "cone: coturn starts in the turn namespace (pid $COTURN_PID)"
  else
    not_ok "cone: coturn starts in the turn namespace"
    printf '%s\n' "$OUT" | diag
  fi

  OUT=$(probe client stun "$TURN_IP" "$TURN_PORT" --from-port 40004 2>&1)
  check "cone: STUN binding from the client: XOR-MAPPED-ADDRESS is the NAT's 203.0.113.101:40004" \
    grep -qx 'XOR-MAPPED-ADDRESS 203.0.113.101:40004' <<<"$OUT"
  check "cone: STUN: RFC 3489 MAPPED-ADDRESS present too (backward compatibility on)" \
    grep -qx 'MAPPED-ADDRESS 203.0.113.101:40004' <<<"$OUT"

  OUT=$(probe client stun "$TURN_IP2" "$TURN_PORT" --from-port 40004 2>&1)
  check "cone: STUN on the second address .21 answers (RFC 5780 OTHER-ADDRESS present)" \
    eval 'grep -qx "XOR-MAPPED-ADDRESS 203.0.113.101:40004" <<<"$OUT" && grep -q "^OTHER-ADDRESS " <<<"$OUT"'

  OUT=$(probe client stun "$TURN_IP" "$TURN_PORT" --transport tcp 2>&1)
  check "cone: coturn answers STUN over TCP on 3478" grep -q '^XOR-MAPPED-ADDRESS 203.0.113.101:' <<<"$OUT"

  OUT=$(timeout 10 "$NATLAB" --state "$STATE" exec client openssl s_client -brief -verify_return_error \
          -connect "$TURN_IP:$TURN_TLS_PORT" -CAfile "$TURN_CA_FILE" </dev/null 2>&1)
  check "cone: TLS handshake on $TURN_IP:$TURN_TLS_PORT verifies with TURN_CA_FILE (openssl s_client)" \
    eval 'grep -q "^CONNECTION ESTABLISHED" <<<"$OUT" && grep -q "^Verification: OK" <<<"$OUT"'

  check "cone: TURN/UDP relay on .20 carries client2's datagram to the client and back" relay_between udp
else
  for d in "coturn starts" "STUN XOR-MAPPED-ADDRESS" "STUN MAPPED-ADDRESS" "STUN on .21" \
           "STUN over TCP" "TLS handshake" "TURN/UDP relay"; do
    server_missing coturn "cone: $d"
  done
fi

OUT=$(nl rebind 2>&1)
. "$STATE/natlab.env"
OUT="$OUT / seen: $(seen client 40005 "$PUBLIC_IP" "$ECHO_PORT")"
check "cone: rebind gives a new public address (203.0.113.111)" \
  eval '[ "$NAT_WAN_IP" = 203.0.113.111 ] && [ "${OUT##* }" = 203.0.113.111:40005 ]'

kamailio_pid=${KAMAILIO_PID:-}
if lab_down; then
  if [ -n "$kamailio_pid" ] && tr '\0' ' ' < "/proc/$kamailio_pid/cmdline" 2>/dev/null | grep -q kamailio; then
    not_ok "cone: down stops Kamailio (pid $kamailio_pid still running)"
  else
    ok "cone: down removes every namespace and process (${DOWN_TIME} s)"
  fi
else
  not_ok "cone: down"
  printf '%s\n' "$OUT" | diag
fi

# -------------------------------------------------------------- symmetric

if lab_up symmetric; then
  ok "symmetric: lab up in ${UP_TIME} s"
else
  not_ok "symmetric: lab up"
  printf '%s\n' "$OUT" | diag
fi

OUT=$(seen client 40000 "$REGISTRAR_IP" "$ECHO_PORT" "$TURN_IP" "$ECHO_PORT" "$PUBLIC_IP" "$ECHO_PORT" | tr '\n' ' ')
symmetric_ports() {
  local a b c
  read -r a b c <<<"$OUT"
  [ "${a%:*}" = 203.0.113.101 ] && [ "${b%:*}" = 203.0.113.101 ] && [ "${c%:*}" = 203.0.113.101 ] &&
    [ "$a" != "$b" ] && [ "$b" != "$c" ] && [ "$a" != "$c" ]
}
check "symmetric: a different public port per destination (.10, .20, .1)" symmetric_ports

OUT=$(seen client 40000 "$REGISTRAR_IP" "$ECHO_PORT" | tr '\n' ' ')" $OUT"
check "symmetric: the same destination keeps its mapping" \
  eval '[ "$(awk "{ print \$1 }" <<<"$OUT")" = "$(awk "{ print \$2 }" <<<"$OUT")" ]'

if lab_down; then ok "symmetric: down (${DOWN_TIME} s)"; else not_ok "symmetric: down"; printf '%s\n' "$OUT" | diag; fi

# ----------------------------------------------------------------- double

if lab_up double --second-client; then
  ok "double (home cone, carrier cone, second client): lab up in ${UP_TIME} s"
else
  not_ok "double: lab up"
  printf '%s\n' "$OUT" | diag
fi

OUT=$(seen client 40000 "$PUBLIC_IP" "$ECHO_PORT")
check "double: the public host sees the carrier's 203.0.113.101:40000" [ "$OUT" = 203.0.113.101:40000 ]

OUT=$(seen client 40000 "$CARRIER_LAN_IP" "$ECHO_PORT")
check "double: the carrier's inside sees the home router's 100.64.0.2:40000" [ "$OUT" = 100.64.0.2:40000 ]

OUT=$(seen client2 40000 "$PUBLIC_IP" "$ECHO_PORT" "$CARRIER_LAN_IP" "$ECHO_PORT" | tr '\n' ' ')
check "double: client2 (second home, 100.64.0.3) shares the public address 203.0.113.101 on another port" \
  eval 'case $OUT in "203.0.113.101:40000 "*) false ;; "203.0.113.101:"*" 100.64.0.3:40000 ") true ;; *) false ;; esac'

OUT=$(nl rebind 2>&1; seen client 40001 "$PUBLIC_IP" "$ECHO_PORT")
check "double: rebind moves the carrier's public address" eval 'grep -qx "203.0.113.111:40001" <<<"$OUT"'

if lab_down; then ok "double: down (${DOWN_TIME} s)"; else not_ok "double: down"; printf '%s\n' "$OUT" | diag; fi

if lab_up double --carrier symmetric --client2-nat symmetric; then
  ok "double (home cone, carrier symmetric; client2 behind its own symmetric NAT): lab up in ${UP_TIME} s"
else
  not_ok "double --carrier symmetric: lab up"
  printf '%s\n' "$OUT" | diag
fi

OUT=$(seen client 40000 "$REGISTRAR_IP" "$ECHO_PORT" "$TURN_IP" "$ECHO_PORT" "$CARRIER_LAN_IP" "$ECHO_PORT" | tr '\n' ' ')
double_symmetric() {
  local a b c
  read -r a b c <<<"$OUT"
  [ "${a%:*}" = 203.0.113.101 ] && [ "${b%:*}" = 203.0.113.101 ] && [ "$a" != "$b" ] &&
    [ "$c" = 100.64.0.2:40000 ]
}
check "double: symmetric carrier gives a port per destination, the cone home layer keeps 40000" double_symmetric

OUT=$(seen client2 40000 "$REGISTRAR_IP" "$ECHO_PORT" "$TURN_IP" "$ECHO_PORT" | tr '\n' ' ')
check "double --client2-nat symmetric: client2 is 203.0.113.102, a port per destination" \
  eval 'read -r a b <<<"$OUT"; [ "${a%:*}" = 203.0.113.102 ] && [ "${b%:*}" = 203.0.113.102 ] && [ "$a" != "$b" ]'

if [ "$have_coturn" = 1 ]; then
  OUT=$(nl start-coturn 2>&1) && . "$STATE/natlab.env"
  check "double (symmetric carrier) | symmetric: TURN/UDP relay carries client2's datagram both ways" \
    relay_between udp
else
  server_missing coturn "double (symmetric carrier) | symmetric: TURN relay"
fi

if lab_down; then ok "double --carrier symmetric: down (${DOWN_TIME} s)"; else not_ok "double --carrier symmetric: down"; printf '%s\n' "$OUT" | diag; fi

# ------------------------------------------------- UDP only to the registrar

if lab_up cone --second-client --udp-only-to-registrar; then
  ok "cone --udp-only-to-registrar: lab up"
else
  not_ok "cone --udp-only-to-registrar: lab up"
  printf '%s\n' "$OUT" | diag
fi

OUT=$(probe client stun "$TURN_IP" "$TURN_PORT" --timeout 0.5 --tries 2 2>&1)
check "udp-only-to-registrar: STUN from the client to .20 times out" [ "$OUT" = timeout ]

if [ "$have_kamailio" = 1 ] && [ "$have_coturn" = 1 ] && OUT=$(nl start-kamailio 2>&1 && nl start-coturn 2>&1); then
  . "$STATE/natlab.env"
  OUT=$(probe client sip-request OPTIONS "sip:$REGISTRAR_IP" --proxy "$REGISTRAR_IP:$SIP_PORT" 2>&1)
  check "udp-only-to-registrar: SIP OPTIONS over UDP to the registrar still works (200)" [ "$OUT" = 200 ]
  OUT=$(probe client stun "$TURN_IP" "$TURN_PORT" --transport tcp 2>&1)
  check "udp-only-to-registrar: TCP to .20:3478 connects (STUN over TCP answers)" \
    grep -q '^XOR-MAPPED-ADDRESS 203.0.113.101:' <<<"$OUT"
  check "udp-only-to-registrar: a TURN/TLS allocation relays client2's datagram both ways" relay_between tls
elif [ "$have_kamailio" = 1 ] && [ "$have_coturn" = 1 ]; then
  printf '%s\n' "$OUT" | diag
  for d in "SIP OPTIONS over UDP" "STUN over TCP" "TURN/TLS relay"; do
    not_ok "udp-only-to-registrar: $d (Kamailio or coturn did not start)"
  done
else
  for d in "SIP OPTIONS over UDP" "STUN over TCP" "TURN/TLS relay"; do
    server_missing "kamailio or coturn" "udp-only-to-registrar: $d"
  done
fi

if lab_down; then ok "cone --udp-only-to-registrar: down"; else not_ok "cone --udp-only-to-registrar: down"; printf '%s\n' "$OUT" | diag; fi

# ------------------------------------------------------------ UDP timeout

if lab_up cone --udp-timeout 3; then
  ok "cone --udp-timeout 3: lab up (router timeouts $UDP_TIMEOUT)"
else
  not_ok "cone --udp-timeout 3: lab up"
  printf '%s\n' "$OUT" | diag
fi

check "udp-timeout 3: a datagram 1 s after the last exchange still reaches the client" \
  inbound_after 1 40000

inbound_after 5 40001
rc=$?
check "udp-timeout 3: after 5 s idle the binding is gone (inbound datagram dropped)" [ "$rc" = 1 ]

check "udp-timeout 3: refreshed every 1 s the binding survives 5 s" \
  inbound_after 5 40002 --keepalive "$PUBLIC_IP:$ECHO_PORT" --interval 1

if lab_down; then ok "cone --udp-timeout 3: down"; else not_ok "cone --udp-timeout 3: down"; printf '%s\n' "$OUT" | diag; fi

# --------------------------------------------------------- drop fragments

if lab_up cone --drop-fragments; then
  ok "cone --drop-fragments: lab up"
else
  not_ok "cone --drop-fragments: lab up"
  printf '%s\n' "$OUT" | diag
fi

OUT=$(seen client 40000 "$PUBLIC_IP" "$ECHO_PORT" --size 1000)
check "drop-fragments: a 1000-byte datagram passes" [ "$OUT" = 203.0.113.101:40000 ]

OUT=$(seen client 40001 "$PUBLIC_IP" "$ECHO_PORT" --size 3000 --tries 1 --timeout 1)
counter=$(nl exec nat1 nft list chain ip natlab fragments 2>&1 | grep -o 'packets [0-9]*')
OUT="$OUT ($counter)"
check "drop-fragments: a 3000-byte datagram (3 fragments) is dropped by the router" \
  eval '[ "${OUT%% *}" = timeout ] && [ "${counter#packets }" -ge 1 ]'

if lab_down; then ok "cone --drop-fragments: down"; else not_ok "cone --drop-fragments: down"; printf '%s\n' "$OUT" | diag; fi

if [ "$n" -ne "$PLAN" ]; then
  echo "# ran $n tests, planned $PLAN"
  failed=1
fi
exit "$failed"
