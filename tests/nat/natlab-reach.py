#!/usr/bin/python3
# natlab-reach.py: how long until a user is reachable again.
#
# Sends an OPTIONS through the proxy to URI every --interval seconds (each
# waiting --timeout seconds for its answer, natlab-probe.py's sip-request
# in this process: no start-up cost per probe) until one gets a 200, and
# prints the seconds since --since (an epoch time, e.g. natlab.sh's
# CHANGED_AT) with two decimals, or "never" after --limit seconds.
#
# With --since-file FILE instead, it waits (at most --limit seconds) for
# FILE to hold a line CHANGED_AT=EPOCH, and only then starts probing: started
# before the change, its own start-up is not part of what it measures. It
# creates FILE.ready once it waits.
#
# SPDX-License-Identifier: LGPL-2.1-or-later

import argparse
import contextlib
import importlib.util
import io
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location('natlab_probe', os.path.join(HERE, 'natlab-probe.py'))
probe = importlib.util.module_from_spec(spec)
spec.loader.exec_module(probe)


def status(uri, proxy, timeout):
    args = argparse.Namespace(method='OPTIONS', uri=uri, proxy=proxy, timeout=timeout,
                              max_forwards=70, from_uri=None, body=None, bind='0.0.0.0',
                              from_port=0, expect=None, verbose=False)
    captured = io.StringIO()
    with contextlib.redirect_stdout(captured):
        probe.cmd_sip_request(args)
    return captured.getvalue().strip().splitlines()[-1]


def wait_for_change(path, limit):
    deadline = time.time() + limit
    open(path + '.ready', 'w').close()
    while time.time() < deadline:
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith('CHANGED_AT='):
                        return float(line.split('=', 1)[1])
        except OSError:
            pass
        time.sleep(0.01)
    return None


def main():
    p = argparse.ArgumentParser()
    p.add_argument('uri')
    p.add_argument('--proxy', required=True)
    p.add_argument('--since', type=float, default=None)
    p.add_argument('--since-file')
    p.add_argument('--limit', type=float, default=20)
    p.add_argument('--interval', type=float, default=0.1)
    p.add_argument('--timeout', type=float, default=0.3)
    args = p.parse_args()
    since = args.since if args.since is not None else time.time()
    if args.since_file:
        since = wait_for_change(args.since_file, args.limit)
        if since is None:
            print('never')
            return 1
    while time.time() - since < args.limit:
        sent = time.time()
        if status(args.uri, args.proxy, args.timeout) == '200':
            print('%.2f' % (time.time() - since))
            return 0
        time.sleep(max(0.0, args.interval - (time.time() - sent)))
    print('never')
    return 1


if __name__ == '__main__':
    sys.exit(main())
