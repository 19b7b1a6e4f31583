/* Fuzzes what a Matrix homeserver sends: the input is a /sync response (or
 * anything at all), walked the way the transport walks it, every event
 * parsed and every power-level lookup made. Properties:
 * - nothing crashes or leaks, whatever the JSON (ASan, LeakSanitizer);
 * - an event the core would store has an id, a sender and one of the
 *   kinds the core knows; its text and references are valid UTF-8;
 * - relations (edits, reactions, redactions) always name their target. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "matrix_sync.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct buf scratch;

static void must_utf8(const char *s)
{
	if (s && !utf8_valid(s, strlen(s)))
		abort();
}

static void check_event(json_t *ev)
{
	struct mx_event e;
	if (mx_event_parse(ev, &e, &scratch) != 0)
		return;
	if (!e.event_id || !e.sender || !e.type)
		abort();
	switch ((int)e.kind) {
	case 0:
	case EVENT_MESSAGE:
	case EVENT_NOTICE:
	case EVENT_ACTION:
	case EVENT_JOIN:
	case EVENT_PART:
	case EVENT_KICK:
	case EVENT_NICK:
	case EVENT_TOPIC:
		break;
	case EVENT_EDIT:
	case EVENT_REDACTION:
	case EVENT_REACTION:
		if (!e.reply_to)
			abort();
		break;
	default:
		abort();
	}
	must_utf8(e.text);
	must_utf8(e.reply_to);
	must_utf8(e.target);
	must_utf8(e.displayname);
	/* a state event of power levels is looked up like the transport does */
	if (e.state_key && strcmp(e.type, "m.room.power_levels") == 0) {
		(void)mx_power_of(e.content, e.sender);
		(void)mx_power_needed(e.content, "kick", false);
		(void)mx_power_needed(e.content, "m.room.power_levels", true);
		(void)mx_power_to_speak(e.content);
	}
}

static void on_info(void *ud, const char *room, bool limited, const char *prev)
{
	must_utf8(room);
	must_utf8(prev);
}

static void on_event(void *ud, const char *room, json_t *ev)
{
	check_event(ev);
}

static void on_invite(void *ud, const char *room, json_t *events)
{
	size_t i;
	json_t *ev;
	json_array_foreach(events, i, ev)
		check_event(ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *root = json_loadb((const char *)data, size, 0, NULL);
	if (!root)
		return 0;
	struct mx_sync_walk w = {NULL, on_info, on_event, on_event, on_invite, NULL};
	mx_sync_walk(root, &w);
	must_utf8(mx_sync_next_batch(root));
	/* a /messages page has the same events in "chunk" */
	json_t *chunk = json_object_get(root, "chunk");
	size_t i;
	json_t *ev;
	json_array_foreach(chunk, i, ev)
		check_event(ev);
	(void)mx_power_of(root, "@a:b");
	json_decref(root);
	buf_free(&scratch);
	return 0;
}
