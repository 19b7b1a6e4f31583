#!/usr/bin/python3
"""ircnet: a real IRC network on 127.0.0.1 for rounds' tests, demo and benchmark.

InspIRCd 3 (Debian package `inspircd`) linked to Atheme 7 services
(`atheme-services`) for accounts and SASL.  Everything lives under one
directory DIR: configs, a throwaway CA and server certificate, logs, pid
files, the services database.  Python 3 standard library only.

Command line (prints KEY=value lines for `eval`, also in DIR/ircnet.env):

    ircnet.py start DIR [--no-flood-limit] [--timeout S]
    ircnet.py stop DIR
    ircnet.py restart DIR          # restart InspIRCd on the same ports
    ircnet.py account DIR NAME PASSWORD [NAME PASSWORD ...]
    ircnet.py install              # apt-get the Debian packages if missing

Python:

    with ircnet.Network(dir) as net:          # start() ... stop()
        net.register("alice", "pw-alice")
        c = net.connect("alice", "tls", sasl=("alice", "pw-alice"))
"""
import argparse
import atexit
import fcntl
import json
import os
import pwd
import resource
import shlex
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ircclient  # noqa: E402

__all__ = ["Network", "NetworkError", "install"]

HOST = "127.0.0.1"
TLS_NAME = "localhost"
SERVER_NAME = "irc.testnet"
SERVICES_NAME = "services.testnet"
NETWORK_NAME = "TestNet"
OPER_NAME, OPER_PASSWORD = "ircnet", "ircnet"
# Debian package -> a file it installs (cheaper to check than dpkg-query)
PACKAGES = {"inspircd": "/usr/lib/inspircd/modules/m_websocket.so",
            "atheme-services": "/usr/bin/atheme-services",
            "openssl": "/usr/bin/openssl"}
IRCD_BIN = "/usr/sbin/inspircd"
SERVICES_BIN = "/usr/bin/atheme-services"
IRCD_MODULES = "/usr/lib/inspircd/modules"
SYSUSER = os.environ.get("IRCNET_USER", "rounds-ircnet")
APT_LOCK = "/run/lock/rounds-ircnet-apt.lock"

# <connect> flood settings.  On: InspIRCd's stock example values (a burst of
# ~10 commands, then about one a second, delayed rather than disconnected).
FLOOD_ON = ('threshold="10" commandrate="1000" fakelag="yes" '
            'recvq="10K" softsendq="10240" hardsendq="1M"')
FLOOD_OFF = ('threshold="1000000" commandrate="1000000" fakelag="yes" '
             'recvq="1M" softsendq="16M" hardsendq="64M"')
# InspIRCd reads a client's input netbuffersize bytes at a time, and when a
# whole burst is already queued it may leave the rest until its one-second
# tick.  Stock is 10240 (~400 short PRIVMSGs); the unlimited network uses the
# maximum, 65534, so bursts up to that size go through at once.
NETBUFFER_ON, NETBUFFER_OFF = 10240, 65534


class NetworkError(Exception):
    """The network could not be started, restarted, stopped or used."""


# --------------------------------------------------------------------------
# Installing the packages
# --------------------------------------------------------------------------

def missing_packages():
    return [p for p, f in PACKAGES.items() if not os.path.exists(f)]


def install(quiet=True):
    """apt-get install those of the Debian packages that are missing (never
    upgrades the others).  A temporary /usr/sbin/policy-rc.d (exit 101) keeps
    the packages' own system-wide daemons from starting.  Uses sudo -n when
    not root; a lock file keeps parallel runs from colliding."""
    if not missing_packages():
        return
    script = r'''
set -e
made=
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d; chmod 755 /usr/sbin/policy-rc.d; made=1
fi
trap '[ -z "$made" ] || rm -f /usr/sbin/policy-rc.d' EXIT
opts="-y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends"
export DEBIAN_FRONTEND=noninteractive
apt-get install $opts "$@" || { apt-get update -qq && apt-get install $opts "$@"; }
'''
    if os.geteuid() != 0:
        if not shutil.which("sudo") or subprocess.run(["sudo", "-n", "true"],
                                                      capture_output=True).returncode:
            raise NetworkError(f"{' '.join(missing_packages())} not installed, and installing "
                               "needs root (or sudo -n)")
    lock_path = APT_LOCK if os.access(os.path.dirname(APT_LOCK), os.W_OK) else \
        os.path.join(tempfile.gettempdir(), "rounds-ircnet-apt.lock")
    with open(lock_path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)           # parallel runs wait here
        missing = missing_packages()                 # another run may have done it
        if not missing:
            return
        if not quiet:
            print(f"ircnet: installing {' '.join(missing)} (apt-get)", file=sys.stderr)
        cmd = ["sh", "-c", script, "sh", *missing]
        if os.geteuid() != 0:
            cmd = ["sudo", "-n"] + cmd
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if res.returncode or missing_packages():
            tail = "\n".join((res.stdout + res.stderr).splitlines()[-20:])
            raise NetworkError(f"apt-get install {' '.join(missing)} failed:\n{tail}")


