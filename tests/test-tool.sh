#!/bin/bash
# test-tool.sh: the `sipnat` program: usage, exit codes, JSON output, the
# bounded end, its manual page; against small Python registrars on
# loopback and against a real Kamailio (registrations, and calls between
# `sipnat call` and `sipnat answer`).
# Usage (meson sets these): SIPNAT_TOOL=path SIPNAT_TEST_KAMAILIO=path
#   SIPNAT_PYTHON=path SIPNAT_SOURCE_ROOT=path test-tool.sh
set -u

tool=${SIPNAT_TOOL:?}
helper=${SIPNAT_TEST_KAMAILIO:?}
python=${SIPNAT_PYTHON:-python3}
root=${SIPNAT_SOURCE_ROOT:-$(dirname "$0")/..}
man=$root/doc/sipnat.1
work=$(mktemp -d)
n=0
failed=0
fake_pids=()

# How long the tool waits for its un-REGISTERs (CLOSE_DEADLINE_SECONDS in
# tools/sipnat-tool.h); an end is late after --for + this + some slack.
deadline=$(sed -n 's/^#define CLOSE_DEADLINE_SECONDS \([0-9]*\)$/\1/p' "$root/tools/sipnat-tool.h")
slack=3

cleanup () {
  [ -n "${answer_pid:-}" ] && { kill "$answer_pid" 2>/dev/null; wait "$answer_pid" 2>/dev/null; }
  # Closing the helper's stdin stops Kamailio (by its PID).
  [ -n "${K_PID:-}" ] && { exec {K[1]}>&- ; wait "$K_PID" 2>/dev/null; }
  for pid in "${fake_pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

ok () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

skip () {
  n=$((n + 1))
  echo "ok $n # SKIP $1"
}

now_ms () {
  echo $(($(date +%s%N) / 1000000))
}

# ---------------------------------------------------------------------------
# Helpers in Python: a registrar on a UDP port of 127.0.0.1 that misbehaves
# as told, and a checker of the JSON lines.

cat >"$work/fake-registrar.py" <<'EOF'
# fake-registrar.py MODE: prints its port, then serves REGISTERs:
#   silent   never answers
#   keep     answers REGISTER with 200, ignores every un-REGISTER
#   nat      answers every REGISTER with 200, Via received=192.0.2.1 rport=5060
#   badutf8  answers every REGISTER with 403 and a reason phrase of invalid UTF-8
import re, socket, sys

mode = sys.argv[1]
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)

KEEP = re.compile(rb"(via|v|from|f|to|t|call-id|i|cseq|contact|m)\s*:", re.I)

while True:
    data, peer = sock.recvfrom(65535)
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    if mode == "silent" or not head[0].startswith(b"REGISTER"):
        continue
    if mode == "keep" and re.search(rb"expires\s*[=:]\s*0\b", data, re.I):
        continue
    keep = [h for h in head[1:] if KEEP.match(h)]
    if mode == "nat":
        first = next(i for i, h in enumerate(keep) if re.match(rb"(via|v)\s*:", h, re.I))
        keep[first] = re.sub(rb";rport(=\d*)?", b"", keep[first]) + b";received=192.0.2.1;rport=5060"
    status = b"403 Forbidd\xff\xfeen \xc3" if mode == "badutf8" else b"200 OK"
    reply = b"SIP/2.0 " + status + b"\r\n" + b"\r\n".join(keep) + \
        b"\r\nExpires: 60\r\nContent-Length: 0\r\n\r\n"
    sock.sendto(reply, peer)
EOF

cat >"$work/check.py" <<'EOF'
# check.py valid FILE
#   every line is a JSON object in strict UTF-8, with the members of
#   doc/sipnat.1 typed as documented, and a registration in every event
#   about one
# check.py has FILE EVENT [KEY=JSON]...
#   some line is EVENT with these members (JSON values, compared with type)
# check.py keys FILE EVENT KEY...
#   some line is EVENT and has all these members (null counts)
# check.py last-above FILE EVENT KEY MIN
#   the last line of EVENT has the number KEY above MIN
import json, sys

