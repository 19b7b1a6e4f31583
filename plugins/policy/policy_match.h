/* policy_match: the policy plugin's matching, as pure functions over bytes
 * (the unit tests and the fuzzer call them directly): word folding and
 * whole-word phrase search, link and domain extraction, and the guard
 * against requests for personal medical advice. */
#ifndef ROUNDS_POLICY_MATCH_H
#define ROUNDS_POLICY_MATCH_H

#include <stdbool.h>
#include <stddef.h>

/* Folds text[0, len) (any bytes) for matching words: ASCII lowercased,
 * Latin-1 Supplement and Latin Extended-A letters to their base letters
 * (é→e, Ü→u, ß→ss, Œ→oe, Ł→l), combining accents and invisible joiners
 * dropped, every run of other characters (spaces, punctuation, symbols,
 * emoji, ill-formed bytes) made one space, with one space at each end:
 * "Don't  BUY!" → " don t buy ". Letters of other scripts are kept as
 * they are. Returns a malloc'd string (free() it); its length in *out_len
 * if out_len is not NULL. */
char *policy_fold(const char *text, size_t len, size_t *out_len);

/* Does folded (from policy_fold) hold folded_phrase (from policy_fold too)
 * as whole words? A phrase with no word in it matches nothing. */
bool policy_contains(const char *folded, const char *folded_phrase);

/* A link in a line: a URL with a scheme, "www.…", or a bare host with a
 * known top-level domain or a path ("bit.ly/x", "nejm.org"). */
#define POLICY_HOST_MAX 256
struct policy_link {
	size_t start, end;           /* the link's bytes in the text */
	char host[POLICY_HOST_MAX];  /* lowercased, without user, port or final dot; a
				      * longer host keeps its last bytes (what domain
				      * matching looks at) */
};

/* Finds the first link starting at or after *pos in text[0, len) (any
 * bytes); fills *out and moves *pos past it. Returns false when there is
 * none left. */
bool policy_next_link(const char *text, size_t len, size_t *pos, struct policy_link *out);

/* Normalizes a domain from the config ("*.Example.COM", ".example.com",
 * "https://example.com/path") into out: "example.com". Returns false if
 * nothing usable is left or it does not fit in cap. */
bool policy_domain_normalize(const char *in, char *out, size_t cap);

/* Is host domain itself or one of its subdomains? Both normalized. */
bool policy_domain_match(const char *host, const char *domain);

/* Does text read as someone asking for personal medical advice ("should I
 * stop taking my metformin?", "what dose should I take?", "do I have
 * diabetes?")? Conservative: it must be a question, in the first person
 * (about themself or their family), ask for a decision or a judgement,
 * and be about something medical; questions about patients in general,
 * a clinician's own practice, or chat logistics are not. */
bool policy_is_advice(const char *text, size_t len);

#endif
