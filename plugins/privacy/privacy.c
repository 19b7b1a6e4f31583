/* privacy: keeps patient-identifying details out of published transcripts.
 *
 * Every line (moderators' too, by default: hosts paste by mistake as well)
 * goes through privacy_scan(); each identifier found is redacted, and the
 * sender is warned privately so they know why their line shows blanks and
 * don't repeat it. With "warn": false the spans are blanked silently. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "privacy_scan.h"
#include "rounds-plugin.h"
#include "plugin_util.h"

/* The bot keeps at most this many spans per decision (bot/plugin_impl.h;
 * the header does not say): past it, one span covers all the rest. */
#define MAX_SPANS 64

static const char default_message[] = "please keep patient details out of a public chat";

struct privacy {
	const struct rounds_api *api;
	struct rounds_host *host;
	unsigned mask;
	bool warn, moderators;
	char *message;
};

static void privacy_destroy(void *ud)
{
	struct privacy *p = ud;
	free(p->message);
	free(p);
}

/* "phone, email" for the categories in mask. */
static void describe(unsigned mask, char *out, size_t cap)
{
	size_t at = 0;
	out[0] = '\0';
	for (int c = 0; c < PRIVACY_N_CATEGORIES; c++)
		if (mask & (1u << c)) {
			int n = snprintf(out + at, cap - at, "%s%s", at ? ", " : "",
					 privacy_category_name((enum privacy_category)c));
			if (n < 0 || (size_t)n >= cap - at)
				return;
			at += (size_t)n;
		}
}

/* Every field read here was in ABI 1.0; the check keeps an odd bot from
 * making us read past its struct. */
#define MSG_HAS(m, field) ((m)->size >= offsetof(struct rounds_message, field) + sizeof((m)->field))

static void privacy_moderate(void *ud, const struct rounds_message *m, struct rounds_decision *d)
{
	struct privacy *p = ud;
	if (!MSG_HAS(m, flags) || !m->text || ((m->flags & ROUNDS_MSG_MODERATOR) && !p->moderators))
		return;
	struct privacy_span *spans;
	size_t n = privacy_scan(m->text, m->text_len, p->mask, &spans);
	if (!n)
		return;
	unsigned found = 0;
	for (size_t i = 0; i < n; i++) {
		found |= 1u << spans[i].category;
		size_t end = i == MAX_SPANS - 1 ? spans[n - 1].end : spans[i].end;
		p->api->redact(d, spans[i].start, end);
		if (i == MAX_SPANS - 1)
			break;
	}
	free(spans);
	char what[128];
	describe(found, what, sizeof what);
	/* logged without the text: the log must not become the leak */
	p->api->log(p->host, ROUNDS_LOG_INFO, "redacted %zu span%s (%s) in a line from %s", n,
		    n == 1 ? "" : "s", what, m->nick ? m->nick : "?");
	if (p->warn) {
		p->api->decide(d, ROUNDS_WARN, p->message);
	} else {
		char reason[160];
		snprintf(reason, sizeof reason, "patient details redacted (%s)", what);
		p->api->decide(d, ROUNDS_REDACT, reason);
	}
}

static int privacy_init(struct rounds_host *h, const struct rounds_api *api, const char **errmsg)
{
	const char *const *names;
	size_t n = api->config_strings(h, "detect", &names);
	unsigned mask = n ? 0 : PRIVACY_ALL;
	for (size_t i = 0; i < n; i++) {
		int c = privacy_category_from_name(names[i]);
		if (c < 0) {
			api->log(h, ROUNDS_LOG_ERROR,
				 "detect: unknown category \"%s\" (known: phone, email, ssn, id, dob, "
				 "address, ip, name)",
				 names[i]);
			*errmsg = "unknown category in \"detect\"";
			return -1;
		}
		mask |= 1u << c;
	}
	struct privacy *p = xrealloc(NULL, sizeof *p);
	*p = (struct privacy){
		.api = api,
		.host = h,
		.mask = mask,
		.warn = api->config_bool(h, "warn", true),
		.moderators = api->config_bool(h, "moderators", true),
		.message = xstrdup(api->config_string(h, "message", default_message)),
	};
	if (!p->message[0]) {
		free(p->message);
		p->message = xstrdup(default_message);
	}
	if (api->hook_moderate(h, privacy_moderate, p, privacy_destroy) < 0) {
		privacy_destroy(p);
		*errmsg = "could not register the moderation hook";
		return -1;
	}
	return 0;
}

ROUNDS_PLUGIN_DEFINE("privacy", "1.0", "redacts patient-identifying details and warns the sender",
		     privacy_init, NULL);
