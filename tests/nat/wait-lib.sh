# shellcheck shell=bash
# wait-lib.sh: waiting for a line in a log, with a deadline (sourced by
# tests/nat/baresip-lib.sh, bench/nat/bench-lib.sh and tools/demo.sh).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

# wait_for FILE REGEX SECONDS: 0 as soon as a line of FILE matches the
# extended REGEX, 1 after SECONDS (checked every 0.1 s).
wait_for() {
  local i
  for ((i = 0; i < $3 * 10; i++)); do
    grep -aqE -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}
