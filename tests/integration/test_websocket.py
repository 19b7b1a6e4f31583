#!/usr/bin/python3
"""IRC over WebSocket through the same IRC code, three ways at once:

- ws://, offering the default subprotocols (text.ircv3.net, text.inspircd.org):
  InspIRCd 3.15 answers text.inspircd.org;
- ws://, offering only text.ircv3.net: InspIRCd 3.15 answers no subprotocol;
- wss:// (TLS verified against the test CA, by name).

Each bot runs a chat in its own room; a participant's !time and a topic
round-trip prove lines flow both ways, one per frame.
"""

import os
import re

import roundstest as rt
from roundstest import check


def scenario():
    d = rt.tmpdir("websocket")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("host", "pw-host-ws")])
        variants = {
            "wsdefault": rt.network_config(net, nick="botws", transport="ws", sasl=None),
            "wsircv3": rt.network_config(net, nick="botv3", transport="ws", sasl=None),
            "wss": rt.network_config(net, nick="botwss", transport="wss", sasl=None),
        }
        variants["wsircv3"]["websocket"]["subprotocols"] = ["text.ircv3.net"]
        # wss by name: looked up off the loop, connected by address, the
        # certificate checked against the name (the test CA's is "localhost")
        variants["wss"]["host"] = "localhost"
        bots = []
        for name, netcfg in variants.items():
            cfg = {
                "store": name + ".db",
                "networks": {name: netcfg},
                "chats": {name: {"network": name, "room": "#" + name, "hosts": ["host"],
                                 "intro_minutes": 0, "warning_minutes": 0,
                                 "agenda": [{"topic": "Frames for %s?" % name, "minutes": 5}]}},
            }
            bots.append((name, netcfg["nick"], rt.Bot(d, cfg, name=name).start()))
        try:
            run(net, bots)
        finally:
            for _, _, bot in bots:
                bot.stop()


def run(net, bots):
    for name, nick, bot in bots:
        bot.wait_log(r"connected to .*\(WebSocket%s\)" % (", TLS" if name == "wss" else ""))
        bot.wait_log(r"joined #" + name)
    (host,) = rt.ircclient.connect_all([net.client("host", "tcp", sasl=("host", "pw-host-ws"))])
    for name, nick, bot in bots:
        host.join("#" + name)
        host.privmsg("#" + name, "!start")
        m = host.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == nick
                          and (m.text or "").startswith("T1: Frames for %s?" % name), 20)
        check(m.params[0] == "#" + name, "T1 went to %r" % m.params[0], bot)
        host.privmsg(nick, "!time")
        n = host.wait_for(lambda m: m.command == "NOTICE" and m.nick == nick, 10)
        check(re.match(r"T1 ends in .*; it is the last topic\.$", n.text), "!time answer: %r" % n.text, bot)
        host.privmsg("#" + name, "A1 over " + name)
    for name, nick, bot in bots:
        rows = bot.wait_rows("SELECT text FROM events WHERE text = ?", "A1 over " + name)
        check(len(rows) == 1, "%s: the answer was stored %d times" % (name, len(rows)), bot)
        own = bot.query("SELECT count(*) AS n FROM events WHERE nick = ? AND text LIKE 'T1:%'", nick)
        check(own[0]["n"] == 1, "%s: the bot's own topic is stored %d times" % (name, own[0]["n"]), bot)
    host.quit()


if __name__ == "__main__":
    rt.run(scenario, "websocket")
