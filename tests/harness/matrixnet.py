#!/usr/bin/python3
"""matrixnet: a small Matrix homeserver on 127.0.0.1 for rounds' tests.

Debian has no Matrix homeserver, so the tests carry this one.  It follows the
client-server API (v3) for the endpoints a bot uses, over HTTPS with its own
throwaway CA (and optionally plain HTTP), and shares the traits of a real
homeserver the bot must cope with: chunked responses without Content-Length,
/sync keys that may all be absent, the bot's own events in its timeline,
limited timelines, percent-encoded ids in paths, 429 M_LIMIT_EXCEEDED with
retry_after_ms, idempotent transaction ids.  It runs as a subprocess that
keeps its state in DIR/state.json, so it can be restarted mid-test on the
same port and a client's since-token stays valid.  Python 3 standard library
only (plus the openssl binary for the certificates).

Command line (prints KEY=value lines for `eval`, also in DIR/matrixnet.env):

    matrixnet.py up DIR [--account NAME PASSWORD]... [--no-http] [--no-chunked]
    matrixnet.py down DIR
    matrixnet.py restart DIR
    matrixnet.py account DIR NAME PASSWORD [NAME PASSWORD ...]
    matrixnet.py room DIR CREATOR [--alias A] [--name N] [--encrypted]
                                  [--invite-only] [--join USER]...
    matrixnet.py send DIR USER ROOM BODY
    matrixnet.py log DIR
    matrixnet.py serve DIR         # the server itself, in the foreground

Python:

    with matrixnet.Homeserver(dir) as hs:
        bot = hs.register("bot", "pw-bot")          # Account(user_id, access_token)
        room = hs.create_room("alice", alias="chat", name="Chat")
        hs.join(bot, room)
        hs.send("alice", room, "hello")
        ... the bot under test talks to hs.url, verifying with hs.ca_file ...
"""
import argparse
import atexit
import base64
import bisect
import collections
import functools
import http.client
import http.server
import json
import math
import os
import re
import secrets
import shlex
import signal
import socket
import socketserver
import ssl
import string
import subprocess
import sys
import threading
import time
import urllib.parse

__all__ = ["Homeserver", "HomeserverError", "MatrixCallError", "Account"]

HOST = "127.0.0.1"
TLS_NAME = "localhost"
SERVER_NAME = "matrix.testnet"
PYTHON = "/usr/bin/python3"
HARNESS_HEADER = "X-Matrixnet-Harness"
SPEC_VERSIONS = ["r0.0.1", "r0.1.0", "r0.2.0", "r0.3.0", "r0.4.0", "r0.5.0", "r0.6.0",
                 "r0.6.1", "v1.1", "v1.2", "v1.3", "v1.4", "v1.5", "v1.6", "v1.7", "v1.8",
                 "v1.9", "v1.10", "v1.11"]
ROOM_VERSIONS = ("10", "11")
DEFAULT_ROOM_VERSION = "10"
DEFAULT_TIMELINE_LIMIT = 10        # /sync, when the filter gives none (Synapse's default)
MESSAGES_DEFAULT_LIMIT = 10        # /messages, as the spec says
MESSAGES_MAX_LIMIT = 1000
CHUNK_SIZES = (13, 4096)           # chunked bodies: a small first chunk, then 4 KiB ones
MAX_BODY = 10 * 1024 * 1024
FLUSH_INTERVAL = 0.05              # state.json is written at most this often
STATE_FORMAT = 1


class HomeserverError(Exception):
    """The homeserver could not be started, stopped, restarted or used."""


class MatrixCallError(HomeserverError):
    """A client-server call made by the harness got an error response."""

    def __init__(self, method, path, status, body):
        self.method, self.path, self.status = method, path, status
        self.body = body if isinstance(body, dict) else {}
        self.errcode = self.body.get("errcode")
        self.error = self.body.get("error")
        super().__init__(f"{method} {path}: {status} {self.errcode}: {self.error}")


Account = collections.namedtuple("Account", "user_id access_token")
Account.__doc__ = "A registered user: its user id and an access token of its own device."


# ==========================================================================
# Server side
# ==========================================================================

class MatrixError(Exception):
    """An error response in the spec's shape: {"errcode": ..., "error": ...}."""

    def __init__(self, status, errcode, error, headers=None, **extra):
        super().__init__(f"{status} {errcode}: {error}")
        self.status, self.errcode, self.error = status, errcode, error
        self.headers = headers or {}
        self.extra = extra

    def body(self):
        d = {"errcode": self.errcode, "error": self.error}
        d.update(self.extra)
        return d


def _forbidden(msg):
    return MatrixError(403, "M_FORBIDDEN", msg)


def _not_found(msg):
    return MatrixError(404, "M_NOT_FOUND", msg)


def _bad(msg, errcode="M_INVALID_PARAM"):
    return MatrixError(400, errcode, msg)


def _now_ms():
    return int(time.time() * 1000)


def _int(v, default=0):
    """Power levels may be strings in old rooms; anything odd counts as default."""
    if isinstance(v, bool):
        return default
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        try:
            return int(v.strip())
        except ValueError:
            return default
    return default


@functools.lru_cache(maxsize=1024)
def _glob(pattern):
    return re.compile(".*".join(re.escape(p) for p in pattern.split("*")) + r"\Z", re.S)


def _glob_any(patterns, value):
    return any(isinstance(p, str) and _glob(p).match(value) for p in patterns)


def _event_ok(f, ev):
    """Does event `ev` pass EventFilter/RoomEventFilter `f` (types, not_types
    with * wildcards, senders, not_senders, contains_url)?"""
    if not isinstance(f, dict) or not f:
        return True
    t = ev.get("type", "")
    nt = f.get("not_types")
    if isinstance(nt, list) and _glob_any(nt, t):
        return False
    ts = f.get("types")
    if isinstance(ts, list) and not _glob_any(ts, t):
        return False
    s = ev.get("sender")
    if s is not None:
        ns = f.get("not_senders")
        if isinstance(ns, list) and s in ns:
            return False
        ss = f.get("senders")
        if isinstance(ss, list) and s not in ss:
            return False
    cu = f.get("contains_url")
    if isinstance(cu, bool):
        has = isinstance(ev.get("content"), dict) and "url" in ev["content"]
        if cu != has:
            return False
    return True


def _room_ok(f, room_id):
    if not isinstance(f, dict):
        return True
    nr = f.get("not_rooms")
    if isinstance(nr, list) and room_id in nr:
        return False
    r = f.get("rooms")
    if isinstance(r, list) and room_id not in r:
        return False
    return True


def _split_field(path):
    """A dot-separated property path; `\\.` is a literal dot, `\\\\` a backslash."""
    parts, cur, i = [], "", 0
    while i < len(path):
        c = path[i]
        if c == "\\" and i + 1 < len(path) and path[i + 1] in ".\\":
            cur += path[i + 1]
            i += 2
            continue
        if c == ".":
            parts.append(cur)
            cur = ""
        else:
            cur += c
        i += 1
    parts.append(cur)
    return parts


def _pick_fields(ev, fields):
    """Filter event_fields: keep only the listed dotted paths."""
    out = {}
    for f in fields:
        if not isinstance(f, str):
            continue
        parts = _split_field(f)
        src = ev
        for p in parts:
            if not isinstance(src, dict) or p not in src:
                src = None
                break
            src = src[p]
        if src is None and not _has_path(ev, parts):
            continue
        dst = out
        for p in parts[:-1]:
            dst = dst.setdefault(p, {})
            if not isinstance(dst, dict):
                break
        else:
            dst[parts[-1]] = src
    return out


def _has_path(ev, parts):
    for p in parts:
        if not isinstance(ev, dict) or p not in ev:
            return False
        ev = ev[p]
    return True


def _parse_token(tok, what="token"):
    """Sync tokens are s<pos>_<serial>, pagination tokens t<pos>; both name a
    position in the one event stream."""
    m = re.fullmatch(r"[st](\d+)(?:_\d+)?", tok or "")
    if not m:
        raise _bad(f"Invalid {what} {tok!r}")
    return int(m.group(1))


def _validate_filter(f):
    if not isinstance(f, dict):
        raise _bad("Filter must be a JSON object", "M_BAD_JSON")
    for key in ("presence", "account_data", "room"):
        if key in f and not isinstance(f[key], dict):
            raise _bad(f"Filter {key} must be an object", "M_BAD_JSON")
    room = f.get("room") or {}
    subs = [f.get("presence"), f.get("account_data")] + \
        [room.get(k) for k in ("timeline", "state", "ephemeral", "account_data")]
    for sub in subs:
        if sub is None:
            continue
        if not isinstance(sub, dict):
            raise _bad("Filter parts must be objects", "M_BAD_JSON")
        if "limit" in sub and (not isinstance(sub["limit"], int) or isinstance(sub["limit"], bool)
                               or sub["limit"] < 1):
            raise _bad("Filter limit must be an integer greater than 0", "M_BAD_JSON")
        for k in ("types", "not_types", "senders", "not_senders", "rooms", "not_rooms"):
            if k in sub and not (isinstance(sub[k], list) and all(isinstance(x, str) for x in sub[k])):
                raise _bad(f"Filter {k} must be a list of strings", "M_BAD_JSON")
    if "event_fields" in f and not (isinstance(f["event_fields"], list) and
                                    all(isinstance(x, str) for x in f["event_fields"])):
        raise _bad("Filter event_fields must be a list of strings", "M_BAD_JSON")
    if f.get("event_format", "client") not in ("client", "federation"):
        raise _bad("Filter event_format must be client or federation", "M_BAD_JSON")


# Redaction algorithm (room versions 10 and 11): content keys that survive.
_REDACT_KEEP = {
    "10": {"m.room.member": ("membership", "join_authorised_via_users_server"),
           "m.room.create": ("creator",),
           "m.room.join_rules": ("join_rule", "allow"),
           "m.room.power_levels": ("ban", "events", "events_default", "kick", "redact",
                                   "state_default", "users", "users_default"),
           "m.room.history_visibility": ("history_visibility",)},
    "11": {"m.room.member": ("membership", "join_authorised_via_users_server"),
           "m.room.create": None,               # everything
           "m.room.join_rules": ("join_rule", "allow"),
           "m.room.power_levels": ("ban", "events", "events_default", "invite", "kick",
                                   "redact", "state_default", "users", "users_default"),
           "m.room.history_visibility": ("history_visibility",),
           "m.room.redaction": ("redacts",)},
}

# Stripped state given to invitees (like Synapse's room_prejoin_state).
_INVITE_STATE_TYPES = ("m.room.create", "m.room.join_rules", "m.room.canonical_alias",
                       "m.room.avatar", "m.room.encryption", "m.room.name", "m.room.topic")


def _default_power_levels(creator):
    """Synapse's defaults for a new room."""
    return {"users": {creator: 100}, "users_default": 0,
            "events": {"m.room.name": 50, "m.room.power_levels": 100,
                       "m.room.history_visibility": 100, "m.room.canonical_alias": 50,
                       "m.room.avatar": 50, "m.room.tombstone": 100,
                       "m.room.server_acl": 100, "m.room.encryption": 100},
            "events_default": 0, "state_default": 50, "ban": 50, "kick": 50,
            "redact": 50, "invite": 0, "historical": 100, "notifications": {"room": 50}}


class _Levels:
    """Power levels of a room (the spec's defaults when there is no
    m.room.power_levels event: the creator 100, everyone else 0)."""

    def __init__(self, pl, creator):
        self.pl = pl if isinstance(pl, dict) else None
        self.creator = creator

    def user(self, user_id):
        if self.pl is None:
            return 100 if user_id == self.creator else 0
        users = self.pl.get("users")
        if isinstance(users, dict) and user_id in users:
            return _int(users[user_id])
        return _int(self.pl.get("users_default", 0))

    def event(self, event_type, is_state):
        if self.pl is None:
            return 0
        events = self.pl.get("events")
        if isinstance(events, dict) and event_type in events:
            return _int(events[event_type])
        if is_state:
            return _int(self.pl.get("state_default", 50), 50)
        return _int(self.pl.get("events_default", 0))

    def action(self, name):
        default = 0 if name == "invite" else 50
        if self.pl is None:
            return default
        return _int(self.pl.get(name, default), default)


class _Request:
    __slots__ = ("method", "raw_path", "params", "query", "query_multi", "body", "headers",
                 "user", "device", "token", "harness", "route", "_json")

    def __init__(self, method, raw_path, qs, headers, body, harness):
        self.method, self.raw_path, self.headers, self.body = method, raw_path, headers, body
        self.query_multi = urllib.parse.parse_qs(qs, keep_blank_values=True)
        self.query = {k: v[0] for k, v in self.query_multi.items()}
        self.harness = harness
        self.params = {}
        self.user = self.device = self.token = self.route = None
        self._json = None

    def json(self, allow_empty=True):
        """The body as a JSON object; an empty body is {} when allowed."""
        if self._json is None:
            if not self.body.strip():
                if not allow_empty:
                    raise _bad("Content not JSON.", "M_NOT_JSON")
                self._json = {}
            else:
                try:
                    self._json = json.loads(self.body.decode("utf-8"))
                except (UnicodeDecodeError, ValueError):
                    raise _bad("Content not JSON.", "M_NOT_JSON") from None
                if not isinstance(self._json, dict):
                    raise _bad("Content must be a JSON object.", "M_BAD_JSON")
        return self._json


