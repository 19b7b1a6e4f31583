/* blast: the load for the burst benchmark. Opens S connections to an IRC
 * server (flood limits raised), registers them all at once, joins the
 * channel, waits for "go" on standard input, then has every sender write
 * its share of N channel messages as fast as the server takes them.
 * Messages look like chat answers (mostly "A1 ..." to "A3 ..." with words
 * from a fixed vocabulary, 40 to 160 bytes) and each carries a unique
 * marker "burst#K" so the reader and the store can be checked.
 *
 * usage: blast HOST PORT CHANNEL SENDERS MESSAGES SEED
 * Prints "ready" once every sender has joined, and "sent" when done. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench.h"


#define MAX_SENDERS 500

struct sender {
	int fd;
	char *out;     /* the lines still to write */
	size_t len, off;
	char in[8192];
	size_t have;
	int state;     /* 0 registering, 1 joining, 2 joined, 3 done */
};


static void build_lines(struct sender *s, const char *chan, long from, long count, long step,
			unsigned *seed)
{
	size_t cap = (size_t)count * 200 + 64;
	s->out = malloc(cap);
	s->len = 0;
	for (long k = from, i = 0; i < count; i++, k += step) {
		char text[400];
		bench_text(text, k, seed);
		s->len += (size_t)snprintf(s->out + s->len, cap - s->len, "PRIVMSG %s :%s\r\n", chan, text);
	}
}

static void send_now(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void send_now(int fd, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	if (write(fd, line, (size_t)n) != n)
		perror("write");
}

int main(int argc, char **argv)
{
	if (argc != 7) {
		fprintf(stderr, "usage: blast HOST PORT CHANNEL SENDERS MESSAGES SEED\n");
		return 2;
	}
	const char *chan = argv[3];
	unsigned long n_arg = strtoul(argv[4], NULL, 10);
	int n_senders = n_arg <= MAX_SENDERS ? (int)n_arg : 0;
	if (n_senders < 1 || n_senders > MAX_SENDERS) {
		fprintf(stderr, "blast: SENDERS must be 1..500\n");
		return 2;
	}
	long total = atol(argv[5]);
	unsigned seed = (unsigned)atoi(argv[6]);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	struct sender *s = calloc((size_t)n_senders, sizeof *s);
	static struct pollfd pf[MAX_SENDERS];
	nfds_t nfds = n_arg <= MAX_SENDERS ? (nfds_t)n_arg : 0;
	for (int i = 0; i < n_senders; i++) {
		s[i].fd = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(s[i].fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			perror("connect");
			return 1;
		}
		char nick[32];
		snprintf(nick, sizeof nick, "sender%02d", i);
		send_now(s[i].fd, "NICK %s\r\n", nick);
		send_now(s[i].fd, "USER %s 0 * :bench sender\r\n", nick);
		/* messages k = i, i + S, i + 2S, ...: interleaved across senders */
		long mine = total / n_senders + (i < total % n_senders);
		build_lines(&s[i], chan, i, mine, n_senders, &seed);
	}
	/* register and join everyone (InspIRCd registers on a 1-second tick) */
	int joined = 0;
	while (joined < n_senders) {
		for (int i = 0; i < n_senders; i++)
			pf[i] = (struct pollfd){s[i].fd, POLLIN, 0};
		if (poll(pf, nfds, 20000) <= 0) {
			fprintf(stderr, "blast: registration timed out\n");
			return 1;
		}
		for (int i = 0; i < n_senders; i++) {
			if (!(pf[i].revents & POLLIN))
				continue;
			ssize_t n = read(s[i].fd, s[i].in + s[i].have, sizeof s[i].in - 1 - s[i].have);
			if (n <= 0) {
				fprintf(stderr, "blast: sender %d closed\n", i);
				return 1;
			}
			s[i].have += (size_t)n;
			s[i].in[s[i].have] = '\0';
			if (s[i].state == 0 && strstr(s[i].in, " 001 ")) {
				/* deaf (+D): senders do not need each other's lines, and the
				 * server then spends its time on the bot and the reader */
				char nick[32];
				snprintf(nick, sizeof nick, "sender%02d", i);
				send_now(s[i].fd, "MODE %s +D\r\n", nick);
				send_now(s[i].fd, "JOIN %s\r\n", chan);
				s[i].state = 1;
			}
			if (s[i].state == 1 && strstr(s[i].in, " 366 ")) {
				s[i].state = 2;
				joined++;
			}
			char *ping = strstr(s[i].in, "PING ");
			if (ping) {
				ping[1] = 'O';
				char *eol = strchr(ping, '\n');
				if (eol && write(s[i].fd, ping, (size_t)(eol - ping + 1)) < 0)
					perror("write");
			}
			if (s[i].have > sizeof s[i].in / 2)
				s[i].have = 0; /* keep only the recent tail: we look for markers */
		}
	}
	printf("ready\n");
	fflush(stdout);
	char go[16];
	if (!fgets(go, sizeof go, stdin))
		return 1;
	for (int i = 0; i < n_senders; i++)
		fcntl(s[i].fd, F_SETFL, O_NONBLOCK);
	int left = n_senders;
	char drain[65536];
	while (left) {
		for (int i = 0; i < n_senders; i++)
			pf[i] = (struct pollfd){s[i].fd, (short)(POLLIN | (s[i].state == 2 ? POLLOUT : 0)), 0};
		if (poll(pf, nfds, 30000) <= 0) {
			fprintf(stderr, "blast: stalled\n");
			return 1;
		}
		for (int i = 0; i < n_senders; i++) {
			if (pf[i].revents & POLLIN)
				while (read(s[i].fd, drain, sizeof drain) > 0)
					; /* echoes of other senders: discarded */
			if (s[i].state == 2 && (pf[i].revents & POLLOUT)) {
				ssize_t n = write(s[i].fd, s[i].out + s[i].off, s[i].len - s[i].off);
				if (n > 0)
					s[i].off += (size_t)n;
				else if (n < 0 && errno != EAGAIN) {
					perror("write");
					return 1;
				}
				if (s[i].off == s[i].len) {
					s[i].state = 3;
					left--;
				}
			}
		}
	}
	printf("sent\n");
	fflush(stdout);
	/* stay connected until told to go, so the channel keeps its members */
	if (!fgets(go, sizeof go, stdin))
		return 0;
	return 0;
}
