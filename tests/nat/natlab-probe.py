#!/usr/bin/python3
# natlab-probe.py: tiny UDP/STUN/SIP helper for the NAT lab (tests/nat/natlab.sh).
#
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Runs inside a lab namespace, usually as
#   natlab.sh probe ROLE SUBCOMMAND ARGS...
# (= natlab.sh exec ROLE /usr/bin/python3 natlab-probe.py SUBCOMMAND ARGS...).
# Standard library only.
#
# Subcommands (see --help of each):
#   echo-server PORT          answer every UDP datagram with "SEEN ip port len";
#                             "POKE ip port text" from loopback makes it send
#                             text to ip:port from its own socket
#   query HOST PORT [HOST PORT...]
#                             ask echo servers which source address they saw
#   poke ECHO_PORT IP PORT [TEXT]
#                             ask the local echo server to send TEXT to IP:PORT
#   listen PORT               wait for datagrams on PORT (optionally sending
#                             keepalives), exit 0 when --expect TEXT arrives
#   send HOST PORT TEXT       send one datagram
#   stun HOST PORT            RFC 5389 Binding request (UDP, or --transport tcp|tls),
#                             prints the mapped address
#   turn-echo HOST [PORT] USER PASSWORD --peer IP
#                             TURN allocation (UDP/TCP/TLS to the server) with a
#                             permission for IP; prints "relayed IP:PORT", then
#                             answers every datagram from a peer like echo-server
#   sip-request METHOD URI --proxy HOST:PORT
#                             OPTIONS/MESSAGE through a proxy, prints the final
#                             status code ("timeout" if none)
#   sip-ua USER PASSWORD --registrar HOST:PORT
#                             minimal UA: REGISTER (digest auth), then answer
#                             requests with 200 for --duration seconds
#
# Exit status: 0 success, 1 the expected thing did not happen (timeout,
# other status code), 2 usage or local error.

import argparse
import hashlib
import hmac
import os
import random
import re
import select
import socket
import ssl
import struct
import sys
import time


def out(*args):
    print(*args, flush=True)


def err(*args):
    print(*args, file=sys.stderr, flush=True)


def parse_hostport(text, default_port=None):
    if text.startswith('['):
        host, _, rest = text[1:].partition(']')
        port = rest[1:] if rest.startswith(':') else ''
    elif text.count(':') == 1:
        host, _, port = text.partition(':')
    else:
        host, port = text, ''
    if not port:
        if default_port is None:
            raise argparse.ArgumentTypeError(f'{text}: HOST:PORT expected')
        return host, default_port
    return host, int(port)


def udp_socket(port=0, bind='0.0.0.0'):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((bind, port))
    return sock


def recv_until(sock, deadline, size=65535):
    """One datagram or None at the deadline. ICMP errors are ignored."""
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return None, None
        ready, _, _ = select.select([sock], [], [], left)
        if not ready:
            return None, None
        try:
            return sock.recvfrom(size)
        except ConnectionRefusedError:
            continue


# ----------------------------------------------------------------- echo/query

def cmd_echo_server(args):
    sock = udp_socket(args.port, args.bind)
    out(f'echo-server listening on {args.bind}:{args.port}')
    end = time.monotonic() + args.duration if args.duration else None
    while True:
        if end is not None and time.monotonic() >= end:
            return 0
        data, addr = recv_until(sock, end if end is not None else time.monotonic() + 3600)
        if data is None:
            continue
        if data.startswith(b'POKE ') and addr[0].startswith('127.'):
            try:
                _, ip, port, text = data.decode().split(' ', 3)
                sock.sendto(text.encode(), (ip, int(port)))
                sock.sendto(b'POKED', addr)
                out(f'poked {ip}:{port} {text!r}')
            except (ValueError, OSError) as e:
                sock.sendto(f'POKE-ERROR {e}'.encode(), addr)
            continue
        out(f'from {addr[0]}:{addr[1]} len={len(data)}')
        try:
            sock.sendto(f'SEEN {addr[0]} {addr[1]} {len(data)}'.encode(), addr)
        except OSError as e:
            err(f'echo-server: reply to {addr}: {e}')


