/*
 * What the lockout files share beyond lockout.h: record changes for the
 * transactions in lockout_file.c (and the unit tests).
 */
#ifndef RG_LOCKOUT_INT_H
#define RG_LOCKOUT_INT_H

#include "lockout.h"

/* The record of id, made when missing (replacing one if the kind is full). */
struct lockout_rec *lockout_state_get(struct lockout_state *s,
    enum lockout_kind k, const char *id, time_t now);

/* Remove r (a record of kind k in s). */
void lockout_state_drop(struct lockout_state *s, enum lockout_kind k,
    struct lockout_rec *r);

/* Add an attempt at t (the oldest goes beyond LOCKOUT_FAILURES_MAX). */
void lockout_rec_add(struct lockout_rec *r, time_t t);

/* Remove the newest attempt at exactly t; false if there is none. */
bool lockout_rec_take(struct lockout_rec *r, time_t t);

#endif
