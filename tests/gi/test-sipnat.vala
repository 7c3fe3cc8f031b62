/* test-sipnat.vala: libsipnat from Vala (libsipnat-1.vapi) against a real Kamailio
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built and run by meson (suite 'gi') with
 * SIPNAT_TEST_KAMAILIO=<build>/tests/servers/sipnat-test-kamailio.
 *
 * Prints "ok - ..." / "FAIL - ..." lines; exits 1 on any failure, 77 when
 * Kamailio is not installed (unless SIPNAT_REQUIRE_NETNS is set).
 */

const int EXIT_SKIP = 77;
const uint WATCHDOG_S = 40;

/* ---------------------------------------------------------------- asserts */

int failures = 0;

errordomain TestError {
    FATAL
}

void check (bool condition, string what) {
    if (condition) {
        print ("ok - %s\n", what);
    } else {
        printerr ("FAIL - %s\n", what);
        failures++;
    }
}

void check_uint (uint actual, uint expected, string what) {
    check (actual == expected, "%s: %u == %u".printf (what, actual, expected));
}

void check_str (string? actual, string? expected, string what) {
    check (actual == expected, "%s: \"%s\" == \"%s\"".printf (what, actual ?? "(null)", expected ?? "(null)"));
}

/* For checks the rest of the test depends on. */
void require (bool condition, string what) throws TestError {
    check (condition, what);
    if (!condition)
        throw new TestError.FATAL (what);
}

/* ------------------------------------------------------ the Kamailio helper */

class Kamailio : Object {
    private Subprocess? proc;
    private DataInputStream output;
    private OutputStream input;
    public string first_line { get; private set; }
    public uint port { get; private set; }

    public Kamailio (string[] args) throws Error {
        var exe = Environment.get_variable ("SIPNAT_TEST_KAMAILIO");
        if (exe == null)
            throw new TestError.FATAL ("SIPNAT_TEST_KAMAILIO is not set (run with meson test)");

        string[] argv = { exe };
        foreach (var arg in args)
            argv += arg;
        proc = new Subprocess.newv (argv, SubprocessFlags.STDIN_PIPE | SubprocessFlags.STDOUT_PIPE);
        input = proc.get_stdin_pipe ();
        output = new DataInputStream (proc.get_stdout_pipe ());
        first_line = read_line ();
        port = first_line.has_prefix ("PORT ") ? (uint) uint64.parse (first_line.substring (5)) : 0;
    }

    private string read_line () throws Error {
        var line = output.read_line_utf8 (null);
        return line == null ? "" : line.strip ();
    }

    public string command (string line) throws Error {
        size_t written;
        input.write_all ((line + "\n").data, out written);
        input.flush ();
        return read_line ();
    }

    public string[] contacts (string user) throws Error {
        var words = command ("contacts " + user).split (" ");
        require (words[0] == "CONTACTS", "helper answered \"contacts\": " + string.joinv (" ", words));
        return words[1:words.length];
    }

    public uint count () throws Error {
        var words = command ("count").split (" ");
        require (words[0] == "COUNT", "helper answered \"count\": " + string.joinv (" ", words));
        return (uint) uint64.parse (words[1]);
    }

    /* Closing its stdin makes the helper stop Kamailio and exit. */
    public void stop () {
        if (proc == null)
            return;
        try {
            input.close ();
            proc.wait ();
        } catch (Error e) {
            printerr ("stopping sipnat-test-kamailio: %s\n", e.message);
        }
        proc = null;
    }
}

/* ------------------------------------------------------------------ tests */

bool has_prefix_in (string[] list, string prefix) {
    foreach (var s in list)
        if (s.has_prefix (prefix))
            return true;
    return false;
}

bool contains_in (string[] list, string needle) {
    foreach (var s in list)
        if (needle in s)
            return true;
    return false;
}

