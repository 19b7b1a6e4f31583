/* What the benchmark programs share: the chat-like vocabulary their
 * messages are made of, a small deterministic random generator, and how
 * they read their own CPU time and peak memory. Header-only: each program
 * is a single file. */
#ifndef ROUNDS_BENCH_H
#define ROUNDS_BENCH_H

#include <stdio.h>
#include <sys/resource.h>

static const char *const bench_words[] = {
	"patients", "care", "nurse", "doctor", "burnout", "shift", "team", "trust", "evidence",
	"telehealth", "access", "rural", "pain", "sleep", "support", "time", "listen", "family",
	"health", "data", "privacy", "hospital", "clinic", "ward", "staff", "rota", "night",
	"training", "mentor", "research", "trial", "guideline", "diabetes", "cancer", "mental",
	"wellbeing", "community", "policy", "funding", "equity", "language", "culture", "empathy",
	"communication", "handover", "checklist", "safety", "error", "learning", "feedback",
	"I", "we", "they", "think", "agree", "really", "often", "never", "always", "more", "less",
	"the", "a", "of", "and", "to", "in", "is", "it", "that", "for", "on", "with", "as", "at",
	"great", "point", "question", "answer", "yes", "no", "maybe", "because", "when", "how",
};
#define BENCH_N_WORDS (sizeof bench_words / sizeof bench_words[0])

static inline unsigned bench_rand(unsigned *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Writes the text of benchmark message k ("A2 words ... burst#k") into out
 * (at least 400 bytes); returns its length. */
static inline int bench_text(char *out, long k, unsigned *seed)
{
	int n = 0;
	if (bench_rand(seed) % 10 < 7)
		n += sprintf(out + n, "A%u ", 1 + bench_rand(seed) % 3);
	int nwords = 6 + (int)(bench_rand(seed) % 22);
	for (int w = 0; w < nwords && n < 150; w++)
		n += sprintf(out + n, "%s ", bench_words[bench_rand(seed) % BENCH_N_WORDS]);
	n += sprintf(out + n, "burst#%ld", k);
	return n;
}

static inline double bench_cpu_seconds(void)
{
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

/* Peak resident memory in KB from VmHWM (ru_maxrss would include the image
 * that exec'd us). */
static inline long bench_peak_rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = 0;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

#endif
