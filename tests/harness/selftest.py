#!/usr/bin/python3
"""Self-test of the IRC test-network harness (ircnet.py + ircclient.py).

Starts two networks in a temporary directory (flood-limited through the
Python API, unlimited through the CLI), registers accounts, connects clients
over plain TCP, TLS, ws and wss (with SASL), and checks messages, tags,
history replay, the mute extban, a restart of InspIRCd and the flood limits.
Stops everything, even on failure.  Prints PASS/FAIL per check and exits 0
only if all passed.

    /usr/bin/python3 tests/harness/selftest.py [--keep]   # --keep: leave the logs
"""
import datetime
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import ircclient  # noqa: E402
import ircnet  # noqa: E402

CHAN = "#selftest"
results = {"passed": 0, "failed": 0}
timings = {}


def check(name, ok, detail=""):
    results["passed" if ok else "failed"] += 1
    line = f"{'PASS' if ok else 'FAIL'} {name}"
    if detail and not ok:
        line += ": " + str(detail).replace("\n", "\n    ")
    print(line, flush=True)
    return ok


def section(name, fn, *args):
    """Run one group of checks; an exception fails the group, not the run."""
    try:
        return fn(*args)
    except Exception as e:            # noqa: BLE001 - reported as a failed check
        check(name, False, f"{type(e).__name__}: {e}")
        if os.environ.get("SELFTEST_TRACE"):
            traceback.print_exc()
        return None


def timed(key, fn, *args, **kw):
    t = time.monotonic()
    out = fn(*args, **kw)
    timings[key] = time.monotonic() - t
    return out


def fresh(m):
    """The message has a server-time within a minute of now."""
    t = m.time
    return t is not None and abs((datetime.datetime.now(datetime.timezone.utc) - t)
                                 .total_seconds()) < 60


def privmsg(nick, text):
    return lambda m: m.command == "PRIVMSG" and m.nick == nick and m.text == text


