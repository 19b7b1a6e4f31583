#!/usr/bin/python3
"""Moderation plugins on the real network (InspIRCd 3 + Atheme).

The bot, channel operator in #hcsm, runs the bundled privacy, flood and
stats plugins. A participant who floods is warned privately, then muted
with what the server advertises (InspIRCd's m: extban, on their account),
and the mute is lifted after mute_minutes; a phone number typed in the
chat is redacted from the published transcript and its author warned;
the host floods and types a phone number too and is never actioned (the
number is still redacted). A moderator lists the plugins with !plugins,
and SIGHUP reloads them from the edited config while the chat goes on.
"""

import json
import os
import re
import signal
import time

import roundstest as rt
from roundstest import check

PLUGIN_DIR = os.path.join(os.path.dirname(os.path.abspath(rt.ROUNDS)), "plugins")
# the plugin host's test plugins (tests/plugins/host): built for ABI 2.0, and one whose init fails
BROKEN = os.path.join(os.path.dirname(os.path.abspath(rt.ROUNDS)), "tests", "plugins", "host")
PHONE = "555-867-5309"
PRIVACY_WARNING = "please keep patient details out of a public chat"


def scenario():
    d = rt.tmpdir("plugins")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-1"), ("alice", "pw-alice-1"),
                           ("bob", "pw-bob-1"), ("fred", "pw-fred-1")])
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "plugin_dir": PLUGIN_DIR,
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Plugins test chat",
                "hosts": ["alice"], "intro_minutes": rt.minutes(3), "warning_minutes": 0,
                "mute_minutes": rt.minutes(8),
                "agenda": [{"topic": "What keeps patients safe?", "minutes": rt.minutes(120)}],
                "plugins": [{"name": "privacy"}, {"name": "flood"}, {"name": "stats"},
                            {"path": os.path.join(BROKEN, "testplug_major.so")},
                            {"path": os.path.join(BROKEN, "testplug_initfail.so")}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-1").start()
        try:
            run(net, bot, cfg)
        finally:
            bot.stop()


def from_bot(c, pattern, timeout=20, command="NOTICE"):
    rx = re.compile(pattern)
    return c.wait_for(lambda m: m.command == command and m.nick == "rounds" and rx.search(m.text or ""),
                      timeout, "bot %s /%s/" % (command, pattern))


def run(net, bot, cfg):
    bot.wait_log(r"plugin privacy@hcsm: loaded")
    bot.wait_log(r"plugin flood@hcsm: loaded")
    # refused plugins: named, with the reason and both versions; the bot carries on
    bot.wait_log(r"testplug_major\.so: plugin refused: built for plugin ABI 2\.0, this bot has 1\.0: the "
                 r"major versions must match .*; carrying on without it")
    bot.wait_log(r"testplug_initfail\.so: plugin refused: its init failed: no word list configured; "
                 r"carrying on without it")
    bot.wait_log(r"joined #hcsm")
    host, bob, fred = rt.ircclient.connect_all([
        net.client("alice", "tcp", sasl=("alice", "pw-alice-1")),
        net.client("bob", "tcp", sasl=("bob", "pw-bob-1")),
        net.client("fred", "tcp", sasl=("fred", "pw-fred-1")),
    ])
    for c in (host, bob, fred):
        c.join("#hcsm")

    host.privmsg("#hcsm", "!plugins")
    listing = from_bot(host, r"^privacy ")
    check("ABI 1.0" in listing.text, "!plugins: %r" % listing.text, bot)
    from_bot(host, r"^flood ")
    bob.privmsg("#hcsm", "!plugins")
    from_bot(bob, r"only the hosts of this chat can use !plugins")

    host.privmsg("#hcsm", "!start")
    from_bot(bob, r"^T1: What keeps patients safe\?", timeout=20, command="PRIVMSG")

    # a phone number: redacted in the transcript, its author warned privately
    bob.privmsg("#hcsm", "A1 call the patient back at %s about her results" % PHONE)
    from_bot(bob, re.escape(PRIVACY_WARNING))

    # a fast but genuine participant: a few lines in a burst, never actioned
    for text in ("A1 checklists", "A1 and time-outs before procedures", "A1 plus clear handoffs"):
        bob.privmsg("#hcsm", text)

    # the host floods and types a number: never warned, muted or kicked
    mark = host.mark()
    for i in range(12):
        host.privmsg("#hcsm", "host line %d, with the ward at %s" % (i, PHONE if i == 0 else "x"))
    time.sleep(3)

    # a flooder: warned, then muted on the next burst
    for i in range(8):
        fred.privmsg("#hcsm", "buy buy buy %d" % i)
    from_bot(fred, r"slow down|too fast|very fast", timeout=20)
    for i in range(8):
        fred.privmsg("#hcsm", "BUY NOW %d" % i)
    mode = bob.wait_for(lambda m: m.command == "MODE" and m.nick == "rounds" and "#hcsm" in m.params
                        and "m:R:fred" in m.params, 20, "the bot muting fred")
    check("+b" in mode.params, "the mute is not a +b m: extban: %r" % mode.raw, bot)
    from_bot(fred, r"You are muted in #hcsm for")
    # the server enforces it: fred's line does not reach the channel
    fred.privmsg("#hcsm", "can anyone hear me")
    heard = bob.collect(2, lambda m: m.command == "PRIVMSG" and m.nick == "fred" and "hear me" in (m.text or ""))
    check(not heard, "the mute did not stop fred's messages", bot)
    # lifted after mute_minutes
    bob.wait_for(lambda m: m.command == "MODE" and m.nick == "rounds" and "-b" in m.params
                 and "m:R:fred" in m.params, 20, "the bot lifting fred's mute")
    bot.wait_log(r"lifted the mute on m:R:fred in #hcsm")

    # nothing ever happened to the host
    to_host = [m for m in host.messages[mark:] if m.nick == "rounds" and m.command in ("NOTICE", "KICK")]
    check(not to_host, "the host was actioned: %r" % [m.raw for m in to_host], bot)
    modes = [m for m in bob.messages if m.command in ("MODE", "KICK") and "alice" in " ".join(m.params)]
    check(not modes, "a mode or kick was aimed at the host: %r" % [m.raw for m in modes], bot)

    # SIGHUP: drop flood, keep the connection and the chat
    cfg["chats"]["hcsm"]["plugins"] = [{"name": "privacy", "config": {"warn": False}}, {"name": "stats"}]
    with open(bot.config_path, "w") as f:
        json.dump(cfg, f, indent=2)
    bot.proc.send_signal(signal.SIGHUP)
    bot.wait_log(r"SIGHUP: chat hcsm: 2 plugins loaded")
    host.privmsg("#hcsm", "!plugins")
    from_bot(host, r"^privacy ")
    time.sleep(1)
    check(not any(m.command == "NOTICE" and m.nick == "rounds" and (m.text or "").startswith("flood ")
                  for m in host.messages[-5:]), "flood is still listed after SIGHUP", bot)
    check(len(re.findall(r"network testnet: ready", bot.log())) == 1,
          "the bot reconnected on SIGHUP", bot)
    # the new privacy config: redact without warning
    mark = bob.mark()
    bob.privmsg("#hcsm", "A1 or page me on 555-123-4567")
    time.sleep(2)
    check(not [m for m in bob.messages[mark:] if m.nick == "rounds" and m.command == "NOTICE"],
          "privacy still warns after SIGHUP set warn: false", bot)

    host.privmsg("#hcsm", "!end")
    wrap = from_bot(bob, r"That's a wrap", command="PRIVMSG", timeout=20)
    path = wrap.text.split("Transcript: ", 1)[1].strip()
    check_published(bot, path)
    for c in (host, bob, fred):
        c.quit()


def check_published(bot, path):
    out = os.path.dirname(path)
    texts = []
    for name in os.listdir(out):
        p = os.path.join(out, name)
        if os.path.isfile(p):
            texts.append(open(p, encoding="utf-8").read())
    md = bot.export(1, "md")
    texts.append(md)
    texts.append(bot.export(1, "json"))
    for t in texts:
        check(PHONE not in t and "555-123-4567" not in t,
              "a phone number reached a published transcript:\n" + t[:3000], bot)
    js = bot.export(1, "json")
    check("call the patient back at [redacted] about her results" in js,
          "the redaction is not shown in place:\n" + js, bot)
    check("host line 0, with the ward at [redacted]" in js, "the host's number was not redacted:\n" + js, bot)
    check("Chat statistics" in md, "the stats plugin added no section:\n" + md, bot)
    rows = bot.query("SELECT v.plugin, v.verdict, v.reason, e.nick FROM verdicts v JOIN events e ON e.id = v.event_id")
    got = {(r["plugin"], r["nick"], r["verdict"]) for r in rows}
    check(("privacy", "bob", 2) in got and ("privacy", "bob", 4) in got, "privacy verdicts: %r" % got, bot)
    check(("flood", "fred", 4) in got and ("flood", "fred", 5) in got, "flood verdicts: %r" % got, bot)
    check(not any(r["nick"] == "bob" and r["plugin"] == "flood" for r in rows),
          "the fast participant was caught by flood: %r" % got, bot)
    audits = [r["text"] for r in bot.query("SELECT text FROM events WHERE kind = 10")]
    check(any("plugin flood: mute fred" in a for a in audits), "the mute was not audited: %r" % audits, bot)


if __name__ == "__main__":
    rt.run(scenario, "plugins")
