#!/usr/bin/python3
"""Burst benchmark: how fast and how cheaply rounds stores a flood of
channel messages, next to a bare reader of the same channel, in one run.

A real InspIRCd + Atheme network (tests/harness, flood limits raised) and
a running chat; `blast` (C) has SENDERS clients write MESSAGES channel
messages as fast as the server takes them; `reader` (C) only reads the
channel; `libfloor` (C) only links and starts the libraries the bot is
built on, for the memory floor they set. We measure, for the bot and for
the reader: CPU seconds during the burst (from /proc), peak resident memory
(VmHWM), and when the last message was seen; for the bot also when the
store had every message committed and when the full-text index had caught
up, and what it wrote and read (/proc/PID/io). Every message is then
checked in the store and through a full-text search.

Then the same burst goes to another channel, read by Debian's eggdrop (the
issue's "mature C bot that only appends to a text log": stock modules, one
logfile of the channel) and by the reader again, in a pass of its own so
that it takes no CPU from the bot. Its CPU seconds are the reference the
bot's are compared with on this machine (tests/setup bench installs it;
without it the pass is skipped).

It prints figures and the machine; it asserts nothing about time (the
exit status is non-zero only if a message was lost or the run failed).

usage: tests/bench/burst.py [--messages N] [--senders S] [--build DIR] [--no-eggdrop] [--keep]
"""

import argparse
import os
import platform
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "harness"))

import ircclient  # noqa: E402
import ircnet  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def io_counts(pid):
    """The process's syscall I/O so far (/proc/PID/io): written and read
    bytes and calls, page cache included."""
    out = {}
    with open("/proc/%d/io" % pid) as f:
        for line in f:
            k, v = line.split(":")
            out[k] = int(v)
    return out


def peak_rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def rss_parts_kb(pid):
    """(RssAnon, RssFile) now: private memory, and file-backed pages (the
    binary and the shared libraries)."""
    anon = filed = 0
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("RssAnon:"):
                anon = int(line.split()[1])
            elif line.startswith("RssFile:"):
                filed = int(line.split()[1])
    return anon, filed


EGGDROP_CONF = """\
set mod-path "/usr/lib/eggdrop/modules/"
set help-path "/usr/share/eggdrop/help/"
loadmodule blowfish
loadmodule channels
loadmodule server
loadmodule irc
set nick "eggbench"
set altnick "eggbench2"
set realname "eggdrop, logging the channel"
set username "egg"
set admin "bench"
set network "bench"
set net-type 5
set servers { 127.0.0.1:%d }
logfile p #ref "logs/ref.log"
set userfile "egg.user"
set chanfile "egg.chan"
channel add #ref
"""


