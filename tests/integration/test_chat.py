#!/usr/bin/python3
"""A full chat on a real InspIRCd + Atheme network, end to end.

The bot connects over TLS with SASL; a host logged in to her account runs
the chat; participants answer, reply and opt out; somebody wearing the
host's nick without her account is refused. Afterwards the published
transcript and the store are checked the way an organizer would.
"""

import json
import os
import re

import roundstest as rt
from roundstest import check

INTRO, ROUND, WARN = 10, 10, 3  # seconds (the bot paces itself at 1 line/s)


def scenario():
    d = rt.tmpdir("chat")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-1"), ("alice", "pw-alice-1"),
                           ("bob", "pw-bob-1"), ("carol", "pw-carol-1"), ("dana", "pw-dana-1")])
        cfg = {
            "store": "rounds.db",
            "output_dir": "out",
            "networks": {"testnet": rt.network_config(net, transport="tls")},
            "chats": {"hcsm": {
                "network": "testnet", "room": "#hcsm", "title": "HCSM test chat",
                "hosts": ["alice"], "intro_minutes": rt.minutes(INTRO),
                "warning_minutes": rt.minutes(WARN), "overrun_grace_minutes": 1,
                "rules": "https://example.org/rules",
                "agenda": [{"topic": "What does burnout look like?", "minutes": rt.minutes(ROUND)},
                           {"topic": "What helps you recover?", "minutes": rt.minutes(ROUND)},
                           {"topic": "What should employers do?", "minutes": rt.minutes(ROUND)}],
            }},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-1").start()
        try:
            run_chat(net, bot)
        finally:
            bot.stop()


def run_chat(net, bot):
    bot.wait_log(r"logged in as rounds \(SASL\)")
    bot.wait_log(r"joined #hcsm")
    check("TLS, certificate verified" in bot.log(), "the TLS connection was not verified", bot)
    host, bob, carol, dana, imp = rt.ircclient.connect_all([
        net.client("AliceRN", "tcp", sasl=("alice", "pw-alice-1")),
        net.client("bob", "tls", sasl=("bob", "pw-bob-1")),
        net.client("carol", "ws", sasl=("carol", "pw-carol-1")),
        net.client("dana", "tcp", sasl=("dana", "pw-dana-1")),
        net.client("alice", "tcp"),  # the host's name, not her account
    ])
    for c in (host, bob, carol, dana, imp):
        c.join("#hcsm")

    def from_bot(c, pattern, timeout=20, command="PRIVMSG"):
        rx = re.compile(pattern)
        return c.wait_for(lambda m: m.command == command and m.nick == "rounds"
                          and rx.search(m.text or ""), timeout, "bot: /%s/" % pattern)

    # an impostor cannot start the chat; the refusal is private and audited
    imp.privmsg("#hcsm", "!start")
    from_bot(imp, r"Sorry alice, only the hosts of this chat can use !start", command="NOTICE")
    dana.privmsg("rounds", "!optout")  # privately, before the chat
    from_bot(dana, r"left out of every published transcript", command="NOTICE")

    host.privmsg("#hcsm", "!start")
    from_bot(bob, r"Welcome to HCSM test chat!")
    from_bot(bob, r"Chat rules: https://example.org/rules")
    from_bot(bob, r"introduce yourself")
    bob.privmsg("#hcsm", "Hi, I'm Bob, an RN in Ohio \U0001F44B")
    carol.privmsg("#hcsm", "Carol here, family doctor, joining from Montr\u00e9al")

    from_bot(bob, r"^T1: What does burnout look like\? — answer with A1$")
    bob.privmsg("#hcsm", "A1 exhaustion first, then cynicism")
    carol.privmsg("#hcsm", "A1: I see it in residents by spring")
    dana.privmsg("#hcsm", "A1 dana-secret-text should never be published")
    carol_a1 = bob.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "carol"
                            and (m.text or "").startswith("A1:"), 10)
    check(carol_a1.msgid, "the server gave no msgid")
    bob.privmsg("#hcsm", "!time")
    from_bot(bob, r"^T1 ends in .*; next: T2\.$", command="NOTICE")
    from_bot(bob, r"left for T1\.", timeout=ROUND + 5)

    from_bot(bob, r"^T2: What helps you recover\?", timeout=ROUND + 5)
    carol.privmsg("#hcsm", "A2 sleep, and saying no")
    bob.privmsg("#hcsm", "A1 (late) and the paperwork makes it worse")
    bob.privmsg("#hcsm", "so true, residents most of all", tags={"+draft/reply": carol_a1.msgid})

    # the host posts T3 herself: the bot follows and does not post it again
    host.privmsg("#hcsm", "T3: What should employers do, in one sentence?")
    carol.privmsg("#hcsm", "A3 staff the wards properly")
    bob.privmsg("#hcsm", "a3) protect breaks")
    wrap = from_bot(bob, r"That's a wrap", timeout=ROUND + 10)
    check(not any(m.nick == "rounds" and (m.text or "").startswith("T3:") for m in bob.messages),
          "the bot reposted T3 after the host posted it", bot)
    check("Transcript: " in wrap.text, "the wrap-up does not say where the transcript is", bot)
    path = wrap.text.split("Transcript: ", 1)[1].strip()
    check(os.path.isfile(path) and path.endswith("/index.html"),
          "the wrap-up names %r, which is not a published page" % path, bot)
    page = open(path, encoding="utf-8").read()
    check("<title>" in page and "HCSM test chat" in page, "the page is not the chat's", bot)
    check(os.path.isfile(os.path.join(os.path.dirname(os.path.dirname(path)), "index.html")),
          "the archive index was not written", bot)
    path = os.path.join(os.path.dirname(path), "transcript.md")
    counts = re.search(r"(\d+) messages? from (\d+) participants?", wrap.text)
    check(counts and int(counts.group(2)) == 4,
          "wrap-up counts look wrong: %r" % wrap.text, bot)

    check_transcript(bot, path, carol_a1.msgid)
    check_store(bot)
    check_publish(bot)

    # opting out after the chat takes the lines out of what was published
    carol.privmsg("rounds", "!optout")
    from_bot(carol, r"left out of every published transcript", command="NOTICE")
    bot.wait_log(r"chat 1: transcript written")
    md = open(path, encoding="utf-8").read()
    check("residents by spring" not in md and "sleep, and saying no" not in md,
          "an opt-out after the chat left the published transcript as it was:\n" + md, bot)
    check(re.search(r"\d+ messages from people who opted out", md), "no withheld count:\n" + md, bot)

    # search finds what is published, in its topic, and nothing withheld
    bot.wait_rows("SELECT value FROM meta WHERE key = 'fts_indexed_to' AND value >= "
                  "(SELECT max(id) FROM events)")
    r = rt.subprocess.run([rt.ROUNDS, "search", "--store", bot.store_path, "residents"],
                          capture_output=True, text=True)
    check(r.returncode == 0, "rounds search failed: %s" % r.stderr, bot)
    # carol opted out just above: only bob's reply may be found
    check("T1: What does burnout look like?" in r.stdout and "· bob\n" in r.stdout
          and "so true, [residents] most of all" in r.stdout and "carol" not in r.stdout
          and "by spring" not in r.stdout, "search output:\n" + r.stdout, bot)
    r = rt.subprocess.run([rt.ROUNDS, "search", "--store", bot.store_path, "dana-secret-text"],
                          capture_output=True, text=True)
    check(r.returncode == 1 and not r.stdout, "search found an opted-out line:\n" + r.stdout, bot)

    # reading the store while the bot runs is safe, and changes nothing
    check("HCSM test chat" in rt.subprocess.run([rt.ROUNDS, "chats", "--store", bot.store_path],
                                                 capture_output=True, text=True).stdout,
          "rounds chats did not list the chat", bot)

    # SIGTERM: the bot leaves politely and exits 0
    rc = bot.stop()
    check(rc == 0, "rounds exited %s on SIGTERM" % rc, bot)
    q = bob.wait_for(lambda m: m.command == "QUIT" and m.nick == "rounds", 5)
    check("shutting down" in (q.text or ""), "no polite QUIT message: %r" % q.raw, bot)
    for c in (host, bob, carol, dana, imp):
        c.quit()
    con = rt.sqlite3.connect(bot.store_path)
    try:
        con.execute("INSERT INTO events_fts(events_fts) VALUES('integrity-check')")
        indexed = con.execute("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'residents'").fetchone()[0]
    finally:
        con.close()
    check(indexed == 2, "the full-text index finds %d lines with 'residents', not 2" % indexed)
    # (the store keeps every line; only what is published leaves them out)


