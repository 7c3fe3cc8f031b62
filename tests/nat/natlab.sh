#!/bin/bash
# natlab.sh: real NATs on one machine, built from network namespaces, veth
# pairs and nftables, for libsipnat's tests and demo. See tests/nat/README.md.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Nothing goes into the root namespace: every veth end, bridge, address,
# route, nft rule and sysctl lives in a namespace this script creates
# (veth pairs are created directly inside their namespaces with
# `ip -n NS link add ... peer ... netns NS2`). Processes are stopped by the
# PIDs recorded in the state file, namespaces by the names recorded there.
#
# Usage: natlab.sh [--state DIR] COMMAND [ARGS...]      (needs root)
#   up TOPOLOGY [OPTIONS]   build cone | symmetric | double; prints the state
#                           (KEY=VALUE lines, shell-sourceable) on stdout
#       --state DIR           state directory (default $NATLAB_STATE, else a
#                             new /tmp/natlab.XXXXXX that `down` removes)
#       --udp-timeout S       every router's nf_conntrack_udp_timeout and
#                             nf_conntrack_udp_timeout_stream (default 30/120)
#       --drop-fragments      the client's (home) router drops IP fragments
#       --second-client       a second client network (client2) for a 2nd user
#       --client2-nat cone|symmetric  client2's own router (nat2) on the public
#                             segment (203.0.113.102) with this NAT; implies
#                             --second-client (double: not behind the carrier)
#       --udp-only-to-registrar  the client's (home) router forwards UDP from
#                             the LAN only to 203.0.113.10:5060 (TCP: all)
#       --block-udp           the client's (home) router forwards no UDP from
#                             the LAN at all (TCP: all)
#       --home cone|symmetric     double: the home router's NAT (default cone)
#       --carrier cone|symmetric  double: the carrier NAT (default cone)
#       --owner PID           tear the lab down when process PID exits (a
#                             watchdog; for tests that may get SIGKILLed)
#       --prefix NAME         namespace name prefix (default snl<PID>)
#   down                    stop everything and delete the namespaces (idempotent)
#   env                     print the state
#   exec ROLE CMD...        run CMD in ROLE's namespace
#   probe ROLE ARGS...      run natlab-probe.py ARGS in ROLE's namespace
#   spawn ROLE NAME CMD...  start CMD in the background in ROLE's namespace
#                           (log: $STATE/NAME.log, PID recorded, stopped by down)
#   stop NAME               stop a spawned process
#   rebind [--router ROLE] [NEW_WAN_IP]
#                           new WAN address for the router owning the public
#                           address (default: last octet + 10) + conntrack flush
#   flush [ROLE...]         flush the routers' conntrack tables (default: all)
#   renumber-client [NEW_IP]  the client's LAN address changes (default: last
#                           octet + 1), as after a new DHCP lease
#   move-client             the client leaves its home router for a new one
#                           (the tether: cone NAT, 203.0.113.103, LAN
#                           192.168.3.0/24), as from Wi-Fi to a phone tether
#                           (both print CHANGED_AT=<epoch>: the new address up)
#   set-udp-timeout S [--router ROLE]   change the UDP timeouts at run time
#   start-kamailio [--no-auth] [--no-stun] [--min-expires N] [--max-expires N] [--tls]
#                  [--template FILE] [--set NAME=VALUE]...
#                           (--tls: SIP over TLS on 5061 too, with a fresh CA
#                           in KAMAILIO_TLS_CA_FILE and a certificate for
#                           the registrar's address)
#   stop-kamailio
#   start-coturn | stop-coturn    (coturn: UDP+TCP 3478, TLS 5349)
#
# Roles: client, client2, nat1 (alias home, router), nat2, carrier (alias cgn),
# public, registrar, turn.

set -euo pipefail

NATLAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NATLAB_SELF=$NATLAB_DIR/$(basename "${BASH_SOURCE[0]}")
NATLAB_PROBE=$NATLAB_DIR/natlab-probe.py
NATLAB_PYTHON=${NATLAB_PYTHON:-/usr/bin/python3}
PATH=$PATH:/usr/sbin:/sbin

# Lab variables come from the state file only, never from the environment
# (a caller may have exported an older lab's state).
for _var in $(compgen -e); do
  case $_var in
    NS_*|NAT1_*|NAT2_*|CARRIER_*|CLIENT_*|CLIENT2_*|KAMAILIO_*|COTURN_*|TURN_*|SPAWN_*|TETHER_*|\
    WATCHDOG_PID|OWNER_PID|PUBLIC_ROUTER|NATLAB_NAMESPACES|NATLAB_PREFIX|TOPOLOGY|\
    NAT_WAN_IP|UDP_TIMEOUT|UP_DONE)
      unset "$_var" ;;
  esac
done
unset _var

# Fixed addresses.
PUBLIC_NET=203.0.113.0/24
PUBLIC_IP=203.0.113.1
REGISTRAR_IP=203.0.113.10
SIP_PORT=5060
SIP_TLS_PORT=5061
TURN_IP=203.0.113.20
TURN_IP2=203.0.113.21
TURN_PORT=3478
TURN_TLS_PORT=5349
CLIENT_IP=192.168.1.2
CLIENT_GW=192.168.1.1
CLIENT2_IP=192.168.2.2
CLIENT2_GW=192.168.2.1
CARRIER_LAN_IP=100.64.0.1

die() { echo "natlab: $*" >&2; exit 1; }
note() { echo "natlab: $*" >&2; }
verbose() { if [ -n "${NATLAB_VERBOSE:-}" ]; then echo "natlab: $*" >&2; fi; }

usage() {
  sed -n '/^# Usage:/,/^# public, registrar, turn\./s/^# \{0,1\}//p' "$NATLAB_SELF" >&2
  exit 2
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, nftables)"
}

# ------------------------------------------------------------------ state

state_file() { echo "$NATLAB_STATE/natlab.env"; }

# state_set KEY VALUE: replace or append a shell-sourceable KEY=VALUE line.
state_set() {
  local file tmp
  file=$(state_file)
  tmp=$file.tmp.$$
  {
    if [ -f "$file" ]; then grep -v "^$1=" "$file" || true; fi
    printf '%s=%q\n' "$1" "$2"
  } > "$tmp"
  mv -f "$tmp" "$file"
  printf -v "$1" '%s' "$2"
}