class _Core:
    """The homeserver: all state, behind one lock.  Every change advances
    `pos`, the position in the single event stream that sync tokens name,
    and wakes long-polling /sync requests."""

    def __init__(self, dir, config):
        self.dir = dir
        self.cfg = config
        self.server_name = config["server_name"]
        self.admin_token = config["admin_token"]
        self.default_room_version = config.get("room_version", DEFAULT_ROOM_VERSION)
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.stopping = False
        self.dirty = False
        self.state_path = os.path.join(dir, "state.json")
        self.write_lock = threading.Lock()
        self.log_lock = threading.Lock()
        self.conn_seq = 0
        os.makedirs(os.path.join(dir, "logs"), exist_ok=True)
        self.log_f = open(os.path.join(dir, "logs", "requests.jsonl"), "a", encoding="utf-8")
        self._load()
        self.routes = self._routes()

    # -- persistence -------------------------------------------------------

    def _load(self):
        try:
            with open(self.state_path, encoding="utf-8") as f:
                data = json.load(f)
        except FileNotFoundError:
            data = {}
        self.pos = data.get("pos", 0)
        self.serial = data.get("serial", 0)
        self.users = data.get("users", {})
        self.tokens = data.get("tokens", {})
        self.filters = data.get("filters", {})
        self.rooms = data.get("rooms", {})
        self.events = data.get("events", {})
        self.aliases = data.get("aliases", {})
        self.txns = data.get("txns", {})
        self.account_data = data.get("account_data", {})
        self.room_account_data = data.get("room_account_data", {})
        self.presence = data.get("presence", {})
        self.settings = data.get("settings", {})
        self.settings.setdefault("timeline_limit", None)
        self.settings.setdefault("chunked", True)
        self.settings.setdefault("sync_extras", True)
        self.settings.setdefault("injections", [])
        for room in self.rooms.values():
            self._index_room(room)

    def _index_room(self, room):
        room["_cur"] = {}
        for eid in room["state_ids"]:
            e = self.events[eid]["e"]
            room["_cur"][(e["type"], e["state_key"])] = eid
        room["_tpos"] = [self.events[eid]["pos"] for eid in room["timeline"]]

    def _snapshot(self):
        rooms = {rid: {k: v for k, v in r.items() if not k.startswith("_")}
                 for rid, r in self.rooms.items()}
        return {"format": STATE_FORMAT, "server_name": self.server_name, "pos": self.pos,
                "serial": self.serial, "users": self.users, "tokens": self.tokens,
                "filters": self.filters, "rooms": rooms, "events": self.events,
                "aliases": self.aliases, "txns": self.txns, "account_data": self.account_data,
                "room_account_data": self.room_account_data, "presence": self.presence,
                "settings": self.settings}

    def flush(self, force=False):
        """Write state.json (atomically) if anything changed."""
        with self.write_lock:
            with self.lock:
                if not (self.dirty or force):
                    return
                text = json.dumps(self._snapshot(), ensure_ascii=False, separators=(",", ":"))
                self.dirty = False
            tmp = self.state_path + ".tmp"
            with open(tmp, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.state_path)

    def _changed(self):
        self.dirty = True
        self.cond.notify_all()

    def background(self):
        """Flush state and expire typing notifications until stopping.  The
        interval grows with the time a flush takes (serialising holds the
        lock), so a big state does not stall requests."""
        interval = FLUSH_INTERVAL
        while not self.stopping:
            time.sleep(interval)
            try:
                self._expire_typing()
                t = time.monotonic()
                self.flush()
                interval = max(FLUSH_INTERVAL, 4 * (time.monotonic() - t))
            except Exception as e:        # keep going; the log says why
                print(f"matrixnet: background: {e!r}", file=sys.stderr, flush=True)

    def log_request(self, entry):
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
        with self.log_lock:
            self.log_f.write(line + "\n")
            self.log_f.flush()

    # -- ids and lookups ---------------------------------------------------

    def _user_id(self, name):
        return name if name.startswith("@") else f"@{name}:{self.server_name}"

    def _new_room_id(self):
        while True:
            rid = "!" + "".join(secrets.choice(string.ascii_letters) for _ in range(18)) + \
                ":" + self.server_name
            if rid not in self.rooms:
                return rid

    @staticmethod
    def _new_event_id():
        return "$" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")

    def _room_version(self, room):
        return room.get("version", DEFAULT_ROOM_VERSION)

    def _state_event(self, room, etype, skey="", st=None):
        eid = (room["_cur"] if st is None else st).get((etype, skey))
        return self.events[eid] if eid else None

    def _membership(self, room, user, st=None):
        rec = self._state_event(room, "m.room.member", user, st)
        return rec["e"]["content"].get("membership") if rec else None

    def _levels(self, room, st=None):
        rec = self._state_event(room, "m.room.power_levels", "", st)
        return _Levels(rec["e"]["content"] if rec else None, room["creator"])

    def _join_rule(self, room):
        rec = self._state_event(room, "m.room.join_rules", "")
        return rec["e"]["content"].get("join_rule", "invite") if rec else "invite"

    def _state_at(self, room, pos):
        """{(type, state_key): event_id} as of stream position `pos`."""
        if pos is None or pos >= self.pos:
            return room["_cur"]
        st = {}
        for eid in room["state_ids"]:
            rec = self.events[eid]
            if rec["pos"] > pos:
                break
            st[(rec["e"]["type"], rec["e"]["state_key"])] = eid
        return st

    def _room_for(self, user, room_id, need_join=True):
        """The room, if `user` is joined (or, without need_join, ever was)."""
        room = self.rooms.get(room_id)
        m = self._membership(room, user) if room else None
        if room is None or (m != "join" and (need_join or m not in ("leave", "ban"))):
            raise _forbidden(f"User {user} not in room {room_id}")
        return room

    def _visible_upto(self, room, user):
        """Users see everything while joined; after leaving, up to their leave."""
        rec = self._state_event(room, "m.room.member", user)
        if rec is None:
            return None
        m = rec["e"]["content"].get("membership")
        if m == "join":
            return self.pos
        if m in ("leave", "ban"):
            was = any(self.events[eid]["e"]["type"] == "m.room.member" and
                      self.events[eid]["e"]["state_key"] == user and
                      self.events[eid]["e"]["content"].get("membership") == "join"
                      for eid in room["state_ids"])
            return rec["pos"] if was else None
        return None

    def _resolve_room(self, id_or_alias):
        if id_or_alias.startswith("#"):
            rid = self.aliases.get(id_or_alias)
            if rid is None:
                raise _not_found(f"Room alias {id_or_alias} not found")
            return rid
        if id_or_alias.startswith("!"):
            return id_or_alias
        raise _bad(f"{id_or_alias} was not legal room ID or room alias")

    # -- events ------------------------------------------------------------

    def _append(self, room, etype, content, sender, state_key=None, dev=None, txn=None,
                redacts=None):
        """Add an event to the room's timeline (and state); returns its record.
        Content dicts are never changed in place afterwards (responses are
        serialised outside the lock)."""
        self.pos += 1
        ev = {"content": content, "event_id": self._new_event_id(),
              "origin_server_ts": _now_ms(), "room_id": room["room_id"], "sender": sender,
              "type": etype}
        if state_key is not None:
            ev["state_key"] = state_key
        if redacts is not None:
            ev["redacts"] = redacts
        rec = {"e": ev, "pos": self.pos}
        if dev is not None and txn is not None:
            rec["dev"], rec["txn"] = dev, txn
        eid = ev["event_id"]
        if state_key is not None:
            prev = room["_cur"].get((etype, state_key))
            if prev:
                p = self.events[prev]
                rec["pc"] = p["e"]["content"]
                rec["rs"] = prev
                rec["ps"] = p["e"]["sender"]
            room["state_ids"].append(eid)
            room["_cur"][(etype, state_key)] = eid
        room["timeline"].append(eid)
        room["_tpos"].append(self.pos)
        self.events[eid] = rec
        self._changed()
        return rec

    def _client_event(self, rec, dev=None, with_room=True, now=None):
        """The ClientEvent (or ClientEventWithoutRoomID) format, with unsigned."""
        e = rec["e"]
        out = dict(e)
        if not with_room:
            out.pop("room_id", None)
        now = now or _now_ms()
        u = {"age": max(0, now - e["origin_server_ts"])}
        if dev is not None and rec.get("txn") is not None and rec.get("dev") == dev:
            u["transaction_id"] = rec["txn"]
        if "pc" in rec:
            u["prev_content"] = rec["pc"]
            u["replaces_state"] = rec["rs"]
            u["prev_sender"] = rec["ps"]
        if rec.get("rb") and rec["rb"] in self.events:
            u["redacted_because"] = self._client_event(self.events[rec["rb"]], None,
                                                       with_room, now)
        out["unsigned"] = u
        return out

    def _apply_redaction(self, room, target, redaction_id):
        keep = _REDACT_KEEP.get(self._room_version(room), _REDACT_KEEP["10"])
        e = dict(target["e"])
        k = keep.get(e["type"], ())
        if k is None:
            content = dict(e["content"])
        else:
            content = {key: e["content"][key] for key in k if key in e["content"]}
            if e["type"] == "m.room.member" and self._room_version(room) == "11":
                tpi = e["content"].get("third_party_invite")
                if isinstance(tpi, dict) and "signed" in tpi:
                    content["third_party_invite"] = {"signed": tpi["signed"]}
        e["content"] = content
        if e["type"] == "m.room.redaction" and "redacts" not in content:
            e.pop("redacts", None)
        target["e"] = e
        target["rb"] = redaction_id
        self._changed()

    # -- accounts ----------------------------------------------------------

    def _new_token(self, user_id, device_id=None, display_name=None):
        device_id = device_id or "".join(secrets.choice(string.ascii_uppercase)
                                         for _ in range(10))
        token = "mnt_" + secrets.token_urlsafe(24)
        self.tokens[token] = {"user": user_id, "device": device_id}
        self.users[user_id].setdefault("devices", {})[device_id] = display_name or device_id
        self.dirty = True
        return token, device_id

    def register(self, name, password, displayname=None):
        with self.lock:
            localpart = name[1:].split(":", 1)[0] if name.startswith("@") else name
            if not re.fullmatch(r"[a-z0-9._=/+-]+", localpart):
                raise _bad(f"User ID can only contain a-z, 0-9 and ._=-/+: {localpart!r}",
                           "M_INVALID_USERNAME")
            uid = f"@{localpart}:{self.server_name}"
            u = self.users.get(uid)
            if u is not None:
                if u["password"] != password:
                    raise _bad("User ID already taken.", "M_USER_IN_USE")
            else:
                u = self.users[uid] = {"password": password,
                                       "displayname": displayname or localpart,
                                       "avatar_url": None}
                self.pos += 1
                self.account_data[uid] = {"m.push_rules": {
                    "content": {"global": {"content": [], "override": [], "room": [],
                                           "sender": [], "underride": []}},
                    "pos": self.pos}}
                self._changed()
            if displayname and u.get("displayname") != displayname:
                u["displayname"] = displayname
            token, device = self._new_token(uid)
            harness = self._harness_token(uid)
            return {"user_id": uid, "access_token": token, "device_id": device,
                    "harness_token": harness}

    def _harness_token(self, uid):
        """The harness's own device for this user (hs.send etc.), so the
        user's real clients don't see its sends as their own."""
        for tok, t in self.tokens.items():
            if t["user"] == uid and t["device"] == "MATRIXNET_HARNESS":
                return tok
        return self._new_token(uid, "MATRIXNET_HARNESS")[0]

    # -- routing -----------------------------------------------------------

    def _routes(self):
        r = [
            ("GET", "login", self.h_login_flows, False),
            ("POST", "login", self.h_login, False),
            ("POST", "logout", self.h_logout, True),
            ("POST", "logout/all", self.h_logout_all, True),
            ("POST", "register", self.h_register, False),
            ("GET", "account/whoami", self.h_whoami, True),
            ("GET", "capabilities", self.h_capabilities, True),
            ("POST", "user/{userId}/filter", self.h_filter_post, True),
            ("GET", "user/{userId}/filter/{filterId}", self.h_filter_get, True),
            ("GET", "sync", self.h_sync, True),
            ("GET", "rooms/{roomId}/messages", self.h_messages, True),
            ("POST", "createRoom", self.h_create_room, True),
            ("GET", "joined_rooms", self.h_joined_rooms, True),
            ("POST", "join/{roomIdOrAlias}", self.h_join, True),
            ("POST", "rooms/{roomId}/join", self.h_join, True),
            ("POST", "rooms/{roomId}/leave", self.h_leave, True),
            ("POST", "rooms/{roomId}/forget", self.h_forget, True),
            ("POST", "rooms/{roomId}/invite", self.h_invite, True),
            ("POST", "rooms/{roomId}/kick", self.h_kick, True),
            ("POST", "rooms/{roomId}/ban", self.h_ban, True),
            ("POST", "rooms/{roomId}/unban", self.h_unban, True),
            ("GET", "directory/room/{roomAlias}", self.h_alias_get, False),
            ("PUT", "directory/room/{roomAlias}", self.h_alias_put, True),
            ("DELETE", "directory/room/{roomAlias}", self.h_alias_delete, True),
            ("PUT", "rooms/{roomId}/send/{eventType}/{txnId}", self.h_send, True),
            ("PUT", "rooms/{roomId}/redact/{eventId}/{txnId}", self.h_redact, True),
            ("GET", "rooms/{roomId}/state", self.h_state_all, True),
            ("GET", "rooms/{roomId}/state/{eventType}", self.h_state_get, True),
            ("PUT", "rooms/{roomId}/state/{eventType}", self.h_state_put, True),
            ("GET", "rooms/{roomId}/state/{eventType}/{stateKey}", self.h_state_get, True),
            ("PUT", "rooms/{roomId}/state/{eventType}/{stateKey}", self.h_state_put, True),
            ("GET", "rooms/{roomId}/joined_members", self.h_joined_members, True),
            ("GET", "rooms/{roomId}/members", self.h_members, True),
            ("GET", "rooms/{roomId}/event/{eventId}", self.h_event, True),
            ("PUT", "rooms/{roomId}/typing/{userId}", self.h_typing, True),
            ("POST", "rooms/{roomId}/receipt/{receiptType}/{eventId}", self.h_receipt, True),
            ("POST", "rooms/{roomId}/read_markers", self.h_read_markers, True),
            ("GET", "user/{userId}/account_data/{type}", self.h_account_data_get, True),
            ("PUT", "user/{userId}/account_data/{type}", self.h_account_data_put, True),
            ("GET", "user/{userId}/rooms/{roomId}/account_data/{type}",
             self.h_account_data_get, True),
            ("PUT", "user/{userId}/rooms/{roomId}/account_data/{type}",
             self.h_account_data_put, True),
            ("GET", "profile/{userId}", self.h_profile_get, False),
            ("GET", "profile/{userId}/{field}", self.h_profile_get, False),
            ("PUT", "profile/{userId}/{field}", self.h_profile_put, True),
            ("GET", "presence/{userId}/status", self.h_presence_get, True),
            ("PUT", "presence/{userId}/status", self.h_presence_put, True),
        ]
        return [(m, tuple(p.split("/")), fn, auth, p) for m, p, fn, auth in r]

    def handle(self, method, raw_path, qs, headers, body, harness, entry):
        """One request → (status, JSON object, extra headers)."""
        try:
            return self._handle(method, raw_path, qs, headers, body, harness, entry)
        except MatrixError as e:
            return e.status, e.body(), e.headers
        except Exception as e:
            import traceback
            traceback.print_exc()
            sys.stderr.flush()
            return 500, {"errcode": "M_UNKNOWN", "error": f"Internal server error: {e!r}"}, {}

    def _handle(self, method, raw_path, qs, headers, body, harness, entry):
        if method == "OPTIONS":          # CORS pre-flight
            return 200, {}, {}
        if raw_path.startswith("/_matrixnet/"):
            return self._admin(method, raw_path, headers, body)
        req = _Request(method, raw_path, qs, headers, body, harness)
        if raw_path == "/.well-known/matrix/client" and method == "GET":
            entry["endpoint"] = "/.well-known/matrix/client"
            if not harness:
                self._maybe_inject(method, raw_path)
            return 200, {"m.homeserver": {"base_url": self.cfg.get("url", "")}}, {}
        if raw_path in ("/_matrix/client/versions", "/_matrix/client/versions/"):
            entry["endpoint"] = "/versions"
            if method != "GET":
                raise MatrixError(405, "M_UNRECOGNIZED", "Unrecognized request")
            if not harness:
                self._maybe_inject(method, raw_path)
            return 200, {"versions": SPEC_VERSIONS,
                         "unstable_features": {"org.matrix.msc2432": True}}, {}
        m = re.match(r"/_matrix/client/(?:v3|r0)/(.*)\Z", raw_path, re.S)
        if not m:
            raise MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request")
        segs = [urllib.parse.unquote(s) for s in m.group(1).split("/")]
        fn, params, auth, pattern = self._route(method, segs)
        entry["endpoint"] = "/" + pattern
        req.params, req.route = params, pattern
        if auth:
            self._authenticate(req, headers)
            entry["user"], entry["device"] = req.user, req.device
        if not harness:             # like a per-user rate limiter: after authentication
            self._maybe_inject(method, raw_path)
        status, obj = fn(req)
        return status, obj, {}

    def _route(self, method, segs):
        allowed = False
        for m, pat, fn, auth, pattern in self.routes:
            if len(pat) != len(segs):
                continue
            params = {}
            for p, s in zip(pat, segs):
                if p.startswith("{"):
                    params[p[1:-1]] = s
                elif p != s:
                    break
            else:
                if m != method:
                    allowed = True
                    continue
                return fn, params, auth, pattern
        if allowed:
            raise MatrixError(405, "M_UNRECOGNIZED", "Unrecognized request")
        raise MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request")

    def _authenticate(self, req, headers):
        token = None
        auth = headers.get("Authorization")
        if auth is not None:
            parts = auth.split(None, 1)
            if len(parts) != 2 or parts[0].lower() != "bearer":
                raise MatrixError(401, "M_MISSING_TOKEN", "Invalid Authorization header.")
            token = parts[1].strip()
        elif "access_token" in req.query:
            token = req.query["access_token"]
        if not token:
            raise MatrixError(401, "M_MISSING_TOKEN", "Missing access token.")
        with self.lock:
            t = self.tokens.get(token)
        if t is None:
            raise MatrixError(401, "M_UNKNOWN_TOKEN", "Unknown access token.", soft_logout=False)
        req.user, req.device, req.token = t["user"], t["device"], token

    def _maybe_inject(self, method, raw_path):
        with self.lock:
            inj = self.settings["injections"]
            if not inj:
                return
            short = re.sub(r"\A/_matrix/client/(?:v3|r0)", "", raw_path)
            paths = {raw_path, short, urllib.parse.unquote(raw_path), urllib.parse.unquote(short)}
            for i, rule in enumerate(inj):
                if rule.get("method") and rule["method"] != method:
                    continue
                if not any(p.startswith(rule["prefix"]) for p in paths):
                    continue
                rule["count"] -= 1
                if rule["count"] <= 0:
                    del inj[i]
                self.dirty = True
                extra, headers = {}, {}
                if rule.get("retry_after_ms") is not None:
                    extra["retry_after_ms"] = rule["retry_after_ms"]
                    headers["Retry-After"] = str(max(1, math.ceil(rule["retry_after_ms"] / 1000)))
                raise MatrixError(rule["status"], rule["errcode"], rule["error"], headers, **extra)

    # -- session -----------------------------------------------------------

    def h_login_flows(self, req):
        return 200, {"flows": [{"type": "m.login.password"}]}

    def h_login(self, req):
        b = req.json(allow_empty=False)
        if b.get("type") != "m.login.password":
            raise _bad("Bad login type.", "M_UNKNOWN")
        ident = b.get("identifier")
        if isinstance(ident, dict):
            if ident.get("type") != "m.id.user" or not isinstance(ident.get("user"), str):
                raise _bad("Unknown login identifier type", "M_UNKNOWN")
            user = ident["user"]
        elif isinstance(b.get("user"), str):        # deprecated form
            user = b["user"]
        else:
            raise _bad("Missing identifier", "M_MISSING_PARAM")
        if not isinstance(b.get("password"), str):
            raise _bad("Missing password", "M_MISSING_PARAM")
        with self.lock:
            uid = self._user_id(user)
            u = self.users.get(uid)
            if u is None or u["password"] != b["password"]:
                raise MatrixError(403, "M_FORBIDDEN", "Invalid username or password")
            device = b.get("device_id") if isinstance(b.get("device_id"), str) else None
            token, device = self._new_token(uid, device, b.get("initial_device_display_name"))
        return 200, {"user_id": uid, "access_token": token, "device_id": device,
                     "home_server": self.server_name}

    def h_logout(self, req):
        with self.lock:
            self.tokens.pop(req.token, None)
            self.dirty = True
        return 200, {}

    def h_logout_all(self, req):
        with self.lock:
            for tok in [t for t, v in self.tokens.items() if v["user"] == req.user]:
                del self.tokens[tok]
            self.dirty = True
        return 200, {}

    def h_register(self, req):
        raise _forbidden("Registration has been disabled. Only the harness registers users.")

    def h_whoami(self, req):
        return 200, {"user_id": req.user, "device_id": req.device, "is_guest": False}

    def h_capabilities(self, req):
        return 200, {"capabilities": {
            "m.room_versions": {"default": self.default_room_version,
                                "available": {v: "stable" for v in ROOM_VERSIONS}},
            "m.change_password": {"enabled": False},
            "m.set_displayname": {"enabled": True},
            "m.set_avatar_url": {"enabled": True}}}

    # -- filters -----------------------------------------------------------

    def h_filter_post(self, req):
        if req.params["userId"] != req.user:
            raise _forbidden("Cannot create filters for other users")
        f = req.json(allow_empty=False)
        _validate_filter(f)
        with self.lock:
            lst = self.filters.setdefault(req.user, [])
            lst.append(f)
            self.dirty = True
            return 200, {"filter_id": str(len(lst) - 1)}

    def h_filter_get(self, req):
        if req.params["userId"] != req.user:
            raise _forbidden("Cannot get filters for other users")
        with self.lock:
            lst = self.filters.get(req.user, [])
            fid = req.params["filterId"]
            if not fid.isdigit() or int(fid) >= len(lst):
                raise _not_found("No such filter")
            return 200, lst[int(fid)]

    def _resolve_filter(self, user, spec):
        if spec is None or spec == "":
            return {}
        if spec.startswith("{"):
            try:
                f = json.loads(spec)
            except ValueError:
                raise _bad("Invalid filter JSON", "M_NOT_JSON") from None
            _validate_filter(f)
            return f
        lst = self.filters.get(user, [])
        if not spec.isdigit() or int(spec) >= len(lst):
            raise _bad(f"No such filter {spec}")
        return lst[int(spec)]

    # -- sync --------------------------------------------------------------

    def h_sync(self, req):
        q = req.query
        since = None
        if q.get("since"):
            since = _parse_token(q["since"], "since token")
        try:
            timeout = int(q.get("timeout", "0") or "0")
        except ValueError:
            raise _bad("Query parameter 'timeout' must be an integer") from None
        fs = q.get("full_state", "false")
        if fs not in ("true", "false"):
            raise _bad("Query parameter 'full_state' must be true or false")
        full_state = fs == "true"
        set_presence = q.get("set_presence", "online")
        if set_presence not in ("online", "offline", "unavailable"):
            raise _bad("Query parameter 'set_presence' must be online, offline or unavailable")
        deadline = time.monotonic() + max(0, timeout) / 1000.0
        with self.lock:
            filt = self._resolve_filter(req.user, q.get("filter"))
            if since is not None and since > self.pos:
                since = self.pos           # a token from the future: treat as now
            self._touch_presence(req.user, set_presence)
            while True:
                head = self.pos
                resp, empty = self._build_sync(req.user, f"{req.user}|{req.device}", since,
                                               filt, full_state, head)
                if not empty or since is None or full_state or timeout <= 0:
                    break
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.cond.wait_for(lambda: self.pos != head, remaining)
            self.serial += 1
            self.dirty = True
            if self.settings["sync_extras"]:
                # What Synapse sends on every sync, E2EE or not: keys a bot must skip.
                resp["device_one_time_keys_count"] = {"signed_curve25519": 0}
                resp["device_unused_fallback_key_types"] = []
                resp["org.matrix.msc2732.device_unused_fallback_key_types"] = []
            resp["next_batch"] = f"s{head}_{self.serial}"
        return 200, resp

    def _touch_presence(self, user, presence):
        if presence == "offline":
            return
        p = self.presence.get(user)
        if p is None or p["presence"] != presence:
            self.pos += 1
            self.presence[user] = {"presence": presence, "last_active": _now_ms(),
                                   "pos": self.pos, "status_msg": (p or {}).get("status_msg")}
            self._changed()
        else:
            p["last_active"] = _now_ms()

    def _timeline_limit(self, tl_f):
        lim = tl_f.get("limit") if isinstance(tl_f, dict) else None
        if not isinstance(lim, int) or isinstance(lim, bool) or lim < 1:
            lim = DEFAULT_TIMELINE_LIMIT
        cap = self.settings.get("timeline_limit")
        if cap:
            lim = min(lim, cap)
        return lim

    def _last_matching(self, room, lower, upper, f, limit):
        """The last `limit` events with lower < pos <= upper passing filter
        `f`, in order, and whether there were more."""
        tpos = room["_tpos"]
        lo = 0 if lower is None else bisect.bisect_right(tpos, lower)
        i = bisect.bisect_right(tpos, upper) - 1
        out = []
        while i >= lo and len(out) <= limit:
            rec = self.events[room["timeline"][i]]
            if _event_ok(f, rec["e"]):
                out.append(rec)
            i -= 1
        limited = len(out) > limit
        out = out[:limit]
        out.reverse()
        return out, limited

    def _room_batch(self, room, dev, lower, upper, filt, full_state, newly, now):
        """timeline + state sections of one joined or left room."""
        rf = filt.get("room") or {}
        tl_f = rf.get("timeline") or {}
        st_f = rf.get("state") or {}
        fields = filt.get("event_fields")
        limit = self._timeline_limit(tl_f)
        if _room_ok(tl_f, room["room_id"]):
            recs, limited = self._last_matching(room, None if newly else lower, upper, tl_f,
                                                limit)
        else:
            recs, limited = [], False
        start = recs[0]["pos"] - 1 if recs else upper
        if newly or full_state:
            st = self._state_at(room, start)
            state_ids = list(st.values())
        elif limited:
            st = self._state_at(room, start)
            old = self._state_at(room, lower)
            state_ids = [eid for k, eid in st.items() if old.get(k) != eid]
        else:
            state_ids = []
        state = []
        if _room_ok(st_f, room["room_id"]):
            state_recs = sorted((self.events[e] for e in state_ids), key=lambda r: r["pos"])
            state = [self._client_event(r, dev, False, now) for r in state_recs
                     if _event_ok(st_f, r["e"])]
        timeline = {"events": [self._client_event(r, dev, False, now) for r in recs],
                    "limited": limited, "prev_batch": f"t{start}"}
        if fields is not None:
            timeline["events"] = [_pick_fields(e, fields) for e in timeline["events"]]
            state = [_pick_fields(e, fields) for e in state]
        return timeline, state

    def _build_sync(self, user, dev, since, filt, full_state, head):
        now = _now_ms()
        rf = filt.get("room") or {}
        eph_f = rf.get("ephemeral") or {}
        rad_f = rf.get("account_data") or {}
        fields = filt.get("event_fields")
        join, invite, leave = {}, {}, {}
        shared = {user}
        for rid, room in self.rooms.items():
            mrec = self._state_event(room, "m.room.member", user)
            if mrec is None:
                continue
            mnow = mrec["e"]["content"].get("membership")
            if mnow == "join":
                for (t, k), eid in room["_cur"].items():
                    if t == "m.room.member" and \
                            self.events[eid]["e"]["content"].get("membership") == "join":
                        shared.add(k)
            if not _room_ok(rf, rid):
                continue
            msince = None if since is None else \
                self._membership(room, user, self._state_at(room, since))
            if mnow == "join":
                newly = since is None or msince != "join"
                timeline, state = self._room_batch(room, dev, since, head, filt, full_state,
                                                   newly, now)
                eph = self._ephemeral(room, user, since, eph_f) \
                    if _room_ok(eph_f, rid) else []
                rad = self._account_data_events(
                    self.room_account_data.get(user, {}).get(rid, {}), since, rad_f) \
                    if _room_ok(rad_f, rid) else []
                if fields is not None:
                    eph = [_pick_fields(e, fields) for e in eph]
                if newly or full_state or timeline["events"] or state or eph or rad:
                    jr = {"timeline": timeline}
                    if state:
                        jr["state"] = {"events": state}
                    if eph:
                        jr["ephemeral"] = {"events": eph}
                    if rad:
                        jr["account_data"] = {"events": rad}
                    join[rid] = jr
            elif mnow == "invite":
                if since is None or mrec["pos"] > since:
                    invite[rid] = {"invite_state": {"events": self._stripped_state(room, user)}}
            elif mnow in ("leave", "ban"):
                if (since is not None and mrec["pos"] > since and msince != mnow) or \
                        (since is None and rf.get("include_leave") is True):
                    timeline, state = self._room_batch(room, dev, since, mrec["pos"], filt,
                                                       full_state, since is None, now)
                    lr = {"timeline": timeline}
                    if state:
                        lr["state"] = {"events": state}
                    leave[rid] = lr
        resp = {}
        rooms = {}
        for k, v in (("join", join), ("invite", invite), ("leave", leave)):
            if v:
                rooms[k] = v
        if rooms:
            resp["rooms"] = rooms
        pres = self._presence_events(shared, since, filt.get("presence") or {}, now)
        if pres:
            resp["presence"] = {"events": pres}
        ad = self._account_data_events(self.account_data.get(user, {}), since,
                                       filt.get("account_data") or {})
        if ad:
            resp["account_data"] = {"events": ad}
        if fields is not None:
            for section in ("presence", "account_data"):
                if section in resp:
                    resp[section]["events"] = [_pick_fields(e, fields)
                                               for e in resp[section]["events"]]
        return resp, not resp

    def _stripped_state(self, room, user):
        out = []
        keys = [(t, "") for t in _INVITE_STATE_TYPES] + [("m.room.member", user)]
        for k in keys:
            eid = room["_cur"].get(k)
            if eid:
                e = self.events[eid]["e"]
                out.append({"content": e["content"], "sender": e["sender"],
                            "state_key": e["state_key"], "type": e["type"]})
        return out

    def _ephemeral(self, room, user, since, f):
        out = []
        typing = room.get("typing", {})
        if (since is None and typing) or (since is not None and room.get("typing_pos", 0) > since):
            ev = {"type": "m.typing", "content": {"user_ids": sorted(typing)}}
            if _event_ok(f, ev):
                out.append(ev)
        content = {}
        for r in room.get("receipts", {}).values():
            if since is not None and r["pos"] <= since:
                continue
            if r["type"] == "m.read.private" and r["user"] != user:
                continue
            data = {"ts": r["ts"]}
            if r.get("thread_id"):
                data["thread_id"] = r["thread_id"]
            content.setdefault(r["event_id"], {}).setdefault(r["type"], {})[r["user"]] = data
        if content:
            ev = {"type": "m.receipt", "content": content}
            if _event_ok(f, ev):
                out.append(ev)
        return out

    @staticmethod
    def _account_data_events(store, since, f):
        out = []
        for t, v in sorted(store.items(), key=lambda kv: kv[1]["pos"]):
            if since is not None and v["pos"] <= since:
                continue
            ev = {"type": t, "content": v["content"]}
            if _event_ok(f, ev):
                out.append(ev)
        return out

    def _presence_events(self, users, since, f, now):
        out = []
        for u in sorted(users):
            p = self.presence.get(u)
            if p is None or (since is not None and p["pos"] <= since):
                continue
            content = {"presence": p["presence"],
                       "last_active_ago": max(0, now - p["last_active"]),
                       "currently_active": p["presence"] == "online"}
            if p.get("status_msg"):
                content["status_msg"] = p["status_msg"]
            prof = self.users.get(u, {})
            if prof.get("displayname"):
                content["displayname"] = prof["displayname"]
            if prof.get("avatar_url"):
                content["avatar_url"] = prof["avatar_url"]
            ev = {"type": "m.presence", "sender": u, "content": content}
            if _event_ok(f, ev):
                out.append(ev)
        return out

    # -- /messages and reading rooms ---------------------------------------

    def h_messages(self, req):
        q = req.query
        d = q.get("dir")
        if d is None:
            raise _bad("Missing required query parameter 'dir'", "M_MISSING_PARAM")
        if d not in ("b", "f"):
            raise _bad("Query parameter 'dir' must be one of ['b', 'f']")
        try:
            limit = int(q.get("limit", MESSAGES_DEFAULT_LIMIT))
        except ValueError:
            raise _bad("Query parameter 'limit' must be an integer") from None
        if limit < 0:
            raise _bad("Query parameter 'limit' must be positive")
        limit = min(limit, MESSAGES_MAX_LIMIT)
        f = {}
        if q.get("filter"):
            try:
                f = json.loads(q["filter"])
            except ValueError:
                raise _bad("Invalid filter JSON", "M_NOT_JSON") from None
            if not isinstance(f, dict):
                raise _bad("Filter must be a JSON object", "M_BAD_JSON")
            if isinstance(f.get("limit"), int) and f["limit"] > 0:
                limit = min(limit, f["limit"])
        frm = _parse_token(q["from"], "from token") if q.get("from") else None
        to = _parse_token(q["to"], "to token") if q.get("to") else None
        dev = f"{req.user}|{req.device}"
        with self.lock:
            room = self.rooms.get(req.params["roomId"])
            upto = self._visible_upto(room, req.user) if room else None
            if upto is None:
                raise _forbidden(f"User {req.user} not in room {req.params['roomId']}")
            tpos, tl = room["_tpos"], room["timeline"]
            now = _now_ms()
            chunk = []
            more = False
            if d == "b":
                start = upto if frm is None else min(frm, upto)
                floor = to if to is not None else -1
                i = bisect.bisect_right(tpos, start) - 1
                while i >= 0 and tpos[i] > floor:
                    if len(chunk) >= limit:
                        more = True
                        break
                    rec = self.events[tl[i]]
                    if _event_ok(f, rec["e"]) and _room_ok(f, room["room_id"]):
                        chunk.append(rec)
                    i -= 1
                end = f"t{chunk[-1]['pos'] - 1}" if chunk else None
                start_tok = q.get("from") or f"t{start}"
            else:
                start = 0 if frm is None else frm
                ceiling = upto if to is None else min(to, upto)
                i = bisect.bisect_right(tpos, start)
                while i < len(tl) and tpos[i] <= ceiling:
                    if len(chunk) >= limit:
                        more = True
                        break
                    rec = self.events[tl[i]]
                    if _event_ok(f, rec["e"]) and _room_ok(f, room["room_id"]):
                        chunk.append(rec)
                    i += 1
                end = f"t{chunk[-1]['pos']}" if chunk else None
                start_tok = q.get("from") or f"t{start}"
            resp = {"start": start_tok,
                    "chunk": [self._client_event(r, dev, True, now) for r in chunk]}
            if more and end:
                resp["end"] = end
        return 200, resp

    def h_event(self, req):
        with self.lock:
            room = self.rooms.get(req.params["roomId"])
            upto = self._visible_upto(room, req.user) if room else None
            rec = self.events.get(req.params["eventId"])
            if upto is None or rec is None or rec["e"]["room_id"] != room["room_id"] \
                    or rec["pos"] > upto:
                raise _not_found("Event not found.")
            return 200, self._client_event(rec, f"{req.user}|{req.device}")

    def _state_for_reader(self, req):
        room = self.rooms.get(req.params["roomId"])
        upto = self._visible_upto(room, req.user) if room else None
        if upto is None:
            raise _forbidden(f"User {req.user} not in room {req.params['roomId']}")
        return room, self._state_at(room, upto)

    def h_state_all(self, req):
        with self.lock:
            room, st = self._state_for_reader(req)
            now = _now_ms()
            recs = sorted((self.events[e] for e in st.values()), key=lambda r: r["pos"])
            return 200, [self._client_event(r, None, True, now) for r in recs]

    def h_state_get(self, req):
        with self.lock:
            room, st = self._state_for_reader(req)
            eid = st.get((req.params["eventType"], req.params.get("stateKey", "")))
            if eid is None:
                raise _not_found("Event not found.")
            rec = self.events[eid]
            if req.query.get("format") == "event":
                return 200, self._client_event(rec)
            return 200, rec["e"]["content"]

    def h_joined_members(self, req):
        with self.lock:
            room = self._room_for(req.user, req.params["roomId"])
            joined = {}
            for (t, k), eid in room["_cur"].items():
                c = self.events[eid]["e"]["content"]
                if t == "m.room.member" and c.get("membership") == "join":
                    info = {}
                    if isinstance(c.get("displayname"), str):
                        info["display_name"] = c["displayname"]
                    if isinstance(c.get("avatar_url"), str):
                        info["avatar_url"] = c["avatar_url"]
                    joined[k] = info
            return 200, {"joined": joined}

    def h_members(self, req):
        with self.lock:
            room, st = self._state_for_reader(req)
            if req.query.get("at"):
                st = self._state_at(room, min(_parse_token(req.query["at"], "at token"),
                                              self._visible_upto(room, req.user)))
            want, notwant = req.query.get("membership"), req.query.get("not_membership")
            now = _now_ms()
            chunk = []
            for (t, k), eid in sorted(st.items(), key=lambda kv: self.events[kv[1]]["pos"]):
                if t != "m.room.member":
                    continue
                m = self.events[eid]["e"]["content"].get("membership")
                if want is not None or notwant is not None:
                    if not ((want is not None and m == want) or
                            (notwant is not None and m != notwant)):
                        continue
                chunk.append(self._client_event(self.events[eid], None, True, now))
            return 200, {"chunk": chunk}

    def h_joined_rooms(self, req):
        with self.lock:
            return 200, {"joined_rooms": [rid for rid, r in self.rooms.items()
                                          if self._membership(r, req.user) == "join"]}

    # -- creating rooms ----------------------------------------------------

    def h_create_room(self, req):
        b = req.json()
        with self.lock:
            rid = self.create_room(req.user, b, f"{req.user}|{req.device}")
        return 200, {"room_id": rid}

    def create_room(self, creator, b, dev=None):
        version = str(b.get("room_version") or self.default_room_version)
        if version not in ROOM_VERSIONS:
            raise _bad(f"Your homeserver does not support the features required to "
                       f"interact with this room (room version {version})",
                       "M_UNSUPPORTED_ROOM_VERSION")
        alias = None
        if b.get("room_alias_name"):
            name = b["room_alias_name"]
            if not isinstance(name, str) or ":" in name or "#" in name or not name.strip():
                raise _bad("Invalid characters in room alias")
            alias = f"#{name}:{self.server_name}"
            if alias in self.aliases:
                raise _bad("Room alias already taken", "M_ROOM_IN_USE")
        preset = b.get("preset") or ("public_chat" if b.get("visibility") == "public"
                                     else "private_chat")
        if preset not in ("public_chat", "private_chat", "trusted_private_chat"):
            raise _bad(f"Unknown preset {preset!r}")
        invites = b.get("invite") or []
        for u in invites:
            if u not in self.users:
                raise _not_found(f"Unknown user {u}")
        rid = self._new_room_id()
        room = self.rooms[rid] = {"room_id": rid, "version": version, "creator": creator,
                                  "timeline": [], "state_ids": [], "typing": {},
                                  "typing_pos": 0, "receipts": {}}
        self._index_room(room)
        create = dict(b.get("creation_content") or {})
        create["room_version"] = version
        if version == "10":
            create["creator"] = creator
        self._append(room, "m.room.create", create, creator, "")
        self._append(room, "m.room.member", self._member_content(creator, "join"), creator,
                     creator)
        pl = _default_power_levels(creator)
        if preset == "trusted_private_chat":
            for u in invites:
                pl["users"][u] = 100
        pl.update(b.get("power_level_content_override") or {})
        self._append(room, "m.room.power_levels", pl, creator, "")
        if alias:
            self.aliases[alias] = rid
            self._append(room, "m.room.canonical_alias", {"alias": alias}, creator, "")
        self._append(room, "m.room.join_rules",
                     {"join_rule": "public" if preset == "public_chat" else "invite"},
                     creator, "")
        self._append(room, "m.room.history_visibility", {"history_visibility": "shared"},
                     creator, "")
        self._append(room, "m.room.guest_access",
                     {"guest_access": "forbidden" if preset == "public_chat" else "can_join"},
                     creator, "")
        for st in b.get("initial_state") or []:
            if isinstance(st, dict) and isinstance(st.get("type"), str):
                self._append(room, st["type"], st.get("content") or {}, creator,
                             st.get("state_key", ""))
        if isinstance(b.get("name"), str):
            self._append(room, "m.room.name", {"name": b["name"]}, creator, "")
        if isinstance(b.get("topic"), str):
            self._append(room, "m.room.topic", {"topic": b["topic"]}, creator, "")
        for u in invites:
            c = self._member_content(u, "invite")
            if b.get("is_direct"):
                c["is_direct"] = True
            self._append(room, "m.room.member", c, creator, u)
        return rid

    def _member_content(self, user, membership, reason=None):
        c = {"membership": membership}
        prof = self.users.get(user, {})
        if membership in ("join", "invite"):
            if prof.get("displayname"):
                c["displayname"] = prof["displayname"]
            if prof.get("avatar_url"):
                c["avatar_url"] = prof["avatar_url"]
        if reason:
            c["reason"] = reason
        return c

    # -- membership --------------------------------------------------------

    def change_membership(self, room, sender, target, membership, reason=None, extra=None):
        """Membership change with the spec's authorisation rules (simplified:
        no knocking, restricted rooms or third-party invites)."""
        cur = self._membership(room, target)
        lv = self._levels(room)
        smem = self._membership(room, sender)
        if membership == "join":
            if sender != target:
                raise _forbidden("Cannot force another user to join.")
            if cur == "ban":
                raise _forbidden("You are banned from this room")
            if cur == "join" and not extra:
                return self._state_event(room, "m.room.member", target)
            if self._join_rule(room) != "public" and cur not in ("invite", "join"):
                raise _forbidden("You are not invited to this room.")
        elif membership == "invite":
            if smem != "join":
                raise _forbidden(f"User {sender} not in room {room['room_id']}")
            if cur == "join":
                raise _forbidden(f"{target} is already in the room.")
            if cur == "ban":
                raise _forbidden(f"{target} is banned from the room")
            if lv.user(sender) < lv.action("invite"):
                raise _forbidden("You don't have permission to invite users")
            if target not in self.users:
                raise _not_found(f"Unknown user {target}")
            if cur == "invite":
                return self._state_event(room, "m.room.member", target)
        elif membership == "leave":
            if sender == target:
                if cur not in ("join", "invite", "knock"):
                    raise _forbidden(f"User {sender} not in room {room['room_id']}")
            else:
                if smem != "join":
                    raise _forbidden(f"User {sender} not in room {room['room_id']}")
                if cur == "ban":
                    if lv.user(sender) < lv.action("ban"):
                        raise _forbidden("You don't have permission to unban users")
                elif cur in ("join", "invite", "knock"):
                    if lv.user(sender) < lv.action("kick"):
                        raise _forbidden("You don't have permission to kick users")
                    if lv.user(target) >= lv.user(sender):
                        raise _forbidden("You cannot kick a user with a power level "
                                         "equal to or greater than your own")
                else:
                    raise _forbidden(f"The target user {target} is not in the room")
        elif membership == "ban":
            if smem != "join":
                raise _forbidden(f"User {sender} not in room {room['room_id']}")
            if lv.user(sender) < lv.action("ban"):
                raise _forbidden("You don't have permission to ban users")
            if lv.user(target) >= lv.user(sender):
                raise _forbidden("You cannot ban a user with a power level equal to or "
                                 "greater than your own")
        else:
            raise _bad(f"Unknown membership {membership!r}")
        content = self._member_content(target, membership, reason)
        if extra:
            content.update(extra)
            content["membership"] = membership
        return self._append(room, "m.room.member", content, sender, target)

    def _room_by_param(self, req, key="roomId"):
        rid = req.params[key]
        room = self.rooms.get(rid)
        if room is None:
            raise _forbidden(f"User {req.user} not in room {rid}")
        return room

    def h_join(self, req):
        b = req.json()
        with self.lock:
            target = req.params.get("roomIdOrAlias") or req.params["roomId"]
            rid = self._resolve_room(target)
            room = self.rooms.get(rid)
            if room is None:
                raise _not_found(f"No known servers for room {rid}")
            reason = b.get("reason") if isinstance(b.get("reason"), str) else None
            self.change_membership(room, req.user, req.user, "join", reason)
            return 200, {"room_id": rid}

    def h_leave(self, req):
        b = req.json()
        with self.lock:
            room = self._room_by_param(req)
            reason = b.get("reason") if isinstance(b.get("reason"), str) else None
            self.change_membership(room, req.user, req.user, "leave", reason)
        return 200, {}

    def h_forget(self, req):
        with self.lock:
            room = self._room_by_param(req)
            if self._membership(room, req.user) == "join":
                raise _bad("User is still in the room", "M_UNKNOWN")
        return 200, {}

    def _target(self, req):
        b = req.json(allow_empty=False)
        uid = b.get("user_id")
        if not isinstance(uid, str) or not uid.startswith("@"):
            raise _bad("Missing or invalid user_id", "M_MISSING_PARAM" if uid is None
                       else "M_INVALID_PARAM")
        reason = b.get("reason") if isinstance(b.get("reason"), str) else None
        return uid, reason

    def h_invite(self, req):
        uid, reason = self._target(req)
        with self.lock:
            self.change_membership(self._room_by_param(req), req.user, uid, "invite", reason)
        return 200, {}

    def h_kick(self, req):
        uid, reason = self._target(req)
        with self.lock:
            room = self._room_by_param(req)
            if self._membership(room, uid) not in ("join", "invite", "knock"):
                raise _forbidden(f"The target user {uid} is not in the room")
            self.change_membership(room, req.user, uid, "leave", reason)
        return 200, {}

    def h_ban(self, req):
        uid, reason = self._target(req)
        with self.lock:
            self.change_membership(self._room_by_param(req), req.user, uid, "ban", reason)
        return 200, {}

    def h_unban(self, req):
        uid, reason = self._target(req)
        with self.lock:
            room = self._room_by_param(req)
            if self._membership(room, uid) != "ban":
                raise _forbidden(f"The target user {uid} is not banned")
            self.change_membership(room, req.user, uid, "leave", reason)
        return 200, {}

    # -- directory ---------------------------------------------------------

    def _check_alias(self, alias, ours=False):
        if not alias.startswith("#") or ":" not in alias:
            raise _bad(f"Invalid room alias {alias!r}")
        if ours and alias.split(":", 1)[1] != self.server_name:
            raise _bad("Room alias must be on this server")

    def h_alias_get(self, req):
        alias = req.params["roomAlias"]
        self._check_alias(alias)
        with self.lock:
            rid = self.aliases.get(alias)
        if rid is None:
            raise _not_found(f"Room alias {alias} not found.")
        return 200, {"room_id": rid, "servers": [self.server_name]}

    def h_alias_put(self, req):
        alias = req.params["roomAlias"]
        self._check_alias(alias, ours=True)
        b = req.json(allow_empty=False)
        with self.lock:
            if alias in self.aliases:
                raise MatrixError(409, "M_UNKNOWN", f"Room alias {alias} already exists")
            self._room_for(req.user, b.get("room_id", ""))
            self.aliases[alias] = b["room_id"]
            self.dirty = True
        return 200, {}

    def h_alias_delete(self, req):
        alias = req.params["roomAlias"]
        self._check_alias(alias)
        with self.lock:
            rid = self.aliases.get(alias)
            if rid is None:
                raise _not_found(f"Room alias {alias} not found.")
            room = self.rooms[rid]
            lv = self._levels(room)
            if lv.user(req.user) < lv.event("m.room.canonical_alias", True):
                raise _forbidden("You don't have permission to delete the alias.")
            del self.aliases[alias]
            self.dirty = True
        return 200, {}

    # -- sending -----------------------------------------------------------

    @staticmethod
    def _txn_key(req):
        """Transaction ids are scoped to the device and the request path (the
        spec's rule for recognising a retransmission)."""
        return "|".join([req.user, req.device, req.route] +
                        [urllib.parse.quote(req.params[k], safe="") for k in sorted(req.params)])

    def h_send(self, req):
        content = req.json(allow_empty=False)
        etype = req.params["eventType"]
        key = self._txn_key(req)
        dev = f"{req.user}|{req.device}"
        with self.lock:
            if key in self.txns:
                return 200, {"event_id": self.txns[key]}
            room = self._room_for(req.user, req.params["roomId"])
            if etype == "m.room.redaction":
                target = content.get("redacts")
                if not isinstance(target, str):
                    raise _bad("m.room.redaction needs content.redacts", "M_BAD_JSON")
                rec = self._redact(room, req.user, target, content, dev, req.params["txnId"])
            else:
                lv = self._levels(room)
                need, have = lv.event(etype, False), lv.user(req.user)
                if have < need:
                    raise _forbidden(f"You don't have permission to post that to the room. "
                                     f"user_level ({have}) < send_level ({need})")
                rec = self._append(room, etype, content, req.user, dev=dev,
                                   txn=req.params["txnId"])
            self.txns[key] = rec["e"]["event_id"]
            return 200, {"event_id": rec["e"]["event_id"]}

    def _redact(self, room, sender, target_id, content, dev=None, txn=None):
        lv = self._levels(room)
        have = lv.user(sender)
        need = lv.event("m.room.redaction", False)
        if have < need:
            raise _forbidden(f"You don't have permission to redact events. "
                             f"user_level ({have}) < send_level ({need})")
        target = self.events.get(target_id)
        if target is not None and target["e"]["room_id"] == room["room_id"] and \
                target["e"]["sender"] != sender and have < lv.action("redact"):
            raise _forbidden("You don't have permission to redact events of other users")
        c = {k: v for k, v in content.items() if k != "redacts"}
        if self._room_version(room) == "11":
            c["redacts"] = target_id
        # v11 rooms carry `redacts` in content; like Synapse we copy it to the
        # top level as well, for clients written for older room versions.
        rec = self._append(room, "m.room.redaction", c, sender, dev=dev, txn=txn,
                           redacts=target_id)
        if target is not None and target["e"]["room_id"] == room["room_id"] and \
                not target.get("rb"):
            self._apply_redaction(room, target, rec["e"]["event_id"])
        return rec

    def h_redact(self, req):
        content = req.json()
        key = self._txn_key(req)
        with self.lock:
            if key in self.txns:
                return 200, {"event_id": self.txns[key]}
            room = self._room_for(req.user, req.params["roomId"])
            rec = self._redact(room, req.user, req.params["eventId"], content,
                               f"{req.user}|{req.device}", req.params["txnId"])
            self.txns[key] = rec["e"]["event_id"]
            return 200, {"event_id": rec["e"]["event_id"]}

    def h_state_put(self, req):
        content = req.json(allow_empty=False)
        with self.lock:
            room = self._room_by_param(req)
            rec = self.set_state(room, req.user, req.params["eventType"],
                                 req.params.get("stateKey", ""), content)
            return 200, {"event_id": rec["e"]["event_id"]}

    def set_state(self, room, sender, etype, skey, content, check=True):
        if etype == "m.room.member":
            m = content.get("membership")
            extra = {k: v for k, v in content.items() if k not in ("membership", "reason")}
            return self.change_membership(room, sender, skey, m, content.get("reason"), extra)
        if check:
            if self._membership(room, sender) != "join":
                raise _forbidden(f"User {sender} not in room {room['room_id']}")
            if skey.startswith("@") and skey != sender:
                raise _forbidden("You are not allowed to set others' state")
            lv = self._levels(room)
            need, have = lv.event(etype, True), lv.user(sender)
            if have < need:
                raise _forbidden(f"You don't have permission to post that to the room. "
                                 f"user_level ({have}) < send_level ({need})")
            if etype == "m.room.power_levels":
                old = self._state_event(room, "m.room.power_levels", "")
                self._check_power_change(lv, sender, old["e"]["content"] if old else None,
                                         content)
            if etype == "m.room.canonical_alias":
                for a in [content.get("alias")] + list(content.get("alt_aliases") or []):
                    if a is None:
                        continue
                    if not isinstance(a, str) or not a.startswith("#") or ":" not in a:
                        raise _bad(f"Invalid alias {a!r}")
                    if self.aliases.get(a) != room["room_id"]:
                        raise _bad(f"The alias {a!r} does not point to this room.",
                                   "M_BAD_ALIAS")
        return self._append(room, etype, content, sender, skey)

    @staticmethod
    def _check_power_change(lv, sender, old, new):
        """The power-level authorisation rules: nobody may set a level (or
        change a level) above their own, or change users at or above it."""
        for k in ("users_default", "events_default", "state_default", "ban", "redact",
                  "kick", "invite"):
            if k in new and not isinstance(new[k], int):
                raise _bad(f"power level {k} must be an integer", "M_BAD_JSON")
        for k in ("users", "events", "notifications"):
            if k in new and not isinstance(new[k], dict):
                raise _bad(f"power levels {k} must be an object", "M_BAD_JSON")
        for k in ("users", "events"):
            for name, v in (new.get(k) or {}).items():
                if not isinstance(v, int) or isinstance(v, bool):
                    raise _bad(f"power level {k}.{name} must be an integer", "M_BAD_JSON")
        if old is None:
            return
        me = lv.user(sender)
        for k in ("users_default", "events_default", "state_default", "ban", "redact", "kick",
                  "invite"):
            if k in old or k in new:
                o, n = old.get(k), new.get(k)
                if o != n and ((o is not None and _int(o) > me) or (n is not None and n > me)):
                    raise _forbidden(f"You don't have permission to change '{k}' "
                                     f"(your level is {me})")
        oe, ne = old.get("events") or {}, new.get("events") or {}
        for t in set(oe) | set(ne):
            o, n = oe.get(t), ne.get(t)
            if o != n and ((o is not None and _int(o) > me) or (n is not None and n > me)):
                raise _forbidden(f"You don't have permission to change the level of {t}")
        ou, nu = old.get("users") or {}, new.get("users") or {}
        for u in set(ou) | set(nu):
            o, n = ou.get(u), nu.get(u)
            if o == n:
                continue
            if u != sender and o is not None and _int(o) >= me:
                raise _forbidden(f"You don't have permission to change the level of {u}")
            if n is not None and n > me:
                raise _forbidden(f"You cannot give {u} a level above your own ({me})")

    # -- ephemeral and account data -----------------------------------------

    def h_typing(self, req):
        if req.params["userId"] != req.user:
            raise _forbidden("Cannot set typing for other users")
        b = req.json(allow_empty=False)
        if not isinstance(b.get("typing"), bool):
            raise _bad("Missing typing", "M_BAD_JSON")
        timeout = b.get("timeout", 30000) if isinstance(b.get("timeout"), int) else 30000
        with self.lock:
            room = self._room_for(req.user, req.params["roomId"])
            typing = room.setdefault("typing", {})
            was = req.user in typing
            if b["typing"]:
                typing[req.user] = _now_ms() + max(0, timeout)
            else:
                typing.pop(req.user, None)
            if was != (req.user in typing):
                self.pos += 1
                room["typing_pos"] = self.pos
                self._changed()
        return 200, {}

    def _expire_typing(self):
        now = _now_ms()
        with self.lock:
            for room in self.rooms.values():
                typing = room.get("typing") or {}
                gone = [u for u, exp in typing.items() if exp <= now]
                if gone:
                    for u in gone:
                        del typing[u]
                    self.pos += 1
                    room["typing_pos"] = self.pos
                    self._changed()

    def _receipt(self, room, user, rtype, event_id, thread_id=None):
        if rtype == "m.fully_read":
            self._put_room_account_data(user, room["room_id"], "m.fully_read",
                                        {"event_id": event_id})
            return
        self.pos += 1
        r = {"user": user, "type": rtype, "event_id": event_id, "ts": _now_ms(), "pos": self.pos}
        if thread_id:
            r["thread_id"] = thread_id
        room.setdefault("receipts", {})[f"{user}|{rtype}|{thread_id or ''}"] = r
        self._changed()

    def h_receipt(self, req):
        rtype = req.params["receiptType"]
        if rtype not in ("m.read", "m.read.private", "m.fully_read"):
            raise _bad("Receipt type must be m.read, m.read.private or m.fully_read")
        b = req.json()
        with self.lock:
            room = self._room_for(req.user, req.params["roomId"])
            rec = self.events.get(req.params["eventId"])
            if rec is None or rec["e"]["room_id"] != room["room_id"]:
                raise _not_found("Event not found.")
            self._receipt(room, req.user, rtype, req.params["eventId"],
                          b.get("thread_id") if isinstance(b.get("thread_id"), str) else None)
        return 200, {}

    def h_read_markers(self, req):
        b = req.json()
        with self.lock:
            room = self._room_for(req.user, req.params["roomId"])
            for rtype in ("m.fully_read", "m.read", "m.read.private"):
                if isinstance(b.get(rtype), str):
                    self._receipt(room, req.user, rtype, b[rtype])
        return 200, {}

    def _put_room_account_data(self, user, rid, etype, content):
        self.pos += 1
        self.room_account_data.setdefault(user, {}).setdefault(rid, {})[etype] = \
            {"content": content, "pos": self.pos}
        self._changed()

    def h_account_data_put(self, req):
        if req.params["userId"] != req.user:
            raise _forbidden("Cannot add account data for other users.")
        content = req.json(allow_empty=False)
        etype = req.params["type"]
        if etype in ("m.fully_read", "m.push_rules"):
            raise _bad(f"Cannot set {etype} through this API.", "M_BAD_JSON")
        with self.lock:
            if "roomId" in req.params:
                self._put_room_account_data(req.user, req.params["roomId"], etype, content)
            else:
                self.pos += 1
                self.account_data.setdefault(req.user, {})[etype] = \
                    {"content": content, "pos": self.pos}
                self._changed()
        return 200, {}

    def h_account_data_get(self, req):
        if req.params["userId"] != req.user:
            raise _forbidden("Cannot get account data for other users.")
        with self.lock:
            if "roomId" in req.params:
                store = self.room_account_data.get(req.user, {}).get(req.params["roomId"], {})
            else:
                store = self.account_data.get(req.user, {})
            v = store.get(req.params["type"])
        if v is None:
            raise _not_found("Account data not found")
        return 200, v["content"]

    # -- profile and presence -----------------------------------------------

    def h_profile_get(self, req):
        uid = req.params["userId"]
        field = req.params.get("field")
        with self.lock:
            u = self.users.get(uid)
            if u is None:
                raise _not_found("Profile was not found")
            prof = {k: u[k] for k in ("displayname", "avatar_url") if u.get(k)}
        if field is None:
            return 200, prof
        if field not in ("displayname", "avatar_url"):
            raise MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request")
        if field not in prof:
            raise _not_found("Profile field not found")
        return 200, {field: prof[field]}

    def h_profile_put(self, req):
        field = req.params["field"]
        if field not in ("displayname", "avatar_url"):
            raise MatrixError(404, "M_UNRECOGNIZED", "Unrecognized request")
        if req.params["userId"] != req.user:
            raise _forbidden("You cannot set another user's profile")
        b = req.json(allow_empty=False)
        v = b.get(field)
        if v is not None and not isinstance(v, str):
            raise _bad(f"{field} must be a string", "M_BAD_JSON")
        with self.lock:
            self.users[req.user][field] = v
            self.dirty = True
            # Like Synapse: a new m.room.member event in each joined room.
            for room in self.rooms.values():
                if self._membership(room, req.user) == "join":
                    self._append(room, "m.room.member",
                                 self._member_content(req.user, "join"), req.user, req.user)
        return 200, {}

    def h_presence_get(self, req):
        with self.lock:
            p = self.presence.get(req.params["userId"])
            if req.params["userId"] not in self.users:
                raise _not_found("Unknown user")
            if p is None:
                return 200, {"presence": "offline"}
            out = {"presence": p["presence"],
                   "last_active_ago": max(0, _now_ms() - p["last_active"]),
                   "currently_active": p["presence"] == "online"}
            if p.get("status_msg"):
                out["status_msg"] = p["status_msg"]
            return 200, out

    def h_presence_put(self, req):
        if req.params["userId"] != req.user:
            raise _forbidden("Cannot set presence for other users")
        b = req.json(allow_empty=False)
        if b.get("presence") not in ("online", "offline", "unavailable"):
            raise _bad("presence must be online, offline or unavailable", "M_BAD_JSON")
        with self.lock:
            self.pos += 1
            self.presence[req.user] = {"presence": b["presence"], "last_active": _now_ms(),
                                       "pos": self.pos, "status_msg": b.get("status_msg")}
            self._changed()
        return 200, {}

    # -- harness (admin) API -----------------------------------------------

    def _admin(self, method, raw_path, headers, body):
        if headers.get("Authorization") != f"Bearer {self.admin_token}":
            raise _forbidden("matrixnet admin token required")
        if method != "POST":
            raise MatrixError(405, "M_UNRECOGNIZED", "Unrecognized request")
        op = raw_path[len("/_matrixnet/v1/"):]
        try:
            args = json.loads(body.decode("utf-8") or "{}")
        except ValueError:
            raise _bad("Content not JSON.", "M_NOT_JSON") from None
        fn = getattr(self, "admin_" + op, None)
        if fn is None or not re.fullmatch(r"[a-z_]+", op):
            raise MatrixError(404, "M_UNRECOGNIZED", f"unknown admin op {op!r}")
        return 200, fn(**args), {}

    def admin_register(self, user, password, displayname=None):
        return self.register(user, password, displayname)

    def admin_account(self, user):
        with self.lock:
            uid = self._user_id(user)
            if uid not in self.users:
                raise _not_found(f"No such user {uid}")
            return {"user_id": uid, "harness_token": self._harness_token(uid)}

    def admin_force_state(self, room, type, content, state_key="", sender=None):
        with self.lock:
            r = self.rooms.get(room)
            if r is None:
                raise _not_found(f"No such room {room}")
            rec = self._append(r, type, content, sender or r["creator"], state_key)
            return {"event_id": rec["e"]["event_id"]}

    def admin_set_power(self, room, user, level):
        with self.lock:
            r = self.rooms.get(room)
            if r is None:
                raise _not_found(f"No such room {room}")
            old = self._state_event(r, "m.room.power_levels", "")
            pl = json.loads(json.dumps(old["e"]["content"])) if old else \
                _default_power_levels(r["creator"])
            users = pl.setdefault("users", {})
            if level is None:
                users.pop(user, None)
            else:
                users[user] = level
            rec = self._append(r, "m.room.power_levels", pl, r["creator"], "")
            return {"event_id": rec["e"]["event_id"]}

    def admin_dump(self, room):
        with self.lock:
            r = self.rooms.get(room)
            if r is None:
                raise _not_found(f"No such room {room}")
            now = _now_ms()
            events = [self._client_event(self.events[e], None, True, now) for e in r["timeline"]]
            state = {}
            for (t, k), eid in r["_cur"].items():
                state.setdefault(t, {})[k] = self.events[eid]["e"]["content"]
            members = {k: self.events[eid]["e"]["content"].get("membership")
                       for (t, k), eid in r["_cur"].items() if t == "m.room.member"}
            return {"room_id": room, "version": self._room_version(r), "events": events,
                    "state": state, "members": members,
                    "aliases": sorted(a for a, rid in self.aliases.items() if rid == room)}

    def admin_resolve(self, alias):
        with self.lock:
            rid = self.aliases.get(alias)
        if rid is None:
            raise _not_found(f"Room alias {alias} not found.")
        return {"room_id": rid}

    def admin_inject(self, prefix, count=1, status=429, errcode="M_LIMIT_EXCEEDED",
                     error="Too Many Requests", retry_after_ms=None, method=None):
        with self.lock:
            self.settings["injections"].append(
                {"prefix": prefix, "count": int(count), "status": int(status),
                 "errcode": errcode, "error": error, "retry_after_ms": retry_after_ms,
                 "method": method})
            self.dirty = True
            return {"injections": self.settings["injections"]}

    def admin_clear_injections(self):
        with self.lock:
            self.settings["injections"] = []
            self.dirty = True
            return {}

    def admin_settings(self, **kw):
        with self.lock:
            for k, v in kw.items():
                if k not in ("timeline_limit", "chunked", "sync_extras"):
                    raise _bad(f"unknown setting {k}")
                self.settings[k] = v
            self.dirty = True
            return dict(self.settings)

    def admin_flush(self):
        self.flush(force=True)
        return {}

    def admin_status(self):
        with self.lock:
            return {"pos": self.pos, "rooms": len(self.rooms), "users": len(self.users),
                    "events": len(self.events), "pid": os.getpid()}


