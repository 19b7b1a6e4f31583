#!/usr/bin/python3
"""A restart of the bot on Matrix resumes exactly where it stopped.

The bot saves the sync's since-token in the store in the same transaction
as the events it covers. Stopped politely (SIGTERM) and killed (SIGKILL),
while people keep talking and a host types !start, it comes back, reads
what it missed from the saved token, stores every line once, and runs
none of the old lines as a command; the commands typed after it is back
are answered.
"""

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
                "hosts": ["@alice:" + hs.server_name],
                "agenda": [{"topic": "What keeps you going on a night shift?"}],
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


if __name__ == "__main__":
    rt.run(scenario, "matrix_resume")