TYPES = {
    "time": str, "event": str, "registration": str,
    "local-address": str, "local-port": int, "registrations": int,
    "uri": (str, type(None)), "state": str, "reason": (str, type(None)),
    "old": (str, type(None)), "new": str, "nat-detected": bool,
    "message": str, "code": (str, type(None)), "fatal": bool,
    "seconds": int, "signal": str, "exit-status": int,
    "status-code": (int, type(None)), "remote-uri": str,
    "local-type": str, "remote-type": str, "remote-address": str,
    "transport": str, "relay-server": (str, type(None)),
    "rtp-sent": int, "rtp-received": int, "bytes-sent": int, "bytes-received": int,
    "connect-time-ms": (int, type(None)), "first-rtp-ms": (int, type(None)),
}
ABOUT_ONE = {"contact", "state", "public-binding-changed", "nat-detected",
             "not-registered", "not-removed",
             "call-state", "selected-pair", "media-stats", "call-error"}
CHOICES = {
    ("call-state", "state"): {"calling", "ringing", "answering", "connecting",
                              "active", "ended"},
    ("selected-pair", "local-type"): {"host", "srflx", "prflx", "relay"},
    ("selected-pair", "remote-type"): {"host", "srflx", "prflx", "relay"},
    ("selected-pair", "transport"): {"udp", "tcp", "tls"},
}

def events(path):
    with open(path, "rb") as f:
        for raw in f:
            yield json.loads(raw.decode("utf-8"))

def valid(path):
    count = 0
    for ev in events(path):
        count += 1
        assert isinstance(ev, dict), ev
        for key, value in ev.items():
            assert key in TYPES, "unknown member %r in %r" % (key, ev)
            # bool is an int in Python: compare the exact type
            assert type(value) in (TYPES[key] if isinstance(TYPES[key], tuple)
                                   else (TYPES[key],)), "%s is %r in %r" % (key, value, ev)
        if ev["event"] in ABOUT_ONE:
            assert ev.get("registration"), "no registration in %r" % ev
        for (event, key), values in CHOICES.items():
            if ev["event"] == event:
                assert ev[key] in values, "%s is %r in %r" % (key, ev[key], ev)
    assert count > 0, "no event"

def has(path, event, *pairs):
    want = {"event": event}
    for pair in pairs:
        key, value = pair.split("=", 1)
        want[key] = json.loads(value)
    for ev in events(path):
        if all(k in ev and type(ev[k]) is type(v) and ev[k] == v for k, v in want.items()):
            return
    raise AssertionError("no line with %r" % want)

def keys(path, event, *names):
    for ev in events(path):
        if ev["event"] == event and all(k in ev for k in names):
            return
    raise AssertionError("no %s line with all of %s" % (event, " ".join(names)))

def last_above(path, event, key, minimum):
    last = None
    for ev in events(path):
        if ev["event"] == event:
            last = ev
    assert last is not None, "no %s line" % event
    assert type(last[key]) is int and last[key] > int(minimum), \
        "the last %s has %s %r, not above %s" % (event, key, last[key], minimum)

try:
    {"valid": valid, "has": has, "keys": keys,
     "last-above": last_above}[sys.argv[1]](*sys.argv[2:])
except Exception as e:
    print("check.py %s: %s" % (" ".join(sys.argv[1:3]), e), file=sys.stderr)
    sys.exit(1)
EOF

check () {   # check valid|has FILE ...: the checker's complaint goes to the log
  "$python" "$work/check.py" "$@" >&2
}

# start_fake MODE: a fake registrar; sets fake_port
start_fake () {
  "$python" "$work/fake-registrar.py" "$1" >"$work/fake-$1.port" &
  fake_pids+=($!)
  fake_port=
  for _ in $(seq 100); do
    read -r fake_port <"$work/fake-$1.port" && [ -n "$fake_port" ] && return 0
    sleep 0.05
  done
  echo "# fake registrar $1 did not start" >&2
  return 1
}

