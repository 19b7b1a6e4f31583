/* cli: the command line (run, check-config, chats, export, --help). */
#ifndef ROUNDS_CLI_H
#define ROUNDS_CLI_H

/* Returns the process exit status. */
int cli_main(int argc, char **argv);

#endif
