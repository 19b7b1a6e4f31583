#!/usr/bin/python3
"""A plugin built out of tree, the way a community would build its own:
install rounds into a scratch prefix, build plugins/example against the
installed rounds-plugin.h with the installed rounds-plugin.pc (its Makefile
asks pkg-config), and have the installed rounds load it. Also checks that
every installed plugin exports its descriptor and nothing else."""

import os
import shutil
import subprocess

import roundstest as rt
from roundstest import check

SRC = os.path.join(rt.HERE, "..", "..")


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=300, **kw)


def scenario():
    build = os.path.dirname(os.path.abspath(rt.ROUNDS))
    d = rt.tmpdir("plugin-build")
    prefix = os.path.join(d, "prefix")
    r = run(["cmake", "--install", build, "--prefix", prefix])
    check(r.returncode == 0, "cmake --install failed: %s%s" % (r.stdout, r.stderr))
    header = os.path.join(prefix, "include", "rounds-plugin.h")
    pcdir = os.path.join(prefix, "lib", "pkgconfig")
    check(os.path.exists(header), "the header is not installed")
    check(os.path.exists(os.path.join(pcdir, "rounds-plugin.pc")), "the .pc file is not installed")

    # the example, copied out of the source tree, built by its own Makefile
    work = os.path.join(d, "hello")
    shutil.copytree(os.path.join(SRC, "plugins", "example"), work)
    env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
    # --define-prefix: the .pc lives in the scratch prefix, not where it was configured for
    r = run(["make", "-C", work, "PKG_CONFIG=pkg-config --define-prefix",
             "CFLAGS=-O2 -Wall -Wextra -Werror"], env=env)
    check(r.returncode == 0, "the example plugin did not build: %s%s" % (r.stdout, r.stderr))
    check("-I%s" % os.path.join(prefix, "include") in r.stdout and "-fvisibility=hidden" in r.stdout,
          "the build did not use the installed pkg-config flags: %s" % r.stdout)
    so = os.path.join(work, "hello.so")

    installed = os.path.join(prefix, "bin", "rounds")
    r = run([installed, "check-plugin", so, "--config", '{"greeting": "Welcome"}'])
    check(r.returncode == 0, "the installed rounds refused the plugin: %s" % r.stderr)
    check("hello 1.0 — a !hello command: the example plugin (ABI 1.0)" in r.stdout and
          "!hello — a greeting" in r.stdout, "check-plugin output: %r" % r.stdout)

    # exported symbols: the descriptor only (everything else is hidden)
    plugdir = os.path.join(prefix, "lib", "rounds", "plugins")
    bundled = sorted(f for f in os.listdir(plugdir) if f.endswith(".so"))
    for name in ["flood.so", "highlights.so", "policy.so", "privacy.so", "resources.so", "stats.so"]:
        check(name in bundled, "%s is not installed (have %s)" % (name, bundled))
    for f in bundled + [so]:
        path = f if os.path.isabs(f) else os.path.join(plugdir, f)
        r = run(["nm", "-D", "--defined-only", path])
        syms = [line.split()[-1] for line in r.stdout.splitlines() if line.strip()]
        syms = [s for s in syms if not s.startswith("_")]
        check(syms == ["rounds_plugin"], "%s exports %s, not just rounds_plugin" % (path, syms))
        r = run([installed, "check-plugin", path])
        check(r.returncode == 0, "check-plugin %s: %s" % (f, r.stderr))

    # a plugin built for another ABI: refused with both versions, status 1
    bad = os.path.join(work, "future.c")
    with open(bad, "w") as fh:
        fh.write('#include <rounds-plugin.h>\n'
                 'ROUNDS_PLUGIN_EXPORT const struct rounds_plugin rounds_plugin = '
                 '{ROUNDS_PLUGIN_ABI_MAJOR + 1, 0, sizeof(struct rounds_plugin), "future", "9", "", 0, 0};\n')
    r = run(["cc", "-shared", "-fPIC", "-I" + os.path.join(prefix, "include"), "-o",
             os.path.join(work, "future.so"), bad])
    check(r.returncode == 0, "could not build the future plugin: %s" % r.stderr)
    r = run([installed, "check-plugin", os.path.join(work, "future.so")])
    check(r.returncode == 1 and "built for plugin ABI 2.0, this bot has 1.0" in r.stderr,
          "a plugin for ABI 2.0: %r" % r.stderr)


if __name__ == "__main__":
    rt.run(scenario, "plugin_build")
