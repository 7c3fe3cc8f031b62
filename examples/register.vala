/* register.vala: register with a SIP registrar and watch the public binding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   register-vala SERVER USER PASSWORD [LOCAL_ADDRESS]
 *
 * e.g. `register-vala sip.example.net alice secret` or
 * `register-vala 127.0.0.1:5060 alice alicepw 127.0.0.1`.
 *
 * Registers USER at SERVER (host[:port], UDP), prints every state change
 * and every change of the public binding (where the registrar sees us:
 * behind a NAT that is the NAT's address and port), keeps the registration
 * refreshed, and on Ctrl-C (or SIGTERM) unregisters, closes the endpoint
 * and exits. Exits 1 if registration fails.
 *
 * Build against the installed library:
 *   valac --pkg libsipnat-1 register.vala
 */

class RegisterApp : Object {
    private MainLoop loop = new MainLoop ();
    private Sipnat.Endpoint endpoint;
    private unowned Sipnat.Registration registration;   /* owned by the endpoint */
    private bool closing = false;
    private int status = 0;

    public RegisterApp (string server, string user, string password, string? local_address) throws Error {
        /* The endpoint: the SIP stack, bound to a local address (null: all
         * IPv4 interfaces) and an ephemeral port (0), on the default main
         * context. */
        endpoint = new Sipnat.Endpoint (local_address, 0);
        print ("local port: %u\n", endpoint.get_local_port ());

        /* One registration: user@server, authenticated with the password. */
        registration = endpoint.add_registration (server, user);
        registration.set_password (password);

        registration.notify["state"].connect (() => {
            var reason = registration.get_state_reason ();
            /* value_nick: "registering", "registered", "failed", ... */
            var states = (EnumClass) typeof (Sipnat.RegistrationState).class_ref ();
            print ("state: %s%s\n", states.get_value (registration.state).value_nick,
                   reason != null ? " (%s)".printf (reason) : "");
        });

        /* old_binding is null the first time. Behind a NAT, new_binding is
         * the NAT's public side; after a NAT rebinding this is how the
         * application hears of it. The bindings are only valid during the
         * emission: use new_binding.copy () to keep one. */
        registration.public_binding_changed.connect ((reg, old_binding, new_binding) => {
            print ("public binding: %s → %s%s\n",
                   old_binding != null ? old_binding.to_string () : "(none)",
                   new_binding.to_string (),
                   reg.get_nat_detected () ? " (behind a NAT)" : "");
        });
    }

    /* Unregisters, then stops the endpoint. Always close an endpoint before
     * dropping it. */
    private async void close () {
        if (closing)
            return;
        closing = true;
        print ("closing...\n");
        try {
            yield endpoint.close ();
            print ("closed\n");
        } catch (Error e) {
            printerr ("close: %s\n", e.message);
        }
        loop.quit ();
    }

    private async void register () {
        try {
            yield registration.register ();
            print ("registered as %s; press Ctrl-C to unregister\n", registration.get_contact ());
        } catch (Sipnat.Error e) {
            /* e.g. Sipnat.Error.AUTH_FAILED for a wrong password,
             * Sipnat.Error.TIMEOUT when nobody answers */
            printerr ("registration failed: %s\n", e.message);
            status = 1;
            yield close ();
        } catch (Error e) {
            printerr ("registration failed: %s\n", e.message);
            status = 1;
            yield close ();
        }
    }

    private bool on_signal () {
        if (closing)
            loop.quit ();   /* a second Ctrl-C: stop waiting for the registrar */
        else
            close.begin ();
        return Source.CONTINUE;
    }

    public int run () {
        var sigint = Unix.signal_add (ProcessSignal.INT, on_signal);
        var sigterm = Unix.signal_add (ProcessSignal.TERM, on_signal);
        register.begin ();
        loop.run ();
        Source.remove (sigint);
        Source.remove (sigterm);
        return status;
    }
}

int main (string[] args) {
    /* print () converts to the locale's charset (the arrow). */
    Intl.setlocale ();
    if (args.length == 2 && (args[1] == "--help" || args[1] == "-h")) {
        print ("usage: %s SERVER USER PASSWORD [LOCAL_ADDRESS]\n", args[0]);
        return 0;
    }
    if (args.length < 4 || args.length > 5) {
        printerr ("usage: %s SERVER USER PASSWORD [LOCAL_ADDRESS]\n", args[0]);
        return 2;
    }
    try {
        var app = new RegisterApp (args[1], args[2], args[3], args.length == 5 ? args[4] : null);
        return app.run ();
    } catch (Error e) {
        printerr ("cannot create the endpoint: %s\n", e.message);
        return 1;
    }
}
