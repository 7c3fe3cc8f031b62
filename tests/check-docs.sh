#!/bin/bash
# The generated reference (gi-docgen) links only where a reader can go:
# GLib, GObject and Gio through the URL map to docs.gtk.org, and no
# placeholder source or website links.
# Every public symbol has a description in the GIR the reference is made
# from: functions, methods, properties, signals, types.
# Usage: check-docs.sh DOCDIR GIR (the libsipnat-1 output directory, Sipnat-1.gir)
set -u
dir=${1:?usage: check-docs.sh DOCDIR GIR}
gir=${2:?usage: check-docs.sh DOCDIR GIR}
echo "1..5"

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

undocumented=$(/usr/bin/python3 - "$gir" <<'PY'
import sys
import xml.etree.ElementTree as ET
core = "{http://www.gtk.org/introspection/core/1.0}"
glib = "{http://www.gtk.org/introspection/glib/1.0}"
c = "{http://www.gtk.org/introspection/c/1.0}"
missing = []
for kind in (core + "function", core + "method", core + "constructor", core + "property",
             glib + "signal", core + "enumeration", core + "bitfield", core + "constant"):
    for el in ET.parse(sys.argv[1]).iter(kind):
        if el.find(core + "doc") is None:
            missing.append(el.get(c + "identifier") or el.get("name"))
for el in ET.parse(sys.argv[1]).iter(core + "class"):
    if el.find(core + "doc") is None:
        missing.append(el.get("name"))
print(" ".join(sorted(set(missing))))
PY
)
[ -z "$undocumented" ]
ok $? "every public symbol is documented (undocumented: ${undocumented:-none})"