def check_transcript(bot, path, carol_msgid):
    md = open(path, encoding="utf-8").read()
    sections = re.split(r"^## ", md, flags=re.M)
    by_title = {s.split("\n", 1)[0]: s for s in sections[1:]}
    t1 = next((s for k, s in by_title.items() if k.startswith("T1")), "")
    t2 = next((s for k, s in by_title.items() if k.startswith("T2")), "")
    t3 = next((s for k, s in by_title.items() if k.startswith("T3")), "")
    intro = next((s for k, s in by_title.items() if k.lower().startswith("intro")), "")
    check("Bob, an RN in Ohio" in intro, "intro lines are not under the introductions:\n" + md)
    check("exhaustion first" in t1 and "residents by spring" in t1, "T1 answers missing:\n" + md)
    check("paperwork makes it worse" in t1, "a late A1 is not linked to T1:\n" + md)
    check("residents most of all" in t1, "a reply is not linked to the round of what it answers:\n" + md)
    check("sleep, and saying no" in t2, "T2 answer missing:\n" + md)
    check("in one sentence" in by_title.get(next((k for k in by_title if k.startswith("T3")), ""), ""),
          "T3 does not carry the host's wording:\n" + md)
    check("staff the wards" in t3 and "protect breaks" in t3, "T3 answers missing:\n" + md)
    check("dana-secret-text" not in md, "an opted-out participant was published:\n" + md)
    check(re.search(r"1 message.*opted out", md), "the withheld count is not shown:\n" + md)
    check("!start" not in md and "!time" not in md, "commands leaked into the transcript:\n" + md)
    js = json.loads(bot.export(1, "json"))
    text = json.dumps(js)
    check("dana-secret-text" not in text, "an opted-out participant is in the JSON export")
    check(len(js["rounds"]) == 3, "JSON export has %d rounds" % len(js["rounds"]))
    check(bot.export(1, "md") == md, "rounds export --format md differs from the file written at the end")


