#!/bin/bash
# compare.sh: libsipnat against baresip and linphonec behind the same NAT.
#
# For each client, in rounds: a fresh `cone` NAT lab (tests/nat/natlab.sh,
# default UDP timeouts), Kamailio and coturn on the public segment, the client
# in the client namespace, registered with a 600 s expiry (so only a
# keep-alive, never a REGISTER refresh, can keep or repair the binding):
#
#   1. registered?  reachable at once (OPTIONS from the public side, 200)?
#   2. keep-alive traffic: nft counters in the home router's forward chain,
#      IP bytes from and to the client over IDLE seconds of idleness that
#      start SETTLE seconds (default 5) after registering, extrapolated to
#      one hour
#   3. reachable after that idle time?
#   4. `natlab.sh rebind` (new public address, every binding lost), then the
#      seconds until it is reachable again (probed every 0.25 s), or "never"
#      after LIMIT seconds
#
# Registrars (--registrar):
#   stock      the lab's Kamailio, as the tests use it, without its stun
#              module: stores the Contact as sent, no NAT fixing, no RFC 5626
#              outbound, no STUN (libsipnat's keep-alives fall back to OPTIONS)
#   stun       the same with the stun module (start-kamailio's default): STUN
#              answered on the SIP port, nothing else
#   nat-aware  the same plus what a NAT-aware service offers: nathelper's
#              fix_nated_register() (requests go to the source address the
#              REGISTER came from), registrar outbound_mode 1 with a
#              Flow-Timer of KEEPALIVE seconds (RFC 5626), STUN on the SIP port
#   both       (the default) stock and nat-aware, one table each
#   all        stock, stun and nat-aware
#
# Output: a Markdown table per registrar (medians over the rounds, ratios
# against libsipnat) on stdout, or JSON with --json; progress on stderr.
# See bench/nat/README.md. Needs root; everything happens inside the lab's
# network namespaces and is torn down on exit (also after SIGKILL: the labs
# are started with --owner).
#
# Usage: bench/nat/compare.sh [--rounds N] [--idle S] [--limit S] [--settle S]
#          [--clients "libsipnat baresip linphonec"] [--keepalive S]
#          [--registrar stock|stun|nat-aware|both|all] [--sequential] [--json]
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
BENCH_NAME=compare.sh
# shellcheck source=bench-lib.sh
. "$HERE/bench-lib.sh"

ROUNDS=3
IDLE=120
LIMIT=120
KEEPALIVE=15
CLIENTS="libsipnat baresip linphonec"
REGISTRARS="stock nat-aware"
PARALLEL=1
JSON=0
KEEP_LOGS=0
SETTLE=5

usage() {
  # shellcheck disable=SC2016
  sed -n '/^# Usage:/,/^# \$SIPNAT_BUILDDIR/s/^# \{0,1\}//p' "$0" >&2
  exit 2
}

while [ $# -gt 0 ]; do
  case $1 in
    --rounds) ROUNDS=${2:?}; shift ;;
    --idle) IDLE=${2:?}; shift ;;
    --limit) LIMIT=${2:?}; shift ;;
    --keepalive) KEEPALIVE=${2:?}; shift ;;
    --settle) SETTLE=${2:?}; shift ;;
    --clients) CLIENTS=${2:?}; shift ;;
    --registrar)
      case ${2:-} in
        stock|stun|nat-aware) REGISTRARS=$2 ;;
        both) REGISTRARS="stock nat-aware" ;;
        all) REGISTRARS="stock stun nat-aware" ;;
        *) echo "compare.sh: --registrar stock, stun, nat-aware, both or all" >&2; exit 2 ;;
      esac
      shift ;;
    --sequential) PARALLEL=0 ;;
    --json) JSON=1 ;;
    --keep-logs) KEEP_LOGS=1 ;;
    -h|--help) usage ;;
    *) echo "compare.sh: unknown option '$1'" >&2; usage ;;
  esac
  shift
done
for v in ROUNDS IDLE LIMIT KEEPALIVE SETTLE; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: --${v,,} must be a whole number > 0" >&2; exit 2; }
done
for c in $CLIENTS; do
  case $c in libsipnat|baresip|linphonec) ;; *) echo "compare.sh: unknown client '$c'" >&2; exit 2 ;; esac
