"""A deliberately old-fashioned IRC server for tests: RFC 1459 only (no CAP,
no message tags, no account tracking), one channel namespace, and a test
hook to push raw lines (malformed ones included) to any client.

It answers CAP with 421, registers on NICK+USER, refuses nicks in use
(433), relays PRIVMSG/NOTICE/JOIN/PART/QUIT, answers PING and NAMES, and
gives the first joiner of a channel operator status. Enough to prove the
bot works where IRCv3 is not offered and survives garbage.
"""

import socket
import threading


class Conn:
    def __init__(self, server, sock):
        self.server, self.sock = server, sock
        self.nick = None
        self.user = None
        self.registered = False
        self.buf = b""
        self.lock = threading.Lock()

    @property
    def mask(self):
        return "%s!%s@plain.test" % (self.nick, self.user or "u")

    def send(self, line):
        data = line.encode("utf-8", "surrogateescape") if isinstance(line, str) else line
        with self.lock:
            try:
                self.sock.sendall(data + b"\r\n")
            except OSError:
                pass


class PlainIRCd:
    def __init__(self):
        self.lsock = socket.socket()
        self.lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(16)
        self.port = self.lsock.getsockname()[1]
        self.conns = []
        self.channels = {}  # name lower -> list of Conn (first is op)
        self.lock = threading.RLock()
        self.received = []  # (nick, raw line) from every client
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def stop(self):
        self.stopping = True
        self.lsock.close()
        for c in list(self.conns):
            try:
                c.sock.close()
            except OSError:
                pass

    def by_nick(self, nick):
        with self.lock:
            for c in self.conns:
                if c.nick and c.nick.lower() == nick.lower():
                    return c
        return None

    def inject(self, nick, raw):
        """Sends a raw line (bytes or str) to the client using nick."""
        c = self.by_nick(nick)
        if c is None:
            raise KeyError(nick)
        c.send(raw)

    def lines_from(self, nick):
        with self.lock:
            return [l for n, l in self.received if n and n.lower() == nick.lower()]

    def _accept(self):
        while not self.stopping:
            try:
                s, _ = self.lsock.accept()
            except OSError:
                return
            c = Conn(self, s)
            with self.lock:
                self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c):
        try:
            while True:
                data = c.sock.recv(4096)
                if not data:
                    break
                c.buf += data
                while b"\n" in c.buf:
                    line, c.buf = c.buf.split(b"\n", 1)
                    self._line(c, line.rstrip(b"\r").decode("utf-8", "replace"))
        except OSError:
            pass
        self._quit(c, "Connection closed")

    def _quit(self, c, reason):
        with self.lock:
            if c not in self.conns:
                return
            self.conns.remove(c)
            peers = set()
            for members in self.channels.values():
                if c in members:
                    members.remove(c)
                    peers.update(members)
        if c.registered:
            for p in peers:
                p.send(":%s QUIT :%s" % (c.mask, reason))
        try:
            c.sock.close()
        except OSError:
            pass

    def _line(self, c, line):
        with self.lock:
            self.received.append((c.nick, line))
        parts = line.split(" ")
        cmd = parts[0].upper()
        trailing = line.split(" :", 1)[1] if " :" in line else (parts[-1] if len(parts) > 1 else "")
        if cmd == "CAP":
            c.send(":plain.test 421 * CAP :Unknown command")
        elif cmd == "NICK" and len(parts) > 1:
            nick = parts[1].lstrip(":")
            other = self.by_nick(nick)
            if other is not None and other is not c:
                c.send(":plain.test 433 %s %s :Nickname is already in use" % (c.nick or "*", nick))
                return
            old = c.mask
            c.nick = nick
            if c.registered:
                c.send(":%s NICK %s" % (old, nick))
            self._maybe_register(c)
        elif cmd == "USER" and len(parts) > 1:
            c.user = parts[1]
            self._maybe_register(c)
        elif not c.registered:
            c.send(":plain.test 451 * :You have not registered")
        elif cmd == "PING":
            c.send(":plain.test PONG plain.test :%s" % trailing)
        elif cmd == "JOIN":
            for name in parts[1].split(","):
                self._join(c, name)
        elif cmd == "PART":
            name = parts[1]
            with self.lock:
                members = self.channels.get(name.lower(), [])
                if c in members:
                    for m in members:
                        m.send(":%s PART %s :%s" % (c.mask, name, trailing))
                    members.remove(c)
        elif cmd in ("PRIVMSG", "NOTICE") and len(parts) > 2:
            target = parts[1]
            with self.lock:
                if target.startswith("#"):
                    recipients = [m for m in self.channels.get(target.lower(), []) if m is not c]
                else:
                    r = self.by_nick(target)
                    recipients = [r] if r else []
            for r in recipients:
                r.send(":%s %s %s :%s" % (c.mask, cmd, target, trailing))
        elif cmd == "QUIT":
            c.send("ERROR :Closing link (%s)" % trailing)
            self._quit(c, "Quit: " + trailing)
        elif cmd == "WHO":
            c.send(":plain.test 315 %s %s :End of /WHO list." % (c.nick, parts[1]))
        elif cmd == "MODE":
            pass
        else:
            c.send(":plain.test 421 %s %s :Unknown command" % (c.nick, cmd))

    def _maybe_register(self, c):
        if c.registered or not c.nick or not c.user:
            return
        c.registered = True
        c.send(":plain.test 001 %s :Welcome to the plain test server %s" % (c.nick, c.mask))
        c.send(":plain.test 004 %s plain.test plain-1.0 io ovb" % c.nick)
        c.send(":plain.test 422 %s :MOTD File is missing" % c.nick)

    def _join(self, c, name):
        with self.lock:
            members = self.channels.setdefault(name.lower(), [])
            if c in members:
                return
            members.append(c)
            names = " ".join(("@" if i == 0 else "") + m.nick for i, m in enumerate(members))
            snapshot = list(members)
        for m in snapshot:
            m.send(":%s JOIN %s" % (c.mask, name))
        c.send(":plain.test 353 %s = %s :%s" % (c.nick, name, names))
        c.send(":plain.test 366 %s %s :End of /NAMES list." % (c.nick, name))


class PlainClient:
    """A raw client for this server (no threads: blocking reads on demand)."""

    def __init__(self, port, nick):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.nick = nick
        self.buf = b""
        self.lines = []
        self.send("NICK %s" % nick)
        self.send("USER %s 0 * :%s" % (nick, nick))
        self.wait(lambda l: " 001 " in l)

    def send(self, line):
        self.sock.sendall(line.encode() + b"\r\n")

    def wait(self, pred, timeout=15):
        import time
        end = time.time() + timeout
        seen = len(self.lines)
        while True:
            for l in self.lines[seen:]:
                if pred(l):
                    return l
            seen = len(self.lines)
            left = end - time.time()
            if left <= 0:
                raise TimeoutError("%s: nothing matched within %ss; last lines: %r"
                                   % (self.nick, timeout, self.lines[-8:]))
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            if not data:
                raise ConnectionError("%s: closed; last lines: %r" % (self.nick, self.lines[-8:]))
            self.buf += data
            while b"\n" in self.buf:
                l, self.buf = self.buf.split(b"\n", 1)
                self.lines.append(l.rstrip(b"\r").decode("utf-8", "replace"))

    def close(self):
        try:
            self.send("QUIT :bye")
            self.sock.close()
        except OSError:
            pass
