/*
 * Reading a password from the terminal or a pipe.
 */
#ifndef RG_PROMPT_H
#define RG_PROMPT_H

/* The line typed (caller wipes and frees it), or NULL at end of input. */
char *prompt_password(const char *prompt);

#endif
