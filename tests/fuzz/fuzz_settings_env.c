/* Fuzzes the settings from the environment: settings_resolve over an envp.
 * Input: NAME=value entries separated by NUL bytes, as in /proc/PID/environ.
 * CONFIG is dropped (fuzz_settings_ini reads files); COMM=name entries are
 * command names to try the include/exclude lists on. */
#include "fuzz_settings.h"
#include "procscan.h"

#define MAX_ENV 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all[MAX_ENV];
	int n = fuzz_split(data, size, '\0', all, MAX_ENV);
	char *envp[MAX_ENV + 1];
	int m = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(all[i], "CONFIG=", 7) != 0)
			envp[m++] = all[i];
	envp[m] = NULL;

	struct cli cli;
	memset(&cli, 0, sizeof cli);
	FUZZ_CHECK(settings_config_path(&cli, envp) == NULL, "a config file without CONFIG");
	struct settings s;
	char *err = fuzz_outbuf(SETTINGS_ERR_MAX);
	int r = settings_resolve(&s, &cli, envp, err, SETTINGS_ERR_MAX);
	if (r) {
		fuzz_check_resolve_error(r, err, SETTINGS_ERR_MAX);
	} else {
		fuzz_check_reads_back(&s);
		for (int i = 0; i < m; i++) {
			if (strncmp(envp[i], "COMM=", 5) != 0)
				continue;
			/* No longer than proc_parse_stat keeps. */
			char comm[PROC_COMM_MAX];
			snprintf(comm, sizeof comm, "%s", envp[i] + 5);
			fuzz_check_selection(&s, comm);
		}
	}
	free(err);
	fuzz_free_strings(all, n);
	return 0;
}
