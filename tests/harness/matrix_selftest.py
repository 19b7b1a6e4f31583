#!/usr/bin/python3
"""Self-test of the Matrix homeserver fixture (matrixnet.py).

Starts a homeserver in a temporary directory and talks to it the way a bot
does — http.client over HTTPS verified against the fixture's CA, one
keep-alive connection per client, Bearer tokens — through every endpoint:
login, filters, /sync (initial, incremental, long-poll, filtered, limited),
/messages backfill, joins by percent-encoded alias and id, sends with
idempotent transaction ids, edits/replies/threads/reactions, redactions,
power levels (a muted user gets 403), kick/ban/unban/invite, state, 429
injection, a restart that keeps since-tokens valid, the request log, and the
CLI.  Also decodes a chunked response by hand off the wire.  Prints PASS/FAIL
per check and exits 0 only if all passed.

    /usr/bin/python3 tests/harness/matrix_selftest.py [--keep]   # --keep: leave the dirs
"""
import http.client
import json
import os
import shlex
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import urllib.parse

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import matrixnet  # noqa: E402

results = {"passed": 0, "failed": 0}
V3 = "/_matrix/client/v3"


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'} {name}"
    if detail and not ok:
        line += ": " + str(detail).replace("\n", "\n    ")[:2000]
    print(line, flush=True)
    return ok


def section(name, fn, *args):
    """Run one group of checks; an exception fails the group, not the run."""
    try:
        return fn(*args)
    except Exception as e:            # noqa: BLE001 - reported as a failed check
        check(name, False, f"{type(e).__name__}: {e}")
        if os.environ.get("SELFTEST_TRACE"):
            traceback.print_exc()
        return None


def q(s):
    return urllib.parse.quote(s, safe="")


class Client:
    """What a bot does: one keep-alive connection (reopened when the server
    drops it), JSON in and out, the token in an Authorization header (or the
    deprecated access_token query parameter).  Remembers every response's
    headers so framing can be checked."""

    def __init__(self, hs, token=None, plain=False, query_token=False):
        self.hs, self.token, self.plain, self.query_token = hs, token, plain, query_token
        self.conn = None
        self.last_headers = {}
        self.framing = []            # (path, chunked?, has content-length?)

    def _connect(self, timeout):
        if self.plain:
            return http.client.HTTPConnection(self.hs.host, self.hs.http_port, timeout=timeout)
        ctx = ssl.create_default_context(cafile=self.hs.ca_file)
        return http.client.HTTPSConnection(self.hs.host, self.hs.port, context=ctx,
                                           timeout=timeout)

    def call(self, method, path, body=None, query=None, timeout=10, token=True):
        """→ (status, JSON body).  `path` is under /_matrix/client/v3 unless
        it starts with '/'+'_matrix' or '/.well-known'."""
        if not path.startswith(("/_matrix", "/.well-known")):
            path = V3 + path
        query = dict(query or {})
        headers = {"Accept": "application/json"}
        tok = self.token if token is True else token
        if tok:
            if self.query_token:
                query["access_token"] = tok
            else:
                headers["Authorization"] = f"Bearer {tok}"
        if query:
            path += "?" + urllib.parse.urlencode(query)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        for attempt in (0, 1):
            if self.conn is None:
                self.conn = self._connect(timeout)
            self.conn.timeout = timeout
            if self.conn.sock is not None:
                self.conn.sock.settimeout(timeout)
            try:
                self.conn.request(method, path, body=data, headers=headers)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                self.close()               # a stale keep-alive connection: once more
                if attempt:
                    raise
        self.last_headers = {k.lower(): v for k, v in resp.getheaders()}
        self.framing.append((path.split("?")[0], resp.chunked,
                             "content-length" in self.last_headers))
        if resp.will_close:
            self.close()
        return resp.status, (json.loads(raw) if raw else None)

    def ok(self, method, path, body=None, query=None, timeout=10):
        status, obj = self.call(method, path, body, query, timeout)
        if status != 200:
            raise AssertionError(f"{method} {path}: {status} {obj}")
        return obj

    def sync(self, since=None, timeout_ms=0, filter=None, full_state=None, **kw):
        query = {}
        if since:
            query["since"] = since
        if timeout_ms:
            query["timeout"] = str(timeout_ms)
        if filter is not None:
            query["filter"] = filter if isinstance(filter, str) else json.dumps(filter)
        if full_state is not None:
            query["full_state"] = "true" if full_state else "false"
        query.update(kw)
        return self.ok("GET", "/sync", query=query, timeout=timeout_ms / 1000 + 10)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def timeline(sync, room):
    return sync.get("rooms", {}).get("join", {}).get(room, {}).get("timeline", {})


def bodies(events):
    return [e.get("content", {}).get("body") for e in events]