write_config () {   # write_config FILE PORT PASSWORD [USER [ICE]]
  cat > "$1" <<EOF
[policy.endpoint]
local_address = 127.0.0.1

[proxies.proxy0]
server = 127.0.0.1:$2
transport = udp
user = ${4:-alice}
password = $3
reg_timeout = 60
EOF
  [ -z "${5:-}" ] || printf '\n[proxies.proxy0.nat]\nice_enabled = %s\n' "$5" >>"$1"
}

# ---------------------------------------------------------------------------
# Usage and configuration errors

"$tool" --help >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && grep -q "^Usage: sipnat COMMAND" "$work/out" && [ ! -s "$work/err" ]
ok $? "sipnat --help prints the usage on stdout and exits 0 (rc $rc)"

"$tool" register --help >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && grep -q "sipnat register \[OPTION" "$work/out" && grep -q -- "--for" "$work/out"
ok $? "sipnat register --help names 'sipnat register' on stdout and exits 0 (rc $rc)"

"$tool" >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^Usage" "$work/err"
ok $? "no command: usage on stderr, exit 2 (rc $rc)"

for args in "frobnicate" "register --frobnicate" "register" "register --config x.conf extra" \
            "call --config x.conf" "call sip:bob@127.0.0.1" "call a b --config x.conf" \
            "answer --config x.conf extra" "answer" "call sip:b@h --config x.conf --audio="; do
  # shellcheck disable=SC2086
  "$tool" $args >/dev/null 2>"$work/err"
  rc=$?
  [ $rc -eq 2 ] && [ -s "$work/err" ]
  ok $? "usage error '$args' exits 2 with a message (rc $rc)"
done

write_config "$work/unused.conf" 9 pw
for command in register "call sip:bob@127.0.0.1" answer; do
  for value in "--for -1" "--for=-30"; do
    # shellcheck disable=SC2086
    "$tool" $command --config "$work/unused.conf" $value >"$work/out" 2>"$work/err"
    rc=$?
    [ $rc -eq 2 ] && grep -q -- "--for" "$work/err" && [ ! -s "$work/out" ]
    ok $? "$command: a negative --for ($value) is rejected with exit 2 (rc $rc)"
  done
done

"$tool" call --help >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 0 ] && grep -q "sipnat call \[OPTION.*URI" "$work/out" && grep -q -- "--audio" "$work/out"
ok $? "sipnat call --help names 'sipnat call' and --audio on stdout and exits 0 (rc $rc)"

# A malformed URI is a usage error found before any traffic (the
# configuration points at the discard port).
for uri in 'sip:bob@127.0.0.1>' 'sip:b ob@127.0.0.1' 'sip:bob@127.0.0.1?X-Injected=1'; do
  "$tool" call "$uri" --config "$work/unused.conf" --json --for 1 >"$work/out" 2>"$work/err"
  rc=$?
  [ $rc -eq 2 ] && [ ! -s "$work/out" ] && grep -q "^sipnat call: " "$work/err"
  ok $? "sipnat call '$uri': a malformed URI exits 2 with a message (rc $rc)"
done

: >"$work/empty.conf"
"$tool" register --config "$work/empty.conf" --json --for 1 >"$work/out" 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "empty.conf: no registration" "$work/err" && [ ! -s "$work/out" ]
ok $? "an empty configuration exits 2 saying there is no registration (rc $rc)"

printf '[policy.endpoint]\nlocal_address = 127.0.0.1\n' >"$work/noproxy.conf"
"$tool" register --config "$work/noproxy.conf" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "no registration" "$work/err"
ok $? "a configuration without a proxy section exits 2 (rc $rc)"

printf '[proxies.proxy0]\nserver = 127.0.0.1\ntransport = carrier-pigeon\n' >"$work/broken.conf"
"$tool" register --config "$work/broken.conf" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "broken.conf:3" "$work/err"
ok $? "a bad configuration exits 2 naming file and line (rc $rc)"

"$tool" register --config "$work/missing.conf" >/dev/null 2>"$work/err"
rc=$?
[ $rc -eq 2 ] && grep -q "missing.conf" "$work/err"
ok $? "a missing configuration file exits 2 (rc $rc)"

# ---------------------------------------------------------------------------
# The manual page documents every event the program prints

