#!/usr/bin/python3
"""The demonstration: a three-topic #HCSM-style chat, compressed into about
a minute, on a real IRC network started on 127.0.0.1.

It starts InspIRCd + Atheme (tests/harness), registers accounts for the bot,
the host and some participants, writes a config, runs the rounds binary,
and plays the participants: introductions, A1/A2/A3 answers, a late answer,
replies, someone opting out. At the end it prints where the published
transcript is, and leaves everything (config, store, logs, transcript)
in the demo directory.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))

import ircclient  # noqa: E402
import ircnet  # noqa: E402

INTRO, ROUND, WARN = 12, 16, 5  # seconds: the real thing is 5 + 3 x 10-15 minutes

PEOPLE = [  # nick, account (None: not logged in), what they say
    ("DrMaya", "maya", {
        "intro": "Hi all, Maya, palliative care physician in Leeds \U0001F44B",
        1: "A1 Burnout, for me, is when compassion starts to feel like a cost.",
        2: "A2 Protected time to debrief after a death. Even 10 minutes. WHO on burnout: "
           "https://www.who.int/news/item/28-05-2019-burn-out-an-occupational-phenomenon-international-classification-of-diseases",
        3: "A3 Rotas people can plan a life around.",
    }),
    ("NurseSam", "sam", {
        "intro": "Sam here, ICU nurse from Toronto. First #hcsm!",
        1: "A1 Dreading the drive in. Snapping at people I love. A patient's daughter "
           "(call her on 555-201-7788) said we all looked exhausted.",
        2: "A2 Peer support groups that meet on shift, not after it.",
        3: "A3 Staffing ratios that are enforced, not aspirational.",
    }),
    ("patient_ann", "ann", {
        "intro": "Ann, patient advocate (type 1 diabetes for 20 years).",
        1: "A1 As a patient you can feel it in rushed appointments.",
        2: "A2 Patients thanking staff more often would not hurt!",
        3: "A3 Ask patients too: we notice when teams are stretched.",
    }),
    ("lurker42", None, {
        "intro": "Just listening tonight, hi everyone",
        2: "A2 Walking outside at lunch. Sunlight helps.",
    }),
]


def log(msg):
    print("demo: %s" % msg, flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", default=os.path.join(ROOT, "demo-out"),
                    help="where everything goes (default: ./demo-out)")
    ap.add_argument("--rounds", default=os.path.join(ROOT, "build-demo", "rounds"),
                    help="the rounds binary")
    args = ap.parse_args()
    d = os.path.abspath(args.dir)
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    for f in ("rounds.db", "rounds.db-wal", "rounds.db-shm"):
        if os.path.exists(os.path.join(d, f)):
            os.unlink(os.path.join(d, f))

    log("starting a local IRC network (InspIRCd 3 + Atheme services) on 127.0.0.1")
    with ircnet.Network(os.path.join(d, "ircnet")) as net:
        accounts = [("rounds", "demo-bot-pw"), ("host", "demo-host-pw")] + \
                   [(a, "demo-%s-pw" % a) for _, a, _ in PEOPLE if a]
        net.register_many(accounts)
        log("network up: plain port %d, TLS port %d; accounts registered" % (net.port, net.tls_port))
        cfg = {
            "store": "rounds.db",
            "output_dir": "transcripts",
            "archive_title": "#HCSM demo archive",
            "plugin_dir": os.path.join(os.path.dirname(os.path.abspath(args.rounds)), "plugins"),
            "networks": {"local": {
                "host": "127.0.0.1", "port": net.tls_port, "tls": True, "ca_file": net.ca_file,
                "nick": "rounds", "sasl": {"account": "rounds", "password_env": "ROUNDS_DEMO_PASSWORD"},
            }},
            "chats": {"hcsm": {
                "network": "local", "room": "#hcsm", "title": "#HCSM demo: burnout in healthcare",
                "hosts": ["host"], "intro_minutes": INTRO / 60, "warning_minutes": WARN / 60,
                "rules": "be kind, no patient details, cite your sources",
                # moderation (patient details, flooding) and summaries in the transcript
                "plugins": [{"name": "privacy"}, {"name": "flood"}, {"name": "stats"},
                            {"name": "resources"}, {"name": "highlights"}],
                "agenda": [
                    {"topic": "What does burnout look like where you work?", "minutes": ROUND / 60},
                    {"topic": "What has actually helped you recover?", "minutes": ROUND / 60},
                    {"topic": "What is one change employers should make?", "minutes": ROUND / 60},
                ],
            }},
        }
        cfg_path = os.path.join(d, "rounds.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f, indent=2)
        subprocess.run([args.rounds, "check-config", cfg_path], check=True,
                       env=dict(os.environ, ROUNDS_DEMO_PASSWORD="demo-bot-pw"))
        log_path = os.path.join(d, "rounds.log")
        bot = subprocess.Popen([args.rounds, "run", "-c", cfg_path], stdout=open(log_path, "w"),
                               stderr=subprocess.STDOUT,
                               env=dict(os.environ, ROUNDS_DEMO_PASSWORD="demo-bot-pw"))
        try:
            path = play(net, bot, log_path)
        finally:
            if bot.poll() is None:
                bot.send_signal(signal.SIGTERM)
                bot.wait(15)
    print()
    log("the chat is over. Published (open the first in a browser):")
    print("  " + path)
    print("  " + os.path.join(os.path.dirname(os.path.dirname(path)), "index.html") + "  (the archive)")
    print("  " + os.path.join(os.path.dirname(path), "transcript.md"))
    log("bot log: %s; store: %s" % (log_path, os.path.join(d, "rounds.db")))
    log("try: %s export --store %s --chat 1 --format md" % (args.rounds, os.path.join(d, "rounds.db")))


def wait_log(log_path, pattern, timeout):
    end = time.time() + timeout
    while time.time() < end:
        with open(log_path, errors="replace") as f:
            if re.search(pattern, f.read()):
                return
        time.sleep(0.1)
    with open(log_path, errors="replace") as f:
        tail = f.read()[-3000:]
    raise SystemExit("demo: the bot did not get to /%s/ in %ss; its log ends:\n%s" % (pattern, timeout, tail))


def play(net, bot, log_path):
    wait_log(log_path, r"joined #hcsm", 30)
    log("rounds is in #hcsm; participants are joining")
    clients = [net.client("host_jo", "tcp", sasl=("host", "demo-host-pw"))]
    for nick, account, _ in PEOPLE:
        clients.append(net.client(nick, "tcp", sasl=(account, "demo-%s-pw" % account) if account else None))
    clients = ircclient.connect_all(clients)
    for c in clients:
        c.join("#hcsm")
    host, people = clients[0], dict(zip([p[0] for p in PEOPLE], clients[1:]))

    # print the channel as a participant sees it
    watcher = people["lurker42"]
    stop = threading.Event()

    def show():
        seen = 0
        while not stop.is_set():
            msgs = watcher.messages[seen:]
            seen += len(msgs)
            for m in msgs:
                if m.command == "PRIVMSG" and m.params and m.params[0] == "#hcsm":
                    print("  <%s> %s" % (m.nick, m.text), flush=True)
            time.sleep(0.1)
    threading.Thread(target=show, daemon=True).start()

    def bot_said(pattern, timeout):
        rx = re.compile(pattern)
        return watcher.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds"
                                and rx.search(m.text or ""), timeout, pattern)

    people["patient_ann"].privmsg("rounds", "!optout")  # Ann prefers not to be published
    host.privmsg("#hcsm", "!start")
    bot_said(r"introduce yourself", 20)
    for nick, _, lines in PEOPLE:
        people[nick].privmsg("#hcsm", lines["intro"])
        time.sleep(0.6)
    answers = {}
    for n in (1, 2, 3):
        bot_said(r"^T%d: " % n, INTRO + ROUND + 10)
        time.sleep(1)
        for nick, _, lines in PEOPLE:
            if n in lines:
                people[nick].privmsg("#hcsm", lines[n])
                time.sleep(0.7)
        m = watcher.wait_for(lambda m: m.nick == "DrMaya" and (m.text or "").startswith("A%d" % n), 10, "A%d" % n)
        answers[n] = m
        if n == 1:
            people["NurseSam"].privmsg("#hcsm", "Maya, that line about compassion hit home.",
                                       tags={"+draft/reply": m.msgid} if m.msgid else None)
        if n == 2:
            people["NurseSam"].privmsg("#hcsm", "A1 (late) I forgot: insomnia before night shifts.")
            host.privmsg("#hcsm", "Great answers, everyone. Keep them coming!")
    wrap = bot_said(r"That's a wrap", ROUND + 20)
    time.sleep(1)
    for c in clients:
        c.quit("thanks!")
    return wrap.text.split("Transcript: ", 1)[1].strip()


if __name__ == "__main__":
    main()