done

need_root
need_tools ip nft conntrack kamailio turnserver python3
[ -f "$KAMAILIO_TEMPLATE" ] || die "$KAMAILIO_TEMPLATE not found"
# shellcheck disable=SC2086
need_clients $CLIENTS

bench_start nat-compare
# What is measured: the commit at the start, and the library the tool loads.
COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
LIBRARY=$(ldd "$TOOL" 2>/dev/null | awk '/libsipnat/ { print $3 }')
LIBRARY_BUILT=$( [ -n "$LIBRARY" ] && date -u -r "$(readlink -f "$LIBRARY")" '+%Y-%m-%dT%H:%M:%SZ' || echo unknown)

# ---------------------------------------------------------------- registrar

registrar_description() {
  case $1 in
    stock) echo "the lab's Kamailio: Contact stored as sent, no NAT fixing, no RFC 5626 outbound, no STUN" ;;
    stun) echo "the lab's Kamailio with its stun module (STUN answered on 5060): Contact stored as sent, no NAT fixing, no RFC 5626 outbound" ;;
    nat-aware) echo "the lab's Kamailio + nathelper fix_nated_register (received_avp), registrar outbound_mode 1 with Flow-Timer $KEEPALIVE, stun module on 5060" ;;
  esac
}

# ------------------------------------------------------------------ clients

# A short tag for namespace names (one letter per registrar mode).
registrar_tag() {
  case $1 in stock) echo s ;; stun) echo u ;; nat-aware) echo n ;; esac
}

# The NAT settings, as shown in the table.
client_settings() {
  case $1 in
    libsipnat)
      echo "reg_timeout 600, reg_match_received_rport 1, keepalive_interval $KEEPALIVE, ice_enabled 1, stun_server 203.0.113.20" ;;
    baresip)
      echo "regint=600, sipnat=outbound, outbound=sip:203.0.113.10:5060, medianat=ice, stunserver=stun:203.0.113.20:3478" ;;
    linphonec)
      echo "reg_expires 600, keepalive_period $((KEEPALIVE * 1000)), enable_nat_helper 1, ping_with_options 1, use_rport 1, nat policy stun+ice (stun_server 203.0.113.20)" ;;
  esac
}

client_version() {
  case $1 in
    libsipnat)
      local rev
      rev=$COMMIT
      if [ -n "$(git -C "$ROOT" status --porcelain -- libsipnat tools 2>/dev/null)" ]; then
        rev="$rev+changes"
      fi
      echo "libsipnat $rev (sipnat register)" ;;
    baresip)
      echo "baresip $(dpkg-query -W -f '${Version}' baresip-core 2>/dev/null || baresip -h 2>&1 | head -n 1) (libre $(dpkg-query -W -f '${Version}' libre0 2>/dev/null || echo '?'))" ;;
    linphonec)
      echo "linphonec $(dpkg-query -W -f '${Version}' linphone-cli 2>/dev/null || echo '?') (liblinphone $(dpkg-query -W -f '${Version}' liblinphone10 2>/dev/null || echo '?'), belle-sip $(dpkg-query -W -f '${Version}' libbellesip1 2>/dev/null || echo '?'))" ;;
  esac
}

# client_start CLIENT STATE: writes the client's configuration into STATE,
# spawns it in the client namespace as "ua" and waits until it is
# registered (with its public Contact, for libsipnat). Returns 1 on failure.
client_start() {
  local c=$1 st=$2 user pass dir
  user=$(client_user "$c")
  pass=${user}pw
  case $c in
    libsipnat)
      cat > "$st/sipnat.conf" <<EOF
[policy.endpoint]
local_address = $CLIENT_IP
local_port = 5060

[proxies.proxy0]
server = $REGISTRAR_IP:$SIP_PORT
user = $user
password = $pass
reg_timeout = 600
reg_match_received_rport = 1

