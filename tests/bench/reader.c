/* reader: the reference for the burst benchmark. A minimal IRC client that
 * only reads a channel: it registers with the same capabilities as the bot
 * (so it receives the same bytes), joins, then reads and counts PRIVMSG
 * lines carrying the benchmark marker until it has seen N of them. It does
 * the least any client must do — read and split lines — so the bot's cost
 * can be stated as a ratio to it, measured in the same run.
 *
 * usage: reader HOST PORT NICK CHANNEL N
 * Prints "ready" once joined, then "done COUNT SECONDS_SINCE_FIRST", the
 * wall-clock UTC milliseconds of the last line as "last_ms MS", and the CPU
 * seconds spent from the first burst line to the last with its peak
 * resident memory as "cpu S rss KB". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* CPU seconds used so far, and the peak resident set in KB. */
static double cpu_now(long *maxrss)
{
	if (maxrss)
		*maxrss = bench_peak_rss_kb();
	return bench_cpu_seconds();
}

static void send_line(int fd, const char *line)
{
	char buf[600];
	int n = snprintf(buf, sizeof buf, "%s\r\n", line);
	if (write(fd, buf, (size_t)n) != n) {
		perror("write");
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: reader HOST PORT NICK CHANNEL N\n");
		return 2;
	}
	const char *chan = argv[4];
	long want = atol(argv[5]);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		perror("connect");
		return 1;
	}
	char line[600];
	send_line(fd, "CAP REQ :server-time message-tags account-tag extended-join batch");
	snprintf(line, sizeof line, "NICK %s", argv[3]);
	send_line(fd, line);
	snprintf(line, sizeof line, "USER %s 0 * :bench reader", argv[3]);
	send_line(fd, line);
	send_line(fd, "CAP END");

	static char buf[1 << 16];
	size_t have = 0;
	long count = 0;
	long long first = 0, last = 0;
	double cpu0 = 0;
	int joined = 0;
	for (;;) {
		ssize_t n = read(fd, buf + have, sizeof buf - have);
		if (n <= 0) {
			fprintf(stderr, "reader: connection closed after %ld lines\n", count);
			return 1;
		}
		have += (size_t)n;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			*nl = '\0';
			if (strstr(p, " PRIVMSG ") && strstr(p, "burst#")) {
				last = now_ms();
				if (!count++) {
					first = last;
					cpu0 = cpu_now(NULL);
				}
			} else if (!strncmp(p, "PING ", 5)) {
				p[1] = 'O';
				send_line(fd, p);
			} else if (!joined && strstr(p, " 001 ")) {
				snprintf(line, sizeof line, "JOIN %s", chan);
				send_line(fd, line);
			} else if (!joined && strstr(p, " 366 ")) {
				joined = 1;
				printf("ready\n");
				fflush(stdout);
			}
			p = nl + 1;
		}
		have = (size_t)(end - p);
		memmove(buf, p, have);
		if (count >= want)
			break;
	}
	long maxrss;
	double cpu = cpu_now(&maxrss) - cpu0;
	printf("done %ld %.3f\nlast_ms %lld\ncpu %.3f rss %ld\n", count, (last - first) / 1000.0, last,
	       cpu, maxrss);
	fflush(stdout);
	send_line(fd, "QUIT :done");
	close(fd);
	return 0;
}
