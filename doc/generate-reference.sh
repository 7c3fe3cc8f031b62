#!/bin/sh
# generate-reference.sh STAMP OUTDIR GI-DOCGEN-COMMAND...
#
# Runs gi-docgen into OUTDIR (emptied first), then touches STAMP. The build
# knows only the stamp: a directory as a build output breaks
# `ninja -t clean` ("remove(...): Directory not empty").
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -e
stamp=$1
out=$2
shift 2
rm -rf "$out"
"$@" --output-dir="$out"
touch "$stamp"