[proxies.proxy0.nat]
keepalive_interval = $KEEPALIVE
ice_enabled = 1
stun_server = $TURN_IP
stun_server_port = $TURN_PORT
EOF
      "$NATLAB" --state "$st" spawn client ua "$TOOL" register --config "$st/sipnat.conf" --json >/dev/null || return 1
      wait_for "$st/ua.log" "\"event\":\"contact\".*\"uri\":\"sip:$user@$NAT_WAN_IP:" 20
      ;;
    baresip)
      dir=$st/baresip
      mkdir -p "$dir"
      # No audio device in the lab: a sine source and a file sink (calls
      # are not part of this benchmark). No UI module: it just runs.
      cat > "$dir/config" <<EOF
poll_method		epoll
sip_listen		$CLIENT_IP:5060
audio_player		aufile,/dev/null
audio_source		ausine,440
audio_alert		aufile,/dev/null
module_path		/usr/lib/baresip/modules
module			g711.so
module			ausine.so
module			aufile.so
module			stun.so
module			turn.so
module			ice.so
module_tmp		uuid.so
module_tmp		account.so
EOF
      cat > "$dir/accounts" <<EOF
<sip:$user@$REGISTRAR_IP>;auth_pass=$pass;regint=600;sipnat=outbound;outbound="sip:$REGISTRAR_IP:$SIP_PORT";medianat=ice;stunserver="stun:$TURN_IP:$TURN_PORT"
EOF
      # -s: SIP trace in the log (what it sent, for the discussion).
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
register_only_when_network_is_up=0
auto_net_state_mon=0

[net]
enable_nat_helper=1
nat_policy_ref=natlab
stun_server=$TURN_IP
ipv6_enabled=0

[nat_policy_0]
ref=natlab
stun_server=$TURN_IP:$TURN_PORT
protocols=stun,ice

[proxy_0]
reg_proxy=<sip:$REGISTRAR_IP:$SIP_PORT;transport=udp>
reg_identity=sip:$user@$REGISTRAR_IP
reg_expires=600
reg_sendregister=1
publish=0
nat_policy_ref=natlab

[auth_info_0]
username=$user
passwd=$pass
realm=$REGISTRAR_IP
domain=$REGISTRAR_IP

[misc]
history_max_size=0
EOF
      cp "$dir/linphonerc" "$dir/linphonerc.as-written"
      # linphonec quits at the end of its standard input: give it one that
      # stays open. -d 6 -l: the full log (SIP messages, keep-alives).
      # shellcheck disable=SC2016
      "$NATLAB" --state "$st" spawn client ua /bin/sh -c \
        'sleep 1000000 | HOME="$1" exec /usr/bin/linphonec -c "$1/linphonerc" -d 6 -l "$1/linphonec.log"' \
        sh "$dir" >/dev/null || return 1
      wait_for "$dir/linphonec.log" 'to \[LinphoneRegistrationOk\]' 20
      ;;
  esac
}

# status USER [TIMEOUT]: final status of an OPTIONS from the public side
# through Kamailio to USER, or "timeout".
status() {
  "$NATLAB" --state "$ST" probe public sip-request OPTIONS "sip:$1@$REGISTRAR_IP" \
    --proxy "$REGISTRAR_IP:$SIP_PORT" --timeout "${2:-3}" 2>/dev/null | tail -n 1
}

# counters: "OUT_PACKETS OUT_BYTES IN_PACKETS IN_BYTES" of the natbench table.
counters() {
  local name out=''
  for name in ka_out ka_in; do
    out="$out $("$NATLAB" --state "$ST" exec nat1 nft list counter ip natbench "$name" |
                 awk '/packets/ { print $2, $4 }')"
  done
  # shellcheck disable=SC2086  # (trims the leading space)
  echo $out
}

