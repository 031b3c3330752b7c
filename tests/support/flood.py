#!/usr/bin/env python3
"""Holds many connections to a loopback server, the way a hostile local user would.

usage: flood.py PORT COUNT SECONDS REQUEST

Opens COUNT connections to 127.0.0.1:PORT and sends REQUEST (with \\r\\n escapes) on each,
again every 4 s while it stays open, for SECONDS. Prints `ready` once all are open, then at
the end `closed=C bytes=B`: how many the server closed, and how many bytes it sent in all.
"""

import selectors
import socket
import sys
import time

port, count, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
request = sys.argv[4].encode().decode("unicode_escape").encode("latin-1")

sockets = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.setblocking(False)
    try:
        s.send(request)
    except OSError:
        pass
    sockets.append(s)
print("ready", flush=True)

selector = selectors.DefaultSelector()
for s in sockets:
    selector.register(s, selectors.EVENT_READ)
closed = received = 0
end = time.monotonic() + seconds
next_send = time.monotonic() + 4
while time.monotonic() < end and closed < count:
    for key, _ in selector.select(timeout=0.2):
        try:
            data = key.fileobj.recv(65536)
        except OSError:
            data = b""
        received += len(data)
        if not data:
            selector.unregister(key.fileobj)
            closed += 1
    if time.monotonic() >= next_send:
        next_send += 4
        for key in list(selector.get_map().values()):
            try:
                key.fileobj.send(request)
            except OSError:
                pass
print(f"closed={closed} bytes={received}", flush=True)
