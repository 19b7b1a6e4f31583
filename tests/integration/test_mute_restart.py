#!/usr/bin/python3
"""A mute outlives a restart of the bot, and the bot still lifts it.

The channel is registered with ChanServ (Atheme) and the bot's account has
the auto-op flag, as on a real network: the bot is an operator again after
it rejoins. The flood plugin mutes a flooder for mute_minutes; the bot is
stopped at once and started again only after that time has passed. The new
run finds the mute in the store, lifts it as soon as it is an operator
again (the flooder's lines reach the channel again), sends the lift again
when the connection it went out on is dropped right after, and forgets it
once it went out on a connection that stayed up; a mute
it could never lift (its room or network gone from the config) it leaves to
the room's operators, saying so, and forgets too.
"""

import os
import sqlite3
import time

import roundstest as rt
from roundstest import check

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(rt.ROUNDS)), "plugins")
MUTE_S = 12


def scenario():
    d = rt.tmpdir("mute-restart")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-m"), ("alice", "pw-alice-m"),
                           ("bob", "pw-bob-m"), ("fred", "pw-fred-m")])
        host, bob, fred = rt.ircclient.connect_all([
            net.client("alice", "tcp", sasl=("alice", "pw-alice-m")),
            net.client("bob", "tcp", sasl=("bob", "pw-bob-m")),
            net.client("fred", "tcp", sasl=("fred", "pw-fred-m")),
        ])
        # alice founds #hcsm with ChanServ and gives the bot's account auto-op
        rt.chanserv_autoop(host, "#hcsm", "rounds")
        for c in (bob, fred):
            c.join("#hcsm")
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "plugin_dir": PLUGIN_DIR,
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Mute restart chat",
                "hosts": ["alice"], "intro_minutes": 0, "warning_minutes": 0,
                "mute_minutes": rt.minutes(MUTE_S),
                "agenda": [{"topic": "What keeps patients safe?", "minutes": rt.minutes(600)}],
                "plugins": [{"name": "flood"}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-m").start()
        try:
            run(net, bot, host, bob, fred)
        finally:
            bot.stop()


def opped(c, since):
    return c.wait_for(lambda m: m.command == "MODE" and "#hcsm" in m.params and "+o" in m.params
                      and "rounds" in m.params, 20, "ChanServ opping the bot", since=since)


def mute_mode(c, sign, since=None):
    return rt.mute_mode(c, "#hcsm", sign, "m:R:fred", since=since)


def run(net, bot, host, bob, fred):
    mark = bob.mark()
    bot.wait_log(r"joined #hcsm")
    opped(bob, mark)
    host.privmsg("#hcsm", "!start")
    bob.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds" and (m.text or "").startswith("T1:"),
                 20, "T1")

    # fred floods: warned, then muted
    rt.flood_until_muted(fred, bob, "#hcsm", "m:R:fred")
    muted_at = time.time()
    # the mute to lift is in the store before the bot goes
    bot.wait_log(r"plugin flood: mute fred")
    rows = [tuple(r) for r in bot.wait_rows("SELECT room, mask FROM mutes")]
    check(rows == [("#hcsm", "m:R:fred")], "the mute kept in the store: %r" % rows, bot)

    # stopped before the mute's time is up, started again after it
    check(bot.stop() == 0, "the bot did not exit cleanly", bot)
    fred.privmsg("#hcsm", "still muted while the bot is away")
    heard = bob.collect(1, lambda m: m.command == "PRIVMSG" and m.nick == "fred")
    check(not heard, "the mute did not hold while the bot was away", bot)
    # two mutes the bot can no longer lift: in a room it has no chat in, on
    # a network no longer configured (as if the config changed meanwhile)
    con = sqlite3.connect(bot.store_path)
    with con:
        con.executemany("INSERT INTO mutes (network, room, mask, until_ms) VALUES (?, ?, ?, ?)",
                        [("testnet", "#gone", "m:R:eve", 1), ("oldnet", "#hcsm", "m:R:eve", 1)])
    con.close()
    # alice is an IRC operator, to drop the bot's connection later
    host.raw("OPER %s %s" % (net.oper_name, net.oper_password))
    host.wait_for(lambda m: m.command == "381", 10, "alice becoming an IRC operator")
    time.sleep(max(0.0, muted_at + MUTE_S + 1 - time.time()))
    mark = bob.mark()
    bot.start()
    bot.wait_log(r"network testnet: the mute on m:R:fred in #hcsm set before a restart is lifted now")
    bot.wait_log(r"network testnet: the mute on m:R:eve in #gone is left to the room's operators "
                 r"\(no chat is configured in that room\)")
    bot.wait_log(r"network oldnet: the mute on m:R:eve in #hcsm is left to the room's operators "
                 r"\(the network is no longer configured\)")
    opped(bob, mark)
    mute_mode(bob, "-", since=mark)
    # the connection the lift went out on is dropped at once: a lift still
    # in its queue would have gone with it, so the bot sends it again on
    # the next one (it forgets a lift only if its connection is still up)
    host.raw("KILL rounds :dropped by the test")
    bot.wait_log(r"lifted the mute on m:R:fred in #hcsm")
    bot.wait_log(r"network testnet: the connection the lift of m:R:fred in #hcsm went out on is gone; "
                 r"lifting it again", timeout=40)
    bot.wait_log(r"lifted the mute on m:R:fred in #hcsm", count=2, timeout=40)
    fred.privmsg("#hcsm", "A1 sorry, I can speak again")
    bob.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "fred" and "speak again" in (m.text or ""),
                 10, "fred heard again after the lift")
    # forgotten 10 s after the second lift went out, its connection still up
    end = time.time() + 30
    while bot.query("SELECT 1 FROM mutes") and time.time() < end:
        time.sleep(0.2)
    check(not bot.query("SELECT 1 FROM mutes"), "the lifted mute is still in the store", bot)


if __name__ == "__main__":
    rt.run(scenario, "mute_restart")
