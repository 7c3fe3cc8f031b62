#!/bin/sh
# install-reference.sh DOCDIR DATADIR_DOC: installs the generated reference
# (a directory the build does not list as an output, see
# generate-reference.sh) under $MESON_INSTALL_DESTDIR_PREFIX/DATADIR_DOC.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -e
src=$1
dest=${MESON_INSTALL_DESTDIR_PREFIX:?run by meson install}/$2
mkdir -p "$dest"
rm -rf "$dest/$(basename "$src")"
cp -R "$src" "$dest/"
echo "Installing $src to $dest"
