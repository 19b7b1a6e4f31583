#!/usr/bin/python3
"""The IRC server restarts in the middle of a chat.

The bot reconnects (backoff), logs in again, rejoins, and the chat goes on:
the next topic is posted, answers made after the restart are linked to
their rounds, and the published transcript holds the lines from before and
after the restart.
"""

import os
import re

import roundstest as rt
from roundstest import check

INTRO, ROUND, WARN = 8, 14, 0


def scenario():
    d = rt.tmpdir("restart")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-2"), ("hana", "pw-hana-2"), ("ivan", "pw-ivan-2")])
        cfg = {
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"nurses": {
                "network": "testnet", "room": "#rnchat", "hosts": ["hana"],
                "intro_minutes": rt.minutes(INTRO), "warning_minutes": WARN,
                "agenda": [{"topic": "Night shifts?", "minutes": rt.minutes(ROUND)},
                           {"topic": "Handover tips?", "minutes": rt.minutes(ROUND)},
                           {"topic": "Self-care?", "minutes": rt.minutes(ROUND)}]}},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-2").start()
        try:
            run(net, bot)
        finally:
            bot.stop()


def join_all(net):
    hana, ivan = rt.ircclient.connect_all([
        net.client("hana", "tcp", sasl=("hana", "pw-hana-2")),
        net.client("ivan", "tcp", sasl=("ivan", "pw-ivan-2"))])
    hana.join("#rnchat")
    ivan.join("#rnchat")
    return hana, ivan


def from_bot(c, pattern, timeout):
    rx = re.compile(pattern)
    return c.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds" and rx.search(m.text or ""),
                      timeout, "bot: /%s/" % pattern)


def run(net, bot):
    bot.wait_log(r"joined #rnchat")
    hana, ivan = join_all(net)
    hana.privmsg("#rnchat", "!start")
    from_bot(ivan, r"^T1: Night shifts\?", INTRO + 10)
    ivan.privmsg("#rnchat", "A1 before-restart: nights are long")
    hana.wait_for(lambda m: m.command == "PRIVMSG" and "before-restart" in (m.text or ""), 5)

    net.restart()  # InspIRCd goes away and comes back on the same ports
    bot.wait_log(r"disconnected")
    bot.wait_log(r"registered as rounds", count=2, timeout=30)
    bot.wait_log(r"joined #rnchat", count=2, timeout=30)
    hana, ivan = join_all(net)

    from_bot(ivan, r"^T2: Handover tips\?", ROUND + 20)
    ivan.privmsg("#rnchat", "A2 after-restart: use a checklist")
    hana.privmsg("#rnchat", "A1 after-restart-late: and eat something")
    from_bot(ivan, r"^T3: Self-care\?", ROUND + 10)
    ivan.privmsg("#rnchat", "A3 after-restart: sleep")
    wrap = from_bot(ivan, r"That's a wrap", ROUND + 10)
    path = wrap.text.split("Transcript: ", 1)[1].strip()
    md = open(os.path.join(os.path.dirname(path), "transcript.md"), encoding="utf-8").read()
    sections = {s.split("\n", 1)[0]: s for s in re.split(r"^## ", md, flags=re.M)[1:]}
    t1 = sections.get("T1: Night shifts?", "")
    t2 = sections.get("T2: Handover tips?", "")
    t3 = sections.get("T3: Self-care?", "")
    check("before-restart" in t1 and "after-restart-late" in t1, "T1 lost a line:\n" + md, bot)
    check("after-restart: use a checklist" in t2, "T2 lost a line:\n" + md, bot)
    check("after-restart: sleep" in t3, "T3 lost a line:\n" + md, bot)
    rounds = bot.query("SELECT number, ended_ms FROM rounds ORDER BY number")
    check([r["number"] for r in rounds] == [1, 2, 3] and all(r["ended_ms"] for r in rounds),
          "rounds in the store: %r" % [tuple(r) for r in rounds], bot)
    chats = bot.query("SELECT ended_ms, end_reason FROM chats")
    check(chats[0]["ended_ms"] and chats[0]["end_reason"] == "the last topic ended",
          "the chat did not finish normally: %r" % [tuple(c) for c in chats], bot)
    hana.quit()
    ivan.quit()


if __name__ == "__main__":
    rt.run(scenario, "server_restart")
