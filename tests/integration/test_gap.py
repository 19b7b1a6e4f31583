#!/usr/bin/python3
"""No lost line: the link cut and the server restarted while people post.

The bot reaches the network through tests/harness/tcpproxy.py. During a
round, with participants posting all along:

1. the link goes silent for longer than the bot's ping timeout while a
   few lines are said (fewer than the channel replays on join): the bot
   reconnects, InspIRCd's chanhistory replays them, and no gap is marked;
   a command said meanwhile is stored but never executed;
2. the link goes silent again while more lines are said than the channel
   replays (its history is set to 6 lines with +H 6:1d): the replay does
   not reach back, so the bot marks a gap covering the lines it lost;
3. InspIRCd is restarted (its history is in memory: gone): the bot marks
   a gap from its last line to what the new server replays.

Then the published transcript.json must hold every line the participants
said, once each and in order, or have a gap covering the lines the network
could not replay. Times come from an observer outside the proxy.
"""

import datetime
import json
import os
import re
import sys
import time

import roundstest as rt
from roundstest import check

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "harness"))
import tcpproxy  # noqa: E402

CHAN = "#gapchat"
REPLAY_LINES = 6


def scenario():
    d = rt.tmpdir("gap")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-g"), ("hana", "pw-hana-g"),
                           ("ivan", "pw-ivan-g"), ("judy", "pw-judy-g")])
        with tcpproxy.Proxy(net.host, net.port) as proxy:
            cfg = {
                "networks": {"testnet": rt.network_config(net, transport="tcp", port=proxy.port,
                                                          ping_seconds=5)},
                "chats": {"g": {"network": "testnet", "room": CHAN, "hosts": ["hana"],
                                "intro_minutes": 0, "warning_minutes": 0,
                                "agenda": [{"topic": "Faults?", "minutes": 30}]}},
            }
            obs = observer(net)
            bot = rt.Bot(d, cfg, password="pw-rounds-g").start()
            try:
                run(net, proxy, bot, obs)
            finally:
                bot.stop()


def observer(net, set_replay=True):
    """Outside the proxy: sees every line with its server time. Being the
    first in the channel (before the bot starts), it is an operator there
    and sets the replay depth."""
    obs = net.connect("obs", "tcp")
    obs.join(CHAN)
    if set_replay:
        obs.raw("MODE %s +H %d:1d" % (CHAN, REPLAY_LINES))
        obs.wait_for(lambda m: m.command == "MODE" and "+H" in " ".join(m.params), 5)
    return obs


def people(net):
    hana, ivan, judy = rt.ircclient.connect_all([
        net.client("hana", "tcp", sasl=("hana", "pw-hana-g")),
        net.client("ivan", "tcp", sasl=("ivan", "pw-ivan-g")),
        net.client("judy", "tcp", sasl=("judy", "pw-judy-g"))])
    for c in (hana, ivan, judy):
        c.join(CHAN)
    return hana, ivan, judy


class Said:
    """Every line the participants said, with its server time as the
    observer saw it."""

    def __init__(self):
        self.lines = []  # (text, time_ms)
        self.n = 0

    def say(self, client, obs, what):
        self.n += 1
        text = "A1 %s line %d from %s" % (what, self.n, client.nick)
        client.privmsg(CHAN, text)
        m = obs.wait_for(lambda m: m.command == "PRIVMSG" and m.text == text, 10,
                         "observer: %s" % text)
        t = m.time
        check(t is not None, "no server time on %r" % text)
        self.lines.append((text, int(t.timestamp() * 1000)))
        time.sleep(0.05)


def wait_decided(bot, count):
    """The bot's decisions about its time away (covered, or a gap)."""
    bot.wait_log(r"replayed history covers the time away|no history covers the time away",
                 count=count, timeout=60)