# --------------------------------------------------------------------------
# HTTP
# --------------------------------------------------------------------------

class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "matrixnet/1"
    sys_version = ""
    timeout = 600                      # idle keep-alive connections
    core = None                        # set on the subclass

    def setup(self):
        self.request.settimeout(30)
        # Chunks go out as separate writes (clients must reassemble them);
        # without NODELAY, Nagle + delayed ACK would stall each response 40 ms.
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()
        with self.core.lock:
            self.core.conn_seq += 1
            self.conn_id = self.core.conn_seq

    def log_message(self, format, *args):        # the request log has it all
        pass

    def version_string(self):
        return self.server_version

    def do_GET(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def do_OPTIONS(self):
        self._dispatch("OPTIONS")

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            body = b""
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return body
                body += self.rfile.read(size)
                self.rfile.readline(8)
                if len(body) > MAX_BODY:
                    raise MatrixError(413, "M_TOO_LARGE", "Request too large")
        n = int(self.headers.get("Content-Length") or 0)
        if n > MAX_BODY:
            raise MatrixError(413, "M_TOO_LARGE", "Request too large")
        return self.rfile.read(n) if n else b""

    def _dispatch(self, method):
        core = self.core
        t0 = time.time()
        raw, _, qs = self.path.partition("?")
        harness = bool(core.admin_token) and \
            self.headers.get(HARNESS_HEADER) == core.admin_token
        entry = {"t": round(t0, 4), "method": method, "path": raw,
                 "query": {k: v[0] for k, v in
                           urllib.parse.parse_qs(qs, keep_blank_values=True).items()
                           if k != "access_token"},
                 "endpoint": None, "user": None, "harness": harness,
                 "tls": isinstance(self.request, ssl.SSLSocket), "conn": self.conn_id}
        try:
            body = self._read_body()
        except MatrixError as e:
            status, obj, headers = e.status, e.body(), {}
            self.close_connection = True
        except (ValueError, OSError):
            self.close_connection = True
            return
        else:
            status, obj, headers = core.handle(method, raw, qs, self.headers, body, harness,
                                               entry)
        entry["status"] = status
        if status >= 400 and isinstance(obj, dict):
            entry["errcode"] = obj.get("errcode")
            if "retry_after_ms" in obj:
                entry["retry_after_ms"] = obj["retry_after_ms"]
        if core.stopping:                # shutting down: drop it, as a real restart does
            self.close_connection = True
            return
        if not raw.startswith("/_matrixnet/"):
            # Logged before the answer goes out: once a client has its
            # response, request_log() has the line.
            entry["done"] = round(time.time(), 4)
            core.log_request(entry)
        try:
            self._send_json(status, obj, headers)
        except (OSError, ssl.SSLError):
            self.close_connection = True

    def _send_json(self, status, obj, headers):
        body = json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-cache, no-store, must-revalidate")
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, POST, PUT, DELETE, OPTIONS")
        self.send_header("Access-Control-Allow-Headers",
                         "X-Requested-With, Content-Type, Authorization, Date")
        for k, v in headers.items():
            self.send_header(k, v)
        # HTTP/1.0 has no chunked encoding: those clients get Content-Length.
        if self.core.settings.get("chunked", True) and self.request_version == "HTTP/1.1":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            out, i, n = [], 0, 0
            while i < len(body):
                size = CHUNK_SIZES[min(n, len(CHUNK_SIZES) - 1)]
                piece = body[i:i + size]
                out.append(b"%x\r\n%s\r\n" % (len(piece), piece))
                i += size
                n += 1
            out.append(b"0\r\n\r\n")
            for part in out:
                self.wfile.write(part)
        else:
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)


