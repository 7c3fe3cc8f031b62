#!/usr/bin/python3
# register.py: register with a SIP registrar and watch the public binding
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   register.py SERVER USER PASSWORD [LOCAL_ADDRESS]
#
# e.g. `register.py sip.example.net alice secret` or
# `register.py 127.0.0.1:5060 alice alicepw 127.0.0.1`.
#
# Registers USER at SERVER (host[:port], UDP), prints every state change and
# every change of the public binding (where the registrar sees us: behind a
# NAT that is the NAT's address and port), keeps the registration refreshed,
# and on Ctrl-C (or SIGTERM) unregisters, closes the endpoint and exits.
# Exits 1 if registration fails.
#
# Needs PyGObject (Debian: python3-gi) and the Sipnat typelib; from a build
# tree: GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsipnat

import signal
import sys

USAGE = f"usage: {sys.argv[0]} SERVER USER PASSWORD [LOCAL_ADDRESS]"

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Sipnat", "1")
from gi.repository import GLib, Sipnat  # noqa: E402


def binding_text(binding):
    return "(none)" if binding is None else binding.to_string()


class App:
    def __init__(self, server, user, password, local_address):
        self.loop = GLib.MainLoop()
        self.status = 0
        self.closing = False

        # The endpoint: the SIP stack, bound to a local address (None: all
        # IPv4 interfaces) and an ephemeral port (0), on the default main
        # context. Raises GLib.Error if it cannot bind.
        self.endpoint = Sipnat.Endpoint.new(local_address, 0, None)
        print(f"local port: {self.endpoint.get_local_port()}")

        # One registration: user@server, authenticated with the password.
        # The endpoint owns it.
        self.registration = self.endpoint.add_registration(server, user)
        self.registration.set_password(password)
        self.registration.connect("notify::state", self.on_state_changed)
        self.registration.connect("public-binding-changed", self.on_public_binding_changed)

    def on_state_changed(self, registration, pspec):
        state = registration.props.state.value_nick
        reason = registration.get_state_reason()
        print(f"state: {state}" + (f" ({reason})" if reason else ""))

    def on_public_binding_changed(self, registration, old, new):
        # old is None the first time. Behind a NAT, new is the NAT's public
        # side; after a NAT rebinding this is how the application hears of it.
        # The Binding values are only valid during the emission: use
        # new.copy() to keep one.
        nat = " (behind a NAT)" if registration.get_nat_detected() else ""
        print(f"public binding: {binding_text(old)} → {binding_text(new)}{nat}")

    def on_registered(self, registration, result):
        try:
            registration.register_finish(result)
        except GLib.Error as e:
            # e.domain is "sipnat-error-quark"; e.g. Sipnat.Error.AUTH_FAILED
            # for a wrong password, Sipnat.Error.TIMEOUT when nobody answers.
            print(f"registration failed: {e.message}", file=sys.stderr)
            self.status = 1
            self.close()
            return
        print(f"registered as {registration.get_contact()}; press Ctrl-C to unregister")

    def close(self):
        """Unregisters, then stops the endpoint. Always close an endpoint
        before dropping it."""
        if self.closing:
            return
        self.closing = True
        print("closing...")
        self.endpoint.close_async(None, self.on_closed)

    def on_closed(self, endpoint, result):
        try:
            endpoint.close_finish(result)
            print("closed")
        except GLib.Error as e:
            print(f"close: {e.message}", file=sys.stderr)
        self.loop.quit()

    def on_signal(self):
        if self.closing:
            self.loop.quit()  # a second Ctrl-C: stop waiting for the registrar
        else:
            self.close()
        return GLib.SOURCE_CONTINUE

    def run(self):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self.on_signal)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, self.on_signal)
        self.registration.register_async(None, self.on_registered)
        self.loop.run()
        return self.status


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(USAGE)
        return 0
    if len(argv) not in (4, 5):
        print(USAGE, file=sys.stderr)
        return 2
    try:
        app = App(argv[1], argv[2], argv[3], argv[4] if len(argv) == 5 else None)
    except GLib.Error as e:
        print(f"cannot create the endpoint: {e.message}", file=sys.stderr)
        return 1
    return app.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
