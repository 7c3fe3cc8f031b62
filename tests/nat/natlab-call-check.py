#!/usr/bin/python3
# natlab-call-check.py: did a call through the NAT lab carry audio both
# ways, along the expected path?
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   natlab-call-check.py CALLER_LOG CALLEE_LOG EXPECT
#
# The logs are the JSON lines of `sipnat call --json` and `sipnat answer
# --json`. EXPECT is one of:
#   direct      no side's selected pair uses the TURN relay
#   relay       at least one side's local candidate is relayed
#   relay-udp, relay-tcp, relay-tls
#               the caller's local candidate is relayed, over that
#               transport to the TURN server
#   latched     ICE off: no relay, audio both ways by symmetric RTP
# Checks: both calls were active; at least 90 % of the RTP packets one
# side sent were received by the other (the last media-stats of each);
# the path. Prints one line of measurements (JSON) on stdout, the reasons
# of a failure on stderr; exit 0 when every check passed.

import json
import sys


def events(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return out


def last(evs, name):
    found = [e for e in evs if e.get("event") == name]
    return found[-1] if found else None


def summary(evs):
    states = [e.get("state") for e in evs if e.get("event") == "call-state"]
    return {
        "active": "active" in states,
        "states": states,
        "pair": last(evs, "selected-pair"),
        "stats": last(evs, "media-stats") or {},
        "error": last(evs, "call-error"),
    }


def is_relay(pair):
    return pair is not None and pair.get("local-type") == "relay"


def check_path(expect, caller, callee, problems):
    a, b = caller["pair"], callee["pair"]
    if a is None or b is None:
        problems.append(f"no selected-pair event (caller {a}, callee {b})")
        return
    if expect in ("direct", "latched"):
        if is_relay(a) or is_relay(b) or a.get("remote-type") == "relay":
            problems.append(f"expected a direct path, got caller {a}, callee {b}")
    elif expect == "relay":
        if not (is_relay(a) or is_relay(b)):
            problems.append(f"expected the TURN relay, got caller {a}, callee {b}")
    elif expect.startswith("relay-"):
        transport = expect.split("-", 1)[1]
        if not is_relay(a) or a.get("transport") != transport:
            problems.append(f"expected the caller relayed over TURN/{transport}, got {a}")
    else:
        problems.append(f"unknown expectation {expect}")


def check_audio(name, sender, receiver, problems):
    sent = sender["stats"].get("rtp-sent", 0)
    got = receiver["stats"].get("rtp-received", 0)
    if sent < 50:
        problems.append(f"{name}: only {sent} RTP packets sent")
    elif got < 0.9 * sent:
        problems.append(f"{name}: {got} of {sent} RTP packets arrived (< 90 %)")


def main(argv):
    if len(argv) != 4:
        print(f"usage: {argv[0]} CALLER_LOG CALLEE_LOG EXPECT", file=sys.stderr)
        return 2
    caller, callee = summary(events(argv[1])), summary(events(argv[2]))
    problems = []
    for name, side in (("caller", caller), ("callee", callee)):
        if not side["active"]:
            problems.append(f"{name} never active: states {side['states']}, "
                            f"error {side['error']}")
    check_path(argv[3], caller, callee, problems)
    check_audio("caller -> callee", caller, callee, problems)
    check_audio("callee -> caller", callee, caller, problems)

    def pair_text(p):
        if p is None:
            return None
        return (f"{p.get('local-type')} {p.get('local-address')} <-> {p.get('remote-type')} "
                f"{p.get('remote-address')} over {p.get('transport')}")

    print(json.dumps({
        "caller-pair": pair_text(caller["pair"]),
        "callee-pair": pair_text(callee["pair"]),
        "caller-connect-ms": caller["stats"].get("connect-time-ms"),
        "callee-connect-ms": callee["stats"].get("connect-time-ms"),
        "caller-first-rtp-ms": caller["stats"].get("first-rtp-ms"),
        "callee-first-rtp-ms": callee["stats"].get("first-rtp-ms"),
        "caller-sent": caller["stats"].get("rtp-sent"),
        "callee-received": callee["stats"].get("rtp-received"),
        "callee-sent": callee["stats"].get("rtp-sent"),
        "caller-received": caller["stats"].get("rtp-received"),
    }))
    for p in problems:
        print(p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
