#include "envconfig.h"

#include <stdio.h>
#include <stdlib.h>

#include "options.h"

static const char *process_getenv(const char *name, void *unused)
{
	(void)unused;
	return getenv(name);
}

int envconfig_overlay(struct oomsentry_options *o, const char *consequence)
{
	char err[OPT_ERR_MAX];
	int r = opt_from_env(o, process_getenv, NULL, err, sizeof err);
	if (r)
		fprintf(stderr, "oomsentry: %s%s\n", err, consequence);
	return r;
}

int envconfig_load(struct oomsentry_options *o, const char *consequence)
{
	opt_defaults(o);
	return envconfig_overlay(o, consequence);
}
