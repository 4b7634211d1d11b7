/*
 * Password prompts for `pveum ticket` and `pveum passwd`: the prompt goes
 * to stderr (so stdout carries only the result), echo is off on a
 * terminal, and a pipe works too (one line per prompt).
 */
#include "prompt.h"
#include "buf.h"

#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

char *
prompt_password(const char *prompt)
{
	struct termios old, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	struct buf line = BUF_INIT;
	int c;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tty) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	while ((c = getchar()) != EOF && c != '\n')
		buf_putc(&line, (char)c);
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (c == EOF && line.len == 0) {
		buf_clear(&line);
		return NULL;
	}
	return buf_steal(&line);
}
