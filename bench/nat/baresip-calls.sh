#!/bin/bash
# baresip-calls.sh: the baseline for calls through NATs, baresip 1.0 calling
# baresip 1.0 in the NAT lab (tests/nat/natlab.sh), one lab per row:
#
#   cone       alice behind a cone NAT (nat1), bob behind another (nat2)
#   symmetric  both behind symmetric NATs
#   double     alice behind a cone home router and a cone carrier NAT, bob
#              behind his own cone router on the public segment
#
# In each lab: Kamailio (the lab's template plus nathelper, so that a
# NATed UA is reachable and in-dialog requests reach it, see below), coturn,
# bob (client2) with answermode=auto and alice (client), both with
# medianat=ice and coturn as their STUN or TURN server, Opus with a 440 Hz
# sine as the source. alice dials bob (the `cons` module's UDP console);
# the call lasts --seconds S after bob's answer. Measured:
#
#   * from baresip's log, every line timestamped as it is written: bob's
#     answer (the 200 sent), "Call established" (alice), ICE complete (or
#     failed) on each side, "audio: start" (baresip starts its audio when
#     ICE completes) and the selected (nominated) pair of component 1;
#   * in each home router (nat1, nat2), nft counters in the forward hook:
#     RTP packets the client sent (before the lab's filter) and received
#     (after it), plain or inside TURN ChannelData, and STUN packets (ICE
#     checks, TURN), and the time the first RTP packet reached the client
#     (a dynamic nft set with a timeout: its element's "expires" gives the
#     insertion time). See bench/README.md.
#
# Output: one JSON object per row on stdout; progress on stderr.
#
# Usage: bench/nat/baresip-calls.sh [--seconds S] [--rows "cone symmetric double"]
#          [--media-nat turn|stun] [--keep-logs]
#
#   --seconds S     call length after the answer (default 10)
#   --rows LIST     rows to run, in order (default: cone symmetric double)
#   --media-nat X   turn (default): stunserver=turn:203.0.113.20:3478 with the
#                   user's TURN credentials (host, srflx and relay candidates);
#                   stun: stunserver=stun:203.0.113.20:3478 (host and srflx)
#   --keep-logs     keep the state directories (baresip and server logs)
#
# Needs root, kamailio, coturn, nftables, conntrack and baresip-core. Every
# process is started through natlab.sh spawn and stopped by its PID; every
# lab is torn down at the end of its row, on error, on SIGTERM/SIGINT and,
# through --owner, even after a SIGKILL.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
NATLAB=$ROOT/tests/nat/natlab.sh
KAMAILIO_TEMPLATE=$ROOT/tests/servers/kamailio.cfg.in
BARESIP=/usr/bin/baresip
PYTHON=/usr/bin/python3
PATH=$PATH:/usr/sbin:/sbin

SECONDS_AFTER_ANSWER=10
ROWS="cone symmetric double"
MEDIA_NAT=turn
KEEP_LOGS=0

log() { echo "baresip-calls: $*" >&2; }
die() { log "$*"; exit 1; }
usage() { sed -n '/^# Usage:/,/^#   --keep-logs/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --seconds) SECONDS_AFTER_ANSWER=${2:?}; shift ;;
    --rows) ROWS=${2:?}; shift ;;
    --media-nat) MEDIA_NAT=${2:?}; shift ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage ;;
    *) log "unknown option '$1'"; usage ;;
  esac
  shift
done
[[ $SECONDS_AFTER_ANSWER =~ ^[1-9][0-9]*$ ]] || die "--seconds: whole seconds > 0"
case $MEDIA_NAT in turn|stun) ;; *) die "--media-nat: turn or stun" ;; esac
for row in $ROWS; do
  case $row in cone|symmetric|double) ;; *) die "unknown row '$row' (cone, symmetric, double)" ;; esac
done
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, nftables)"
[ -x "$BARESIP" ] || die "baresip not installed (apt-get install baresip-core)"
for module in opus ausine aubridge ice turn stun cons menu account; do
  [ -f "/usr/lib/baresip/modules/$module.so" ] || die "baresip module $module.so missing"
done

WORK=$(mktemp -d /tmp/sipnat-baresip-calls.XXXXXX)
STATE=