async void test_register_signal_close (Kamailio kamailio) throws Error {
    var endpoint = new Sipnat.Endpoint ("127.0.0.1", 0);
    var port = endpoint.get_local_port ();
    require (port > 0, "endpoint bound a local port (%u)".printf (port));

    var reg = endpoint.add_registration ("127.0.0.1:%u".printf (kamailio.port), "alice");
    reg.set_password ("alicepw");

    uint changes = 0;
    bool old_was_null = false;
    Sipnat.Binding? first = null;
    reg.public_binding_changed.connect ((registration, old_binding, new_binding) => {
        changes++;
        if (changes == 1) {
            old_was_null = (old_binding == null);
            /* The boxed values belong to the emission: keep a copy. */
            first = new_binding.copy ();
        }
    });

    var ok = yield reg.register ();
    check (ok, "register () returned true");
    check (reg.get_state () == Sipnat.RegistrationState.REGISTERED, "state is REGISTERED");
    check (reg.state == Sipnat.RegistrationState.REGISTERED, "state property is REGISTERED");

    check_uint (changes, 1, "public-binding-changed emitted once");
    check (old_was_null, "old binding is null");
    require (first != null, "got the new binding");
    check_str (first.get_host (), "127.0.0.1", "new binding host");
    check_uint (first.get_port (), port, "new binding port is the local port");
    check (first.get_transport () == Sipnat.Transport.UDP, "new binding transport is UDP");
    unowned Sipnat.Binding? pb = reg.get_public_binding ();
    check (pb != null && pb.equal (first), "get_public_binding () equals the signalled binding");

    var contacts = kamailio.contacts ("alice");
    check (has_prefix_in (contacts, "sip:alice@127.0.0.1:%u".printf (port)),
           "registrar has alice's contact (%s)".printf (string.joinv (" ", contacts)));

    /* A wrong password: AUTH_FAILED in the SIPNAT_ERROR domain. */
    var bad = endpoint.add_registration ("127.0.0.1:%u".printf (kamailio.port), "bob");
    bad.set_password ("wrong");
    var before = kamailio.count ();
    try {
        yield bad.register ();
        check (false, "register with a wrong password throws");
    } catch (Sipnat.Error.AUTH_FAILED e) {
        print ("# wrong password: domain %s code %d: %s\n", e.domain.to_string (), e.code, e.message);
        check (true, "caught Sipnat.Error.AUTH_FAILED");
        check (e.domain == Sipnat.Error.quark (), "error domain is Sipnat.Error.quark ()");
        check (e.matches (Sipnat.Error.quark (), Sipnat.Error.AUTH_FAILED), "error matches AUTH_FAILED");
    } catch (Error e) {
        check (false, "expected Sipnat.Error.AUTH_FAILED, got domain %s code %d: %s".printf (
            e.domain.to_string (), e.code, e.message));
    }
    check (bad.get_state () == Sipnat.RegistrationState.FAILED, "failed registration state is FAILED");
    check_uint (kamailio.count () - before, 2, "one challenge round (2 REGISTERs)");

    /* Closing unregisters alice. */
    check (yield endpoint.close (), "close () returned true");
    check (reg.get_state () == Sipnat.RegistrationState.UNREGISTERED, "state is UNREGISTERED after close");
    var after = kamailio.contacts ("alice");
    check (!contains_in (after, "127.0.0.1:%u".printf (port)),
           "contact gone after close (%s)".printf (string.joinv (" ", after)));
    check_uint (changes, 1, "no further public-binding-changed");
}

async void test_properties () throws Error {
    var endpoint = new Sipnat.Endpoint ("127.0.0.1", 0);
    var reg = endpoint.add_registration ("127.0.0.1:5060", "carol");

    check_uint (reg.reg_timeout, Sipnat.DEFAULT_REG_TIMEOUT, "reg-timeout default");
    reg.reg_timeout = 120;
    check_uint (reg.get_reg_timeout (), 120, "reg-timeout set as a property, read by the getter");

    /* Through GObject's generic property API. */
    reg.set ("reg-timeout", 90u);
    uint timeout = 0;
    reg.get ("reg-timeout", out timeout);
    check_uint (timeout, 90, "reg-timeout through g_object_set/get");
    var value = Value (typeof (uint));
    reg.get_property ("reg-timeout", ref value);
    check_uint (value.get_uint (), 90, "reg-timeout through get_property");

    uint notified = 0;
    reg.notify["reg-interval"].connect (() => notified++);
    reg.reg_interval = 5;
    reg.reg_interval = 5;
    check_uint (notified, 1, "notify::reg-interval once per change");

    check_str (reg.user, "carol", "user property");
    check (reg.endpoint == endpoint, "endpoint property");
    check_uint (endpoint.local_port, endpoint.get_local_port (), "local-port property");
    check_uint (endpoint.get_registrations ().get_n_items (), 1, "one registration in the list model");

    yield endpoint.close ();
}

void test_invalid_address () {
    try {
        new Sipnat.Endpoint ("not an address", 0);
        check (false, "Endpoint with an invalid address throws");
    } catch (Error e) {
        check (true, "Endpoint with an invalid address throws");
        print ("# invalid address: domain %s code %d: %s\n", e.domain.to_string (), e.code, e.message);
    }
}

async void run_all (Kamailio kamailio) throws Error {
    yield test_register_signal_close (kamailio);
    yield test_properties ();
    test_invalid_address ();
}

int main (string[] args) {
    Kamailio kamailio;
    try {
        kamailio = new Kamailio ({ "--auth" });
    } catch (Error e) {
        printerr ("cannot run sipnat-test-kamailio: %s\n", e.message);
        return 1;
    }
    if (kamailio.port == 0) {
        kamailio.stop ();
        if (kamailio.first_line.has_prefix ("SKIP ") &&
            Environment.get_variable ("SIPNAT_REQUIRE_NETNS") == null) {
            print ("# %s\n", kamailio.first_line);
            return EXIT_SKIP;
        }
        printerr ("sipnat-test-kamailio did not start: %s\n", kamailio.first_line);
        return 1;
    }

    var loop = new MainLoop ();
    Timeout.add_seconds (WATCHDOG_S, () => {
        printerr ("FAIL - the test did not finish in %u s\n", WATCHDOG_S);
        failures++;
        loop.quit ();
        return Source.REMOVE;
    });

    run_all.begin (kamailio, (obj, res) => {
        try {
            run_all.end (res);
        } catch (TestError e) {
            failures++;     /* already reported */
        } catch (Error e) {
            printerr ("FAIL - unexpected error: %s (domain %s, code %d)\n",
                      e.message, e.domain.to_string (), e.code);
            failures++;
        }
        loop.quit ();
    });
    loop.run ();

    kamailio.stop ();
    print (failures == 0 ? "# all passed\n" : "# %d failed\n".printf (failures));
    return failures == 0 ? 0 : 1;
}
