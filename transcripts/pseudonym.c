#include "pseudonym.h"

#include <string.h>

static const char *const adjectives[64] = {
	"Amber", "Bold", "Brave", "Bright", "Calm", "Clever", "Cosy", "Crisp", "Daring", "Deft",
	"Eager", "Early", "Fair", "Fleet", "Fond", "Gentle", "Glad", "Golden", "Good", "Grand",
	"Hardy", "Honest", "Jolly", "Keen", "Kind", "Lively", "Loyal", "Lucky", "Merry", "Mild",
	"Modest", "Neat", "Nimble", "Noble", "Patient", "Plucky", "Polite", "Proud", "Quick", "Quiet",
	"Rapid", "Ready", "Royal", "Rustic", "Sage", "Shy", "Silver", "Sincere", "Sleek", "Smart",
	"Snug", "Steady", "Sturdy", "Sunny", "Swift", "Tender", "Tidy", "Tranquil", "True", "Vivid",
	"Warm", "Wise", "Witty", "Zesty",
};

static const char *const animals[64] = {
	"Badger", "Bear", "Beaver", "Bison", "Crane", "Curlew", "Deer", "Dolphin", "Dove", "Eagle",
	"Egret", "Falcon", "Finch", "Fox", "Gannet", "Gecko", "Goose", "Hare", "Hawk", "Hedgehog",
	"Heron", "Ibis", "Jay", "Kestrel", "Kingfisher", "Koala", "Lark", "Lemur", "Lynx", "Magpie",
	"Marten", "Moose", "Newt", "Otter", "Owl", "Panda", "Pelican", "Penguin", "Petrel", "Puffin",
	"Quail", "Rabbit", "Raven", "Robin", "Salmon", "Seal", "Sparrow", "Squirrel", "Stork", "Swallow",
	"Swan", "Tern", "Thrush", "Tiger", "Toucan", "Trout", "Turtle", "Vole", "Walrus", "Weasel",
	"Whale", "Wolf", "Wombat", "Wren",
};

/* SipHash would do; this keyed FNV-1a is enough to scatter 4096 names,
 * and the salt (128 random bits) keeps the mapping unguessable. */
static uint64_t keyed_hash(const char *salt, const char *who)
{
	uint64_t h = 1469598103934665603ull;
	for (int pass = 0; pass < 2; pass++) {
		for (const char *p = salt; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h = (h ^ 0xff) * 1099511628211ull;
		for (const char *p = who; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
		h ^= h >> 29; /* mix between passes */
	}
	return h ^ (h >> 32);
}

void pseudonym_make(const char *salt, const char *who, struct buf *out)
{
	uint64_t h = keyed_hash(salt ? salt : "", who ? who : "");
	buf_printf(out, "%s %s", adjectives[h & 63], animals[(h >> 6) & 63]);
}