cleanup() {
  local status=$?
  trap - EXIT TERM INT HUP
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  if [ "$KEEP_LOGS" = 1 ]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

nl() { "$NATLAB" --state "$STATE" "$@"; }

# pid_running PID: not gone and not a zombie.
pid_running() {
  [ -n "$1" ] && [ -r "/proc/$1/stat" ] && ! grep -q '^[0-9]* ([^)]*) Z' "/proc/$1/stat"
}

# wait_for FILE REGEX SECONDS
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -aqE -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

# The lab's Kamailio plus what calls between NATed UAs need from it:
# nathelper's fix_nated_register() (requests to a user go to where its
# REGISTER came from: baresip 1.0 always registers its private Contact) and
# fix_nated_contact() on every other request and reply with a private
# Contact (the dialog's remote target becomes the UA's public SIP binding,
# so ACK, BYE and re-INVITE reach it through the record-routed proxy).
write_template() {
  local out=$1 content anchor
  content=$(<"$KAMAILIO_TEMPLATE")
  for anchor in 'loadmodule "registrar.so"' 'modparam("registrar", "max_contacts", 0)' \
                '  save("location");' '  force_rport();'; do
    [[ $content == *"$anchor"* ]] || die "$KAMAILIO_TEMPLATE: '$anchor' not found"
  done
  content=${content/'loadmodule "registrar.so"'/'loadmodule "registrar.so"
loadmodule "nathelper.so"'}
  content=${content/'modparam("registrar", "max_contacts", 0)'/'modparam("registrar", "max_contacts", 0)
# baresip-calls.sh: NATed UAs reachable, in-dialog requests too.
modparam("nathelper", "received_avp", "$avp(RECEIVED)")
modparam("registrar", "received_avp", "$avp(RECEIVED)")'}
  content=${content/'  save("location");'/'  fix_nated_register();
  save("location");'}
  content=${content/'  force_rport();'/'  force_rport();
  if (!is_method("REGISTER") && nat_uac_test("1")) {
    fix_nated_contact();
  }'}
  printf '%s\n\nonreply_route {\n  if (nat_uac_test("1")) {\n    fix_nated_contact();\n  }\n}\n' \
    "$content" > "$out"
}

# write_baresip DIR USER LISTEN_IP: config and accounts.
write_baresip() {
  local dir=$1 user=$2 ip=$3 server
  mkdir -p "$dir"
  if [ "$MEDIA_NAT" = turn ]; then
    server="stunserver=turn:$TURN_IP:$TURN_PORT;stunuser=$user;stunpass=${user}pw"
  else
    server="stunserver=stun:$TURN_IP:$TURN_PORT"
  fi
  # No sound card in the lab: ausine (48 kHz only, hence Opus) as the source,
  # an aubridge device nobody reads from as the player. cons: commands over
  # UDP from the same namespace (the menu module runs them).
  cat > "$dir/config" <<EOF
poll_method		epoll
sip_listen		$ip:5060
audio_player		aubridge,nobody
audio_source		ausine,440
audio_alert		aubridge,nobody
module_path		/usr/lib/baresip/modules
module			opus.so
module			ausine.so
module			aubridge.so
module			stun.so
module			turn.so
module			ice.so
module			cons.so
module_app		menu.so
module_tmp		account.so
cons_listen		127.0.0.1:5555
EOF
  echo "<sip:$user@$REGISTRAR_IP>;auth_pass=${user}pw;regint=600;answermode=auto;audio_codecs=opus/48000/2;medianat=ice;$server" \
    > "$dir/accounts"
}

# Prefixes every line (and every \r-separated status update) of the command's
# output with the wall-clock time, flushed at once.
TIMESTAMPER='
import subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
pending = b""
while True:
    chunk = child.stdout.read1(65536)
    if not chunk:
        break
    pending += chunk
    *lines, pending = pending.replace(b"\r", b"\n").split(b"\n")
    now = b"%.6f " % time.time()
    sys.stdout.buffer.write(b"".join(now + l + b"\n" for l in lines if l.strip()))
    sys.stdout.buffer.flush()
sys.exit(child.wait())
'

# start_baresip ROLE USER: spawns baresip (through the timestamper) and waits
# for its registration.
start_baresip() {
  local role=$1 user=$2 dir=$STATE/$2
  nl spawn "$role" "$user" /usr/bin/env HOME="$dir" "$PYTHON" -c "$TIMESTAMPER" \
    stdbuf -oL -eL "$BARESIP" -f "$dir" -v >/dev/null || return 1
  wait_for "$STATE/$user.log" "$user@$REGISTRAR_IP: .*200 OK" 15 ||
    { log "$user did not register"; tail -n 20 "$STATE/$user.log" >&2; return 1; }
}

# cons ROLE COMMAND: one command to baresip's UDP console in ROLE.
cons() {
  nl exec "$1" "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[1].encode() + b"\n", ("127.0.0.1", 5555))' "$2"
}

# Counters in a home router, in a table of its own. SIP (port 5060 at
# either end) is left out; of the rest: RTP (version 2, not an RTCP packet
# type), RTP inside TURN ChannelData (first two bits 01, RTP after the 4-byte
# header), STUN (first two bits 00: ICE checks, TURN requests, Send/Data
# indications). "out" counts before the lab's filter (what the client
# sent), "in" after it (what the router delivered to the client).
install_counters() {
  local router=$1
  nl exec "$router" nft -f - <<'EOF'
table ip natbench {
  counter rtp_out {}
  counter rtp_in {}
  counter relayed_rtp_out {}
  counter relayed_rtp_in {}
  counter stun_out {}
  counter stun_in {}
  set first_rtp_in { type ipv4_addr; flags dynamic, timeout; timeout 1h; }
  chain out {
    type filter hook forward priority filter - 10; policy accept;
    iifname != "lan0" return
    meta l4proto != udp return
    udp sport 5060 return
    udp dport 5060 return
    @th,64,2 2 @th,72,8 != 200-204 counter name rtp_out return
    @th,64,2 1 @th,96,2 2 @th,104,8 != 200-204 counter name relayed_rtp_out return
    @th,64,2 0 counter name stun_out
  }
  chain in {
    type filter hook forward priority filter + 10; policy accept;
    oifname != "lan0" return
    meta l4proto != udp return
    udp sport 5060 return
    udp dport 5060 return
    @th,64,2 2 @th,72,8 != 200-204 counter name rtp_in add @first_rtp_in { ip daddr } return
    @th,64,2 1 @th,96,2 2 @th,104,8 != 200-204 counter name relayed_rtp_in add @first_rtp_in { ip daddr } return
    @th,64,2 0 counter name stun_in
  }
}
EOF
}

# read_counters ROUTER FILE: the wall-clock time of the listing (taken in
# the namespace right before it: natlab.sh's own start-up takes 0.1-0.2 s),
# then the table as text (the JSON output rounds "expires" to seconds).
read_counters() {
  nl exec "$1" sh -c 'date +%s.%N && nft list table ip natbench' > "$2"
}

# lab_options ROW
lab_options() {
  case $1 in
    cone) echo "cone --second-client" ;;
    symmetric) echo "symmetric --second-client" ;;
    double) echo "double --client2-nat cone" ;;
  esac
}

run_row() {
  local row=$1 i
  STATE=$WORK/$row
  mkdir -p "$STATE"
  log "$row: lab up ($(lab_options "$row"))"
  # shellcheck disable=SC2046
  "$NATLAB" --state "$STATE" up $(lab_options "$row") --owner $$ >/dev/null || return 1
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"
  write_template "$STATE/kamailio-calls.cfg.in"
  nl start-kamailio --template "$STATE/kamailio-calls.cfg.in" >/dev/null || return 1
  nl start-coturn >/dev/null || return 1
  write_baresip "$STATE/alice" alice "$CLIENT_IP"
  write_baresip "$STATE/bob" bob "$CLIENT2_IP"
  start_baresip client2 bob || return 1
  start_baresip client alice || return 1
  # shellcheck disable=SC1091
  . "$STATE/natlab.env"   # SPAWN_PID_alice, SPAWN_PID_bob
  install_counters nat1 || return 1
  install_counters nat2 || return 1

  log "$row: alice dials bob, the call lasts $SECONDS_AFTER_ANSWER s after the answer"
  echo "$EPOCHREALTIME" > "$STATE/dial.time"
  cons client "/dial sip:bob@$REGISTRAR_IP" || return 1
  if ! wait_for "$STATE/bob.log" 'answering call' 15; then
    log "$row: bob never answered"
  else
    sleep "$SECONDS_AFTER_ANSWER"
  fi
  # Both quit (no more RTP), then the counters are read: what one sent and
  # the other received are then comparable.
  for i in client client2; do cons "$i" /quit; done
  for ((i = 0; i < 30; i++)); do
    pid_running "${SPAWN_PID_alice:-}" || pid_running "${SPAWN_PID_bob:-}" || break
    sleep 0.1
  done
  read_counters nat1 "$STATE/nat1.counters"
  read_counters nat2 "$STATE/nat2.counters"
  nl stop alice >/dev/null 2>&1
  nl stop bob >/dev/null 2>&1

  "$PYTHON" - "$row" "$STATE" "$SECONDS_AFTER_ANSWER" "$MEDIA_NAT" "$(lab_options "$row")" <<'EOF'
import json, re, sys

row, state, seconds, media_nat, lab = sys.argv[1:6]

def lines(user):
    for text in open(f'{state}/{user}.log', errors='replace'):
        stamp, _, rest = text.partition(' ')
        try:
            yield float(stamp), rest.rstrip('\n')
        except ValueError:
            continue

def first(user, pattern):
    for t, text in lines(user):
        if re.search(pattern, text):
            return t
    return None

def selected_pair(user):
    # The nominated pair of component 1 in the "Valid list" of the ICE dump.
    pair = None
    for _, text in lines(user):
        m = re.search(r'\*\s+\{comp=1\}\s+(\w+)\s+\{[^}]*\}\s+\S*?:?(host|srflx|prflx|relay):(\S+)'
                      r'\s+<--->\s+(host|srflx|prflx|relay):(\S+)', text)
        if m:
            pair = {'state': m.group(1), 'local': f'{m.group(2)} {m.group(3)}',
                    'remote': f'{m.group(4)} {m.group(5)}'}
    return pair

def duration(text):
    """nft's 59m31s520ms, in seconds."""
    units = {'d': 86400, 'h': 3600, 'm': 60, 's': 1, 'ms': 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r'(\d+)(ms|d|h|m|s)', text))

def counters(router):
    # `nft list table` text: the JSON output rounds "expires" to seconds.
    with open(f'{state}/{router}.counters') as f:
        listed_at = float(f.readline())
        text = f.read()
    result = {name: int(packets) for name, packets in
              re.findall(r'counter (\w+) \{\s*packets (\d+)', text)}
    first_rtp = None
    m = re.search(r'set first_rtp_in \{.*?elements = \{ [\d.]+ expires (\w+)', text, re.S)
    if m:
        first_rtp = listed_at - (3600 - duration(m.group(1)))
    return result, first_rtp

def ms(t, since):
    return None if t is None or since is None else round((t - since) * 1000)

answer = first('bob', r'answering call .* with 200')
established = first('alice', r'Call established')
dial = float(open(f'{state}/dial.time').read())
out = {'row': row, 'lab': lab, 'media_nat': media_nat, 'seconds_after_answer': int(seconds),
       'dial_to_answer_ms': ms(answer, dial), 'answer_to_established_ms': ms(established, answer)}
for user, router, peer_router in (('alice', 'nat1', 'nat2'), ('bob', 'nat2', 'nat1')):
    c, first_rtp = counters(router)
    peer, _ = counters(peer_router)
    sent = c.get('rtp_out', 0) + c.get('relayed_rtp_out', 0)
    received = c.get('rtp_in', 0) + c.get('relayed_rtp_in', 0)
    peer_sent = peer.get('rtp_out', 0) + peer.get('relayed_rtp_out', 0)
    checklist = [m.group(1) for _, t in lines(user)
                 for m in [re.search(r'Check list: \[state=(\w+)\]', t)] if m]
    # "connectivity check is complete" comes on failure too, then "failed".
    ice_done = first(user, r'connectivity check is complete')
    ice_failed = first(user, r'connectivity check failed|ICE not supported')
    if ice_failed is not None:
        ice_result = 'failed'
    elif ice_done is not None:
        ice_result = 'connected'
    else:
        ice_result = 'not completed'  # the check list still running at the end
    out[user] = {
        'ice_result': ice_result,
        'answer_to_ice_connected_ms': ms(ice_done, answer) if ice_result == 'connected' else None,
        'answer_to_ice_failed_ms': ms(ice_failed, answer),
        'ice_checklist_last': checklist[-1] if checklist else None,
        'answer_to_audio_start_ms': ms(first(user, r'^audio: start$'), answer),
        'answer_to_first_rtp_received_ms': ms(first_rtp, answer),
        'rtp_sent': sent, 'rtp_received': received,
        'rtp_sent_relayed': c.get('relayed_rtp_out', 0),
        'rtp_received_relayed': c.get('relayed_rtp_in', 0),
        'loss_from_peer': None if peer_sent == 0 else round(1 - received / peer_sent, 4),
        'stun_sent': c.get('stun_out', 0), 'stun_received': c.get('stun_in', 0),
        'turn_errors': sorted({m.group(1) for _, t in lines(user)
                               for m in [re.search(r'TURN Client error: (.*)', t)] if m}),
        'selected_pair': selected_pair(user),
    }
print(json.dumps(out), flush=True)
EOF
}

status=0
for row in $ROWS; do
  if ! run_row "$row"; then
    log "$row: failed"
    echo "{\"row\": \"$row\", \"error\": \"setup failed, see the log above\"}"
    status=1
  fi
  "$NATLAB" --state "$STATE" down >/dev/null 2>&1 || { log "$row: natlab down failed"; status=1; }
  [ "$KEEP_LOGS" = 1 ] || rm -rf "$STATE"
  STATE=
done
exit "$status"
