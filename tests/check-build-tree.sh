#!/bin/bash
# What the build writes: `ninja -t clean` can remove every output (no output
# is a directory: ninja's clean fails on those with "Directory not empty"),
# and building the translation template leaves nothing untracked in the
# source tree (po/libsipnat-1.pot is a build artefact, ignored by git).
# Usage: check-build-tree.sh SOURCEDIR BUILDDIR
set -u
src=${1:?usage: check-build-tree.sh SOURCEDIR BUILDDIR}
build=${2:?usage: check-build-tree.sh SOURCEDIR BUILDDIR}
echo "1..2"

n=0
ok () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}
skip () {
  n=$((n + 1))
  echo "ok $n - $1 # SKIP $2"
}

dirs=$(ninja -C "$build" -t targets all | grep -v ': phony$' | sed 's/: [^:]*$//' |
  while read -r target; do [ -d "$build/$target" ] && echo "$target"; done)
[ -z "$dirs" ]
ok $? "no build output is a directory, so ninja -t clean works (directories: ${dirs:-none})"

if ! command -v git >/dev/null || ! git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
  skip "building the pot leaves nothing untracked" "not a git checkout"
elif ! command -v xgettext >/dev/null; then
  skip "building the pot leaves nothing untracked" "xgettext not installed"
else
  before=$(git -C "$src" status --porcelain --untracked-files=all)
  out=$(ninja -C "$build" libsipnat-1-pot 2>&1)
  rc=$?
  after=$(git -C "$src" status --porcelain --untracked-files=all)
  new=$(diff <(echo "$before") <(echo "$after") | grep '^>' | tr '\n' ' ')
  # The pot may have been there before: it must be ignored (or tracked).
  pot=$(git -C "$src" status --porcelain --untracked-files=all -- po/libsipnat-1.pot)
  [ $rc -eq 0 ] && [ -f "$src/po/libsipnat-1.pot" ] && [ -z "$new" ] && [ -z "$pot" ]
  ok $? "building the pot (po/libsipnat-1.pot) leaves nothing untracked (rc $rc, new: ${new:-nothing}; ${pot:-pot ignored})"
  [ $rc -eq 0 ] || echo "$out" | sed 's/^/# /'
fi
