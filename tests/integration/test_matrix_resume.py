#!/usr/bin/python3
"""A restart of the bot on Matrix resumes exactly where it stopped.

The bot saves the sync's since-token in the store in the same transaction
as the events it covers. Stopped politely (SIGTERM) and killed (SIGKILL),
while people keep talking and a host types !start, it comes back, reads
what it missed from the saved token, stores every line once, and runs
none of the old lines as a command; the commands typed after it is back
are answered. Then, killed during a round of a chat, it resumes the
chat in that round on its clock, and the transcript has every line once.
"""

import json
import os
import signal
import sys
import time

import roundstest as rt
from roundstest import check

sys.path.insert(0, os.path.join(rt.HERE, "..", "harness"))
import matrixnet  # noqa: E402


def scenario():
    d = rt.tmpdir("matrix-resume")
    with matrixnet.Homeserver(os.path.join(d, "hs")) as hs:
        bot_acct = hs.register("rounds", "pw-rounds")
        for name, disp in (("alice", "Alice"), ("bob", "Bob")):
            hs.register(name, "pw-" + name, displayname=disp)
        room = hs.create_room("alice", alias="hcsm", name="HCSM")
        hs.join("bob", room)
        cfg = {
            "store": "rounds.db", "output_dir": "out",
            "networks": {"mx": {
                "type": "matrix", "homeserver": hs.url, "ca_file": hs.ca_file,
                "user": bot_acct.user_id, "password_file": "bot.pass", "device_id": "ROUNDSBOT",
                "sync_timeout_seconds": 3, "reconnect": {"min_seconds": 0.5, "max_seconds": 2},
            }},
            "chats": {"hcsm": {
                "network": "mx", "room": "#hcsm:" + hs.server_name, "title": "HCSM",
                "hosts": ["@alice:" + hs.server_name], "intro_minutes": rt.minutes(2),
                "warning_minutes": 0, "overrun_grace_minutes": 1,
                "agenda": [{"topic": "What keeps you going on a night shift?", "minutes": rt.minutes(10)},
                           {"topic": "Who checks on you?", "minutes": rt.minutes(10)}],
            }},
        }
        with open(os.path.join(d, "bot.pass"), "w") as f:
            f.write("pw-rounds\n")
        os.chmod(os.path.join(d, "bot.pass"), 0o600)
        bot = rt.Bot(d, cfg).start()
        try:
            run(hs, bot, room)
        finally:
            bot.stop()


def stored(bot, prefix):
    return [r["text"] for r in bot.query("SELECT text FROM events WHERE kind = 1 AND text LIKE ? ORDER BY id",
                                         prefix + "%")]


def bot_posts(hs, room, bot_id):
    return [e["content"].get("body", "") for e in hs.messages(room, types=["m.room.message"])
            if e["sender"] == bot_id]


def since(bot):
    rows = bot.query("SELECT value FROM meta WHERE key = 'transport/mx/since'")
    return rows[0]["value"] if rows else None


