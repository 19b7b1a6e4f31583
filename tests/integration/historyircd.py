"""An IRC server fixture that offers IRCv3 CHATHISTORY, which no IRC server
in Debian 12 does (InspIRCd 3 only replays on join).

Built on plainircd's server. It follows the specs for what the bot uses:
CAP LS 302 / REQ / END (batch, server-time, message-tags,
draft/chathistory), ISUPPORT CHATHISTORY=<limit>, channel messages relayed
with @time and @msgid to clients that asked for them, and
ISUPPORT MSGREFTYPES=timestamp,msgid, and
`CHATHISTORY AFTER <channel> timestamp=<iso>|msgid=<id> <limit>` answered
with a `chathistory` BATCH of the messages strictly after that time (or
after that message), oldest first, at most min(limit, the server's limit).
Test hooks: drop a client's connection, keep only the latest N messages of
history (a history that does not reach back), stamp messages with one and
the same millisecond (as a busy server may), and the CHATHISTORY requests
received.
"""

import datetime
import itertools
import socket
import threading
import time

from plainircd import PlainIRCd

CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")


def iso(ms):
    t = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (ms % 1000)


def parse_iso(s):
    t = datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return int(round(t.timestamp() * 1000))


class HistoryIRCd(PlainIRCd):
    def __init__(self, limit=100):
        self.limit = limit        # ISUPPORT CHATHISTORY=limit
        self.keep = None          # None: all history; N: only the latest N messages
        self.same_ms = False      # True: new messages share the last one's time
        self.history = {}         # channel lower -> [(ts_ms, msgid, mask, command, target, text)]
        self.requests = []        # (nick, raw CHATHISTORY line)
        self.caps = {}            # Conn -> set of acknowledged caps
        self.ids = itertools.count(1)
        self.last_ms = 0
        self.hlock = threading.Lock()
        super().__init__()

    # ---- test hooks --------------------------------------------------------

    def drop(self, nick):
        """Closes the connection of the client using nick, server-side."""
        c = self.by_nick(nick)
        if c is None:
            raise KeyError(nick)
        try:
            c.sock.shutdown(socket.SHUT_RDWR)  # close() alone leaves the reader thread's recv() be
        except OSError:
            pass
        self._quit(c, "Connection reset by test")

    def said(self, channel, text):
        """The (time, msgid) the server gave a line, or None."""
        with self.hlock:
            for ms, msgid, _, _, _, t in self.history.get(channel.lower(), []):
                if t == text:
                    return ms, msgid
        return None

    def history_requests(self):
        with self.hlock:
            return list(self.requests)

    # ---- the protocol ------------------------------------------------------

    def _stamp(self):
        with self.hlock:
            if self.same_ms and self.last_ms:
                ms = self.last_ms
            else:
                ms = max(int(time.time() * 1000), self.last_ms + 1)  # increasing
                if ms % 1000 == 0:
                    ms += 1  # the bot reads a whole-second time as "within that second"
            self.last_ms = ms
            return ms, "h%d" % next(self.ids)

    def _tags(self, c, ms, msgid, batch=None):
        got = self.caps.get(c, set())
        tags = []
        if batch:
            tags.append("batch=" + batch)
        if "server-time" in got:
            tags.append("time=" + iso(ms))
        if "message-tags" in got:
            tags.append("msgid=" + msgid)
        return ("@" + ";".join(tags) + " ") if tags else ""

    def _line(self, c, line):
        parts = line.split(" ")
        cmd = parts[0].upper()
        if cmd == "CAP":
            with self.lock:
                self.received.append((c.nick, line))
            self._cap(c, parts, line)
        elif cmd == "CHATHISTORY" and c.registered:
            with self.lock:
                self.received.append((c.nick, line))
            with self.hlock:
                self.requests.append((c.nick, line))
            self._chathistory(c, parts)
        elif cmd in ("PRIVMSG", "NOTICE") and c.registered and len(parts) > 2 and parts[1].startswith("#"):
            with self.lock:
                self.received.append((c.nick, line))
            target = parts[1]
            text = line.split(" :", 1)[1] if " :" in line else parts[2]
            ms, msgid = self._stamp()
            with self.hlock:
                h = self.history.setdefault(target.lower(), [])
                h.append((ms, msgid, c.mask, cmd, target, text))
                if self.keep is not None and len(h) > self.keep:
                    del h[:len(h) - self.keep]
            with self.lock:
                recipients = [m for m in self.channels.get(target.lower(), []) if m is not c]
            for r in recipients:
                r.send("%s:%s %s %s :%s" % (self._tags(r, ms, msgid), c.mask, cmd, target, text))
        else:
            super()._line(c, line)

    def _cap(self, c, parts, line):
        sub = parts[1].upper() if len(parts) > 1 else ""  # CAP LS 302, CAP REQ :..., CAP END
        nick = c.nick or "*"
        if sub == "LS":
            c.capneg = True  # registration waits for CAP END
            c.send(":history.test CAP %s LS :%s" % (nick, " ".join(CAPS)))
        elif sub == "REQ":
            want = (line.split(" :", 1)[1] if " :" in line else " ".join(parts[2:])).split()
            if all(w.lstrip("-") in CAPS for w in want):
                self.caps.setdefault(c, set()).update(w for w in want if not w.startswith("-"))
                c.send(":history.test CAP %s ACK :%s" % (nick, " ".join(want)))
            else:
                c.send(":history.test CAP %s NAK :%s" % (nick, " ".join(want)))
        elif sub == "END":
            c.capneg = False
            self._maybe_register(c)

    def _maybe_register(self, c):
        if getattr(c, "capneg", False):
            return
        was = c.registered
        super()._maybe_register(c)
        if c.registered and not was:
            c.send(":history.test 005 %s CHATHISTORY=%d MSGREFTYPES=timestamp,msgid "
                   ":are supported by this server" % (c.nick, self.limit))

    def _chathistory(self, c, parts):
        # CHATHISTORY AFTER <target> timestamp=<iso>|msgid=<id> <limit>
        if len(parts) < 5 or parts[1].upper() != "AFTER" or "=" not in parts[3]:
            c.send(":history.test FAIL CHATHISTORY INVALID_PARAMS :only AFTER here")
            return
        target = parts[2]
        kind, ref = parts[3].split("=", 1)
        limit = min(int(parts[4]), self.limit)
        with self.hlock:
            h = self.history.get(target.lower(), [])
            if kind == "timestamp":
                after = parse_iso(ref)
                lines = [x for x in h if x[0] > after]
            elif kind == "msgid" and any(x[1] == ref for x in h):
                lines = h[[x[1] for x in h].index(ref) + 1:]
            else:
                lines = None
        if lines is None:
            c.send(":history.test FAIL CHATHISTORY INVALID_MSGREFTYPE AFTER %s :unknown reference" % parts[3])
            return
        lines = lines[:limit]
        ref = "hist%d" % next(self.ids)
        c.send(":history.test BATCH +%s chathistory %s" % (ref, target))
        for ms, msgid, mask, cmd, tgt, text in lines:
            c.send("%s:%s %s %s :%s" % (self._tags(c, ms, msgid, batch=ref), mask, cmd, tgt, text))
        c.send(":history.test BATCH -%s" % ref)