load_state() {
  [ -n "${NATLAB_STATE:-}" ] || die "no state directory: pass --state DIR or set NATLAB_STATE"
  [ -f "$(state_file)" ] || die "no lab in $NATLAB_STATE (natlab.sh up first)"
  # shellcheck disable=SC1090
  . "$(state_file)"
}

lock_state() {
  exec 9>>"$NATLAB_STATE/.lock"
  flock 9
}

role_ns() {
  local ns=
  case $1 in
    client) ns=${NS_CLIENT:-} ;;
    client2) ns=${NS_CLIENT2:-} ;;
    nat1|home|router) ns=${NS_NAT1:-} ;;
    nat2|home2) ns=${NS_NAT2:-} ;;
    carrier|cgn) ns=${NS_CARRIER:-} ;;
    public|pub) ns=${NS_PUBLIC:-} ;;
    registrar|kamailio) ns=${NS_REGISTRAR:-} ;;
    turn|stun|coturn) ns=${NS_TURN:-} ;;
    tether) ns=${NS_TETHER:-} ;;
    *)
      case " ${NATLAB_NAMESPACES:-} " in
        *" $1 "*) ns=$1 ;;
      esac
      ;;
  esac
  [ -n "$ns" ] || die "no role '$1' in this lab (${TOPOLOGY:-?}; namespaces: ${NATLAB_NAMESPACES:-none})"
  echo "$ns"
}

# Role name (upper case, for state keys) of a router role.
router_key() {
  case $1 in
    nat1|home|router) echo NAT1 ;;
    nat2|home2) echo NAT2 ;;
    carrier|cgn) echo CARRIER ;;
    *) die "'$1' is not a router (nat1, nat2, carrier)" ;;
  esac
}

# ------------------------------------------------------------- processes

# The start time (field 22 of /proc/PID/stat) guards against PID reuse.
proc_start() {
  local stat rest
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  rest=${stat##*) }
  # shellcheck disable=SC2086
  set -- $rest
  echo "${20}"
}

# pid_is PID WORD [NS]: PID runs, its command line contains WORD and (if NS
# is given) it is in network namespace NS.
pid_is() {
  local cmdline
  [ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
  cmdline=$(tr '\0' ' ' < "/proc/$1/cmdline" 2>/dev/null) || return 1
  [ -n "$cmdline" ] || return 1   # zombie
  case $cmdline in *"$2"*) ;; *) return 1 ;; esac
  [ -z "${3:-}" ] || [ "$(ip netns identify "$1" 2>/dev/null)" = "$3" ]
}

# stop_pid PID WORD [NS [SIGNAL]]: SIGNAL (default TERM), up to 10 s (Kamailio
# stopping all its processes can take seconds on a busy machine), SIGKILL;
# then stragglers in the process group PID leads (everything is started with
# setsid; a PID cannot be reused while its process group still has members).
stop_pid() {
  local pid=$1 word=$2 ns=${3:-} signal=${4:-TERM} i
  [ -n "$pid" ] || return 0
  if pid_is "$pid" "$word" "$ns"; then
    kill "-$signal" "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
      pid_is "$pid" "$word" || break
      sleep 0.05
    done
    if pid_is "$pid" "$word"; then
      note "$word (pid $pid) still running 10 s after SIG$signal, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  # Leftover members of its process group (pgid == pid only if it led one).
  if group_alive "$pid"; then
    kill "-$signal" -- "-$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      group_alive "$pid" || break
      sleep 0.05
    done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
}

# group_alive PGID: a process other than a zombie is in process group PGID.
# (Zombies may linger: PID 1 in some containers and VMs reaps slowly.)
group_alive() {
  # shellcheck disable=SC2009
  ps -o stat= -g "$1" 2>/dev/null | grep -qv '^Z'
}

# spawn_bg NS LOG CMD...: starts CMD in NS in its own session, prints its PID.
spawn_bg() {
  local ns=$1 log=$2
  shift 2
  # Not a process-group leader (no job control here), so setsid does not
  # fork and $! is the PID of CMD itself (ip netns exec and setsid exec).
  env -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
    ip netns exec "$ns" setsid "$@" </dev/null >"$log" 2>&1 9>&- &
  echo $!
}

# ------------------------------------------------------------- namespaces

ns_add() {
  local name=$1 key=$2
  ip netns add "$name"
  state_set NATLAB_NAMESPACES "${NATLAB_NAMESPACES:+$NATLAB_NAMESPACES }$name"
  state_set "$key" "$name"
  ip -n "$name" link set lo up
  ip netns exec "$name" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

# veth NS_A IF_A NS_B IF_B: a veth pair created directly in its namespaces.
veth() {
  ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

# bridge NS BR: a bridge that just bridges (no br_netfilter on its frames).
bridge() {
  local key
  ip -n "$1" link add "$2" type bridge
  ip -n "$1" link set "$2" up
  for key in iptables arptables ip6tables; do
    if ip netns exec "$1" test -e "/proc/sys/net/bridge/bridge-nf-call-$key"; then
      ip netns exec "$1" sysctl -q -w "net.bridge.bridge-nf-call-$key=0"
    fi
  done
}

# attach NS IF BRIDGE_NS BRIDGE PORT ADDR/PLEN
attach() {
  veth "$1" "$2" "$3" "$5"
  ip -n "$3" link set "$5" master "$4"
  ip -n "$1" addr add "$6" dev "$2"
}

# attach_public NS IF PORT ADDR: a host on the public segment. Its default
# route points at the public namespace, which does not forward: packets to
# addresses outside the lab (a private Contact, say) vanish silently, as on
# the Internet, instead of failing at once with "no route".
attach_public() {
  attach "$1" "$2" "$NS_PUBLIC" br0 "$3" "$4/24"
  ip -n "$1" route add default via "$PUBLIC_IP"
}

# router NS LAN_IF WAN_IF TYPE DROP_FRAGMENTS [UDP_ONLY_TO_REGISTRAR [BLOCK_UDP]]
router() {
  local ns=$1 lan=$2 wan=$3 type=$4 dropfrag=$5 udponly=${6:-0} blockudp=${7:-0} masq frag_chain='' udp_rules=''
  case $type in
    cone) masq="masquerade persistent" ;;
    symmetric) masq="masquerade fully-random" ;;
    *) die "unknown NAT type '$type' (cone, symmetric)" ;;
  esac
  if [ "$dropfrag" = 1 ]; then
    # Before conntrack's defragmentation (priority -400), like a NAT that
    # gives up on fragments (Windows RRAS): both directions.
    frag_chain="
  chain fragments {
    type filter hook prerouting priority -500; policy accept;
    ip frag-off & 0x3fff != 0 counter drop comment \"IP fragment\"
  }"
  fi
  if [ "$udponly" = 1 ]; then
    # A network that lets out only the UDP of SIP to its registrar: STUN,
    # TURN over UDP and direct media fail; TCP (TURN over TCP/TLS) works.
    udp_rules="
    iifname \"$lan\" oifname \"$wan\" meta l4proto udp ip daddr != $REGISTRAR_IP counter drop comment \"UDP only to the registrar\"
    iifname \"$lan\" oifname \"$wan\" udp dport != $SIP_PORT counter drop comment \"UDP only to the registrar's SIP port\""
  fi
  if [ "$blockudp" = 1 ]; then
    # A network without UDP (some corporate and hotel networks): SIP and
    # TURN work only over TCP/TLS.
    udp_rules="$udp_rules
    iifname \"$lan\" oifname \"$wan\" meta l4proto udp counter drop comment \"UDP blocked\""
  fi
  ip netns exec "$ns" sysctl -q -w net.ipv4.ip_forward=1
  ip netns exec "$ns" nft -f - <<EOF