tool_events=$(sed -n 's/.*event_begin ([a-z]*, "\([a-z-]*\)".*/\1/p' "$root"/tools/*.c | sort -u)
man_events=$(sed -n '/^\.SH EVENTS/,/^\.SH /{/^\.TP/{n;s/^\.B //;s/\\-/-/g;p}}' "$man" | sort -u)
[ "$(echo "$tool_events" | wc -l)" -ge 10 ] && [ "$tool_events" = "$man_events" ]
ok $? "sipnat(1) EVENTS lists exactly the events of tools/*.c (${tool_events//$'\n'/ })"

grep -q "at most $deadline seconds" "$man" && grep -q "within $deadline seconds" "$man"
ok $? "sipnat(1) gives the close deadline of tools/sipnat-tool.h ($deadline s)"

missing=
for member in $(sed -n 's/.*event_\(string\|number\|number_or_null\|bool\) (&ev, "\([a-z-]*\)".*/\2/p' \
                  "$root"/tools/*.c | sort -u); do
  grep -q "^\.B ${member//-/\\\\-}$" "$man" || missing="$missing $member"
done
[ -z "$missing" ]
ok $? "sipnat(1) documents every member of the events${missing:+ (missing:$missing)}"

if command -v groff >/dev/null; then
  warnings=$(groff -man -ww -z "$man" 2>&1)
  [ -z "$warnings" ]
  ok $? "sipnat(1) formats without warnings $warnings"
else
  skip "groff is not installed"
fi

# ---------------------------------------------------------------------------
# Misbehaving registrars

# A registrar that never answers: --for ends the run within the deadline.
start_fake silent
write_config "$work/silent.conf" "$fake_port" pw
start=$(now_ms)
"$tool" register --config "$work/silent.conf" --json --for 1 >"$work/silent.json" 2>"$work/err"
rc=$?
took=$(($(now_ms) - start))
[ $rc -eq 1 ] && [ $took -lt $(((1 + deadline + slack) * 1000)) ]
ok $? "a registrar that never answers: exit 1 in $took ms (--for 1, deadline $deadline s)"
check valid "$work/silent.json" &&
  check has "$work/silent.json" not-registered 'registration="proxy0"' 'state="registering"' &&
  check has "$work/silent.json" not-removed 'registration="proxy0"' &&
  check has "$work/silent.json" closed 'exit-status=1' &&
  grep -q "proxy0: may still be registered" "$work/err"
ok $? "it reports proxy0 as not registered and not removed, in valid JSON"

# A second signal stops waiting for the un-REGISTER.
"$tool" register --config "$work/silent.conf" --json >"$work/twice.json" 2>/dev/null &
tool_pid=$!
for _ in $(seq 100); do grep -q '"state":"registering"' "$work/twice.json" && break; sleep 0.05; done
kill -INT "$tool_pid"
for _ in $(seq 100); do grep -q '"state":"unregistering"' "$work/twice.json" && break; sleep 0.05; done
start=$(now_ms)
kill -INT "$tool_pid"
wait "$tool_pid"
rc=$?
took=$(($(now_ms) - start))
[ $rc -eq 1 ] && [ $took -lt 2500 ] &&
  check has "$work/twice.json" signal 'signal="SIGINT"' &&
  check has "$work/twice.json" not-removed 'registration="proxy0"'
ok $? "a second SIGINT ends at once ($took ms), exit 1 (rc $rc)"

# A registrar that ignores the un-REGISTER.
start_fake keep
write_config "$work/keep.conf" "$fake_port" pw
start=$(now_ms)
"$tool" register --config "$work/keep.conf" --json --for 2 >"$work/keep.json" 2>"$work/err"
rc=$?
took=$(($(now_ms) - start))
[ $rc -eq 1 ] && [ $took -lt $(((2 + deadline + slack) * 1000)) ] &&
  check valid "$work/keep.json" &&
  check has "$work/keep.json" registered-all 'registrations=1' &&
  check has "$work/keep.json" not-removed 'registration="proxy0"' 'state="unregistering"'
ok $? "a registrar that ignores the un-REGISTER: registered, then not-removed, exit 1 in $took ms"

# A registrar behind which we look NATed: typed members, exit 0; and with
# every debug log on, stdout still holds only JSON lines.
start_fake nat
write_config "$work/nat.conf" "$fake_port" pw
G_MESSAGES_DEBUG=all SIPNAT_DEBUG=sip,nat,registration,sofia,config \
  "$tool" register --config "$work/nat.conf" --json --for 2 >"$work/nat.json" 2>"$work/err"
rc=$?
[ $rc -eq 0 ]
ok $? "a registration through a (pretend) NAT, unregistered at the end: exit 0 (rc $rc)"
check valid "$work/nat.json" &&
  check has "$work/nat.json" nat-detected 'registration="proxy0"' 'nat-detected=true' &&
  check has "$work/nat.json" public-binding-changed 'registration="proxy0"' \
    'new="192.0.2.1:5060/udp"' &&
  check has "$work/nat.json" state 'registration="proxy0"' 'state="unregistered"' &&
  check has "$work/nat.json" closed 'exit-status=0'
ok $? "JSON members are typed: \"nat-detected\":true, numbers as numbers"
grep -q "Sipnat-DEBUG" "$work/err" && ! grep -qv '^{' "$work/nat.json"
ok $? "with G_MESSAGES_DEBUG=all the debug lines go to stderr, stdout is only JSON"

# A reason phrase of invalid UTF-8 still gives valid JSON.
start_fake badutf8
write_config "$work/bad8.conf" "$fake_port" pw
"$tool" register --config "$work/bad8.conf" --json --for 5 >"$work/bad8.json" 2>"$work/err"
rc=$?
[ $rc -eq 1 ] && check valid "$work/bad8.json" &&
  check has "$work/bad8.json" error 'registration="proxy0"' 'fatal=true'
ok $? "a reason phrase of invalid UTF-8: valid JSON, the error names proxy0, exit 1 (rc $rc)"

# ---------------------------------------------------------------------------
# Against a real Kamailio

ask () {   # ask COMMAND: one line back from the helper
  echo "$1" >&"${K[1]}"
  local line
  read -r -t 10 line <&"${K[0]}"
  echo "$line"
}

kamailio_tests () {
  write_config "$work/good.conf" "$port" alicepw
  "$tool" register --config "$work/good.conf" --json --for 2 >"$work/out.json" 2>"$work/err"
  ok $? "a clean run exits 0"
  grep -q '"event":"state","registration":"proxy0","state":"registered","reason":"200 OK"' "$work/out.json"
  ok $? "JSON lines report the registered state"
  grep -q '"event":"public-binding-changed","registration":"proxy0","old":null,"new":"127.0.0.1:' "$work/out.json"
  ok $? "JSON lines report the public binding, old null the first time"
  check valid "$work/out.json" &&
    check has "$work/out.json" started 'local-address="127.0.0.1"' 'registrations=1' &&
    check has "$work/out.json" time-up 'seconds=2' &&
    check has "$work/out.json" closed 'exit-status=0'
  ok $? "JSON lines are typed and every registration event names proxy0"

  contacts=$(ask "contacts alice")
  [ "$contacts" = "CONTACTS" ]
  ok $? "the contact is removed when the program ends (got: $contacts)"

  # A wrong password: exit 1, the error on stderr and in an event naming proxy0
  write_config "$work/bad.conf" "$port" wrong
  "$tool" register --config "$work/bad.conf" --for 5 >"$work/out.txt" 2>"$work/err"
  [ $? -eq 1 ]
  ok $? "a wrong password exits 1"
  grep -qi "proxy0: .*authentication failed" "$work/err"
  ok $? "the error message is on stderr, naming the registration"
  "$tool" register --config "$work/bad.conf" --json --for 5 >"$work/bad.json" 2>/dev/null
  check has "$work/bad.json" error 'registration="proxy0"' 'code="auth-failed"' 'fatal=true'
  ok $? "the JSON error event names proxy0 and its code"

  # SIGTERM unregisters cleanly
  "$tool" register --config "$work/good.conf" >"$work/term.txt" 2>&1 &
  tool_pid=$!
  for _ in $(seq 150); do grep -q "state=registered" "$work/term.txt" && break; sleep 0.1; done
  registered=$(ask "contacts alice")
  kill -TERM "$tool_pid"
  wait "$tool_pid"
  rc=$?
  [ $rc -eq 0 ] && [[ "$registered" == CONTACTS\ sip:alice@127.0.0.1:* ]]
  ok $? "registered while running ($registered) and exit 0 on SIGTERM (rc $rc)"
  contacts=$(ask "contacts alice")
  [ "$contacts" = "CONTACTS" ] && grep -q "state=unregistered" "$work/term.txt"
  ok $? "SIGTERM unregisters before exiting"

  call_tests 1
  call_tests 0
  call_failure_tests
}

wait_line () {   # wait_line FILE PATTERN: until the line comes (10 s at most)
  for _ in $(seq 200); do grep -q "$2" "$1" && return 0; sleep 0.05; done
  return 1
}

# call_tests ICE: `sipnat answer` for bob, `sipnat call` from alice, both
# with ice_enabled = ICE; alice hangs up 2 s after the call is active.
call_tests () {
  local ice=$1 a=$work/alice-$1 b=$work/bob-$1
  write_config "$a.conf" "$port" alicepw alice "$ice"
  write_config "$b.conf" "$port" bobpw bob "$ice"

  "$tool" answer --config "$b.conf" --json >"$b.json" 2>"$b.err" &
  answer_pid=$!
  wait_line "$b.json" '"event":"registered-all"'
  ok $? "ICE $ice: sipnat answer registers bob"

  # Without ICE, a second caller (carol) must find bob still in the call:
  # alice's lasts long enough for carol's process to start and register
  # on a slow machine (sanitizers, valgrind).
  hold=2
  [ "$ice" = 0 ] && hold=10
  start=$(now_ms)
  "$tool" call sip:bob@127.0.0.1 --config "$a.conf" --json --for "$hold" >"$a.json" 2>"$a.err" &
  call_pid=$!
  # while bob talks to alice, a call from carol gets 486 Busy Here
  if [ "$ice" = 0 ] && wait_line "$b.json" '"event":"call-state".*"state":"active"'; then
    write_config "$work/carol.conf" "$port" carolpw carol 0
    "$tool" call sip:bob@127.0.0.1 --config "$work/carol.conf" --json --for 1 \
      >"$work/busy.json" 2>/dev/null
    rc=$?
    [ $rc -eq 1 ] && check has "$work/busy.json" call-state 'state="ended"' 'status-code=486' &&
      check has "$work/busy.json" call-error 'code="rejected"'
    ok $? "a second call while bob is in a call is rejected with 486, exit 1 (rc $rc)"
  fi
  wait "$call_pid"
  rc=$?
  took=$(($(now_ms) - start))
  [ $rc -eq 0 ]
  ok $? "ICE $ice: sipnat call exits 0 after an active call (rc $rc)"
  # registration, call set-up (a few seconds at most), --for, the end
  [ $took -lt $(((hold + 5 + deadline + slack) * 1000)) ]
  ok $? "ICE $ice: sipnat call --for $hold ends within a bound ($took ms)"

  # bob sees the BYE
  wait_line "$b.json" '"event":"call-state".*"state":"ended"'

  # SIGINT during a call hangs up, unregisters and exits 0 at once
  if [ "$ice" = 1 ]; then
    "$tool" call sip:bob@127.0.0.1 --config "$a.conf" --json --for 60 >"$a-int.json" 2>/dev/null &
    call_pid=$!
    wait_line "$a-int.json" '"event":"call-state".*"state":"active"'
    start=$(now_ms)
    kill -INT "$call_pid"
    wait "$call_pid"
    rc=$?
    took=$(($(now_ms) - start))
    [ $rc -eq 0 ] && [ $took -lt $(((deadline + slack) * 1000)) ] &&
      check has "$a-int.json" signal 'signal="SIGINT"' &&
      check has "$a-int.json" call-state 'state="ended"' 'reason="Hung up"' &&
      check has "$a-int.json" state 'state="unregistered"' &&
      check has "$a-int.json" closed 'exit-status=0'
    ok $? "SIGINT during an active call: hang up, unregister, exit 0 in $took ms (rc $rc)"
  fi

  # SIGTERM ends bob's run: exit 0, a call was active
  kill -TERM "$answer_pid"
  wait "$answer_pid"
  rc=$?
  answer_pid=
  [ $rc -eq 0 ]
  ok $? "ICE $ice: sipnat answer exits 0 on SIGTERM after an active call (rc $rc)"

  for side in "$a" "$b"; do
    who=${side##*/}
    check valid "$side.json" &&
      check has "$side.json" call-state 'registration="proxy0"' 'state="active"' 'status-code=200'
    ok $? "ICE $ice: $who: valid JSON, call-state active"
    check keys "$side.json" selected-pair local-type remote-type local-address remote-address \
      transport relay-server && check has "$side.json" selected-pair 'transport="udp"'
    ok $? "ICE $ice: $who: a selected-pair event with every member"
    check last-above "$side.json" media-stats rtp-received 0 &&
      check last-above "$side.json" media-stats rtp-sent 0 &&
      check has "$side.json" call-state 'state="ended"' &&
      check has "$side.json" closed 'exit-status=0'
    ok $? "ICE $ice: $who: the last media-stats counts RTP both ways; the call ended"
  done
  check has "$a.json" call-state 'state="calling"' 'remote-uri="sip:bob@127.0.0.1"' &&
    check has "$a.json" time-up "seconds=$hold" &&
    check has "$a.json" call-state 'state="ended"' 'reason="Hung up"' &&
    [ "$(grep -c '"state":"active"' "$b.json")" -eq $((1 + ice)) ] &&
    check has "$b.json" call-state 'state="ringing"' &&
    check has "$b.json" call-state 'state="ended"' 'reason="The remote party hung up"'
  ok $? "ICE $ice: alice calls and hangs up after --for, bob sees the hang-up (and only alice's calls are active)"
  [ "$(grep -c '"event":"media-stats"' "$a.json")" -ge 2 ]
  ok $? "ICE $ice: media-stats at least once a second while the call lasts"
}

call_failure_tests () {
  # carol is not registered: Kamailio answers 404
  start=$(now_ms)
  "$tool" call sip:carol@127.0.0.1 --config "$work/good.conf" --json --for 2 \
    >"$work/carol.json" 2>"$work/carol.err"
  rc=$?
  took=$(($(now_ms) - start))
  [ $rc -eq 1 ] && [ $took -lt $(((2 + deadline + slack) * 1000)) ]
  ok $? "a call to a user who is not registered exits 1 in $took ms (rc $rc)"
  check valid "$work/carol.json" &&
    check has "$work/carol.json" call-error 'registration="proxy0"' 'code="rejected"' &&
    check has "$work/carol.json" call-state 'state="ended"' 'status-code=404' &&
    check has "$work/carol.json" closed 'exit-status=1' &&
    grep -q "^sipnat call: .*404" "$work/carol.err"
  ok $? "it prints call-error (rejected) and the 404, and says so on stderr"

  # answer --for without any call
  "$tool" answer --config "$work/good.conf" --for 1 >"$work/nocall.txt" 2>"$work/nocall.err"
  rc=$?
  [ $rc -eq 1 ] && grep -q "no call" "$work/nocall.err" && grep -q "closed exit-status=1" "$work/nocall.txt"
  ok $? "sipnat answer --for 1 without a call exits 1 saying 'no call' (rc $rc)"
}

coproc K ("$helper" --auth)
K_PID=$K_PID
read -r -t 15 first <&"${K[0]}"
case "$first" in
  PORT*) port=${first#PORT }; kamailio_tests ;;
  SKIP*)
    if [ -n "${SIPNAT_REQUIRE_NETNS:-}" ]; then ok 1 "$first"; else skip "${first#SKIP }"; fi ;;
  *) ok 1 "registrar did not start: $first" ;;
esac

echo "1..$n"
exit $failed