# one_round REGISTRAR CLIENT ROUND: prints one result line (key=value ...).
one_round() {
  local mode=$1 c=$2 r=$3 user reach0 reach1 recovery start c0 window what
  user=$(client_user "$c")
  what="$c ($mode registrar) round $r"
  ST=$WORK/$mode-$c-$r
  mkdir -p "$ST"
  if ! "$NATLAB" --state "$ST" up cone --owner $$ \
         --prefix "snb$$$(registrar_tag "$mode")$(client_tag "$c")$r" >"$ST/up.out" 2>&1; then
    log "$what: lab up failed: $(tail -n 3 "$ST/up.out")"
    echo "round=$r error=lab"
    return
  fi
  # shellcheck disable=SC1091
  . "$ST/natlab.env"
  local kam_args=()
  [ "$mode" = stock ] && kam_args=(--no-stun)
  if [ "$mode" = nat-aware ]; then
    write_nat_aware_template "$ST/kamailio-nat-aware.cfg.in"
    kam_args=(--template "$ST/kamailio-nat-aware.cfg.in")
  fi
  if ! "$NATLAB" --state "$ST" start-kamailio "${kam_args[@]}" >"$ST/kamailio.out" 2>&1 ||
     ! "$NATLAB" --state "$ST" start-coturn >"$ST/coturn.out" 2>&1; then
    log "$what: servers failed: $(tail -n 3 "$ST"/kamailio.out "$ST"/coturn.out)"
    echo "round=$r error=servers"
    "$NATLAB" --state "$ST" down >/dev/null 2>&1
    return
  fi

  if ! client_start "$c" "$ST"; then
    log "$what: not registered within 20 s (log: $ST/ua.log)"
    echo "round=$r error=register"
    "$NATLAB" --state "$ST" down >/dev/null 2>&1
    return
  fi
  reach0=$(status "$user" 3)
  log "$what: registered; OPTIONS from the public side: $reach0"

  # Keep-alive traffic: counted after a short settling time, over IDLE s,
  # after the natlab chain (priority filter) has dropped what it drops.
  sleep "$SETTLE"
  "$NATLAB" --state "$ST" exec nat1 nft -f - <<EOF
table ip natbench {
  counter ka_out {}
  counter ka_in {}
  chain forward {
    type filter hook forward priority filter + 10; policy accept;
    ip saddr $CLIENT_IP counter name ka_out
    ip daddr $CLIENT_IP counter name ka_in
  }
}
EOF
  start=$(now)
  sleep "$IDLE"
  c0=$(counters)
  window=$(since "$start")
  "$NATLAB" --state "$ST" exec nat1 nft delete table ip natbench
  # shellcheck disable=SC2086
  set -- $c0
  log "$what: ${window} s idle: out $1 packets $2 bytes, in $3 packets $4 bytes"

  reach1=$(status "$user" 3)
  log "$what: after ${IDLE} s idle, OPTIONS from the public side: $reach1"

  if [ "$reach0" != 200 ] && [ "$reach1" != 200 ]; then
    recovery=unreachable
    log "$what: never reachable, no rebind measured"
  else
    "$NATLAB" --state "$ST" rebind >/dev/null
    # shellcheck disable=SC1091
    . "$ST/natlab.env"
    start=$(now)
    recovery=never
    while awk -v t="$(since "$start")" -v l="$LIMIT" 'BEGIN { exit !(t < l) }'; do
      if [ "$(status "$user" 0.5)" = 200 ]; then
        recovery=$(since "$start")
        break
      fi
      sleep 0.25
    done
    log "$what: rebind to $NAT_WAN_IP: reachable again after: $recovery$([ "$recovery" = never ] || echo " s")"
  fi
  echo "round=$r reach0=$reach0 reach1=$reach1 window=$window out_packets=$1 out_bytes=$2 in_packets=$3 in_bytes=$4 recovery=$recovery"

  "$NATLAB" --state "$ST" stop ua >/dev/null 2>&1
  "$NATLAB" --state "$ST" down >/dev/null 2>&1
}

# run_client REGISTRAR CLIENT: every round, into $WORK/REGISTRAR-CLIENT.results
run_client() {
  local mode=$1 c=$2 r
  for ((r = 1; r <= ROUNDS; r++)); do
    one_round "$mode" "$c" "$r"
  done > "$WORK/$mode-$c.results"
}

