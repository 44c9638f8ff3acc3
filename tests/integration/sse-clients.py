#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-2-Clause
# sse-clients.py - clients of serve's GET /api/v1/stream, over raw sockets
# (the standard library only), for test-serve-stream.sh and
# test-serve-page.sh. Prints one line of results; exits 1 on a failure.
#
#   read HOST PORT N          read the stream until N snapshot events: the
#                             history comes as points, oldest first, then a
#                             snapshot per interval; every data line is JSON
#   limit HOST PORT MAX       open MAX streams (each answered 200), then one
#                             more (503 with Retry-After), close one, and
#                             open one again (200)
#   stall HOST PORT SECONDS   one stream that reads on (every event after the
#                             old 60 s response deadline too) and one that
#                             never reads: after SECONDS the reader still
#                             gets events and the server closed the other
import json
import socket
import sys
import time

HOST, PORT = sys.argv[2], int(sys.argv[3])


def open_stream(rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(20)
    s.connect((HOST, PORT))
    s.sendall(b'GET /api/v1/stream HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n')
    return s


def read_head(s):
    buf = b''
    while b'\r\n\r\n' not in buf:
        chunk = s.recv(4096)
        if not chunk:
            raise EOFError('closed before the headers: %r' % buf[:200])
        buf += chunk
    head, rest = buf.split(b'\r\n\r\n', 1)
    return head.decode('latin-1'), rest


class Events:
    """The events of a chunked text/event-stream body."""

    def __init__(self, s, rest):
        self.s, self.raw, self.body = s, rest, b''

    def _fill(self):
        chunk = self.s.recv(65536)
        if not chunk:
            raise EOFError('stream closed')
        self.raw += chunk
        # de-chunk what is complete
        while True:
            i = self.raw.find(b'\r\n')
            if i < 0:
                return
            size = int(self.raw[:i].split(b';')[0], 16)
            if len(self.raw) < i + 2 + size + 2:
                return
            self.body += self.raw[i + 2:i + 2 + size]
            self.raw = self.raw[i + 2 + size + 2:]
            if size == 0:
                raise EOFError('stream ended')

    def next(self):
        while b'\n\n' not in self.body:
            self._fill()
        ev, self.body = self.body.split(b'\n\n', 1)
        fields = {}
        for line in ev.decode('utf-8').split('\n'):
            k, _, v = line.partition(':')
            fields[k] = v[1:] if v.startswith(' ') else v
        return fields


def cmd_read(n):
    s = open_stream()
    head, rest = read_head(s)
    assert head.startswith('HTTP/1.1 200'), head
    assert 'content-type: text/event-stream' in head.lower(), head
    ev = Events(s, rest)
    first = ev.next()
    assert first.get('retry') == '3000', first
    points, snaps, last = 0, 0, 0
    while snaps < n:
        e = ev.next()
        if e.get('event') is None:
            continue  # a heartbeat (comment)
        data = json.loads(e['data'])
        assert int(e['id']) == data['seq'], e
        assert data['seq'] > last, (data['seq'], last)
        last = data['seq']
        if e['event'] == 'point':
            assert snaps == 0, 'a point after a snapshot: %d' % data['seq']
            assert 'rows' not in data and 'top' in data and 'domains' in data, list(data)
            points += 1
        else:
            assert e['event'] == 'snapshot', e
            assert data['format'] == 'joulestat-snapshot' and 'rows' in data, list(data)
            snaps += 1
    print('%d points then %d snapshots, last %d' % (points, snaps, last))


def hold_streams(maxn):
    """MAX streams, each answered 200. The server learns that an earlier
    client's stream closed only at that stream's next event: while one is
    still counted, close ours and try again (for up to 20 s)."""
    deadline = time.monotonic() + 20
    while True:
        held = []
        for i in range(maxn):
            s = open_stream()
            head, _ = read_head(s)
            if not head.startswith('HTTP/1.1 200'):
                s.close()
                break
            held.append(s)
        if len(held) == maxn:
            return held
        for s in held:
            s.close()
        assert time.monotonic() < deadline, (len(held), head)
        time.sleep(0.5)


def cmd_limit(maxn):
    held = hold_streams(maxn)
    s = open_stream()
    head, rest = read_head(s)
    assert head.startswith('HTTP/1.1 503'), head
    assert 'retry-after: 30' in head.lower(), head
    s.close()
    held.pop().close()
    deadline = time.monotonic() + 20
    while True:  # the server notices the closed stream at its next event
        s = open_stream()
        head, _ = read_head(s)
        if head.startswith('HTTP/1.1 200') or time.monotonic() > deadline:
            break
        s.close()
        time.sleep(0.2)
    assert head.startswith('HTTP/1.1 200'), head
    held.append(s)
    print('%d streams held, the next refused with 503, one closed, one more served' % maxn)
    for s in held:
        s.close()


def cmd_stall(seconds):
    reader = open_stream()
    head, rest = read_head(reader)
    assert head.startswith('HTTP/1.1 200'), head
    ev = Events(reader, rest)
    staller = open_stream(rcvbuf=4096)
    shead, _ = read_head(staller)
    assert shead.startswith('HTTP/1.1 200'), shead
    start = time.monotonic()
    last = 0
    while time.monotonic() - start < seconds:
        e = ev.next()
        if e.get('event'):
            last = json.loads(e['data'])['seq']
            got_at = time.monotonic() - start
    assert got_at > 60, 'the reader got nothing after the old 60 s deadline: last at %.0f s' % got_at
    # The staller: everything the server sent, then its end, within a few seconds.
    staller.settimeout(10)
    total = 0
    try:
        while True:
            chunk = staller.recv(1 << 20)
            if not chunk:
                break
            total += len(chunk)
    except ConnectionResetError:
        pass
    except socket.timeout:
        raise AssertionError('the stream that never read is still open after %d s (%d bytes)' %
                             (seconds, total))
    print('reader at seq %d after %.0f s; the staller was closed after %d bytes' %
          (last, got_at, total))


try:
    {'read': cmd_read, 'limit': cmd_limit, 'stall': cmd_stall}[sys.argv[1]](int(sys.argv[4]))
except (AssertionError, EOFError, OSError, ValueError) as e:
    print('failed: %r' % (e,))
    sys.exit(1)
