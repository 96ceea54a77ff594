/* Fuzzes the INI file: the input is the file settings_resolve reads (through
 * CONFIG, from memory). Whatever it holds, the result is settings or one
 * error naming a line, and accepted settings print back as a file that
 * reads back the same. */
#include "fuzz_settings.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char env[96];
	snprintf(env, sizeof env, "CONFIG=%s", fuzz_ini_file((const char *)data, size));
	char *envp[] = {env, NULL};
	struct cli cli;
	memset(&cli, 0, sizeof cli);
	struct settings s;
	char *err = fuzz_outbuf(SETTINGS_ERR_MAX);
	int r = settings_resolve(&s, &cli, envp, err, SETTINGS_ERR_MAX);
	if (r) {
		fuzz_check_resolve_error(r, err, SETTINGS_ERR_MAX);
		/* "FILE:LINE: why" for the file's own errors, else a conflict
		 * between two settings. */
		const char *path = env + 7;
		size_t n = strlen(path);
		if (strncmp(err, path, n) == 0) {
			char *end;
			long line = strtol(err + n + 1, &end, 10);
			FUZZ_CHECK(err[n] == ':' && line >= 1 && *end == ':', "no line: %s", err);
		} else {
			FUZZ_CHECK(strncmp(err, "invalid settings ", 17) == 0, "error: %s", err);
		}
	} else {
		fuzz_check_reads_back(&s);
		fuzz_check_selection(&s, "java");
	}
	free(err);
	return 0;
}
