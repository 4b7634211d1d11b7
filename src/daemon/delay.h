/*
 * Delayed answers without a sleeping thread: a connection whose answer
 * must wait (every 401, at least 3 s after the request arrived) is
 * suspended, and one timer thread resumes it when its time has come.
 */
#ifndef RG_DELAY_H
#define RG_DELAY_H

#include <time.h>

struct MHD_Connection;

int delay_start(void);
void delay_stop(void);

/*
 * Suspend c until the monotonic time due; the access handler is called
 * again after that and sends the answer it kept.
 */
void delay_suspend(struct MHD_Connection *c, const struct timespec *due);

/* The same for a connection that is suspended already. */
void delay_resume_at(struct MHD_Connection *c, const struct timespec *due);

#endif