class Eggdrop:
    """The reference the core issue names: a mature C bot that only appends
    the channel to a text log. Debian's eggdrop, its stock modules, one
    logfile of the channel's public lines, everything else at its defaults
    (the log is written through stdio's buffer, as eggdrop does unless
    told otherwise). Eggdrop refuses to run as root: as root it runs as
    nobody."""

    def __init__(self, d, port):
        self.dir = os.path.join(d, "eggdrop")
        os.makedirs(os.path.join(self.dir, "logs"))
        with open(os.path.join(self.dir, "egg.conf"), "w") as f:
            f.write(EGGDROP_CONF % port)
        argv = [shutil.which("eggdrop"), "-n", "-m", "egg.conf"]
        if os.geteuid() == 0:
            import pwd
            pw = pwd.getpwnam("nobody")
            subprocess.run(["chown", "-R", "%d:%d" % (pw.pw_uid, pw.pw_gid), self.dir], check=True)
            argv = ["setpriv", "--reuid=%d" % pw.pw_uid, "--regid=%d" % pw.pw_gid, "--clear-groups"] + argv
        self.out_path = os.path.join(self.dir, "console.log")
        self.out = open(self.out_path, "w")
        self.proc = subprocess.Popen(argv, cwd=self.dir, stdout=self.out, stderr=subprocess.STDOUT)
        self.log = os.path.join(self.dir, "logs", "ref.log")
        self.pid = self.proc.pid  # setpriv execs eggdrop: the same process

    def wait_joined(self, timeout):
        end = time.time() + timeout
        while time.time() < end:
            with open(self.out_path, errors="replace") as f:
                if "eggbench joined #ref" in f.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise SystemExit("bench: eggdrop did not join #ref; see %s" % self.out_path)

    def logged(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().count(b"burst#")
        except OSError:
            return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.out.close()


def machine():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = "%.1f GiB RAM" % (int(f.readline().split()[1]) / 2**20)
    except OSError:
        pass
    def ver(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"
    return [
        "machine: %s, %d cores, %s" % (model, os.cpu_count() or 0, mem),
        "system:  %s %s; %s" % (platform.system(), platform.release(), ver(["sh", "-c", ". /etc/os-release; echo $PRETTY_NAME"])),
        "libs:    SQLite %s, libwebsockets %s, %s" % (sqlite3.sqlite_version,
                                                      ver(["pkg-config", "--modversion", "libwebsockets"]),
                                                      ver(["inspircd", "--version"])),
    ]


def wait_line(proc, want, timeout):
    end = time.time() + timeout
    while time.time() < end:
        line = proc.stdout.readline()
        if not line:
            raise SystemExit("bench: %s exited (%s) before printing %r" % (proc.args[0], proc.poll(), want))
        if line.strip().startswith(want):
            return line.strip()
    raise SystemExit("bench: no %r from %s within %ss" % (want, proc.args[0], timeout))


def main():
    ap = argparse.ArgumentParser(description="rounds burst benchmark")
    ap.add_argument("--messages", type=int, default=100000)
    ap.add_argument("--senders", type=int, default=20)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--no-eggdrop", action="store_true",
                    help="leave out the reference bot (Debian's eggdrop, logging the channel)")
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)  # the bot runs in its work directory
    rounds = os.path.join(args.build, "rounds")
    blast = os.path.join(args.build, "tests", "bench", "blast")
    reader = os.path.join(args.build, "tests", "bench", "reader")
    libfloor = os.path.join(args.build, "tests", "bench", "libfloor")
    for p in (rounds, blast, reader, libfloor):
        if not os.access(p, os.X_OK):
            raise SystemExit("bench: %s is missing; build first (cmake --build %s)" % (p, args.build))

    d = tempfile.mkdtemp(prefix="rounds-bench-")
    os.chmod(d, 0o755)
    with ircnet.Network(os.path.join(d, "net"), flood=False) as net:
        net.register_many([("benchhost", "pw-benchhost")])
        cfg = {
            "store": "bench.db", "output_dir": "out", "log_level": "info",
            "networks": {"bench": {"host": "127.0.0.1", "port": net.port, "tls": False, "nick": "rounds",
                                   "pace": {"burst": 100, "per_second": 100}}},
            "chats": {"bench": {"network": "bench", "room": "#bench", "hosts": ["benchhost"],
                                "intro_minutes": 0, "warning_minutes": 0,
                                "agenda": [{"topic": "A long first round", "minutes": 600}]}},
        }
        import json
        cfg_path = os.path.join(d, "bench.json")
        with open(cfg_path, "w") as f:
            json.dump(cfg, f)
        log = open(os.path.join(d, "bot.log"), "w")
        # ROUNDS_BENCH_WRAP="perf record -g -o /tmp/bot.perf" profiles the bot
        wrap = os.environ.get("ROUNDS_BENCH_WRAP", "").split()
        bot = subprocess.Popen(wrap + [rounds, "run", "-c", cfg_path], stdout=log,
                               stderr=subprocess.STDOUT, cwd=d)
        db_path = os.path.join(d, "bench.db")
        try:
            result = run(args, net, bot, db_path, blast, reader)
        finally:
            bot.terminate()
            bot.wait(20)
        if not args.no_eggdrop and shutil.which("eggdrop"):
            # a pass of its own, after the bot's: on 2 cores a third busy
            # client would take CPU from the bot and delay its store
            result.update(run_eggdrop(args, net, d, blast, reader))
        log.close()
        with open(os.path.join(d, "bot.log")) as f:
            for line in f:
                if "events stored in" in line or "lines in" in line:
                    print("bot: " + line.split(" ", 2)[2].strip())
    result["floor_rss"] = library_floor(libfloor, d)
    report(args, result)
    if not args.keep:
        subprocess.run(["rm", "-rf", d])
    else:
        print("work directory kept: %s" % d)
    if result["stored"] != args.messages or result["indexed"] != args.messages:
        sys.exit(1)


