#!/bin/bash
# Builds libsipnat and runs its whole test suite (README's test command):
#   1. every suite (unit, integration, gi, nat) in a normal build;
#   2. the unit and integration suites again under valgrind;
#   3. the same under AddressSanitizer and UndefinedBehaviorSanitizer.
#   4. each libFuzzer target (fuzz/) for 20 s, where clang is installed
#      (the corpora are replayed in step 1 in any case).
# Usage: bash tests/run.sh [--quick]   (--quick: step 1 only)
set -uo pipefail
cd "$(dirname "$0")/.."

builddir=${SIPNAT_BUILDDIR:-_build}
asandir=${SIPNAT_ASAN_BUILDDIR:-_asan}
quick=0
[ "${1:-}" = "--quick" ] && quick=1

configure () {
  local dir=$1; shift
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$@" "$dir" >/dev/null
  else
    meson setup "$@" "$dir" >/dev/null
  fi
}

status=0
logs=()

run_suites () {
  local dir=$1; shift
  meson test -C "$dir" --print-errorlogs "$@" || status=1
}

set -e
configure "$builddir" -Ddocs=true
meson compile -C "$builddir"
set +e

run_suites "$builddir"
logs+=("$builddir/meson-logs/testlog.json")

if [ "$quick" -eq 0 ]; then
  run_suites "$builddir" --setup valgrind --suite unit --suite integration --no-suite script --no-rebuild
  logs+=("$builddir/meson-logs/testlog-valgrind.json")

  if configure "$asandir" -Db_sanitize=address,undefined -Dintrospection=disabled &&
     meson compile -C "$asandir" >/dev/null; then
    run_suites "$asandir" --setup asan --suite unit --suite integration
    logs+=("$asandir/meson-logs/testlog-asan.json")
  else
    echo "tests/run.sh: the AddressSanitizer build failed" >&2
    status=1
  fi

  bash fuzz/run.sh "${SIPNAT_FUZZ_SECONDS:-20}"
  case $? in
    0) ;;
    77) echo "tests/run.sh: fuzzing skipped (no clang with libFuzzer)" >&2
        # CI installs clang (.ci/install-deps): there a skip is a failure.
        [ -n "${SIPNAT_REQUIRE_NETNS:-}" ] && status=1 ;;
    *) status=1 ;;
  esac
fi

# A closing line that any CI reader understands.
python3 - "${logs[@]}" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
for path in sys.argv[1:]:
    with open(path) as log:
        for line in log:
            result = json.loads(line)["result"]
            if result in ("OK", "EXPECTEDFAIL"):
                counts["OK"] += 1
            elif result == "SKIP":
                counts["SKIP"] += 1
            else:
                counts["FAIL"] += 1
print(f"{counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
PY
exit "$status"
