// test-sipnat.js: libsipnat from JavaScript (GJS) against a real Kamailio
//
// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Run by meson (suite 'gi'):
//   gjs -m tests/gi/test-sipnat.js
// with GI_TYPELIB_PATH=<build>/introspection, LD_LIBRARY_PATH=<build>/libsipnat
// and SIPNAT_TEST_KAMAILIO=<build>/tests/servers/sipnat-test-kamailio.
//
// Prints "ok - ..." / "FAIL - ..." lines; exits 1 on any failure, 77 when
// Kamailio is not installed (unless SIPNAT_REQUIRE_NETNS is set).

import GLib from 'gi://GLib';
import Gio from 'gi://Gio';
import Sipnat from 'gi://Sipnat?version=1';
import System from 'system';

const EXIT_SKIP = 77;
const WATCHDOG_S = 40;

// The async methods return promises when called without a callback.
Gio._promisify(Sipnat.Registration.prototype, 'register_async', 'register_finish');
Gio._promisify(Sipnat.Endpoint.prototype, 'close_async', 'close_finish');

// ---------------------------------------------------------------- asserts

let failures = 0;

class AssertionError extends Error {}

function check(condition, what) {
    if (condition) {
        print(`ok - ${what}`);
        return;
    }
    printerr(`FAIL - ${what}`);
    failures++;
}

function checkEqual(actual, expected, what) {
    check(actual === expected,
        `${what}: ${JSON.stringify(actual)} === ${JSON.stringify(expected)}`);
}

// For checks the rest of the test depends on.
function require(condition, what) {
    check(condition, what);
    if (!condition)
        throw new AssertionError(what);
}

// -------------------------------------------------- the Kamailio helper

class Kamailio {
    constructor(...args) {
        const exe = GLib.getenv('SIPNAT_TEST_KAMAILIO');
        if (!exe)
            throw new AssertionError('SIPNAT_TEST_KAMAILIO is not set (run with meson test)');
        this._proc = Gio.Subprocess.new([exe, ...args],
            Gio.SubprocessFlags.STDIN_PIPE | Gio.SubprocessFlags.STDOUT_PIPE);
        this._in = this._proc.get_stdin_pipe();
        this._out = new Gio.DataInputStream({base_stream: this._proc.get_stdout_pipe()});
        this.firstLine = this._readLine();
        this.port = this.firstLine.startsWith('PORT ') ? parseInt(this.firstLine.slice(5)) : 0;
    }

    _readLine() {
        const [line] = this._out.read_line_utf8(null);
        return line === null ? '' : line.trim();
    }

    command(line) {
        this._in.write_all(new TextEncoder().encode(`${line}\n`), null);
        this._in.flush(null);
        return this._readLine();
    }

    contacts(user) {
        const words = this.command(`contacts ${user}`).split(' ');
        require(words[0] === 'CONTACTS', `helper answered "contacts": ${words.join(' ')}`);
        return words.slice(1);
    }

    count() {
        const words = this.command('count').split(' ');
        require(words[0] === 'COUNT', `helper answered "count": ${words.join(' ')}`);
        return parseInt(words[1]);
    }

    // Closing its stdin makes the helper stop Kamailio and exit.
    stop() {
        if (this._proc === null)
            return;
        try {
            this._in.close(null);
        } catch (e) {
            logError(e, 'closing the helper\'s stdin');
        }
        this._proc.wait(null);
        this._proc = null;
    }
}

// ------------------------------------------------------------------ tests

function bindingText(b) {
    return b === null ? 'null' : `${b.get_host()}:${b.get_port()} (transport ${b.get_transport()})`;
}