def cmd_query(args):
    if len(args.targets) % 2:
        err('query: HOST PORT pairs expected')
        return 2
    sock = udp_socket(args.from_port)
    local = sock.getsockname()
    status = 0
    for i in range(0, len(args.targets), 2):
        target = (args.targets[i], int(args.targets[i + 1]))
        payload = b'QUERY'
        if args.size > len(payload):
            payload += b'.' * (args.size - len(payload))
        seen = None
        for _ in range(args.tries):
            try:
                sock.sendto(payload, target)
            except OSError as e:
                err(f'query: send to {target}: {e}')
                break
            deadline = time.monotonic() + args.timeout
            while seen is None:
                data, addr = recv_until(sock, deadline)
                if data is None:
                    break
                if addr == target and data.startswith(b'SEEN '):
                    _, ip, port, _length = data.decode().split()
                    seen = f'{ip}:{port}'
            if seen is not None:
                break
        if seen is None:
            status = 1
        out(f'{target[0]}:{target[1]} {seen if seen else "timeout"}')
    if args.verbose:
        err(f'query: local address {local[0]}:{local[1]}')
    return status


def cmd_poke(args):
    sock = udp_socket(0, '127.0.0.1')
    sock.sendto(f'POKE {args.ip} {args.port} {args.text}'.encode(), ('127.0.0.1', args.echo_port))
    data, _ = recv_until(sock, time.monotonic() + 2)
    if data != b'POKED':
        err(f'poke: no ack from the echo server on 127.0.0.1:{args.echo_port}: {data!r}')
        return 1
    return 0


def cmd_send(args):
    sock = udp_socket(args.from_port)
    sock.sendto(args.text.encode(), (args.host, args.port))
    return 0


def cmd_listen(args):
    sock = udp_socket(args.port, args.bind)
    keepalive = parse_hostport(args.keepalive) if args.keepalive else None
    start = time.monotonic()
    end = start + args.timeout
    next_keepalive = start
    out(f'listening on {args.bind}:{sock.getsockname()[1]}')
    while True:
        now = time.monotonic()
        if now >= end:
            break
        if keepalive and now >= next_keepalive:
            sock.sendto(b'KEEPALIVE', keepalive)
            next_keepalive = now + args.interval
        deadline = min(end, next_keepalive) if keepalive else end
        data, addr = recv_until(sock, deadline)
        if data is None:
            continue
        if data.startswith(b'SEEN ') and not args.show_echo:
            continue
        text = data.decode(errors='replace')
        out(f'{time.monotonic() - start:.3f} from {addr[0]}:{addr[1]}: {text}')
        if args.expect is not None and args.expect in text:
            return 0
    if args.expect is not None:
        out('timeout')
        return 1
    return 0


# ----------------------------------------------------------------------- STUN

STUN_MAGIC = 0x2112A442
STUN_ATTRS = {
    0x0001: 'MAPPED-ADDRESS',
    0x0020: 'XOR-MAPPED-ADDRESS',
    0x8020: 'XOR-MAPPED-ADDRESS',  # pre-RFC 5389 code point
    0x0004: 'SOURCE-ADDRESS',
    0x0005: 'CHANGED-ADDRESS',
    0x802B: 'RESPONSE-ORIGIN',
    0x802C: 'OTHER-ADDRESS',
}


def stun_address(kind, value, txid):
    family = value[1]
    port = struct.unpack('!H', value[2:4])[0]
    raw = value[4:]
    if kind == 'XOR-MAPPED-ADDRESS':
        port ^= STUN_MAGIC >> 16
        key = struct.pack('!I', STUN_MAGIC) + txid
        raw = bytes(b ^ key[i] for i, b in enumerate(raw))
    if family == 1:
        return f'{socket.inet_ntop(socket.AF_INET, raw[:4])}:{port}'
    return f'[{socket.inet_ntop(socket.AF_INET6, raw[:16])}]:{port}'


def recv_exact(sock, size):
    data = b''
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError('connection closed by the server')
        data += chunk
    return data


def stun_over_stream(args, request):
    """One Binding request over TCP or TLS (RFC 5389 section 7.2.2: the
    message as is on the stream); the reply, or None on timeout."""
    try:
        sock = socket.create_connection((args.host, args.port), timeout=args.timeout,
                                        source_address=('0.0.0.0', args.from_port))
    except (socket.timeout, ConnectionRefusedError, OSError) as e:
        err(f'connect {args.host}:{args.port}: {e}')
        return None
    with sock:
        try:
            if args.transport == 'tls':
                context = ssl.create_default_context(cafile=args.ca_file)
                sock = context.wrap_socket(sock, server_hostname=args.host)
            sock.sendall(request)
            header = recv_exact(sock, 20)
            length = struct.unpack('!H', header[2:4])[0]
            if length > 2048:
                err(f'STUN reply too long ({length} bytes)')
                return None
            return header + recv_exact(sock, length)
        except (socket.timeout, ConnectionError, OSError) as e:
            err(f'{args.transport} {args.host}:{args.port}: {e}')
            return None


