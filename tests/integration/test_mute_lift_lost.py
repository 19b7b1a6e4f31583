#!/usr/bin/python3
"""A lift sent on a connection that died without the bot knowing is sent
again.

The bot reaches the network through a TCP relay. The flood plugin mutes a
flooder; just before the mute's time is up, the relay stops passing bytes
either way without closing anything (a cable pulled, a NAT entry gone):
the bot's lift goes out into the void while its connection still looks
up. The bot forgets a lift only once the server has answered a PING queued
after it, so it keeps it; its lag check finds the dead connection, it
reconnects (the relay passes new connections again), and it lifts the
mute on the new one: the flooder is heard again, and the mute is then
forgotten. Before, a lift whose connection was still up 10 s later was
forgotten, and the flooder stayed muted for good.
"""

import os
import socket
import threading
import time

import roundstest as rt
from roundstest import check

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(rt.ROUNDS)), "plugins")
MUTE_S = 15
PING_S = 15  # the bot's lag check: silent this long, a PING; as long again, dead
# The relay goes silent this long before the lift is due. The bot last heard
# the server no earlier than its mute's echo, so it finds the connection dead
# no earlier than 2 * PING_S after the mute: later than the 10 s after the
# lift (MUTE_S + 10) at which the old rule forgot it.
STALL_AHEAD_S = 4


class Relay:
    """127.0.0.1:port -> the IRC server. stall() makes the connections open
    now pass nothing more, either way, and keeps them open; a connection
    made after that is relayed again (and the stalled ones are closed
    towards the server, as its own ping timeout would)."""

    def __init__(self, port):
        self.target = port
        self.lsock = socket.socket()
        self.lsock.bind(("127.0.0.1", 0))
        self.lsock.listen(4)
        self.port = self.lsock.getsockname()[1]
        self.lock = threading.Lock()
        self.pairs = []      # [client, upstream, stalled]
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                c, _ = self.lsock.accept()
            except OSError:
                return
            try:
                u = socket.create_connection(("127.0.0.1", self.target))
            except OSError as e:
                print("relay: cannot reach the server: %s" % e)
                c.close()
                continue
            pair = [c, u, False]
            with self.lock:
                for p in self.pairs:
                    if p[2]:
                        close_socket(p[1])  # towards the server only
                self.pairs.append(pair)
                self.accepted += 1
            threading.Thread(target=self._pump, args=(pair, 0, 1), daemon=True).start()
            threading.Thread(target=self._pump, args=(pair, 1, 0), daemon=True).start()

    def _pump(self, pair, src, dst):
        while True:
            try:
                data = pair[src].recv(65536)
            except OSError:
                data = b""
            if pair[2]:
                if not data:
                    return  # stalled: a close is not passed on either
                continue    # read and dropped
            if not data:
                try:
                    pair[dst].shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                return
            try:
                pair[dst].sendall(data)
            except OSError:
                return

    def stall(self):
        with self.lock:
            for p in self.pairs:
                p[2] = True

    def close(self):
        self.lsock.close()
        with self.lock:
            for p in self.pairs:
                for s in p[:2]:
                    close_socket(s)


def close_socket(s):
    """Closes s, waking a thread blocked reading it (close() alone does not)."""
    try:
        s.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    s.close()


def scenario():
    d = rt.tmpdir("mute-lift-lost")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-l"), ("alice", "pw-alice-l"),
                           ("bob", "pw-bob-l"), ("fred", "pw-fred-l")])
        host, bob, fred = rt.ircclient.connect_all([
            net.client("alice", "tcp", sasl=("alice", "pw-alice-l")),
            net.client("bob", "tcp", sasl=("bob", "pw-bob-l")),
            net.client("fred", "tcp", sasl=("fred", "pw-fred-l")),
        ])
        # the bot's account is auto-opped in #hcsm (ChanServ), as on a real
        # network: it is an operator again after it reconnects
        rt.chanserv_autoop(host, "#hcsm", "rounds")
        for c in (bob, fred):
            c.join("#hcsm")
        relay = Relay(net.port)
        netcfg = rt.network_config(net, transport="tcp", ping_seconds=PING_S)
        netcfg["port"] = relay.port
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "plugin_dir": PLUGIN_DIR,
            "networks": {"testnet": netcfg},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Lost lift chat",
                "hosts": ["alice"], "intro_minutes": 0, "warning_minutes": 0,
                "mute_minutes": rt.minutes(MUTE_S),
                "agenda": [{"topic": "What keeps patients safe?", "minutes": rt.minutes(600)}],
                "plugins": [{"name": "flood"}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-l").start()
        try:
            run(bot, relay, host, bob, fred)
        finally:
            bot.stop()
            relay.close()


def run(bot, relay, host, bob, fred):
    mark = bob.mark()
    bot.wait_log(r"joined #hcsm")
    bob.wait_for(lambda m: m.command == "MODE" and "#hcsm" in m.params and "+o" in m.params
                 and "rounds" in m.params, 20, "ChanServ opping the bot", since=mark)
    host.privmsg("#hcsm", "!start")
    bob.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds" and (m.text or "").startswith("T1:"),
                 20, "T1")

    # fred floods: warned, then muted
    rt.flood_until_muted(fred, bob, "#hcsm", "m:R:fred")
    muted_at = time.time()
    bot.wait_log(r"plugin flood: mute fred")

    # the path to the server goes dead just before the lift is due
    time.sleep(max(0.0, muted_at + MUTE_S - STALL_AHEAD_S - time.time()))
    mark = bob.mark()
    relay.stall()
    bot.wait_log(r"lifted the mute on m:R:fred in #hcsm", timeout=20)
    # it went nowhere: the mute holds, and the bot keeps the lift
    fred.privmsg("#hcsm", "am I heard yet?")
    heard = bob.collect(3, lambda m: (m.command == "PRIVMSG" and m.nick == "fred") or
                        (m.command == "MODE" and "-b" in m.params))
    check(not heard, "something got through the dead relay: %r" % heard, bot)
    check(relay.accepted == 1, "the bot reconnected before its lag check could tell", bot)
    # the lag check finds the dead connection; on the next one the lift is
    # sent again (before, it was forgotten 10 s after it went out)
    bot.wait_log(r"no answer from the server for \d+ s; reconnecting", timeout=2 * PING_S + 10)
    bot.wait_log(r"network testnet: the connection the lift of m:R:fred in #hcsm went out on is gone; "
                 r"lifting it again", timeout=40)
    # the bot may be "rounds_" on the new connection, while the server
    # still holds its old nick
    rt.mute_mode(bob, "#hcsm", "-", "m:R:fred", since=mark, timeout=20, bot_nicks=("rounds", "rounds_"))
    fred.privmsg("#hcsm", "A1 sorry, I can speak again")
    bob.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "fred" and "speak again" in (m.text or ""),
                 10, "fred heard again after the lift")
    # confirmed by the server on the new connection: forgotten
    end = time.time() + 30
    while bot.query("SELECT 1 FROM mutes") and time.time() < end:
        time.sleep(0.2)
    check(not bot.query("SELECT 1 FROM mutes"), "the lifted mute is still in the store", bot)


if __name__ == "__main__":
    rt.run(scenario, "mute_lift_lost")
