#!/usr/bin/python3
"""Moderation on Matrix, against the homeserver fixture: the bundled
plugins' verdicts mapped onto what a Matrix room offers, and the
transport's behaviour when things go wrong.

- privacy: a phone number is redacted from the transcript and its author
  told privately (in a room the bot makes with them);
- policy: a banned word hides the line, and the bot redacts it in the room;
- flood: a flooder is warned, then muted by a power level below
  events_default (the homeserver then refuses their messages), and the
  mute is lifted after mute_minutes; with too low a power level the bot
  says so in its log and warns instead;
- moderators by power level (ops_are_moderators with moderator_power_level);
  the host floods and is never actioned;
- an encrypted room is refused out loud; a configured invite-only room is
  joined once the bot is invited; an invite to a room that is not
  configured is ignored;
- /sync failing (500s) is retried with a backoff, never in a busy loop;
- a limited timeline (more events than the sync's limit, while the bot was
  stopped) is backfilled: every line stored once, none acted on; a line
  deleted in that gap reaches the bot already redacted and is marked
  deleted in the transcript.
"""

import json
import os
import re
import signal
import sys
import time

import roundstest as rt
from roundstest import check

sys.path.insert(0, os.path.join(rt.HERE, "..", "harness"))
import matrixnet  # noqa: E402

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(rt.ROUNDS)), "plugins")
PHONE = "555-867-5309"


def scenario():
    d = rt.tmpdir("matrix-mod")
    with matrixnet.Homeserver(os.path.join(d, "hs")) as hs:
        bot_acct = hs.register("rounds", "pw-rounds")
        for name in ("alice", "bob", "fred", "greg", "eve", "mod"):
            hs.register(name, "pw-" + name, displayname=name.capitalize())
        room = hs.create_room("alice", alias="hcsm", name="HCSM")
        secret = hs.create_room("alice", alias="secret", name="Secret", encrypted=True)
        for name in ("bob", "fred", "greg", "eve", "mod"):
            hs.join(name, room)
        hs.join("rounds", secret)
        # invite-only: the bot cannot join until it is invited
        staff = hs.create_room("alice", alias="staff", name="Staff", join_rule="invite")
        hs.set_power(room, bot_acct.user_id, 50)   # not enough to change power levels (100)
        hs.set_power(room, "@mod:" + hs.server_name, 60)
        sn = hs.server_name
        cfg = {
            "store": "rounds.db", "output_dir": "out", "plugin_dir": PLUGIN_DIR,
            "networks": {"mx": {
                "type": "matrix", "homeserver": hs.url, "ca_file": hs.ca_file,
                "user": bot_acct.user_id, "access_token_env": "ROUNDS_TEST_PASSWORD",
                "sync_timeout_seconds": 3, "reconnect": {"min_seconds": 0.5, "max_seconds": 2},
                "moderator_power_level": 60,
            }},
            "chats": {
                "hcsm": {
                    "network": "mx", "room": "#hcsm:" + sn, "title": "Moderated chat",
                    "hosts": ["@alice:" + sn], "ops_are_moderators": True,
                    "intro_minutes": rt.minutes(2), "warning_minutes": 0, "mute_minutes": rt.minutes(6),
                    "agenda": [{"topic": "What keeps patients safe?", "minutes": rt.minutes(300)},
                               {"topic": "Second topic", "minutes": rt.minutes(300)}],
                    "plugins": [{"name": "privacy"}, {"name": "flood"},
                                {"name": "policy", "config": {"banned": ["miracle cure"]}}],
                },
                "secret": {"network": "mx", "room": "#secret:" + sn, "hosts": ["@alice:" + sn],
                           "agenda": [{"topic": "x"}]},
                "staff": {"network": "mx", "room": "#staff:" + sn, "hosts": ["@alice:" + sn],
                          "agenda": [{"topic": "Rota for the holidays"}]},
            },
        }
        bot = rt.Bot(d, cfg, password=bot_acct.access_token).start()
        try:
            run(hs, bot, room, secret, staff)
        finally:
            bot.stop()


def events(hs, room, sender=None, types=("m.room.message",)):
    return [e for e in hs.messages(room, types=list(types)) if sender is None or e["sender"] == sender]


def wait_for(what, fn, timeout=20, bot=None):
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise rt.TestFailure("timed out waiting for %s\n%s" % (what, bot.tail() if bot else ""))