def raw_chunked_get(hs, path, token):
    """GET over a bare TLS socket; decode the chunked body by hand.
    → (status line, headers dict, [chunk sizes], body bytes)."""
    ctx = ssl.create_default_context(cafile=hs.ca_file)
    with socket.create_connection((hs.host, hs.port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname=matrixnet.TLS_NAME) as t:
            t.sendall((f"GET {path} HTTP/1.1\r\nHost: localhost\r\n"
                       f"Authorization: Bearer {token}\r\nConnection: close\r\n\r\n").encode())
            data = b""
            while True:
                got = t.recv(65536)
                if not got:
                    break
                data += got
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        headers[k.strip().lower()] = v.strip()
    sizes, body = [], b""
    while True:
        line, _, rest = rest.partition(b"\r\n")
        n = int(line.split(b";")[0], 16)
        sizes.append(n)
        if n == 0:
            break
        body += rest[:n]
        if rest[n:n + 2] != b"\r\n":
            raise AssertionError("chunk not followed by CRLF")
        rest = rest[n + 2:]
    return lines[0], headers, sizes, body


# --------------------------------------------------------------------------

def t_transport(hs, ctx):
    c = Client(hs)
    st, v = c.call("GET", "/_matrix/client/versions")
    check("versions", st == 200 and "v1.1" in v["versions"] and "r0.6.1" in v["versions"], v)
    check("versions-chunked-no-length",
          c.framing[-1][1] and not c.framing[-1][2], c.last_headers)
    try:
        bad = ssl.create_default_context()          # system CAs only
        conn = http.client.HTTPSConnection(hs.host, hs.port, context=bad, timeout=5)
        conn.request("GET", "/_matrix/client/versions")
        conn.getresponse()
        check("tls-rejects-without-ca", False, "verified without the fixture's CA")
    except ssl.SSLError as e:
        check("tls-rejects-without-ca", "CERTIFICATE_VERIFY_FAILED" in str(e), e)
    ctx_name = ssl.create_default_context(cafile=hs.ca_file)
    with socket.create_connection((hs.host, hs.port), timeout=5) as s:
        with ctx_name.wrap_socket(s, server_hostname="localhost") as t:
            check("tls-name-localhost", t.version() is not None)
    p = Client(hs, plain=True)
    st, v = p.call("GET", "/_matrix/client/versions")
    check("plain-http", st == 200 and "versions" in v, (st, v))
    st, wk = c.call("GET", "/.well-known/matrix/client")
    check("well-known", st == 200 and wk["m.homeserver"]["base_url"] == hs.url, wk)
    st, e = c.call("GET", "/no/such/thing", token=False)
    check("unknown-endpoint-404-unrecognized", st == 404 and e["errcode"] == "M_UNRECOGNIZED", e)
    st, e = c.call("DELETE", "/sync")
    check("wrong-method-405-unrecognized", st == 405 and e["errcode"] == "M_UNRECOGNIZED", e)


def t_auth(hs, ctx):
    hs.register("bot", "pw-bot", displayname="Rounds Bot")
    hs.register("alice", "pw-alice")
    hs.register("bob", "pw-bob")
    hs.register("carol", "pw-carol")
    c = Client(hs)
    st, r = c.call("POST", "/login", {"type": "m.login.password",
                                      "identifier": {"type": "m.id.user", "user": "bot"},
                                      "password": "pw-bot",
                                      "initial_device_display_name": "selftest"})
    check("login-password-identifier", st == 200 and r["user_id"] == "@bot:matrix.testnet"
          and r["access_token"] and r["device_id"], r)
    ctx["bot_token"], ctx["bot_device"] = r["access_token"], r["device_id"]
    st, r2 = c.call("POST", "/login", {"type": "m.login.password", "user": "@bot:matrix.testnet",
                                       "password": "pw-bot", "device_id": "SECOND"})
    check("login-deprecated-user-and-device-id", st == 200 and r2["device_id"] == "SECOND", r2)
    st, e = c.call("POST", "/login", {"type": "m.login.password",
                                      "identifier": {"type": "m.id.user", "user": "bot"},
                                      "password": "wrong"})
    check("login-wrong-password-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    st, e = c.call("POST", "/login", {"type": "m.login.bogus"})
    check("login-bad-type-400", st == 400 and e["errcode"] == "M_UNKNOWN", e)
    st, flows = c.call("GET", "/login")
    check("login-flows", {"type": "m.login.password"} in flows["flows"], flows)
    bot = Client(hs, r["access_token"])
    st, w = bot.call("GET", "/account/whoami")
    check("whoami-bearer", st == 200 and w == {"user_id": "@bot:matrix.testnet",
                                               "device_id": r["device_id"], "is_guest": False}, w)
    st, w = Client(hs, r["access_token"], query_token=True).call("GET", "/account/whoami")
    check("whoami-query-access-token", st == 200 and w["user_id"] == "@bot:matrix.testnet", w)
    st, e = c.call("GET", "/account/whoami", token=False)
    check("missing-token-401", st == 401 and e["errcode"] == "M_MISSING_TOKEN"
          and isinstance(e.get("error"), str), e)
    st, e = c.call("GET", "/account/whoami", token="nope")
    check("unknown-token-401", st == 401 and e["errcode"] == "M_UNKNOWN_TOKEN"
          and e.get("soft_logout") is False, e)
    second = Client(hs, r2["access_token"])
    st, _ = second.call("POST", "/logout", {})
    st2, e = second.call("GET", "/account/whoami")
    check("logout-invalidates-token", st == 200 and st2 == 401
          and e["errcode"] == "M_UNKNOWN_TOKEN", e)
    st, e = c.call("POST", "/register", {"username": "x", "password": "y"})
    check("register-disabled", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    try:
        hs.register("bot", "other")
        check("register-other-password-refused", False, "no error")
    except matrixnet.MatrixCallError as e:
        check("register-other-password-refused", e.errcode == "M_USER_IN_USE", e)
    ctx["bot"] = bot
    for name in ("alice", "bob", "carol"):
        ctx[name] = Client(hs, hs.login(name, f"pw-{name}").access_token)


def t_filters(hs, ctx):
    bot = ctx["bot"]
    f = {"room": {"timeline": {"limit": 20}, "state": {"types": ["m.room.*"]}},
         "presence": {"not_types": ["*"]}, "account_data": {"not_types": ["*"]}}
    r = bot.ok("POST", f"/user/{q('@bot:matrix.testnet')}/filter", f)
    check("filter-upload", isinstance(r.get("filter_id"), str)
          and not r["filter_id"].startswith("{"), r)
    ctx["filter_id"] = r["filter_id"]
    got = bot.ok("GET", f"/user/{q('@bot:matrix.testnet')}/filter/{r['filter_id']}")
    check("filter-download", got == f, got)
    st, e = bot.call("POST", f"/user/{q('@alice:matrix.testnet')}/filter", f)
    check("filter-other-user-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    st, e = bot.call("GET", f"/user/{q('@bot:matrix.testnet')}/filter/999")
    check("filter-unknown-404", st == 404 and e["errcode"] == "M_NOT_FOUND", e)
    st, e = bot.call("GET", "/sync", query={"filter": "999"})
    check("sync-unknown-filter-400", st == 400, e)
    st, e = bot.call("POST", f"/user/{q('@bot:matrix.testnet')}/filter",
                     {"room": {"timeline": {"limit": 0}}})
    check("filter-limit-must-be-positive", st == 400 and e["errcode"] == "M_BAD_JSON", e)


def t_rooms(hs, ctx):
    bot = ctx["bot"]
    room = hs.create_room("alice", alias="chat", name="Chat")
    other = hs.create_room("alice", alias="other", name="Other")
    enc = hs.create_room("alice", alias="secret", encrypted=True)
    ctx.update(room=room, other=other, enc=enc)
    check("room-id-shape", room.startswith("!") and room.endswith(":matrix.testnet"), room)
    # The raw percent-encoded path a client sends for '#chat:matrix.testnet'.
    r = bot.ok("POST", "/join/%23chat%3Amatrix.testnet", {},
               query={"server_name": "matrix.testnet"})
    check("join-by-encoded-alias", r == {"room_id": room}, r)
    r = bot.ok("GET", "/directory/room/%23chat%3Amatrix.testnet")
    check("directory-encoded-alias", r == {"room_id": room, "servers": ["matrix.testnet"]}, r)
    st, e = bot.call("GET", f"/directory/room/{q('#nope:matrix.testnet')}")
    check("directory-unknown-404", st == 404 and e["errcode"] == "M_NOT_FOUND", e)
    r = bot.ok("POST", f"/rooms/{q(room)}/join", {})
    check("join-by-encoded-id-idempotent", r == {"room_id": room}, r)
    r = bot.ok("POST", f"/join/{q(other)}", {})
    check("join-by-id-via-join-endpoint", r == {"room_id": other}, r)
    bot.ok("POST", f"/join/{q('#secret:matrix.testnet')}", {})
    for name in ("bob", "carol"):
        ctx[name].ok("POST", f"/join/{q('#chat:matrix.testnet')}", {})
    st, e = bot.call("POST", f"/join/{q('#missing:matrix.testnet')}", {})
    check("join-unknown-alias-404", st == 404 and e["errcode"] == "M_NOT_FOUND", e)
    st, raw = bot.call("GET", f"/rooms/{room}/joined_members")       # '!' and ':' unencoded
    check("unencoded-room-id-path", st == 200 and "joined" in raw, raw)
    jm = bot.ok("GET", f"/rooms/{q(room)}/joined_members")["joined"]
    check("joined-members", set(jm) == {"@alice:matrix.testnet", "@bot:matrix.testnet",
                                        "@bob:matrix.testnet", "@carol:matrix.testnet"}
          and jm["@bot:matrix.testnet"].get("display_name") == "Rounds Bot", jm)
    jr = bot.ok("GET", "/joined_rooms")["joined_rooms"]
    check("joined-rooms", set(jr) == {room, other, enc}, jr)


def t_initial_sync(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    s = bot.sync()
    check("sync-chunked-no-length", bot.framing[-1][1] and not bot.framing[-1][2],
          bot.last_headers)
    j = s.get("rooms", {}).get("join", {})
    check("initial-sync-joined-rooms", set(j) == {room, ctx["other"], ctx["enc"]}, list(j))
    tl = j[room]["timeline"]
    check("initial-sync-timeline-shape", isinstance(tl["events"], list)
          and isinstance(tl["limited"], bool) and tl["prev_batch"].startswith("t"), tl)
    types = [e["type"] for e in j[room]["state"]["events"]] + [e["type"] for e in tl["events"]]
    check("initial-sync-state", {"m.room.create", "m.room.power_levels", "m.room.join_rules",
                                 "m.room.name", "m.room.member"} <= set(types), types)
    ev = tl["events"][-1]
    check("sync-events-without-room-id",
          all(k in ev for k in ("event_id", "sender", "origin_server_ts", "type", "content",
                                "unsigned")) and "room_id" not in ev, ev)
    check("state-events-have-state-key",
          all("state_key" in e for e in j[room]["state"]["events"]), j[room]["state"])
    check("initial-sync-account-data-and-presence",
          any(e["type"] == "m.push_rules" for e in s.get("account_data", {}).get("events", []))
          and any(e["type"] == "m.presence" for e in s.get("presence", {}).get("events", [])),
          {k: s.get(k) for k in ("account_data", "presence")})
    encj = j[ctx["enc"]]       # a small room: its state may all be in the timeline
    enc_state = [e for e in encj.get("state", {}).get("events", []) + encj["timeline"]["events"]
                 if e["type"] == "m.room.encryption"]
    check("encrypted-room-state", enc_state and
          enc_state[0]["content"]["algorithm"] == "m.megolm.v1.aes-sha2", enc_state)
    f = bot.sync(filter=ctx["filter_id"])
    check("filter-id-drops-presence-and-account-data",
          "presence" not in f and "account_data" not in f and "rooms" in f, list(f))
    g = bot.sync(filter={"room": {"rooms": [room], "timeline": {"limit": 1},
                                  "state": {"types": ["m.room.n*", "m.room.join_rules"]}}})
    st_types = {e["type"] for e in g["rooms"]["join"][room].get("state", {}).get("events", [])}
    check("filter-state-types-glob", st_types == {"m.room.name", "m.room.join_rules"}, st_types)
    only = bot.sync(filter={"room": {"rooms": [room]}})
    check("filter-room-rooms", set(only["rooms"]["join"]) == {room}, list(only["rooms"]["join"]))
    fields = bot.sync(filter={"event_fields": ["type", "content.body"],
                              "room": {"rooms": [room]}})
    evs = fields["rooms"]["join"][room]["timeline"]["events"]
    check("filter-event-fields", evs and all(set(e) <= {"type", "content"} for e in evs), evs[:2])
    ctx["since"] = f["next_batch"]
    idle = bot.sync(since=f["next_batch"], filter=ctx["filter_id"])
    check("idle-sync-no-rooms", "rooms" not in idle and idle["next_batch"], idle)
    check("idle-sync-new-next-batch", idle["next_batch"] != f["next_batch"], idle)
    ctx["since"] = idle["next_batch"]


def t_longpoll(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    since = ctx["since"]
    t0 = time.monotonic()
    r = bot.sync(since=since, timeout_ms=400, filter=ctx["filter_id"])
    dt = time.monotonic() - t0
    check("longpoll-times-out-empty", 0.35 <= dt < 2 and "rooms" not in r, (dt, r))
    since = r["next_batch"]
    # Something the filter drops (a presence change) must not end the wait.
    res = {}
    th = threading.Thread(target=lambda: res.update(
        r=Client(hs, ctx["bot_token"]).sync(since=since, timeout_ms=600,
                                            filter=ctx["filter_id"])))
    t0 = time.monotonic()
    th.start()
    time.sleep(0.1)
    ctx["carol"].ok("PUT", f"/presence/{q('@carol:matrix.testnet')}/status",
                    {"presence": "unavailable", "status_msg": "away"})
    th.join(5)
    dt = time.monotonic() - t0
    check("longpoll-ignores-filtered-changes", dt >= 0.55 and "rooms" not in res.get("r", {})
          and "presence" not in res.get("r", {"presence": 1}), (dt, res))
    since = res["r"]["next_batch"]
    p = bot.ok("GET", f"/presence/{q('@carol:matrix.testnet')}/status")
    check("presence-status", p["presence"] == "unavailable" and p["status_msg"] == "away", p)
    out = {}
    poller = Client(hs, ctx["bot_token"])

    def poll():
        t = time.monotonic()
        out["sync"] = poller.sync(since=since, timeout_ms=8000, filter=ctx["filter_id"])
        out["dt"] = time.monotonic() - t
    th = threading.Thread(target=poll)
    th.start()
    time.sleep(0.3)
    t = time.monotonic()
    bot.ok("GET", "/account/whoami")
    check("threaded-while-longpolling", time.monotonic() - t < 1.0 and th.is_alive())
    time.sleep(0.1)
    sent_at = time.monotonic()
    eid = hs.send("alice", room, "wake up")
    th.join(10)
    tl = timeline(out.get("sync", {}), room)
    check("longpoll-wakes-on-message", out.get("dt", 99) < 6 and
          time.monotonic() - sent_at < 2 and eid in [e["event_id"] for e in tl.get("events", [])],
          out)
    ctx["since"] = out["sync"]["next_batch"]
    poller.close()


def t_send(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    path = f"/rooms/{q(room)}/send/m.room.message/t1"
    a = bot.ok("PUT", path, {"msgtype": "m.text", "body": "bot says hi"})
    b = bot.ok("PUT", path, {"msgtype": "m.text", "body": "bot says hi"})
    check("send-returns-event-id", a.get("event_id", "").startswith("$"), a)
    check("txn-resend-same-event-id", a == b, (a, b))
    n = [e for e in hs.messages(room) if e["content"].get("body") == "bot says hi"]
    check("txn-resend-no-second-event", len(n) == 1, n)
    other = Client(hs, hs.login("bot", "pw-bot").access_token)
    c = other.ok("PUT", path, {"msgtype": "m.text", "body": "bot says hi"})
    check("txn-scoped-to-device", c != a, (a, c))
    ctx["bot_msg"] = a["event_id"]
    s = bot.sync(since=ctx["since"], filter=ctx["filter_id"])
    evs = {e["event_id"]: e for e in timeline(s, room).get("events", [])}
    mine = evs.get(a["event_id"], {})
    check("own-event-in-timeline", mine.get("sender") == "@bot:matrix.testnet", list(evs))
    check("own-event-transaction-id", mine.get("unsigned", {}).get("transaction_id") == "t1",
          mine)
    check("other-device-no-transaction-id",
          "transaction_id" not in evs.get(c["event_id"], {}).get("unsigned", {"x": 1}),
          evs.get(c["event_id"]))
    ctx["since"] = s["next_batch"]
    st, e = bot.call("PUT", f"/rooms/{q(room)}/send/m.room.message/t2", None)
    check("send-empty-body-400", st == 400 and e["errcode"] == "M_NOT_JSON", e)
    st, e = bot.call("PUT", f"/rooms/{q('!nope:matrix.testnet')}/send/m.room.message/t3",
                     {"msgtype": "m.text", "body": "x"})
    check("send-not-in-room-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)


def t_shapes(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    root = hs.send("alice", room, "root *msg*", formatted="root <em>msg</em>")
    notice = hs.send("alice", room, "a notice", msgtype="m.notice")
    emote = hs.send("alice", room, "waves", msgtype="m.emote")
    reply = hs.send("bob", room, "a reply", reply_to=root, mentions=["alice"])
    fb = hs.send("bob", room, "with fallback", reply_to=root, reply_fallback=True)
    thr = hs.send("carol", room, "in thread", thread=root)
    edit = hs.edit("alice", room, root, "root edited")
    react = hs.react("bob", room, root, "👍")
    s = bot.sync(since=ctx["since"], filter=ctx["filter_id"])
    ev = {e["event_id"]: e for e in timeline(s, room).get("events", [])}
    check("shape-formatted", ev[root]["content"] == {
        "msgtype": "m.text", "body": "root *msg*", "format": "org.matrix.custom.html",
        "formatted_body": "root <em>msg</em>"}, ev.get(root))
    check("shape-notice-emote", ev[notice]["content"]["msgtype"] == "m.notice"
          and ev[emote]["content"]["msgtype"] == "m.emote")
    check("shape-reply", ev[reply]["content"]["m.relates_to"] ==
          {"m.in_reply_to": {"event_id": root}}
          and ev[reply]["content"]["m.mentions"] == {"user_ids": ["@alice:matrix.testnet"]},
          ev[reply])
    check("shape-reply-fallback", ev[fb]["content"]["body"] ==
          "> <@alice:matrix.testnet> root *msg*\n\nwith fallback", ev[fb]["content"])
    rel = ev[thr]["content"]["m.relates_to"]
    check("shape-thread", rel["rel_type"] == "m.thread" and rel["event_id"] == root
          and rel["is_falling_back"] is True and rel["m.in_reply_to"]["event_id"] == root, rel)
    ec = ev[edit]["content"]
    check("shape-edit", ec["m.relates_to"] == {"rel_type": "m.replace", "event_id": root}
          and ec["m.new_content"] == {"msgtype": "m.text", "body": "root edited"}
          and ec["body"] == "* root edited", ec)
    check("shape-reaction", ev[react]["type"] == "m.reaction" and
          ev[react]["content"]["m.relates_to"] == {"rel_type": "m.annotation",
                                                   "event_id": root, "key": "👍"}, ev[react])
    check("shape-utf8-on-the-wire", "👍" in json.dumps(ev[react], ensure_ascii=False))
    one = bot.ok("GET", f"/rooms/{q(room)}/event/{q(reply)}")
    check("get-event-with-room-id", one["room_id"] == room and one["event_id"] == reply, one)
    st, e = bot.call("GET", f"/rooms/{q(room)}/event/{q('$nope')}")
    check("get-event-404", st == 404 and e["errcode"] == "M_NOT_FOUND", e)
    ctx["since"] = s["next_batch"]
    ctx["root"] = root


def t_power(hs, ctx):
    bot, bob, room = ctx["bot"], ctx["bob"], ctx["room"]
    st, e = bot.call("POST", f"/rooms/{q(room)}/kick", {"user_id": "@bob:matrix.testnet"})
    check("kick-needs-power-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    st, e = bot.call("PUT", f"/rooms/{q(room)}/redact/{q(ctx['root'])}/r0", {})
    check("redact-others-needs-power-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    st, e = bot.call("PUT", f"/rooms/{q(room)}/state/m.room.name/", {"name": "x"})
    check("state-needs-power-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    hs.set_power(room, "bot", 50)
    r = bot.ok("PUT", f"/rooms/{q(room)}/state/m.room.name/", {"name": "Renamed"})
    check("state-put-with-power", r.get("event_id", "").startswith("$"), r)
    check("state-get-no-trailing-slash",
          bot.ok("GET", f"/rooms/{q(room)}/state/m.room.name") == {"name": "Renamed"})
    pl = bot.ok("GET", f"/rooms/{q(room)}/state/m.room.power_levels/")
    check("power-levels-content", pl["users"].get("@bot:matrix.testnet") == 50
          and pl["events_default"] == 0 and pl["kick"] == 50, pl)
    up = json.loads(json.dumps(pl))
    up["users"]["@bob:matrix.testnet"] = -1
    st, e = bot.call("PUT", f"/rooms/{q(room)}/state/m.room.power_levels/", up)
    check("power-levels-event-needs-100", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    hs.set_power(room, "bob", -1, by="alice")                   # mute bob, via the client API
    # The power-level change rules, in a room where 50 may send m.room.power_levels.
    plr = hs.create_room("alice", power_levels={"events": {"m.room.power_levels": 50},
                                                "users": {"bot": 50}})
    hs.join("bot", plr)
    hs.join("carol", plr)
    base = bot.ok("GET", f"/rooms/{q(plr)}/state/m.room.power_levels/")
    for name, change, want in [("cannot-raise-own-level", {"@bot:matrix.testnet": 100}, 403),
                               ("cannot-give-above-own", {"@carol:matrix.testnet": 60}, 403),
                               ("cannot-lower-higher-user", {"@alice:matrix.testnet": 0}, 403),
                               ("can-give-up-to-own", {"@carol:matrix.testnet": 50}, 200)]:
        up = json.loads(json.dumps(base))
        up["users"].update(change)
        st, e = bot.call("PUT", f"/rooms/{q(plr)}/state/m.room.power_levels/", up)
        check(name, st == want, (st, e))
    up = json.loads(json.dumps(base))
    up["users"]["@carol:matrix.testnet"] = 50
    up["users"]["@bot:matrix.testnet"] = 40
    st, e = ctx["carol"].call("PUT", f"/rooms/{q(plr)}/state/m.room.power_levels/", up)
    check("cannot-lower-equal-user", st == 403, (st, e))
    st, e = bob.call("PUT", f"/rooms/{q(room)}/send/m.room.message/m1",
                     {"msgtype": "m.text", "body": "muted?"})
    check("muted-send-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    st, e = bob.call("PUT", f"/rooms/{q(room)}/send/m.reaction/m2", {"m.relates_to": {
        "rel_type": "m.annotation", "event_id": ctx["root"], "key": "x"}})
    check("muted-react-403", st == 403, e)
    try:
        hs.send("bob", room, "muted via harness")
        check("muted-harness-send-403", False, "sent")
    except matrixnet.MatrixCallError as e:
        check("muted-harness-send-403", e.status == 403 and e.errcode == "M_FORBIDDEN", e)
    hs.set_power(room, "bob", None)
    check("unmuted-send", hs.send("bob", room, "free again").startswith("$"))
    st, e = bot.call("GET", f"/rooms/{q(room)}/state/m.room.topic/")
    check("state-missing-404", st == 404 and e["errcode"] == "M_NOT_FOUND", e)
    allst = bot.ok("GET", f"/rooms/{q(room)}/state")
    check("state-all-client-events", isinstance(allst, list) and all(
        e["room_id"] == room and "state_key" in e for e in allst), allst[:1])
    st, e = ctx["carol"].call("PUT", f"/rooms/{q(room)}/state/m.room.member/"
                              f"{q('@bob:matrix.testnet')}", {"membership": "leave"})
    check("kick-via-state-needs-power", st == 403, e)


def t_redact(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    target = hs.send("alice", room, "spam spam", formatted="<b>spam</b>")
    path = f"/rooms/{q(room)}/redact/{q(target)}/r1"
    a = bot.ok("PUT", path, {"reason": "spam"})
    b = bot.ok("PUT", path, {"reason": "spam"})
    check("redact-idempotent-txn", a == b and a["event_id"].startswith("$"), (a, b))
    reds = hs.messages(room, "m.room.redaction")
    check("redact-one-event", [r["event_id"] for r in reds].count(a["event_id"]) == 1
          and len([r for r in reds if r.get("redacts") == target]) == 1, reds)
    m = bot.ok("GET", f"/rooms/{q(room)}/messages", query={"dir": "b", "limit": "5"})
    got = {e["event_id"]: e for e in m["chunk"]}
    t = got.get(target, {})
    check("redacted-content-stripped", t.get("content") == {} and
          t["unsigned"]["redacted_because"]["event_id"] == a["event_id"], t)
    r = got.get(a["event_id"], {})
    check("redaction-event-shape", r.get("redacts") == target and
          r.get("content") == {"reason": "spam"} and r.get("room_id") == room, r)
    own = hs.send("carol", room, "oops")
    rid = hs.redact("carol", room, own, "typo")      # own events need no redact level
    check("redact-own-without-power", rid.startswith("$"))
    s = bot.sync(since=ctx["since"], filter=ctx["filter_id"])
    types = [e["type"] for e in timeline(s, room).get("events", [])]
    check("redaction-in-sync", "m.room.redaction" in types, types)
    ctx["since"] = s["next_batch"]
    # Room version 11: `redacts` inside content (and at the top level too).
    v11 = hs.create_room("alice", room_version=11, invite=["bot"], join_rule="invite")
    bot.ok("POST", f"/rooms/{q(v11)}/join", {})
    x = hs.send("bot", v11, "v11 msg")
    red = bot.ok("PUT", f"/rooms/{q(v11)}/redact/{q(x)}/r11", {})
    ev = bot.ok("GET", f"/rooms/{q(v11)}/event/{q(red['event_id'])}")
    check("redaction-v11-content-redacts", ev["content"].get("redacts") == x
          and ev.get("redacts") == x, ev)
    bot.ok("POST", f"/rooms/{q(v11)}/leave", {})
    ctx["since"] = bot.sync(since=ctx["since"], filter=ctx["filter_id"])["next_batch"]


def t_membership(hs, ctx):
    bot, bob, room = ctx["bot"], ctx["bob"], ctx["room"]
    bs = bob.sync(filter={"presence": {"not_types": ["*"]}})["next_batch"]
    bot.ok("POST", f"/rooms/{q(room)}/kick", {"user_id": "@bob:matrix.testnet",
                                              "reason": "be nice"})
    check("kick", hs.members(room)["@bob:matrix.testnet"] == "leave")
    s = bob.sync(since=bs, filter={"presence": {"not_types": ["*"]}})
    left = s.get("rooms", {}).get("leave", {}).get(room, {})
    kick_ev = [e for e in left.get("timeline", {}).get("events", [])
               if e["type"] == "m.room.member"]
    check("kicked-user-sync-leave", kick_ev and kick_ev[-1]["content"]["membership"] == "leave"
          and kick_ev[-1]["content"].get("reason") == "be nice"
          and kick_ev[-1]["sender"] == "@bot:matrix.testnet", left)
    st, e = bob.call("GET", f"/rooms/{q(room)}/joined_members")
    check("left-user-joined-members-403", st == 403, e)
    bot.ok("POST", f"/rooms/{q(room)}/ban", {"user_id": "@bob:matrix.testnet", "reason": "spam"})
    st, e = bob.call("POST", f"/join/{q(room)}", {})
    check("banned-join-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    st, e = bot.call("POST", f"/rooms/{q(room)}/kick", {"user_id": "@alice:matrix.testnet"})
    check("kick-higher-level-403", st == 403, e)
    bot.ok("POST", f"/rooms/{q(room)}/unban", {"user_id": "@bob:matrix.testnet"})
    check("unban", hs.members(room)["@bob:matrix.testnet"] == "leave")
    bob.ok("POST", f"/join/{q(room)}", {})
    check("rejoin-after-unban", hs.members(room)["@bob:matrix.testnet"] == "join")
    st, e = bot.call("POST", f"/rooms/{q(room)}/kick", {})
    check("kick-missing-user-id-400", st == 400, e)
    # Invite-only room: an invite shows up in the bot's sync with stripped state.
    priv = hs.create_room("alice", alias="private", name="Private", join_rule="invite")
    st, e = bot.call("POST", f"/join/{q('#private:matrix.testnet')}", {})
    check("invite-only-join-403", st == 403 and e["errcode"] == "M_FORBIDDEN", e)
    ctx["alice"].ok("POST", f"/rooms/{q(priv)}/invite", {"user_id": "@bot:matrix.testnet"})
    s = bot.sync(since=ctx["since"], filter=ctx["filter_id"])
    inv = s.get("rooms", {}).get("invite", {}).get(priv, {})
    evs = inv.get("invite_state", {}).get("events", [])
    check("invite-in-sync", any(e["type"] == "m.room.member" and
                                e["state_key"] == "@bot:matrix.testnet" and
                                e["content"]["membership"] == "invite" for e in evs)
          and any(e["type"] == "m.room.name" for e in evs)
          and all(set(e) == {"type", "state_key", "content", "sender"} for e in evs), inv)
    bot.ok("POST", f"/rooms/{q(priv)}/join", {})
    s = bot.sync(since=s["next_batch"], filter=ctx["filter_id"])
    check("joined-after-invite", priv in s.get("rooms", {}).get("join", {}), s.get("rooms"))
    bot.ok("POST", f"/rooms/{q(priv)}/leave", {})
    s = bot.sync(since=s["next_batch"], filter=ctx["filter_id"])
    check("leave-in-sync", priv in s.get("rooms", {}).get("leave", {}), s.get("rooms"))
    ctx["since"] = s["next_batch"]


def t_limited(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    hs.set_timeline_limit(3)
    sent = [hs.send("alice", room, f"burst {i}") for i in range(8)]
    s = bot.sync(since=ctx["since"], filter=ctx["filter_id"])
    tl = timeline(s, room)
    check("limited-true", tl.get("limited") is True and
          [e["event_id"] for e in tl["events"]] == sent[-3:], tl)
    check("limited-prev-batch", isinstance(tl.get("prev_batch"), str), tl)
    # Backfill the gap with /messages, as a bot must.
    seen, frm, pages = [], tl["prev_batch"], 0
    while frm and pages < 10:
        m = bot.ok("GET", f"/rooms/{q(room)}/messages",
                   query={"from": frm, "dir": "b", "limit": "2",
                          "filter": json.dumps({"types": ["m.room.message"]})})
        pages += 1
        if pages == 1:
            check("messages-chunked-no-length", bot.framing[-1][1] and not bot.framing[-1][2],
                  bot.last_headers)
            check("messages-shape", m["start"] == frm and len(m["chunk"]) == 2 and
                  all(e["room_id"] == room for e in m["chunk"]) and "end" in m, m)
        seen += [e["event_id"] for e in m["chunk"]]
        if set(sent[:5]) <= set(seen):
            break
        frm = m.get("end")
    check("messages-backfill-gap", seen[:5] == list(reversed(sent[:5])), (seen, sent))
    f = bot.ok("GET", f"/rooms/{q(room)}/messages",
               query={"from": tl["prev_batch"], "dir": "f", "limit": "10"})
    check("messages-forward", [e["event_id"] for e in f["chunk"]] == sent[-3:]
          and "end" not in f, f)
    first = bot.ok("GET", f"/rooms/{q(room)}/messages", query={"dir": "f", "limit": "1"})
    check("messages-from-start", first["chunk"][0]["type"] == "m.room.create", first)
    st, e = bot.call("GET", f"/rooms/{q(room)}/messages", query={"limit": "1"})
    check("messages-dir-required", st == 400, e)
    whole = []
    frm = None
    for _ in range(100):
        query = {"dir": "b", "limit": "50"}
        if frm:
            query["from"] = frm
        m = bot.ok("GET", f"/rooms/{q(room)}/messages", query=query)
        whole += m["chunk"]
        frm = m.get("end")
        if not frm:
            break
    check("messages-end-omitted-at-start", whole and whole[-1]["type"] == "m.room.create", len(whole))
    hs.set_timeline_limit(None)
    ctx["since"] = s["next_batch"]
    # A filter's timeline.limit (inline JSON filter) limits too.
    for i in range(3):
        hs.send("alice", room, f"more {i}")
    s2 = bot.sync(since=ctx["since"], filter={"room": {"timeline": {"limit": 2}},
                                              "presence": {"not_types": ["*"]}})
    tl2 = timeline(s2, room)
    check("inline-filter-limit", tl2.get("limited") is True and len(tl2["events"]) == 2, tl2)
    # Gap state: a state change inside the gap comes in `state`.
    hs.set_timeline_limit(2)
    hs.force_state(room, "m.room.topic", {"topic": "gap topic"})
    for i in range(4):
        hs.send("alice", room, f"after topic {i}")
    s3 = bot.sync(since=s2["next_batch"], filter=ctx["filter_id"])
    jr = s3["rooms"]["join"][room]
    check("limited-gap-state", any(e["type"] == "m.room.topic" for e in
                                   jr.get("state", {}).get("events", [])), jr.get("state"))
    hs.set_timeline_limit(None)
    ctx["since"] = s3["next_batch"]


def t_timeline_filters(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    m = hs.send("alice", room, "filter me")
    r = hs.react("carol", room, m, "🎉")
    s = bot.sync(since=ctx["since"], filter={"room": {"timeline": {"types": ["m.room.message"]}}})
    ids = [e["event_id"] for e in timeline(s, room).get("events", [])]
    check("filter-timeline-types", m in ids and r not in ids, ids)
    s = bot.sync(since=ctx["since"], filter={"room": {"timeline": {"not_types": ["m.reaction"]}}})
    ids = [e["event_id"] for e in timeline(s, room).get("events", [])]
    check("filter-timeline-not-types", m in ids and r not in ids, ids)
    s = bot.sync(since=ctx["since"], filter={"room": {"timeline": {
        "not_senders": ["@carol:matrix.testnet"]}}})
    ids = [e["event_id"] for e in timeline(s, room).get("events", [])]
    check("filter-timeline-not-senders", m in ids and r not in ids, ids)
    hs.typing("alice", room, True, 2000)
    s = bot.sync(since=ctx["since"], filter=ctx["filter_id"])
    eph = s["rooms"]["join"][room].get("ephemeral", {}).get("events", [])
    check("ephemeral-typing", {"type": "m.typing",
                               "content": {"user_ids": ["@alice:matrix.testnet"]}} in eph, eph)
    bot.ok("POST", f"/rooms/{q(room)}/receipt/m.read/{q(m)}", {})
    s = bot.sync(since=s["next_batch"], filter={"room": {"ephemeral": {"types": ["m.receipt"]}},
                                               "presence": {"not_types": ["*"]}})
    eph = s.get("rooms", {}).get("join", {}).get(room, {}).get("ephemeral", {}).get("events", [])
    check("ephemeral-receipt", any(e["type"] == "m.receipt" and
                                   "@bot:matrix.testnet" in e["content"].get(m, {}).get(
                                       "m.read", {}) for e in eph), eph)
    hs.typing("alice", room, False)
    ctx["since"] = bot.sync(since=ctx["since"], filter=ctx["filter_id"])["next_batch"]


def t_429(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    mark = hs.mark()
    hs.inject_429("/rooms/", 2, 300, method="PUT")
    path = f"/rooms/{q(room)}/send/m.room.message/rl1"
    statuses = []
    check_body = check_headers = None
    for _ in range(4):
        st, body = bot.call("PUT", path, {"msgtype": "m.text", "body": "rate limited"})
        statuses.append(st)
        if st == 429:
            check_body, check_headers = body, bot.last_headers
            time.sleep(body["retry_after_ms"] / 1000)       # what the bot must do
            continue
        break
    check("429-then-ok", statuses == [429, 429, 200], statuses)
    check("429-body", check_body == {"errcode": "M_LIMIT_EXCEEDED", "error": "Too Many Requests",
                                     "retry_after_ms": 300}, check_body)
    check("429-retry-after-header", (check_headers or {}).get("retry-after") == "1",
          check_headers)
    log = hs.request_log(user="bot", endpoint="/rooms/{roomId}/send/{eventType}/{txnId}",
                         since=mark)
    check("request-log-records-429", [e["status"] for e in log] == [429, 429, 200]
          and log[0]["retry_after_ms"] == 300, log)
    gaps = [log[i + 1]["t"] - log[i]["done"] for i in range(len(log) - 1)]
    check("request-log-shows-retry-honoured", all(g >= 0.29 for g in gaps), gaps)
    hs.inject_429(f"{V3}/sync", 1, 50)
    st, body = bot.call("GET", "/sync", query={"timeout": "0", "since": ctx["since"],
                                                "filter": ctx["filter_id"]})
    check("429-on-sync-full-prefix", st == 429 and body["retry_after_ms"] == 50 and
          bot.last_headers.get("retry-after") == "1", (st, body, bot.last_headers))
    hs.inject_error("/sync", 1, 502, "M_UNKNOWN", "Bad gateway")
    st, body = bot.call("GET", "/sync", query={"timeout": "0", "since": ctx["since"]})
    check("injected-502", st == 502 and body["errcode"] == "M_UNKNOWN", body)
    st, _ = bot.call("GET", "/sync", query={"timeout": "0", "since": ctx["since"],
                                           "filter": ctx["filter_id"]})
    check("injection-used-up", st == 200)
    hs.send("alice", room, "harness is never rate limited")
    check("harness-not-in-log", not hs.request_log(since=mark, user="alice"))
    check("harness-in-log-on-request", hs.request_log(since=mark, user="alice", harness=True))


def t_chunked_wire(hs, ctx):
    status, headers, sizes, body = raw_chunked_get(
        hs, f"{V3}/sync?timeout=0", ctx["bot_token"])
    check("wire-chunked", status.startswith("HTTP/1.1 200") and
          headers.get("transfer-encoding") == "chunked" and "content-length" not in headers,
          (status, headers))
    check("wire-several-chunks", len(sizes) > 2 and sizes[-1] == 0, sizes)
    check("wire-json", "next_batch" in json.loads(body))
    hs.set_chunked(False)
    c = Client(hs, ctx["bot_token"])
    c.call("GET", "/account/whoami")
    check("chunked-switch-off", not c.framing[-1][1] and c.framing[-1][2], c.last_headers)
    hs.set_chunked(True)
    c.call("GET", "/account/whoami")
    check("chunked-switch-on", c.framing[-1][1] and not c.framing[-1][2], c.last_headers)


def t_restart(hs, ctx):
    bot, room = ctx["bot"], ctx["room"]
    since = bot.sync(since=ctx.get("since"), filter=ctx["filter_id"])["next_batch"]
    port, http_port = hs.port, hs.http_port
    old_pid = hs.pid
    out = {}
    poller = Client(hs, ctx["bot_token"])

    def poll():
        try:
            out["r"] = poller.call("GET", "/sync", query={"since": since, "timeout": "20000",
                                                           "filter": ctx["filter_id"]}, timeout=25)
        except Exception as e:        # noqa: BLE001
            out["e"] = e
    th = threading.Thread(target=poll)
    th.start()
    time.sleep(0.2)
    took = hs.restart()
    th.join(10)
    check("restart-drops-longpoll", "e" in out and not th.is_alive(), out)
    check("restart-same-ports-new-pid", (hs.port, hs.http_port) == (port, http_port)
          and hs.pid and hs.pid != old_pid, (hs.port, hs.pid))
    check("restart-fast", took < 3, took)
    st, w = bot.call("GET", "/account/whoami")
    check("restart-token-valid", st == 200, w)
    st, s = bot.call("GET", "/sync", query={"since": since, "timeout": "0",
                                             "filter": ctx["filter_id"]})
    check("restart-since-token-valid", st == 200 and "rooms" not in s, s)
    eid = hs.send("alice", room, "after restart")
    s2 = bot.sync(since=s["next_batch"], filter=ctx["filter_id"])
    check("restart-new-events-arrive",
          [e["event_id"] for e in timeline(s2, room).get("events", [])] == [eid], s2)
    r = bot.ok("PUT", f"/rooms/{q(room)}/send/m.room.message/t1",
               {"msgtype": "m.text", "body": "bot says hi"})
    check("restart-txn-still-idempotent", r["event_id"] == ctx["bot_msg"], r)
    f = bot.ok("GET", f"/user/{q('@bot:matrix.testnet')}/filter/{ctx['filter_id']}")
    check("restart-filter-kept", "room" in f, f)
    ctx["since"] = s2["next_batch"]
    eid2 = hs.send("alice", room, "before crash")
    hs.flush()
    hs.restart(kill=True)
    check("crash-restart-keeps-flushed", any(e["event_id"] == eid2 for e in hs.messages(room)))
    bot.close()


def t_misc(hs, ctx):
    """The remaining endpoints."""
    bot, alice, room = ctx["bot"], ctx["alice"], ctx["room"]
    caps = bot.ok("GET", "/capabilities")["capabilities"]
    check("capabilities", caps["m.room_versions"]["default"] == "10"
          and "11" in caps["m.room_versions"]["available"], caps)
    since = bot.sync(filter=ctx["filter_id"])["next_batch"]
    bot.ok("PUT", f"/profile/{q('@bot:matrix.testnet')}/displayname", {"displayname": "Moderator"})
    check("profile-get", bot.ok("GET", f"/profile/{q('@bot:matrix.testnet')}")
          .get("displayname") == "Moderator")
    check("profile-displayname", bot.ok("GET", f"/profile/{q('@bot:matrix.testnet')}/displayname")
          == {"displayname": "Moderator"})
    st, e = bot.call("PUT", f"/profile/{q('@alice:matrix.testnet')}/displayname",
                     {"displayname": "x"})
    check("profile-other-user-403", st == 403, e)
    s = bot.sync(since=since, filter=ctx["filter_id"])
    mem = [e for e in timeline(s, room).get("events", []) if e["type"] == "m.room.member"
           and e["state_key"] == "@bot:matrix.testnet"]
    check("profile-change-member-event", mem and mem[-1]["content"]["displayname"] == "Moderator"
          and mem[-1]["unsigned"]["prev_content"]["membership"] == "join", mem)
    bot.ok("PUT", f"/user/{q('@bot:matrix.testnet')}/account_data/org.example.cfg", {"a": 1})
    bot.ok("PUT", f"/user/{q('@bot:matrix.testnet')}/rooms/{q(room)}/account_data/m.tag",
           {"tags": {"u.work": {}}})
    check("account-data-get", bot.ok(
        "GET", f"/user/{q('@bot:matrix.testnet')}/account_data/org.example.cfg") == {"a": 1})
    s2 = bot.sync(since=s["next_batch"], filter={"presence": {"not_types": ["*"]}})
    check("account-data-in-sync", {"type": "org.example.cfg", "content": {"a": 1}}
          in s2.get("account_data", {}).get("events", []) and
          s2["rooms"]["join"][room]["account_data"]["events"][0]["type"] == "m.tag", s2)
    st, e = bot.call("GET", f"/user/{q('@bot:matrix.testnet')}/account_data/nope")
    check("account-data-missing-404", st == 404 and e["errcode"] == "M_NOT_FOUND", e)
    last = hs.messages(room)[-1]["event_id"]
    bot.ok("POST", f"/rooms/{q(room)}/read_markers", {"m.fully_read": last, "m.read": last})
    ad = bot.ok("GET", f"/user/{q('@bot:matrix.testnet')}/rooms/{q(room)}/account_data/"
                "m.fully_read")
    check("read-markers", ad == {"event_id": last}, ad)
    mem = bot.ok("GET", f"/rooms/{q(room)}/members", query={"membership": "join"})["chunk"]
    check("members-filter", mem and all(e["content"]["membership"] == "join"
                                        and e["room_id"] == room for e in mem), mem[:1])
    # Aliases through the directory API.
    bot.ok("PUT", f"/directory/room/{q('#extra:matrix.testnet')}", {"room_id": room})
    check("alias-put", bot.ok("GET", f"/directory/room/{q('#extra:matrix.testnet')}")
          ["room_id"] == room)
    st, e = bot.call("PUT", f"/directory/room/{q('#extra:matrix.testnet')}", {"room_id": room})
    check("alias-put-taken-409", st == 409, e)
    alice.ok("DELETE", f"/directory/room/{q('#extra:matrix.testnet')}")
    st, e = bot.call("GET", f"/directory/room/{q('#extra:matrix.testnet')}")
    check("alias-delete", st == 404, e)
    # createRoom straight from a client, with an invite.
    r = alice.ok("POST", "/createRoom", {"preset": "private_chat", "name": "DM",
                                         "invite": ["@bot:matrix.testnet"], "is_direct": True,
                                         "room_alias_name": "dm"})
    dm = r["room_id"]
    check("create-room-client", hs.members(dm) == {"@alice:matrix.testnet": "join",
                                                   "@bot:matrix.testnet": "invite"}, hs.members(dm))
    st, e = alice.call("POST", "/createRoom", {"room_alias_name": "dm"})
    check("create-room-alias-in-use", st == 400 and e["errcode"] == "M_ROOM_IN_USE", e)
    st, e = alice.call("POST", "/createRoom", {"room_version": "99"})
    check("create-room-bad-version", st == 400 and e["errcode"] == "M_UNSUPPORTED_ROOM_VERSION", e)
    bot.ok("POST", f"/rooms/{q(dm)}/leave", {})          # reject the invite
    bot.ok("POST", f"/rooms/{q(dm)}/forget", {})
    full = bot.sync(since=s2["next_batch"], full_state=True, timeout_ms=5000,
                    filter={"room": {"rooms": [room]}, "presence": {"not_types": ["*"]}})
    jr = full["rooms"]["join"][room]
    check("full-state-returns-at-once", any(e["type"] == "m.room.create"
                                            for e in jr.get("state", {}).get("events", [])), jr)
    lv = bot.sync(filter={"room": {"include_leave": True}, "presence": {"not_types": ["*"]}})
    check("include-leave", dm in lv.get("rooms", {}).get("leave", {}),
          lv.get("rooms", {}).keys())
    nolv = bot.sync(filter={"presence": {"not_types": ["*"]}})
    check("no-leave-without-include-leave", "leave" not in nolv.get("rooms", {}),
          nolv.get("rooms", {}).keys())
    a = hs.send("alice", room, "to-a")
    b = hs.send("alice", room, "to-b")
    tok = bot.ok("GET", f"/rooms/{q(room)}/messages", query={"dir": "b", "limit": "1"})
    m = bot.ok("GET", f"/rooms/{q(room)}/messages", query={"dir": "b", "limit": "10",
                                                            "to": tok["end"]})
    check("messages-to", [e["event_id"] for e in tok["chunk"]] == [b] and
          [e["event_id"] for e in m["chunk"]] == [b] and "end" not in m, m)
    m = bot.ok("GET", f"/rooms/{q(room)}/messages", query={"dir": "b", "limit": "10",
                                                            "filter": json.dumps(
                                                                {"senders": ["@alice:matrix.testnet"],
                                                                 "types": ["m.room.message"]})})
    check("messages-filter-senders", [e["event_id"] for e in m["chunk"][:2]] == [b, a], m)
    st, e = bot.call("GET", "/sync", query={"since": "garbage"})
    check("sync-bad-since-400", st == 400 and e["errcode"] == "M_INVALID_PARAM", e)
    st, e = bot.call("GET", "/sync", query={"filter": "{not json"})
    check("sync-bad-inline-filter-400", st == 400 and e["errcode"] == "M_NOT_JSON", e)
    st, _ = bot.call("OPTIONS", "/sync", token=False)
    check("cors-options", st == 200 and bot.last_headers.get("access-control-allow-origin") == "*")


def t_log(hs, ctx):
    log = hs.request_log(user="bot")
    eps = {e["endpoint"] for e in log}
    check("request-log-endpoints", {"/sync", "/account/whoami", "/rooms/{roomId}/messages",
                                    "/join/{roomIdOrAlias}"} <= eps, eps)
    syncs = [e for e in log if e["endpoint"] == "/sync" and e["query"].get("timeout") == "400"]
    check("request-log-query-and-timing", syncs and syncs[0]["done"] - syncs[0]["t"] >= 0.35
          and "access_token" not in json.dumps(log), syncs[:1])
    check("request-log-keepalive-conn", len({e["conn"] for e in log}) < len(log))


def t_cli(root, ctx):
    d = os.path.join(root, "cli")
    py = [matrixnet.PYTHON, os.path.join(HERE, "matrixnet.py")]
    res = subprocess.run(py + ["up", d, "--account", "bot", "pw-bot", "--account", "eve", "pw-eve"],
                         capture_output=True, text=True, timeout=60)
    if not check("cli-up", res.returncode == 0, res.stderr):
        return
    env = dict(kv.split("=", 1) for kv in shlex.split(res.stdout))
    want = {"MATRIXNET_URL", "MATRIXNET_CA_FILE", "MATRIXNET_SERVER_NAME", "MATRIXNET_USER_BOT",
            "MATRIXNET_TOKEN_BOT", "MATRIXNET_PASSWORD_EVE", "MATRIXNET_HTTP_URL"}
    check("cli-env-keys", want <= set(env), sorted(want - set(env)))
    with open(os.path.join(d, "matrixnet.env")) as f:
        check("cli-env-file", f.read() == res.stdout)
    hs = matrixnet.Homeserver.attach(d)
    c = Client(hs, env["MATRIXNET_TOKEN_BOT"])
    st, w = c.call("GET", "/account/whoami")
    check("cli-token-works", st == 200 and w["user_id"] == env["MATRIXNET_USER_BOT"], w)
    res = subprocess.run(py + ["room", d, "eve", "--alias", "demo", "--join", "bot"],
                         capture_output=True, text=True, timeout=30)
    renv = dict(kv.split("=", 1) for kv in shlex.split(res.stdout)) if res.returncode == 0 else {}
    check("cli-room", renv.get("MATRIXNET_ROOM_ALIAS") == "#demo:matrix.testnet"
          and hs.members(renv["MATRIXNET_ROOM_ID"]).get("@bot:matrix.testnet") == "join",
          res.stderr)
    res = subprocess.run(py + ["down", d], capture_output=True, text=True, timeout=30)
    check("cli-down", res.returncode == 0 and not hs.pid, res.stderr)


def main():
    keep = "--keep" in sys.argv
    root = tempfile.mkdtemp(prefix="matrixnet-selftest-")
    t0 = time.monotonic()
    ctx = {}
    hs = None
    try:
        hs = matrixnet.Homeserver(os.path.join(root, "hs"))
        hs.start()
        check("start", hs.pid is not None and hs.url.startswith("https://127.0.0.1:"), hs.url)
        print(f"     started in {hs.start_seconds:.2f}s: {hs.url} {hs.http_url}", flush=True)
        for name, fn in [("transport", t_transport), ("auth", t_auth), ("filters", t_filters),
                         ("rooms", t_rooms), ("initial-sync", t_initial_sync),
                         ("longpoll", t_longpoll), ("send", t_send), ("shapes", t_shapes),
                         ("power", t_power), ("redact", t_redact),
                         ("membership", t_membership), ("limited", t_limited),
                         ("timeline-filters", t_timeline_filters), ("429", t_429),
                         ("chunked-wire", t_chunked_wire), ("misc", t_misc),
                         ("restart", t_restart), ("log", t_log)]:
            if name not in ("transport", "auth") and "bot" not in ctx:
                check(name, False, "skipped: no bot client")
                continue
            section(name, fn, hs, ctx)
        section("cli", t_cli, root, ctx)
    finally:
        if hs is not None:
            hs.stop()
        if keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{results['passed']} passed, {results['failed']} failed "
          f"in {time.monotonic() - t0:.1f}s")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
