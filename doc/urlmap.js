// SPDX-License-Identifier: LGPL-2.1-or-later
// Where gi-docgen links the types of other namespaces: GLib, GObject and
// Gio on docs.gtk.org.
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
]
