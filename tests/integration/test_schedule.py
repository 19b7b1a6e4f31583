#!/usr/bin/python3
"""A scheduled chat on the real IRC network: reminders, !remindme, !when,
and the bot opening the chat by itself at the local time it was given.

The chat is scheduled (a one-off date, in America/New_York local time) a
little under a minute after the bot starts, with reminders 30 and 12
seconds before. Bob asks for private reminders, gets the first, then says
!remindme off and does not get the second; the room gets both. Carol asks
!when. At the time, the bot opens the chat without a host's !start, runs
it, and publishes it; `rounds schedule` lists the same times.
"""

import datetime
import os
import re
import subprocess
import time
from zoneinfo import ZoneInfo

import roundstest as rt
from roundstest import check

ZONE = "America/New_York"
LEAD = 50  # seconds from writing the config to the scheduled opening


def scenario():
    d = rt.tmpdir("schedule")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-1"), ("bob", "pw-bob-1"), ("carol", "pw-carol-1")])
        opens_at = int(time.time()) + LEAD
        if opens_at % 60 == 0:
            opens_at += 1  # times with seconds are shown with their seconds
        local = datetime.datetime.fromtimestamp(opens_at, ZoneInfo(ZONE))
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Scheduled HCSM",
                "hosts": ["alice"], "timezone": ZONE, "intro_minutes": rt.minutes(3),
                "warning_minutes": 0, "overrun_grace_minutes": 1,
                "schedule": {"dates": [local.strftime("%Y-%m-%d %H:%M:%S")],
                             "reminders": [rt.minutes(30), rt.minutes(12)]},
                "agenda": [{"topic": "What keeps you well on nights?", "minutes": rt.minutes(5)}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-1").start()
        try:
            run(net, bot, d, opens_at, local)
        finally:
            bot.stop()


def run(net, bot, d, opens_at, local):
    bot.wait_log(r"chat hcsm: scheduled on %s" % re.escape(local.strftime("%Y-%m-%d %H:%M:%S")))
    bot.wait_log(r"joined #hcsm")
    bob, carol = rt.ircclient.connect_all([
        net.client("bob", "tcp", sasl=("bob", "pw-bob-1")),
        net.client("carol", "tcp", sasl=("carol", "pw-carol-1")),
    ])
    for c in (bob, carol):
        c.join("#hcsm")
    check(time.time() < opens_at - 32, "the test network was too slow to start; cannot test the reminders")

    def from_bot(c, pattern, timeout=20, command="PRIVMSG", target=None):
        rx = re.compile(pattern)
        return c.wait_for(lambda m: m.command == command and m.nick == "rounds"
                          and (target is None or m.target == target) and rx.search(m.text or ""),
                          timeout, "bot: /%s/" % pattern)

    bob.privmsg("#hcsm", "!remindme")
    from_bot(bob, r"I will remind you privately before each Scheduled HCSM chat in #hcsm", command="NOTICE")
    rows = bot.query("SELECT person_key, nick FROM reminder_subscriptions")
    check([tuple(r) for r in rows] == [("a:bob", "bob")], "the subscription is not in the store: %r"
          % [tuple(r) for r in rows], bot)

    carol.privmsg("rounds", "!when")  # privately: the network's one chat
    when = from_bot(carol, r"^The next Scheduled HCSM is on ", command="NOTICE").text
    want_local = local.strftime("%A %Y-%m-%d %H:%M:%S ") + local.tzname()
    want_utc = datetime.datetime.fromtimestamp(opens_at, datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    check(want_local in when and want_utc in when and re.search(r": in \d+ seconds\.$", when),
          "!when said %r, expected %r and %r" % (when, want_local, want_utc), bot)

    # the first reminder: in the room, and privately to bob
    first = from_bot(carol, r"^Reminder: Scheduled HCSM starts in (29|30|31) seconds, on ", timeout=40,
                     target="#hcsm").text
    check(want_local in first and want_utc in first, "the reminder names the wrong time: %r" % first, bot)
    from_bot(bob, r"^Reminder: Scheduled HCSM starts in \d+ seconds in #hcsm", command="NOTICE")
    bob.privmsg("#hcsm", "!remindme off")
    from_bot(bob, r"no more private reminders for #hcsm", command="NOTICE")
    check(not bot.query("SELECT 1 FROM reminder_subscriptions"), "the unsubscription was not stored", bot)

    # the second: in the room only
    from_bot(carol, r"^Reminder: Scheduled HCSM starts in (11|12|13) seconds", timeout=30, target="#hcsm")
    # the opening, on time, by the schedule
    from_bot(carol, r"^Welcome to Scheduled HCSM!", timeout=30)
    seen = time.time()
    check(opens_at - 0.5 <= seen <= opens_at + 5, "opened at %.1f, scheduled for %d" % (seen, opens_at), bot)
    late = bob.collect(0.5, lambda m: m.command == "NOTICE" and m.nick == "rounds" and "Reminder" in (m.text or ""))
    check(not late, "bob was reminded after !remindme off: %r" % [m.text for m in late], bot)
    from_bot(carol, r"^T1: What keeps you well on nights\?", timeout=15)
    carol.privmsg("#hcsm", "A1 a proper meal before the shift")
    wrap = from_bot(carol, r"That's a wrap", timeout=30).text
    chats = bot.query("SELECT opened_by, started_ms FROM chats")
    check(len(chats) == 1 and chats[0]["opened_by"] == "the schedule",
          "the chat was not opened by the schedule: %r" % [tuple(r) for r in chats], bot)
    path = wrap.split("Transcript: ", 1)[1].strip()
    md = open(os.path.join(os.path.dirname(path), "transcript.md"), encoding="utf-8").read()
    check("a proper meal before the shift" in md, "the answer is not in the transcript:\n" + md, bot)

    # nothing is left on the schedule
    carol.privmsg("rounds", "!when")
    from_bot(carol, r"^No more Scheduled HCSM chats are scheduled\.", command="NOTICE")

    # the CLI lists the same times, from before the first reminder
    before = datetime.datetime.fromtimestamp(opens_at - 60, datetime.timezone.utc)
    out = subprocess.run([rt.ROUNDS, "schedule", "-c", bot.config_path, "--from",
                          before.strftime("%Y-%m-%d %H:%M:%S")],
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, "rounds schedule failed: %s" % out.stderr, bot)
    lines = [l.strip() for l in out.stdout.splitlines() if l.endswith(("before", "the chat opens"))]
    check(len(lines) == 3 and lines[0].endswith("reminder, 30 seconds before")
          and lines[1].endswith("reminder, 12 seconds before") and lines[2].endswith("the chat opens")
          and want_local in lines[2] and want_utc in lines[2],
          "rounds schedule printed:\n%s" % out.stdout, bot)


if __name__ == "__main__":
    rt.run(scenario, "schedule")
