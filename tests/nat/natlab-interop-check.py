#!/usr/bin/python3
# natlab-interop-check.py: did a call between libsipnat and baresip 1.0
# through the NAT lab carry audio both ways, and who failed if not?
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   natlab-interop-check.py DIRECTION STATE
#
# DIRECTION: libsipnat-calls or baresip-calls. STATE: the lab's state
# directory, with alice.log (the JSON lines of `sipnat call|answer --json`),
# bob.log (baresip's log, every line prefixed with the wall-clock time, see
# baresip-lib.sh) and nat1.counters, nat2.counters (natcount_read: the
# listing's time, then the natbench table of the home router; nat1 is
# libsipnat's, nat2 baresip's).
#
# baresip's side is counted in nat2: RTP (plain or in TURN ChannelData)
# that left towards the peer = sent, that nat2 delivered to baresip =
# received. libsipnat's side: its last media-stats. Checks: libsipnat's
# call active with a selected pair; each side sent at least 50 RTP packets
# and at least 90 % of them arrived at the other. Times are measured from
# the answer (baresip's "answering call ... with 200" when it is the
# callee, its "Call established" when it is the caller).
#
# Prints one JSON line of measurements on stdout, then two lines of them
# in words; the problems on stderr (the first line a summary). Exit status: 0 every check passed; 3 the
# failures are baresip's alone (libsipnat's call active with a pair, and
# everything it sent reached baresip's router, but baresip did not send
# or did not complete ICE, with the evidence from its log); 1 otherwise;
# 2 usage.

import json
import re
import sys

MIN_PACKETS = 50


def sipnat_events(path):
    out = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError:
                        pass
    except OSError:
        pass
    return out


def baresip_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for text in f:
                stamp, _, rest = text.partition(" ")
                try:
                    # Without its colour escapes (ESC [ ... m).
                    yield float(stamp), re.sub(r"\x1b?\[[0-9;]*m", "", rest.rstrip("\n"))
                except ValueError:
                    continue
    except OSError:
        return


def first(lines, pattern):
    for t, text in lines:
        if re.search(pattern, text):
            return t
    return None


def duration(text):
    """nft's 59m31s520ms, in seconds."""
    units = {"d": 86400, "h": 3600, "m": 60, "s": 1, "ms": 0.001}
    return sum(float(n) * units[u] for n, u in re.findall(r"(\d+)(ms|d|h|m|s)", text))


def counters(path):
    try:
        with open(path) as f:
            listed_at = float(f.readline())
            text = f.read()
    except (OSError, ValueError):
        return {}, None
    result = {name: int(packets) for name, packets in
              re.findall(r"counter (\w+) \{\s*packets (\d+)", text)}
    first_rtp = None
    m = re.search(r"set first_rtp_in \{.*?elements = \{ [\d.]+ expires (\w+)", text, re.S)
    if m:
        first_rtp = listed_at - (3600 - duration(m.group(1)))
    return result, first_rtp


def ms(t, since):
    return None if t is None or since is None else round((t - since) * 1000)


def baresip_pair(lines):
    pair = None
    for _, text in lines:
        m = re.search(r"\*\s+\{comp=1\}\s+(\w+)\s+\{[^}]*\}\s+\S*?:?(host|srflx|prflx|relay):(\S+)"
                      r"\s+<--->\s+(host|srflx|prflx|relay):(\S+)", text)
        if m:
            pair = f"{m.group(2)} {m.group(3)} <-> {m.group(4)} {m.group(5)}"
    return pair


