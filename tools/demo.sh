#!/bin/bash
# The main job: builds libsipnat and shows it working. Filled in as the
# library grows; see README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
builddir=${SIPNAT_BUILDDIR:-_build}
[ -d "$builddir" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" >/dev/null
echo "libsipnat built in $builddir"
