#!/bin/bash
# Builds libsipnat and runs its whole test suite (README's test command).
# Usage: bash tests/run.sh [extra `meson test` arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

builddir=${SIPNAT_BUILDDIR:-_build}

if [ -d "$builddir" ]; then
  meson setup --reconfigure -Ddocs=true "$builddir" >/dev/null
else
  meson setup -Ddocs=true "$builddir" >/dev/null
fi
meson compile -C "$builddir"

status=0
meson test -C "$builddir" --print-errorlogs "$@" || status=$?

# A closing line that any CI reader understands.
python3 - "$builddir/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"OK": 0, "FAIL": 0, "SKIP": 0}
with open(sys.argv[1]) as log:
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
