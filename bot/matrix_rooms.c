/* matrix_rooms.c: the rooms the Matrix transport knows (see
 * matrix_impl.h): found by configured name or room id, added, freed, and
 * what room state tells it: who is joined and under what display name,
 * the power levels, and that a room is encrypted (which rounds cannot
 * read, and says so in the room). */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "matrix_impl.h"
#include "matrix_sync.h"
#include "mem.h"

struct mx_room *mx_room_by_configured(struct tmx *m, const char *configured)
{
	for (size_t i = 0; i < m->n_rooms; i++)
		if (m->rooms[i].configured && strcmp(m->rooms[i].configured, configured) == 0)
			return &m->rooms[i];
	return NULL;
}

struct mx_room *mx_room_by_id(struct tmx *m, const char *id)
{
	for (size_t i = 0; i < m->n_rooms; i++)
		if (m->rooms[i].id && strcmp(m->rooms[i].id, id) == 0)
			return &m->rooms[i];
	return NULL;
}

struct mx_room *mx_room_add(struct tmx *m)
{
	m->rooms = mem_grow(m->rooms, &m->cap_rooms, m->n_rooms + 1, sizeof *m->rooms);
	struct mx_room *r = &m->rooms[m->n_rooms++];
	memset(r, 0, sizeof *r);
	r->members = (struct strmap)STRMAP_INIT;
	return r;
}

static void room_clear_members(struct mx_room *r)
{
	size_t it = 0;
	void *v;
	while (strmap_next(&r->members, &it, NULL, &v))
		free(v);
	strmap_clear(&r->members);
}

void mx_room_free(struct mx_room *r)
{
	free(r->configured);
	free(r->id);
	free(r->dm_user);
	json_decref(r->power);
	room_clear_members(r);
}

void mx_room_apply_state(struct tmx *m, struct mx_room *r, const struct mx_event *e)
{
	const char *t = e->type;
	if (strcmp(t, "m.room.member") == 0 && e->target) {
		const char *membership = json_string_value(json_object_get(e->content, "membership"));
		free(strmap_del(&r->members, e->target));
		if (membership && strcmp(membership, "join") == 0)
			strmap_put(&r->members, e->target, mem_strdup(e->displayname ? e->displayname : ""));
		if (m->user_id && strcmp(e->target, m->user_id) == 0)
			r->joined = membership && strcmp(membership, "join") == 0;
	} else if (strcmp(t, "m.room.power_levels") == 0 && e->state_key && json_is_object(e->content)) {
		json_decref(r->power);
		r->power = json_deep_copy(e->content);
	} else if (strcmp(t, "m.room.encryption") == 0 && e->state_key) {
		r->encrypted = true;
	}
	if (r->encrypted && !r->told_encrypted && r->configured) {
		r->told_encrypted = true;
		log_error("matrix[%s]: room %s is end-to-end encrypted: rounds does not support encrypted "
			  "rooms and cannot read what is said there", m->base.cfg->name, r->configured);
		mx_say(&m->base, r->configured,
		       "This room is end-to-end encrypted, and rounds cannot read encrypted messages, "
		       "so it cannot moderate or record chats here. Please use an unencrypted room.");
	}
}

const char *mx_display_name(struct mx_room *r, const char *user)
{
	const char *n = strmap_get(&r->members, user);
	return n && *n ? n : user;
}