async function testRegisterSignalClose(kamailio) {
    const endpoint = Sipnat.Endpoint.new('127.0.0.1', 0, null);
    const port = endpoint.get_local_port();
    require(port > 0, `endpoint bound a local port (${port})`);

    const reg = endpoint.add_registration(`127.0.0.1:${kamailio.port}`, 'alice');
    reg.set_password('alicepw');

    const changes = [];
    reg.connect('public-binding-changed', (registration, oldBinding, newBinding) => {
        // Read the fields here: the boxed values belong to the emission.
        changes.push({
            old: oldBinding === null ? null : bindingText(oldBinding),
            host: newBinding.get_host(),
            port: newBinding.get_port(),
            transport: newBinding.get_transport(),
        });
    });

    const ok = await reg.register_async(null);
    checkEqual(ok, true, 'register_async() resolves to true');
    checkEqual(reg.get_state(), Sipnat.RegistrationState.REGISTERED, 'state is REGISTERED');
    checkEqual(reg.state, Sipnat.RegistrationState.REGISTERED, 'state property is REGISTERED');

    checkEqual(changes.length, 1, 'public-binding-changed emitted once');
    if (changes.length > 0) {
        const c = changes[0];
        checkEqual(c.old, null, 'old binding is null');
        checkEqual(c.host, '127.0.0.1', 'new binding host');
        checkEqual(c.port, port, 'new binding port is the local port');
        checkEqual(c.transport, Sipnat.Transport.UDP, 'new binding transport is UDP');
    }
    const pb = reg.get_public_binding();
    check(pb !== null && pb.get_host() === '127.0.0.1' && pb.get_port() === port,
        `get_public_binding() is ${pb === null ? 'null' : bindingText(pb)}`);

    const contacts = kamailio.contacts('alice');
    check(contacts.some(c => c.startsWith(`sip:alice@127.0.0.1:${port}`)),
        `registrar has alice's contact (${contacts.join(' ')})`);

    // A wrong password: AUTH_FAILED in the SIPNAT_ERROR domain.
    const bad = endpoint.add_registration(`127.0.0.1:${kamailio.port}`, 'bob');
    bad.set_password('wrong');
    const before = kamailio.count();
    let error = null;
    try {
        await bad.register_async(null);
    } catch (e) {
        error = e;
    }
    require(error !== null, 'register with a wrong password throws');
    print(`# wrong password: domain ${GLib.quark_to_string(error.domain)} code ${error.code}: ${error.message}`);
    check(error instanceof GLib.Error, 'the exception is a GLib.Error');
    check(error.matches(Sipnat.Error, Sipnat.Error.AUTH_FAILED),
        'error matches (Sipnat.Error, AUTH_FAILED)');
    checkEqual(error.domain, Sipnat.Error.quark(), 'error domain is Sipnat.Error.quark()');
    checkEqual(error.domain, Sipnat.error_quark(), 'error domain is Sipnat.error_quark()');
    checkEqual(error.code, Sipnat.Error.AUTH_FAILED, 'error code is AUTH_FAILED');
    checkEqual(bad.get_state(), Sipnat.RegistrationState.FAILED, 'failed registration state is FAILED');
    checkEqual(kamailio.count() - before, 2, 'one challenge round (2 REGISTERs)');

    // Closing unregisters alice.
    checkEqual(await endpoint.close_async(null), true, 'close_async() resolves to true');
    checkEqual(reg.get_state(), Sipnat.RegistrationState.UNREGISTERED, 'state is UNREGISTERED after close');
    const after = kamailio.contacts('alice');
    check(!after.some(c => c.includes(`127.0.0.1:${port}`)),
        `contact gone after close (${after.join(' ')})`);
    checkEqual(changes.length, 1, 'no further public-binding-changed');
}

async function testProperties() {
    const endpoint = Sipnat.Endpoint.new('127.0.0.1', 0, null);
    const reg = endpoint.add_registration('127.0.0.1:5060', 'carol');

    checkEqual(reg.reg_timeout, Sipnat.DEFAULT_REG_TIMEOUT, 'reg-timeout default');
    reg.reg_timeout = 120;
    checkEqual(reg.get_reg_timeout(), 120, 'reg-timeout set as a property, read by the getter');
    reg.set_reg_timeout(90);
    checkEqual(reg.regTimeout, 90, 'reg-timeout set by the setter, read as regTimeout');

    let notified = 0;
    reg.connect('notify::reg-interval', () => notified++);
    reg.reg_interval = 5;
    reg.reg_interval = 5;
    checkEqual(notified, 1, 'notify::reg-interval once per change');

    checkEqual(reg.user, 'carol', 'user property');
    checkEqual(reg.endpoint, endpoint, 'endpoint property');
    checkEqual(endpoint.local_port, endpoint.get_local_port(), 'local-port property');
    checkEqual(endpoint.get_registrations().get_n_items(), 1, 'one registration in the list model');

    // An endpoint that is dropped without close_async() shuts down from
    // dispose, which runs during GJS's teardown: close it explicitly.
    await endpoint.close_async(null);
}

function testInvalidAddress() {
    let error = null;
    try {
        Sipnat.Endpoint.new('not an address', 0, null);
    } catch (e) {
        error = e;
    }
    require(error !== null, 'Endpoint.new with an invalid address throws');
    check(error instanceof GLib.Error, 'the exception is a GLib.Error');
    print(`# invalid address: domain ${GLib.quark_to_string(error.domain)} code ${error.code}: ${error.message}`);
}

// ------------------------------------------------------------------- main

async function main(kamailio) {
    await testRegisterSignalClose(kamailio);
    await testProperties();
    testInvalidAddress();
}

const kamailio = new Kamailio('--auth');
if (kamailio.port === 0) {
    kamailio.stop();
    if (kamailio.firstLine.startsWith('SKIP ') && GLib.getenv('SIPNAT_REQUIRE_NETNS') === null) {
        print(`# ${kamailio.firstLine}`);
        System.exit(EXIT_SKIP);
    }
    printerr(`sipnat-test-kamailio did not start: ${kamailio.firstLine}`);
    System.exit(1);
}

const loop = new GLib.MainLoop(null, false);
GLib.timeout_add_seconds(GLib.PRIORITY_DEFAULT, WATCHDOG_S, () => {
    printerr(`FAIL - the test did not finish in ${WATCHDOG_S} s`);
    failures++;
    loop.quit();
    return GLib.SOURCE_REMOVE;
});

main(kamailio).catch(e => {
    if (!(e instanceof AssertionError))
        logError(e, 'unexpected exception');
    failures++;
}).finally(() => loop.quit());
loop.run();

kamailio.stop();
print(failures === 0 ? '# all passed' : `# ${failures} failed`);
System.exit(failures === 0 ? 0 : 1);