log "registrar(s): $REGISTRARS; clients: $CLIENTS; $ROUNDS round(s) each; idle window ${IDLE} s; recovery limit ${LIMIT} s; $([ "$PARALLEL" = 1 ] && echo "all in parallel, one lab each" || echo "one after the other")"
if [ "$PARALLEL" = 1 ]; then
  set -m   # every worker in its own process group, so that cleanup can stop it whole
  for mode in $REGISTRARS; do
    for c in $CLIENTS; do
      run_client "$mode" "$c" &
      CHILDREN+=("$!")
    done
  done
  set +m
  for pid in "${CHILDREN[@]}"; do
    wait "$pid"
  done
  CHILDREN=()
else
  for mode in $REGISTRARS; do
    for c in $CLIENTS; do
      run_client "$mode" "$c"
    done
  done
fi

# ------------------------------------------------------------------ report

{
  for mode in $REGISTRARS; do
    printf 'registrar=%s description=%s\n' "$mode" "$(registrar_description "$mode" | tr ' ' '~')"
    for c in $CLIENTS; do
      printf 'registrar=%s client=%s version=%s\n' "$mode" "$c" "$(client_version "$c" | tr ' ' '~')"
      printf 'registrar=%s client=%s settings=%s\n' "$mode" "$c" "$(client_settings "$c" | tr ' ' '~')"
      sed "s/^/registrar=$mode client=$c /" "$WORK/$mode-$c.results"
    done
  done
} > "$WORK/all.results"

python3 - "$WORK/all.results" "$JSON" "$COMMIT" "$ROUNDS" "$IDLE" "$LIMIT" "$KEEPALIVE" "$LIBRARY_BUILT" "$SETTLE" <<'PY'
import json
import statistics
import sys
import time

path, as_json, commit, rounds, idle, limit, keepalive, library_built, settle = sys.argv[1:]
INF = float("inf")

registrars = {}   # mode -> {"description":..., "clients": {c: {...}}}
for line in open(path):
    fields = dict(f.split("=", 1) for f in line.split())
    mode = fields.pop("registrar")
    reg = registrars.setdefault(mode, {"registrar": mode, "clients": {}})
    if "description" in fields:
        reg["description"] = fields["description"].replace("~", " ")
        continue
    c = fields.pop("client")
    d = reg["clients"].setdefault(c, {"client": c, "rounds": []})
    if "version" in fields:
        d["version"] = fields["version"].replace("~", " ")
    elif "settings" in fields:
        d["settings"] = fields["settings"].replace("~", " ")
    else:
        fields["round"] = int(fields["round"])
        for k in ("out_packets", "out_bytes", "in_packets", "in_bytes"):
            if k in fields:
                fields[k] = int(fields[k])
        if "window" in fields:
            fields["window"] = float(fields["window"])
        rec = fields.get("recovery")
        if rec not in (None, "never", "unreachable"):
            fields["recovery"] = float(rec)
        d["rounds"].append(fields)

def rec_value(r):
    v = r.get("recovery")
    return v if isinstance(v, float) else INF   # never / unreachable

for reg in registrars.values():
    for d in reg["clients"].values():
        rs = [r for r in d["rounds"] if "error" not in r]
        d["errors"] = [r["error"] for r in d["rounds"] if "error" in r]
        d["recovery_median_s"] = None
        for k in ("keepalive_bytes_per_hour", "keepalive_out_bytes_per_hour",
                  "keepalive_in_bytes_per_hour"):
            d[k] = None
        if not rs:
            d["recovery"] = "error"
            continue
        med = statistics.median([rec_value(r) for r in rs])
        if med != INF:
            d["recovery_median_s"] = round(med, 2)
            d["recovery"] = f"{med:.2f} s"
        elif all(r.get("recovery") == "unreachable" for r in rs):
            d["recovery"] = "never: not reachable even before the rebind"
        else:
            d["recovery"] = f"never (> {limit} s)"
        d["recovery_each"] = [r.get("recovery") for r in rs]
        d["reachable_after_register"] = [r.get("reach0") for r in rs]
        d["reachable_after_idle"] = [r.get("reach1") for r in rs]
        for k in ("out", "in"):
            d[f"keepalive_{k}_bytes_per_hour"] = round(statistics.median(
                [r[f"{k}_bytes"] * 3600.0 / r["window"] for r in rs]))
            d[f"keepalive_{k}_packets_per_hour"] = round(statistics.median(
                [r[f"{k}_packets"] * 3600.0 / r["window"] for r in rs]))
        d["keepalive_bytes_per_hour"] = round(statistics.median(
            [(r["out_bytes"] + r["in_bytes"]) * 3600.0 / r["window"] for r in rs]))

    base = reg["clients"].get("libsipnat")
    for d in reg["clients"].values():
        d["recovery_ratio"] = None
        d["keepalive_bytes_ratio"] = None
        if base is None:
            continue
        br, cr = base["recovery_median_s"], d["recovery_median_s"]
        if br:
            if cr is not None:
                d["recovery_ratio"] = round(cr / br, 2)
            elif d["recovery"] != "error":
                d["recovery_ratio"] = "inf"
        bk, ck = base["keepalive_bytes_per_hour"], d["keepalive_bytes_per_hour"]
        if bk and ck is not None:
            d["keepalive_bytes_ratio"] = round(ck / bk, 3)

