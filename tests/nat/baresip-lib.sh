# shellcheck shell=bash
# baresip-lib.sh: running baresip 1.0 in the NAT lab, shared by
# bench/nat/baresip-calls.sh (baresip <-> baresip) and
# tests/nat/test-nat-interop.sh (libsipnat <-> baresip). Source it after
# defining nl (natlab.sh --state "$STATE" "$@") and PYTHON; the functions
# read the lab's variables (REGISTRAR_IP, TURN_IP, TURN_PORT) from
# natlab.env and return non-zero, with a message on stderr, on failure.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# shellcheck source=wait-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/wait-lib.sh"

BARESIP=${BARESIP:-/usr/bin/baresip}
BARESIP_MODULES="opus ausine aubridge ice turn stun cons menu account"

# baresip_missing: prints what is missing to run baresip here (nothing,
# and status 1, when all is there).
baresip_missing() {
  local module
  [ -x "$BARESIP" ] || { echo "baresip not installed (baresip-core)"; return 0; }
  for module in $BARESIP_MODULES; do
    [ -f "/usr/lib/baresip/modules/$module.so" ] ||
      { echo "baresip module $module.so missing"; return 0; }
  done
  return 1
}

# baresip_kamailio_template TEMPLATE OUT: the lab's Kamailio plus what calls
# between NATed UAs need from it: nathelper's fix_nated_register()
# (requests to a user go to where its REGISTER came from: baresip 1.0
# always registers its private Contact) and fix_nated_contact() on every
# other request and reply with a private Contact (the dialog's remote
# target becomes the UA's public SIP binding, so ACK, BYE and re-INVITE
# reach it through the record-routed proxy). A UA that registers its
# public Contact (libsipnat with reg_match_received_rport) is untouched:
# nat_uac_test("1") only matches private Contacts.
baresip_kamailio_template() {
  local template=$1 out=$2 content anchor
  content=$(<"$template")
  for anchor in 'loadmodule "registrar.so"' 'modparam("registrar", "max_contacts", 0)' \
                '  save("location");' '  force_rport();'; do
    [[ $content == *"$anchor"* ]] || { echo "$template: '$anchor' not found" >&2; return 1; }
  done
  content=${content/'loadmodule "registrar.so"'/'loadmodule "registrar.so"
loadmodule "nathelper.so"'}
  content=${content/'modparam("registrar", "max_contacts", 0)'/'modparam("registrar", "max_contacts", 0)
# baresip-lib.sh: NATed UAs reachable, in-dialog requests too.
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

# baresip_write_config DIR USER LISTEN_IP MEDIA_NAT [RTCP_MUX]: config and
# accounts of USER (password USERpw, for SIP and TURN). MEDIA_NAT: turn
# (stunserver=turn:..., host, srflx and relay candidates) or stun
# (stunserver=stun:..., host and srflx). RTCP_MUX: no (baresip's default:
# RTCP on its own port, ICE component 2) or yes (a=rtcp-mux offered and
# accepted, one component).
baresip_write_config() {
  local dir=$1 user=$2 ip=$3 server
  mkdir -p "$dir"
  case $4 in
    turn) server="stunserver=turn:$TURN_IP:$TURN_PORT;stunuser=$user;stunpass=${user}pw" ;;
    stun) server="stunserver=stun:$TURN_IP:$TURN_PORT" ;;
    *) echo "baresip_write_config: media NAT '$4': turn or stun" >&2; return 1 ;;
  esac
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
rtcp_mux		${5:-no}
EOF
  echo "<sip:$user@$REGISTRAR_IP>;auth_pass=${user}pw;regint=600;answermode=auto;audio_codecs=opus/48000/2;medianat=ice;$server" \
    > "$dir/accounts"
}

# Prefixes every line (and every \r-separated status update) of the command's
# output with the wall-clock time, flushed at once.
BARESIP_TIMESTAMPER='
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


# baresip_start ROLE USER: spawns baresip (through the timestamper; its log
# is $STATE/USER.log, its config $STATE/USER/) and waits for its
# registration.
baresip_start() {
  local role=$1 user=$2 dir=$STATE/$2
  nl spawn "$role" "$user" /usr/bin/env HOME="$dir" "$PYTHON" -c "$BARESIP_TIMESTAMPER" \
    stdbuf -oL -eL "$BARESIP" -f "$dir" -v >/dev/null || return 1
  wait_for "$STATE/$user.log" "$user@$REGISTRAR_IP: .*200 OK" 15 ||
    { { echo "$user did not register"; tail -n 20 "$STATE/$user.log"; } >&2; return 1; }
}

# baresip_cons ROLE COMMAND: one command to baresip's UDP console in ROLE.
baresip_cons() {
  nl exec "$1" "$PYTHON" -c 'import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(sys.argv[1].encode() + b"\n", ("127.0.0.1", 5555))' "$2"
}

# natcount_install ROUTER: counters in a home router, in a table of its own.
# SIP (port 5060 at either end) is left out; of the rest: RTP (version 2,
# not an RTCP packet type), RTP inside TURN ChannelData (first two bits 01,
# RTP after the 4-byte header), STUN (first two bits 00: ICE checks, TURN
# requests, Send/Data indications). "out" counts before the lab's filter
# (what the client sent), "in" after it (what the router delivered to the
# client); the set first_rtp_in records when the first RTP packet was
# delivered (its element's "expires" gives the insertion time).
natcount_install() {
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

# natcount_read ROUTER FILE: the wall-clock time of the listing (taken in
# the namespace right before it: natlab.sh's own start-up takes 0.1-0.2 s),
# then the table as text (the JSON output rounds "expires" to seconds).
natcount_read() {
  nl exec "$1" sh -c 'date +%s.%N && nft list table ip natbench' > "$2"
}
