#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that delivers every chunk of data DELAY_MS after it arrived, in both
directions, and counts the HTTP requests it carries: the benchmark's stand-in for a distant AWS
region in front of the local emulator. Chunks travel like packets on a long line: each one is
late by the delay, but the chunks of one message are not delayed one after the other, so a
request and its response cost two delays however they are split.

    delay_proxy.py LISTEN_PORT UPSTREAM_PORT DELAY_MS [COUNT_FILE]

It runs until killed; COUNT_FILE, when given, is rewritten with the request count as it grows.
"""
import queue
import socket
import sys
import threading
import time

listen_port, upstream_port, delay_ms = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
count_file = sys.argv[4] if len(sys.argv) > 4 else None
delay = delay_ms / 1000.0
requests = 0
lock = threading.Lock()


def count_request(chunk: bytes) -> None:
    global requests
    # A request starts with an HTTP method; the SDK and the CLI both send one per chunk start.
    if chunk.split(b" ", 1)[0] in (b"POST", b"GET", b"PUT", b"DELETE", b"HEAD"):
        with lock:
            requests += 1
            if count_file:
                with open(count_file, "w") as out:
                    out.write(str(requests))


def pipe(source: socket.socket, target: socket.socket, client_side: bool) -> None:
    line: "queue.Queue[tuple[float, bytes]]" = queue.Queue()

    def deliver() -> None:
        while True:
            due, chunk = line.get()
            if not chunk:
                break
            time.sleep(max(0.0, due - time.monotonic()))
            try:
                target.sendall(chunk)
            except OSError:
                break
        try:
            target.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    threading.Thread(target=deliver, daemon=True).start()
    while True:
        try:
            chunk = source.recv(65536)
        except OSError:
            chunk = b""
        if chunk and client_side:
            count_request(chunk)
        line.put((time.monotonic() + delay, chunk))
        if not chunk:
            break


listener = socket.socket()
listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
listener.bind(("127.0.0.1", listen_port))
listener.listen(128)
while True:
    client, _ = listener.accept()
    try:
        upstream = socket.create_connection(("127.0.0.1", upstream_port))
    except OSError:
        client.close()
        continue
    threading.Thread(target=pipe, args=(client, upstream, True), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client, False), daemon=True).start()
