#!/usr/bin/python3
"""The store's disk refuses writes in the middle of a chat.

The bot's file-size limit is lowered (prlimit) to the store's current size
during T1, so every write fails as on a full disk (EFBIG where a full disk
gives ENOSPC). The bot says so loudly in its log, keeps the chat running
(T2 comes on time, commands are answered), and keeps what it could not
write; when the limit is lifted, it writes it all. The published
transcript has every line, once, in its round, and the privacy plugin's
redaction of a phone number typed during the outage holds.
"""

import json
import os
import re
import resource
import time

import roundstest as rt
from roundstest import check

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(rt.ROUNDS)), "plugins")
INTRO, ROUND = 3, 14  # seconds
PHONE = "555-867-5309"


def scenario():
    d = rt.tmpdir("fulldisk")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-1"), ("alice", "pw-alice-1"), ("bob", "pw-bob-1")])
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "plugin_dir": PLUGIN_DIR,
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Full disk chat",
                "hosts": ["alice"], "intro_minutes": rt.minutes(INTRO), "warning_minutes": 0,
                "overrun_grace_minutes": 1, "plugins": [{"name": "privacy"}],
                "agenda": [{"topic": "First topic?", "minutes": rt.minutes(ROUND)},
                           {"topic": "Second topic?", "minutes": rt.minutes(ROUND)}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-1").start()
        try:
            run(net, bot, d)
        finally:
            try:
                resource.prlimit(bot.proc.pid, resource.RLIMIT_FSIZE,
                                 (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
            except (ProcessLookupError, OSError):
                pass
            bot.stop()


def run(net, bot, d):
    bot.wait_log(r"joined #hcsm")
    host, bob = rt.ircclient.connect_all([
        net.client("AliceRN", "tcp", sasl=("alice", "pw-alice-1")),
        net.client("bob", "tcp", sasl=("bob", "pw-bob-1")),
    ])
    for c in (host, bob):
        c.join("#hcsm")

    def from_bot(c, pattern, timeout=20, command="PRIVMSG"):
        rx = re.compile(pattern)
        return c.wait_for(lambda m: m.command == command and m.nick == "rounds"
                          and rx.search(m.text or ""), timeout, "bot: /%s/" % pattern)

    host.privmsg("#hcsm", "!start")
    from_bot(bob, r"^T1: First topic\?", INTRO + 10)
    bob.privmsg("#hcsm", "A1 before the disk filled up")
    bot.wait_rows("SELECT 1 FROM events WHERE text = 'A1 before the disk filled up'")
    time.sleep(0.5)

    # the disk is full: no file of the bot's may grow
    db = bot.store_path
    limit = max(os.path.getsize(p) for p in (db, db + "-wal") if os.path.exists(p))
    resource.prlimit(bot.proc.pid, resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    full = ["A1 while the disk is full %d" % i for i in range(5)]
    for t in full[:3]:
        bob.privmsg("#hcsm", t)
        time.sleep(0.2)
    bot.wait_log(r"WRITES ARE FAILING", timeout=15)
    bob.privmsg("#hcsm", "A1 call the patient back at %s please" % PHONE)
    from_bot(bob, r"patient", command="NOTICE")  # the privacy warning still comes
    for t in full[3:]:
        bob.privmsg("#hcsm", t)
        time.sleep(0.2)
    bob.privmsg("#hcsm", "!time")  # commands are answered
    from_bot(bob, r"^T1 ends in", command="NOTICE")
    # the chat runs on: T2 on time, with the disk still full
    from_bot(bob, r"^T2: Second topic\?", ROUND + 10)
    bob.privmsg("#hcsm", "A2 during the outage too")
    time.sleep(1)
    check(not bot.query("SELECT 1 FROM events WHERE text LIKE 'A2 during%'"),
          "a line was written although the disk was full: the test proves nothing", bot)

    # space again
    resource.prlimit(bot.proc.pid, resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    bot.wait_log(r"writes work again", timeout=15)
    bob.privmsg("#hcsm", "A2 after the disk has room again")
    wrap = from_bot(bob, r"That's a wrap", ROUND + 20).text

    said = ["A1 before the disk filled up"] + full[:3] + ["A1 call the patient back at [redacted] please"] + \
        full[3:] + ["A2 during the outage too", "A2 after the disk has room again"]
    path = wrap.split("Transcript: ", 1)[1].strip()
    js = json.load(open(os.path.join(os.path.dirname(path), "transcript.json"), encoding="utf-8"))
    got = [m["text"] for r in js["rounds"] for m in r["messages"] if not m["bot"]]
    check(got == said, "the transcript's lines:\n got %r\nwant %r" % (got, said), bot)
    check(PHONE not in json.dumps(js), "the phone number typed during the outage was published", bot)
    rows = bot.query("SELECT v.verdict FROM verdicts v JOIN events e ON e.id = v.event_id"
                     " WHERE v.plugin = 'privacy' AND e.text LIKE ?", "%" + PHONE + "%")
    check(len(rows) >= 1, "the privacy verdict on the line typed during the outage was not kept", bot)
    dup = bot.query("SELECT msgid, count(*) n FROM events WHERE msgid IS NOT NULL GROUP BY msgid HAVING n > 1")
    check(not dup, "events stored twice: %r" % [tuple(r) for r in dup], bot)


if __name__ == "__main__":
    rt.run(scenario, "full_disk")