class _HTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def server_bind(self):
        socketserver.TCPServer.server_bind(self)     # no getfqdn(): it may hit DNS
        self.server_name, self.server_port = self.server_address[:2]

    def handle_error(self, request, client_address):
        e = sys.exc_info()[1]
        if isinstance(e, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return                      # clients going away, bad handshakes: normal
        print(f"matrixnet: error serving {client_address}: {e!r}", file=sys.stderr, flush=True)


def _bind(port, handler, ctx, deadline):
    """Listen on HOST:port (0 = any free port), retrying while the port is
    taken (a restart on the same port)."""
    while True:
        try:
            srv = _HTTPServer((HOST, port), handler)
            break
        except OSError as e:
            if port == 0 or time.monotonic() > deadline:
                raise
            if e.errno not in (98, 99):       # EADDRINUSE, EADDRNOTAVAIL
                raise
            time.sleep(0.05)
    if ctx is not None:
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    return srv


def serve(dir):
    """Run the homeserver in DIR in the foreground until SIGTERM/SIGINT."""
    dir = os.path.abspath(dir)
    with open(os.path.join(dir, "config.json")) as f:
        cfg = json.load(f)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    core = _Core(dir, cfg)
    handler = type("Handler", (_Handler,), {"core": core})
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(os.path.join(dir, "tls", "server.pem"),
                        os.path.join(dir, "tls", "server.key"))
    deadline = time.monotonic() + cfg.get("bind_timeout", 20)
    servers = [_bind(cfg.get("port") or 0, handler, ctx, deadline)]
    if cfg.get("http_port") is not None:
        servers.append(_bind(cfg["http_port"] or 0, handler, None, deadline))
    cfg["port"] = servers[0].server_address[1]
    if len(servers) > 1:
        cfg["http_port"] = servers[1].server_address[1]
    cfg["url"] = f"https://{HOST}:{cfg['port']}"
    core.cfg = cfg
    _write_json(os.path.join(dir, "config.json"), cfg)
    os.chmod(os.path.join(dir, "config.json"), 0o600)      # it holds the admin token
    core.flush(force=True)
    threads = [threading.Thread(target=s.serve_forever, kwargs={"poll_interval": 0.05},
                                daemon=True) for s in servers]
    threads.append(threading.Thread(target=core.background, daemon=True))
    for t in threads:
        t.start()
    _write_json(os.path.join(dir, "run", "ready.json"),
                {"pid": os.getpid(), "port": cfg["port"], "http_port": cfg.get("http_port")})
    print(f"matrixnet: pid {os.getpid()} serving https://{HOST}:{cfg['port']}"
          + (f" and http://{HOST}:{cfg['http_port']}" if len(servers) > 1 else ""),
          file=sys.stderr, flush=True)
    sig = signal.sigwait({signal.SIGTERM, signal.SIGINT})
    core.stopping = True
    for s in servers:
        s.socket.close()              # refuse new connections at once
    # Long-polling /syncs are not woken: their connections just drop at exit.
    core.flush(force=True)
    print(f"matrixnet: pid {os.getpid()} stopped by signal {sig}, state saved",
          file=sys.stderr, flush=True)
    sys.stderr.flush()
    os._exit(0)                        # open connections just drop, as in a real restart


def _write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


# ==========================================================================
# Harness side: start/stop the server process, drive it for tests
# ==========================================================================

def _start_time(pid):
    """The process's start time (clock ticks since boot), or None when gone or
    a zombie; pid + start time names a process that pid reuse cannot fool."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]


def _make_certs(tls_dir):
    """A throwaway CA and a server certificate for localhost + 127.0.0.1, with
    the extensions strict X.509 verifiers (Python 3.13+) want (as ircnet)."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3650"]
    steps = [
        ["openssl", "req", "-x509", *ec, "-subj", "/CN=rounds matrixnet test CA",
         "-keyout", "ca.key", "-out", "ca.pem",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", "-x509", "-CA", "ca.pem", "-CAkey", "ca.key", *ec,
         "-subj", f"/CN={TLS_NAME}", "-keyout", "server.key", "-out", "server.pem",
         "-addext", f"subjectAltName=DNS:{TLS_NAME},IP:{HOST}",
         "-addext", "basicConstraints=critical,CA:FALSE",
         "-addext", "extendedKeyUsage=serverAuth",
         "-addext", "keyUsage=critical,digitalSignature"],
    ]
    for argv in steps:
        res = subprocess.run(argv, cwd=tls_dir, stdin=subprocess.DEVNULL, capture_output=True,
                             text=True)
        if res.returncode:
            raise HomeserverError(f"openssl failed: {' '.join(argv)}\n{res.stderr}")
    os.unlink(os.path.join(tls_dir, "ca.key"))      # nothing else will ever be signed


