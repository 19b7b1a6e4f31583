/* Fuzzes what people type at the bot: the input is a script of lines
 * typed by a moderator or a participant (commands, T-lines, A-lines,
 * anything) interleaved with jumps of the clock, run against a chat
 * session. Properties checked after every step:
 * - nothing crashes or leaks, whatever the text (ASan, LeakSanitizer);
 * - after a tick, the next deadline is in the future (or none when idle):
 *   the bot never spins on a deadline that has passed;
 * - an idle session has no running round, and the round number never
 *   goes backwards within a chat;
 * - every reply and announcement is valid UTF-8 (the text is cleaned as
 *   the IRC layer cleans it before the session sees it). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "command.h"
#include "ircmsg.h"
#include "session.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(void *ud, const char *text)
{
	(void)ud;
	if (!utf8_valid(text, strlen(text)))
		abort();
}

static void h_started(void *ud, int64_t now, const char *title, const char *by)
{
	check_text(ud, title);
}

static const char *h_ended(void *ud, int64_t now, const char *reason)
{
	return "/tmp/transcript.md";
}

static bool h_optout(void *ud, bool out, struct buf *why)
{
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config_topic agenda[] = {{"One?", 10}, {"Two?", 0.5}, {"Three?", 5}};
	static char *hosts[] = {"alice"};
	static char *cohosts[] = {"carol"};
	struct config_chat cfg = {
		.name = "fuzz", .network = "n", .room = "#fuzz", .title = "Fuzz chat",
		.hosts = hosts, .n_hosts = 1, .cohosts = cohosts, .n_cohosts = 1,
		.ops_are_moderators = true, .intro_minutes = 1, .warning_minutes = 2,
		.overrun_grace_minutes = 3, .disclaimer = "Not advice.", .prefix = "!",
		.agenda = agenda, .n_agenda = 3,
	};
	struct session_hooks hooks = {NULL, check_text, h_started, NULL, NULL, h_ended, NULL};
	struct session *s = session_new(&cfg, &hooks);
	int64_t now = 1795300000000;
	int last_round = 0;
	size_t i = 0;
	while (i < size) {
		uint8_t op = data[i++];
		if ((op & 3) == 0) { /* the clock moves: up to about 2 hours */
			now += (int64_t)(op >> 2) * (op & 4 ? 60000 : 997);
			session_tick(s, now);
		} else { /* a line, up to the next NUL, typed by someone */
			const char *start = (const char *)data + i;
			const uint8_t *nul = memchr(data + i, 0, size - i);
			size_t n = nul ? (size_t)(nul - (data + i)) : size - i;
			i += n + (nul != NULL);
			/* as the bot hands it over: formatting removed, UTF-8 repaired */
			struct buf clean = BUF_INIT;
			ircmsg_clean_text(&clean, start, n);
			char *text = buf_steal(&clean);
			static const char *const who[][2] = {{"alice", "alice"}, {"alice", NULL},
							     {"bob", NULL}, {"cc", "CAROL"}};
			const char *nick = who[(op >> 2) & 3][0], *account = who[(op >> 2) & 3][1];
			bool op_flag = op & 16;
			bool moderator = session_is_moderator(s, account, op_flag);
			int round = session_classify(s, text, moderator);
			if (round < -1 || (session_phase(s) == SESSION_IDLE && round != -1))
				abort();
			char name[32];
			const char *args;
			if (command_parse("!", text, name, sizeof name, &args)) {
				struct command_context ctx = {
					.session = s, .now = now, .prefix = "!", .nick = nick, .account = account,
					.moderator = moderator,
					.impersonation = session_impersonates(s, nick, account), .args = args,
					.reply = check_text, .audit = check_text, .optout = h_optout,
				};
				command_dispatch(&ctx, name);
			} else {
				struct session_sender sender = {nick, nick, account, moderator};
				session_on_message(s, now, &sender, text);
			}
			free(text);
		}
		if (session_phase(s) == SESSION_IDLE) {
			if (session_current_round(s) || session_next_deadline(s) != INT64_MAX)
				abort();
			last_round = 0;
		} else {
			if (session_round_number(s) < last_round)
				abort();
			last_round = session_round_number(s);
			session_tick(s, now);
			if (session_phase(s) != SESSION_IDLE && session_next_deadline(s) <= now)
				abort();
			if (session_phase(s) == SESSION_IDLE)
				last_round = 0; /* the tick ended it (an overrun): the next chat starts again */
		}
	}
	session_free(s);
	return 0;
}
