#!/usr/bin/python3
# natlab-callmove-check.py: did a call keep its audio after the caller's
# network changed?
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
#   natlab-callmove-check.py CALLER_LOG CALLEE_LOG CHANGED_AT [--moved]
#
# The logs are the JSON lines of `sipnat call --json` and `sipnat answer
# --json`; CHANGED_AT is the epoch (seconds) when the new network came up.
# Checks: no call-error; each side selected a pair again after the change;
# each side received at least 50 more RTP packets after that (its
# media-stats, one a second). Prints one line of measurements (JSON) on
# stdout: seconds from the change to the pair selected again on each side,
# and to the first media-stats showing new packets on each side (an upper
# bound, 1 s resolution); the reasons of a failure on stderr.
#
# --moved: the caller's endpoint replaced its SIP stack and the call moved
# to it (sipnat-call-move.c). The caller's log then has its SIPNAT_DEBUG=sip
# lines too (GLib's debug format, times of day in UTC): the re-INVITE from
# the new transports must have been answered, and no "The network changed"
# end may appear; the seconds from the change to that answer are printed
# (caller-reinvite-answered-s).

import datetime
import json
import re
import sys

DEBUG_TIME = re.compile(r"Sipnat-DEBUG: (\d\d):(\d\d):(\d\d\.\d+): (.*)")


def events(path):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                ev = json.loads(line)
            except json.JSONDecodeError:
                continue
            t = ev.get("time", "").rstrip("Z")
            try:
                ev["epoch"] = datetime.datetime.fromisoformat(t).replace(
                    tzinfo=datetime.timezone.utc).timestamp()
            except ValueError:
                continue
            out.append(ev)
    return out


def side(name, evs, changed, failures, result):
    errors = [e for e in evs if e.get("event") == "call-error"]
    if errors:
        failures.append(f"{name}: call-error {errors[0].get('message')}")
    seen = [e for e in evs if e.get("event") == "network-changed" and e.get("available")
            and e["epoch"] >= changed]
    if seen:
        result[f"{name}-network-changed-s"] = round(seen[0]["epoch"] - changed, 3)
    pairs = [e for e in evs if e.get("event") == "selected-pair" and e["epoch"] >= changed]
    if not pairs:
        failures.append(f"{name}: no pair selected after the change")
        return
    result[f"{name}-pair-again-s"] = round(pairs[0]["epoch"] - changed, 3)
    stats = [e for e in evs if e.get("event") == "media-stats" and e["epoch"] >= pairs[0]["epoch"]]
    before = [e for e in evs if e.get("event") == "media-stats" and e["epoch"] < pairs[0]["epoch"]]
    base = before[-1]["rtp-received"] if before else 0
    grown = [e for e in stats if e["rtp-received"] > base]
    if not grown:
        failures.append(f"{name}: no RTP received after the new pair")
        return
    result[f"{name}-audio-again-s"] = round(grown[0]["epoch"] - changed, 3)
    got = stats[-1]["rtp-received"] - base
    result[f"{name}-received-after"] = got
    if got < 50:
        failures.append(f"{name}: only {got} RTP packets after the new pair")


def debug_lines(path, changed):
    """(epoch, text) of each GLib debug line, dated on CHANGED's UTC day."""
    day = datetime.datetime.fromtimestamp(changed, datetime.timezone.utc).replace(
        hour=0, minute=0, second=0, microsecond=0).timestamp()
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = DEBUG_TIME.search(line)
            if m:
                t = day + int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
                out.append((t, m[4]))
    return out


def moved(path, changed, failures, result):
    lines = [(t, text) for t, text in debug_lines(path, changed) if t >= changed - 1]
    replaced = [t for t, text in lines if "new SIP transports on port" in text]
    if replaced:
        result["caller-stack-replaced-s"] = round(replaced[0] - changed, 3)
    else:
        failures.append("caller: the endpoint did not replace its SIP stack")
    answered = [t for t, text in lines if "moved to the new transports in" in text]
    if answered:
        result["caller-reinvite-answered-s"] = round(answered[0] - changed, 3)
    else:
        failures.append("caller: the re-INVITE from the new transports was not answered")
    with open(path, encoding="utf-8", errors="replace") as f:
        if "The network changed" in f.read():
            failures.append("caller: the call ended with the network change")


def main():
    caller, callee, changed = sys.argv[1], sys.argv[2], float(sys.argv[3])
    failures = []
    result = {}
    if "--moved" in sys.argv[4:]:
        moved(caller, changed, failures, result)
    side("caller", events(caller), changed, failures, result)
    side("callee", events(callee), changed, failures, result)
    print(json.dumps(result))
    for f in failures:
        print(f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
