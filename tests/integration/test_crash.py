#!/usr/bin/python3
"""The bot killed with SIGKILL in the middle of a round, and started again.

A three-topic chat runs on the real network. During T2 the bot is killed
outright; participants keep posting while it is away (and a host types
!next, which must not be run when it comes back as history). Started
again, the bot resumes the chat in T2 with its clock recomputed from the
store (the chat's saved state), reads what it missed from the channel's
replayed history, does not post again what it already posted, and moves
on to T3 at the time first planned. The published transcript holds every
line the participants said, once, in order, in the right rounds.
"""

import json
import os
import re
import signal
import time

import roundstest as rt
from roundstest import check

INTRO, ROUND = 4, 14  # seconds


def scenario():
    d = rt.tmpdir("crash")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-1"), ("alice", "pw-alice-1"),
                           ("bob", "pw-bob-1"), ("carol", "pw-carol-1")])
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Crash test chat",
                "hosts": ["alice"], "intro_minutes": rt.minutes(INTRO), "warning_minutes": 0,
                "overrun_grace_minutes": 1,
                "agenda": [{"topic": "First topic?", "minutes": rt.minutes(ROUND)},
                           {"topic": "Second topic?", "minutes": rt.minutes(ROUND)},
                           {"topic": "Third topic?", "minutes": rt.minutes(ROUND)}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-1").start()
        try:
            run(net, bot)
        finally:
            bot.stop()


def run(net, bot):
    bot.wait_log(r"joined #hcsm")
    host, bob, carol = rt.ircclient.connect_all([
        net.client("AliceRN", "tcp", sasl=("alice", "pw-alice-1")),
        net.client("bob", "tcp", sasl=("bob", "pw-bob-1")),
        net.client("carol", "tcp", sasl=("carol", "pw-carol-1")),
    ])
    for c in (host, bob, carol):
        c.join("#hcsm")

    def from_bot(c, pattern, timeout=20):
        rx = re.compile(pattern)
        return c.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds"
                          and rx.search(m.text or ""), timeout, "bot: /%s/" % pattern)

    said = []  # (round, text) in the order the participants said them

    def say(c, rnd, text):
        c.privmsg("#hcsm", text)
        said.append((rnd, text))
        time.sleep(0.15)

    host.privmsg("#hcsm", "!start")
    from_bot(carol, r"^Welcome to Crash test chat!")
    say(bob, 0, "hello from bob before T1")
    from_bot(carol, r"^T1: First topic\?", INTRO + 10)
    t1_seen = time.time()
    say(bob, 1, "A1 first answer from bob")
    say(carol, 1, "A1 first answer from carol")
    from_bot(carol, r"^T2: Second topic\?", ROUND + 10)
    say(bob, 2, "A2 before the crash")
    bot.wait_rows("SELECT 1 FROM events WHERE text = 'A2 before the crash'")

    # killed outright, in the middle of T2
    bot.stop(sig=signal.SIGKILL)
    for i in range(4):
        say(bob if i % 2 else carol, 2, "A2 while the bot is away %d" % i)
    host.privmsg("#hcsm", "!next")  # never run: the bot reads it as history
    time.sleep(1)
    bot.start()
    bot.wait_log(r'chat hcsm: resumed "Crash test chat" \(store chat 1\) in T2')
    bot.wait_log(r"joined #hcsm", count=2)
    say(carol, 2, "A2 after the bot is back")
    say(bob, 1, "A1 a late answer, after the restart")
    t3 = from_bot(carol, r"^T3: Third topic\?", ROUND + 15)
    t3_seen = time.time()
    say(bob, 3, "A3 the last answer")
    wrap = from_bot(carol, r"That's a wrap", ROUND + 20).text

    # T3 came when first planned: two rounds after T1, not a round after the restart
    check(abs((t3_seen - t1_seen) - 2 * ROUND) < 4,
          "T3 came %.1f s after T1; planned %d s" % (t3_seen - t1_seen, 2 * ROUND), bot)
    # nothing posted twice, the !next from history not run
    posts = [m.text for m in carol.messages if m.command == "PRIVMSG" and m.nick == "rounds"]
    for prefix in ("Welcome to", "T1:", "T2:", "T3:", "That's a wrap"):
        n = sum(1 for p in posts if p.startswith(prefix))
        check(n == 1, "the bot posted %r %d times: %r" % (prefix, n, posts), bot)
    rows = bot.query("SELECT number, started_ms, ended_ms FROM rounds ORDER BY number")
    check([r["number"] for r in rows] == [1, 2, 3], "rounds in the store: %r" % [tuple(r) for r in rows], bot)
    chats = bot.query("SELECT end_reason FROM chats")
    check(len(chats) == 1 and chats[0]["end_reason"] == "the last topic ended",
          "the chat did not end on schedule: %r" % [tuple(r) for r in chats], bot)

    path = wrap.split("Transcript: ", 1)[1].strip()
    js = json.load(open(os.path.join(os.path.dirname(path), "transcript.json"), encoding="utf-8"))
    got = []
    for section in [js.get("intro")] + js["rounds"]:
        if not section:
            continue
        for m in section["messages"]:
            if not m.get("bot") and not m["text"].startswith("!"):
                got.append((section.get("number", 0), m["text"]))
    want_texts = [t for _, t in said]
    got_texts = [t for _, t in got]
    check(sorted(got_texts) == sorted(want_texts) and len(set(got_texts)) == len(got_texts),
          "the transcript's lines are not the participants' lines, once each:\n got %r\nwant %r"
          % (got_texts, want_texts), bot)
    for rnd, text in said:
        check((rnd, text) in got, "%r is not under round %d: %r" % (text, rnd, got), bot)
    # the replay reached back to before the crash: checked, and no gap marked
    check(re.search(r"#hcsm: the replayed history covers the time away", bot.log()),
          "the first join after the restart was not checked against the replay", bot)
    check(js.get("gaps") == [], "a gap was marked although the replay covers it: %r" % js.get("gaps"), bot)
    in_t2 = [t for r, t in got if r == 2]
    check(in_t2 == [t for r, t in said if r == 2], "T2's lines are out of order: %r" % in_t2, bot)


if __name__ == "__main__":
    rt.run(scenario, "crash")