def cmd_stun(args):
    txid = os.urandom(12)
    # Binding request: type 0x0001, length 0, magic cookie, transaction ID.
    request = struct.pack('!HHI', 0x0001, 0, STUN_MAGIC) + txid
    if args.transport != 'udp':
        reply = stun_over_stream(args, request)
        if reply is not None and reply[8:20] != txid:
            reply = None
        if reply is None:
            out('timeout')
            return 1
        return stun_print(args, reply, txid)
    sock = udp_socket(args.from_port)
    target = (args.host, args.port)
    reply = None
    for _ in range(args.tries):
        sock.sendto(request, target)
        deadline = time.monotonic() + args.timeout
        while True:
            data, addr = recv_until(sock, deadline)
            if data is None:
                break
            if len(data) >= 20 and data[8:20] == txid:
                reply = data
                break
        if reply is not None:
            break
    if reply is None:
        out('timeout')
        return 1
    return stun_print(args, reply, txid)


def stun_print(args, reply, txid):
    msg_type, length = struct.unpack('!HH', reply[:4])
    if msg_type != 0x0101:
        out(f'error-response type=0x{msg_type:04x}')
        return 1
    offset = 20
    while offset + 4 <= 20 + length and offset + 4 <= len(reply):
        attr, alen = struct.unpack('!HH', reply[offset:offset + 4])
        value = reply[offset + 4:offset + 4 + alen]
        name = STUN_ATTRS.get(attr)
        if name is not None:
            out(f'{name} {stun_address(name, value, txid)}')
        elif attr == 0x8022:
            out(f'SOFTWARE {value.decode(errors="replace")}')
        elif args.verbose:
            out(f'ATTR-0x{attr:04x} {value.hex()}')
        offset += 4 + ((alen + 3) & ~3)
    return 0


# ----------------------------------------------------------------------- TURN

TURN_ALLOCATE, TURN_REFRESH, TURN_CREATE_PERMISSION = 0x003, 0x004, 0x008
TURN_SEND_INDICATION, TURN_DATA_INDICATION = 0x0016, 0x0017
ATTR_USERNAME, ATTR_MESSAGE_INTEGRITY, ATTR_ERROR_CODE = 0x0006, 0x0008, 0x0009
ATTR_LIFETIME, ATTR_XOR_PEER_ADDRESS, ATTR_DATA = 0x000D, 0x0012, 0x0013
ATTR_REALM, ATTR_NONCE, ATTR_XOR_RELAYED_ADDRESS = 0x0014, 0x0015, 0x0016
ATTR_REQUESTED_TRANSPORT, ATTR_XOR_MAPPED_ADDRESS = 0x0019, 0x0020


def stun_attr(kind, value):
    return struct.pack('!HH', kind, len(value)) + value + b'\0' * (-len(value) % 4)


def xor_address(ip, port):
    key = struct.pack('!I', STUN_MAGIC)
    raw = bytes(b ^ key[i] for i, b in enumerate(socket.inet_aton(ip)))
    return struct.pack('!BBH', 0, 1, port ^ (STUN_MAGIC >> 16)) + raw


def stun_message(msg_type, attrs, txid=None, key=None):
    """A STUN message; with key, MESSAGE-INTEGRITY (RFC 5389 15.4) last."""
    txid = txid or os.urandom(12)
    body = b''.join(stun_attr(k, v) for k, v in attrs)
    if key is not None:
        header = struct.pack('!HHI', msg_type, len(body) + 24, STUN_MAGIC) + txid
        mac = hmac.new(key, header + body, hashlib.sha1).digest()
        body += stun_attr(ATTR_MESSAGE_INTEGRITY, mac)
    return struct.pack('!HHI', msg_type, len(body), STUN_MAGIC) + txid + body, txid


def stun_parse(data):
    """(type, txid, {attr: value}) or None for anything that is not STUN."""
    if len(data) < 20 or struct.unpack('!I', data[4:8])[0] != STUN_MAGIC:
        return None
    msg_type, length = struct.unpack('!HH', data[:4])
    attrs = {}
    offset = 20
    while offset + 4 <= min(20 + length, len(data)):
        kind, alen = struct.unpack('!HH', data[offset:offset + 4])
        attrs.setdefault(kind, data[offset + 4:offset + 4 + alen])
        offset += 4 + ((alen + 3) & ~3)
    return msg_type, data[8:20], attrs


