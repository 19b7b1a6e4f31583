#!/usr/bin/python3
"""Servers that misbehave on purpose.

1. A WebSocket IRC server, which also checks the Origin header is sent as
   configured, that sends lines in several fragments, and one
   message far past the line limit in three fragments (27 bytes, 13 KB,
   32 bytes): the fragmented lines arrive whole; the over-long message is
   dropped as a whole and counted, and its last fragment is never glued
   onto anything (it says "spliced" and must not be stored).
2. A server that accepts the connection and then never says a word (no
   TLS handshake): the bot gives up after ping_seconds and tries again,
   instead of waiting forever.
"""

import base64
import hashlib
import os
import re
import socket
import struct
import threading
import time

import roundstest as rt
from roundstest import check

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455


def frame(payload, opcode, fin):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([n])
    elif n < 65536:
        head += bytes([126]) + struct.pack(">H", n)
    else:
        head += bytes([127]) + struct.pack(">Q", n)
    return head + payload


def read_frames(sock, buf):
    """Yields decoded text payloads of client frames (masked), forever."""
    while True:
        while len(buf) < 2:
            data = sock.recv(4096)
            if not data:
                return
            buf += data
        n = buf[1] & 0x7F
        off = 2
        if n == 126:
            n = struct.unpack(">H", bytes(buf[2:4]))[0]
            off = 4
        elif n == 127:
            n = struct.unpack(">Q", bytes(buf[2:10]))[0]
            off = 10
        while len(buf) < off + 4 + n:
            data = sock.recv(4096)
            if not data:
                return
            buf += data
        mask = buf[off:off + 4]
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(buf[off + 4:off + 4 + n]))
        del buf[:off + 4 + n]
        yield payload.decode("utf-8", "replace")


class WSServer:
    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(1)
        self.port = self.lsock.getsockname()[1]
        self.done = threading.Event()
        threading.Thread(target=self.serve, daemon=True).start()

    def send(self, line, fragments=None):
        data = line.encode()
        if not fragments:
            self.sock.sendall(frame(data, 1, True))
            return
        pieces, at = [], 0
        for size in fragments:
            pieces.append(data[at:at + size])
            at += size
        for i, p in enumerate(pieces):
            self.sock.sendall(frame(p, 1 if i == 0 else 0, i == len(pieces) - 1))

    def serve(self):
        sock, _ = self.lsock.accept()
        self.sock = sock
        req = b""
        while b"\r\n\r\n" not in req:
            req += sock.recv(4096)
        key = re.search(rb"Sec-WebSocket-Key: *(\S+)", req, re.I).group(1)
        origin = re.search(rb"\r\nOrigin: *([^\r]*)", req, re.I)
        self.origin = origin.group(1).decode() if origin else None
        accept = base64.b64encode(hashlib.sha1(key + GUID).digest())
        sock.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\nSec-WebSocket-Protocol: text.ircv3.net\r\n\r\n")
        nick = None
        for line in read_frames(sock, bytearray()):
            cmd = line.split(" ")[0].upper()
            if cmd == "NICK":
                nick = line.split(" ")[1]
            elif cmd == "USER":
                self.send(":ws.test 001 %s :Welcome" % nick)
            elif cmd == "JOIN":
                self.send(":%s!u@ws.test JOIN #ws" % nick)
                self.send(":alice!a@ws.test PRIVMSG #ws :fragmented into three pieces",
                          fragments=[20, 15, 100])
                over = ":mallory!m@ws.test PRIVMSG rounds :" + "x" * 13000
                self.send(over + "spliced-from-an-overlong-message", fragments=[27, 13000, 100])
                self.send(":alice!a@ws.test PRIVMSG #ws :after the storm", fragments=[10, 200])
                self.done.set()
            elif cmd == "PING":
                self.send("PONG ws.test :" + line.split(":", 1)[-1])


def scenario():
    d = rt.tmpdir("hostile")
    ws = WSServer()
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # accepts (the kernel does), never speaks
    chat = {"network": "n", "room": "#ws", "ops_are_moderators": True, "agenda": [{"topic": "t"}]}
    wsbot = rt.Bot(d, {"store": "ws.db", "networks": {"n": {
        "host": "127.0.0.1", "port": ws.port, "tls": False, "nick": "rounds",
        "websocket": {"origin": "http://127.0.0.1"}}}, "chats": {"c": chat}}, name="ws").start()
    mute = rt.Bot(d, {"store": "mute.db", "networks": {"n": {
        "host": "127.0.0.1", "port": silent.getsockname()[1], "tls": True, "nick": "rounds",
        "ping_seconds": 5, "reconnect": {"min_seconds": 0.5, "max_seconds": 1}}},
        "chats": {"c": chat}}, name="mute").start()
    try:
        check(ws.done.wait(20), "the WebSocket server never got the JOIN", wsbot)
        check(ws.origin == "http://127.0.0.1", "the Origin header sent was %r" % ws.origin, wsbot)
        rows = wsbot.wait_rows("SELECT text FROM events WHERE text = 'after the storm'")
        check(rows, "the line after the over-long message was not stored", wsbot)
        texts = [r["text"] for r in wsbot.query("SELECT text FROM events WHERE text IS NOT NULL")]
        check("fragmented into three pieces" in texts, "a fragmented line was not reassembled: %r" % texts, wsbot)
        check(not any("spliced" in t for t in texts), "pieces of an over-long message were stored", wsbot)
        check(wsbot.stop() == 0, "bad exit status", wsbot)
        counts = re.search(r"dropped: (\d+) malformed, (\d+) too long", wsbot.log())
        check(counts and counts.groups() == ("0", "1"), "drop counts: %r" % ((counts and counts.groups()),), wsbot)

        mute.wait_log(r"connected but nothing usable for 5 s; reconnecting", timeout=15)
        mute.wait_log(r"connecting to 127.0.0.1", count=2, timeout=10)
        check(mute.stop() == 0, "bad exit status", mute)
    finally:
        wsbot.stop()
        mute.stop()
        silent.close()


if __name__ == "__main__":
    rt.run(scenario, "hostile_server")
