#!/usr/bin/python3
# call.py: place (or answer) an audio call through NATs and count the audio
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   call.py CONFIG URI [SECONDS]     call URI
#   call.py CONFIG --answer [SECONDS]  answer the first incoming call
#
# CONFIG is a libsipnat configuration file (see sipnat.conf next to this
# file): its proxy0 section registers, its nat section chooses ICE, STUN
# and TURN. The call sends a test tone (audiotestsrc) through the call's
# media bin and counts the RTP packets that arrive; after SECONDS (default
# 10) it hangs up and prints the media path (which candidate pair: direct,
# or through the TURN relay) and the packet counts. Exits 0 when the call
# was active and audio arrived, 1 otherwise.
#
# Needs PyGObject, GStreamer's introspection data (gir1.2-gstreamer-1.0) and
# the Sipnat typelib; from a build tree:
#   GI_TYPELIB_PATH=_build/introspection LD_LIBRARY_PATH=_build/libsipnat

import sys

USAGE = f"usage: {sys.argv[0]} CONFIG (URI | --answer) [SECONDS]"

import gi

gi.require_version("GLib", "2.0")
gi.require_version("Gst", "1.0")
gi.require_version("Sipnat", "1")
from gi.repository import GLib, Gst, Sipnat  # noqa: E402


def pair_text(pair):
    if pair is None:
        return "(none)"
    def kind(t):
        return t.value_nick
    return (f"{kind(pair.get_local_type())} {pair.get_local_address()} <-> "
            f"{kind(pair.get_remote_type())} {pair.get_remote_address()} "
            f"over {pair.get_transport().value_nick}")


class App:
    def __init__(self, config, target, seconds):
        self.loop = GLib.MainLoop()
        self.target = target
        self.seconds = seconds
        self.status = 1
        self.call = None
        self.pipeline = None
        self.was_active = False

        # The endpoint and its registrations, from the configuration file.
        self.endpoint = Sipnat.Endpoint.new_from_file(config, None)
        self.endpoint.connect("incoming-call", self.on_incoming_call)
        self.registration = self.endpoint.get_registrations().get_item(0)

    # The call's media is a GStreamer bin: raw audio in on "sink", received
    # audio out on "src". Link it before dialling or answering.
    def start_media(self, call):
        self.pipeline = Gst.Pipeline.new(None)
        src = Gst.ElementFactory.make("audiotestsrc", None)
        src.set_property("is-live", True)
        sink = Gst.ElementFactory.make("fakesink", None)
        sink.set_property("sync", False)
        media = call.get_media()
        for element in (src, media, sink):
            self.pipeline.add(element)
        src.link(media)
        media.link(sink)
        self.pipeline.set_state(Gst.State.PLAYING)

    def watch(self, call):
        self.call = call
        call.connect("notify::state", self.on_state)
        call.connect("selected-pair-changed", self.on_pair)
        self.start_media(call)

    def on_state(self, call, pspec):
        state = call.get_state()
        reason = call.get_state_reason()
        print(f"call: {state.value_nick}" + (f" ({reason})" if reason else ""))
        if state == Sipnat.CallState.ACTIVE and not self.was_active:
            self.was_active = True
            GLib.timeout_add_seconds(self.seconds, self.hang_up)
        elif state == Sipnat.CallState.ENDED:
            self.finish()

    def on_pair(self, call, pair):
        # Which path the audio takes: never a guess.
        print(f"media path: {pair_text(pair)}")

    def on_incoming_call(self, endpoint, call):
        if self.call is not None:
            call.reject(486)
            return
        print(f"incoming call from {call.get_remote_uri()}")
        self.watch(call)
        call.answer_async(None, self.on_connected)

    def on_connected(self, call, result):
        try:
            if call.get_direction() == Sipnat.CallDirection.OUTGOING:
                call.dial_finish(result)
            else:
                call.answer_finish(result)
        except GLib.Error as e:
            print(f"call failed: {e.message}", file=sys.stderr)

    def hang_up(self):
        if self.call.get_state() != Sipnat.CallState.ENDED:
            self.call.hangup()
        return GLib.SOURCE_REMOVE

    def finish(self):
        stats = self.call.get_stats()
        print(f"sent {stats.get_rtp_packets_sent()} RTP packets, "
              f"received {stats.get_rtp_packets_received()}; "
              f"media connected {stats.get_connect_time()} ms after the answer")
        if self.was_active and stats.get_rtp_packets_received() > 0:
            self.status = 0
        if self.pipeline is not None:
            self.pipeline.set_state(Gst.State.NULL)
        self.endpoint.close_async(None, lambda e, r: self.loop.quit())

    def on_registered(self, endpoint, result):
        try:
            endpoint.register_all_finish(result)
        except GLib.Error as e:
            print(f"registration failed: {e.message}", file=sys.stderr)
            self.loop.quit()
            return
        print(f"registered as {self.registration.get_contact()}")
        if self.target is None:
            print("waiting for a call")
            return
        call = self.registration.create_call(self.target)
        self.watch(call)
        call.dial_async(None, self.on_connected)

    def run(self):
        self.endpoint.register_all_async(None, self.on_registered)
        self.loop.run()
        return self.status


def main(argv):
    if len(argv) == 2 and argv[1] in ("-h", "--help"):
        print(USAGE)
        return 0
    if len(argv) not in (3, 4):
        print(USAGE, file=sys.stderr)
        return 2
    Gst.init(None)
    target = None if argv[2] == "--answer" else argv[2]
    seconds = int(argv[3]) if len(argv) == 4 else 10
    try:
        app = App(argv[1], target, seconds)
    except GLib.Error as e:
        print(f"cannot create the endpoint: {e.message}", file=sys.stderr)
        return 1
    return app.run()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
