#!/bin/bash
# libsipnat-calls.sh: libsipnat calling libsipnat through the NAT lab, per
# topology, --runs times, with the machinery of tests/nat/test-nat-calls.sh
# (`sipnat answer --json` as bob in client2, `sipnat call --json` as alice
# in client, Kamailio and coturn on the public segment, a fresh lab per
# row). Measured by the library itself (the media-stats of each side):
# answer -> ICE connected, answer -> first RTP packet received, RTP
# packets sent and received (loss = 1 - received / what the peer sent).
#
# Usage: bench/nat/libsipnat-calls.sh [--runs N] [--seconds S] [--rows LIST]
#          [--results FILE] [--baresip FILE]
#
#   --runs N        runs of every row (default 3)
#   --seconds S     the call lasts S seconds once active (default 10, as
#                   baresip-calls.sh's default)
#   --rows LIST     row keys (default: cone symmetric double double-symmetric
#                   turn-tcp turn-tls force-relay ice-off)
#   --results FILE  where the raw JSON lines go (one per row and run; default
#                   a temporary file, printed at the end); appended to
#   --baresip FILE  JSON lines of baresip-calls.sh runs: the side-by-side
#                   table is printed too (bench/nat/calls-compare.sh)
#
# Output: the tables of bench/nat/calls-compare.sh (Markdown) on stdout,
# progress on stderr. Exit 1 when a row failed its checks in some run.
# Needs root, kamailio, coturn and the built `sipnat` tool
# (SIPNAT_BUILDDIR, default _build).
#
# SPDX-License-Identifier: LGPL-2.1-or-later

set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILDDIR=${SIPNAT_BUILDDIR:-$ROOT/_build}
RUNS=3
CALL_SECONDS=10
ROWS="cone symmetric double double-symmetric turn-tcp turn-tls force-relay ice-off"
RESULTS=
BARESIP=

log() { echo "libsipnat-calls: $*" >&2; }
usage() { sed -n '/^# Usage:/,/^#                   table is printed/s/^# \{0,1\}//p' "$0" >&2; exit 2; }

while [ $# -gt 0 ]; do
  case $1 in
    --runs) RUNS=${2:?}; shift ;;
    --seconds) CALL_SECONDS=${2:?}; shift ;;
    --rows) ROWS=${2:?}; shift ;;
    --results) RESULTS=${2:?}; shift ;;
    --baresip) BARESIP=${2:?}; shift ;;
    -h|--help) usage ;;
    *) log "unknown option '$1'"; usage ;;
  esac
  shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { log "--runs: a whole number > 0"; exit 2; }
[[ $CALL_SECONDS =~ ^[1-9][0-9]*$ ]] || { log "--seconds: whole seconds > 0"; exit 2; }
[ -x "$BUILDDIR/tools/sipnat" ] || { log "no $BUILDDIR/tools/sipnat: build first"; exit 2; }
if [ -z "$RESULTS" ]; then
  RESULTS=$(mktemp /tmp/libsipnat-calls.XXXXXX.jsonl)
fi

status=0
for ((run = 1; run <= RUNS; run++)); do
  log "run $run of $RUNS: rows $ROWS, $CALL_SECONDS s per call"
  one=$(mktemp /tmp/libsipnat-calls-run.XXXXXX)
  SIPNAT_TOOL=$BUILDDIR/tools/sipnat SIPNAT_NAT_CALL_ROWS=$ROWS \
    SIPNAT_NAT_CALL_SECONDS=$CALL_SECONDS SIPNAT_NAT_CALL_RESULTS=$one \
    bash "$ROOT/tests/nat/test-nat-calls.sh" | grep -v '# SKIP' >&2 || status=1
  # One line per row, with the run's number.
  sed "s/^{/{\"run\":$run,\"seconds\":$CALL_SECONDS,/" "$one" >> "$RESULTS"
  rm -f "$one"
done
log "raw results: $RESULTS"

bash "$HERE/calls-compare.sh" --libsipnat "$RESULTS" ${BARESIP:+--baresip "$BARESIP"}
exit "$status"
