#!/bin/bash
# Every library source with translatable messages must be in po/POTFILES.in,
# and every file listed there must exist.
set -u
root=${SIPNAT_SOURCE_ROOT:-$(dirname "$0")/..}
cd "$root" || exit 1
echo "1..2"

missing=$(grep -l '_("' libsipnat/*.c | while read -r f; do
  grep -qx "$f" po/POTFILES.in || echo "$f"
done)
if [ -z "$missing" ]; then echo "ok 1 - sources with _() are in po/POTFILES.in"
else echo "not ok 1 - not in po/POTFILES.in: $missing"; fi

stale=$(grep -v '^#' po/POTFILES.in | while read -r f; do
  [ -z "$f" ] || [ -f "$f" ] || echo "$f"
done)
if [ -z "$stale" ]; then echo "ok 2 - po/POTFILES.in lists existing files"
else echo "not ok 2 - listed but missing: $stale"; fi
