#include "ircusers.h"

#include <stdlib.h>
#include <string.h>

#include "mem.h"

#define KEY_MAX 256

/* Folds nick into key; false if it is too long to track. */
static int fold(const struct ircusers *u, const char *nick, char key[KEY_MAX])
{
	size_t n = strlen(nick);
	if (n == 0 || n >= KEY_MAX)
		return 0;
	memcpy(key, nick, n + 1);
	ircmsg_casefold(key, u->cm);
	return 1;
}

static void user_free(struct ircuser *user)
{
	free(user->nick);
	free(user->account);
	free(user);
}

void ircusers_init(struct ircusers *u, enum ircmsg_casemapping cm)
{
	u->map = (struct strmap)STRMAP_INIT;
	u->cm = cm;
}

struct ircuser *ircusers_get(const struct ircusers *u, const char *nick)
{
	char key[KEY_MAX];
	return fold(u, nick, key) ? strmap_get(&u->map, key) : NULL;
}

struct ircuser *ircusers_add(struct ircusers *u, const char *nick)
{
	char key[KEY_MAX];
	if (!fold(u, nick, key))
		return NULL;
	struct ircuser *user = strmap_get(&u->map, key);
	if (user)
		return user;
	user = mem_calloc(1, sizeof *user);
	user->nick = mem_strdup(nick);
	strmap_put(&u->map, key, user);
	return user;
}

void ircusers_set_account(struct ircuser *user, const char *account)
{
	if (account && !*account)
		account = NULL;
	if ((!account && !user->account) ||
	    (account && user->account && strcmp(account, user->account) == 0))
		return;
	free(user->account);
	user->account = mem_strdup_opt(account);
}

void ircusers_rename(struct ircusers *u, const char *old_nick, const char *new_nick)
{
	char okey[KEY_MAX], nkey[KEY_MAX];
	if (!fold(u, old_nick, okey))
		return;
	struct ircuser *user = strmap_del(&u->map, okey);
	if (!user)
		return;
	if (!fold(u, new_nick, nkey)) {
		user_free(user);
		return;
	}
	struct ircuser *clash = strmap_put(&u->map, nkey, user);
	if (clash && clash != user)
		user_free(clash); /* a stale entry under the new nick */
	free(user->nick);
	user->nick = mem_strdup(new_nick);
}

void ircusers_remove(struct ircusers *u, const char *nick)
{
	char key[KEY_MAX];
	if (!fold(u, nick, key))
		return;
	struct ircuser *user = strmap_del(&u->map, key);
	if (user)
		user_free(user);
}

void ircusers_leave(struct ircusers *u, const char *nick, unsigned c)
{
	struct ircuser *user = ircusers_get(u, nick);
	if (!user)
		return;
	user->present &= ~(1u << c);
	user->op &= ~(1u << c);
	if (!user->present)
		ircusers_remove(u, nick);
}

void ircusers_clear_channel(struct ircusers *u, unsigned c)
{
	/* collect first: removing while iterating would shift slots */
	struct strmap keep = STRMAP_INIT;
	size_t it = 0;
	const char *key;
	void *v;
	while (strmap_next(&u->map, &it, &key, &v)) {
		struct ircuser *user = v;
		user->present &= ~(1u << c);
		user->op &= ~(1u << c);
		if (user->present)
			strmap_put(&keep, key, user);
		else
			user_free(user);
	}
	strmap_clear(&u->map);
	u->map = keep;
}

void ircusers_clear(struct ircusers *u)
{
	size_t it = 0;
	void *v;
	while (strmap_next(&u->map, &it, NULL, &v))
		user_free(v);
	strmap_clear(&u->map);
}

void ircusers_set_casemapping(struct ircusers *u, enum ircmsg_casemapping cm)
{
	if (cm == u->cm)
		return;
	struct strmap old = u->map;
	u->map = (struct strmap)STRMAP_INIT;
	u->cm = cm;
	size_t it = 0;
	void *v;
	while (strmap_next(&old, &it, NULL, &v)) {
		struct ircuser *user = v;
		char key[KEY_MAX];
		if (fold(u, user->nick, key) && !strmap_get(&u->map, key))
			strmap_put(&u->map, key, user);
		else
			user_free(user);
	}
	strmap_clear(&old);
}
