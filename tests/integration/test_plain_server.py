#!/usr/bin/python3
"""The bot on a server that offers no IRCv3 at all, and that sends garbage.

- no CAP: the bot registers anyway; its nick is taken, so it falls back;
- no accounts: moderators are recognised as channel operators
  (ops_are_moderators), and a non-op is refused;
- no echo-message: the bot records its own lines once, as it sends them;
- no server-time: lines are stamped when read;
- malformed lines are counted, logged and dropped, and the bot keeps going.
"""

import os
import re
import time

import roundstest as rt
from plainircd import PlainClient, PlainIRCd
from roundstest import check


def scenario():
    d = rt.tmpdir("plain")
    srv = PlainIRCd()
    try:
        squatter = PlainClient(srv.port, "rounds")  # the bot's nick is taken
        host = PlainClient(srv.port, "host")
        host.send("JOIN #plain")  # first in: channel operator
        host.wait(lambda l: " 366 " in l)
        cfg = {
            "networks": {"old": {"host": "127.0.0.1", "port": srv.port, "tls": False,
                                 "nick": "rounds", "ping_seconds": 30,
                                 "reconnect": {"min_seconds": 0.5, "max_seconds": 2}}},
            "chats": {"plain": {"network": "old", "room": "#plain", "ops_are_moderators": True,
                                "intro_minutes": rt.minutes(2), "warning_minutes": 0,
                                "agenda": [{"topic": "Old servers?", "minutes": rt.minutes(6)}]}},
        }
        bot = rt.Bot(d, cfg).start()
        try:
            run(srv, bot, host)
        finally:
            bot.stop()
            squatter.close()
            host.close()
    finally:
        srv.stop()


def run(srv, bot, host):
    bot.wait_log(r"nick rounds is taken; trying rounds_")
    bot.wait_log(r"registered as rounds_ \(caps:\)")
    bot.wait_log(r"moderators can only be recognised as channel operators")
    bot.wait_log(r"joined #plain")
    host.wait(lambda l: l.startswith(":rounds_!") and " JOIN " in l)

    guest = PlainClient(srv.port, "guest")
    guest.send("JOIN #plain")
    guest.wait(lambda l: " 366 " in l)

    # garbage the server sends: none of it may stop the bot
    bad = [b":nick", b"@@@ PRIVMSG", b":x!y@z PRIV-MSG #plain :hi", b"\xff\xfe\x00oops",
           b":only.source", b"@" + b"k=" + b"v" * 9000 + b" PING x", b"x" * 20000]
    for raw in bad:
        srv.inject("rounds_", raw)
    bot.wait_log(r"dropped a malformed line", count=5)
    bot.wait_log(r"dropped a line longer than", count=1)

    guest.send("PRIVMSG #plain :!start")  # not an operator: refused
    guest.wait(lambda l: "NOTICE guest :Sorry guest, only the hosts" in l)
    host.send("PRIVMSG #plain :!start Plain and simple")
    host.wait(lambda l: "Welcome to Plain and simple!" in l)
    host.wait(lambda l: "PRIVMSG #plain :T1: Old servers?" in l, timeout=20)
    guest.send("PRIVMSG #plain :A1 they still run fine \x02bold\x02 and caf\xc3\xa9"
               .encode("latin-1").decode("utf-8"))
    host.wait(lambda l: "That's a wrap" in l, timeout=20)
    time.sleep(0.5)

    rows = bot.query("SELECT nick, text, flags FROM events WHERE text IS NOT NULL")
    mine = [r for r in rows if r["nick"] == "rounds_" and r["text"].startswith("T1: Old servers?")]
    check(len(mine) == 1, "the bot's own T1 line is stored %d times, not once" % len(mine), bot)
    check(all(r["flags"] & 64 for r in rows), "a line without server-time was not marked as local time", bot)
    answer = [r for r in rows if r["nick"] == "guest" and r["text"].startswith("A1 ")]
    check(answer and answer[0]["text"] == "A1 they still run fine bold and caf\u00e9",
          "formatting was not stripped or UTF-8 broken: %r" % (answer and answer[0]["text"]), bot)
    check(bot.proc.poll() is None, "the bot died", bot)
    rc = bot.stop()
    check(rc == 0, "rounds exited %s on SIGTERM" % rc, bot)
    counts = re.search(r"dropped: (\d+) malformed, (\d+) too long", bot.log())
    check(counts and counts.group(1) == "6" and counts.group(2) == "1",
          "the lines dropped at exit: %r" % ((counts and counts.groups()),), bot)
    quit_line = [l for n, l in srv.received if n == "rounds_" and l.startswith("QUIT")]
    check(quit_line, "the bot did not send QUIT when stopped", bot)
    guest.close()


if __name__ == "__main__":
    rt.run(scenario, "plain_server")