class TurnConnection:
    """UDP, TCP or TLS to the TURN server; STUN messages in and out
    (on a stream each message is framed by its own length field)."""

    def __init__(self, args):
        self.server = (args.host, args.port)
        self.stream = args.transport != 'udp'
        if self.stream:
            sock = socket.create_connection(self.server, timeout=args.timeout)
            if args.transport == 'tls':
                context = ssl.create_default_context(cafile=args.ca_file)
                sock = context.wrap_socket(sock, server_hostname=args.host)
            sock.settimeout(None)
            self.sock = sock
            self.buffer = b''
        else:
            self.sock = udp_socket(0)

    def send(self, data):
        if self.stream:
            self.sock.sendall(data)
        else:
            self.sock.sendto(data, self.server)

    def recv(self, deadline):
        if not self.stream:
            data, _ = recv_until(self.sock, deadline)
            return data
        while True:
            if len(self.buffer) >= 20:
                size = 20 + struct.unpack('!H', self.buffer[2:4])[0]
                if len(self.buffer) >= size:
                    data, self.buffer = self.buffer[:size], self.buffer[size:]
                    return data
            pending = getattr(self.sock, 'pending', lambda: 0)()
            if not pending:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([self.sock], [], [], left)[0]:
                    return None
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError('TURN server closed the connection')
            self.buffer += chunk

    def transaction(self, message, txid, timeout):
        tries = 1 if self.stream else 3
        for _ in range(tries):
            self.send(message)
            deadline = time.monotonic() + timeout
            while True:
                data = self.recv(deadline)
                if data is None:
                    break
                parsed = stun_parse(data)
                if parsed is not None and parsed[1] == txid:
                    return parsed
        return None


def turn_request(conn, args, method, attrs, auth):
    """A request with long-term credentials (RFC 5389 10.2): the first 401
    gives realm and nonce, a 438 a fresh nonce. (type, attrs) or None."""
    for _ in range(3):
        extra, key = [], None
        if auth.get('nonce') is not None:
            extra = [(ATTR_USERNAME, args.user.encode()), (ATTR_REALM, auth['realm']),
                     (ATTR_NONCE, auth['nonce'])]
            key = hashlib.md5(b'%s:%s:%s' % (args.user.encode(), auth['realm'],
                                             args.password.encode())).digest()
        message, txid = stun_message(method, attrs + extra, key=key)
        reply = conn.transaction(message, txid, args.timeout)
        if reply is None:
            return None
        msg_type, _, rattrs = reply
        if msg_type & 0x0110 != 0x0110:
            return msg_type, rattrs
        error = rattrs.get(ATTR_ERROR_CODE, b'\0\0\0\0')
        code = (error[2] & 7) * 100 + error[3] if len(error) >= 4 else 0
        retry = code == 438 or (code == 401 and auth.get('nonce') is None)
        if retry and ATTR_NONCE in rattrs:
            auth['realm'] = rattrs.get(ATTR_REALM, auth.get('realm', b''))
            auth['nonce'] = rattrs[ATTR_NONCE]
            continue
        return msg_type, rattrs
    return None


def stun_error(reply):
    """'timeout', or the error code of an error response, as text."""
    if reply is None:
        return 'timeout'
    error = reply[1].get(ATTR_ERROR_CODE, b'')
    if len(error) < 4:
        return f'type=0x{reply[0]:04x}'
    return f'{(error[2] & 7) * 100 + error[3]} {error[4:].decode(errors="replace")}'.strip()


def cmd_turn_echo(args):
    try:
        conn = TurnConnection(args)
    except OSError as e:
        out(f'connect-failed {e}')
        return 1
    auth = {}
    reply = turn_request(conn, args, TURN_ALLOCATE,
                         [(ATTR_REQUESTED_TRANSPORT, b'\x11\0\0\0')], auth)
    if reply is None or reply[0] != 0x0103:
        out(f'allocate-failed {stun_error(reply)}')
        return 1
    txid = b'\0' * 12
    relayed = stun_address('XOR-MAPPED-ADDRESS', reply[1].get(ATTR_XOR_RELAYED_ADDRESS, b''), txid)
    mapped = stun_address('XOR-MAPPED-ADDRESS', reply[1].get(ATTR_XOR_MAPPED_ADDRESS, b''), txid)
    for peer in args.peer:
        reply = turn_request(conn, args, TURN_CREATE_PERMISSION,
                             [(ATTR_XOR_PEER_ADDRESS, xor_address(peer, 0))], auth)
        if reply is None or reply[0] != 0x0108:
            out(f'permission-failed {peer} {stun_error(reply)}')
            return 1
    out(f'relayed {relayed}')
    out(f'mapped {mapped}')
    echoed = 0
    end = time.monotonic() + args.duration
    while time.monotonic() < end:
        data = conn.recv(end)
        parsed = stun_parse(data) if data else None
        if parsed is None or parsed[0] != TURN_DATA_INDICATION:
            continue
        attrs = parsed[2]
        if ATTR_XOR_PEER_ADDRESS not in attrs or ATTR_DATA not in attrs:
            continue
        peer = stun_address('XOR-MAPPED-ADDRESS', attrs[ATTR_XOR_PEER_ADDRESS], txid)
        ip, port = peer.rsplit(':', 1)
        payload = attrs[ATTR_DATA]
        out(f'from {peer} len={len(payload)}')
        answer = f'SEEN {ip} {port} {len(payload)}'.encode()
        message, _ = stun_message(TURN_SEND_INDICATION,
                                  [(ATTR_XOR_PEER_ADDRESS, xor_address(ip, int(port))),
                                   (ATTR_DATA, answer)])
        conn.send(message)
        echoed += 1
        if args.count and echoed >= args.count:
            break
    return 0 if echoed else 1