_ENV_KEYS = ("MATRIXNET_DIR", "MATRIXNET_URL", "MATRIXNET_HTTP_URL", "MATRIXNET_HOST",
             "MATRIXNET_PORT", "MATRIXNET_HTTP_PORT", "MATRIXNET_CA_FILE", "MATRIXNET_TLS_NAME",
             "MATRIXNET_SERVER_NAME", "MATRIXNET_PID", "MATRIXNET_ADMIN_TOKEN")

_live = set()
_live_lock = threading.Lock()


@atexit.register
def _stop_leftovers():
    with _live_lock:
        servers = list(_live)
    for hs in servers:
        try:
            hs.stop()
        except Exception:
            pass


def _q(s):
    return urllib.parse.quote(s, safe="")


class Homeserver:
    """A homeserver process serving DIR (state in DIR/state.json, TLS in
    DIR/tls, logs in DIR/logs, pid in DIR/run).

    Attributes once started: url (https://127.0.0.1:PORT), http_url (or
    None), host, port, http_port, ca_file, tls_name, server_name, pid,
    admin_token, dir."""

    def __init__(self, dir, *, server_name=SERVER_NAME, http=True, chunked=True,
                 timeline_limit=None, sync_extras=True, room_version=DEFAULT_ROOM_VERSION,
                 timeout=15.0):
        self.dir = os.path.abspath(dir)
        self.server_name = server_name
        self.http = http
        self.chunked = chunked
        self.timeline_limit = timeline_limit
        self.sync_extras = sync_extras
        self.room_version = room_version
        self.timeout = timeout
        self.host = HOST
        self.tls_name = TLS_NAME
        self.port = self.http_port = None
        self.admin_token = None
        self.ca_file = os.path.join(self.dir, "tls", "ca.pem")
        self.start_seconds = None
        self._harness_tokens = {}
        self._ctx = None
        self._popen = None

    # -- process control ---------------------------------------------------

    def __enter__(self):
        if self.port is None or not self.pid:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<matrixnet.Homeserver {self.dir} url={self.url}>"

    @property
    def url(self):
        return f"https://{self.host}:{self.port}" if self.port else None

    @property
    def http_url(self):
        return f"http://{self.host}:{self.http_port}" if self.http_port else None

    def _path(self, *parts):
        return os.path.join(self.dir, *parts)

    @property
    def pid(self):
        try:
            with open(self._path("run", "matrixnet.pid")) as f:
                pid, start = f.read().split()
            pid = int(pid)
        except (OSError, ValueError):
            return None
        return pid if _start_time(pid) == start else None

    @classmethod
    def attach(cls, dir):
        """A Homeserver for one already running in `dir` (e.g. started by
        the CLI); everything works on it, stop() and restart() included."""
        dir = os.path.abspath(dir)
        try:
            with open(os.path.join(dir, "config.json")) as f:
                cfg = json.load(f)
        except (OSError, ValueError) as e:
            raise HomeserverError(f"no homeserver in {dir}: {e}") from None
        hs = cls(dir, server_name=cfg["server_name"], http=cfg.get("http_port") is not None)
        hs.port, hs.http_port = cfg["port"], cfg.get("http_port")
        hs.admin_token = cfg["admin_token"]
        if not hs.pid:
            raise HomeserverError(f"the homeserver in {dir} is not running "
                                  f"(see {dir}/logs/matrixnet.out)")
        return hs

    def start(self):
        """Start the server process and return once it answers over TLS
        (verified against ca_file).  Keeps DIR/state.json if there is one (so
        start() after stop() continues where it was, on the same ports)."""
        t0 = time.monotonic()
        for sub in ("tls", "logs", "run"):
            os.makedirs(self._path(sub), exist_ok=True)
        if self.pid:
            raise HomeserverError(f"a homeserver is already running in {self.dir}; stop it "
                                  f"first (matrixnet.py down {self.dir})")
        if not (os.path.exists(self.ca_file) and os.path.exists(self._path("tls", "server.pem"))):
            _make_certs(self._path("tls"))
        self._ctx = None
        cfg = {}
        try:
            with open(self._path("config.json")) as f:
                cfg = json.load(f)
        except (OSError, ValueError):
            pass
        if cfg.get("server_name", self.server_name) != self.server_name and \
                os.path.exists(self._path("state.json")):
            raise HomeserverError(f"{self.dir} holds the state of server "
                                  f"{cfg['server_name']}, not {self.server_name}")
        self.admin_token = cfg.get("admin_token") or secrets.token_urlsafe(24)
        cfg.update({"server_name": self.server_name, "admin_token": self.admin_token,
                    "port": self.port or 0,
                    "http_port": (self.http_port or 0) if self.http else None,
                    "room_version": self.room_version})
        _write_json(self._path("config.json"), cfg)
        os.chmod(self._path("config.json"), 0o600)
        with _live_lock:
            _live.add(self)
        try:
            self._launch(t0 + self.timeout)
            self._admin("settings", chunked=self.chunked, sync_extras=self.sync_extras,
                        timeline_limit=self.timeline_limit)
        except BaseException as e:
            tails = self.log_tails()
            self.stop()
            if isinstance(e, HomeserverError):
                raise HomeserverError(f"{e}\n{tails}") from None
            raise
        self.start_seconds = time.monotonic() - t0
        self._write_env()
        return self

    def _launch(self, deadline):
        ready = self._path("run", "ready.json")
        try:
            os.unlink(ready)
        except FileNotFoundError:
            pass
        with open(self._path("logs", "matrixnet.out"), "ab") as out:
            self._popen = subprocess.Popen(
                [PYTHON, os.path.abspath(__file__), "serve", self.dir], cwd=self.dir,
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True)
        pid = self._popen.pid
        with open(self._path("run", "matrixnet.pid"), "w") as f:
            f.write(f"{pid} {_start_time(pid) or 0}\n")
        while True:
            try:
                with open(ready) as f:
                    info = json.load(f)
                if info.get("pid") == pid:
                    break
            except (OSError, ValueError):
                pass
            if self._popen.poll() is not None:
                raise HomeserverError(f"the homeserver (pid {pid}) exited during start-up")
            if time.monotonic() > deadline:
                raise HomeserverError(f"the homeserver did not start within {self.timeout:g}s")
            time.sleep(0.01)
        self.port, self.http_port = info["port"], info.get("http_port")
        status, _, body = self._http("GET", "/_matrix/client/versions", harness=True)
        if status != 200 or "versions" not in body:
            raise HomeserverError(f"GET /_matrix/client/versions answered {status} {body}")

    def stop(self, kill=False):
        """SIGTERM (the server saves its state and drops all connections),
        SIGKILL after 5 s — or at once with kill=True, losing up to the last
        50 ms of changes, like a crash.  Safe to call twice."""
        pid = self.pid
        if pid:
            try:
                os.kill(pid, signal.SIGKILL if kill else signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 5
            while self.pid and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.01)
            if self.pid:
                os.kill(pid, signal.SIGKILL)
                while self.pid:
                    self._reap()
                    time.sleep(0.01)
        self._reap(wait=True)
        try:
            os.unlink(self._path("run", "matrixnet.pid"))
        except FileNotFoundError:
            pass
        with _live_lock:
            _live.discard(self)

    def _reap(self, wait=False):
        if self._popen is not None:
            try:
                if wait:
                    self._popen.wait(5)
                if self._popen.poll() is not None:
                    self._popen = None
            except subprocess.TimeoutExpired:
                pass

    def restart(self, downtime=0.0, kill=False):
        """Stop the server process and start a new one on the same ports with
        the saved state: since-tokens, access tokens, transaction ids, rooms
        all survive; open connections (a long-polling /sync) are dropped.
        `downtime`: seconds to stay down in between.  Returns seconds taken."""
        t0 = time.monotonic()
        self.stop(kill=kill)
        if downtime:
            time.sleep(downtime)
        with _live_lock:
            _live.add(self)
        try:
            self._launch(time.monotonic() + self.timeout)
        except HomeserverError as e:
            raise HomeserverError(f"{e}\n{self.log_tails()}") from None
        self._write_env()
        return time.monotonic() - t0

    def env(self):
        return {"MATRIXNET_DIR": self.dir, "MATRIXNET_URL": self.url or "",
                "MATRIXNET_HTTP_URL": self.http_url or "", "MATRIXNET_HOST": self.host,
                "MATRIXNET_PORT": str(self.port or ""),
                "MATRIXNET_HTTP_PORT": str(self.http_port or ""),
                "MATRIXNET_CA_FILE": self.ca_file, "MATRIXNET_TLS_NAME": self.tls_name,
                "MATRIXNET_SERVER_NAME": self.server_name,
                "MATRIXNET_PID": str(self.pid or ""),
                "MATRIXNET_ADMIN_TOKEN": self.admin_token or ""}

    def _write_env(self):
        env = self.env()
        with open(self._path("matrixnet.env"), "w") as f:
            f.write(_shell_env(env))
        _write_json(self._path("matrixnet.json"), dict(env, start_seconds=self.start_seconds))

    def log_tails(self, lines=25):
        out = []
        for name in ("matrixnet.out",):
            try:
                with open(self._path("logs", name), errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
            except OSError:
                continue
            if tail:
                out.append(f"--- {self._path('logs', name)} (last {len(tail)} lines) ---")
                out.extend(tail)
        return "\n".join(out)

    # -- HTTP plumbing -----------------------------------------------------

    def ssl_context(self):
        """An SSLContext trusting only this server's CA."""
        if self._ctx is None:
            self._ctx = ssl.create_default_context(cafile=self.ca_file)
        return self._ctx

    def _http(self, method, path, body=None, token=None, query=None, harness=True,
              timeout=None):
        if query:
            path += "?" + urllib.parse.urlencode(query)
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if harness and self.admin_token:
            headers[HARNESS_HEADER] = self.admin_token
        conn = http.client.HTTPSConnection(self.host, self.port, context=self.ssl_context(),
                                           timeout=timeout or self.timeout)
        try:
            conn.request(method, path, body=data, headers=headers)
            resp = conn.getresponse()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
        except (OSError, http.client.HTTPException) as e:
            raise HomeserverError(f"{method} {path}: {e!r}") from None
        finally:
            conn.close()
        try:
            obj = json.loads(raw) if raw else None
        except ValueError:
            obj = {"error": raw[:200].decode(errors="replace")}
        return resp.status, hdrs, obj

    def _admin(self, op, **args):
        status, _, body = self._http("POST", f"/_matrixnet/v1/{op}", args, self.admin_token,
                                     harness=True)
        if status != 200:
            raise MatrixCallError("POST", f"/_matrixnet/v1/{op}", status, body)
        return body

    def user_id(self, user):
        """'alice', '@alice:server' or an Account → '@alice:server'."""
        if isinstance(user, Account):
            return user.user_id
        return user if user.startswith("@") else f"@{user}:{self.server_name}"

    def _token(self, user, refresh=False):
        uid = self.user_id(user)
        if refresh or uid not in self._harness_tokens:
            self._harness_tokens[uid] = self._admin("account", user=uid)["harness_token"]
        return self._harness_tokens[uid]

    def api(self, user, method, path, body=None, query=None, harness=True, check=True,
            timeout=None):
        """A client-server call as `user` (through the harness's own device
        for that user; not in request_log unless harness=False).  `path` is
        relative to /_matrix/client/v3 unless it starts with /_matrix.
        Returns the JSON body; raises MatrixCallError on an error status
        unless check=False (then returns (status, body)).  timeout: seconds
        (default self.timeout; give more for a long-polling /sync)."""
        full = path if path.startswith("/_matrix") else "/_matrix/client/v3" + path
        for attempt in (0, 1):
            status, _, obj = self._http(method, full, body, self._token(user, attempt == 1),
                                        query, harness, timeout)
            if status == 401 and attempt == 0 and isinstance(obj, dict) and \
                    obj.get("errcode") == "M_UNKNOWN_TOKEN":
                continue                # the test logged that device out: get a new one
            break
        if not check:
            return status, obj
        if status >= 400:
            raise MatrixCallError(method, full, status, obj)
        return obj

    # -- accounts ----------------------------------------------------------

    def register(self, user, password, displayname=None):
        """Create user `user` (a localpart, or @localpart:server) with a
        password; returns Account(user_id, access_token) for a new device
        (give that token to the bot, or let it /login).  Idempotent with the
        same password (a new device and token each time)."""
        r = self._admin("register", user=user, password=password, displayname=displayname)
        self._harness_tokens[r["user_id"]] = r["harness_token"]
        return Account(r["user_id"], r["access_token"])

    def login(self, user, password, device_id=None):
        """POST /login (m.login.password) as a client would; returns Account."""
        body = {"type": "m.login.password",
                "identifier": {"type": "m.id.user", "user": self.user_id(user)},
                "password": password}
        if device_id:
            body["device_id"] = device_id
        status, _, obj = self._http("POST", "/_matrix/client/v3/login", body)
        if status != 200:
            raise MatrixCallError("POST", "/_matrix/client/v3/login", status, obj)
        return Account(obj["user_id"], obj["access_token"])

    # -- rooms -------------------------------------------------------------

    def room_id(self, room):
        """A room id for a room id or alias ('#chat:server' or 'chat')."""
        if room.startswith("!"):
            return room
        alias = room if room.startswith("#") else f"#{room}:{self.server_name}"
        return self._admin("resolve", alias=alias)["room_id"]

    def create_room(self, creator, alias=None, name=None, encrypted=False, power_levels=None,
                    *, topic=None, join_rule="public", invite=(), room_version=None,
                    initial_state=()):
        """POST /createRoom as `creator`; returns the room id.  alias: 'chat'
        or '#chat:server'.  power_levels: keys to override in the default
        m.room.power_levels content (creator 100, state_default 50,
        events_default 0, kick/ban/redact 50, invite 0).  join_rule 'public'
        (anyone may join) or 'invite'.  encrypted: an m.room.encryption state
        event (the fixture does not encrypt anything)."""
        body = {"preset": "public_chat" if join_rule == "public" else "private_chat"}
        if alias:
            body["room_alias_name"] = alias[1:].split(":", 1)[0] if alias.startswith("#") \
                else alias
        if name is not None:
            body["name"] = name
        if topic is not None:
            body["topic"] = topic
        if power_levels:
            pl = dict(power_levels)
            if "users" in pl:          # keep the creator's 100 unless overridden too
                pl["users"] = {self.user_id(u): v for u, v in pl["users"].items()}
                pl["users"].setdefault(self.user_id(creator), 100)
            body["power_level_content_override"] = pl
        if invite:
            body["invite"] = [self.user_id(u) for u in invite]
        if room_version:
            body["room_version"] = str(room_version)
        elif self.room_version:
            body["room_version"] = str(self.room_version)
        st = list(initial_state)
        if encrypted:
            st.append({"type": "m.room.encryption", "state_key": "",
                       "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
        if st:
            body["initial_state"] = st
        return self.api(creator, "POST", "/createRoom", body)["room_id"]

    def join(self, user, room):
        """POST /join/{roomIdOrAlias} (room: id, '#alias:server' or 'alias');
        returns the room id."""
        if not room.startswith(("!", "#")):
            room = f"#{room}:{self.server_name}"
        return self.api(user, "POST", f"/join/{_q(room)}", {})["room_id"]

    def leave(self, user, room, reason=None):
        self.api(user, "POST", f"/rooms/{_q(self.room_id(room))}/leave",
                 {"reason": reason} if reason else {})

    def invite(self, inviter, room, invitee, reason=None):
        body = {"user_id": self.user_id(invitee)}
        if reason:
            body["reason"] = reason
        self.api(inviter, "POST", f"/rooms/{_q(self.room_id(room))}/invite", body)

    def _moderate(self, action, by, room, target, reason):
        body = {"user_id": self.user_id(target)}
        if reason:
            body["reason"] = reason
        self.api(by, "POST", f"/rooms/{_q(self.room_id(room))}/{action}", body)

    def kick(self, by, room, target, reason=None):
        self._moderate("kick", by, room, target, reason)

    def ban(self, by, room, target, reason=None):
        self._moderate("ban", by, room, target, reason)

    def unban(self, by, room, target, reason=None):
        self._moderate("unban", by, room, target, reason)

    def send_event(self, user, room, event_type, content, txn_id=None):
        """PUT /rooms/{room}/send/{type}/{txn}; returns the event id."""
        txn_id = txn_id or "mnet" + secrets.token_hex(8)
        return self.api(user, "PUT", f"/rooms/{_q(self.room_id(room))}/send/{_q(event_type)}/"
                        f"{_q(txn_id)}", content)["event_id"]

    def send(self, user, room, body, msgtype="m.text", reply_to=None, thread=None,
             formatted=None, *, mentions=None, extra=None, txn_id=None, reply_fallback=False):
        """An m.room.message (m.text / m.notice / m.emote ...); returns its id.
        reply_to: event id → m.relates_to.m.in_reply_to.  thread: thread root
        event id → rel_type m.thread (with the reply fallback to reply_to or
        the root).  formatted: HTML → format/formatted_body.  mentions: user
        ids → m.mentions.  reply_fallback: prefix the body with the quoted
        original, as older clients do.  extra: more content keys."""
        content = {"msgtype": msgtype, "body": body}
        if formatted is not None:
            content["format"] = "org.matrix.custom.html"
            content["formatted_body"] = formatted
        if reply_to and reply_fallback:
            orig = self.api(user, "GET", f"/rooms/{_q(self.room_id(room))}/event/{_q(reply_to)}")
            quoted = "\n".join("> " + ln for ln in
                               f"<{orig['sender']}> {orig['content'].get('body', '')}".split("\n"))
            content["body"] = f"{quoted}\n\n{body}"
        if thread:
            content["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread,
                                       "is_falling_back": reply_to is None,
                                       "m.in_reply_to": {"event_id": reply_to or thread}}
        elif reply_to:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": reply_to}}
        if mentions is not None:
            content["m.mentions"] = {"user_ids": [self.user_id(u) for u in mentions]}
        if extra:
            content.update(extra)
        return self.send_event(user, room, "m.room.message", content, txn_id)

    def edit(self, user, room, event_id, new_body, msgtype="m.text", formatted=None):
        """An edit (rel_type m.replace with m.new_content); returns its id."""
        new = {"msgtype": msgtype, "body": new_body}
        content = {"msgtype": msgtype, "body": "* " + new_body}
        if formatted is not None:
            new.update(format="org.matrix.custom.html", formatted_body=formatted)
            content.update(format="org.matrix.custom.html", formatted_body="* " + formatted)
        content["m.new_content"] = new
        content["m.relates_to"] = {"rel_type": "m.replace", "event_id": event_id}
        return self.send_event(user, room, "m.room.message", content)

    def react(self, user, room, event_id, key):
        """An m.reaction (rel_type m.annotation, key); returns its id."""
        return self.send_event(user, room, "m.reaction", {"m.relates_to": {
            "rel_type": "m.annotation", "event_id": event_id, "key": key}})

    def redact(self, user, room, event_id, reason=None, txn_id=None):
        """PUT /rooms/{room}/redact/{event}/{txn}; returns the redaction's id."""
        txn_id = txn_id or "mnet" + secrets.token_hex(8)
        return self.api(user, "PUT", f"/rooms/{_q(self.room_id(room))}/redact/{_q(event_id)}/"
                        f"{_q(txn_id)}", {"reason": reason} if reason else {})["event_id"]

    def typing(self, user, room, typing=True, timeout_ms=30000):
        uid = self.user_id(user)
        self.api(user, "PUT", f"/rooms/{_q(self.room_id(room))}/typing/{_q(uid)}",
                 {"typing": typing, "timeout": timeout_ms} if typing else {"typing": False})

    def set_state(self, user, room, event_type, content, state_key=""):
        """PUT a state event as `user` (power levels enforced); returns its id."""
        return self.api(user, "PUT", f"/rooms/{_q(self.room_id(room))}/state/{_q(event_type)}/"
                        f"{_q(state_key)}", content)["event_id"]

    def force_state(self, room, event_type, content, state_key="", sender=None):
        """Set a state event without any authorisation check (as the room's
        creator unless `sender`); returns its id."""
        return self._admin("force_state", room=self.room_id(room), type=event_type,
                           content=content, state_key=state_key,
                           sender=self.user_id(sender) if sender else None)["event_id"]

    def set_power(self, room, user, level, by=None):
        """Set `user`'s power level in `room` (None removes the entry, back to
        users_default; a level below events_default mutes).  Without `by`
        the room's creator does it with no checks; with `by`, that user does
        it through the client API, power-level rules enforced."""
        rid = self.room_id(room)
        uid = self.user_id(user)
        if by is None:
            return self._admin("set_power", room=rid, user=uid, level=level)["event_id"]
        pl = self.api(by, "GET", f"/rooms/{_q(rid)}/state/m.room.power_levels/")
        users = pl.setdefault("users", {})
        if level is None:
            users.pop(uid, None)
        else:
            users[uid] = level
        return self.set_state(by, rid, "m.room.power_levels", pl)

    def power_levels(self, room):
        return self.state(room).get("m.room.power_levels", {}).get("")

    def dump(self, room):
        """Everything about a room: {room_id, version, events, state
        {type: {state_key: content}}, members {user: membership}, aliases}."""
        return self._admin("dump", room=self.room_id(room))

    def messages(self, room, types=None):
        """All events the room holds, oldest first, in the ClientEvent format
        (room_id, unsigned; redacted ones stripped with redacted_because).
        types: only these event types."""
        events = self.dump(room)["events"]
        if types is not None:
            types = [types] if isinstance(types, str) else list(types)
            events = [e for e in events if e["type"] in types]
        return events

    def state(self, room, event_type=None, state_key=""):
        """The room's current state {type: {state_key: content}}, or one
        content (None if unset) when event_type is given."""
        st = self.dump(room)["state"]
        if event_type is None:
            return st
        return st.get(event_type, {}).get(state_key)

    def members(self, room):
        """{user_id: membership} from the room's current state."""
        return self.dump(room)["members"]

    # -- knobs and observation ---------------------------------------------

    def inject_error(self, path_prefix, count=1, status=500, errcode="M_UNKNOWN",
                     error="Injected failure", retry_after_ms=None, method=None):
        """The next `count` client requests (not the harness's) whose path
        starts with path_prefix (full, e.g. '/_matrix/client/v3/sync', or
        relative to /_matrix/client/v3, e.g. '/rooms/'; raw or percent-
        decoded) and, if given, use `method`, get this error instead."""
        self._admin("inject", prefix=path_prefix, count=count, status=status, errcode=errcode,
                    error=error, retry_after_ms=retry_after_ms, method=method)

    def inject_429(self, path_prefix, count=1, retry_after_ms=1000, method=None):
        """The next `count` matching requests get 429 M_LIMIT_EXCEEDED with
        retry_after_ms (and a Retry-After header, in whole seconds)."""
        self.inject_error(path_prefix, count, 429, "M_LIMIT_EXCEEDED", "Too Many Requests",
                          retry_after_ms, method)

    def clear_injections(self):
        self._admin("clear_injections")

    def set_timeline_limit(self, n):
        """Cap /sync timelines at n events per room (None: no cap; the
        filter's limit, default 10, applies) — to force limited: true."""
        self._admin("settings", timeline_limit=n)

    def set_chunked(self, on):
        """Chunked responses (the default) or Content-Length ones."""
        self._admin("settings", chunked=bool(on))

    def flush(self):
        """Write the state file now."""
        self._admin("flush")

    def mark(self):
        """A position in the request log: request_log(since=hs.mark())."""
        try:
            with open(self._path("logs", "requests.jsonl"), "rb") as f:
                return sum(1 for _ in f)
        except FileNotFoundError:
            return 0

    def request_log(self, user=None, endpoint=None, path=None, method=None, since=0,
                    harness=False):
        """What clients asked, oldest first (across restarts): dicts with t
        (arrival, epoch seconds), done (response written), method, path
        (raw), query (dict, access_token left out), endpoint (the route,
        e.g. '/sync', '/rooms/{roomId}/send/{eventType}/{txnId}'), user,
        device, status, errcode, retry_after_ms, tls, conn (connection number: equal
        numbers = one keep-alive connection).  Filters: user (id, localpart
        or Account), endpoint, path prefix, method, since (from mark()).
        The harness's own calls are left out unless harness=True."""
        uid = self.user_id(user) if user is not None else None
        out = []
        try:
            with open(self._path("logs", "requests.jsonl"), encoding="utf-8") as f:
                lines = f.readlines()
        except FileNotFoundError:
            return out
        for line in lines[since:]:
            try:
                e = json.loads(line)
            except ValueError:
                continue            # a line being written right now
            if e.get("harness") and not harness:
                continue
            if uid is not None and e.get("user") != uid:
                continue
            if endpoint is not None and e.get("endpoint") != endpoint:
                continue
            if path is not None and not (e["path"].startswith(path) or
                                         urllib.parse.unquote(e["path"]).startswith(path)):
                continue
            if method is not None and e["method"] != method:
                continue
            out.append(e)
        return out


def _shell_env(env):
    return "".join(f"{k}={shlex.quote(v)}\n" for k, v in env.items())


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _env_name(name):
    return re.sub(r"[^A-Z0-9]", "_", name.upper())


def _cmd_up(args):
    hs = Homeserver(args.dir, server_name=args.server_name, http=not args.no_http,
                    chunked=not args.no_chunked, timeline_limit=args.timeline_limit,
                    timeout=args.timeout)
    hs.start()
    with _live_lock:                 # the CLI leaves the server running
        _live.discard(hs)
    env = hs.env()
    pairs = args.account if args.account else [["bot", "pw-bot"], ["alice", "pw-alice"],
                                               ["bob", "pw-bob"]]
    for name, password in pairs:
        acct = hs.register(name, password)
        n = _env_name(name)
        env[f"MATRIXNET_USER_{n}"] = acct.user_id
        env[f"MATRIXNET_PASSWORD_{n}"] = password
        env[f"MATRIXNET_TOKEN_{n}"] = acct.access_token
    sys.stdout.write(_shell_env(env))
    with open(hs._path("matrixnet.env"), "w") as f:
        f.write(_shell_env(env))


def _cmd_down(args):
    d = os.path.abspath(args.dir)
    if not os.path.isdir(os.path.join(d, "run")):
        print(f"matrixnet: nothing to stop in {d}", file=sys.stderr)
        return
    Homeserver(d).stop()


def _cmd_restart(args):
    hs = Homeserver.attach(args.dir)
    hs.restart()
    with _live_lock:
        _live.discard(hs)
    sys.stdout.write(_shell_env(hs.env()))


def _cmd_account(args):
    if len(args.pairs) % 2 or not args.pairs:
        raise SystemExit("usage: matrixnet.py account DIR NAME PASSWORD [NAME PASSWORD ...]")
    hs = Homeserver.attach(args.dir)
    env = {}
    for name, password in zip(args.pairs[::2], args.pairs[1::2]):
        acct = hs.register(name, password)
        n = _env_name(name)
        env[f"MATRIXNET_USER_{n}"] = acct.user_id
        env[f"MATRIXNET_PASSWORD_{n}"] = password
        env[f"MATRIXNET_TOKEN_{n}"] = acct.access_token
    sys.stdout.write(_shell_env(env))


def _cmd_room(args):
    hs = Homeserver.attach(args.dir)
    rid = hs.create_room(args.creator, alias=args.alias, name=args.name,
                         encrypted=args.encrypted,
                         join_rule="invite" if args.invite_only else "public")
    for u in args.join or []:
        if args.invite_only:
            hs.invite(args.creator, rid, u)
        hs.join(u, rid)
    env = {"MATRIXNET_ROOM_ID": rid}
    if args.alias:
        env["MATRIXNET_ROOM_ALIAS"] = args.alias if args.alias.startswith("#") \
            else f"#{args.alias}:{hs.server_name}"
    sys.stdout.write(_shell_env(env))


def _cmd_send(args):
    hs = Homeserver.attach(args.dir)
    print(hs.send(args.user, args.room, args.body, msgtype=args.msgtype))


def _cmd_log(args):
    hs = Homeserver(args.dir)
    for e in hs.request_log(harness=args.all):
        print(json.dumps(e, ensure_ascii=False))


def _cmd_serve(args):
    serve(args.dir)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="matrixnet.py",
                                 description="A small Matrix homeserver on 127.0.0.1 for tests.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("up", "start"):
        p = sub.add_parser(name, help="start a homeserver in DIR, register accounts, "
                                      "print KEY=value lines")
        p.add_argument("dir", metavar="DIR")
        p.add_argument("--account", nargs=2, action="append", metavar=("NAME", "PASSWORD"),
                       help="register this account (default: bot, alice, bob with "
                            "passwords pw-NAME)")
        p.add_argument("--server-name", default=SERVER_NAME)
        p.add_argument("--no-http", action="store_true", help="HTTPS only")
        p.add_argument("--no-chunked", action="store_true",
                       help="Content-Length instead of chunked responses")
        p.add_argument("--timeline-limit", type=int, default=None, metavar="N")
        p.add_argument("--timeout", type=float, default=15.0, metavar="S")
        p.set_defaults(fn=_cmd_up)
    for name in ("down", "stop"):
        p = sub.add_parser(name, help="stop the homeserver in DIR (state is kept)")
        p.add_argument("dir", metavar="DIR")
        p.set_defaults(fn=_cmd_down)
    p = sub.add_parser("restart", help="restart on the same ports, keeping all state")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(fn=_cmd_restart)
    p = sub.add_parser("account", help="register accounts")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("pairs", nargs="+", metavar="NAME PASSWORD")
    p.set_defaults(fn=_cmd_account)
    p = sub.add_parser("room", help="create a room; print MATRIXNET_ROOM_ID")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("creator")
    p.add_argument("--alias")
    p.add_argument("--name")
    p.add_argument("--encrypted", action="store_true")
    p.add_argument("--invite-only", action="store_true")
    p.add_argument("--join", action="append", metavar="USER")
    p.set_defaults(fn=_cmd_room)
    p = sub.add_parser("send", help="send a message; print its event id")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("user")
    p.add_argument("room", help="room id or alias")
    p.add_argument("body")
    p.add_argument("--msgtype", default="m.text")
    p.set_defaults(fn=_cmd_send)
    p = sub.add_parser("log", help="print the request log (JSON lines)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--all", action="store_true", help="include the harness's own calls")
    p.set_defaults(fn=_cmd_log)
    p = sub.add_parser("serve", help="run the server in the foreground (what `up` starts)")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(fn=_cmd_serve)
    args = ap.parse_args(argv)
    try:
        args.fn(args)
    except HomeserverError as e:
        print(f"matrixnet {args.cmd}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
