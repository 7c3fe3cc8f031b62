#!/bin/bash
# test-nat-probe.sh: `sipnat probe` tells every lab topology apart.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# One lab per case, all up at the same time (their namespaces have
# prefixes of their own): Kamailio as the registrar, coturn with two
# addresses (203.0.113.20 and .21, ports 3478 and 3479) as the RFC 5780
# STUN server. `sipnat probe --json` runs in the client namespace and
# its one `nat-report` object must describe the topology the lab built:
#
#   cone           endpoint-independent mapping, address-and-port-dependent
#                  filtering (Linux conntrack), fragments pass, UDP and TCP
#   symmetric      address-and-port-dependent mapping (random ports)
#   double         cone behind a cone carrier NAT: still endpoint-independent
#   double-sym     cone behind a symmetric carrier NAT: symmetric
#   fragments      cone that drops IP fragments: fragments false
#   no-udp         no UDP at all: udp false, tcp true, mapping unknown
#   udp-registrar  UDP only to the registrar: udp true, STUN unknown
#   no-nat         from the public segment itself: no NAT, endpoint-
#                  independent filtering (the answers to CHANGE-REQUEST
#                  arrive), hairpinning (loopback) true
#   lifetime       cone with a 20 s UDP timeout, probed with --lifetime:
#                  binding-lifetime seen alive at the last step under 20 s
#                  (steps grow by 1.4: more than 20 / 1.4 = 14.3 s)
#
# None of the NATs hairpins (no hairpin rules in the lab): false.
#
# Env: SIPNAT_TOOL (the sipnat program), and what tap-lib.sh reads.

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOOL=${SIPNAT_TOOL:?set SIPNAT_TOOL to the sipnat program}

# shellcheck source=tap-lib.sh
. "$HERE/tap-lib.sh"

command -v kamailio >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v kamailio >/dev/null 2>&1 || skip_all "kamailio not installed"
command -v turnserver >/dev/null 2>&1 || skip_all "coturn (turnserver) not installed"

# name | natlab up arguments | expected fields (KEY=JSON value, space separated)
CASES=(
  "cone|cone|mapping=\"endpoint-independent\" filtering=\"address-and-port-dependent\" nat=true hairpinning=false udp=true tcp=true fragments=true public=203.0.113.101 advice=\"\""
  "symmetric|symmetric|mapping=\"address-and-port-dependent\" filtering=\"address-and-port-dependent\" nat=true hairpinning=false udp=true tcp=true fragments=true public=203.0.113.101 advice=\"relay\""
  "double|double|mapping=\"endpoint-independent\" filtering=\"address-and-port-dependent\" nat=true udp=true tcp=true fragments=true public=203.0.113.101"
  "double-sym|double --carrier symmetric|mapping=\"address-and-port-dependent\" filtering=\"address-and-port-dependent\" nat=true udp=true tcp=true public=203.0.113.101 advice=\"relay\""
  "fragments|cone --drop-fragments|mapping=\"endpoint-independent\" filtering=\"address-and-port-dependent\" udp=true tcp=true fragments=false public=203.0.113.101 advice=\"large-requests-over-tcp\""
  "no-udp|cone --block-udp|mapping=\"unknown\" filtering=\"unknown\" hairpinning=null udp=false tcp=true fragments=null public=203.0.113.101 advice=\"relay,sip-over-tcp,turn-over-tcp\""
  "udp-registrar|cone --udp-only-to-registrar|mapping=\"unknown\" filtering=\"unknown\" udp=true tcp=true public=203.0.113.101 advice=\"relay,turn-over-tcp\""
  "no-nat|cone|mapping=\"endpoint-independent\" filtering=\"endpoint-independent\" nat=false hairpinning=true udp=true tcp=true fragments=true public=203.0.113.1 advice=\"\"|public"
  "lifetime|cone --udp-timeout 20|mapping=\"endpoint-independent\" udp=true binding-lifetime=14..20|client|--lifetime"
)

echo "1..$(( ${#CASES[@]} * 2 ))"

