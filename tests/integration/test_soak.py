#!/usr/bin/python3
"""Soak: a two-hour chat compressed sixty times, with 200 participants.

Ten minutes of introductions and nine 12-minute topics become 10 s and
12 s. Two hundred participants (a light crowd of raw sockets that only
answer PINGs and post) introduce themselves and answer every topic, some
late, while the bot's resident memory is sampled every half second. The
test checks that every line is stored once and published in its round,
that the bot's memory is flat once everyone has spoken (it grows while
first-time speakers are met, then must not keep growing), and prints the
figures. Memory is not checked under AddressSanitizer (its quarantine
holds freed memory on purpose); the figures are still printed.
"""

import json
import os
import random
import re
import selectors
import socket
import time

import roundstest as rt
from roundstest import check

PEOPLE = 200
INTRO, ROUND, TOPICS = 10, 12, 9  # seconds; a 2 h chat at 1:60


class Crowd:
    """Many IRC clients in one thread: register, join, answer PINGs, post."""

    def __init__(self, port, nicks):
        self.sel = selectors.DefaultSelector()
        self.conns = {}
        for nick in nicks:
            s = socket.create_connection(("127.0.0.1", port))
            s.setblocking(False)
            self.conns[s] = {"nick": nick, "buf": b"", "welcome": False, "joined": False}
            self.sel.register(s, selectors.EVENT_READ)
            s.sendall(("NICK %s\r\nUSER %s 0 * :soak participant\r\n" % (nick, nick)).encode())
        self.by_nick = {c["nick"]: s for s, c in self.conns.items()}

    def pump(self, seconds):
        end = time.time() + seconds
        while True:
            left = end - time.time()
            if left <= 0:
                return
            for key, _ in self.sel.select(min(left, 0.2)):
                s = key.fileobj
                c = self.conns[s]
                try:
                    data = s.recv(65536)
                except BlockingIOError:
                    continue
                if not data:
                    raise rt.TestFailure("%s was disconnected" % c["nick"])
                c["buf"] += data
                *lines, c["buf"] = c["buf"].split(b"\r\n")
                for line in lines:
                    parts = line.split(b" ")
                    if parts[0] == b"PING":
                        s.sendall(b"PONG " + b" ".join(parts[1:]) + b"\r\n")
                    elif len(parts) > 1 and parts[1] == b"001":
                        c["welcome"] = True
                        s.sendall(b"JOIN #hcsm\r\n")
                    elif len(parts) > 1 and parts[1] == b"366":
                        c["joined"] = True

    def wait_joined(self, timeout=30):
        end = time.time() + timeout
        while time.time() < end:
            self.pump(0.2)
            if all(c["joined"] for c in self.conns.values()):
                return
        raise rt.TestFailure("only %d of %d participants joined" %
                             (sum(c["joined"] for c in self.conns.values()), len(self.conns)))

    def say(self, nick, text):
        self.by_nick[nick].sendall(("PRIVMSG #hcsm :%s\r\n" % text).encode())

    def close(self):
        for s in self.conns:
            try:
                s.sendall(b"QUIT :bye\r\n")
                s.close()
            except OSError:
                pass


def rss_kb(pid):
    """(VmRSS, RssAnon) in KB: all resident memory, and the private part a
    leak would grow (the rest is mostly shared-library pages)."""
    rss = anon = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
            elif line.startswith("RssAnon:"):
                anon = int(line.split()[1])
    return rss, anon


def sanitized(pid):
    with open("/proc/%d/maps" % pid) as f:
        return "asan" in f.read()


def scenario():
    d = rt.tmpdir("soak")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-1"), ("alice", "pw-alice-1")])
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "Soak chat",
                "hosts": ["alice"], "intro_minutes": rt.minutes(INTRO), "warning_minutes": rt.minutes(3),
                "overrun_grace_minutes": 1,
                "agenda": [{"topic": "Topic number %d?" % (i + 1), "minutes": rt.minutes(ROUND)}
                           for i in range(TOPICS)],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-1").start()
        crowd = None
        try:
            bot.wait_log(r"joined #hcsm")
            crowd = Crowd(net.port, ["p%03d" % i for i in range(PEOPLE)])
            run(net, bot, crowd)
        finally:
            if crowd:
                crowd.close()
            bot.stop()


