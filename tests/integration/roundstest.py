"""Shared pieces of the integration tests: run the real rounds binary with a
config written for a test network, read its log and its store, and fail
with the bot's log attached so a failure explains itself.

Python standard library only; run with /usr/bin/python3.
"""

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "harness"))

import ircclient  # noqa: E402
import ircnet  # noqa: E402

ROUNDS = os.environ.get("ROUNDS_BIN") or os.path.join(HERE, "..", "..", "build", "rounds")


class TestFailure(AssertionError):
    pass


def tmpdir(name):
    base = os.environ.get("ROUNDS_TEST_TMP") or tempfile.gettempdir()
    d = tempfile.mkdtemp(prefix="rounds-%s-" % name, dir=base)
    os.chmod(d, 0o755)  # so the harness can run the daemons as an unprivileged user
    return d


def minutes(seconds):
    """Config durations are minutes; tests think in seconds."""
    return seconds / 60.0


class Bot:
    """The rounds daemon under test."""

    def __init__(self, workdir, config, password=None, name="bot"):
        self.dir = workdir
        self.config_path = os.path.join(workdir, name + ".json")
        self.log_path = os.path.join(workdir, name + ".log")
        self.config = config
        with open(self.config_path, "w") as f:
            json.dump(config, f, indent=2)
        self.env = dict(os.environ)
        if password is not None:
            self.env["ROUNDS_TEST_PASSWORD"] = password
        self.proc = None
        self._log = None

    @property
    def store_path(self):
        return os.path.join(self.dir, self.config.get("store", "rounds.db"))

    @property
    def output_dir(self):
        return os.path.join(self.dir, self.config.get("output_dir", "transcripts"))

    def start(self):
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([ROUNDS, "run", "-c", self.config_path], stdout=self._log,
                                     stderr=subprocess.STDOUT, env=self.env, cwd=self.dir)
        return self

    def log(self):
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def wait_log(self, pattern, timeout=30, count=1):
        """Waits until the log matches pattern (a regex) count times."""
        rx = re.compile(pattern)
        end = time.time() + timeout
        while time.time() < end:
            if len(rx.findall(self.log())) >= count:
                return
            if self.proc and self.proc.poll() is not None:
                raise TestFailure("rounds exited (status %s) while waiting for /%s/\n%s"
                                  % (self.proc.returncode, pattern, self.tail()))
            time.sleep(0.05)
        raise TestFailure("timed out after %ss waiting for /%s/ in the bot's log\n%s"
                          % (timeout, pattern, self.tail()))

    def tail(self, n=60):
        lines = self.log().splitlines()
        return "--- bot log (last %d lines) ---\n%s" % (n, "\n".join(lines[-n:]))

    def stop(self, sig=signal.SIGTERM, timeout=15):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise TestFailure("rounds did not exit within %ss of signal %d\n%s"
                              % (timeout, sig, self.tail()))
        if self._log:
            self._log.close()
        if self.proc.returncode == 0 and os.path.exists(self.store_path):
            self.check_store()
        return self.proc.returncode

    def check_store(self):
        """The store the bot leaves is whole: SQLite's integrity check, and
        no row pointing nowhere (the bot does not have SQLite enforce the
        REFERENCES; store.c says why)."""
        con = self.db()
        try:
            ok = con.execute("PRAGMA quick_check").fetchall()
            dangling = con.execute("SELECT * FROM pragma_foreign_key_check").fetchall()
        finally:
            con.close()
        if [tuple(r) for r in ok] != [("ok",)]:
            raise TestFailure("the store fails SQLite's check: %r" % [tuple(r) for r in ok])
        if dangling:
            raise TestFailure("rows of the store point nowhere (table, rowid, parent, fk): %r"
                              % [tuple(r) for r in dangling][:10])

    def db(self):
        con = sqlite3.connect("file:%s?mode=ro" % self.store_path, uri=True, timeout=10)
        con.row_factory = sqlite3.Row
        return con

    def query(self, sql, *args):
        con = self.db()
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def wait_rows(self, sql, *args, count=1, timeout=10):
        """Waits until the query returns at least count rows; returns them."""
        end = time.time() + timeout
        while True:
            try:
                rows = self.query(sql, *args)
            except sqlite3.OperationalError:
                rows = []
            if len(rows) >= count or time.time() > end:
                return rows
            time.sleep(0.05)

    def export(self, chat_id, fmt):
        # with the config: the chat's summary plugins add their sections, as published
        r = subprocess.run([ROUNDS, "export", "-c", self.config_path, "--chat", str(chat_id),
                            "--format", fmt], capture_output=True, text=True, timeout=60,
                           cwd=self.dir, env=self.env)
        if r.returncode != 0:
            raise TestFailure("rounds export failed (%d): %s" % (r.returncode, r.stderr))
        return r.stdout


