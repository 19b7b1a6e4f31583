#!/usr/bin/python3
"""History replayed on rejoin is stored once and never executed.

An operator KILLs the bot mid-chat. It reconnects and rejoins, and the
server replays the channel's recent history (InspIRCd chanhistory, in a
chathistory batch with the original msgid and time), which includes a
moderator's !extend and a participant's !time. The store must keep every
line once, and the bot must not extend the round again nor answer !time
twice.
"""

import os

import roundstest as rt
from roundstest import check


def scenario():
    d = rt.tmpdir("replay")
    with rt.ircnet.Network(os.path.join(d, "net")) as net:
        net.register_many([("rounds", "pw-rounds-r"), ("hana", "pw-hana-r")])
        cfg = {
            "networks": {"testnet": rt.network_config(net, transport="tcp")},
            "chats": {"c": {"network": "testnet", "room": "#replay", "hosts": ["hana"],
                            "intro_minutes": 0, "warning_minutes": 0,
                            "agenda": [{"topic": "Replays?", "minutes": 10}]}},
        }
        bot = rt.Bot(d, cfg, password="pw-rounds-r").start()
        try:
            run(net, bot)
        finally:
            bot.stop()


def run(net, bot):
    bot.wait_log(r"joined #replay")
    hana, guest, oper = rt.ircclient.connect_all([
        net.client("hana", "tcp", sasl=("hana", "pw-hana-r")), net.client("guest", "tcp"),
        net.client("oper", "tcp")])
    hana.join("#replay")
    guest.join("#replay")
    hana.privmsg("#replay", "!start")
    hana.wait_for(lambda m: m.nick == "rounds" and (m.text or "").startswith("T1:"), 15)
    hana.privmsg("#replay", "!extend 1")
    hana.wait_for(lambda m: m.nick == "rounds" and "extended by 1 min" in (m.text or ""), 10)
    guest.privmsg("#replay", "!time")
    guest.wait_for(lambda m: m.command == "NOTICE" and m.nick == "rounds", 10)
    guest.privmsg("#replay", "A1 said once, before the kill")

    oper.raw("OPER %s %s" % ("ircnet", "ircnet"))
    oper.wait_for("381", 5)
    oper.raw("KILL rounds :replay test")
    bot.wait_log(r"disconnected")
    bot.wait_log(r"joined #replay", count=2, timeout=20)
    hana.privmsg("#replay", "!time")  # a fresh command after the rejoin is answered
    hana.wait_for(lambda m: m.command == "NOTICE" and m.nick == "rounds" and "T1 ends in" in (m.text or ""), 10)

    extends = [m for m in hana.messages if m.nick == "rounds" and "extended by" in (m.text or "")]
    check(len(extends) == 1, "the replayed !extend was executed again (%d announcements)" % len(extends), bot)
    answers = [m for m in guest.messages if m.command == "NOTICE" and m.nick == "rounds"]
    check(len(answers) == 1, "the replayed !time was answered again (%d answers)" % len(answers), bot)
    rows = bot.query("SELECT count(*) AS n FROM events WHERE text = 'A1 said once, before the kill'")
    check(rows[0]["n"] == 1, "the replayed line is stored %d times" % rows[0]["n"], bot)
    rc = bot.stop()
    check(rc == 0, "exit status %s" % rc, bot)
    import re
    dups = re.search(r"(\d+) duplicates skipped", bot.log())
    check(dups and int(dups.group(1)) >= 3, "the replay was not recognised as duplicates", bot)
    for c in (hana, guest, oper):
        c.quit()


if __name__ == "__main__":
    rt.run(scenario, "replay")
