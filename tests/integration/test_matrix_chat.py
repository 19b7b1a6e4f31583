#!/usr/bin/python3
"""A full chat on Matrix, against the project's homeserver fixture
(tests/harness/matrixnet.py; no homeserver is packaged in Debian).

The bot logs in with a password over HTTPS (verified against the fixture's
CA), joins the room by alias, and runs the same chat as on IRC: a host by
Matrix user id opens it, participants answer with A-lines and with replies
(m.in_reply_to, which also carries the quoted fallback that must not be
stored), one edits an answer, one deletes a line, one opts out privately,
somebody with the host's display name is refused, a reaction is counted.
The homeserver answers 429 to some sends (honoured), and is restarted in
the middle: the bot resumes from its saved since-token, nothing lost,
nothing stored twice. The transcript is published and checked.
"""

import json
import os
import re
import sys
import time

import roundstest as rt
from roundstest import check

sys.path.insert(0, os.path.join(rt.HERE, "..", "harness"))
import matrixnet  # noqa: E402

INTRO, ROUND = 4, 8  # seconds


def scenario():
    d = rt.tmpdir("matrix")
    with matrixnet.Homeserver(os.path.join(d, "hs")) as hs:
        bot_acct = hs.register("rounds", "pw-rounds")
        for name, disp in (("alice", "Alice RN"), ("bob", "Bob"), ("carol", "Carol"),
                           ("dana", "Dana"), ("mallory", "alice")):
            hs.register(name, "pw-" + name, displayname=disp)
        room = hs.create_room("alice", alias="hcsm", name="HCSM")
        for name in ("bob", "carol", "dana", "mallory"):
            hs.join(name, room)
        hs.set_power(room, bot_acct.user_id, 50)
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "networks": {"mx": {
                # by name: looked up off the loop, certificate checked against it
                "type": "matrix", "homeserver": hs.url.replace("127.0.0.1", "localhost"),
                "ca_file": hs.ca_file,
                "user": bot_acct.user_id, "password_env": "ROUNDS_TEST_PASSWORD",
                "sync_timeout_seconds": 5, "reconnect": {"min_seconds": 0.5, "max_seconds": 3},
            }},
            "chats": {"hcsm": {
                "network": "mx", "room": "#hcsm:" + hs.server_name, "title": "HCSM on Matrix",
                "hosts": ["@alice:" + hs.server_name], "intro_minutes": rt.minutes(INTRO),
                "warning_minutes": 0, "overrun_grace_minutes": 1,
                "agenda": [{"topic": "What does burnout look like?", "minutes": rt.minutes(ROUND)},
                           {"topic": "What helps you recover?", "minutes": rt.minutes(ROUND)}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds").start()
        try:
            run_chat(hs, bot, room)
        finally:
            bot.stop()


def bodies(hs, room, sender=None):
    return [(e["sender"], e.get("content", {}).get("body", ""), e["event_id"])
            for e in hs.messages(room, types=["m.room.message"])
            if sender is None or e["sender"] == sender]


def wait_bot(hs, room, bot_id, pattern, timeout=30):
    rx = re.compile(pattern)
    end = time.time() + timeout
    while time.time() < end:
        for s, b, eid in bodies(hs, room, bot_id):
            if rx.search(b):
                return b, eid
        time.sleep(0.1)
    raise rt.TestFailure("the bot never posted /%s/; it posted: %r" %
                         (pattern, [b for s, b, e in bodies(hs, room, bot_id)]))


def run_chat(hs, bot, room):
    bot_id = "@rounds:" + hs.server_name
    bot.wait_log(r"matrix\[mx\]: logged in as @rounds:")
    bot.wait_log(r"joined #hcsm:")
    bot.wait_log(r"network mx: ready")
    # an impostor: display name "alice", not the host's user id
    hs.send("mallory", room, "!start")
    bot.wait_log(r"refused !start from alice \(account @mallory:")
    hs.send("dana", room, "!optout")  # in the room: answered privately
    bot.wait_log(r"@dana:\S+ opted out")

    hs.inject_429("/rooms/", count=2, retry_after_ms=700, method="PUT")
    hs.send("alice", room, "!start")
    wait_bot(hs, room, bot_id, r"Welcome to HCSM on Matrix")
    hs.send("bob", room, "Hi, I'm Bob, an RN in Ohio")
    t1, t1_id = wait_bot(hs, room, bot_id, r"^T1: What does burnout look like\?", INTRO + 15)
    a1 = hs.send("bob", room, "A1 exhaustion first, then cynicism")
    c1 = hs.send("carol", room, "A1 I see it in residents by spring")
    hs.send("dana", room, "A1 dana-secret-text should never be published")
    hs.edit("carol", room, c1, "A1 I see it in residents by late spring")
    hs.react("alice", room, a1, "👍")
    hs.react("carol", room, a1, "❤️")
    oops = hs.send("bob", room, "A1 oops, wrong window")
    hs.redact("bob", room, oops)

    # the homeserver goes down and comes back: the bot carries on
    hs.restart(downtime=1.5)
    bot.wait_log(r"/sync failed|cannot connect|connection closed", timeout=20)
    hs.send("bob", room, "so true, residents most of all", reply_to=c1, reply_fallback=True)
    t2, _ = wait_bot(hs, room, bot_id, r"^T2: What helps you recover\?", ROUND + 20)
    hs.send("carol", room, "A2 sleep, and saying no")
    hs.send("bob", room, "a1) (late) and the paperwork")
    wrap, _ = wait_bot(hs, room, bot_id, r"That's a wrap", ROUND + 25)
    check("Transcript: " in wrap, "the wrap-up does not say where the transcript is", bot)
    path = wrap.split("Transcript: ", 1)[1].strip()
    check(os.path.isfile(path), "the wrap-up names %r, which does not exist" % path, bot)

    # the bot's posts are notices; the topic's heading in bold
    evs = [e for e in hs.messages(room, types=["m.room.message"]) if e["sender"] == bot_id]
    check(all(e["content"].get("msgtype") == "m.notice" for e in evs), "the bot posted a non-notice", bot)
    t1ev = [e for e in evs if e["content"].get("body", "").startswith("T1:")]
    check(len(t1ev) == 1, "T1 was posted %d times (429s retried must not duplicate)" % len(t1ev), bot)
    check("<strong>T1: What does burnout look like?</strong>" in t1ev[0]["content"].get("formatted_body", ""),
          "the topic is not in bold: %r" % t1ev[0]["content"], bot)
    puts = hs.request_log(user=bot_id, endpoint="/rooms/{roomId}/send/{eventType}/{txnId}")
    statuses = [p.get("status") for p in puts]
    check(429 in statuses, "the injected 429s never reached the bot", bot)

    md = open(os.path.join(os.path.dirname(path), "transcript.md"), encoding="utf-8").read()
    js = json.loads(open(os.path.join(os.path.dirname(path), "transcript.json"), encoding="utf-8").read())
    check("exhaustion first" in md, "an A1 is missing:\n" + md, bot)
    check("residents by late spring" in md and "residents by spring" not in md,
          "the edit is not what is published:\n" + md, bot)
    check("so true, residents most of all" in md and "&gt; &lt;@" not in md and "> <@" not in md,
          "the reply (or its quoted fallback) is wrong:\n" + md, bot)
    check("wrong window" not in md and "1 message was deleted by its author." in md,
          "a deleted line was published, or not counted:\n" + md, bot)
    deleted = [m for m in [m for r in js["rounds"] for m in r["messages"]] if m["removed"]]
    check(len(deleted) == 1 and deleted[0]["text"] == "[deleted by its author]",
          "the deleted line is not marked so: %r" % deleted, bot)
    edited = [m for r in js["rounds"] for m in r["messages"] if m.get("edited")]
    check(len(edited) == 1 and "late spring" in edited[0]["text"], "edit not flagged: %r" % edited, bot)
    check("dana-secret-text" not in md, "an opted-out participant was published:\n" + md, bot)
    check("paperwork" in md.split("## T1", 1)[1].split("## T2", 1)[0], "a late a1) is not under T1:\n" + md, bot)
    check("sleep, and saying no" in md.split("## T2", 1)[1], "A2 missing under T2:\n" + md, bot)
    msgs = [m for r in js["rounds"] for m in r["messages"]]
    a1m = [m for m in msgs if "exhaustion first" in m["text"]]
    check(a1m and a1m[0].get("reactions") == 2, "reactions not counted: %r" % a1m, bot)
    # nothing stored twice across the restart
    dup = bot.query("SELECT msgid, count(*) n FROM events WHERE msgid IS NOT NULL GROUP BY msgid HAVING n > 1")
    check(not dup, "events stored twice: %r" % [tuple(r) for r in dup], bot)
    rows = bot.query("SELECT text FROM events WHERE kind = 1 AND text LIKE '%exhaustion first%'")
    check(len(rows) == 1, "the A1 is stored %d times" % len(rows), bot)
    since = bot.query("SELECT value FROM meta WHERE key = 'transport/mx/since'")
    check(since and since[0]["value"], "the since-token was not saved", bot)
    audits = [r["text"] for r in bot.query("SELECT text FROM events WHERE kind = 10")]
    check(any("refused !start from alice" in a and "host's name" in a for a in audits),
          "the impostor was not audited: %r" % audits, bot)


if __name__ == "__main__":
    rt.run(scenario, "matrix_chat")