# run_case NAME ARGS [ROLE]: its own lab, servers, probe (in ROLE's
# namespace, the client's by default); output in $WORK/NAME.*
run_case() {
  local name=$1 state=$WORK/$1 conf=$WORK/$1.conf role=${3:-client} extra=${4:-} local_ip
  local -a args
  read -r -a args <<< "$2"
  mkdir -p "$state"
  {
    "$NATLAB" --state "$state" up "${args[@]}" --owner $$ --prefix "snp$$$name" >/dev/null &&
    "$NATLAB" --state "$state" start-kamailio --no-auth >/dev/null &&
    "$NATLAB" --state "$state" start-coturn >/dev/null
  } 2>"$WORK/$name.lab" || { echo "lab failed" > "$WORK/$name.err"; return; }
  # shellcheck disable=SC1091
  . "$state/natlab.env"
  local_ip=$CLIENT_IP
  [ "$role" = client ] || local_ip=$PUBLIC_IP
  cat > "$conf" <<EOC
[policy.endpoint]
local_address = $local_ip

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = alice
password = alicepw

[proxies.proxy0.nat]
stun_server = $TURN_IP
stun_server_port = $TURN_PORT
EOC
  "$NATLAB" --state "$state" exec "$role" "$TOOL" probe --config "$conf" --json $extra \
    > "$WORK/$name.json" 2> "$WORK/$name.err"
  echo $? > "$WORK/$name.status"
  # A readable report too (the summary line is the first).
  "$NATLAB" --state "$state" exec "$role" "$TOOL" probe --config "$conf" \
    > "$WORK/$name.txt" 2>> "$WORK/$name.err"
}

# The labs are up at the same time; each case tears its own down.
pids=()
for c in "${CASES[@]}"; do
  IFS='|' read -r name args _ role extra <<< "$c"
  ( run_case "$name" "$args" "$role" "$extra"; "$NATLAB" --state "$WORK/$name" down >/dev/null 2>&1 ) &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid"; done

for c in "${CASES[@]}"; do
  IFS='|' read -r name args expected _ <<< "$c"
  json=$(cat "$WORK/$name.json" 2>/dev/null)
  if [ "$(cat "$WORK/$name.status" 2>/dev/null)" = 0 ] &&
     $PYTHON -c 'import json,sys; o=json.loads(sys.argv[1]); sys.exit(o.get("event") != "nat-report")' "$json" 2>/dev/null; then
    ok "$name: sipnat probe --json printed one nat-report object"
  else
    not_ok "$name: sipnat probe --json printed one nat-report object"
    { echo "$json"; cat "$WORK/$name.err" "$WORK/$name.lab" 2>/dev/null; } | diag
    n=$((n + 1)); echo "not ok $n - $name: the report matches the topology # no report"
    continue
  fi
  # Each expected KEY=VALUE against the JSON member (public: the host of
  # public-address).
  bad=$($PYTHON - "$json" $expected <<'EOP'
import json, sys
o = json.loads(sys.argv[1])
bad = []
for item in sys.argv[2:]:
    key, want = item.split("=", 1)
    if key == "public":
        got = (o.get("public-address") or "").rsplit(":", 1)[0]
        if got != want:
            bad.append("public-address %r, wanted host %s" % (o.get("public-address"), want))
        continue
    if ".." in want:
        lo, hi = (int(x) for x in want.split(".."))
        got = o.get(key)
        if not isinstance(got, int) or not lo <= got <= hi:
            bad.append("%s %s, wanted %s" % (key, json.dumps(got), want))
        continue
    if json.dumps(o.get(key)) != want:
        bad.append("%s %s, wanted %s" % (key, json.dumps(o.get(key)), want))
for k in ("mapping", "filtering"):
    if o.get(k) not in ("endpoint-independent", "address-dependent", "address-and-port-dependent", "unknown"):
        bad.append("%s has no valid value" % k)
print("; ".join(bad))
EOP
)
  if [ -z "$bad" ] && [ -s "$WORK/$name.txt" ]; then
    ok "$name: the report matches the topology ($(head -n 1 "$WORK/$name.txt"))"
  else
    not_ok "$name: the report matches the topology: ${bad:-no readable report}"
    { echo "$json"; cat "$WORK/$name.txt" "$WORK/$name.err" 2>/dev/null; } | diag
  fi
done

exit "$failed"
