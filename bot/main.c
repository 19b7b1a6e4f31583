#include <stdio.h>
#include <string.h>

#include "version.h"

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--version") == 0) {
		printf("rounds %s\n", ROUNDS_VERSION);
		return 0;
	}
	fprintf(stderr, "usage: rounds --version\n");
	return 2;
}
