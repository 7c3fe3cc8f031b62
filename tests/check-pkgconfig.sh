#!/bin/bash
# The installed libsipnat-1.pc: no public header includes Sofia-SIP, so
# `pkg-config --cflags libsipnat-1` must work where Sofia's .pc files are
# not installed (no sofia in Requires or Requires.private).
# Usage: check-pkgconfig.sh BUILDDIR
set -u
build=${1:?usage: check-pkgconfig.sh BUILDDIR}
pc=$build/meson-private/libsipnat-1.pc
echo "1..3"

n=0
ok () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

requires=$(grep -i '^Requires' "$pc" 2>/dev/null)
[ -f "$pc" ] && ! grep -qi sofia <<<"$requires"
ok $? "$pc lists no sofia in Requires or Requires.private (${requires//$'\n'/; })"

# A pkg-config search path with every .pc file of the system but Sofia's.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
IFS=: read -r -a dirs <<<"$(pkg-config --variable pc_path pkg-config)"
for d in "${dirs[@]}"; do
  for f in "$d"/*.pc; do
    [ -e "$f" ] || continue
    case ${f##*/} in sofia-sip*) continue ;; esac
    [ -e "$work/${f##*/}" ] || ln -s "$f" "$work/${f##*/}"
  done
done

PKG_CONFIG_PATH=$build/meson-private pkg-config --cflags libsipnat-1 >"$work/out" 2>&1 &&
  ! grep -q sofia "$work/out"
ok $? "pkg-config --cflags libsipnat-1 succeeds, no Sofia-SIP directory: $(tr '\n' ' ' <"$work/out")"

PKG_CONFIG_LIBDIR=$work PKG_CONFIG_PATH=$build/meson-private \
  pkg-config --cflags libsipnat-1 >"$work/out" 2>&1
ok $? "... also without Sofia-SIP's .pc files: $(tr '\n' ' ' <"$work/out")"