def main(argv):
    if len(argv) != 3 or argv[1] not in ("libsipnat-calls", "baresip-calls"):
        print(f"usage: {argv[0]} libsipnat-calls|baresip-calls STATE", file=sys.stderr)
        return 2
    direction, state = argv[1], argv[2]
    evs = sipnat_events(f"{state}/alice.log")
    bob = list(baresip_lines(f"{state}/bob.log"))
    states = [e.get("state") for e in evs if e.get("event") == "call-state"]
    pairs = [e for e in evs if e.get("event") == "selected-pair"]
    stats = ([e for e in evs if e.get("event") == "media-stats"] or [{}])[-1]
    errors = [e for e in evs if e.get("event") == "call-error"]
    nat1, _ = counters(f"{state}/nat1.counters")
    nat2, bob_first_rtp = counters(f"{state}/nat2.counters")

    if direction == "libsipnat-calls":
        answer = first(bob, r"answering call .* with 200")
    else:
        answer = first(bob, r"[Cc]all established")
    ice_done = first(bob, r"connectivity check is complete")
    ice_failed = first(bob, r"connectivity check failed|ICE not supported")
    checklist = [m.group(1) for _, t in bob
                 for m in [re.search(r"Check list: \[state=(\w+)\]", t)] if m]
    if ice_failed is not None:
        bob_ice = "failed"
    elif ice_done is not None:
        bob_ice = "connected"
    else:
        bob_ice = "not completed"
    turn_errors = sorted({m.group(1).strip() for _, t in bob
                          for m in [re.search(r"TURN Client error: (.*)", t)] if m})
    channel_errors = sum(1 for _, t in bob if "add channel" in t)
    # baresip without rtcp-mux wants a component-2 candidate at the peer's
    # default RTCP address, else it drops ICE ("ICE not supported by peer").
    rtcp_mismatch = [t for _, t in bob if re.search(r"\.2: no remote candidates found", t)]
    bob_succeeded = sum(1 for _, t in bob if re.search(r"InProgress ===> Succeeded", t))

    lib_sent = stats.get("rtp-sent", 0) or 0
    lib_received = stats.get("rtp-received", 0) or 0
    bob_sent = nat2.get("rtp_out", 0) + nat2.get("relayed_rtp_out", 0)
    bob_received = nat2.get("rtp_in", 0) + nat2.get("relayed_rtp_in", 0)
    pair = pairs[-1] if pairs else None
    pair_text = None if pair is None else (
        f"{pair.get('local-type')} {pair.get('local-address')} <-> {pair.get('remote-type')} "
        f"{pair.get('remote-address')} over {pair.get('transport')}")

    measured = {
        "libsipnat-pair": pair_text,
        "libsipnat-states": states,
        "libsipnat-ice-connected-ms": stats.get("connect-time-ms"),
        "libsipnat-first-rtp-ms": stats.get("first-rtp-ms"),
        "libsipnat-sent": lib_sent,
        "baresip-received": bob_received,
        "baresip-sent": bob_sent,
        "libsipnat-received": lib_received,
        "libsipnat-router-out": nat1.get("rtp_out", 0) + nat1.get("relayed_rtp_out", 0),
        "libsipnat-router-in": nat1.get("rtp_in", 0) + nat1.get("relayed_rtp_in", 0),
        "baresip-ice": bob_ice,
        "baresip-ice-ms": ms(ice_failed if ice_failed is not None else ice_done, answer),
        "baresip-checklist": checklist[-1] if checklist else None,
        "baresip-audio-start-ms": ms(first(bob, r"^audio: start$"), answer),
        "baresip-first-rtp-ms": ms(bob_first_rtp, answer),
        "baresip-pair": baresip_pair(bob),
        "baresip-turn-errors": turn_errors,
        "baresip-stun-sent": nat2.get("stun_out", 0),
        "baresip-stun-received": nat2.get("stun_in", 0),
    }
    print(json.dumps(measured))
    m = measured
    print(f"from the answer: libsipnat ICE connected {m['libsipnat-ice-connected-ms']} ms, "
          f"first RTP received by libsipnat {m['libsipnat-first-rtp-ms']} ms, by baresip "
          f"{m['baresip-first-rtp-ms']} ms; baresip's ICE {m['baresip-ice']} "
          f"({m['baresip-ice-ms']} ms)")
    print(f"libsipnat's pair: {pair_text}; RTP libsipnat -> baresip: {lib_sent} sent, "
          f"{bob_received} received; baresip -> libsipnat: {bob_sent} sent, "
          f"{lib_received} received")

    # libsipnat's side and the path from it to baresip.
    lib_problems = []
    if "active" not in states:
        lib_problems.append(f"libsipnat's call never active: states {states}, errors {errors}")
    if pair is None:
        lib_problems.append("libsipnat reported no selected pair")
    if lib_sent < MIN_PACKETS:
        lib_problems.append(f"libsipnat sent only {lib_sent} RTP packets")
    elif bob_received < 0.9 * lib_sent:
        lib_problems.append(f"libsipnat -> baresip: {bob_received} of {lib_sent} RTP packets "
                            f"reached baresip (< 90 %; {measured['libsipnat-router-out']} left "
                            f"libsipnat's router)")
    # baresip's side.
    bob_problems = []
    if answer is None:
        bob_problems.append("no answer in baresip's log")
    if bob_sent < MIN_PACKETS:
        bob_problems.append(f"baresip sent only {bob_sent} RTP packets (its ICE: {bob_ice}, "
                            f"check list {measured['baresip-checklist']}, audio start at "
                            f"{measured['baresip-audio-start-ms']} ms)")
    elif lib_received < 0.9 * bob_sent:
        lib_problems.append(f"baresip -> libsipnat: libsipnat received {lib_received} of the "
                            f"{bob_sent} RTP packets baresip sent (< 90 %; "
                            f"{measured['libsipnat-router-in']} delivered by its router)")
    if not lib_problems and not bob_problems:
        return 0
    if rtcp_mismatch:
        lib_problems.insert(0, "libsipnat's SDP has no RTCP (ICE component 2) candidate and "
                               "baresip does not multiplex RTCP (rtcp_mux no): baresip finds "
                               "no remote candidate at the default RTCP address and drops "
                               f"ICE ({rtcp_mismatch[0].strip()})")
    elif ("active" not in states and any(e.get("code") == "ice-failed" for e in errors)
          and bob_ice == "not completed" and bob_succeeded and (channel_errors or turn_errors)
          and lib_sent == 0):
        # baresip is the controlling agent here and nominates only when its
        # whole check list is done; after its TURN client is gone (403 for a
        # private peer) its relay pairs stay in progress, so it never
        # nominates the pairs that succeeded and libsipnat's checks time out.
        print(f"baresip never nominated: {bob_succeeded} of its pairs succeeded but its check "
              f"list never completed (TURN errors {turn_errors}, {channel_errors} 'add channel' "
              f"errors); libsipnat gave up waiting: {errors[-1].get('message')}",
              file=sys.stderr)
        for _, t in bob:
            if re.search(r"ice:|TURN|connchk|Check list|FSM", t):
                print("baresip log: " + t, file=sys.stderr)
        return 3
    if lib_problems:
        for p in lib_problems + bob_problems:
            print(p, file=sys.stderr)
        return 1
    # Only baresip failed: libsipnat connected, sent, and its packets reached
    # baresip's router. The evidence from baresip's log.
    print("; ".join(bob_problems), file=sys.stderr)
    print(f"libsipnat: active, pair {pair_text}, ICE connected at "
          f"{stats.get('connect-time-ms')} ms; {lib_sent} RTP sent, {bob_received} delivered "
          f"to baresip", file=sys.stderr)
    print(f"baresip: ICE {bob_ice} ({measured['baresip-ice-ms']} ms after the answer), last "
          f"check list state {measured['baresip-checklist']}, TURN errors {turn_errors}, "
          f"{channel_errors} 'add channel' errors; {measured['baresip-stun-sent']} STUN "
          f"packets sent, {measured['baresip-stun-received']} received", file=sys.stderr)
    for _, t in bob:
        if re.search(r"ice:|TURN|connchk|Check list", t):
            print("baresip log: " + t, file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main(sys.argv))