def check_publish(bot):
    """rounds publish: the whole archive from the store, into another directory,
    and nothing rewritten the second time."""
    out = os.path.join(bot.dir, "site")
    r = rt.subprocess.run([rt.ROUNDS, "publish", "-c", bot.config_path, "--out", out],
                          capture_output=True, text=True, timeout=120, cwd=bot.dir)
    check(r.returncode == 0 and "1 chat in" in r.stdout and "1 rendered" in r.stdout,
          "rounds publish: %r %r" % (r.stdout, r.stderr), bot)
    slug = os.path.basename(os.path.dirname(bot.query("SELECT transcript FROM chats")[0]["transcript"]))
    for f in ("index.html", "feed.xml", slug + "/index.html", slug + "/transcript.md",
              slug + "/transcript.txt", slug + "/transcript.json"):
        check(os.path.isfile(os.path.join(out, f)), "rounds publish did not write %s" % f, bot)
    index = open(os.path.join(out, "index.html"), encoding="utf-8").read()
    check("HCSM test chat" in index and 'href="%s/' % slug in index, "the index does not list the chat", bot)
    feed = open(os.path.join(out, "feed.xml"), encoding="utf-8").read()
    check("<feed" in feed and "HCSM test chat" in feed, "the feed does not list the chat", bot)
    r = rt.subprocess.run([rt.ROUNDS, "publish", "-c", bot.config_path, "--out", out],
                          capture_output=True, text=True, timeout=120, cwd=bot.dir)
    check(r.returncode == 0 and "0 rendered, 0 files written" in r.stdout,
          "publishing again rewrote files: %r" % r.stdout, bot)


def check_store(bot):
    rows = bot.query("SELECT kind, flags, nick, text, round FROM events e JOIN rooms r ON r.id = e.room_id"
                     " WHERE r.name = '#hcsm'")
    texts = [r["text"] or "" for r in rows]
    check(any("dana-secret-text" in t for t in texts), "the opted-out line was not stored at all")
    for topic in ("T1: What does burnout", "T2: What helps"):
        n = sum(1 for r in rows if r["nick"] == "rounds" and (r["text"] or "").startswith(topic))
        check(n == 1, "the bot's line %r is stored %d times, not once" % (topic, n))
    audits = bot.query("SELECT text FROM events WHERE kind = 10")
    check(any("refused !start from alice (not logged in)" in a["text"] and "host's name" in a["text"]
              for a in audits), "the impostor's attempt was not recorded: %r" % [a["text"] for a in audits])
    late = [r for r in rows if "paperwork" in (r["text"] or "")]
    check(late and late[0]["round"] == 1, "the late A1 is stored with round %r" % (late and late[0]["round"]))
    rounds = bot.query("SELECT number, started_ms, ended_ms, posted_by_host FROM rounds ORDER BY number")
    check([r["number"] for r in rounds] == [1, 2, 3], "rounds stored: %r" % [tuple(r) for r in rounds])
    check(rounds[2]["posted_by_host"] == 1, "T3 is not marked as posted by the host")
    check(all(r["ended_ms"] for r in rounds), "a round was never ended in the store")
    # every participant connected from 127.0.0.1 (user@127.0.0.1): no byte of
    # the store may carry that address
    for suffix in ("", "-wal"):
        try:
            with open(bot.store_path + suffix, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        check(b"@127.0.0.1" not in data and b"127.0.0.1" not in data,
              "a hostmask or address is in the store file%s" % suffix)


if __name__ == "__main__":
    rt.run(scenario, "chat")
