/* preload: when this very library is named in LD_PRELOAD, install from the
 * environment before main(). When the app merely links the library, it calls
 * oomsentry_init itself and the constructor does nothing. */
#include <dlfcn.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envconfig.h"
#include "library.h"

static bool loaded_by_ld_preload(void)
{
	const char *list = getenv("LD_PRELOAD");
	Dl_info self;
	struct stat me;
	if (!list || !dladdr((void *)loaded_by_ld_preload, &self) || !self.dli_fname ||
	    stat(self.dli_fname, &me) < 0)
		return false;
	/* LD_PRELOAD separates entries with blanks or colons. */
	char entry[PATH_MAX];
	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ": \t");
		if (n > 0 && n < sizeof entry) {
			struct stat st;
			memcpy(entry, p, n);
			entry[n] = '\0';
			if (strchr(entry, '/') && stat(entry, &st) == 0 && st.st_dev == me.st_dev &&
			    st.st_ino == me.st_ino)
				return true;
			/* A bare name is searched for in the library path: compare names. */
			const char *mine = strrchr(self.dli_fname, '/');
			if (!strchr(entry, '/') && strcmp(entry, mine ? mine + 1 : self.dli_fname) == 0)
				return true;
		}
		p += n;
		p += strspn(p, ": \t");
	}
	return false;
}

__attribute__((constructor)) static void preload_constructor(void)
{
	if (!loaded_by_ld_preload())
		return;
	struct oomsentry_options o;
	/* A bad value must never take the host app down: say so and stay out. */
	if (envconfig_load(&o, "; preload: handlers not installed, the app runs without them"))
		return;
	library_install(&o, "preload");
}
