/* Fuzzes the command line: settings_parse_args over argv, then
 * settings_resolve applying the flags. Input: the arguments after the
 * program name, separated by NUL bytes. --config is parsed but not read
 * (fuzz_settings_ini reads files). */
#include "fuzz_settings.h"

/* More than struct cli holds, to reach "too many options". */
#define MAX_ARGS 80

static bool points_into(const char *p, char **argv, int argc)
{
	for (int i = 0; i < argc; i++)
		if (p >= argv[i] && p <= argv[i] + strlen(argv[i]))
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *argv[MAX_ARGS + 2];
	argv[0] = fuzz_cstr((const uint8_t *)"oomsentry", 9);
	int argc = 1 + fuzz_split(data, size, '\0', argv + 1, MAX_ARGS);
	argv[argc] = NULL;
	/* getopt_long permutes argv: keep the originals to free. */
	char *owned[MAX_ARGS + 1];
	memcpy(owned, argv, (size_t)argc * sizeof *argv);

	struct cli cli;
	char *err = fuzz_outbuf(SETTINGS_ERR_MAX);
	int r = settings_parse_args(argc, argv, &cli, err, SETTINGS_ERR_MAX);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "settings_parse_args: %d", r);
	if (r) {
		FUZZ_CHECK(fuzz_terminated(err, SETTINGS_ERR_MAX) && err[0], "error message");
		goto out;
	}
	FUZZ_CHECK(cli.nflags >= 0 && cli.nflags <= (int)(sizeof cli.flags / sizeof *cli.flags),
		   "%d flags", cli.nflags);
	for (int i = 0; i < cli.nflags; i++)
		FUZZ_CHECK(strcmp(cli.flags[i].value, "true") == 0 ||
				   points_into(cli.flags[i].value, argv, argc),
			   "flag value outside argv");
	if (cli.config)
		FUZZ_CHECK(cli.config[0] && points_into(cli.config, argv, argc), "config");
	cli.config = NULL;

	struct settings s;
	char *envp[] = {NULL};
	r = settings_resolve(&s, &cli, envp, err, SETTINGS_ERR_MAX);
	if (r) {
		fuzz_check_resolve_error(r, err, SETTINGS_ERR_MAX);
		goto out;
	}
	fuzz_check_reads_back(&s);
	fuzz_check_selection(&s, "java");
out:
	free(err);
	fuzz_free_strings(owned, argc);
	return 0;
}
