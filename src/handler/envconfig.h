/* envconfig: the options as the OOMSENTRY_* environment gives them, with a
 * bad value reported on stderr as one line:
 *
 *   oomsentry: OOMSENTRY_COOLDOWN="abc": not a duration ...<consequence>
 *
 * The app's process must not die of a bad value: callers say what happens
 * instead (consequence, e.g. "; handlers not installed") and carry on.
 */
#ifndef OOMSENTRY_HANDLER_ENVCONFIG_H
#define OOMSENTRY_HANDLER_ENVCONFIG_H

#include "oomsentry.h"

/* Overlays the environment on *o. Returns 0 or -EINVAL (reported). */
int envconfig_overlay(struct oomsentry_options *o, const char *consequence);

/* The defaults overlaid by the environment. Returns 0 or -EINVAL (reported). */
int envconfig_load(struct oomsentry_options *o, const char *consequence);

#endif