table ip natlab {$frag_chain
  chain input {
    type filter hook input priority filter; policy drop;
    iif "lo" accept
    ct state established,related accept
    iifname "$lan" accept
    counter comment "unsolicited to the router"
  }
  chain forward {
    type filter hook forward priority filter; policy drop;
    ct state established,related accept$udp_rules
    iifname "$lan" oifname "$wan" accept
    counter comment "unsolicited inbound"
  }
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "$wan" $masq
  }
}
EOF
  # The per-namespace conntrack sysctls exist once nf_conntrack is loaded
  # (the nat chain above loads it where it is a module).
  if ! ip netns exec "$ns" test -e /proc/sys/net/netfilter/nf_conntrack_udp_timeout; then
    modprobe nf_conntrack 2>/dev/null || true
    ip netns exec "$ns" test -e /proc/sys/net/netfilter/nf_conntrack_udp_timeout ||
      die "no net.netfilter.nf_conntrack_udp_timeout in $ns (nf_conntrack missing?)"
  fi
  if [ -n "$UDP_TIMEOUT" ]; then
    ip netns exec "$ns" sysctl -q -w \
      "net.netfilter.nf_conntrack_udp_timeout=$UDP_TIMEOUT" \
      "net.netfilter.nf_conntrack_udp_timeout_stream=$UDP_TIMEOUT"
  fi
}

router_timeouts() {
  ip netns exec "$1" cat /proc/sys/net/netfilter/nf_conntrack_udp_timeout \
    /proc/sys/net/netfilter/nf_conntrack_udp_timeout_stream | paste -sd/
}

