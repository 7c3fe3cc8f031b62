#!/bin/bash
# The generated reference (gi-docgen) links only where a reader can go:
# GLib, GObject and Gio through the URL map to docs.gtk.org, and no
# placeholder source or website links.
# Usage: check-docs.sh DOCDIR (the libsipnat-1 output directory)
set -u
dir=${1:?usage: check-docs.sh DOCDIR}
echo "1..4"

n=0
ok () {
  n=$((n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi
}

[ -f "$dir/index.html" ]
ok $? "the reference was generated in $dir"

bad=$(grep -rl "example\.invalid" "$dir" 2>/dev/null | wc -l)
[ "$bad" -eq 0 ]
ok $? "no link to example.invalid ($bad files have one)"

missing=""
for ns in GLib GObject Gio; do
  lower=$(echo "$ns" | tr '[:upper:]' '[:lower:]')
  grep -q "\[ *'$ns', *'https://docs.gtk.org/$lower/' *\]" "$dir/urlmap.js" 2>/dev/null ||
    missing="$missing $ns"
done
[ -z "$missing" ]
ok $? "urlmap.js sends GLib, GObject and Gio to docs.gtk.org (missing:${missing:- none})"

# Every page with a link into another namespace loads the map.
unmapped=$(grep -l 'data-namespace=' "$dir"/*.html | xargs grep -L 'src="urlmap.js"' | wc -l)
[ "$unmapped" -eq 0 ]
ok $? "pages with links to other namespaces load urlmap.js ($unmapped do not)"