def network_config(net, nick="rounds", transport="tls", sasl=("rounds", None), **extra):
    """A network entry for the harness network over the given transport."""
    cfg = {"host": "127.0.0.1", "nick": nick, "ping_seconds": 30,
           "reconnect": {"min_seconds": 0.5, "max_seconds": 4}}
    if transport == "tcp":
        cfg.update(port=net.port, tls=False)
    elif transport == "tls":
        cfg.update(port=net.tls_port, tls=True, ca_file=net.ca_file)
    elif transport == "ws":
        cfg.update(port=net.ws_port, tls=False, websocket={"origin": "http://127.0.0.1"})
    elif transport == "wss":
        cfg.update(host="localhost", port=net.wss_port, tls=True, ca_file=net.ca_file,
                   websocket={"origin": "https://localhost"})
    else:
        raise ValueError(transport)
    if sasl and sasl[0]:
        cfg["sasl"] = {"account": sasl[0], "password_env": "ROUNDS_TEST_PASSWORD"}
    cfg.update(extra)
    return cfg


def chanserv_autoop(founder, channel, account):
    """founder (joined, logged in) registers channel with ChanServ and gives
    account the auto-op flag, as on a real network: a bot logged in as
    account is an operator there whenever it (re)joins."""
    founder.join(channel)
    founder.privmsg("ChanServ", "REGISTER %s" % channel)
    founder.wait_for(lambda m: m.command == "NOTICE" and m.nick == "ChanServ"
                     and "registered" in (m.text or ""), 20, "ChanServ registering %s" % channel)
    founder.privmsg("ChanServ", "FLAGS %s %s +O" % (channel, account))
    founder.wait_for(lambda m: m.command == "NOTICE" and m.nick == "ChanServ"
                     and account in (m.text or ""), 20, "ChanServ setting %s's flags" % account)


def mute_mode(c, channel, sign, mask, since=None, timeout=30, bot_nicks=("rounds",)):
    """The bot (by one of bot_nicks) setting sign+"b" mask in channel, as c
    sees it."""
    return c.wait_for(lambda m: m.command == "MODE" and m.nick in bot_nicks
                      and channel in m.params and sign + "b" in m.params and mask in m.params,
                      timeout, "the bot setting %sb %s" % (sign, mask), since=since)


def flood_until_muted(flooder, watcher, channel, mask):
    """flooder floods channel: the flood plugin warns, then mutes; returns
    when watcher sees mask muted."""
    for i in range(8):
        flooder.privmsg(channel, "buy buy buy %d" % i)
    flooder.wait_for(lambda m: m.command == "NOTICE" and m.nick == "rounds"
                     and re.search(r"slow down|too fast|very fast", m.text or ""), 20, "the flood warning")
    for i in range(8):
        flooder.privmsg(channel, "BUY NOW %d" % i)
    mute_mode(watcher, channel, "+", mask)


def check(cond, message, bot=None):
    if not cond:
        raise TestFailure(message + ("\n" + bot.tail() if bot else ""))


def run(test, name):
    """Runs test() and reports; exit status for CTest."""
    t0 = time.time()
    try:
        test()
    except Exception as e:  # noqa: BLE001 - report anything, with context
        print("FAIL %s after %.1fs: %s: %s" % (name, time.time() - t0, type(e).__name__, e),
              file=sys.stderr)
        sys.exit(1)
    print("PASS %s (%.1fs)" % (name, time.time() - t0))
