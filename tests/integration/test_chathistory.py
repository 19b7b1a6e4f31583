#!/usr/bin/python3
"""The time away filled from IRCv3 CHATHISTORY, page by page, or marked.

No IRC server in Debian offers CHATHISTORY, so this runs against
historyircd.py, a fixture that follows the spec for what the bot uses
(CAP batch/server-time/message-tags/draft/chathistory, ISUPPORT
CHATHISTORY=2 so every answer is a small page, MSGREFTYPES, a `chathistory`
BATCH):

- the server drops the bot; five lines are said while it is away, all
  stamped with the same millisecond; back in, the bot asks for what came
  after its last line, then page by page after the last line's msgid
  (by time, lines of one millisecond would fall between pages), until a
  page is not full: every line is stored once, with the server's time and
  message id, the line it had already seen not twice, and no gap is marked;
- the server's history then keeps only its latest two lines; the bot is
  dropped again and four lines are said: it stores the two the server
  still has and marks a gap (stored, in the transcript's terms) from when
  it left to the first of them, since what came before is lost.
"""

import os
import time

import roundstest as rt
from historyircd import HistoryIRCd, iso
from plainircd import PlainClient
from roundstest import check


def scenario():
    d = rt.tmpdir("chathistory")
    srv = HistoryIRCd(limit=2)
    try:
        alice = PlainClient(srv.port, "alice")
        alice.send("JOIN #hist")  # first in: channel operator
        alice.wait(lambda l: " 366 " in l)
        cfg = {
            "networks": {"h": {"host": "127.0.0.1", "port": srv.port, "tls": False,
                               "nick": "rounds", "ping_seconds": 30,
                               "reconnect": {"min_seconds": 2, "max_seconds": 3}}},
            "chats": {"hist": {"network": "h", "room": "#hist", "ops_are_moderators": True,
                               "agenda": [{"topic": "History?", "minutes": 10}]}},
        }
        bot = rt.Bot(d, cfg).start()
        try:
            run(srv, bot, alice)
        finally:
            bot.stop()
            alice.close()
    finally:
        srv.stop()


def stored(bot, text):
    return bot.query("SELECT ts_ms, msgid FROM events WHERE text = ?", text)


def said(srv, text, timeout=10):
    """The server's (time, msgid) for a line it relayed (waiting for the
    server's thread to have read it)."""
    end = time.time() + timeout
    while True:
        got = srv.said("#hist", text)
        if got:
            return got
        if time.time() > end:
            raise AssertionError("the server never relayed %r" % text)
        time.sleep(0.02)


def run(srv, bot, alice):
    bot.wait_log(r"registered as rounds \(caps:.*batch.*draft/chathistory")
    bot.wait_log(r"joined #hist")
    alice.send("PRIVMSG #hist :L1 before the bot is dropped")
    bot.wait_rows("SELECT 1 FROM events WHERE text = ?", "L1 before the bot is dropped")

    # dropped; five lines while away; back: CHATHISTORY in pages of two
    srv.drop("rounds")
    bot.wait_log(r"disconnected")
    away = ["L%d said while the bot is away" % i for i in range(2, 7)]
    alice.send("PRIVMSG #hist :" + away[0])
    said(srv, away[0])
    srv.same_ms = True  # the other four in the same millisecond as the first
    for t in away[1:]:
        alice.send("PRIVMSG #hist :" + t)
    keep = {t: said(srv, t) for t in away}  # before the server forgets any
    srv.same_ms = False
    check(len({ms for ms, _ in keep.values()}) == 1, "the fixture stamped %r" % keep, bot)
    bot.wait_log(r"#hist: the replayed history covers the time away")
    for t in away + ["L1 before the bot is dropped"]:
        rows = stored(bot, t)
        check(len(rows) == 1, "%r stored %d times" % (t, len(rows)), bot)
    for t in away:
        ts, msgid = stored(bot, t)[0]
        check((ts, msgid) == keep[t], "%r stored as %r, the server said %r" % (t, (ts, msgid), keep[t]), bot)
    reqs = [l for _, l in srv.history_requests()]
    check(len(reqs) >= 3 and reqs[0].startswith("CHATHISTORY AFTER #hist timestamp=")
          and all(l.startswith("CHATHISTORY AFTER #hist msgid=") for l in reqs[1:])
          and all(l.endswith(" 2") for l in reqs),
          "the requests: %r" % reqs, bot)
    check(not bot.query("SELECT 1 FROM events WHERE kind = 14"), "a gap was marked though nothing was lost", bot)

    # a history that does not reach back: a gap, and what the server still has
    srv.keep = 2
    before = len(srv.history_requests())
    srv.drop("rounds")
    bot.wait_log(r"disconnected", count=2)
    lost = ["L7 lost for good", "L8 lost for good"]
    kept = ["L9 still in the history", "L10 still in the history"]
    for t in lost + kept:
        alice.send("PRIVMSG #hist :" + t)
    first_kept = said(srv, kept[0])
    bot.wait_log(r"#hist: no history covers the time away: gap from \S+ to \S+")
    check(len(srv.history_requests()) > before, "no CHATHISTORY request after the second drop", bot)
    for t in kept:
        check(len(stored(bot, t)) == 1, "%r not stored once" % t, bot)
    for t in lost:
        check(not stored(bot, t), "%r stored, yet no history had it" % t, bot)
    gaps = bot.wait_rows("SELECT ts_ms, text, target FROM events WHERE kind = 14")
    check(len(gaps) == 1, "gaps stored: %r" % [tuple(g) for g in gaps], bot)
    start, text, end = gaps[0]
    check(int(end) == first_kept[0], "the gap ends at %s, the first line the server kept is at %s"
          % (end, first_kept[0]), bot)
    last_had = keep[away[-1]][0]
    check(last_had <= start < first_kept[0],
          "the gap runs from %s, not from the last line the bot had (%s) up to the first kept (%s)"
          % (start, last_had, first_kept[0]), bot)
    check(text == "gap from %s to %s" % (iso(start), iso(int(end))), "gap text %r" % text, bot)


if __name__ == "__main__":
    rt.run(scenario, "chathistory")
