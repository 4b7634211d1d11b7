/*
 * Proxmox calendar events: the `schedule` of jobs.cfg.  Proxmox parses them
 * with the proxmox-time crate ("systemd-like", not systemd's full grammar):
 *
 *   [weekdays] [date] [time] [UTC]   or one of the special names
 *
 * weekdays  `mon`, `Monday`, `mon..fri`, `sat,sun`, `fri..mon` (wraps);
 *           names are case-insensitive, lists have no spaces
 * date      `[Y-]M-D`, each component `*`, a value, `a..b`, `a/r`,
 *           `a..b/r`, `*` followed by `/r`, or a `,` list of those
 * time      `[H:]M[:S]` with the same components; a missing hour means
 *           every hour, a missing second means second 0, and no time
 *           at all (weekdays or a date only) means 00:00:00
 * special   minutely hourly daily weekly monthly yearly annually
 *           quarterly semiannually semi-annually (exact, case-sensitive)
 *
 * So `02:30` is every day at 02:30:00, `*` followed by `/5` every five
 * minutes, `mon..fri` every weekday at 00:00, and (proxmox-time's
 * backtracking) `25:00` minute 25 second 0 of every hour.  Times are
 * local unless the event ends in `UTC`.
 */
#ifndef RG_CALENDAR_H
#define RG_CALENDAR_H

#include "compiler.h"
#include "err.h"

#include <stdbool.h>
#include <time.h>

/* Longer input is refused: it bounds the work of calendar_next(). */
#define CALENDAR_TEXT_MAX 1024

struct calendar_event;

/*
 * Parse text (surrounding whitespace ignored, as PVE::CalendarEvent does).
 * On success *ev_r is the caller's (calendar_free).  Errors (ERR_INVALID)
 * read "unable to parse calendar event at '<rest>' - <reason>".
 */
int calendar_parse(const char *text, struct calendar_event **ev_r,
    struct err *err) RG_WARN_UNUSED;

/* Only validate: calendar_parse without keeping the result. */
int calendar_check(const char *text, struct err *err) RG_WARN_UNUSED;

void calendar_free(struct calendar_event *ev);

/* Whether the event text ended in `UTC`. */
bool calendar_is_utc(const struct calendar_event *ev);

/*
 * Set *next_r to the first time strictly after `after` that matches ev,
 * computed in local time (TZ) unless utc is true or the event says UTC.
 * Local times that do not exist (skipped when DST starts) never match; a
 * repeated local time (DST end) matches the first of its two instants that
 * lies after `after`.  Returns -1 when there is no such time (within 1000
 * candidate years, before the year 10000) or `after` lies outside the
 * years 0-9999; Proxmox then has no next run either.
 */
int calendar_next(const struct calendar_event *ev, time_t after, bool utc,
    time_t *next_r) RG_WARN_UNUSED;

#endif