cmd_up() {
  local topology=${1:-} owner='' prefix='' home=cone carrier=cone second=0 dropfrag=0 start home_set=''
  local udponly=0 blockudp=0 client2_nat=

  [ -n "$topology" ] || usage
  shift
  UDP_TIMEOUT=
  while [ $# -gt 0 ]; do
    case $1 in
      --udp-timeout) UDP_TIMEOUT=${2:?}; shift ;;
      --udp-timeout=*) UDP_TIMEOUT=${1#*=} ;;
      --drop-fragments) dropfrag=1 ;;
      --second-client) second=1 ;;
      --udp-only-to-registrar) udponly=1 ;;
      --block-udp) blockudp=1 ;;
      --client2-nat) client2_nat=${2:?}; second=1; shift ;;
      --client2-nat=*) client2_nat=${1#*=}; second=1 ;;
      --home) home=${2:?}; home_set=1; shift ;;
      --home=*) home=${1#*=}; home_set=1 ;;
      --carrier) carrier=${2:?}; shift ;;
      --carrier=*) carrier=${1#*=} ;;
      --owner) owner=${2:?}; shift ;;
      --owner=*) owner=${1#*=} ;;
      --prefix) prefix=${2:?}; shift ;;
      --prefix=*) prefix=${1#*=} ;;
      --state) NATLAB_STATE=${2:?}; shift ;;
      --state=*) NATLAB_STATE=${1#*=} ;;
      *) die "up: unknown option '$1'" ;;
    esac
    shift
  done
  case $topology in
    cone|symmetric)
      [ -z "$home_set" ] || die "--home is for the double topology (use: up cone|symmetric)"
      home=$topology
      ;;
    double) ;;
    *) die "unknown topology '$topology' (cone, symmetric, double)" ;;
  esac
  case $home in cone|symmetric) ;; *) die "--home: cone or symmetric" ;; esac
  case $carrier in cone|symmetric) ;; *) die "--carrier: cone or symmetric" ;; esac
  case ${client2_nat:-cone} in cone|symmetric) ;; *) die "--client2-nat: cone or symmetric" ;; esac
  if [ -n "$UDP_TIMEOUT" ] && ! [[ $UDP_TIMEOUT =~ ^[1-9][0-9]*$ ]]; then
    die "--udp-timeout: whole seconds > 0"
  fi
  need_root
  for tool in ip nft conntrack sysctl flock setsid; do
    command -v "$tool" >/dev/null || die "$tool not found (apt-get install iproute2 nftables conntrack procps util-linux)"
  done
  [ -x "$NATLAB_PYTHON" ] || die "$NATLAB_PYTHON not found"

  local created_state=0
  if [ -z "${NATLAB_STATE:-}" ]; then
    NATLAB_STATE=$(mktemp -d /tmp/natlab.XXXXXX)
    created_state=1
  fi
  mkdir -p "$NATLAB_STATE"
  NATLAB_STATE=$(cd "$NATLAB_STATE" && pwd)
  lock_state
  if [ -f "$(state_file)" ]; then
    # shellcheck disable=SC1090
    ( . "$(state_file)"; [ -z "${NATLAB_NAMESPACES:-}" ] ) ||
      die "a lab is already up in $NATLAB_STATE (natlab.sh down first)"
    rm -f "$(state_file)"
  fi

  if [ -z "$prefix" ]; then
    prefix=snl${owner:-$$}
    while compgen -G "/run/netns/$prefix-*" >/dev/null; do
      prefix=snl${owner:-$$}x$RANDOM
    done
  fi

  start=$(date +%s.%N)
  NATLAB_NAMESPACES=
  state_set NATLAB_STATE "$NATLAB_STATE"
  state_set NATLAB "$NATLAB_SELF"
  state_set NATLAB_PROBE "$NATLAB_PROBE"
  state_set NATLAB_STATE_CREATED "$created_state"
  state_set NATLAB_PREFIX "$prefix"
  state_set TOPOLOGY "$topology"
  state_set NATLAB_NAMESPACES ""

  # From here on a failure tears down what was built.
  UP_DONE=0
  trap 'if [ "$UP_DONE" = 0 ]; then note "up failed, tearing down"; exec 9>&-; cmd_down >&2 || true; fi' EXIT

  local pub=$prefix-pub reg=$prefix-reg turn=$prefix-turn
  local nat1=$prefix-nat1 client=$prefix-client nat2=$prefix-nat2 client2=$prefix-client2
  local cgn=$prefix-carrier

  # The public Internet: a bridge in its own namespace, which is also a
  # public host (203.0.113.1) for echo servers and probes.
  ns_add "$pub" NS_PUBLIC
  bridge "$pub" br0
  ip -n "$pub" addr add "$PUBLIC_IP/24" dev br0

  ip netns exec "$pub" sysctl -q -w net.ipv4.ip_forward=0

  ns_add "$reg" NS_REGISTRAR
  attach_public "$reg" eth0 p-reg "$REGISTRAR_IP"

  ns_add "$turn" NS_TURN
  attach_public "$turn" eth0 p-turn "$TURN_IP"
  ip -n "$turn" addr add "$TURN_IP2/24" dev eth0

  # home_network ROUTER_NS CLIENT_NS LAN_GW CLIENT_IP
  home_network() {
    veth "$1" lan0 "$2" eth0
    ip -n "$1" addr add "$3/24" dev lan0
    ip -n "$2" addr add "$4/24" dev eth0
    ip -n "$2" route add default via "$3"
  }

  local wan1 wan2=
  if [ "$topology" = double ]; then
    # Carrier-grade NAT: 100.64.0.0/10 inside (a bridge for the customers),
    # 203.0.113.101 outside.
    ns_add "$cgn" NS_CARRIER
    attach_public "$cgn" wan0 p-carrier 203.0.113.101
    bridge "$cgn" br0
    ip -n "$cgn" addr add "$CARRIER_LAN_IP/10" dev br0
    router "$cgn" br0 wan0 "$carrier" 0

    ns_add "$nat1" NS_NAT1
    attach "$nat1" wan0 "$cgn" br0 c-nat1 100.64.0.2/10
    ip -n "$nat1" route add default via "$CARRIER_LAN_IP"
    wan1=100.64.0.2
    if [ "$second" = 1 ] && [ -n "$client2_nat" ]; then
      # client2 in its own home on the Internet, not behind the carrier.
      ns_add "$nat2" NS_NAT2
      attach_public "$nat2" wan0 p-nat2 203.0.113.102
      wan2=203.0.113.102
    elif [ "$second" = 1 ]; then
      ns_add "$nat2" NS_NAT2
      attach "$nat2" wan0 "$cgn" br0 c-nat2 100.64.0.3/10
      ip -n "$nat2" route add default via "$CARRIER_LAN_IP"
      wan2=100.64.0.3
    fi
    state_set CARRIER_WAN_IP 203.0.113.101
    state_set CARRIER_WAN_PLEN 24
    state_set CARRIER_GW "$PUBLIC_IP"
    state_set CARRIER_LAN_IP "$CARRIER_LAN_IP"
    state_set CARRIER_TYPE "$carrier"
    state_set PUBLIC_ROUTER carrier
  else
    ns_add "$nat1" NS_NAT1
    attach_public "$nat1" wan0 p-nat1 203.0.113.101
    wan1=203.0.113.101
    if [ "$second" = 1 ]; then
      ns_add "$nat2" NS_NAT2
      attach_public "$nat2" wan0 p-nat2 203.0.113.102
      wan2=203.0.113.102
    fi
    state_set PUBLIC_ROUTER nat1
  fi

  ns_add "$client" NS_CLIENT
  home_network "$nat1" "$client" "$CLIENT_GW" "$CLIENT_IP"
  router "$nat1" lan0 wan0 "$home" "$dropfrag" "$udponly" "$blockudp"
  state_set NAT1_WAN_IP "$wan1"
  state_set NAT1_WAN_PLEN "$([ "$topology" = double ] && echo 10 || echo 24)"
  if [ "$topology" = double ]; then state_set NAT1_GW "$CARRIER_LAN_IP"; else state_set NAT1_GW "$PUBLIC_IP"; fi
  state_set NAT1_LAN_IP "$CLIENT_GW"
  state_set NAT1_TYPE "$home"
  if [ "$second" = 1 ]; then
    ns_add "$client2" NS_CLIENT2
    home_network "$nat2" "$client2" "$CLIENT2_GW" "$CLIENT2_IP"
    router "$nat2" lan0 wan0 "${client2_nat:-$home}" 0
    state_set NAT2_WAN_IP "$wan2"
    if [ "$wan2" = 203.0.113.102 ]; then
      state_set NAT2_WAN_PLEN 24
      state_set NAT2_GW "$PUBLIC_IP"
      state_set CLIENT2_PUBLIC_IP "$wan2"
    else
      state_set NAT2_WAN_PLEN 10
      state_set NAT2_GW "$CARRIER_LAN_IP"
      state_set CLIENT2_PUBLIC_IP 203.0.113.101
    fi
    state_set NAT2_LAN_IP "$CLIENT2_GW"
    state_set NAT2_TYPE "${client2_nat:-$home}"
    state_set CLIENT2_IP "$CLIENT2_IP"
    state_set CLIENT2_GW "$CLIENT2_GW"
  fi

  state_set CLIENT_IP "$CLIENT_IP"
  state_set CLIENT_GW "$CLIENT_GW"
  # The address the client appears as on the public segment.
  state_set NAT_WAN_IP 203.0.113.101
  state_set PUBLIC_NET "$PUBLIC_NET"
  state_set PUBLIC_IP "$PUBLIC_IP"
  state_set REGISTRAR_IP "$REGISTRAR_IP"
  state_set SIP_PORT "$SIP_PORT"
  state_set TURN_IP "$TURN_IP"
  state_set TURN_IP2 "$TURN_IP2"
  state_set TURN_PORT "$TURN_PORT"
  state_set UDP_TIMEOUT "$(router_timeouts "$nat1")"
  state_set DROP_FRAGMENTS "$dropfrag"
  state_set SECOND_CLIENT "$second"
  state_set UDP_ONLY_TO_REGISTRAR "$udponly"
  state_set BLOCK_UDP "$blockudp"

  if [ -n "$owner" ]; then
    local owner_start
    owner_start=$(proc_start "$owner") || die "--owner $owner: no such process"
    local wd
    wd=$(setsid "$NATLAB_SELF" --state "$NATLAB_STATE" _watchdog "$owner" "$owner_start" \
           </dev/null >>"$NATLAB_STATE/watchdog.log" 2>&1 9>&- & echo $!)
    state_set OWNER_PID "$owner"
    state_set WATCHDOG_PID "$wd"
  fi

  state_set UP_SECONDS "$(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.3f", a - b }')"
  UP_DONE=1
  trap - EXIT
  cat "$(state_file)"
}