def run(net, proxy, bot, obs):
    bot.wait_log(r"joined " + CHAN)
    hana, ivan, judy = people(net)
    said = Said()
    hana.privmsg(CHAN, "!start")
    hana.wait_for(lambda m: m.nick == "rounds" and (m.text or "").startswith("T1:"), 15)
    for c in (ivan, judy, ivan):
        said.say(c, obs, "live")

    # 1. a silent link, fewer lines than the replay: covered
    check(proxy.pause() == 1, "the bot is not connected through the proxy", bot)
    for c in (judy, ivan):
        said.say(c, obs, "cut1")
    ivan.privmsg(CHAN, "!time")  # a command said while the bot is away
    obs.wait_for(lambda m: m.command == "PRIVMSG" and m.text == "!time", 10)
    said.say(judy, obs, "cut1")
    bot.wait_log(r"no answer from the server", timeout=40)
    bot.wait_log(r"joined " + CHAN, count=2, timeout=40)
    wait_decided(bot, 1)
    check("replayed history covers the time away" in bot.log(),
          "a time away covered by the replay was marked as a gap", bot)
    said.say(ivan, obs, "back1")
    time.sleep(1)
    answers = [m for m in ivan.messages if m.command == "NOTICE" and m.nick == "rounds"]
    check(not answers, "the replayed !time was executed: %r" % answers, bot)
    rows = bot.query("SELECT flags FROM events WHERE text = '!time'")
    check(len(rows) == 1 and rows[0]["flags"] & 4, "the !time said while away: %r"
          % [tuple(r) for r in rows], bot)

    # 2. a silent link, more lines than the replay: a gap
    proxy.pause()
    for i in range(REPLAY_LINES + 4):
        said.say((ivan, judy, hana)[i % 3], obs, "cut2")
    bot.wait_log(r"no answer from the server", count=2, timeout=40)
    bot.wait_log(r"joined " + CHAN, count=3, timeout=40)
    wait_decided(bot, 2)
    check(len(re.findall(r"no history covers the time away", bot.log())) == 1,
          "the second cut was not marked as a gap", bot)
    said.say(judy, obs, "back2")

    # 3. the server restarts while people talk
    said.say(ivan, obs, "pre-restart")
    said.say(judy, obs, "pre-restart")
    net.restart()
    for c in (hana, ivan, judy, obs):
        c.close()
    obs = observer(net, set_replay=False)  # the channel is new: +H 50:1d, whoever is op
    hana, ivan, judy = people(net)
    said.say(ivan, obs, "post-restart")  # maybe before the bot is back: replayed
    said.say(hana, obs, "post-restart")
    bot.wait_log(r"joined " + CHAN, count=4, timeout=60)
    wait_decided(bot, 3)
    said.say(judy, obs, "live-again")
    said.say(ivan, obs, "live-again")
    time.sleep(1)

    hana.privmsg(CHAN, "!end")
    wrap = hana.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds"
                         and "That's a wrap" in (m.text or ""), 30)
    path = wrap.text.split("Transcript: ", 1)[1].strip()
    doc = json.load(open(os.path.join(os.path.dirname(path), "transcript.json"), encoding="utf-8"))
    check_transcript(doc, said, bot)
    for c in (hana, ivan, judy, obs):
        c.quit()
    rc = bot.stop()
    check(rc == 0, "exit status %s" % rc, bot)


def check_transcript(doc, said, bot):
    msgs = list(doc["intro"]["messages"]) + list(doc["after"]["messages"])
    for r in doc["rounds"]:
        msgs += r["messages"]
    msgs.sort(key=lambda m: (m["time_ms"], m["id"]))
    texts = [m["text"] for m in msgs]
    gaps = doc.get("gaps")
    check(isinstance(gaps, list), "transcript.json has no gaps array")
    for g in gaps:
        check(g["start_ms"] <= g["end_ms"] and g["text"].startswith("gap from "), "bad gap %r" % g)
    check(len(gaps) == 2, "expected two gaps (second cut, restart), got %r" % gaps, bot)
    found, lost = [], []
    for text, t in said.lines:
        n = texts.count(text)
        check(n <= 1, "%r is in the transcript %d times" % (text, n), bot)
        if n:
            found.append(text)
            continue
        lost.append(text)
        check(any(g["start_ms"] <= t <= g["end_ms"] for g in gaps),
              "%r (at %d) is missing and no gap covers it: gaps %r" % (text, t, gaps), bot)
        check("cut2" in text, "%r was lost, but the network could replay it" % text, bot)
    order = [x for x in texts if x in found]
    check(order == found, "lines out of order:\n%s\nvs\n%s" % (order, found), bot)
    # the lines of the first cut and after the restart came from the replay
    replayed = {r["text"] for r in bot.query("SELECT text FROM events WHERE flags & 4")}
    for text, _ in said.lines:
        if "cut1" in text or ("cut2" in text and text in found):
            check(text in replayed, "%r was not filled from the replay" % text, bot)
    check(lost, "the second cut lost no line: the replay setting did not take", bot)
    fmt = datetime.datetime.utcfromtimestamp(gaps[0]["start_ms"] / 1000).strftime("%H:%M:%S")
    print("gaps: %s; %d lines lost and covered, %d found (first gap starts %s)"
          % ([g["text"] for g in gaps], len(lost), len(found), fmt))


if __name__ == "__main__":
    rt.run(scenario, "gap")