# --------------------------------------------------------------------------
# Processes: started detached, known by pid + start time, never by name
# --------------------------------------------------------------------------

def _start_time(pid):
    """The process's start time (clock ticks since boot), or None when it is
    gone or a zombie.  pid + start time names a process reuse cannot fool."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in ("Z", "X"):
        return None
    return fields[19]                  # field 22 of stat; we split after field 2


class _Daemon:
    """One daemon: its pid file (DIR/run/NAME.pid: "PID STARTTIME") and, when
    this process started it, the Popen (to reap it)."""

    def __init__(self, rundir, name):
        self.name = name
        self.pidfile = os.path.join(rundir, name + ".pid")
        self.popen = None

    def recorded(self):
        try:
            with open(self.pidfile) as f:
                pid, start = f.read().split()
            return int(pid), start
        except (OSError, ValueError):
            return None, None

    def pid(self):
        """The recorded pid if that process is still the one we started."""
        pid, start = self.recorded()
        if pid and _start_time(pid) == start:
            return pid
        return None

    def launch(self, argv, cwd, out_path, creds):
        with open(out_path, "ab") as out:
            self.popen = subprocess.Popen(
                argv, cwd=cwd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True, close_fds=True, **creds)
        pid = self.popen.pid
        try:
            # InspIRCd 3.15 with ssl_gnutls segfaults on its way out (harmless):
            # no core files.  Set after the spawn: preexec_fn is unsafe in a
            # threaded test process, and the crash only comes at exit.
            resource.prlimit(pid, resource.RLIMIT_CORE, (0, 0))
        except OSError:
            pass
        with open(self.pidfile, "w") as f:
            f.write(f"{pid} {_start_time(pid) or 0}\n")
        return pid

    def stop(self, grace=5.0):
        """SIGTERM, then SIGKILL after `grace` seconds.  Returns True if it
        had to be killed."""
        pid = self.pid()
        killed = False
        if pid:
            _signal(pid, signal.SIGTERM)
            deadline = time.monotonic() + grace
            while self.pid() and time.monotonic() < deadline:
                self._reap()
                time.sleep(0.01)
            if self.pid():
                _signal(pid, signal.SIGKILL)
                killed = True
                while self.pid():
                    time.sleep(0.01)
        self._reap(wait=True)
        try:
            os.unlink(self.pidfile)
        except FileNotFoundError:
            pass
        return killed

    def _reap(self, wait=False):
        if self.popen is not None:
            if wait:
                try:
                    self.popen.wait(5)
                except subprocess.TimeoutExpired:
                    return
            if self.popen.poll() is not None:
                self.popen = None


def _signal(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
    except PermissionError:
        raise NetworkError(f"not allowed to signal pid {pid} (started by another user?)") from None


# --------------------------------------------------------------------------
# Config templates ($NAME is filled in; $$ is a literal $)
# --------------------------------------------------------------------------

INSPIRCD_CONF = string.Template(r'''# rounds ircnet: InspIRCd 3, written by tests/harness/ircnet.py
<server name="$server" description="rounds test network" network="$network" id="1TN">
<admin name="ircnet" nick="ircnet" email="ircnet@example.com">
<path configdir="$dir/conf" datadir="$dir/data" logdir="$dir/logs" moduledir="$moduledir">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$dir/logs/ircd.log" flush="1">

<bind address="$host" port="$port" type="clients">
<bind address="$host" port="$tls_port" type="clients" sslprofile="ircnet">
<bind address="$host" port="$ws_port" type="clients" hook="websocket">
# WebSocket over TLS: the TLS hook under the WebSocket hook on one listener
<bind address="$host" port="$wss_port" type="clients" sslprofile="ircnet" hook="websocket">
<bind address="$host" port="$link_port" type="servers">

<connect name="main" allow="*" maxchans="100" timeout="20" pingfreq="2m"
         localmax="1000" globalmax="1000" limit="5000" resolvehostnames="no" useident="no"
         $flood>
<channels users="100" opers="100">
<files motd="$dir/conf/motd.txt">
<dns server="127.0.0.1" timeout="1">
# New channels: creator gets +o; +nt; +H 50:1d replays the last 50 lines on join.
<options prefixquit="Quit: " syntaxhints="no" announcets="yes" hostintopic="yes"
         defaultmodes="notH 50:1d" exemptchanops="" invitebypassmodes="yes">
<security hideulines="no" flatlinks="no" hidebans="no" hidesplits="no" maxtargets="20"
          restrictbannedusers="yes" genericoper="no" userstats="Pu" announceinvites="dynamic">
<performance netbuffersize="$netbuffersize" softlimit="10000" somaxconn="128" quietbursts="yes"
             clonesonconnect="yes">
<limits maxaway="200" maxchan="60" maxhost="64" maxident="10" maxkick="300" maxmodes="20"
        maxnick="30" maxquit="300" maxreal="130" maxtopic="330">
<whowas groupsize="10" maxgroups="10000" maxkeep="1h">
<maxlist chan="*" limit="100">

<class name="All" commands="*" privs="*" usermodes="*" chanmodes="*" snomasks="*">
<type name="NetAdmin" classes="All" vhost="netadmin.testnet">
<oper name="$oper_name" password="$oper_password" host="*@127.0.0.1" type="NetAdmin">

# Services: Atheme links to the server port as $services.
<module name="spanningtree">
<link name="$services" ipaddr="$host" port="$link_port" allowmask="127.0.0.0/8"
      timeout="20s" sendpass="$link_password" recvpass="$link_password">
<uline server="$services" silent="yes">
<module name="services_account">
<module name="svshold">
<module name="servprotect">
<module name="chghost">
<module name="deaf">
<module name="sasl">
<sasl target="$services" requiressl="no">
<module name="alias">
<alias text="NICKSERV" replace="PRIVMSG NickServ :$$2-" requires="NickServ" uline="yes">
<alias text="CHANSERV" replace="PRIVMSG ChanServ :$$2-" requires="ChanServ" uline="yes">
<alias text="NS" replace="PRIVMSG NickServ :$$2-" requires="NickServ" uline="yes">
<alias text="CS" replace="PRIVMSG ChanServ :$$2-" requires="ChanServ" uline="yes">

# IRCv3
<module name="cap">
<module name="ircv3">
<ircv3 accountnotify="yes" awaynotify="yes" extendedjoin="yes">
<module name="ircv3_accounttag">
<module name="ircv3_batch">
<module name="ircv3_capnotify">
<module name="ircv3_chghost">
<module name="ircv3_ctctags">
<module name="ircv3_echomessage">
<module name="ircv3_invitenotify">
<module name="ircv3_labeledresponse">
<module name="ircv3_msgid">
<module name="ircv3_servertime">
<module name="namesx">
<module name="uhnames">
<module name="setname">
<module name="monitor">
<module name="botmode">

# Moderation beyond the core +b +o +v +m: +e, +I, and the m: (mute) extban.
<module name="banexception">
<module name="inviteexception">
<module name="muteban">
<muteban notifyuser="yes">

# History replayed on join in +H channels (every new one, see defaultmodes).
<module name="chanhistory">
<chanhistory bots="yes" enableumode="no" maxlines="50" prefixmsg="yes">

# TLS and WebSocket
<module name="ssl_gnutls">
<sslprofile name="ircnet" provider="gnutls" certfile="$dir/tls/server.pem"
            keyfile="$dir/tls/server.key" cafile="" crlfile="" dhfile="" hash="sha256"
            requestclientcert="no">
<module name="sslinfo">
<module name="sha1">
<module name="websocket">
<websocket defaultmode="text">
<wsorigin allow="*">
''')

ATHEME_CONF = string.Template(r'''/* rounds ircnet: Atheme services, written by tests/harness/ircnet.py */
loadmodule "modules/protocol/inspircd";
loadmodule "modules/backend/opensex";
loadmodule "modules/nickserv/main";
loadmodule "modules/nickserv/register";
loadmodule "modules/nickserv/identify";
loadmodule "modules/nickserv/logout";
loadmodule "modules/nickserv/info";
loadmodule "modules/nickserv/ghost";
loadmodule "modules/nickserv/drop";
loadmodule "modules/nickserv/help";
loadmodule "modules/nickserv/status";
loadmodule "modules/nickserv/set_core";
loadmodule "modules/nickserv/set_password";
loadmodule "modules/chanserv/main";
loadmodule "modules/chanserv/register";
loadmodule "modules/chanserv/flags";
loadmodule "modules/chanserv/op";
loadmodule "modules/chanserv/voice";
loadmodule "modules/chanserv/quiet";
loadmodule "modules/chanserv/ban";
loadmodule "modules/chanserv/kick";
loadmodule "modules/chanserv/info";
loadmodule "modules/chanserv/drop";
loadmodule "modules/chanserv/help";
loadmodule "modules/saslserv/main";
loadmodule "modules/saslserv/plain";

serverinfo {
    name = "$services"; desc = "rounds test services"; numeric = "0SV";
    recontime = 1;    /* re-link one second after InspIRCd went away */
    netname = "$network"; hidehostsuffix = "users.testnet";
    adminname = "ircnet"; adminemail = "ircnet@example.com"; registeremail = "noreply@example.com";
    loglevel = { error; info; admin; network; register; };
    maxlogins = 100; maxusers = 100; mdlimit = 30; emaillimit = 10; emailtime = 300;
    auth = none; casemapping = rfc1459;
};
uplink "$server" { host = "$host"; port = $link_port; password = "$link_password"; };
nickserv { nick = "NickServ"; user = "NickServ"; host = "$services"; real = "Nickname Services";
    maxnicks = 5; expire = 0; };
chanserv { nick = "ChanServ"; user = "ChanServ"; host = "$services"; real = "Channel Services";
    maxchans = 100; expire = 0;
    templates { vop = "+AV"; hop = "+AHehitrv"; aop = "+AOehiortv"; sop = "+AOaefhiorstv";
                founder = "+AFORaefhiorstv"; }; };
saslserv { nick = "SaslServ"; user = "SaslServ"; host = "$services"; real = "SASL Authentication Agent"; };
/* no rate limits: tests register many accounts at once */
general { ratelimit_uses = 10000; ratelimit_period = 1; flood_msgs = 0; flood_time = 10;
    commit_interval = 5; kline_time = 7; default_clone_allowed = 1000; default_clone_warn = 1000;
    uplink_sendq_limit = 1048576; language = "en"; };
''')

_ENV_KEYS = ("IRCNET_DIR", "IRCNET_HOST", "IRCNET_PORT", "IRCNET_TLS_PORT", "IRCNET_WS_PORT",
             "IRCNET_WSS_PORT", "IRCNET_WS_URL", "IRCNET_WSS_URL", "IRCNET_CA_FILE",
             "IRCNET_TLS_NAME", "IRCNET_SERVER", "IRCNET_SERVICES", "IRCNET_NETWORK",
             "IRCNET_LINK_PORT", "IRCNET_FLOOD", "IRCNET_IRCD_PID", "IRCNET_SERVICES_PID",
             "IRCNET_OPER_NAME", "IRCNET_OPER_PASSWORD", "IRCNET_RUN_AS")

# Networks this process started and has not stopped: stopped at exit.
_live = set()
_live_lock = threading.Lock()


@atexit.register
def _stop_leftovers():
    with _live_lock:
        nets = list(_live)
    for net in nets:
        try:
            net.stop()
        except Exception:       # best effort at exit
            pass


# --------------------------------------------------------------------------
# The network
# --------------------------------------------------------------------------

class Network:
    """A network in `dir`.  flood=False raises the flood limits (load tests).
    timeout: seconds start()/restart() may take before giving up.

    Attributes once started: host, port, tls_port, ws_port, wss_port,
    link_port, ca_file, tls_name, ircd_pid, services_pid, run_as, env()."""

    def __init__(self, dir, flood=True, timeout=30.0):
        self.dir = os.path.abspath(dir)
        self.flood = flood
        self.timeout = timeout
        self.host = HOST
        self.tls_name = TLS_NAME
        self.server, self.services, self.network = SERVER_NAME, SERVICES_NAME, NETWORK_NAME
        self.oper_name, self.oper_password = OPER_NAME, OPER_PASSWORD
        self.port = self.tls_port = self.ws_port = self.wss_port = self.link_port = None
        self.ca_file = self._path("tls", "ca.pem")
        self.run_as = None
        self.start_seconds = None
        self._ircd = _Daemon(self._path("run"), "ircd")
        self._services = _Daemon(self._path("run"), "services")

    # -- public API ----------------------------------------------------------

    def __enter__(self):
        if self.port is None:
            self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def __repr__(self):
        return f"<ircnet.Network {self.dir} port={self.port}>"

    @property
    def ircd_pid(self):
        return self._ircd.pid()

    @property
    def services_pid(self):
        return self._services.pid()

    @classmethod
    def attach(cls, dir):
        """A Network object for one already running in `dir` (started by the
        CLI or another process).  stop()/restart() work on it."""
        dir = os.path.abspath(dir)
        try:
            with open(os.path.join(dir, "ircnet.json")) as f:
                env = json.load(f)
        except (OSError, ValueError) as e:
            raise NetworkError(f"no network in {dir}: {e}") from None
        net = cls(dir, flood=env["IRCNET_FLOOD"] == "on")
        net.port, net.tls_port = int(env["IRCNET_PORT"]), int(env["IRCNET_TLS_PORT"])
        net.ws_port, net.wss_port = int(env["IRCNET_WS_PORT"]), int(env["IRCNET_WSS_PORT"])
        net.link_port = int(env["IRCNET_LINK_PORT"])
        net.run_as = env["IRCNET_RUN_AS"]
        net.oper_name, net.oper_password = env["IRCNET_OPER_NAME"], env["IRCNET_OPER_PASSWORD"]
        if not (net.ircd_pid and net.services_pid):
            raise NetworkError(f"the network in {dir} is not running (see {dir}/logs)")
        return net

    def start(self):
        """Start InspIRCd and Atheme; return once everything answers (every
        listener bound, services linked and answering SASL, TLS verifies
        against ca_file, WebSocket handshakes succeed on ws and wss).  On
        failure kills what it started and raises NetworkError with log tails."""
        t0 = time.monotonic()
        # DIR goes into config files verbatim.
        if any(c in self.dir for c in '"<>&\n\r\\$'):
            raise NetworkError(f"DIR must not contain quotes, <>&, \\, $ or newlines: {self.dir}")
        install(quiet=False)
        os.makedirs(self.dir, exist_ok=True)
        if self.ircd_pid or self.services_pid:
            raise NetworkError(f"a network is already running in {self.dir}; "
                               f"stop it first (ircnet.py stop {self.dir})")
        for sub in ("conf", "run", "tls", "bin"):
            shutil.rmtree(self._path(sub), ignore_errors=True)
        for sub in ("conf", "logs", "run", "data", "tls"):
            os.makedirs(self._path(sub), exist_ok=True)
        for name in ("ircd.log", "ircd.out", "services.log", "services.out"):
            open(self._path("logs", name), "w").close()
        for name in ("ircnet.env", "ircnet.json"):
            _unlink(self._path(name))
        with _live_lock:
            _live.add(self)
        try:
            self._make_certs()
            self._choose_user()
            ircd_bin = self._ircd_binary()
            self._link_password = os.urandom(12).hex()
            for attempt in range(5):
                self._pick_ports()
                self._write_configs()
                if self._launch_ircd(ircd_bin):
                    break
                if attempt == 4:
                    raise NetworkError("InspIRCd could not bind its ports after 5 tries")
            self._launch_services()
            self._wait_ready(t0 + self.timeout)
        except BaseException as e:
            logs = self.log_tails()
            self.stop()
            if isinstance(e, NetworkError):
                raise NetworkError(f"{e}\n{logs}") from None
            raise
        self.start_seconds = time.monotonic() - t0
        self._write_env()
        return self

    def stop(self):
        """Stop both daemons (SIGTERM, SIGKILL after 5 s), by recorded pid
        checked against its start time.  Atheme saves its database on the
        way out.  Safe to call twice, or when nothing runs."""
        errors = []

        def stop(daemon):            # both at once: each may take the full grace
            try:
                daemon.stop()
            except Exception as e:
                errors.append(e)
        threads = [threading.Thread(target=stop, args=(d,)) for d in (self._services, self._ircd)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with _live_lock:
            _live.discard(self)
        if errors:
            raise errors[0]

    def restart(self):
        """Stop InspIRCd alone and start it again with the same config on the
        same ports; return once Atheme has re-linked and SASL works again.
        Clients connected before are disconnected and must reconnect."""
        t0 = time.monotonic()
        if not self.services_pid:
            raise NetworkError(f"no running services in {self.dir}: start the network first")
        self._ircd.stop()
        deadline = t0 + self.timeout
        try:
            # Same ports: if one is taken meanwhile (a client's ephemeral port,
            # say), keep trying until the deadline.
            while not self._launch_ircd(self._ircd_binary()):
                if time.monotonic() > deadline:
                    raise NetworkError("InspIRCd could not bind its ports again")
                time.sleep(0.2)
            self._wait_ready(deadline)
        except BaseException as e:
            logs = self.log_tails()
            if isinstance(e, NetworkError):
                raise NetworkError(f"{e}\n{logs}") from None
            raise
        self._write_env()
        return time.monotonic() - t0

    def register(self, name, password):
        """Register services account NAME (as nick NAME, email NAME@example.com)
        and check that SASL PLAIN works with it.  Idempotent when the account
        exists with the same password.  Takes ~1 s (registration tick)."""
        self.register_many([(name, password)])

    def register_many(self, pairs, timeout=20.0):
        """register() several accounts in parallel (~1 s in all)."""
        pairs = list(pairs)
        errors = [None] * len(pairs)

        def one(i):
            try:
                self._register(pairs[i][0], pairs[i][1], timeout)
            except Exception as e:
                errors[i] = f"account {pairs[i][0]}: {e}"
        threads = [threading.Thread(target=one, args=(i,), daemon=True) for i in range(len(pairs))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        errors = [e for e in errors if e]
        if errors:
            raise NetworkError("\n".join(errors))

    def client(self, nick, transport="tcp", **kw):
        """An ircclient.Client for this network (not yet connected)."""
        port = {"tcp": self.port, "tls": self.tls_port, "ws": self.ws_port,
                "wss": self.wss_port}[transport]
        kw.setdefault("ca_file", self.ca_file)
        kw.setdefault("tls_name", self.tls_name)
        return ircclient.Client(nick, port, self.host, transport=transport, **kw)

    def connect(self, nick, transport="tcp", **kw):
        """A connected ircclient.Client (returns once 001 arrived, ~1 s)."""
        wait_motd = kw.pop("wait_motd", False)
        return self.client(nick, transport, **kw).connect(wait_motd=wait_motd)

    def env(self):
        """The KEY=value facts printed by the CLI, as a dict of strings."""
        return {
            "IRCNET_DIR": self.dir, "IRCNET_HOST": self.host,
            "IRCNET_PORT": str(self.port), "IRCNET_TLS_PORT": str(self.tls_port),
            "IRCNET_WS_PORT": str(self.ws_port), "IRCNET_WSS_PORT": str(self.wss_port),
            "IRCNET_WS_URL": f"ws://{self.host}:{self.ws_port}/",
            "IRCNET_WSS_URL": f"wss://{self.host}:{self.wss_port}/",
            "IRCNET_CA_FILE": self.ca_file, "IRCNET_TLS_NAME": self.tls_name,
            "IRCNET_SERVER": self.server, "IRCNET_SERVICES": self.services,
            "IRCNET_NETWORK": self.network, "IRCNET_LINK_PORT": str(self.link_port),
            "IRCNET_FLOOD": "on" if self.flood else "off",
            "IRCNET_IRCD_PID": str(self.ircd_pid or ""),
            "IRCNET_SERVICES_PID": str(self.services_pid or ""),
            "IRCNET_OPER_NAME": self.oper_name, "IRCNET_OPER_PASSWORD": self.oper_password,
            "IRCNET_RUN_AS": self.run_as or "",
        }

    def log_tails(self, lines=25):
        """The last lines of each log, for error reports."""
        out = []
        for name in ("ircd.out", "ircd.log", "services.out", "services.log"):
            try:
                with open(self._path("logs", name), errors="replace") as f:
                    tail = f.read().splitlines()[-lines:]
            except OSError:
                continue
            if tail:
                out.append(f"--- {self._path('logs', name)} (last {len(tail)} lines) ---")
                out.extend(tail)
        return "\n".join(out)

    # -- start-up steps ------------------------------------------------------

    def _path(self, *parts):
        return os.path.join(self.dir, *parts)

    def _make_certs(self):
        """A throwaway CA and a server certificate for localhost + 127.0.0.1,
        with the extensions strict X.509 verifiers (Python 3.13+) want."""
        tls = self._path("tls")
        ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
              "-days", "3650"]
        steps = [
            ["openssl", "req", "-x509", *ec, "-subj", "/CN=rounds ircnet test CA",
             "-keyout", "ca.key", "-out", "ca.pem",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
            ["openssl", "req", "-x509", "-CA", "ca.pem", "-CAkey", "ca.key", *ec,
             "-subj", f"/CN={TLS_NAME}", "-keyout", "server.key", "-out", "server.pem",
             "-addext", f"subjectAltName=DNS:{TLS_NAME},IP:{HOST}",
             "-addext", "basicConstraints=critical,CA:FALSE",
             "-addext", "extendedKeyUsage=serverAuth",
             "-addext", "keyUsage=critical,digitalSignature"],
        ]
        for argv in steps:
            res = subprocess.run(argv, cwd=tls, stdin=subprocess.DEVNULL, capture_output=True,
                                 text=True)
            if res.returncode:
                raise NetworkError(f"openssl failed: {' '.join(argv)}\n{res.stderr}")
        os.unlink(os.path.join(tls, "ca.key"))     # nothing else will ever be signed

    def _choose_user(self):
        """As root, run the daemons as an unprivileged system user if it can
        reach DIR, else as root (InspIRCd then needs --runasroot)."""
        if os.geteuid() != 0:
            self.run_as = pwd.getpwuid(os.geteuid()).pw_name
            return
        _ensure_sysuser()
        pw = pwd.getpwnam(SYSUSER)
        # Can the user get to DIR?  (cd checks every directory on the way.)
        probe = subprocess.run(["/bin/sh", "-c", 'cd "$1"', "sh", os.path.dirname(self.dir)],
                               user=pw.pw_uid, group=pw.pw_gid, extra_groups=[],
                               stdin=subprocess.DEVNULL, capture_output=True)
        if probe.returncode == 0:
            self.run_as = SYSUSER
            self._chown(pw)
        else:
            print(f"ircnet: {self.dir} is not reachable by user {SYSUSER} (a parent directory "
                  "is closed to others?); running the daemons as root", file=sys.stderr)
            self.run_as = "root"

    def _chown(self, pw):
        """Hand DIR itself and the parts the daemons use to the system user."""
        os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        for sub in ("conf", "logs", "run", "data", "tls", "bin"):
            top = self._path(sub)
            if not os.path.exists(top):
                continue
            os.chown(top, pw.pw_uid, pw.pw_gid)
            for root, dirs, files in os.walk(top):
                for n in dirs + files:
                    os.chown(os.path.join(root, n), pw.pw_uid, pw.pw_gid)

    def _creds(self):
        if self.run_as and self.run_as != "root" and os.geteuid() == 0:
            pw = pwd.getpwnam(self.run_as)
            return {"user": pw.pw_uid, "group": pw.pw_gid, "extra_groups": []}
        return {}

    def _ircd_binary(self):
        """Debian's AppArmor profile confines /usr/sbin/inspircd to
        /etc/inspircd; where AppArmor is on, run an (unconfined) copy."""
        copy = self._path("bin", "inspircd")
        if os.path.exists(copy):
            return copy
        enabled = False
        try:
            with open("/sys/module/apparmor/parameters/enabled") as f:
                enabled = f.read().strip() == "Y"
        except OSError:
            pass
        if (enabled and os.path.exists("/etc/apparmor.d/usr.sbin.inspircd")) \
                or os.environ.get("IRCNET_COPY_IRCD"):
            os.makedirs(self._path("bin"), exist_ok=True)
            shutil.copy2(IRCD_BIN, copy)
            return copy
        return IRCD_BIN

    def _pick_ports(self):
        """Five distinct free ports: bind port 0 on all at once, then let go.
        Another process may take one before InspIRCd binds it; the caller
        retries then."""
        socks = []
        try:
            for _ in range(5):
                s = socket.socket()
                s.bind((HOST, 0))
                socks.append(s)
            ports = [s.getsockname()[1] for s in socks]
        finally:
            for s in socks:
                s.close()
        self.port, self.tls_port, self.ws_port, self.wss_port, self.link_port = ports

    def _write_configs(self):
        values = dict(
            dir=self.dir, host=HOST, server=self.server, services=self.services,
            network=self.network, moduledir=IRCD_MODULES, port=self.port,
            tls_port=self.tls_port, ws_port=self.ws_port, wss_port=self.wss_port,
            link_port=self.link_port, link_password=self._link_password,
            oper_name=self.oper_name, oper_password=self.oper_password,
            flood=FLOOD_ON if self.flood else FLOOD_OFF,
            netbuffersize=NETBUFFER_ON if self.flood else NETBUFFER_OFF)
        files = {
            "inspircd.conf": INSPIRCD_CONF.substitute(values),
            "atheme.conf": ATHEME_CONF.substitute(values),
            "motd.txt": "rounds ircnet: InspIRCd + Atheme on 127.0.0.1, for tests only.\n",
        }
        for name, text in files.items():
            with open(self._path("conf", name), "w") as f:
                f.write(text)
        if os.geteuid() == 0 and self.run_as not in (None, "root"):
            self._chown(pwd.getpwnam(self.run_as))

    def _launch_ircd(self, binary):
        """Start InspIRCd and wait for it to say it runs.  Returns False if a
        listener failed to bind (the caller retries), raises on other errors."""
        out_path = self._path("logs", "ircd.out")
        offset = os.path.getsize(out_path) if os.path.exists(out_path) else 0
        argv = [binary, "--config", self._path("conf", "inspircd.conf"), "--nofork", "--nopid"]
        if self.run_as == "root":
            argv.append("--runasroot")
        pid = self._ircd.launch(argv, self.dir, out_path, self._creds())
        deadline = time.monotonic() + self.timeout
        while True:
            with open(out_path, errors="replace") as f:
                f.seek(offset)
                out = f.read()
            if "failed to bind" in out:
                # Nothing to save yet; SIGTERM would wait for its first 1 s loop.
                self._ircd.stop(grace=0.05)
                return False
            if "is now running" in out:
                return True
            if not self._ircd.pid():
                raise NetworkError(f"InspIRCd (pid {pid}) exited during start-up")
            if time.monotonic() > deadline:
                raise NetworkError(f"InspIRCd did not start within {self.timeout:g}s")
            time.sleep(0.005)

    def _launch_services(self):
        self._services.launch(
            [SERVICES_BIN, "-n", "-c", self._path("conf", "atheme.conf"), "-D", self._path("data"),
             "-l", self._path("logs", "services.log"), "-p", self._path("data", "atheme.pid")],
            self.dir, self._path("logs", "services.out"), self._creds())

    def _wait_ready(self, deadline):
        """Poll until a plain client sees SASL answered by services, a TLS
        handshake verifies against our CA, and WebSocket handshakes (ws, wss)
        succeed.  Fails at once if a daemon dies."""
        checks = [("SASL via services", self._probe_sasl),
                  ("TLS", lambda: self._probe("tls")),
                  ("WebSocket", lambda: self._probe("ws")),
                  ("WebSocket over TLS", lambda: self._probe("wss"))]
        last = "not tried"
        while checks:
            for daemon in (self._ircd, self._services):
                if not daemon.pid():
                    raise NetworkError(f"{'InspIRCd' if daemon is self._ircd else 'Atheme'} "
                                       f"exited (last check: {last})")
            name, check = checks[0]
            try:
                check()
                checks.pop(0)
                continue
            except (OSError, ircclient.IRCError, TimeoutError, NetworkError) as e:
                last = f"{name}: {e}".splitlines()[0]
            if time.monotonic() > deadline:
                raise NetworkError(f"the network was not ready within {self.timeout:g}s "
                                   f"({last})")
            time.sleep(0.02)

    def _probe_sasl(self):
        """SASL before registration (no one-second tick): a made-up account
        must get 904 from services; no sasl cap means services are not linked."""
        c = self.client("probe", "tcp", timeout=3)
        try:
            c.open()
            if "sasl" not in c.cap_ls():
                raise NetworkError("no sasl capability yet (services not linked)")
            c.cap_req(["sasl"])
            res = c.authenticate("nosuchaccount" + os.urandom(3).hex(), "x")
            if res not in ("904", "902"):
                raise NetworkError(f"the SASL probe got {res}")
        finally:
            c.close()

    def _probe(self, transport):
        c = self.client("probe", transport, timeout=3)
        try:
            c.open()
            c.cap_ls()           # the IRC layer answers, not just the handshake
        finally:
            c.close()

    def _register(self, name, password, timeout):
        c = self.connect(name, "tcp", caps=(), timeout=timeout)
        already = False
        try:
            c.privmsg("NickServ", f"REGISTER {password} {name}@example.com")
            while True:
                m = c.wait_for(lambda m: m.command == "900" or (
                    m.command == "NOTICE" and m.nick == "NickServ"), timeout,
                    "NickServ's answer to REGISTER")
                if m.command == "900" or " is now registered" in m.text:
                    break
                if "already registered" in m.text:
                    already = True
                    break
                if m.text.startswith("This nickname is registered"):
                    continue        # the greeting on connect, not the answer
                more = " ".join(x.text for x in c.collect(0.3))
                raise NetworkError(f"NickServ said: {m.text} {more}".strip())
        finally:
            c.quit(timeout=0.5)
        # Check the password, and that the account is usable, with SASL.
        s = self.client(name + "-check", "tcp", timeout=timeout)
        try:
            s.open()
            s.cap_ls()
            s.cap_req(["sasl"])
            res = s.authenticate(name, password)
        finally:
            s.close()
        if res != "903":
            raise NetworkError("already registered with another password" if already
                               else f"SASL PLAIN answered {res}")

    def _write_env(self):
        env = self.env()
        with open(self._path("ircnet.env"), "w") as f:
            f.write(_shell_env(env))
        data = dict(env, start_seconds=self.start_seconds)
        with open(self._path("ircnet.json"), "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")


def _ensure_sysuser():
    try:
        pwd.getpwnam(SYSUSER)
        return
    except KeyError:
        pass
    subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                    "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin", SYSUSER],
                   stdin=subprocess.DEVNULL, capture_output=True)
    try:
        pwd.getpwnam(SYSUSER)          # made now, or by a parallel run
    except KeyError:
        raise NetworkError(f"could not create system user {SYSUSER}") from None


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _shell_env(env):
    return "".join(f"{k}={shlex.quote(env[k])}\n" for k in _ENV_KEYS)


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------

def _cmd_start(args):
    net = Network(args.dir, flood=not args.no_flood_limit, timeout=args.timeout)
    net.start()
    with _live_lock:                 # the CLI leaves the network running
        _live.discard(net)
    sys.stdout.write(_shell_env(net.env()))


def _cmd_stop(args):
    d = os.path.abspath(args.dir)
    if not os.path.isdir(os.path.join(d, "run")):
        print(f"ircnet: nothing to stop in {d}", file=sys.stderr)
        return
    Network(d).stop()


def _cmd_restart(args):
    net = Network.attach(args.dir)
    net.timeout = args.timeout
    net.restart()
    sys.stdout.write(_shell_env(net.env()))


def _cmd_account(args):
    if len(args.pairs) % 2 or not args.pairs:
        raise SystemExit("usage: ircnet.py account DIR NAME PASSWORD [NAME PASSWORD ...]")
    for a in args.pairs:
        if not a or any(c.isspace() for c in a):
            raise NetworkError(f"names and passwords must be one word each: {a!r}")
    Network.attach(args.dir).register_many(zip(args.pairs[::2], args.pairs[1::2]))


def _cmd_install(args):
    install(quiet=False)


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="ircnet.py", description="A real IRC network (InspIRCd + Atheme) on 127.0.0.1.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("start", help="start a network in DIR; print KEY=value lines")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--no-flood-limit", action="store_true", help="raise flood limits")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S")
    p.set_defaults(fn=_cmd_start)
    p = sub.add_parser("stop", help="stop the network in DIR")
    p.add_argument("dir", metavar="DIR")
    p.set_defaults(fn=_cmd_stop)
    p = sub.add_parser("restart", help="restart InspIRCd on the same ports")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("--timeout", type=float, default=30.0, metavar="S")
    p.set_defaults(fn=_cmd_restart)
    p = sub.add_parser("account", help="register services accounts (in parallel)")
    p.add_argument("dir", metavar="DIR")
    p.add_argument("pairs", nargs="+", metavar="NAME PASSWORD")
    p.set_defaults(fn=_cmd_account)
    p = sub.add_parser("install", help="apt-get install the Debian packages if missing")
    p.set_defaults(fn=_cmd_install)
    args = ap.parse_args(argv)
    try:
        args.fn(args)
    except NetworkError as e:
        print(f"ircnet {args.cmd}: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
