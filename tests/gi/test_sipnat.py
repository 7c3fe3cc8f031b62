# test_sipnat.py: libsipnat from Python (PyGObject) against a real Kamailio
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Run by meson (suite 'gi'):
#   /usr/bin/python3 -m pytest -q tests/gi/test_sipnat.py
# with GI_TYPELIB_PATH=<build>/introspection, LD_LIBRARY_PATH=<build>/libsipnat
# and SIPNAT_TEST_KAMAILIO=<build>/tests/servers/sipnat-test-kamailio.
#
# test_examples runs the programs in examples/ end to end; it only runs in
# the 'gi-examples' test (examples/meson.build), which sets
# SIPNAT_EXAMPLE_{C,VALA,PY,JS}.
#
# Exits 77 (skipped) when PyGObject or Kamailio is missing, unless
# SIPNAT_REQUIRE_NETNS is set: then that is a failure.

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

try:
    import gi
except ImportError as e:  # python3-gi is not installed: skip
    gi = None
    GI_MISSING = str(e)
else:
    GI_MISSING = None
    # A missing Sipnat typelib is a build problem, not a reason to skip.
    gi.require_version("GLib", "2.0")
    gi.require_version("Sipnat", "1")
    from gi.repository import GLib, Sipnat

EXIT_SKIP = 77
TIMEOUT_S = 15


def skip_or_fail(reason):
    """Skips the whole run (exit status 77), or fails under SIPNAT_REQUIRE_NETNS."""
    if "SIPNAT_REQUIRE_NETNS" in os.environ:
        pytest.fail(f"required for the gi tests, but missing: {reason}", pytrace=False)
    pytest.exit(f"SKIP: {reason}", returncode=EXIT_SKIP)


