#!/usr/bin/python3
"""TLS certificates are verified by default.

Against the test network's throwaway CA: without `ca_file` the bot refuses
the certificate, says why, and keeps retrying without ever registering;
with the CA it connects, also to the host by name (looked up off the
event loop, the certificate checked against the name); with `tls_verify: false` it connects and says
loudly that it does not verify.
"""

import os
import time

import roundstest as rt
from roundstest import check


def chat():
    return {"network": "n", "room": "#tls", "ops_are_moderators": True,
            "agenda": [{"topic": "t", "minutes": 5}]}


def scenario():
    d = rt.tmpdir("tls")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        base = {"host": "127.0.0.1", "port": net.tls_port, "tls": True, "ping_seconds": 30,
                "reconnect": {"min_seconds": 0.5, "max_seconds": 1}}
        untrusted = rt.Bot(d, {"store": "a.db", "networks": {"n": dict(base, nick="botnoca")},
                               "chats": {"c": chat()}}, name="noca").start()
        trusted = rt.Bot(d, {"store": "b.db", "networks": {"n": dict(base, nick="botca", ca_file=net.ca_file)},
                             "chats": {"c": chat()}}, name="ca").start()
        byname = rt.Bot(d, {"store": "d.db", "networks": {"n": dict(base, host="localhost", nick="botname",
                                                                  ca_file=net.ca_file)},
                            "chats": {"c": chat()}}, name="byname").start()
        blind = rt.Bot(d, {"store": "c.db", "networks": {"n": dict(base, nick="botblind", tls_verify=False)},
                           "chats": {"c": chat()}}, name="blind").start()
        try:
            untrusted.wait_log(r"certificate verification failed", count=2)
            trusted.wait_log(r"TLS, certificate verified")
            trusted.wait_log(r"registered as botca")
            byname.wait_log(r"looking up localhost")
            byname.wait_log(r"connecting to localhost:\d+ \(127\.0\.0\.1\)")
            byname.wait_log(r"TLS, certificate verified")
            byname.wait_log(r"registered as botname")
            blind.wait_log(r"TLS certificates are NOT verified")
            blind.wait_log(r"registered as botblind")
            time.sleep(1)
            check("registered as" not in untrusted.log(),
                  "the bot registered over a certificate it could not verify", untrusted)
            check(untrusted.proc.poll() is None, "the bot gave up instead of retrying", untrusted)
        finally:
            for b in (untrusted, trusted, byname, blind):
                rc = b.stop()
                check(rc == 0, "exit status %s on SIGTERM" % rc, b)


if __name__ == "__main__":
    rt.run(scenario, "tls_verify")
