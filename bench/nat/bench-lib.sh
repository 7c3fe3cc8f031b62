# bench-lib.sh: what the NAT lab benchmarks share (sourced, not run).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# The script sets BENCH_NAME (for messages), NATLAB (tests/nat/natlab.sh)
# and KEEP_LOGS (1: the work directory stays) before calling bench_start.
# bench_start NAME makes WORK, a temporary directory, and installs the
# clean-up: on exit, on a signal and after a failure it stops every
# process group in CHILDREN, tears down the lab in STATE and every lab
# whose state directory is under WORK, and removes WORK unless KEEP_LOGS.

# shellcheck source=../../tests/nat/wait-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../tests/nat/wait-lib.sh"

log() { printf '[%s] %s: %s\n' "$(date +%T)" "$BENCH_NAME" "$*" >&2; }
die() { log "$*"; exit 1; }

# need_root: the labs are network namespaces and nftables.
need_root() {
  [ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, nftables)"
}

# need_tools TOOL...: each on PATH, or an explanation.
need_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not installed (sudo bash .ci/install-deps)"
  done
}

# need_clients CLIENT...: libsipnat (the built tool, $TOOL), baresip, linphonec.
need_clients() {
  local c
  for c in "$@"; do
    case $c in
      libsipnat) [ -x "$TOOL" ] || die "$TOOL not built (meson compile -C _build)" ;;
      baresip) command -v baresip >/dev/null || die "baresip not installed (apt-get install baresip-core)" ;;
      linphonec) command -v linphonec >/dev/null || die "linphonec not installed (apt-get install linphone-cli)" ;;
      *) die "unknown client '$c'" ;;
    esac
  done
}

bench_cleanup() {
  local status=$? pid st
  trap - EXIT TERM INT HUP
  # Each worker leads its own process group (set -m): its sleeps and probes too.
  for pid in "${CHILDREN[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${CHILDREN[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  [ -z "$STATE" ] || "$NATLAB" --state "$STATE" down >/dev/null 2>&1
  for st in "$WORK"/*/; do
    [ -f "$st/natlab.env" ] && "$NATLAB" --state "$st" down >/dev/null 2>&1
  done
  if [ "$KEEP_LOGS" = 1 ]; then
    log "logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$status"
}

# bench_start NAME: WORK=/tmp/sipnat-NAME.XXXXXX and the clean-up.
bench_start() {
  WORK=$(mktemp -d "/tmp/sipnat-$1.XXXXXX")
  CHILDREN=()
  STATE=
  trap bench_cleanup EXIT
  trap 'exit 143' TERM
  trap 'exit 130' INT
  trap 'exit 129' HUP
}

# nl ARGS...: natlab.sh on the lab in STATE.
nl() { "$NATLAB" --state "$STATE" "$@"; }

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$EPOCHREALTIME" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }


# The users of the side-by-side benchmarks, one per client.
client_user() {
  case $1 in libsipnat) echo alice ;; baresip) echo bob ;; linphonec) echo carol ;; esac
}

# A short tag for namespace names.
client_tag() {
  case $1 in libsipnat) echo s ;; baresip) echo b ;; linphonec) echo l ;; esac
}

# write_nat_aware_template OUT: the lab's Kamailio template
# ($KAMAILIO_TEMPLATE) plus what a NAT-aware service offers: nathelper's
# fix_nated_register() (requests to a user go to where its REGISTER came
# from) and RFC 5626 outbound in the registrar (Require: outbound and a
# Flow-Timer of $KEEPALIVE seconds for reg-id contacts); STUN on the SIP
# port is the template's own (start-kamailio's default). Fails if the
# template changed so that an anchor is missing.
write_nat_aware_template() {
  local out=$1 content anchor
  content=$(<"$KAMAILIO_TEMPLATE")
  for anchor in 'loadmodule "registrar.so"' 'modparam("registrar", "max_contacts", 0)' '  save("location");'; do
    [[ $content == *"$anchor"* ]] || die "$KAMAILIO_TEMPLATE: '$anchor' not found"
  done
  content=${content/'loadmodule "registrar.so"'/'loadmodule "registrar.so"
loadmodule "nathelper.so"'}
  content=${content/'modparam("registrar", "max_contacts", 0)'/"modparam(\"registrar\", \"max_contacts\", 0)
modparam(\"nathelper\", \"received_avp\", \"\$avp(RECEIVED)\")
modparam(\"registrar\", \"received_avp\", \"\$avp(RECEIVED)\")
modparam(\"registrar\", \"outbound_mode\", 1)
modparam(\"registrar\", \"flow_timer\", $KEEPALIVE)"}
  content=${content/'  save("location");'/'  fix_nated_register();
  save("location");'}
  printf '%s\n' "$content" > "$out"
}