def ready_burst(args, net, blast, reader, channel, reader_nick):
    """The reader in channel, and blast's senders connected, waiting for
    "go" on its stdin."""
    rd = subprocess.Popen([reader, "127.0.0.1", str(net.port), reader_nick, channel, str(args.messages)],
                          stdout=subprocess.PIPE, text=True)
    wait_line(rd, "ready", 30)
    bl = subprocess.Popen([blast, "127.0.0.1", str(net.port), channel, str(args.senders),
                           str(args.messages), "42"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    wait_line(bl, "ready", 60)
    time.sleep(0.5)
    return rd, bl


def run(args, net, bot, db_path, blast, reader):
    deadline = time.time() + 30
    while not os.path.exists(db_path) and time.time() < deadline:
        time.sleep(0.05)
    (host,) = ircclient.connect_all([net.client("benchhost", "tcp", sasl=("benchhost", "pw-benchhost"))])
    host.join("#bench")
    host.wait_for(lambda m: (m.command == "JOIN" and m.nick == "rounds") or
                  (m.command == "353" and re.search(r"(^|[ @+])rounds(!| |$)", m.params[-1])),
                  30, "the bot in #bench", since=0)
    host.privmsg("#bench", "!start")
    host.wait_for(lambda m: m.command == "PRIVMSG" and m.nick == "rounds" and (m.text or "").startswith("T1:"), 30)

    rd, bl = ready_burst(args, net, blast, reader, "#bench", "benchreader")
    db = sqlite3.connect("file:%s?mode=ro" % db_path, uri=True, timeout=10)
    base_id = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
    bot_cpu0 = cpu_seconds(bot.pid)  # the reader reports its own
    io0 = io_counts(bot.pid)
    t0 = time.time()
    bl.stdin.write("go\n")
    bl.stdin.flush()

    # the store catches up: every message committed (one event each)
    target = base_id + args.messages
    stored_at = None
    indexed_at = None
    last_ms = None
    peak_anon = peak_file = 0
    while indexed_at is None and time.time() - t0 < 300:
        now = time.time()
        anon, filed = rss_parts_kb(bot.pid)
        peak_anon, peak_file = max(peak_anon, anon), max(peak_file, filed)
        if stored_at is None:
            top = db.execute("SELECT coalesce(max(id), 0) FROM events").fetchone()[0]
            if top >= target:
                stored_at = now
        if stored_at is not None:
            mark = db.execute("SELECT value FROM meta WHERE key = 'fts_indexed_to'").fetchone()[0]
            if mark >= target:
                indexed_at = now
        time.sleep(0.002)
    out = rd.communicate(timeout=120)[0]
    m = re.search(r"last_ms (\d+)", out)
    last_ms = int(m.group(1)) / 1000.0 if m else None
    bot_cpu = cpu_seconds(bot.pid) - bot_cpu0
    io1 = io_counts(bot.pid)
    io = {k: io1[k] - io0[k] for k in io1}
    bl.stdin.write("bye\n")
    bl.stdin.flush()
    bl.wait(30)
    if indexed_at is None:
        raise SystemExit("bench: the store did not catch up within 300 s")
    stored = db.execute("SELECT count(*) FROM events WHERE kind = 1 AND text LIKE '%burst#%'").fetchone()[0]
    distinct = db.execute("SELECT count(DISTINCT substr(text, instr(text, 'burst#'))) FROM events"
                          " WHERE kind = 1 AND text LIKE '%burst#%'").fetchone()[0]
    indexed = db.execute("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'burst'").fetchone()[0]
    t = time.perf_counter()
    hits = db.execute("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'burnout AND handover'").fetchone()[0]
    search_ms = (time.perf_counter() - t) * 1000
    db.close()
    db_mb = os.path.getsize(db_path) / 1e6
    return {
        "db_mb": db_mb,
        "stored": min(stored, distinct), "indexed": indexed, "bot_cpu": bot_cpu,
        "reader_cpu": rd_cpu_from(out, rd), "reader_last": last_ms,
        "stored_at": stored_at, "indexed_at": indexed_at, "t0": t0,
        "bot_rss": peak_rss_kb(bot.pid), "reader_rss": rd.rss if hasattr(rd, "rss") else None,
        "search_ms": search_ms, "hits": hits, "bot_anon": peak_anon, "bot_file": peak_file,
        "io": io,
    }


def run_eggdrop(args, net, d, blast, reader):
    """The same burst, into #ref, read by eggdrop and the reader (again:
    its CPU shows the machine was as busy as in the bot's pass)."""
    egg = Eggdrop(d, net.port)
    try:
        egg.wait_joined(60)
        rd, bl = ready_burst(args, net, blast, reader, "#ref", "refreader")
        cpu0 = cpu_seconds(egg.pid)
        t0 = time.time()
        bl.stdin.write("go\n")
        bl.stdin.flush()
        out = rd.communicate(timeout=300)[0]
        # done when its log stops growing for a second (the last few KB wait
        # in stdio's buffer until it exits; they are counted then)
        n, still = -1, 0
        while still < 10 and time.time() - t0 < 300:
            m = egg.logged()
            still = still + 1 if m == n else 0
            n = m
            time.sleep(0.1)
        egg_cpu = cpu_seconds(egg.pid) - cpu0
        egg_rss = peak_rss_kb(egg.pid)
        bl.stdin.write("bye\n")
        bl.stdin.flush()
        bl.wait(30)
    finally:
        egg.stop()
    return {"egg_cpu": egg_cpu, "egg_rss": egg_rss, "egg_logged": egg.logged(),
            "ref_reader_cpu": rd_cpu_from(out, rd)}


def rd_cpu_from(out, rd):
    m = re.search(r"cpu ([0-9.]+) rss (\d+)", out)
    if m:
        rd.rss = int(m.group(2))
        return float(m.group(1))
    return None


def library_floor(libfloor, d):
    """Peak memory (KB) of a program that only links and starts the
    libraries the bot is built on (tests/bench/libfloor.c)."""
    p = subprocess.Popen([libfloor, d], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        wait_line(p, "ready", 10)
        return peak_rss_kb(p.pid)
    finally:
        p.stdin.close()
        p.wait(10)


def linking(rounds):
    """How the bot binary has its libraries: "shared" (the default build) or
    "static" (ROUNDS_STATIC_LIBS: only glibc shared)."""
    try:
        needed = subprocess.run(["readelf", "-d", rounds], capture_output=True, text=True).stdout
    except OSError:
        return "?"
    return "shared" if "libwebsockets" in needed else "static"


def report(args, r):
    print("rounds burst benchmark: %d messages from %d senders into one channel" % (args.messages, args.senders))
    for line in machine():
        print("  " + line)
    rounds = os.path.join(args.build, "rounds")
    print("  build:   %s (libwebsockets, OpenSSL, SQLite, jansson: %s libraries)" % (rounds, linking(rounds)))
    per100k = 100000.0 / args.messages
    egg = r.get("egg_cpu") is not None
    nan = float("nan")

    def row(label, ours, reader, eggdrop, fmt):
        cells = [fmt % v if isinstance(v, (int, float)) else "%s" % v for v in (ours, reader, eggdrop)]
        print("  %-40s %10s %10s %10s" % (label, cells[0], cells[1], cells[2] if egg else ""))

    print()
    row("", "rounds", "reader", "eggdrop", "%s")
    row("messages stored / read / logged", r["stored"], args.messages, r.get("egg_logged", "-"), "%d")
    row("messages in the full-text index", r["indexed"], "-", "-", "%d")
    row("CPU seconds during the burst", r["bot_cpu"], r["reader_cpu"] or nan, r.get("egg_cpu") or nan, "%.3f")
    row("CPU seconds per 100,000 messages", r["bot_cpu"] * per100k, (r["reader_cpu"] or nan) * per100k,
        (r.get("egg_cpu") or nan) * per100k, "%.3f")
    if r["reader_cpu"]:
        print("  %-40s %10.1f" % ("CPU ratio rounds / reader", r["bot_cpu"] / r["reader_cpu"]))
    if egg:
        print("  %-40s %10s %10.3f   (the reader again, in eggdrop's pass)"
              % ("  eggdrop's pass: reader CPU seconds", "", (r["ref_reader_cpu"] or nan) * per100k))
    if egg and r["egg_cpu"]:
        print("  %-40s %10.2f   (the issue's 0.5 s against eggdrop's 1.3 s: 0.38)"
              % ("CPU ratio rounds / eggdrop", r["bot_cpu"] / r["egg_cpu"]))
    row("peak memory (VmHWM), MB", r["bot_rss"] / 1024.0, (r["reader_rss"] or 0) / 1024.0,
        (r.get("egg_rss") or 0) / 1024.0, "%.2f")
    print("  %-40s %10.2f" % ("  of which private (RssAnon, sampled), MB", r["bot_anon"] / 1024.0))
    print("  %-40s %10.2f" % ("  of which file-backed (RssFile), MB", r["bot_file"] / 1024.0))
    print("  %-40s %10.2f   (libfloor: links and starts them, does nothing)"
          % ("peak memory of the same libraries, MB", r["floor_rss"] / 1024.0))
    print("  %-40s %10.2f" % ("rounds above that floor, MB", (r["bot_rss"] - r["floor_rss"]) / 1024.0))
    if r["reader_last"]:
        burst = r["reader_last"] - r["t0"]
        print("  %-40s %10s %10.2f" % ("burst seen by the reader, s", "", burst))
        print("  %-40s %10.3f" % ("store caught up after the reader, s", r["stored_at"] - r["reader_last"]))
        print("  %-40s %10.3f" % ("index caught up after the reader, s", r["indexed_at"] - r["reader_last"]))
        print("  %-40s %10.0f" % ("messages stored per second", args.messages / max(r["stored_at"] - r["t0"], 1e-6)))
    io = r["io"]
    print("  %-40s %10.1f   (%d write calls; the store is %.1f MB)"
          % ("written by the bot during the burst, MB", io["wchar"] / 1e6, io["syscw"], r["db_mb"]))
    print("  %-40s %10.1f   (%d calls, network included)" % ("read by the bot, MB", io["rchar"] / 1e6, io["syscr"]))
    print("  %-40s %10.2f   (%d hits)" % ("one full-text search, ms", r["search_ms"], r["hits"]))
    if not egg:
        print("  (no eggdrop: apt-get install eggdrop for the reference bot, or --no-eggdrop was given)")
    print()
    print("  targets (issue 2): every message stored and indexed; <= 0.5 CPU s per 100k")
    print("  (a mature C bot that only appends to a text log: about 1.3); store caught up")
    print("  within 0.1 s of the reader; peak memory < 6 MB")


if __name__ == "__main__":
    main()