def run(net, bot, crowd):
    crowd.wait_joined()
    host = net.connect("AliceRN", "tcp", sasl=("alice", "pw-alice-1"))
    host.join("#hcsm")
    rng = random.Random(7)
    nicks = sorted(crowd.by_nick)
    said = []  # (round, text)
    samples = []  # (seconds since the start, (RSS KB, anonymous RSS KB)) while the rounds run
    host.privmsg("#hcsm", "!start")
    bot.wait_log(r"chat hcsm: opened")
    t0 = time.time()

    def post(nick, rnd, text):
        crowd.say(nick, text)
        said.append((rnd, text))

    def phase(seconds, plan):
        """Sends plan [(at, nick, round, text)] over `seconds`, sampling memory."""
        start = time.time()
        plan = sorted(plan)
        i = 0
        while time.time() - start < seconds:
            while i < len(plan) and time.time() - start >= plan[i][0]:
                post(*plan[i][1:])
                i += 1
            crowd.pump(0.05)
            if not samples or time.time() - t0 - samples[-1][0] >= 0.5:
                samples.append((time.time() - t0, rss_kb(bot.proc.pid)))
        for p in plan[i:]:
            post(*p[1:])

    # introductions: everyone says hello
    phase(INTRO - 0.5, [(rng.uniform(0, INTRO - 2), n, 0, "hello from %s, soak intro" % n) for n in nicks])
    for r in range(1, TOPICS + 1):
        plan = []
        for n in nicks:
            for k in range(rng.choice((1, 1, 2))):
                plan.append((rng.uniform(0.5, ROUND - 1.5), n, r, "A%d %s answer %d to topic %d" % (r, n, k, r)))
        if r > 1:  # a few late answers to the previous topic
            for n in rng.sample(nicks, 10):
                plan.append((rng.uniform(0.5, ROUND - 1.5), n, r - 1, "A%d %s, late for T%d" % (r - 1, n, r - 1)))
        phase(ROUND, plan)
    end = time.time() + 30
    wrap = None
    while time.time() < end and not wrap:
        crowd.pump(0.2)
        m = re.search(r"ended \(the last topic ended\); transcript at (\S+)", bot.log())
        wrap = m.group(1) if m else None
    check(wrap, "the chat did not end on schedule", bot)

    # nothing lost: every line stored once, published in its round
    rows = bot.query("SELECT text FROM events WHERE kind = 1 AND (flags & 1) = 0 AND text LIKE '%soak intro'"
                     " OR text LIKE 'A% answer %' OR text LIKE 'A%, late for T%'")
    stored = [r["text"] for r in rows]
    check(len(stored) == len(said) and set(stored) == {t for _, t in said},
          "stored %d lines (%d distinct) of %d said" % (len(stored), len(set(stored)), len(said)), bot)
    js = json.load(open(os.path.join(os.path.dirname(wrap), "transcript.json"), encoding="utf-8"))
    published = {(0, m["text"]) for m in js["intro"]["messages"] if not m["bot"]}
    published |= {(r["number"], m["text"]) for r in js["rounds"] for m in r["messages"] if not m["bot"]}
    missing = [p for p in said if p not in published]
    check(not missing, "%d lines not published in their round, e.g. %r" % (len(missing), missing[:3]), bot)
    check(js["stats"]["participants"] >= PEOPLE, "participants counted: %r" % js["stats"]["participants"], bot)

    # memory: flat once everyone has spoken (after T1), while the rounds run
    after_t1 = [kb for t, kb in samples if t > INTRO + ROUND + 2]
    third = len(after_t1) // 3
    settled = [max(kb[i] for kb in after_t1[:third]) for i in (0, 1)]
    last = [max(kb[i] for kb in after_t1[-third:]) for i in (0, 1)]
    asan = sanitized(bot.proc.pid)
    per_round = ", ".join("%d" % kb[1] for t, kb in samples if int((t - INTRO) // ROUND) >= 0 and
                          (t - INTRO) % ROUND < 0.5)
    print("soak: %d participants, %d lines in %.0f s; bot memory (RSS / private) at the start %d / %d KB, "
          "after T1 %d / %d KB, in the last rounds %d / %d KB; private KB at each round: %s%s"
          % (PEOPLE, len(said), time.time() - t0, samples[0][1][0], samples[0][1][1], settled[0],
             settled[1], last[0], last[1], per_round,
             " [AddressSanitizer: memory not checked]" if asan else ""))
    if not asan:
        check(last[1] - settled[1] < 1024, "the bot's private memory kept growing: %d KB after T1, %d KB "
              "in the last rounds" % (settled[1], last[1]), bot)


if __name__ == "__main__":
    rt.run(scenario, "soak")
