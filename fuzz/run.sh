#!/bin/bash
# Builds the libFuzzer targets with clang, AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs each for a fixed time, starting from
# its corpus in fuzz/corpus/TARGET/. New inputs that libFuzzer finds go to
# a scratch directory, not into the repository; a crash leaves its input in
# $SIPNAT_FUZZ_BUILDDIR/artifacts/ and fails the run (add that input to the
# corpus with the fix, as a regression test).
#
# Usage: bash fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]
#   SECONDS-PER-TARGET: default 20 (SIPNAT_FUZZ_SECONDS)
#   TARGET: config-key-file, config-xml, set-setting, via (default: all)
# Without clang and its libFuzzer runtime (Debian: clang, libclang-rt-14-dev)
# it says so and exits 77 (skipped).
set -uo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${SIPNAT_FUZZ_SECONDS:-20}}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(config-key-file config-xml register-response sdp set-setting via)
builddir=${SIPNAT_FUZZ_BUILDDIR:-_fuzz}
cc=${SIPNAT_FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null ||
   ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
     "$cc" -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null; then
  echo "fuzz/run.sh: $cc with libFuzzer is not available: skipped" >&2
  exit 77
fi

options=(-Dfuzzing=true -Db_sanitize=address,undefined -Db_lundef=false
         -Dintrospection=disabled -Ddocs=false)
if [ -d "$builddir" ]; then
  meson setup --reconfigure "${options[@]}" "$builddir" >/dev/null || exit 1
else
  CC=$cc meson setup "${options[@]}" "$builddir" >/dev/null || exit 1
fi
meson compile -C "$builddir" $(printf 'fuzz/fuzz-%s ' "${targets[@]}") >/dev/null || exit 1

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:fast_unwind_on_malloc=0
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export G_DEBUG=gc-friendly,fatal-criticals
export G_SLICE=always-malloc

artifacts=$builddir/artifacts
mkdir -p "$artifacts"
status=0
for target in "${targets[@]}"; do
  scratch=$(mktemp -d)
  log=$builddir/fuzz-$target.log
  # The scratch corpus first: libFuzzer writes new inputs to the first one.
  "$builddir/fuzz/fuzz-$target" "$scratch" "fuzz/corpus/$target" \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=4096 \
      -artifact_prefix="$artifacts/$target-" -print_final_stats=1 >"$log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "ok - fuzz-$target: ${runs:-?} runs in ${seconds} s, ${cov:-cov: ?}, $(ls "$scratch" | wc -l) new inputs"
  else
    echo "not ok - fuzz-$target failed (exit $rc); see $log and $artifacts/"
    tail -40 "$log" >&2
    status=1
  fi
  rm -rf "$scratch"
done
exit $status
