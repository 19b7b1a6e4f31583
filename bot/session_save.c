/* session_save.c: a running chat saved as JSON and restored, so that a bot
 * killed and started again carries on in the same round with the same
 * clock (see session.h). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "mem.h"
#include "session_impl.h"

/* Snapshot format version: bump when a field's meaning changes; restore
 * refuses versions it does not know. */
#define SNAPSHOT_VERSION 1

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

char *session_snapshot(const struct session *s)
{
	if (s->phase == SESSION_IDLE)
		return NULL;
	json_t *up = json_array(), *rounds = json_array(), *cohosts = json_array();
	for (size_t i = 0; i < s->n_upcoming; i++)
		json_array_append_new(up, json_pack("[s, f]", s->upcoming[i].text, s->upcoming[i].minutes));
	for (size_t i = 0; i < s->n_rounds; i++) {
		const struct session_round *r = &s->rounds[i];
		json_array_append_new(rounds, json_pack("{s:i, s:s, s:f, s:I, s:I, s:b, s:o, s:o}", "n", r->number,
							"topic", r->topic, "minutes", r->planned_minutes,
							"started", (json_int_t)r->started_ms, "ended",
							(json_int_t)r->ended_ms, "by_host", r->posted_by_host,
							"agenda_topic", str_or_null(r->agenda_topic), "poster",
							str_or_null(r->poster_key)));
	}
	for (size_t i = 0; i < s->n_cohosts; i++)
		json_array_append_new(cohosts, json_string(s->cohosts[i]));
	json_t *o = json_pack("{s:i, s:i, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:o, s:o, s:o}", "v",
			      SNAPSHOT_VERSION, "phase", (int)s->phase, "paused", s->paused, "title", s->title,
			      "opened", (json_int_t)s->opened_ms, "phase_end", (json_int_t)s->phase_end_ms,
			      "remaining", (json_int_t)s->remaining_ms, "paused_at",
			      (json_int_t)s->paused_at_ms, "planned_end", (json_int_t)s->planned_end_ms,
			      "warned", s->warned, "upcoming", up, "rounds", rounds, "cohosts", cohosts);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	return text;
}

static const char *opt_str(json_t *v)
{
	return json_is_string(v) ? json_string_value(v) : NULL;
}

int session_restore(struct session *s, const char *text, struct buf *why)
{
	json_error_t err;
	json_t *o = json_loads(text, 0, &err);
	int v = 0, phase = 0, paused = 0, warned = 0;
	const char *title = NULL;
	json_int_t opened = 0, phase_end = 0, remaining = 0, paused_at = 0, planned_end = 0;
	json_t *up = NULL, *rounds = NULL, *cohosts = NULL;
	if (!o || json_unpack_ex(o, &err, 0, "{s:i, s:i, s:b, s:s, s:I, s:I, s:I, s:I, s:I, s:b, s:o, s:o, s:o}",
				 "v", &v, "phase", &phase, "paused", &paused, "title", &title, "opened",
				 &opened, "phase_end", &phase_end, "remaining", &remaining, "paused_at",
				 &paused_at, "planned_end", &planned_end, "warned", &warned, "upcoming", &up,
				 "rounds", &rounds, "cohosts", &cohosts) != 0) {
		buf_printf(why, "unreadable saved state (%s)", err.text);
		json_decref(o);
		return -1;
	}
	if (v != SNAPSHOT_VERSION || (phase != SESSION_INTRO && phase != SESSION_ROUND) ||
	    !json_is_array(up) || !json_is_array(rounds) || !json_is_array(cohosts) ||
	    (phase == SESSION_ROUND && !json_array_size(rounds))) {
		buf_printf(why, "saved state of another version or shape (version %d)", v);
		json_decref(o);
		return -1;
	}
	session_clear_upcoming(s);
	session_clear_rounds(s);
	session_clear_cohosts(s);
	strmap_clear(&s->participants);
	s->messages = 0;
	free(s->title);
	s->title = mem_strdup(title);
	s->phase = (enum session_phase)phase;
	s->paused = paused;
	s->opened_ms = opened;
	s->phase_end_ms = phase_end;
	s->remaining_ms = remaining;
	s->paused_at_ms = paused_at;
	s->planned_end_ms = planned_end;
	s->warned = warned;
	size_t i;
	json_t *e;
	json_array_foreach(up, i, e) {
		const char *t = opt_str(json_array_get(e, 0));
		s->upcoming = mem_grow(s->upcoming, &s->cap_upcoming, s->n_upcoming + 1, sizeof *s->upcoming);
		s->upcoming[s->n_upcoming++] = (struct topic){mem_strdup(t ? t : ""),
							      json_number_value(json_array_get(e, 1))};
	}
	json_array_foreach(rounds, i, e) {
		const char *t = opt_str(json_object_get(e, "topic"));
		const char *agenda = opt_str(json_object_get(e, "agenda_topic"));
		const char *poster = opt_str(json_object_get(e, "poster"));
		s->rounds = mem_grow(s->rounds, &s->cap_rounds, s->n_rounds + 1, sizeof *s->rounds);
		s->rounds[s->n_rounds++] = (struct session_round){
			(int)json_integer_value(json_object_get(e, "n")), mem_strdup(t ? t : ""),
			json_number_value(json_object_get(e, "minutes")),
			json_integer_value(json_object_get(e, "started")),
			json_integer_value(json_object_get(e, "ended")),
			json_is_true(json_object_get(e, "by_host")), agenda ? mem_strdup(agenda) : NULL,
			poster ? mem_strdup(poster) : NULL};
	}
	json_array_foreach(cohosts, i, e) {
		if (!json_is_string(e))
			continue;
		s->cohosts = mem_grow(s->cohosts, &s->cap_cohosts, s->n_cohosts + 1, sizeof *s->cohosts);
		s->cohosts[s->n_cohosts++] = mem_strdup(json_string_value(e));
	}
	json_decref(o);
	return 0;
}

void session_restore_tally(struct session *s, const char *key, uint64_t messages)
{
	s->messages += messages;
	if (key && !strmap_has(&s->participants, key))
		strmap_put(&s->participants, key, NULL);
}
