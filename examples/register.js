#!/usr/bin/env -S gjs -m
// register.js: register with a SIP registrar and watch the public binding
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
//   gjs -m register.js SERVER USER PASSWORD [LOCAL_ADDRESS]
//
// e.g. `gjs -m register.js sip.example.net alice secret` or
// `gjs -m register.js 127.0.0.1:5060 alice alicepw 127.0.0.1`.
//
// Registers USER at SERVER (host[:port], UDP), prints every state change and
// every change of the public binding (where the registrar sees us: behind a
// NAT that is the NAT's address and port), keeps the registration refreshed,
// and on Ctrl-C (or SIGTERM) unregisters, closes the endpoint and exits.
// Exits 1 if registration fails.
//
// From a build tree:
//   GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsipnat gjs -m ...

import GLib from 'gi://GLib';
import Sipnat from 'gi://Sipnat?version=1';
import System from 'system';

const SIGINT = 2;
const SIGTERM = 15;
const USAGE = 'usage: gjs -m register.js SERVER USER PASSWORD [LOCAL_ADDRESS]';

// ARGV holds the arguments after the script name.
if (ARGV.length === 1 && (ARGV[0] === '--help' || ARGV[0] === '-h')) {
    print(USAGE);
    System.exit(0);
}
if (ARGV.length < 3 || ARGV.length > 4) {
    printerr(USAGE);
    System.exit(2);
}
const [server, user, password, localAddress = null] = ARGV;

const loop = new GLib.MainLoop(null, false);
let status = 0;
let closing = false;

// The endpoint: the SIP stack, bound to a local address (null: all IPv4
// interfaces) and an ephemeral port (0), on the default main context.
// Throws a GLib.Error if it cannot bind.
let endpoint;
try {
    endpoint = Sipnat.Endpoint.new(localAddress, 0, null);
} catch (e) {
    printerr(`cannot create the endpoint: ${e.message}`);
    System.exit(1);
}
print(`local port: ${endpoint.get_local_port()}`);

// One registration: user@server, authenticated with the password. The
// endpoint owns it.
const registration = endpoint.add_registration(server, user);
registration.set_password(password);

function stateName(value) {
    const name = Object.keys(Sipnat.RegistrationState)
        .find(key => Sipnat.RegistrationState[key] === value);
    return name === undefined ? String(value) : name.toLowerCase();
}

registration.connect('notify::state', reg => {
    // "registering", "registered", "failed", ...
    const state = stateName(reg.state);
    const reason = reg.get_state_reason();
    print(`state: ${state}${reason ? ` (${reason})` : ''}`);
});

// oldBinding is null the first time. Behind a NAT, newBinding is the NAT's
// public side; after a NAT rebinding this is how the application hears of
// it. The Binding values are only valid during the emission: use
// newBinding.copy() to keep one.
registration.connect('public-binding-changed', (reg, oldBinding, newBinding) => {
    const before = oldBinding === null ? '(none)' : oldBinding.to_string();
    const nat = reg.get_nat_detected() ? ' (behind a NAT)' : '';
    print(`public binding: ${before} → ${newBinding.to_string()}${nat}`);
});

// Unregisters, then stops the endpoint. Always close an endpoint before
// dropping it (GJS's shutdown must not have to do it).
function close() {
    if (closing)
        return;
    closing = true;
    print('closing...');
    endpoint.close_async(null, (ep, result) => {
        try {
            ep.close_finish(result);
            print('closed');
        } catch (e) {
            printerr(`close: ${e.message}`);
        }
        loop.quit();
    });
}

function onSignal() {
    if (closing)
        loop.quit(); // a second Ctrl-C: stop waiting for the registrar
    else
        close();
    return GLib.SOURCE_CONTINUE;
}
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, SIGINT, onSignal);
GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, SIGTERM, onSignal);

registration.register_async(null, (reg, result) => {
    try {
        reg.register_finish(result);
    } catch (e) {
        // e.matches(Sipnat.Error, Sipnat.Error.AUTH_FAILED) for a wrong
        // password, Sipnat.Error.TIMEOUT when nobody answers, ...
        printerr(`registration failed: ${e.message}`);
        status = 1;
        close();
        return;
    }
    print(`registered as ${reg.get_contact()}; press Ctrl-C to unregister`);
});

loop.run();
System.exit(status);