def burst(hs, user, room, text, n=7):
    """n lines at once (7: one more than flood's burst limit); a send the
    homeserver refuses (the sender was just kicked or muted) ends it."""
    for i in range(n):
        try:
            hs.send(user, room, "%s %d" % (text, i))
        except matrixnet.MatrixCallError:
            return


def told(hs, bot, user_id, pattern):
    """What the bot told user_id privately (the room it made with them)."""
    rows = bot.query("SELECT value FROM meta WHERE key = ?", "transport/mx/dm:" + user_id)
    if not rows:
        return None
    rx = re.compile(pattern)
    for e in events(hs, rows[0]["value"], "@rounds:" + hs.server_name):
        if rx.search(e["content"].get("body", "")):
            return e
    return None


def run(hs, bot, room, secret, staff):
    sn = hs.server_name
    bot_id = "@rounds:" + sn
    bot.wait_log(r"plugin flood@hcsm: loaded")
    bot.wait_log(r"network mx: ready")
    # the encrypted room: refused in the log and in the room itself
    bot.wait_log(r"room #secret:\S+ is end-to-end encrypted")
    wait_for("the notice in the encrypted room",
             lambda: any("end-to-end encrypted" in e["content"].get("body", "") for e in events(hs, secret, bot_id)),
             bot=bot)
    # a configured room that is invite-only: refused at first, joined once invited
    bot.wait_log(r"could not join #staff:")
    check(hs.members(staff).get(bot_id) is None, "the bot is in an invite-only room uninvited", bot)
    hs.invite("alice", staff, bot_id)
    bot.wait_log(r"accepted the invite to #staff:\S+ \(!")
    wait_for("the bot in the invite-only room", lambda: hs.members(staff).get(bot_id) == "join", bot=bot)
    hs.send("alice", staff, "!agenda")  # read there, and answered privately
    wait_for("the agenda of the invite-only room's chat",
             lambda: told(hs, bot, "@alice:" + sn, "Rota for the holidays"), bot=bot)
    # an invite to a room nobody configured: ignored
    other = hs.create_room("eve", alias="other", name="Other")
    hs.invite("eve", other, bot_id)
    bot.wait_log(r"ignored an invite to !")
    check(hs.members(other).get(bot_id) == "invite", "the bot joined a room it was not configured for", bot)

    # /sync failing: retried with a backoff, not in a loop
    mark = hs.mark()
    hs.inject_error("/sync", count=4, status=500)
    bot.wait_log(r"/sync failed: HTTP 500", count=4, timeout=30)
    syncs = hs.request_log(user=bot_id, endpoint="/sync", since=mark)
    failed = [s for s in syncs if s.get("status") == 500]
    check(len(failed) == 4, "expected 4 failed syncs, got %d" % len(failed), bot)
    gaps = [b["t"] - a["t"] for a, b in zip(failed, failed[1:])]
    check(min(gaps) >= 0.4, "the bot retried /sync in a busy loop: gaps %r" % gaps, bot)

    hs.send("alice", room, "!start")
    wait_for("T1", lambda: any(e["content"].get("body", "").startswith("T1:") for e in events(hs, room, bot_id)),
             timeout=20, bot=bot)
    # moderator by power level (60 >= moderator_power_level 60)
    hs.send("mod", room, "!plugins")
    wait_for("!plugins answered to mod", lambda: told(hs, bot, "@mod:" + sn, r"^privacy "), bot=bot)

    # privacy: redacted in the transcript, told privately
    hs.send("bob", room, "A1 call the patient back at %s about her results" % PHONE)
    wait_for("bob's private warning", lambda: told(hs, bot, "@bob:" + sn, "patient details"), bot=bot)

    # policy: hidden, and redacted in the room by the bot (power 50 = redact)
    bad = hs.send("eve", room, "A1 try this miracle cure everyone")
    wait_for("the banned line redacted in the room",
             lambda: any(e["event_id"] == bad and not e["content"] for e in events(hs, room, "@eve:" + sn)),
             bot=bot)

    # the host floods: never actioned
    for i in range(9):
        hs.send("alice", room, "host line %d" % i)
    # flood with too low a power level to mute: logged clearly, warned instead
    burst(hs, "fred", room, "buy buy buy")
    wait_for("fred's warning", lambda: told(hs, bot, "@fred:" + sn, "slow down|very fast"), bot=bot)
    burst(hs, "fred", room, "BUY NOW")
    bot.wait_log(r"plugin flood asked to mute Fred, but the bot's power level in #hcsm:\S+ is 50, "
                 r"below the 100 needed to change power levels; warning them instead")
    # with the power to do it: fred's next offence is a kick
    hs.set_power(room, bot_id, 100)
    time.sleep(1.5)
    burst(hs, "fred", room, "BUY AGAIN")
    wait_for("fred kicked", lambda: hs.members(room).get("@fred:" + sn) == "leave", bot=bot)
    # greg: warned, then muted (a power level below events_default), refused by
    # the homeserver while muted, and unmuted after mute_minutes
    burst(hs, "greg", room, "spam spam")
    wait_for("greg's warning", lambda: told(hs, bot, "@greg:" + sn, "slow down|very fast"), bot=bot)
    burst(hs, "greg", room, "SPAM SPAM")
    wait_for("greg muted", lambda: hs.power_levels(room).get("users", {}).get("@greg:" + sn, 0) < 0, bot=bot)
    wait_for("greg told he is muted", lambda: told(hs, bot, "@greg:" + sn, "You are muted in"), bot=bot)
    try:
        hs.send("greg", room, "can anyone hear me")
        check(False, "a muted user could still send", bot)
    except matrixnet.MatrixCallError as e:
        check(e.status == 403, "muted send answered %s" % e.status, bot)
    wait_for("greg's mute lifted", lambda: "@greg:" + sn not in hs.power_levels(room).get("users", {}),
             timeout=30, bot=bot)
    bot.wait_log(r"lifted the mute on @greg:")
    hs.send("greg", room, "thanks, I will slow down")
    check(not told(hs, bot, "@alice:" + sn, r"^(?!Agenda for staff:|.*Rota for the holidays)"),  # but !agenda
          "the host was told something by a plugin", bot)
    pl = hs.power_levels(room).get("users", {})
    check(pl.get("@alice:" + sn, 100) == 100, "the host's power level was changed: %r" % pl, bot)

    # a limited timeline while the bot is stopped: backfilled, stored, not acted on
    hs.set_timeline_limit(2)
    bot.proc.send_signal(signal.SIGSTOP)
    try:
        texts = ["A1 backlog line %d" % i for i in range(6)]
        # deleted before the bot could see it: the backfill gives it already
        # redacted, and the transcript still counts it as deleted
        typo = hs.send("bob", room, "A1 backlog typo-never-published")
        hs.redact("bob", room, typo)
        for t in texts[:3]:
            hs.send("bob", room, t)
        hs.send("alice", room, "!next")  # history: never executed
        for t in texts[3:]:
            hs.send("bob", room, t)
    finally:
        bot.proc.send_signal(signal.SIGCONT)
    rows = wait_for("the backlog stored", lambda: (lambda r: r if len(r) >= 6 else None)(
        bot.query("SELECT text FROM events WHERE text LIKE 'A1 backlog line %'")), timeout=30, bot=bot)
    check(len(rows) == 6, "backlog lines stored %d times for 6 lines" % len(rows), bot)
    bot.wait_log(r"backfilled [1-9]\d* events of #hcsm:")
    time.sleep(1)
    check(not any(e["content"].get("body", "").startswith("T2:") for e in events(hs, room, bot_id)),
          "a !next from the backfilled history was executed", bot)
    hs.set_timeline_limit(None)

    hs.send("alice", room, "!end")
    wrap = wait_for("the wrap-up", lambda: next((e["content"]["body"] for e in events(hs, room, bot_id)
                                                 if "That's a wrap" in e["content"].get("body", "")), None),
                    timeout=30, bot=bot)
    path = wrap.split("Transcript: ", 1)[1].strip()
    js = open(os.path.join(os.path.dirname(path), "transcript.json"), encoding="utf-8").read()
    check(PHONE not in js and "call the patient back at [redacted] about her results" in js,
          "the phone number is not redacted in the transcript", bot)
    check("miracle cure" not in js, "the banned line was published", bot)
    data = json.loads(js)
    check(sum(1 for r in data["rounds"] for m in r["messages"] if "backlog line" in m["text"]) == 6,
          "the backfilled lines are not all in the transcript", bot)
    deleted = [m for r in data["rounds"] for m in r["messages"] if m["text"] == "[deleted by its author]"]
    check("typo-never-published" not in js and len(deleted) == 1 and deleted[0]["removed"],
          "the line deleted before the bot saw it is not marked deleted: %r" % deleted, bot)


if __name__ == "__main__":
    rt.run(scenario, "matrix_moderation")
