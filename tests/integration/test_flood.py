#!/usr/bin/python3
"""With the server's flood protection on (InspIRCd's stock limits: a burst
of about ten commands, then one a second), the bot answers !agenda for a
30-topic chat — 31 lines at once — and opens the chat with a long
disclaimer that splits into several lines in the channel, without being
disconnected and without losing a line."""

import os
import re

import roundstest as rt
from roundstest import check


DISCLAIMER = " ".join("caution%03d" % i for i in range(180))  # ~1.8 KB


def scenario():
    d = rt.tmpdir("flood")
    with rt.ircnet.Network(os.path.join(d, "net"), flood=True) as net:
        net.register_many([("rounds", "pw-rounds-3"), ("host", "pw-host-3")])
        agenda = [{"topic": "Topic number %d about care" % i, "minutes": 1} for i in range(1, 31)]
        cfg = {
            "networks": {"testnet": rt.network_config(net, transport="tls")},
            "chats": {"long": {"network": "testnet", "room": "#long", "hosts": ["host"],
                               "intro_minutes": 0.5, "agenda": agenda,
                               "disclaimer": DISCLAIMER}},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-3").start()
        try:
            run(net, bot)
        finally:
            bot.stop()


def run(net, bot):
    bot.wait_log(r"joined #long")
    (host,) = rt.ircclient.connect_all([net.client("host", "tcp", sasl=("host", "pw-host-3"))])
    host.join("#long")
    host.privmsg("#long", "!agenda")
    first = host.wait_for(lambda m: m.command == "NOTICE" and m.nick == "rounds"
                          and (m.text or "").startswith("Agenda for"), 15)
    got = [first.text]
    for i in range(1, 31):
        m = host.wait_for(lambda m: m.command == "NOTICE" and m.nick == "rounds", 60,
                          "agenda line %d" % i)
        got.append(m.text)
    for i in range(1, 31):
        check(got[i] == "T%d (1 min): Topic number %d about care" % (i, i),
              "agenda line %d is %r" % (i, got[i]), bot)
    # and a burst in the channel: welcome, a disclaimer split into lines, ...
    host.privmsg("#long", "!start")
    parts = []
    while True:
        m = host.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds", 60)
        if "caution" in m.text:
            parts.append(m.text)
        if "introduce yourself" in m.text:
            break
    joined = " ".join(parts)
    check(len(parts) >= 4, "the disclaimer came in %d lines" % len(parts), bot)
    check(joined == DISCLAIMER, "the split disclaimer lost or changed words", bot)
    prefix = len(":rounds!rounds@127.0.0.1 PRIVMSG #long :")
    check(max(len(p.encode()) for p in parts) + prefix <= 510, "a split line is too long", bot)
    log = bot.log()
    check("disconnected" not in log, "the bot was disconnected while flooding", bot)
    check(len(re.findall(r"registered as rounds", log)) == 1, "the bot reconnected", bot)
    host.quit()


if __name__ == "__main__":
    rt.run(scenario, "flood")
