#!/usr/bin/python3
"""The command line as a user meets it: help, version, check-config on good
and bad files (exit status and the messages people read), export and chats
on a store, and the errors for bad usage. No network needed."""

import json
import os
import subprocess

import roundstest as rt
from roundstest import check

GOOD = {
    "networks": {"libera": {"host": "irc.example.org", "nick": "rounds",
                            "sasl": {"account": "rounds", "password_env": "ROUNDS_CLI_PW"}}},
    "chats": {"hcsm": {"network": "libera", "room": "#hcsm", "hosts": ["alice"],
                       "agenda": [{"topic": "One?", "minutes": 10}, {"topic": "Two?", "minutes": 5}]}},
}


def rounds(*args, env=None):
    e = dict(os.environ, ROUNDS_CLI_PW="secret-pw-123")
    if env:
        e.update(env)
    return subprocess.run([rt.ROUNDS] + list(args), capture_output=True, text=True, timeout=30, env=e)


def write(d, name, text):
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def scenario():
    d = rt.tmpdir("cli")
    r = rounds("--help")
    check(r.returncode == 0 and "check-config FILE" in r.stdout and "export --chat ID" in r.stdout,
          "--help: %r" % r.stdout)
    r = rounds("--version")
    check(r.returncode == 0 and r.stdout.startswith("rounds "), "--version: %r" % r.stdout)
    r = rounds()
    check(r.returncode == 2 and "no command given" in r.stderr, "no command: %r" % r.stderr)
    r = rounds("frobnicate")
    check(r.returncode == 2 and "unknown command 'frobnicate'" in r.stderr, "bad command: %r" % r.stderr)
    r = rounds("run")
    check(r.returncode == 2 and "run needs -c FILE" in r.stderr, "run without -c: %r" % r.stderr)

    good = write(d, "good.json", json.dumps(GOOD))
    r = rounds("check-config", good)
    check(r.returncode == 0, "check-config on a good file failed: %s" % r.stderr)
    check("good.json: OK" in r.stdout and "chat hcsm" in r.stdout and "#hcsm" in r.stdout,
          "check-config explanation: %r" % r.stdout)
    check("environment variable ROUNDS_CLI_PW" in r.stdout, "the password source is not named")
    check("secret-pw-123" not in r.stdout + r.stderr, "check-config printed the password")

    r = rounds("check-config", good, env={"ROUNDS_CLI_PW": ""})
    check(r.returncode == 2 and "networks.libera.sasl.password_env" in r.stderr,
          "an unset password variable: %r" % r.stderr)

    broken = write(d, "broken.json", '{\n  "networks": {\n    "a": [1, 2,]\n  }\n}\n')
    r = rounds("check-config", broken)
    check(r.returncode == 2 and "broken.json:3:" in r.stderr and "invalid JSON" in r.stderr,
          "a syntax error is not located: %r" % r.stderr)

    bad = json.loads(json.dumps(GOOD))
    bad["chats"]["hcsm"]["intro_minute"] = 5
    bad["networks"]["libera"]["port"] = "6697"
    bad["chats"]["hcsm"]["agenda"][1]["minutes"] = -3
    badp = write(d, "bad.json", json.dumps(bad))
    r = rounds("check-config", badp)
    check(r.returncode == 2, "check-config accepted a bad file")
    for needle in ('bad.json: chats.hcsm.intro_minute: unknown key (did you mean "intro_minutes"?)',
                   'bad.json: networks.libera.port: expected an integer from 1 to 65535, got "6697"',
                   'bad.json: chats.hcsm.agenda[1].minutes: expected a number greater than 0'):
        check(needle in r.stderr, "missing %r in:\n%s" % (needle, r.stderr))
    r = rounds("run", "-c", badp)
    check(r.returncode == 2 and "intro_minute" in r.stderr, "run started with a bad config")

    r = rounds("check-config", os.path.join(d, "missing.json"))
    check(r.returncode == 2 and "missing.json" in r.stderr, "a missing file: %r" % r.stderr)

    # export itself is checked on real chats in test_chat; here, its errors
    db = os.path.join(d, "typo.db")
    r = rounds("chats", "--store", db)
    check(r.returncode == 1 and "cannot open the store" in r.stderr, "chats on a missing store: %r" % r.stderr)
    check(not os.path.exists(db), "reading a mistyped store created it")
    import sqlite3
    db = os.path.join(d, "empty.db")
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE t(x)")
    con.close()
    r = rounds("chats", "--store", db)
    check(r.returncode == 1 and "schema version 0" in r.stderr, "a store of another program: %r" % r.stderr)
    r = rounds("chats", "-c", badp)
    check(r.returncode == 2 and "intro_minute" in r.stderr, "chats with a bad config: %r" % r.stderr)
    r = rounds("export", "--store", db, "--chat", "7", "--format", "md")
    check(r.returncode == 1 and "schema version 0" in r.stderr, "export from a foreign store: %r" % r.stderr)
    r = rounds("export", "--store", db, "--chat", "x", "--format", "md")
    check(r.returncode == 2 and "--chat wants a chat id" in r.stderr, "a bad chat id: %r" % r.stderr)
    r = rounds("export", "--store", db, "--chat", "1", "--format", "pdf")
    check(r.returncode == 2 and "--format wants md, json, html or txt" in r.stderr,
          "a bad format: %r" % r.stderr)
    r = rounds("export", "--chat", "1", "--format", "md")
    check(r.returncode == 2 and "-c FILE or --store DB" in r.stderr, "export without a store: %r" % r.stderr)
    r = rounds("publish")
    check(r.returncode == 2 and "publish needs -c FILE" in r.stderr, "publish without -c: %r" % r.stderr)
    r = rounds("regenerate", "-c", good, "--jobs", "0")
    check(r.returncode == 2 and "--jobs wants a number from 1 to 64, got '0'" in r.stderr,
          "a bad --jobs: %r" % r.stderr)
    r = rounds("publish", "-c", badp)
    check(r.returncode == 2 and "intro_minute" in r.stderr, "publish with a bad config: %r" % r.stderr)
    r = rounds("check-plugin", os.path.join(d, "nope.so"))
    check(r.returncode == 1 and "nope.so" in r.stderr, "check-plugin on a missing file: %r" % r.stderr)
    r = rounds("check-plugin", good)
    check(r.returncode == 1 and "plugin refused: cannot load it" in r.stderr,
          "check-plugin on a JSON file: %r" % r.stderr)
    r = rounds("check-plugin")
    check(r.returncode == 2 and "check-plugin needs exactly one FILE" in r.stderr,
          "check-plugin without a file: %r" % r.stderr)
    r = rounds("chats", "--store", "/nonexistent/dir/x.db")
    check(r.returncode == 1 and "cannot open the store" in r.stderr, "an unopenable store: %r" % r.stderr)

    # schedule: the usage errors, a chat with no schedule, and one with
    r = rounds("schedule")
    check(r.returncode == 2 and "schedule needs -c FILE" in r.stderr, "schedule without -c: %r" % r.stderr)
    r = rounds("schedule", "-c", good, "--count", "0")
    check(r.returncode == 2 and "--count wants a number from 1 to 1000, got '0'" in r.stderr,
          "a bad --count: %r" % r.stderr)
    r = rounds("schedule", "-c", good, "--from", "next tuesday")
    check(r.returncode == 2 and "--from wants a UTC date and time" in r.stderr, "a bad --from: %r" % r.stderr)
    r = rounds("schedule", "-c", good, "--chat", "nope")
    check(r.returncode == 2 and "no chat named 'nope'" in r.stderr, "an unknown --chat: %r" % r.stderr)
    r = rounds("schedule", "-c", badp)
    check(r.returncode == 2 and "intro_minute" in r.stderr, "schedule with a bad config: %r" % r.stderr)
    r = rounds("schedule", "-c", good)
    check(r.returncode == 0 and "no schedule: a host opens it with !start" in r.stdout,
          "schedule of a chat without one: %r" % r.stdout)
    sched = json.loads(json.dumps(GOOD))
    sched["chats"]["hcsm"]["timezone"] = "Europe/London"
    sched["chats"]["hcsm"]["schedule"] = {"monthly": "last sunday", "time": "01:30", "reminders": [60]}
    r = rounds("schedule", "-c", write(d, "sched.json", json.dumps(sched)), "--from", "2026-10-01", "--count", "1")
    # the last Sunday of October 2026 is the day BST ends: 01:30 happens twice, the first (BST) is used
    check(r.returncode == 0 and "Sunday 2026-10-25 01:30 BST (UTC+01:00), 2026-10-25 00:30 UTC  the chat opens"
          in r.stdout and "Sunday 2026-10-25 00:30 BST (UTC+01:00), 2026-10-24 23:30 UTC  reminder, 1 hour "
          "before" in r.stdout, "schedule listing: %r" % r.stdout)


if __name__ == "__main__":
    rt.run(scenario, "cli")
