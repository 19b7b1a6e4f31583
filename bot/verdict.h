/* verdict: what moderation decides about a line, from mild to severe. The
 * values are stored (verdicts.verdict) and will be part of the plugin ABI:
 * append only, never renumber.
 *
 * A line can collect several verdicts (one per plugin). What they do is
 * combined, not overridden: every REDACT span is blanked in transcripts,
 * any HIDE takes the line out of them ("[removed by a moderator]"), and the
 * most severe of WARN, MUTE, KICK and BAN is what happens to the sender. */
#ifndef ROUNDS_VERDICT_H
#define ROUNDS_VERDICT_H

#define VERDICTS(X) \
	X(VERDICT_ALLOW, 0, "allow") \
	X(VERDICT_FLAG, 1, "flag") \
	X(VERDICT_REDACT, 2, "redact") \
	X(VERDICT_HIDE, 3, "hide") \
	X(VERDICT_WARN, 4, "warn") \
	X(VERDICT_MUTE, 5, "mute") \
	X(VERDICT_KICK, 6, "kick") \
	X(VERDICT_BAN, 7, "ban")

enum verdict {
#define X(name, value, text) name = value,
	VERDICTS(X)
#undef X
};

/* "allow" ... "ban"; "unknown" for anything else. */
const char *verdict_name(int verdict);

#endif
