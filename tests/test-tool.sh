#!/bin/bash
# test-tool.sh: the `sipnat register` program against a real Kamailio.
# Usage (meson sets these): SIPNAT_TOOL=path SIPNAT_TEST_KAMAILIO=path test-tool.sh
set -u

tool=${SIPNAT_TOOL:?}
helper=${SIPNAT_TEST_KAMAILIO:?}
work=$(mktemp -d)
n=0
failed=0

cleanup () {
  # Closing the helper's stdin stops Kamailio (by its PID).
  [ -n "${K_PID:-}" ] && { exec {K[1]}>&- ; wait "$K_PID" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT

ok () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; failed=1; fi
}

ask () {   # ask COMMAND: one line back from the helper
  echo "$1" >&"${K[1]}"
  local line
  read -r -t 10 line <&"${K[0]}"
  echo "$line"
}

coproc K ("$helper" --auth)
K_PID=$K_PID
read -r -t 15 first <&"${K[0]}"
case "$first" in
  PORT*) port=${first#PORT } ;;
  SKIP*)
    if [ -n "${SIPNAT_REQUIRE_NETNS:-}" ]; then echo "1..1"; echo "not ok 1 - $first"; exit 1; fi
    echo "1..0 # SKIP ${first#SKIP }"; exit 0 ;;
  *) echo "1..1"; echo "not ok 1 - registrar did not start: $first"; exit 1 ;;
esac

echo "1..9"

write_config () {   # write_config FILE PASSWORD
  cat > "$1" <<EOF
[policy.endpoint]
local_address = 127.0.0.1

[proxies.proxy0]
server = 127.0.0.1:$port
user = alice
password = $2
reg_timeout = 60
EOF
}

# 1-3: a clean run with --for, JSON lines
write_config "$work/good.conf" alicepw
"$tool" register --config "$work/good.conf" --json --for 1 >"$work/out.json" 2>"$work/err"
ok $? "a clean run exits 0"
grep -q '"event":"state","registration":"proxy0","state":"registered","reason":"200 OK"' "$work/out.json"
ok $? "JSON lines report the registered state"
grep -q '"event":"public-binding-changed","registration":"proxy0","old":null,"new":"127.0.0.1:' "$work/out.json"
ok $? "JSON lines report the public binding, old null the first time"

# 4: unregistered on exit
contacts=$(ask "contacts alice")
[ "$contacts" = "CONTACTS" ]
ok $? "the contact is removed when the program ends (got: $contacts)"

# 5-6: wrong password: exit 1, the error on stderr
write_config "$work/bad.conf" wrong
"$tool" register --config "$work/bad.conf" --for 5 >"$work/out.txt" 2>"$work/err"
[ $? -eq 1 ]
ok $? "a wrong password exits 1"
grep -q "Authentication failed" "$work/err"
ok $? "the error message is on stderr"

# 7: a bad configuration file names the file and the line
printf '[proxies.proxy0]\nserver = 127.0.0.1\ntransport = carrier-pigeon\n' >"$work/broken.conf"
"$tool" register --config "$work/broken.conf" >/dev/null 2>"$work/err"
[ $? -eq 1 ] && grep -q "broken.conf:3" "$work/err"
ok $? "a bad configuration exits 1 naming file and line"

# 8-9: SIGTERM unregisters cleanly
"$tool" register --config "$work/good.conf" >"$work/term.txt" 2>&1 &
tool_pid=$!
# Waits for the registration (up to 15 s on a busy machine), not a fixed time.
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

exit $failed
