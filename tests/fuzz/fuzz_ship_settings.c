/* Fuzzes oomsentry-ship's INI file: the input is the file
 * ship_settings_resolve reads (through CONFIG, from a memfd), beside a fixed
 * environment holding the credentials. Whatever it holds, the result is
 * settings or one error line; accepted settings print as a file that reads
 * back the same, and the secret is never in the output or an error. */
#include <errno.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "ship_settings.h"

#define SECRET "fuzzSECRETfuzzSECRET"

static int resolve_text(const char *text, size_t len, struct ship_settings *s, char *err)
{
	static int fd = -1;
	static char config[64];
	if (fd < 0) {
		fd = memfd_create("oomsentry-ship.ini", MFD_CLOEXEC);
		FUZZ_CHECK(fd >= 0, "memfd_create: %d", errno);
		snprintf(config, sizeof config, "CONFIG=/proc/self/fd/%d", fd);
	}
	FUZZ_CHECK(ftruncate(fd, 0) == 0 && (!len || pwrite(fd, text, len, 0) == (ssize_t)len),
		   "memfd write");
	char *envp[] = {config, "AWS_ACCESS_KEY_ID=AKIAFUZZ", "AWS_SECRET_ACCESS_KEY=" SECRET, NULL};
	struct ship_cli cli = {0};
	return ship_settings_resolve(s, &cli, envp, err, SHIP_ERR_MAX);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ship_settings a, b;
	char *err = fuzz_outbuf(SHIP_ERR_MAX);
	int r = resolve_text((const char *)data, size, &a, err);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "resolve: %d", r);
	if (r) {
		FUZZ_CHECK(fuzz_terminated(err, SHIP_ERR_MAX) && err[0] && !strchr(err, '\n'),
			   "error message");
		/* Unless the file itself quotes it. */
		FUZZ_CHECK(!strstr(err, SECRET) || memmem(data, size, SECRET, strlen(SECRET)),
			   "secret in %s", err);
		free(err);
		return 0;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	FUZZ_CHECK(f, "open_memstream");
	ship_settings_print(f, &a);
	fclose(f);
	FUZZ_CHECK(!strstr(text, SECRET) || memmem(data, size, SECRET, strlen(SECRET)),
		   "secret printed:\n%s", text);
	/* An INI line holds 198 characters: a longer value (a long DUMP_DIR
	 * makes a longer STATE_DIR) cannot be read back, as in the sidecar's. */
	for (const char *l = text; *l; l = strchr(l, '\n') + 1)
		if (strchr(l, '\n') - l > 198)
			goto out;
	r = resolve_text(text, len, &b, err);
	FUZZ_CHECK(r == 0, "printed settings do not read back: %s\n%s", err, text);
	FUZZ_CHECK(memcmp(&a, &b, sizeof a) == 0, "read back differs:\n%s", text);
out:
	free(text);
	free(err);
	return 0;
}