meta = {
    "date": time.strftime("%Y-%m-%d"),
    "commit": commit,
    "topology": "cone (masquerade persistent), default UDP timeouts 30/120 s",
    "rounds": int(rounds),
    "idle_window_s": int(idle),
    "recovery_limit_s": int(limit),
    "keepalive_interval_s": int(keepalive),
    "libsipnat_library_built": library_built,
}

if as_json == "1":
    out = {"meta": meta, "registrars": []}
    for reg in registrars.values():
        out["registrars"].append({"registrar": reg["registrar"],
                                  "description": reg.get("description", ""),
                                  "clients": list(reg["clients"].values())})
    print(json.dumps(out, indent=2))
    sys.exit(0)

def fmt_ratio(v, digits=2):
    if v is None:
        return "–"
    if v == "inf":
        return "∞"
    return f"{v:.{digits}f}×"

def kb(v):
    return "–" if v is None else f"{v / 1000:.1f}"

print(f"{meta['date']}, commit {commit} (libsipnat library built {library_built}); `cone` lab, default UDP timeouts (30/120 s); "
      f"{rounds} round(s) per client, medians; keep-alive: IP bytes (headers included) "
      f"through the home router in {idle} s idle from {settle} s after registering, × 3600/{idle}; recovery: probed every "
      f"0.25 s, limit {limit} s.")
for reg in registrars.values():
    print(f"\n### Registrar: {reg['registrar']} ({reg.get('description', '')})\n")
    print("| client | median recovery after rebind | ratio vs libsipnat | keep-alive kB/hour, out + in | ratio vs libsipnat | NAT settings |")
    print("|---|---|---:|---|---:|---|")
    for d in reg["clients"].values():
        ka = d["keepalive_bytes_per_hour"]
        ka_txt = "–" if ka is None else (
            f"{kb(ka)} = {kb(d['keepalive_out_bytes_per_hour'])} + "
            f"{kb(d['keepalive_in_bytes_per_hour'])} "
            f"({d['keepalive_out_packets_per_hour']} + {d['keepalive_in_packets_per_hour']} packets/h)")
        print(f"| {d.get('version', d['client'])} | {d['recovery']} | {fmt_ratio(d['recovery_ratio'])} | "
              f"{ka_txt} | {fmt_ratio(d['keepalive_bytes_ratio'], 3)} | {d.get('settings', '')} |")
    print("\nEvery round: recovery; OPTIONS status right after registering / after the idle "
          "window; packets and IP bytes out / in during the window.\n")
    for d in reg["clients"].values():
        for r in d["rounds"]:
            if "error" in r:
                print(f"* {d['client']} round {r['round']}: error ({r['error']})")
                continue
            rec = r["recovery"]
            rec = f"{rec:.2f} s" if isinstance(rec, float) else rec
            print(f"* {d['client']} round {r['round']}: {rec}; {r['reach0']} / {r['reach1']}; "
                  f"{r['out_packets']} packets {r['out_bytes']} B out, {r['in_packets']} packets "
                  f"{r['in_bytes']} B in, {r['window']:.1f} s")
PY