cmd_watchdog() {
  local owner=$1 owner_start=$2
  while [ "$(proc_start "$owner" 2>/dev/null || true)" = "$owner_start" ]; do
    sleep 1
  done
  [ -f "$(state_file)" ] || exit 0
  echo "$(date '+%F %T') owner $owner gone, tearing the lab down"
  NATLAB_FROM_WATCHDOG=1 cmd_down
}

cmd_down() {
  [ -n "${NATLAB_STATE:-}" ] || die "down: pass --state DIR or set NATLAB_STATE"
  [ -d "$NATLAB_STATE" ] || return 0
  lock_state
  [ -f "$(state_file)" ] || return 0
  local ns key pids pid i created
  # shellcheck disable=SC1090
  . "$(state_file)"
  created=${NATLAB_STATE_CREATED:-0}

  if [ -z "${NATLAB_FROM_WATCHDOG:-}" ] && [ -n "${WATCHDOG_PID:-}" ]; then
    # A shell loop around `sleep 1`: no cleanup to wait for.
    stop_pid "$WATCHDOG_PID" _watchdog "" KILL
  fi
  stop_pid "${KAMAILIO_PID:-}" kamailio "${NS_REGISTRAR:-}"
  stop_pid "${COTURN_PID:-}" turnserver "${NS_TURN:-}"
  for key in $(compgen -v SPAWN_NS_ || true); do
    pid=SPAWN_PID_${key#SPAWN_NS_}
    stop_pid "${!pid:-}" "" "${!key}"
  done

  # Anything else still running inside the lab's namespaces was started
  # there through this script (exec/probe/spawn): stop it by PID.
  for ns in ${NATLAB_NAMESPACES:-}; do
    [ -e "/run/netns/$ns" ] || continue
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    [ -n "$pids" ] || continue
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do
      [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || break
      sleep 0.05
    done
    pids=$(ip netns pids "$ns" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  done

  for ns in ${NATLAB_NAMESPACES:-}; do
    if [ -e "/run/netns/$ns" ]; then
      ip netns del "$ns" || note "could not delete namespace $ns"
    fi
  done

  rm -f "$(state_file)"
  if [ "$created" = 1 ]; then
    rm -rf "$NATLAB_STATE"
  fi
}

cmd_env() {
  load_state
  cat "$(state_file)"
}

cmd_exec() {
  local ns
  [ $# -ge 2 ] || usage
  load_state
  ns=$(role_ns "$1")
  shift
  exec ip netns exec "$ns" "$@"
}

cmd_probe() {
  local ns
  [ $# -ge 2 ] || usage
  load_state
  ns=$(role_ns "$1")
  shift
  exec ip netns exec "$ns" "$NATLAB_PYTHON" "$NATLAB_PROBE" "$@"
}

cmd_spawn() {
  local ns name pid
  [ $# -ge 3 ] || usage
  load_state
  ns=$(role_ns "$1")
  name=$2
  [[ $name =~ ^[A-Za-z0-9_]+$ ]] || die "spawn: NAME must be [A-Za-z0-9_]+"
  shift 2
  lock_state
  pid=$(spawn_bg "$ns" "$NATLAB_STATE/$name.log" "$@")
  state_set "SPAWN_PID_$name" "$pid"
  state_set "SPAWN_NS_$name" "$ns"
  echo "$pid"
}

cmd_stop() {
  local key ns
  [ $# -eq 1 ] || usage
  load_state
  lock_state
  key=SPAWN_PID_$1
  ns=SPAWN_NS_$1
  [ -n "${!key:-}" ] || die "stop: nothing spawned as '$1'"
  stop_pid "${!key}" "" "${!ns}"
  state_set "$key" ""
}

# The routers that exist in this lab.
all_routers() {
  [ -z "${NS_CARRIER:-}" ] || echo carrier
  [ -z "${NS_NAT1:-}" ] || echo nat1
  [ -z "${NS_NAT2:-}" ] || echo nat2
}

cmd_flush() {
  local role
  load_state
  # shellcheck disable=SC2046
  [ $# -gt 0 ] || set -- $(all_routers)
  for role in "$@"; do
    router_key "$role" >/dev/null
    ip netns exec "$(role_ns "$role")" conntrack -F >/dev/null 2>&1 ||
      die "conntrack -F failed in $(role_ns "$role")"
  done
}

cmd_rebind() {
  local role='' new='' key ns old plen gw a b c d
  while [ $# -gt 0 ]; do
    case $1 in
      --router) role=${2:?}; shift ;;
      --router=*) role=${1#*=} ;;
      -*) die "rebind: unknown option '$1'" ;;
      *) new=$1 ;;
    esac
    shift
  done
  load_state
  lock_state
  role=${role:-$PUBLIC_ROUTER}
  key=$(router_key "$role")
  ns=$(role_ns "$role")
  old=$(eval echo "\${${key}_WAN_IP}")
  plen=$(eval echo "\${${key}_WAN_PLEN}")
  gw=$(eval echo "\${${key}_GW:-}")
  if [ -z "$new" ]; then
    IFS=. read -r a b c d <<<"$old"
    d=$((d + 10))
    [ "$d" -le 254 ] || d=$((d - 150))
    new=$a.$b.$c.$d
  fi
  ip -n "$ns" addr del "$old/$plen" dev wan0
  ip -n "$ns" addr add "$new/$plen" dev wan0
  [ -z "$gw" ] || ip -n "$ns" route replace default via "$gw"
  # All bindings are lost, as after a router reboot with a new lease.
  ip netns exec "$ns" conntrack -F >/dev/null 2>&1 || true
  state_set "${key}_WAN_IP" "$new"
  if [ "$(router_key "$PUBLIC_ROUTER")" = "$key" ]; then
    state_set NAT_WAN_IP "$new"
  fi
  # client2 sits behind nat2 on the public segment, or behind nat2 and the carrier.
  if [ -n "${CLIENT2_PUBLIC_IP:-}" ] &&
     { { [ "$key" = CARRIER ] && [ "$NAT2_GW" = "$CARRIER_LAN_IP" ]; } ||
       { [ "$key" = NAT2 ] && [ "$NAT2_GW" = "$PUBLIC_IP" ]; }; }; then
    state_set CLIENT2_PUBLIC_IP "$new"
  fi
  echo "${key}_WAN_IP=$new"
  echo "NAT_WAN_IP=$NAT_WAN_IP"
}

cmd_renumber_client() {
  local new=${1:-} plen=24 a b c d
  load_state
  lock_state
  if [ -z "$new" ]; then
    IFS=. read -r a b c d <<<"$CLIENT_IP"
    new=$a.$b.$c.$((d % 250 + 1))
  fi
  ip -n "$NS_CLIENT" addr del "$CLIENT_IP/$plen" dev eth0
  ip -n "$NS_CLIENT" addr add "$new/$plen" dev eth0
  ip -n "$NS_CLIENT" route replace default via "$CLIENT_GW"
  echo "CHANGED_AT=$EPOCHREALTIME"
  state_set CLIENT_IP "$new"
  echo "CLIENT_IP=$new"
}

# The client's home link goes down (its address with it) and a link to a
# new router comes up: another LAN, another public address.
cmd_move_client() {
  local tether wan=203.0.113.103 lan_gw=192.168.3.1 ip=192.168.3.2
  load_state
  lock_state
  tether=$NATLAB_PREFIX-tether
  [ -z "${NS_TETHER:-}" ] || die "move-client: the client has moved already"
  ns_add "$tether" NS_TETHER
  attach_public "$tether" wan0 p-tether "$wan"
  ( UDP_TIMEOUT=; router "$tether" lan0 wan0 cone 0 )
  ip -n "$NS_CLIENT" addr flush dev eth0
  ip -n "$NS_CLIENT" link set eth0 down
  veth "$tether" lan0 "$NS_CLIENT" eth1
  ip -n "$tether" addr add "$lan_gw/24" dev lan0
  ip -n "$NS_CLIENT" addr add "$ip/24" dev eth1
  ip -n "$NS_CLIENT" route replace default via "$lan_gw"
  echo "CHANGED_AT=$EPOCHREALTIME"
  state_set TETHER_WAN_IP "$wan"
  state_set CLIENT_IP "$ip"
  state_set CLIENT_GW "$lan_gw"
  state_set NAT_WAN_IP "$wan"
  echo "CLIENT_IP=$ip"
  echo "NAT_WAN_IP=$wan"
}

cmd_set_udp_timeout() {
  local seconds=${1:-} role='' r
  [ -n "$seconds" ] || usage
  shift
  while [ $# -gt 0 ]; do
    case $1 in
      --router) role=${2:?}; shift ;;
      --router=*) role=${1#*=} ;;
      *) die "set-udp-timeout: unknown option '$1'" ;;
    esac
    shift
  done
  load_state
  for r in ${role:-$(all_routers)}; do
    router_key "$r" >/dev/null
    ip netns exec "$(role_ns "$r")" sysctl -q -w \
      "net.netfilter.nf_conntrack_udp_timeout=$seconds" \
      "net.netfilter.nf_conntrack_udp_timeout_stream=$seconds"
  done
  lock_state
  state_set UDP_TIMEOUT "$(router_timeouts "$NS_NAT1")"
}

# ----------------------------------------------------------------- servers

find_tool() {
  local name=$1 dir
  if command -v "$name" 2>/dev/null; then return 0; fi
  for dir in /usr/sbin /usr/local/sbin /sbin /usr/bin; do
    if [ -x "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}

cmd_start_kamailio() {
  local auth=1 outbound=0 tls=0 stun=1 min=10 max=3600 template='' sets=() kamailio dir cfg content i name value
  while [ $# -gt 0 ]; do
    case $1 in
      --no-auth) auth=0 ;;
      --outbound) outbound=1 ;;
      --tls) tls=1 ;;
      --no-stun) stun=0 ;;
      --auth) auth=1 ;;
      --min-expires) min=${2:?}; shift ;;
      --max-expires) max=${2:?}; shift ;;
      --template) template=${2:?}; shift ;;
      --set) sets+=("${2:?}"); shift ;;
      *) die "start-kamailio: unknown option '$1'" ;;
    esac
    shift
  done
  load_state
  if [ -n "${KAMAILIO_PID:-}" ] && pid_is "$KAMAILIO_PID" kamailio; then
    die "kamailio already running (pid $KAMAILIO_PID)"
  fi
  kamailio=${SIPNAT_KAMAILIO:-$(find_tool kamailio)} ||
    die "kamailio not installed (apt-get install kamailio)"
  if [ -z "$template" ]; then
    for template in "${SIPNAT_SOURCE_ROOT:-/nonexistent}/tests/servers/kamailio.cfg.in" \
                    "$NATLAB_DIR/../servers/kamailio.cfg.in"; do
      [ -f "$template" ] && break
    done
  fi
  [ -f "$template" ] || die "kamailio.cfg.in not found (set SIPNAT_SOURCE_ROOT)"

  dir=$NATLAB_STATE/kamailio
  rm -rf "$dir"
  mkdir -p "$dir"
  cfg=$dir/kamailio.cfg
  content=$(<"$template")
  content=${content//@LISTEN_ADDRESS@/$REGISTRAR_IP}
  content=${content//@PORT@/$SIP_PORT}
  content=${content//@CTL_SOCKET@/$dir/ctl.sock}
  content=${content//@MIN_EXPIRES@/$min}
  content=${content//@MAX_EXPIRES@/$max}
  if [ "$auth" = 1 ]; then
    content=${content//@AUTH@/#!define WITH_AUTH}
  else
    content=${content//@AUTH@/#!undef WITH_AUTH}
  fi
  if [ "$outbound" = 1 ]; then
    content=${content//@OUTBOUND@/#!define WITH_OUTBOUND}
  else
    content=${content//@OUTBOUND@/#!undef WITH_OUTBOUND}
  fi
  if [ "$tls" = 1 ]; then
    make_tls_cert "$dir" "$REGISTRAR_IP"
    content=${content//@TLS@/#!define WITH_TLS}
  else
    content=${content//@TLS@/#!undef WITH_TLS}
  fi
  content=${content//@TLS_PORT@/$SIP_TLS_PORT}
  content=${content//@TLS_CERT@/$dir/cert.pem}
  content=${content//@TLS_KEY@/$dir/key.pem}
  if [ "$stun" = 1 ]; then
    content=${content//@STUN@/#!define WITH_STUN}
  else
    content=${content//@STUN@/#!undef WITH_STUN}
  fi
  # Digest for any user is for the scale benchmark's test registrar only.
  content=${content//@ANY_USER@/#!undef WITH_ANY_USER}
  for i in "${sets[@]}"; do
    name=${i%%=*}
    value=${i#*=}
    content=${content//@$name@/$value}
  done
  name=$(grep -o '@[A-Z_]\+@' <<<"$content" | head -n 1 || true)
  [ -z "$name" ] || die "$template: unknown placeholder $name (pass --set NAME=VALUE)"
  printf '%s\n' "$content" > "$cfg"

  lock_state
  local pid
  pid=$(spawn_bg "$NS_REGISTRAR" "$dir/kamailio.log" \
          "$kamailio" -DD -E -f "$cfg" -Y "$dir" -P "$dir/kamailio.pid" -w "$dir")
  state_set KAMAILIO_PID "$pid"
  state_set KAMAILIO_LOG "$dir/kamailio.log"
  state_set KAMAILIO_CFG "$cfg"
  state_set KAMAILIO_CTL "unix:$dir/ctl.sock"
  state_set KAMAILIO_AUTH "$auth"
  if [ "$tls" = 1 ]; then
    state_set KAMAILIO_TLS_PORT "$SIP_TLS_PORT"
    state_set KAMAILIO_TLS_CA_FILE "$dir/ca.pem"
  else
    state_set KAMAILIO_TLS_PORT ""
    state_set KAMAILIO_TLS_CA_FILE ""
  fi
  exec 9>&-

  # Ready when it answers OPTIONS from the public side.
  for ((i = 0; i < 100; i++)); do
    if ! pid_is "$pid" kamailio; then
      note "kamailio exited during start-up; its log ends with:"
      tail -n 30 "$dir/kamailio.log" >&2 || true
      exit 1
    fi
    if ip netns exec "$NS_PUBLIC" "$NATLAB_PYTHON" "$NATLAB_PROBE" sip-request OPTIONS \
         "sip:$REGISTRAR_IP:$SIP_PORT" --proxy "$REGISTRAR_IP:$SIP_PORT" --timeout 0.3 \
         --expect 200 >/dev/null 2>&1; then
      echo "KAMAILIO_PID=$pid"
      return 0
    fi
  done
  note "kamailio did not answer OPTIONS on $REGISTRAR_IP:$SIP_PORT; its log ends with:"
  tail -n 30 "$dir/kamailio.log" >&2 || true
  stop_pid "$pid" kamailio
  exit 1
}

cmd_stop_kamailio() {
  load_state
  lock_state
  stop_pid "${KAMAILIO_PID:-}" kamailio "$NS_REGISTRAR"
  state_set KAMAILIO_PID ""
}

# make_tls_cert DIR IP: a self-signed CA (ca.pem) and a server certificate
# for IP (IP SAN, signed by that CA; cert.pem, key.pem), made fresh in DIR.
make_tls_cert() {
  local dir=$1 ip=$2
  command -v openssl >/dev/null || die "openssl not installed (apt-get install openssl)"
  (
    cd "$dir" &&
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
      -subj "/CN=natlab test CA" -keyout ca.key -out ca.pem &&
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=$ip" -keyout key.pem -out cert.csr &&
    printf 'subjectAltName=IP:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$ip" > cert.ext &&
    openssl x509 -req -in cert.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
      -extfile cert.ext -out cert.pem
  ) >"$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; die "openssl could not make the certificate for $ip"; }
}

cmd_start_coturn() {
  local turnserver dir pid i ok
  load_state
  if [ -n "${COTURN_PID:-}" ] && pid_is "$COTURN_PID" turnserver; then
    die "coturn already running (pid $COTURN_PID)"
  fi
  turnserver=${SIPNAT_TURNSERVER:-$(find_tool turnserver)} ||
    die "turnserver not installed (apt-get install coturn)"
  dir=$NATLAB_STATE/coturn
  rm -rf "$dir"
  mkdir -p "$dir"
  make_tls_cert "$dir" "$TURN_IP"
  lock_state
  # Two listening addresses for RFC 5780 (OTHER-ADDRESS / CHANGE-REQUEST);
  # RFC 3489 backward compatibility stays on (MAPPED-ADDRESS is sent too).
  # UDP and TCP on 3478, TLS on 5349 (no DTLS). Relayed addresses are on .20,
  # which every NAT's public address reaches over the public segment.
  pid=$(spawn_bg "$NS_TURN" "$dir/turnserver.out" \
          "$turnserver" -n \
          --listening-ip "$TURN_IP" --listening-ip "$TURN_IP2" \
          --listening-port "$TURN_PORT" \
          --tls-listening-port "$TURN_TLS_PORT" --cert "$dir/cert.pem" --pkey "$dir/key.pem" \
          --relay-ip "$TURN_IP" \
          --lt-cred-mech --realm natlab.test \
          --user natlab:natlabpw --user alice:alicepw --user bob:bobpw --user carol:carolpw \
          --userdb "$dir/turndb" \
          --denied-peer-ip=0.0.0.0-0.255.255.255 \
          --denied-peer-ip=10.0.0.0-10.255.255.255 \
          --denied-peer-ip=100.64.0.0-100.127.255.255 \
          --denied-peer-ip=127.0.0.0-127.255.255.255 \
          --denied-peer-ip=169.254.0.0-169.254.255.255 \
          --denied-peer-ip=172.16.0.0-172.31.255.255 \
          --denied-peer-ip=192.168.0.0-192.168.255.255 \
          --no-multicast-peers \
          --no-cli --no-dtls \
          --log-file "$dir/turnserver.log" --simple-log \
          --pidfile "$dir/turnserver.pid")
  state_set COTURN_PID "$pid"
  state_set COTURN_LOG "$dir/turnserver.log"
  state_set TURN_REALM natlab.test
  state_set TURN_USER natlab
  state_set TURN_PASSWORD natlabpw
  state_set TURN_TLS_PORT "$TURN_TLS_PORT"
  state_set TURN_CA_FILE "$dir/ca.pem"
  exec 9>&-

  for ((i = 0; i < 100; i++)); do
    if ! pid_is "$pid" turnserver; then
      note "turnserver exited during start-up; its log ends with:"
      tail -n 30 "$dir/turnserver.log" "$dir/turnserver.out" >&2 || true
      exit 1
    fi
    ok=1
    for ip in "$TURN_IP" "$TURN_IP2"; do
      ip netns exec "$NS_PUBLIC" "$NATLAB_PYTHON" "$NATLAB_PROBE" stun "$ip" "$TURN_PORT" \
        --timeout 0.2 --tries 1 >/dev/null 2>&1 || ok=0
    done
    # TCP and TLS listeners too.
    [ "$ok" = 0 ] ||
      ip netns exec "$NS_PUBLIC" "$NATLAB_PYTHON" "$NATLAB_PROBE" stun "$TURN_IP" "$TURN_PORT" \
        --transport tcp --timeout 0.5 >/dev/null 2>&1 || ok=0
    [ "$ok" = 0 ] ||
      ip netns exec "$NS_PUBLIC" "$NATLAB_PYTHON" "$NATLAB_PROBE" stun "$TURN_IP" "$TURN_TLS_PORT" \
        --transport tls --ca-file "$dir/ca.pem" --timeout 0.5 >/dev/null 2>&1 || ok=0
    if [ "$ok" = 1 ]; then
      echo "COTURN_PID=$pid"
      return 0
    fi
    sleep 0.1
  done
  note "turnserver did not answer STUN on $TURN_IP/$TURN_IP2:$TURN_PORT (UDP, TCP) and $TURN_TLS_PORT (TLS); its log ends with:"
  tail -n 30 "$dir/turnserver.log" >&2 || true
  stop_pid "$pid" turnserver
  exit 1
}

cmd_stop_coturn() {
  load_state
  lock_state
  stop_pid "${COTURN_PID:-}" turnserver "$NS_TURN"
  state_set COTURN_PID ""
}

# -------------------------------------------------------------------- main

while [ $# -gt 0 ]; do
  case $1 in
    --state) NATLAB_STATE=${2:?}; shift ;;
    --state=*) NATLAB_STATE=${1#*=} ;;
    -v|--verbose) NATLAB_VERBOSE=1 ;;
    -h|--help) usage ;;
    -*) die "unknown option '$1'" ;;
    *) break ;;
  esac
  shift
done
[ $# -gt 0 ] || usage
command=$1
shift
if [ -n "${NATLAB_STATE:-}" ] && [ "$command" != up ]; then
  NATLAB_STATE=$(cd "$NATLAB_STATE" 2>/dev/null && pwd || echo "$NATLAB_STATE")
fi

case $command in
  up) cmd_up "$@" ;;
  down)
    while [ $# -gt 0 ]; do
      case $1 in
        --state) NATLAB_STATE=${2:?}; shift ;;
        --state=*) NATLAB_STATE=${1#*=} ;;
        *) die "down: unknown option '$1'" ;;
      esac
      shift
    done
    need_root
    cmd_down
    ;;
  env) cmd_env ;;
  exec) need_root; cmd_exec "$@" ;;
  probe) need_root; cmd_probe "$@" ;;
  spawn) need_root; cmd_spawn "$@" ;;
  stop) need_root; cmd_stop "$@" ;;
  rebind) need_root; cmd_rebind "$@" ;;
  flush) need_root; cmd_flush "$@" ;;
  renumber-client) need_root; cmd_renumber_client "$@" ;;
  move-client) need_root; cmd_move_client ;;
  set-udp-timeout) need_root; cmd_set_udp_timeout "$@" ;;
  start-kamailio) need_root; cmd_start_kamailio "$@" ;;
  stop-kamailio) need_root; cmd_stop_kamailio ;;
  start-coturn) need_root; cmd_start_coturn ;;
  stop-coturn) need_root; cmd_stop_coturn ;;
  _watchdog) cmd_watchdog "$@" ;;
  help) usage ;;
  *) die "unknown command '$command'" ;;
esac