# ------------------------------------------------------------------------ SIP

def sip_token():
    return '%08x' % random.getrandbits(32)


class SipMessage:
    def __init__(self, data):
        text = data.decode(errors='replace')
        head, _, self.body = text.partition('\r\n\r\n')
        lines = head.split('\r\n')
        self.first = lines[0]
        self.headers = []
        for line in lines[1:]:
            if line[:1] in (' ', '\t') and self.headers:
                name, value = self.headers[-1]
                self.headers[-1] = (name, value + ' ' + line.strip())
            elif ':' in line:
                name, _, value = line.partition(':')
                self.headers.append((name.strip(), value.strip()))
        self.is_response = self.first.startswith('SIP/2.0 ')
        if self.is_response:
            parts = self.first.split(' ', 2)
            self.code = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ''
        else:
            parts = self.first.split(' ')
            self.method = parts[0]
            self.uri = parts[1] if len(parts) > 1 else ''

    COMPACT = {'v': 'via', 'f': 'from', 't': 'to', 'i': 'call-id', 'm': 'contact',
               'l': 'content-length', 'c': 'content-type'}

    def all(self, name):
        name = name.lower()
        result = []
        for hname, value in self.headers:
            hname = self.COMPACT.get(hname.lower(), hname.lower())
            if hname == name:
                # Via and Contact may hold several comma-separated values.
                if name in ('via',):
                    result.extend(v.strip() for v in value.split(','))
                else:
                    result.append(value)
        return result

    def get(self, name):
        values = self.all(name)
        return values[0] if values else None

    def cseq(self):
        value = self.get('cseq') or '0 X'
        number, _, method = value.partition(' ')
        return int(number), method.strip()


def digest_params(value):
    _, _, rest = value.partition(' ')
    return {k.lower(): v1 if v1 else v2
            for k, v1, v2 in re.findall(r'([A-Za-z0-9_-]+)\s*=\s*(?:"([^"]*)"|([^\s,]+))', rest)}


def digest_authorization(header_value, method, uri, user, password, nc):
    p = digest_params(header_value)
    realm, nonce = p.get('realm', ''), p.get('nonce', '')
    ha1 = hashlib.md5(f'{user}:{realm}:{password}'.encode()).hexdigest()
    ha2 = hashlib.md5(f'{method}:{uri}'.encode()).hexdigest()
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"',
              'algorithm=MD5']
    qop = p.get('qop')
    if qop and 'auth' in [q.strip() for q in qop.split(',')]:
        cnonce = sip_token()
        ncs = f'{nc:08x}'
        response = hashlib.md5(f'{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}'.encode()).hexdigest()
        fields += ['qop=auth', f'nc={ncs}', f'cnonce="{cnonce}"']
    else:
        response = hashlib.md5(f'{ha1}:{nonce}:{ha2}'.encode()).hexdigest()
    fields.append(f'response="{response}"')
    if 'opaque' in p:
        fields.append(f'opaque="{p["opaque"]}"')
    return 'Digest ' + ', '.join(fields)