class Kamailio:
    """tests/servers/sipnat-test-kamailio: a Kamailio that lives as long as
    our end of its stdin stays open."""

    def __init__(self, *args):
        exe = os.environ.get("SIPNAT_TEST_KAMAILIO")
        if not exe:
            pytest.fail("SIPNAT_TEST_KAMAILIO is not set (run the test with meson test)")
        self.proc = subprocess.Popen(
            [exe, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        first = self.proc.stdout.readline().strip()
        self.port = None
        if first.startswith("PORT "):
            self.port = int(first.split()[1])
        elif first.startswith("SKIP "):
            self.stop()
            skip_or_fail(first[len("SKIP "):])
        else:
            self.stop()
            pytest.fail(f"sipnat-test-kamailio did not start: {first!r}")

    def command(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()
        return self.proc.stdout.readline().strip()

    def contacts(self, user):
        words = self.command(f"contacts {user}").split()
        assert words and words[0] == "CONTACTS", words
        return words[1:]

    def count(self):
        words = self.command("count").split()
        assert words[0] == "COUNT", words
        return int(words[1])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                # The helper gives Kamailio up to 10 s to stop on SIGTERM.
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                self.proc.wait(timeout=10)
        else:
            self.proc.stdin.close()
        self.proc.stdout.close()


@pytest.fixture(scope="module", autouse=True)
def require_gi():
    if GI_MISSING:
        skip_or_fail(f"PyGObject (python3-gi): {GI_MISSING}")


@pytest.fixture(scope="module")
def kamailio():
    k = Kamailio("--auth")
    yield k
    k.stop()


@pytest.fixture
def endpoint():
    ep = Sipnat.Endpoint.new("127.0.0.1", 0, None)
    yield ep
    # Close it if the test did not (so that nothing stays registered).
    try:
        run_async(ep.close_async, ep.close_finish)
    except GLib.Error as e:
        if not e.matches(Sipnat.error_quark(), Sipnat.Error.CLOSED):
            raise


def run_async(start, finish, timeout=TIMEOUT_S):
    """Calls start(None, callback) and runs a GLib main loop until the
    callback comes; returns finish(result) or raises its GLib.Error."""
    loop = GLib.MainLoop()
    box = {}

    def done(source, result):
        try:
            box["value"] = finish(result)
        except GLib.Error as e:
            box["error"] = e
        loop.quit()

    def expired():
        box["timeout"] = True
        loop.quit()
        return GLib.SOURCE_REMOVE

    start(None, done)
    timeout_id = GLib.timeout_add_seconds(timeout, expired)
    loop.run()
    if "timeout" in box:
        pytest.fail(f"{start.__name__} did not complete in {timeout} s")
    GLib.source_remove(timeout_id)
    if "error" in box:
        raise box["error"]
    return box["value"]


def binding_tuple(binding):
    if binding is None:
        return None
    return (binding.get_host(), binding.get_port(), binding.get_transport())


def test_register_signal_close(kamailio, endpoint):
    server = f"127.0.0.1:{kamailio.port}"
    reg = endpoint.add_registration(server, "alice")
    reg.set_password("alicepw")
    assert reg.get_state() == Sipnat.RegistrationState.NONE

    changes = []
    kept = []

    def on_binding_changed(registration, old, new):
        assert registration is reg
        # Read the fields here; also keep copies to read after the emission.
        changes.append((binding_tuple(old), binding_tuple(new)))
        kept.append(new.copy())

    reg.connect("public-binding-changed", on_binding_changed)

    assert run_async(reg.register_async, reg.register_finish) is True
    assert reg.get_state() == Sipnat.RegistrationState.REGISTERED
    assert reg.props.state == Sipnat.RegistrationState.REGISTERED

    port = endpoint.get_local_port()
    assert port > 0
    assert changes == [(None, ("127.0.0.1", port, Sipnat.Transport.UDP))]
    assert binding_tuple(kept[0]) == ("127.0.0.1", port, Sipnat.Transport.UDP)
    assert binding_tuple(reg.get_public_binding()) == ("127.0.0.1", port, Sipnat.Transport.UDP)
    assert binding_tuple(reg.props.public_binding) == ("127.0.0.1", port, Sipnat.Transport.UDP)
    assert reg.get_nat_detected() is False

    contacts = kamailio.contacts("alice")
    assert any(c.startswith(f"sip:alice@127.0.0.1:{port}") for c in contacts), contacts
    assert reg.get_contact() is not None

    run_async(endpoint.close_async, endpoint.close_finish)
    assert reg.get_state() == Sipnat.RegistrationState.UNREGISTERED
    assert not any(f"127.0.0.1:{port}" in c for c in kamailio.contacts("alice"))
    assert len(changes) == 1


def test_wrong_password(kamailio, endpoint):
    reg = endpoint.add_registration(f"127.0.0.1:{kamailio.port}", "bob")
    reg.set_password("wrong")
    before = kamailio.count()

    with pytest.raises(GLib.Error) as info:
        run_async(reg.register_async, reg.register_finish)
    error = info.value
    print(f"wrong password: {error.domain} {error.code}: {error.message}")
    assert error.matches(Sipnat.error_quark(), Sipnat.Error.AUTH_FAILED)
    assert error.domain == GLib.quark_to_string(Sipnat.Error.quark())
    assert error.code == Sipnat.Error.AUTH_FAILED
    assert reg.get_state() == Sipnat.RegistrationState.FAILED
    # The registration keeps its error for later inspection.
    assert reg.get_error() is not None
    assert reg.get_error().matches(Sipnat.error_quark(), Sipnat.Error.AUTH_FAILED)
    # One challenge round: the first REGISTER and the authenticated one.
    assert kamailio.count() - before == 2
    assert kamailio.contacts("bob") == []


def test_properties(endpoint):
    reg = endpoint.add_registration("127.0.0.1:5060", "carol")

    assert reg.props.reg_timeout == Sipnat.DEFAULT_REG_TIMEOUT
    reg.props.reg_timeout = 120
    assert reg.get_reg_timeout() == 120
    assert reg.get_property("reg-timeout") == 120
    reg.set_property("reg-timeout", 90)
    assert reg.props.reg_timeout == 90

    notified = []
    reg.connect("notify::reg-interval", lambda obj, pspec: notified.append(pspec.name))
    reg.props.reg_interval = 5
    reg.props.reg_interval = 5  # no change: no notify (explicit notify)
    assert notified == ["reg-interval"]

    assert reg.props.user == "carol"
    assert reg.props.server == "127.0.0.1:5060"
    assert reg.props.endpoint == endpoint
    assert endpoint.props.local_port == endpoint.get_local_port()
    assert endpoint.props.local_address == "127.0.0.1"

    registrations = endpoint.get_registrations()
    assert registrations.get_n_items() == 1
    assert registrations.get_item(0) == reg


def test_probe_nat(kamailio, endpoint):
    """The NAT probe through GI: a boxed report; on loopback with a
    registrar and no STUN server, UDP reaches it, there is no NAT, and the
    STUN tests stay unknown."""
    endpoint.add_registration(f"127.0.0.1:{kamailio.port}", "alice")
    report = run_async(
        lambda cancellable, cb: endpoint.probe_nat_async(None, Sipnat.NatProbeFlags.NONE,
                                                         cancellable, cb),
        endpoint.probe_nat_finish)
    assert isinstance(report, Sipnat.NatReport)
    assert report.get_udp() == Sipnat.NatCheck.YES
    assert report.get_nat() == Sipnat.NatCheck.NO
    assert report.get_mapping() == Sipnat.NatBehaviour.UNKNOWN
    assert report.get_filtering() == Sipnat.NatBehaviour.UNKNOWN
    assert report.get_binding_lifetime() == -1
    host, port = report.get_public_address()
    assert host == "127.0.0.1" and port > 0
    assert report.get_summary().startswith("No NAT")


def test_invalid_address():
    with pytest.raises(GLib.Error) as info:
        Sipnat.Endpoint.new("not an address", 0, None)
    error = info.value
    print(f"invalid address: {error.domain} {error.code}: {error.message}")
    assert error.message


# -------------------------------------------------------------- examples


class Running:
    """A program whose output lines are collected by a thread, so that we
    can wait for a line with a timeout."""

    def __init__(self, argv):
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        self.argv = argv
        self.proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, env=env)
        self.lines = []
        self._queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def output(self):
        return "\n".join(self.lines)

    def wait_for(self, pattern, timeout=TIMEOUT_S):
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self._queue.get(timeout=max(remaining, 0.01))
            except queue.Empty:
                line = False
            if line is False or (line is None) or remaining <= 0:
                self.kill()
                why = "exited" if line is None else f"timed out after {timeout} s"
                pytest.fail(f"{self.argv[0]} {why} before printing /{pattern}/; "
                            f"output:\n{self.output()}")
            self.lines.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def finish(self, timeout=TIMEOUT_S):
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"{self.argv[0]} did not exit in {timeout} s; output:\n{self.output()}")
        while (line := self._queue.get(timeout=5)) is not None:
            self.lines.append(line)
        return status

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def example_command(lang):
    path = os.environ.get(f"SIPNAT_EXAMPLE_{lang.upper()}")
    if not path:
        if any(k.startswith("SIPNAT_EXAMPLE_") for k in os.environ):
            pytest.skip(f"the {lang} example is not built here")
        pytest.skip("run by the gi-examples test (examples/meson.build)")
    if lang == "py":
        return [sys.executable, path]
    if lang == "js":
        return [shutil.which("gjs") or "gjs", "-m", path]
    return [path]


@pytest.mark.parametrize("lang", ["c", "vala", "py", "js"])
def test_examples(kamailio, lang):
    command = example_command(lang)
    server = f"127.0.0.1:{kamailio.port}"

    # Register, see the binding and the registrar's contact, Ctrl-C.
    run = Running(command + [server, "carol", "carolpw", "127.0.0.1"])
    port = int(run.wait_for(r"^local port: (\d+)$").group(1))
    run.wait_for(r"^state: (SIPNAT_REGISTRATION_STATE_)?(?i:registering)\b")
    # "?" for the arrow in a non-UTF-8 locale
    run.wait_for(rf"^public binding: \(none\) (→|\?) 127\.0\.0\.1:{port}/udp$")
    run.wait_for(r"^state: (SIPNAT_REGISTRATION_STATE_)?(?i:registered)\b")
    run.wait_for(rf"^registered as sip:carol@127\.0\.0\.1:{port}")
    assert any(f"127.0.0.1:{port}" in c for c in kamailio.contacts("carol")), run.output()

    run.proc.send_signal(signal.SIGINT)
    run.wait_for(r"^closed$")
    assert run.finish() == 0, run.output()
    assert re.search(r"^state: (SIPNAT_REGISTRATION_STATE_)?(?i:unregistered)\b",
                     run.output(), re.M), run.output()
    assert not any(f"127.0.0.1:{port}" in c for c in kamailio.contacts("carol")), run.output()

    # A wrong password: exit status 1 after closing.
    run = Running(command + [server, "carol", "wrong", "127.0.0.1"])
    run.wait_for(r"registration failed: ")
    assert run.finish() == 1, run.output()


def write_call_config(path, server, user, password, ice):
    with open(path, "w") as f:
        f.write(f"""[policy.endpoint]
local_address = 127.0.0.1

[proxies.proxy0]
server = {server}
user = {user}
password = {password}
reg_timeout = 60

[proxies.proxy0.nat]
ice_enabled = {1 if ice else 0}
""")


def call_example_command(lang):
    path = os.environ.get(f"SIPNAT_EXAMPLE_CALL_{lang.upper()}")
    if not path:
        pytest.skip("run by the gi-examples test (examples/meson.build)")
    return [sys.executable, path] if lang == "py" else [path]


@pytest.mark.parametrize("lang,ice", [("c", True), ("py", True), ("py", False)])
def test_examples_call(kamailio, tmp_path, lang, ice):
    """The call examples: bob answers, alice calls through Kamailio; both
    see the media path and count the audio that arrived."""
    command = call_example_command(lang)
    server = f"127.0.0.1:{kamailio.port}"
    write_call_config(tmp_path / "alice.conf", server, "alice", "alicepw", ice)
    write_call_config(tmp_path / "bob.conf", server, "bob", "bobpw", ice)

    bob = Running(command + [str(tmp_path / "bob.conf"), "--answer", "2"])
    bob.wait_for(r"^waiting for a call$")
    alice = Running(command + [str(tmp_path / "alice.conf"), f"sip:bob@{server}", "2"])
    for run in (alice, bob):
        match = run.wait_for(r"^sent (\d+) RTP packets, received (\d+)")
        assert int(match.group(2)) > 0, run.output()
        assert run.finish() == 0, run.output()
        assert re.search(r"^call: .*(?i:active)", run.output(), re.M), run.output()
        assert re.search(r"^media path: (host|srflx|prflx|relay) [\d.]+:\d+ <-> ", run.output(), re.M), run.output()
