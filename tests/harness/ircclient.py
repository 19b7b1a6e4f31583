"""A small IRC client for scripted participants in rounds' tests and demo.

Python 3 standard library only.  One Client is one connection over plain TCP,
TLS (verified against a CA file), or WebSocket (ws:// or wss://, one IRC line
per text frame).  It speaks CAP LS 302, SASL PLAIN and IRCv3 message tags.

A single background thread per client owns the socket: it reads, parses and
stores every message in `client.messages`, answers PING, and writes what the
other threads queue with `raw()`.  (One owner thread, because an SSL object
must not be read and written from two threads at once.)  So a test can drive
many clients from many threads.

    import ircclient
    alice = ircclient.connect("alice", port, sasl=("alice", "pw"))
    alice.join("#room")
    alice.privmsg("#room", "hello")
    m = bob.wait_for(lambda m: m.command == "PRIVMSG" and m.text == "hello")
    print(m.nick, m.account, m.msgid, m.time)
    alice.quit()

wait_for() searches from a cursor: the message after the last one it matched
(0 at first), so consecutive wait_for() calls read the stream in order, and a
message that arrived before the call is still found.  Pass since=0 to search
everything, or since=client.mark() to ignore what has arrived so far.
"""
import base64
import datetime
import hashlib
import os
import select
import socket
import ssl
import threading
import time

__all__ = ["Client", "Message", "connect", "connect_all", "parse", "escape_tag_value",
           "unescape_tag_value", "DEFAULT_CAPS", "IRCError", "RegistrationError"]

# What connect() asks for by default (only those the server offers).
DEFAULT_CAPS = (
    "server-time", "message-tags", "account-tag", "extended-join", "account-notify",
    "away-notify", "echo-message", "batch", "cap-notify", "chghost", "invite-notify",
    "labeled-response", "multi-prefix", "userhost-in-names", "setname",
)
_WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
_TAG_UNESCAPE = {":": ";", "s": " ", "\\": "\\", "r": "\r", "n": "\n"}
_TAG_ESCAPE = {";": "\\:", " ": "\\s", "\\": "\\\\", "\r": "\\r", "\n": "\\n"}
# Numerics that end a registration attempt.
_REG_FAILURES = {"432", "433", "436", "437", "464", "465", "902", "904", "905", "906"}
# Numerics that refuse a JOIN (no such channel, full, invite-only, banned, key, ...).
_JOIN_FAILURES = {"403", "405", "471", "473", "474", "475", "477", "489"}


class IRCError(Exception):
    """The server refused something, or the connection broke."""


class RegistrationError(IRCError):
    """connect() did not reach 001 (nick taken, SASL failed, banned, ...)."""


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

def unescape_tag_value(v):
    """IRCv3 message-tag value unescaping (an unknown escape drops the \\)."""
    if "\\" not in v:
        return v
    out, i = [], 0
    while i < len(v):
        c = v[i]
        if c == "\\":
            if i + 1 < len(v):
                out.append(_TAG_UNESCAPE.get(v[i + 1], v[i + 1]))
            i += 2          # a lone trailing backslash is dropped
        else:
            out.append(c)
            i += 1
    return "".join(out)


def escape_tag_value(v):
    return "".join(_TAG_ESCAPE.get(c, c) for c in str(v))


class Message:
    """One parsed line.  tags: dict (a tag without value maps to "");
    source: "nick!user@host" or a server name ("" if none); nick/user/host:
    its parts; command: upper case; params: list, the trailing one included."""

    __slots__ = ("raw", "tags", "source", "nick", "user", "host", "command", "params",
                 "received")

    def __init__(self, raw, received=None):
        self.raw = raw
        self.received = received      # time.monotonic() when it arrived
        self.tags = {}
        rest = raw
        if rest.startswith("@"):
            tagstr, _, rest = rest[1:].partition(" ")
            for item in tagstr.split(";"):
                if item:
                    k, _, v = item.partition("=")
                    self.tags[k] = unescape_tag_value(v)
        rest = rest.lstrip(" ")
        self.source = ""
        if rest.startswith(":"):
            self.source, _, rest = rest[1:].partition(" ")
        nick, _, uh = self.source.partition("!")
        user, _, host = uh.partition("@")
        if not uh and "@" in nick:
            nick, _, host = nick.partition("@")
        self.nick, self.user, self.host = nick, user, host
        trailing = None
        if rest.startswith(":"):
            rest, trailing = "", rest[1:]
        elif " :" in rest:
            rest, trailing = rest.split(" :", 1)
        self.params = rest.split()
        self.command = self.params.pop(0).upper() if self.params else ""
        if trailing is not None:
            self.params.append(trailing)

    @property
    def text(self):
        """The last parameter (a PRIVMSG's text), or ""."""
        return self.params[-1] if self.params else ""

    @property
    def target(self):
        return self.params[0] if self.params else ""

    @property
    def time(self):
        """The server-time tag as an aware UTC datetime, or None."""
        t = self.tags.get("time")
        if not t:
            return None
        for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
            try:
                return datetime.datetime.strptime(t, fmt).replace(tzinfo=datetime.timezone.utc)
            except ValueError:
                pass
        return None

    @property
    def msgid(self):
        return self.tags.get("msgid")

    @property
    def account(self):
        return self.tags.get("account")

    def __repr__(self):
        return f"<Message {self.raw!r}>"

    def __str__(self):
        return self.raw