class Transaction:
    """A non-INVITE client transaction over one UDP socket (RFC 3261 timers
    E/F, shortened to the caller's timeout)."""

    def __init__(self, sock, dest, request_text, call_id, cseq, verbose=False):
        self.sock, self.dest = sock, dest
        self.data = request_text.encode()
        self.call_id, self.cseq = call_id, cseq
        self.verbose = verbose

    def run(self, timeout, on_request=None):
        start = time.monotonic()
        end = start + timeout
        interval = 0.5
        next_send = start
        provisional = False
        while True:
            now = time.monotonic()
            if now >= end:
                return None
            if now >= next_send:
                if self.verbose:
                    err(f'>>> to {self.dest}\n{self.data.decode()}')
                try:
                    self.sock.sendto(self.data, self.dest)
                except OSError as e:
                    err(f'send to {self.dest}: {e}')
                next_send = now + (4.0 if provisional else interval)
                interval = min(interval * 2, 4.0)
            data, addr = recv_until(self.sock, min(end, next_send))
            if data is None:
                continue
            try:
                msg = SipMessage(data)
            except (ValueError, IndexError):
                continue
            if not msg.is_response:
                if on_request is not None:
                    on_request(msg, addr)
                continue
            if self.verbose:
                err(f'<<< from {addr}\n{data.decode(errors="replace")}')
            if msg.get('call-id') != self.call_id or msg.cseq()[0] != self.cseq:
                continue
            if msg.code < 200:
                provisional = True
                continue
            return msg


def cmd_sip_request(args):
    proxy = parse_hostport(args.proxy, 5060)
    sock = udp_socket(args.from_port, args.bind)
    local_port = sock.getsockname()[1]
    local_ip = args.bind
    if local_ip == '0.0.0.0':
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect(proxy)
        local_ip = probe.getsockname()[0]
        probe.close()
    call_id = f'natlab-{sip_token()}@{local_ip}'
    method = args.method.upper()
    body = args.body if args.body is not None else ('natlab probe' if method == 'MESSAGE' else '')
    headers = [
        f'{method} {args.uri} SIP/2.0',
        f'Via: SIP/2.0/UDP {local_ip}:{local_port};rport;branch=z9hG4bK{sip_token()}{sip_token()}',
        f'Max-Forwards: {args.max_forwards}',
        f'From: <{args.from_uri or f"sip:probe@{local_ip}"}>;tag={sip_token()}',
        f'To: <{args.uri}>',
        f'Call-ID: {call_id}',
        f'CSeq: 1 {method}',
        'User-Agent: natlab-probe',
    ]
    if body:
        headers.append('Content-Type: text/plain')
    headers.append(f'Content-Length: {len(body.encode())}')
    text = '\r\n'.join(headers) + '\r\n\r\n' + body
    reply = Transaction(sock, proxy, text, call_id, 1, args.verbose).run(args.timeout)
    code = str(reply.code) if reply is not None else 'timeout'
    out(code)
    if reply is not None and args.verbose:
        err(f'{reply.code} {reply.reason}')
    if args.expect is not None:
        return 0 if code == args.expect else 1
    return 0 if reply is not None else 1


def via_received(msg):
    via = msg.get('via') or ''
    received = re.search(r';\s*received=([^;,\s]+)', via)
    rport = re.search(r';\s*rport=(\d+)', via)
    return (received.group(1) if received else None, int(rport.group(1)) if rport else None)