def gap(hs, room, tag, n):
    """What people say while the bot is away: lines, and a host's !start."""
    sent = ["%s line %d" % (tag, i) for i in range(n)]
    for t in sent[: n // 2]:
        hs.send("bob", room, t)
    hs.send("alice", room, "!start")  # old by the time the bot reads it: never run
    for t in sent[n // 2:]:
        hs.send("bob", room, t)
    return sent


def run(hs, bot, room):
    bot_id = "@rounds:" + hs.server_name
    bot.wait_log(r"network mx: ready")
    before = ["before line %d" % i for i in range(3)]
    for t in before:
        hs.send("bob", room, t)
    bot.wait_rows("SELECT 1 FROM events WHERE text = ?", before[-1], timeout=15)
    token1 = since(bot)
    check(token1, "no since-token saved while running", bot)

    # stopped politely; people go on talking; started again
    check(bot.stop() == 0, "the bot did not exit 0 on SIGTERM", bot)
    token_stop = since(bot)
    polite = gap(hs, room, "polite-gap", 6)
    bot.start()
    bot.wait_log(r"network mx: ready", count=2)
    bot.wait_rows("SELECT 1 FROM events WHERE text = ?", polite[-1], timeout=20)
    check(since(bot) != token_stop, "the since-token did not move on after the restart", bot)

    # killed outright, during a burst; people go on talking; started again
    burst = ["burst line %d" % i for i in range(10)]
    for t in burst[:5]:
        hs.send("bob", room, t)
    bot.stop(sig=signal.SIGKILL)
    for t in burst[5:]:
        hs.send("bob", room, t)
    crash = gap(hs, room, "crash-gap", 6)
    bot.start()
    bot.wait_log(r"network mx: ready", count=3)
    bot.wait_rows("SELECT 1 FROM events WHERE text = ?", crash[-1], timeout=20)

    # every line once, in the order it was said
    for prefix, want in (("before line", before), ("polite-gap line", polite),
                         ("burst line", burst), ("crash-gap line", crash)):
        got = stored(bot, prefix)
        check(got == want, "%s: stored %r, expected each once in order: %r" % (prefix, got, want), bot)
    dup = bot.query("SELECT msgid, count(*) n FROM events WHERE msgid IS NOT NULL GROUP BY msgid HAVING n > 1")
    check(not dup, "events stored twice: %r" % [tuple(r) for r in dup], bot)
    starts = bot.query("SELECT flags FROM events WHERE kind = 1 AND text = '!start'")
    check(len(starts) == 2, "the two !start lines are stored %d times" % len(starts), bot)

    # none of the old !start lines opened a chat
    time.sleep(1)
    check(not bot.query("SELECT id FROM chats"), "a !start from before the restart opened a chat", bot)
    check(not any("Welcome" in b for b in bot_posts(hs, room, bot_id)),
          "the bot welcomed people because of an old !start", bot)

    # live again: a new command is run
    hs.send("alice", room, "!start")
    bot.wait_log(r"chat hcsm: opened \"HCSM\"")
    end = time.time() + 20
    while time.time() < end and not any("Welcome to HCSM" in b for b in bot_posts(hs, room, bot_id)):
        time.sleep(0.1)
    check(any("Welcome to HCSM" in b for b in bot_posts(hs, room, bot_id)),
          "the bot did not open the chat after the restarts", bot)

    # killed during T1 of that chat: it resumes the chat in T1, on its clock
    wait_post(hs, room, bot_id, "T1: What keeps you going")
    t1 = time.time()
    hs.send("bob", room, "A1 coffee, before the crash")
    bot.wait_rows("SELECT 1 FROM events WHERE text = 'A1 coffee, before the crash'")
    bot.stop(sig=signal.SIGKILL)
    away = ["A1 while the bot is away %d" % i for i in range(3)]
    for t in away:
        hs.send("bob", room, t)
    hs.send("alice", room, "!next")  # history when the bot reads it: never run
    bot.start()
    bot.wait_log(r'chat hcsm: resumed "HCSM" \(store chat 1\) in T1')
    hs.send("bob", room, "A1 after the bot is back")
    wait_post(hs, room, bot_id, "T2: Who checks on you?", timeout=20)
    t2 = time.time()
    check(abs((t2 - t1) - 10) < 3, "T2 came %.1f s after T1, planned 10 s" % (t2 - t1), bot)
    hs.send("bob", room, "A2 my team does")
    wrap = wait_post(hs, room, bot_id, "That's a wrap", timeout=25)
    posts = bot_posts(hs, room, bot_id)
    for prefix in ("Welcome to HCSM", "T1:", "T2:", "That's a wrap"):
        n = sum(1 for p in posts if p.startswith(prefix))
        check(n == 1, "the bot posted %r %d times" % (prefix, n), bot)
    path = wrap.split("Transcript: ", 1)[1].strip()
    js = json.load(open(os.path.join(os.path.dirname(path), "transcript.json"), encoding="utf-8"))
    t1_lines = [m["text"] for r in js["rounds"] if r["number"] == 1 for m in r["messages"] if not m["bot"]]
    want = ["A1 coffee, before the crash"] + away + ["A1 after the bot is back"]
    check(t1_lines == want, "T1 in the transcript: %r, expected %r" % (t1_lines, want), bot)
    chats = bot.query("SELECT end_reason FROM chats")
    check([r["end_reason"] for r in chats] == ["the last topic ended"], "the chat did not end on schedule", bot)


def wait_post(hs, room, bot_id, start, timeout=15):
    end = time.time() + timeout
    while time.time() < end:
        for b in bot_posts(hs, room, bot_id):
            if b.startswith(start):
                return b
        time.sleep(0.1)
    raise rt.TestFailure("the bot never posted %r; it posted %r" % (start, bot_posts(hs, room, bot_id)))


if __name__ == "__main__":
    rt.run(scenario, "matrix_resume")