def parse(line):
    return Message(line)


# --------------------------------------------------------------------------
# The client
# --------------------------------------------------------------------------

class Client:
    """One IRC connection.  Nothing happens until open() or connect().

    transport: "tcp", "tls", "ws" or "wss".  ca_file: the CA to verify TLS
    against (required for tls/wss unless verify=False).  sasl: (account,
    password) for SASL PLAIN during connect().  caps: what connect() requests
    (those offered; "sasl" is added when sasl is given).  origin and
    subprotocols: the WebSocket handshake's Origin header (InspIRCd refuses a
    handshake without one) and offered Sec-WebSocket-Protocol values.
    """

    def __init__(self, nick, port, host="127.0.0.1", *, transport="tcp", ca_file=None,
                 tls_name="localhost", verify=True, user=None, realname=None, password=None,
                 sasl=None, caps=DEFAULT_CAPS, origin="http://localhost",
                 subprotocols=("text.ircv3.net",), ws_path="/", timeout=10.0, name=None):
        if transport not in ("tcp", "tls", "ws", "wss"):
            raise ValueError(f"transport must be tcp, tls, ws or wss, not {transport!r}")
        self.nick, self.port, self.host, self.transport = nick, port, host, transport
        self.ca_file, self.tls_name, self.verify = ca_file, tls_name, verify
        self.user = user or nick
        self.realname = realname or f"rounds test client {nick}"
        self.password, self.sasl, self.caps = password, sasl, tuple(caps)
        self.origin, self.subprotocols, self.ws_path = origin, tuple(subprotocols or ()), ws_path
        self.timeout = timeout
        self.name = name or f"{nick}/{transport}"

        self.messages = []            # every Message received, in order
        self.cursor = 0               # where wait_for() searches from by default
        self.caps_offered = {}        # from CAP LS: name -> value ("" if none)
        self.caps_acked = set()
        self.isupport = {}            # from 005, filled in as it arrives
        self.sasl_result = None       # "903" on success, else the failing numeric
        self.ws_protocol = None       # Sec-WebSocket-Protocol the server chose
        self.welcome = None           # the 001 Message
        self.closed = False           # the connection is gone
        self.close_reason = None

        self._sock = None
        self._ws = transport in ("ws", "wss")
        self._cond = threading.Condition()
        self._out = bytearray()       # queued for the I/O thread to write
        self._out_lock = threading.Lock()
        self._wake_r = self._wake_w = None
        self._thread = None
        self._inbuf = bytearray()
        self._frag = bytearray()      # WebSocket continuation frames

    def __repr__(self):
        return f"<Client {self.name} {'closed' if self.closed else 'open'}>"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.quit()

    # -- connection ----------------------------------------------------------

    def open(self):
        """Connect the transport (TCP, TLS, WebSocket handshake) and start the
        I/O thread.  No IRC is sent.  Returns self."""
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self.transport in ("tls", "wss"):
                if self.verify:
                    ctx = ssl.create_default_context(cafile=self.ca_file)
                else:
                    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    ctx.check_hostname = False
                    ctx.verify_mode = ssl.CERT_NONE
                sock = ctx.wrap_socket(sock, server_hostname=self.tls_name)
            if self._ws:
                self._ws_handshake(sock)
        except BaseException:
            sock.close()
            raise
        sock.setblocking(False)
        self._sock = sock
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._thread = threading.Thread(target=self._io_loop, name=f"irc-{self.name}", daemon=True)
        self._thread.start()
        if self._inbuf:               # bytes that came with the WebSocket handshake
            with self._cond:
                self._parse_input(b"")
        return self

    def connect(self, timeout=None, wait_motd=False):
        """Open, negotiate caps (CAP LS 302), SASL PLAIN if asked, register
        with NICK/USER, and return self once 001 has arrived (or the end of
        the MOTD, with wait_motd=True, when ISUPPORT is complete).  Raises
        RegistrationError when refused.  InspIRCd completes registrations on
        a one-second tick: connect many clients at once with connect_all()."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        left = lambda: max(0.0, deadline - time.monotonic())  # noqa: E731
        if self._sock is None:
            self.open()
        try:
            if self.password:
                self.raw(f"PASS {self.password}")
            self.raw("CAP LS 302")
            self.raw(f"NICK {self.nick}")
            self.raw(f"USER {self.user} 0 * :{self.realname}")
            self._read_cap_ls(left())
            want = [c for c in self.caps if c in self.caps_offered]
            if self.sasl:
                if "sasl" not in self.caps_offered:
                    raise RegistrationError(f"{self.name}: the server offers no sasl capability "
                                            "(services not linked?)")
                want.append("sasl")
            if want:
                self.cap_req(want, left())
            if self.sasl:
                res = self.authenticate(self.sasl[0], self.sasl[1], left())
                if res != "903":
                    raise RegistrationError(f"{self.name}: SASL PLAIN as {self.sasl[0]} failed: "
                                            f"{self._last_lines(3)}")
            self.raw("CAP END")
            m = self.wait_for(lambda m: m.command == "001" or m.command in _REG_FAILURES
                              or m.command == "ERROR", left(), "001 (registration)")
            if m.command != "001":
                raise RegistrationError(f"{self.name}: registration refused: {m.raw}")
            self.welcome = m
            self.nick = m.params[0]
            if wait_motd:
                self.wait_for(lambda m: m.command in ("376", "422"), left(), "end of MOTD")
        except BaseException:
            self.close()
            raise
        return self

    def cap_ls(self, timeout=None):
        """Send CAP LS 302 and return the offered caps (dict)."""
        self.raw("CAP LS 302")
        return self._read_cap_ls(timeout)

    def _read_cap_ls(self, timeout=None):
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while True:
            m = self.wait_for(lambda m: m.command == "CAP" and len(m.params) >= 3
                              and m.params[1] == "LS", max(0.0, deadline - time.monotonic()),
                              "CAP LS reply")
            for item in m.text.split():
                k, _, v = item.partition("=")
                self.caps_offered[k] = v
            if not (len(m.params) >= 4 and m.params[2] == "*"):    # "*" = more follows
                return self.caps_offered

    def cap_req(self, caps, timeout=None):
        """Request caps (in chunks that fit a line); returns the set acked."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        caps, chunk = list(caps), []
        while caps or chunk:
            if caps and (not chunk or len(" ".join(chunk + [caps[0]])) < 400):
                chunk.append(caps.pop(0))
                continue
            self.raw("CAP REQ :" + " ".join(chunk))
            m = self.wait_for(lambda m: m.command == "CAP" and len(m.params) >= 3
                              and m.params[1] in ("ACK", "NAK"),
                              max(0.0, deadline - time.monotonic()), "CAP ACK/NAK")
            if m.params[1] == "ACK":
                self.caps_acked.update(c.lstrip("-") for c in m.text.split()
                                       if not c.startswith("-"))
            chunk = []
        return set(self.caps_acked)

    def authenticate(self, account, password, timeout=None):
        """SASL PLAIN (the sasl cap must be acked, registration not yet ended).
        Returns the final numeric: "903" success, "904" bad credentials, ..."""
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        self.raw("AUTHENTICATE PLAIN")
        m = self.wait_for(lambda m: m.command == "AUTHENTICATE" or m.command in
                          ("904", "905", "906", "908"), timeout, "AUTHENTICATE +")
        if m.command != "AUTHENTICATE":
            self.sasl_result = m.command
            return m.command
        blob = base64.b64encode(f"{account}\0{account}\0{password}".encode()).decode()
        for i in range(0, len(blob), 400):
            self.raw("AUTHENTICATE " + blob[i:i + 400])
        if len(blob) % 400 == 0:
            self.raw("AUTHENTICATE +")
        m = self.wait_for(lambda m: m.command in ("903", "904", "902", "905", "906", "907"),
                          max(0.0, deadline - time.monotonic()), "SASL result (903/904)")
        self.sasl_result = m.command
        return m.command

    # -- sending -------------------------------------------------------------

    def raw(self, line):
        """Queue one IRC line (without CRLF) for sending; returns at once."""
        if "\r" in line or "\n" in line:
            raise ValueError("an IRC line must not contain CR or LF")
        if self.closed or self._sock is None:
            raise IRCError(f"{self.name}: not connected ({self.close_reason or 'not opened'})")
        data = line.encode()
        data = self._ws_frame(0x1, data) if self._ws else data + b"\r\n"
        with self._out_lock:
            self._out += data
        self._wake()

    send = raw

    def privmsg(self, target, text, tags=None):
        self.raw(_with_tags(tags, f"PRIVMSG {target} :{text}"))

    def notice(self, target, text, tags=None):
        self.raw(_with_tags(tags, f"NOTICE {target} :{text}"))

    def tagmsg(self, target, tags):
        self.raw(_with_tags(tags, f"TAGMSG {target}"))

    def join(self, channel, key=None, timeout=None):
        """JOIN and return the echoed JOIN message (NAMES and any history
        replay follow it)."""
        self.raw(f"JOIN {channel}" + (f" {key}" if key else ""))
        low = _fold(channel)
        m = self.wait_for(
            lambda m: (m.command == "JOIN" and m.nick == self.nick and m.params
                       and _fold(m.params[0]) == low)
            or (m.command in _JOIN_FAILURES and len(m.params) > 1 and _fold(m.params[1]) == low),
            timeout, f"JOIN {channel} echo")
        if m.command != "JOIN":
            raise IRCError(f"{self.name}: JOIN {channel} refused: {m.raw}")
        return m

    def part(self, channel, reason="bye", timeout=None):
        self.raw(f"PART {channel} :{reason}")
        low = _fold(channel)
        return self.wait_for(lambda m: m.command == "PART" and m.nick == self.nick
                             and _fold(m.params[0]) == low, timeout, f"PART {channel} echo")

    def flush(self, timeout=5.0):
        """Wait until everything queued has been written to the socket."""
        deadline = time.monotonic() + timeout
        while self._out and not self.closed and time.monotonic() < deadline:
            time.sleep(0.005)
        return not self._out

    def quit(self, message="bye", timeout=2.0):
        """Send QUIT, wait (up to timeout) for the server to close, close.
        Safe to call more than once and on a client that never connected."""
        if self._sock is not None and not self.closed:
            try:
                self.raw(f"QUIT :{message}")
                with self._cond:
                    self._cond.wait_for(lambda: self.closed, timeout)
            except IRCError:
                pass
        self.close()

    def close(self):
        """Drop the connection at once (no QUIT) and stop the I/O thread."""
        with self._cond:
            if not self.closed:
                self.closed = True
                self.close_reason = self.close_reason or "closed by the client"
            self._cond.notify_all()
        self._wake()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(2.0)
        for s in (self._sock, self._wake_r, self._wake_w):
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass

    # -- receiving -----------------------------------------------------------

    def mark(self):
        """The index the next message will get; use as wait_for(since=...)."""
        with self._cond:
            return len(self.messages)

    def wait_for(self, predicate, timeout=5.0, what=None, since=None):
        """Return the first message at index >= since (default: the cursor)
        for which predicate(msg) is true, and move the cursor past it.
        predicate may be a command string ("PRIVMSG", "366").  Raises
        TimeoutError (or IRCError if the connection closed) naming what was
        awaited and listing the last lines received."""
        if isinstance(predicate, str):
            cmd = predicate.upper()
            what = what or cmd
            predicate = lambda m: m.command == cmd  # noqa: E731
        timeout = self.timeout if timeout is None else timeout
        deadline = time.monotonic() + timeout
        i = self.cursor if since is None else since
        with self._cond:
            while True:
                while i < len(self.messages):
                    m = self.messages[i]
                    i += 1
                    if predicate(m):
                        self.cursor = i
                        return m
                if self.closed:
                    raise IRCError(f"{self.name}: connection closed ({self.close_reason}) while "
                                   f"waiting for {what or _describe(predicate)}; last lines:"
                                   f"{self._last_lines()}")
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{self.name}: no {what or _describe(predicate)} within "
                                       f"{timeout:g}s; last lines:{self._last_lines()}")
                self._cond.wait(left)

    def collect(self, seconds, predicate=None):
        """Sleep `seconds`, then return the messages (matching predicate, if
        given) that arrived after the cursor, and move the cursor to the end."""
        time.sleep(seconds)
        with self._cond:
            got = self.messages[self.cursor:]
            self.cursor = len(self.messages)
        return [m for m in got if predicate is None or predicate(m)]

    def _last_lines(self, n=12):
        with self._cond:
            tail = self.messages[-n:]
        return "".join("\n    " + m.raw for m in tail) or " (none)"

    # -- the I/O thread ------------------------------------------------------

    def _wake(self):
        try:
            if self._wake_w is not None:
                self._wake_w.send(b"x")
        except OSError:       # buffer full (already woken) or closed
            pass

    def _io_loop(self):
        sock, reason = self._sock, None
        try:
            while not self.closed:
                # TLS may hold decrypted bytes that select() cannot see.
                if isinstance(sock, ssl.SSLSocket) and sock.pending():
                    readable = [sock]
                else:
                    wl = [sock] if self._out else []
                    readable, _, _ = select.select([sock, self._wake_r], wl, [], 1.0)
                if self._wake_r in readable:
                    try:
                        self._wake_r.recv(4096)
                    except OSError:
                        pass
                if sock in readable:
                    try:
                        data = sock.recv(65536)
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                        data = None
                    if data == b"":
                        reason = "closed by the server"
                        break
                    if data:
                        with self._cond:
                            self._parse_input(data)
                if self._out:            # non-blocking: writes what fits
                    with self._out_lock:
                        chunk = bytes(self._out[:65536])
                    try:
                        n = sock.send(chunk)
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                        n = 0
                    if n:
                        with self._out_lock:
                            del self._out[:n]
        except (OSError, ValueError) as e:
            reason = f"connection error: {e}"
        except Exception as e:          # a bug here must not hang the test
            reason = f"client I/O thread failed: {e!r}"
        with self._cond:
            if not self.closed:
                self.closed = True
                self.close_reason = reason or "closed"
            self._cond.notify_all()
        try:
            sock.close()          # only this thread uses it
        except OSError:
            pass

    def _parse_input(self, data):
        """Called with self._cond held: turn bytes into stored Messages."""
        self._inbuf += data
        if self._ws:
            lines = self._ws_frames()
        else:
            lines = []
            while True:
                i = self._inbuf.find(b"\n")
                if i < 0:
                    break
                lines.append(bytes(self._inbuf[:i]))
                del self._inbuf[:i + 1]
        now = time.monotonic()
        added = False
        for line in lines:
            text = line.rstrip(b"\r").decode("utf-8", "replace")
            if not text:
                continue
            m = Message(text, now)
            self.messages.append(m)
            added = True
            if m.command == "PING":
                self._queue_reply("PONG :" + m.text)
            elif m.command == "005":
                for tok in m.params[1:-1]:
                    k, _, v = tok.partition("=")
                    if k.startswith("-"):
                        self.isupport.pop(k[1:], None)
                    else:
                        self.isupport[k] = v
            elif m.command == "CAP" and len(m.params) >= 3 and m.params[1] in ("NEW", "DEL"):
                for item in m.text.split():    # cap-notify
                    k, _, v = item.partition("=")
                    if m.params[1] == "NEW":
                        self.caps_offered[k] = v
                    else:
                        self.caps_offered.pop(k, None)
                        self.caps_acked.discard(k)
            elif m.command == "NICK" and m.nick == self.nick and m.params:
                self.nick = m.params[0]
        if added:
            self._cond.notify_all()

    def _queue_reply(self, line):
        data = line.encode()
        data = self._ws_frame(0x1, data) if self._ws else data + b"\r\n"
        with self._out_lock:
            self._out += data

    # -- WebSocket -----------------------------------------------------------

    def _ws_handshake(self, sock):
        key = base64.b64encode(os.urandom(16)).decode()
        hdrs = [f"GET {self.ws_path} HTTP/1.1", f"Host: {self.host}:{self.port}",
                "Upgrade: websocket", "Connection: Upgrade", f"Sec-WebSocket-Key: {key}",
                "Sec-WebSocket-Version: 13"]
        if self.origin:
            hdrs.append(f"Origin: {self.origin}")
        if self.subprotocols:
            hdrs.append("Sec-WebSocket-Protocol: " + ", ".join(self.subprotocols))
        sock.sendall(("\r\n".join(hdrs) + "\r\n\r\n").encode())
        buf = b""
        while b"\r\n\r\n" not in buf:
            data = sock.recv(4096)
            if not data:
                raise IRCError(f"{self.name}: WebSocket: connection closed during the handshake"
                               + (f" (got {buf[:200]!r})" if buf else ""))
            buf += data
        head, rest = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        if len(lines[0].split()) < 2 or lines[0].split()[1] != "101":
            raise IRCError(f"{self.name}: WebSocket handshake refused: {lines[0]}")
        fields = {}
        for ln in lines[1:]:
            k, _, v = ln.partition(":")
            fields[k.strip().lower()] = v.strip()
        want = base64.b64encode(hashlib.sha1((key + _WS_GUID).encode()).digest()).decode()
        if fields.get("sec-websocket-accept") != want:
            raise IRCError(f"{self.name}: WebSocket: bad Sec-WebSocket-Accept")
        self.ws_protocol = fields.get("sec-websocket-protocol")
        self._inbuf += rest

    @staticmethod
    def _ws_frame(opcode, payload):
        """A client frame: FIN set, masked as RFC 6455 requires."""
        n = len(payload)
        if n < 126:
            head = bytes([0x80 | opcode, 0x80 | n])
        elif n < 65536:
            head = bytes([0x80 | opcode, 0x80 | 126]) + n.to_bytes(2, "big")
        else:
            head = bytes([0x80 | opcode, 0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        masked = (int.from_bytes(payload, "big") ^ int.from_bytes(
            (mask * (n // 4 + 1))[:n], "big")).to_bytes(n, "big") if n else b""
        return head + mask + masked

    def _ws_frames(self):
        """Decode complete frames from self._inbuf; return the IRC lines."""
        lines, buf = [], self._inbuf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n, off = b1 & 0x7F, 2
            if n == 126:
                if len(buf) < 4:
                    break
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                if len(buf) < 10:
                    break
                n, off = int.from_bytes(buf[2:10], "big"), 10
            mask = None
            if b1 & 0x80:          # servers must not mask; accept it anyway
                mask, off = bytes(buf[off:off + 4]), off + 4
            if len(buf) < off + n:
                break
            payload = bytes(buf[off:off + n])
            del buf[:off + n]
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            op, fin = b0 & 0x0F, b0 & 0x80
            if op in (0x0, 0x1, 0x2):
                self._frag += payload
                if fin:
                    for line in bytes(self._frag).split(b"\n"):
                        if line.strip(b"\r"):
                            lines.append(line)
                    self._frag.clear()
            elif op == 0x8:
                with self._out_lock:
                    self._out += self._ws_frame(0x8, payload[:2])
                self.close_reason = "WebSocket close frame from the server"
            elif op == 0x9:
                with self._out_lock:
                    self._out += self._ws_frame(0xA, payload)
        return lines


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------

def connect(nick, port, host="127.0.0.1", timeout=10.0, wait_motd=False, **kw):
    """Client(nick, port, host, **kw).connect(): connected once 001 arrived."""
    return Client(nick, port, host, timeout=timeout, **kw).connect(wait_motd=wait_motd)


def connect_all(clients, timeout=15.0, wait_motd=False):
    """Connect several Client objects at once (registration takes a one-second
    tick each, so in parallel N clients take ~1 s, not N).  Returns the list;
    if any fails, closes them all and raises the first error."""
    errors = [None] * len(clients)

    def run(i):
        try:
            clients[i].connect(timeout, wait_motd)
        except BaseException as e:       # noqa: B902 - reported below
            errors[i] = e
    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(len(clients))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout + 5)
    if any(errors):
        for c in clients:
            c.close()
        raise next(e for e in errors if e)
    return list(clients)


def _with_tags(tags, line):
    if not tags:
        return line
    parts = [k if v is None or v == "" else f"{k}={escape_tag_value(v)}" for k, v in tags.items()]
    return "@" + ";".join(parts) + " " + line


def _fold(name):
    """rfc1459 case folding (InspIRCd's CASEMAPPING here)."""
    return name.lower().translate(str.maketrans("[]\\~", "{}|^"))


def _describe(predicate):
    name = getattr(predicate, "__name__", "")
    return "message matching " + name if name and name != "<lambda>" else "matching message"