class UserAgent:
    def __init__(self, args):
        self.args = args
        self.registrar = parse_hostport(args.registrar, 5060)
        self.domain = args.domain or self.registrar[0]
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        probe.connect(self.registrar)
        self.local_ip = probe.getsockname()[0]
        probe.close()
        self.sock = udp_socket(args.port, '0.0.0.0')
        self.local_port = self.sock.getsockname()[1]
        self.call_id = f'natlab-reg-{sip_token()}@{self.local_ip}'
        self.from_tag = sip_token()
        self.cseq = 0
        self.nc = 0

    def answer(self, msg, addr):
        out(f'request {msg.method} from {addr[0]}:{addr[1]}')
        if msg.method == 'ACK':
            return
        code, reason = (200, 'OK')
        if msg.method == 'INVITE':
            code, reason = (486, 'Busy Here')
        lines = [f'SIP/2.0 {code} {reason}']
        for via in msg.all('via'):
            lines.append(f'Via: {via}')
        to = msg.get('to') or ''
        if ';tag=' not in to:
            to += f';tag={sip_token()}'
        lines += [f'From: {msg.get("from")}', f'To: {to}', f'Call-ID: {msg.get("call-id")}',
                  f'CSeq: {msg.get("cseq")}', 'User-Agent: natlab-probe', 'Content-Length: 0']
        self.sock.sendto(('\r\n'.join(lines) + '\r\n\r\n').encode(), addr)

    def register(self, contact, expires, timeout):
        """REGISTER with digest auth; returns the final response or None."""
        authorization = None
        for _ in range(3):
            self.cseq += 1
            uri = f'sip:{self.domain}'
            headers = [
                f'REGISTER {uri} SIP/2.0',
                f'Via: SIP/2.0/UDP {self.local_ip}:{self.local_port};rport;'
                f'branch=z9hG4bK{sip_token()}{sip_token()}',
                'Max-Forwards: 70',
                f'From: <sip:{self.args.user}@{self.domain}>;tag={self.from_tag}',
                f'To: <sip:{self.args.user}@{self.domain}>',
                f'Call-ID: {self.call_id}',
                f'CSeq: {self.cseq} REGISTER',
                'User-Agent: natlab-probe',
            ]
            if contact is not None:
                headers.append(f'Contact: <{contact}>')
                headers.append(f'Expires: {expires}')
            if authorization:
                headers.append(authorization)
            headers.append('Content-Length: 0')
            text = '\r\n'.join(headers) + '\r\n\r\n'
            reply = Transaction(self.sock, self.registrar, text, self.call_id, self.cseq,
                                self.args.verbose).run(timeout, self.answer)
            if reply is None or reply.code not in (401, 407):
                return reply
            challenge = reply.get('www-authenticate' if reply.code == 401 else 'proxy-authenticate')
            if not challenge:
                return reply
            self.nc += 1
            value = digest_authorization(challenge, 'REGISTER', uri, self.args.user,
                                         self.args.password, self.nc)
            authorization = ('Authorization: ' if reply.code == 401
                             else 'Proxy-Authorization: ') + value
        return reply

    def run(self):
        args = self.args
        # 1. A query REGISTER (no Contact) to learn the public binding from
        #    the received/rport that the registrar puts in the Via.
        reply = self.register(None, 0, args.timeout)
        if reply is None or reply.code != 200:
            out(f'register-failed {reply.code if reply else "timeout"}')
            return 1
        public = via_received(reply)
        out(f'local {self.local_ip}:{self.local_port}')
        out(f'public {public[0] or self.local_ip}:{public[1] or self.local_port}')
        if args.contact == 'private':
            host, port = self.local_ip, self.local_port
        elif args.contact == 'public':
            host, port = public[0] or self.local_ip, public[1] or self.local_port
        else:
            host, port = parse_hostport(args.contact)
        contact = f'sip:{args.user}@{host}:{port};transport=udp'
        # 2. The real registration.
        reply = self.register(contact, args.expires, args.timeout)
        if reply is None or reply.code != 200:
            out(f'register-failed {reply.code if reply else "timeout"}')
            return 1
        out(f'registered {contact}')
        end = time.monotonic() + args.duration
        next_keepalive = time.monotonic() + args.keepalive if args.keepalive else None
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if next_keepalive is not None and now >= next_keepalive:
                self.sock.sendto(b'\r\n\r\n', self.registrar)
                next_keepalive = now + args.keepalive
            deadline = min(end, next_keepalive) if next_keepalive else end
            data, addr = recv_until(self.sock, deadline)
            if data is None or data.strip() == b'':
                continue
            try:
                msg = SipMessage(data)
            except (ValueError, IndexError):
                continue
            if not msg.is_response:
                self.answer(msg, addr)
        if args.unregister:
            reply = self.register(contact, 0, 1.5)
            out(f'unregistered {reply.code if reply else "timeout"}')
        return 0


def cmd_sip_ua(args):
    return UserAgent(args).run()


# ----------------------------------------------------------------------- main