def cli(*args, timeout=60):
    return subprocess.run([sys.executable, os.path.join(HERE, "ircnet.py"), *args],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


# --------------------------------------------------------------------------

def start_both(root):
    """Network A through the API (flood limits on), B through the CLI
    (--no-flood-limit), at the same time."""
    a = ircnet.Network(os.path.join(root, "a"))
    box = {}

    def start_b():
        box["b"] = timed("start (CLI, --no-flood-limit)", cli, "start", os.path.join(root, "b"),
                         "--no-flood-limit")
    t = threading.Thread(target=start_b)
    t.start()
    try:
        timed("start (API)", a.start)
    except BaseException:
        t.join()
        cli("stop", os.path.join(root, "b"))
        raise
    t.join()
    check("start-api", a.ircd_pid and a.services_pid)
    res = box["b"]
    if not check("start-cli", res.returncode == 0, res.stderr):
        return a, None
    env = dict(line.split("=", 1) for line in shlex.split(res.stdout))
    with open(os.path.join(root, "b", "ircnet.env")) as f:
        check("cli-env-file", f.read() == res.stdout)
    want = {"IRCNET_DIR", "IRCNET_HOST", "IRCNET_PORT", "IRCNET_TLS_PORT", "IRCNET_WS_PORT",
            "IRCNET_WSS_PORT", "IRCNET_CA_FILE", "IRCNET_TLS_NAME", "IRCNET_FLOOD",
            "IRCNET_IRCD_PID", "IRCNET_SERVICES_PID", "IRCNET_OPER_NAME", "IRCNET_OPER_PASSWORD"}
    check("cli-env-keys", want <= set(env), sorted(want - set(env)))
    check("cli-env-values", env["IRCNET_HOST"] == "127.0.0.1" and env["IRCNET_FLOOD"] == "off"
          and env["IRCNET_TLS_NAME"] == "localhost", env)
    b = ircnet.Network.attach(env["IRCNET_DIR"])
    check("attach", b.port == int(env["IRCNET_PORT"]) and b.wss_port == int(env["IRCNET_WSS_PORT"])
          and b.ircd_pid == int(env["IRCNET_IRCD_PID"]) and not b.flood)
    print(f"# A: plain {a.port} tls {a.tls_port} ws {a.ws_port} wss {a.wss_port} "
          f"(daemons run as {a.run_as}); B: plain {b.port}")
    return a, b


def accounts(a, pw):
    timed("register 2 accounts (API, parallel)", a.register_many,
          [("alice", pw["alice"]), ("bob", pw["bob"])])
    check("register-accounts", True)
    res = timed("account CLI (idempotent re-run)", cli, "account", a.dir, "alice", pw["alice"])
    check("register-idempotent-cli", res.returncode == 0, res.stderr)
    try:
        a.register("alice", "not-" + pw["alice"])
        check("register-other-password-refused", False, "no error")
    except ircnet.NetworkError as e:
        check("register-other-password-refused", "another password" in str(e), e)


def connect_clients(a, pw):
    cs = {
        "alice": a.client("alice", "tcp", sasl=("alice", pw["alice"])),
        "bob": a.client("bob", "tls", sasl=("bob", pw["bob"])),
        "carol": a.client("carol", "ws"),
        "dave": a.client("dave", "wss", sasl=("bob", pw["bob"])),    # a 2nd login as bob
        "erin": a.client("erin", "tcp", caps=("batch", "server-time", "message-tags")),
        "frank": a.client("frank", "tcp", caps=()),
    }
    timed("connect 6 clients (parallel)", ircclient.connect_all, list(cs.values()), 15,
          wait_motd=True)
    alice, bob, carol, dave = cs["alice"], cs["bob"], cs["carol"], cs["dave"]
    for cap in ("sasl", "server-time", "message-tags", "account-tag", "extended-join",
                "account-notify", "echo-message", "batch", "cap-notify", "labeled-response"):
        check(f"cap-{cap}", cap in alice.caps_offered, sorted(alice.caps_offered))
    check("cap-sasl-plain", alice.caps_offered.get("sasl") == "PLAIN", alice.caps_offered)
    check("sasl-plain-tcp", alice.sasl_result == "903", alice.sasl_result)
    check("sasl-plain-tls", bob.sasl_result == "903", bob.sasl_result)
    check("sasl-plain-wss", dave.sasl_result == "903", dave.sasl_result)
    check("ws-subprotocol-ircv3-not-echoed", carol.ws_protocol is None, carol.ws_protocol)
    isup = alice.isupport
    print("# ISUPPORT " + " ".join(f"{k}={isup.get(k)}" for k in
                                   ("PREFIX", "CHANMODES", "EXTBAN", "CASEMAPPING", "LINELEN",
                                    "NICKLEN", "CHANLIMIT", "MAXLIST", "BOT")))
    check("isupport", isup.get("PREFIX") == "(ov)@+" and "m" in isup.get("EXTBAN", "")
          and isup.get("CASEMAPPING") == "rfc1459", isup)
    return cs


def transports(a):
    """TLS really verifies; wss offers text.inspircd.org; Origin is required."""
    c = a.client("nobody", "tls", ca_file=None)      # system CAs: must not verify
    try:
        c.open()
        check("tls-verify-rejects-foreign-ca", False, "handshake verified without our CA")
    except OSError as e:
        check("tls-verify-rejects-foreign-ca", "CERTIFICATE_VERIFY_FAILED" in str(e), e)
    finally:
        c.close()
    c = a.client("nobody", "wss", subprotocols=("text.ircv3.net", "text.inspircd.org"))
    c.open()
    check("wss-subprotocol-inspircd", c.ws_protocol == "text.inspircd.org", c.ws_protocol)
    c.close()
    c = a.client("nobody", "ws", origin=None)
    try:
        c.open()
        check("ws-origin-required", False, "accepted without Origin")
    except ircclient.IRCError as e:
        check("ws-origin-required", "400" in str(e), e)
    finally:
        c.close()


def channel(cs):
    alice, bob, carol, dave = (cs[k] for k in ("alice", "bob", "carol", "dave"))
    j = alice.join(CHAN)
    names = alice.wait_for("353")
    check("creator-gets-op", "@alice" in names.text, names.raw)
    check("extended-join-account", j.params[1:2] == ["alice"], j.raw)
    for c in (bob, carol, dave):
        c.join(CHAN)
    for c in (bob, carol, dave):
        c.wait_for("366")
    alice.privmsg(CHAN, "hello 1", tags={"+draft/example": "a;b c"})
    alice.privmsg(CHAN, "hello 2")
    m = bob.wait_for(privmsg("alice", "hello 1"))
    check("privmsg-tcp-to-tls", True)
    check("tag-account", m.account == "alice", m.raw)
    check("tag-server-time", fresh(m), m.raw)
    check("tag-msgid", bool(m.msgid), m.raw)
    check("tag-client-unescaped", m.tags.get("+draft/example") == "a;b c", m.raw)
    e = alice.wait_for(privmsg("alice", "hello 1"))
    check("echo-message-same-msgid", e.msgid == m.msgid, e.raw)
    w = carol.wait_for(privmsg("alice", "hello 1"))
    check("privmsg-to-ws", w.msgid == m.msgid, w.raw)
    w = dave.wait_for(privmsg("alice", "hello 1"))
    check("privmsg-to-wss", w.msgid == m.msgid, w.raw)
    carol.privmsg(CHAN, "from ws ✓")
    check("privmsg-from-ws", "account" not in bob.wait_for(privmsg("carol", "from ws ✓")).tags)
    dave.privmsg(CHAN, "from wss")
    check("privmsg-from-wss-logged-in-as-bob",
          alice.wait_for(privmsg("dave", "from wss")).account == "bob")
    return m


def history(cs, first):
    """Late joiners get the last lines replayed: a batch for batch clients, a
    NOTICE header otherwise."""
    erin, frank = cs["erin"], cs["frank"]
    erin.join(CHAN)
    start = erin.wait_for(lambda m: m.command == "BATCH" and m.params[0].startswith("+"))
    check("history-batch-chathistory", start.params[1:2] == ["chathistory"], start.raw)
    erin.wait_for(lambda m: m.command == "BATCH" and m.params[0].startswith("-"))
    got = [m for m in erin.messages if m.tags.get("batch") == start.params[0][1:]]
    texts = [m.text for m in got if m.command == "PRIVMSG"]
    check("history-replay", texts[:2] == ["hello 1", "hello 2"], texts)
    if got:
        check("history-msgid-and-time-kept", got[0].msgid == first.msgid and fresh(got[0]),
              f"{got[0].raw} vs {first.raw}")
        print(f"# history line (batch client): {got[0].raw}")
    frank.join(CHAN)
    hdr = frank.wait_for(lambda m: m.command == "NOTICE" and "eplay" in m.text)
    m = frank.wait_for(privmsg("alice", "hello 1"))
    check("history-replay-plain-client", True)
    print(f"# history header (plain client): {hdr.raw}")
    print(f"# history line (plain client): {m.raw}")


def mute(cs):
    alice, carol, bob = cs["alice"], cs["carol"], cs["bob"]
    alice.raw(f"MODE {CHAN} +b m:carol!*@*")
    carol.wait_for(lambda m: m.command == "MODE" and "m:carol!*@*" in m.params)
    mark = bob.mark()
    carol.privmsg(CHAN, "am I muted?")
    r = carol.wait_for(lambda m: m.command == "404" or (m.command == "PRIVMSG"
                                                       and m.nick == "carol"))
    time.sleep(0.2)
    leaked = [m for m in bob.messages[mark:] if m.command == "PRIVMSG" and m.nick == "carol"]
    check("mute-extban-blocks", r.command == "404" and not leaked, r.raw)
    alice.raw(f"MODE {CHAN} -b m:carol!*@*")


def restart(a, cs, pw):
    old_pid = a.ircd_pid
    ports = (a.port, a.tls_port, a.ws_port, a.wss_port)
    res = timed("restart (CLI)", cli, "restart", a.dir)
    if not check("restart-cli", res.returncode == 0, res.stderr):
        return
    a2 = ircnet.Network.attach(a.dir)
    check("restart-same-ports", (a2.port, a2.tls_port, a2.ws_port, a2.wss_port) == ports)
    check("restart-new-ircd-pid", a.ircd_pid and a.ircd_pid != old_pid)
    for name, c in cs.items():
        try:
            c.wait_for(lambda m: False, 3)
        except ircclient.IRCError:
            pass                   # closed: what we want
        except TimeoutError:
            check(f"restart-disconnects-{name}", False, "still connected")
    t = time.monotonic()
    again = ircclient.connect_all([a.client("alice", "tcp", sasl=("alice", pw["alice"])),
                                   a.client("bob", "wss", sasl=("bob", pw["bob"]))])
    timings["reconnect 2 clients after restart"] = time.monotonic() - t
    alice, bob = again
    check("restart-sasl-again", alice.sasl_result == bob.sasl_result == "903")
    alice.join(CHAN)
    bob.join(CHAN)
    alice.wait_for(lambda m: m.command == "JOIN" and m.nick == "bob")
    alice.privmsg(CHAN, "after restart")
    m = bob.wait_for(privmsg("alice", "after restart"))
    check("restart-privmsg", m.account == "alice", m.raw)
    for c in again:
        c.quit()


def flood(net, limited, n):
    """A burst of n PRIVMSGs: fakelagged on a limited network, at once on an
    unlimited one.  Returns (received within the window, seconds)."""
    rx, tx = ircclient.connect_all([net.client("rx", "tcp"), net.client("tx", "tcp", caps=())])
    try:
        rx.join("#flood")
        tx.join("#flood")
        rx.wait_for(lambda m: m.command == "JOIN" and m.nick == "tx")
        t = time.monotonic()
        for i in range(n):
            tx.privmsg("#flood", f"burst {i}")
        window = 1.5 if limited else 10.0
        deadline = t + window
        got = 0
        while time.monotonic() < deadline:
            got = sum(1 for m in rx.messages if m.command == "PRIVMSG" and m.nick == "tx")
            if got == n:
                break
            time.sleep(0.01)
        return got, time.monotonic() - t
    finally:
        rx.close()
        tx.close()


def flood_checks(a, b):
    box = {}
    tb = threading.Thread(target=lambda: box.update(b=flood(b, False, 1000)))
    tb.start()
    got, secs = flood(a, True, 20)
    check("flood-limited-fakelag", 5 <= got < 20, f"{got} of 20 arrived in {secs:.2f}s")
    print(f"# flood on: {got} of 20 PRIVMSGs arrived in the first {secs:.1f}s")
    tb.join()
    got, secs = box["b"]
    check("flood-unlimited", got == 1000, f"{got} of 1000 arrived in {secs:.2f}s")
    print(f"# flood off: {got} of 1000 PRIVMSGs arrived in {secs:.2f}s")


def stop_all(a, b, root):
    pids = [p for p in (a.ircd_pid, a.services_pid) if p]
    timed("stop (API)", a.stop)
    if b is not None:
        pids += [p for p in (b.ircd_pid, b.services_pid) if p]
        res = timed("stop (CLI)", cli, "stop", b.dir)
        check("stop-cli", res.returncode == 0, res.stderr)
    alive = [p for p in pids if ircnet._start_time(p)]
    check("stop-no-daemon-left", not alive, alive)
    with open(os.path.join(root, "a", "data", "services.db")) as f:
        check("services-db-saved", any(line.startswith("MU ") and " alice " in line
                                        for line in f))


def main():
    keep = "--keep" in sys.argv[1:]
    t0 = time.monotonic()
    root = tempfile.mkdtemp(prefix="ircnet-selftest.")
    os.chmod(root, 0o755)     # as root, the daemons' own user must reach it
    pw = {"alice": "pw-a-" + os.urandom(4).hex(), "bob": "pw-b-" + os.urandom(4).hex()}
    a = b = None
    try:
        a, b = start_both(root)
        if b is None:
            return 1
        section("accounts", accounts, a, pw)
        section("transports", transports, a)
        cs = section("connect", connect_clients, a, pw)
        if cs:
            first = section("channel", channel, cs)
            if first:
                section("history", history, cs, first)
            section("mute", mute, cs)
            section("restart", restart, a, cs, pw)
            for c in cs.values():
                c.close()
        section("flood", flood_checks, a, b)
    except Exception as e:              # noqa: BLE001
        check("selftest", False, f"{type(e).__name__}: {e}")
        traceback.print_exc()
    finally:
        if a is not None:
            section("stop", stop_all, a, b, root)
        elif b is not None:
            b.stop()
        if keep:
            print(f"# kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    for k, v in timings.items():
        print(f"# time: {k}: {v:.2f}s")
    print(f"# selftest took {time.monotonic() - t0:.1f}s")
    print(f"{results['passed']} passed, {results['failed']} failed")
    return 1 if results["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