def main():
    parser = argparse.ArgumentParser(description='NAT lab UDP/STUN/SIP probe')
    sub = parser.add_subparsers(dest='command', required=True)

    p = sub.add_parser('echo-server', help='echo the seen source address')
    p.add_argument('port', type=int)
    p.add_argument('--bind', default='0.0.0.0')
    p.add_argument('--duration', type=float, default=0, help='exit after S seconds (0: never)')
    p.set_defaults(func=cmd_echo_server)

    p = sub.add_parser('query', help='learn the public binding from echo servers')
    p.add_argument('targets', nargs='+', metavar='HOST PORT')
    p.add_argument('--from-port', type=int, default=0)
    p.add_argument('--size', type=int, default=0, help='UDP payload size in bytes')
    p.add_argument('--timeout', type=float, default=1.0, help='per try')
    p.add_argument('--tries', type=int, default=2)
    p.add_argument('-v', '--verbose', action='store_true')
    p.set_defaults(func=cmd_query)

    p = sub.add_parser('poke', help='make the local echo server send to IP:PORT')
    p.add_argument('echo_port', type=int)
    p.add_argument('ip')
    p.add_argument('port', type=int)
    p.add_argument('text', nargs='?', default='POKE-FROM-PUBLIC')
    p.set_defaults(func=cmd_poke)

    p = sub.add_parser('send', help='send one datagram')
    p.add_argument('host')
    p.add_argument('port', type=int)
    p.add_argument('text')
    p.add_argument('--from-port', type=int, default=0)
    p.set_defaults(func=cmd_send)

    p = sub.add_parser('listen', help='wait for datagrams')
    p.add_argument('port', type=int)
    p.add_argument('--bind', default='0.0.0.0')
    p.add_argument('--timeout', type=float, default=5.0)
    p.add_argument('--expect', help='exit 0 as soon as a datagram contains this text')
    p.add_argument('--keepalive', metavar='HOST:PORT', help='send a datagram there every --interval s')
    p.add_argument('--interval', type=float, default=1.0)
    p.add_argument('--show-echo', action='store_true', help='also print echo-server replies')
    p.set_defaults(func=cmd_listen)

    p = sub.add_parser('stun', help='STUN Binding request')
    p.add_argument('host')
    p.add_argument('port', type=int, nargs='?', default=3478)
    p.add_argument('--from-port', type=int, default=0)
    p.add_argument('--timeout', type=float, default=1.0, help='per try')
    p.add_argument('--tries', type=int, default=3)
    p.add_argument('--transport', choices=('udp', 'tcp', 'tls'), default='udp',
                   help='tcp/tls: one request on a new connection (default udp)')
    p.add_argument('--ca-file', help='tls: the CA certificate to verify the server with')
    p.add_argument('-v', '--verbose', action='store_true')
    p.set_defaults(func=cmd_stun)

    p = sub.add_parser('turn-echo', help='TURN allocation that echoes like echo-server')
    p.add_argument('host')
    p.add_argument('port', type=int, nargs='?', default=3478)
    p.add_argument('user')
    p.add_argument('password')
    p.add_argument('--peer', action='append', default=[], metavar='IP',
                   help='CreatePermission for this peer address (repeat)')
    p.add_argument('--transport', choices=('udp', 'tcp', 'tls'), default='udp',
                   help='to the TURN server (the relay is UDP)')
    p.add_argument('--ca-file', help='tls: the CA certificate to verify the server with')
    p.add_argument('--timeout', type=float, default=1.0, help='per transaction try')
    p.add_argument('--duration', type=float, default=10.0, help='echo for S seconds')
    p.add_argument('--count', type=int, default=0, help='exit after N echoed datagrams')
    p.set_defaults(func=cmd_turn_echo)

    p = sub.add_parser('sip-request', help='send OPTIONS/MESSAGE through a proxy')
    p.add_argument('method')
    p.add_argument('uri')
    p.add_argument('--proxy', required=True, metavar='HOST:PORT')
    p.add_argument('--timeout', type=float, default=3.0)
    p.add_argument('--max-forwards', type=int, default=70)
    p.add_argument('--from', dest='from_uri')
    p.add_argument('--body')
    p.add_argument('--bind', default='0.0.0.0')
    p.add_argument('--from-port', type=int, default=0)
    p.add_argument('--expect', metavar='CODE', help='exit 0 only for this status code')
    p.add_argument('-v', '--verbose', action='store_true')
    p.set_defaults(func=cmd_sip_request)

    p = sub.add_parser('sip-ua', help='register and answer requests with 200')
    p.add_argument('user')
    p.add_argument('password')
    p.add_argument('--registrar', required=True, metavar='HOST:PORT')
    p.add_argument('--domain', help='SIP domain (default: the registrar host)')
    p.add_argument('--port', type=int, default=0, help='local port (default: any)')
    p.add_argument('--contact', default='public',
                   help='public (Via received/rport), private (local address) or HOST:PORT')
    p.add_argument('--expires', type=int, default=60)
    p.add_argument('--duration', type=float, default=10.0, help='answer requests for S seconds')
    p.add_argument('--keepalive', type=float, default=0, help='CRLFCRLF to the registrar every S s')
    p.add_argument('--timeout', type=float, default=4.0, help='per REGISTER transaction')
    p.add_argument('--no-unregister', dest='unregister', action='store_false')
    p.add_argument('-v', '--verbose', action='store_true')
    p.set_defaults(func=cmd_sip_ua)

    args = parser.parse_args()
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        err(f'natlab-probe {args.command}: {e}')
        return 2


if __name__ == '__main__':
    sys.exit(main())
