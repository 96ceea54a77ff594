/* Fuzzes signal names: every name signame_parse accepts is a signal that can
 * be sent, and signame_format's name for it reads back as the same signal. */
#include <errno.h>
#include <signal.h>

#include "fuzz.h"
#include "signame.h"

/* What signame.h asks of signame_format's buffer. */
#define NAME_SIZE 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_cstr(data, size);
	int signo = -1;
	int r = signame_parse(s, &signo);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "signame_parse: %d", r);
	if (r == 0) {
		FUZZ_CHECK(signo >= 1 && signo <= SIGRTMAX, "signal %d", signo);
		FUZZ_CHECK(signo < 32 || signo >= SIGRTMIN, "glibc's own signal %d", signo);
		char *name = fuzz_outbuf(NAME_SIZE);
		const char *out = signame_format(signo, name, NAME_SIZE);
		FUZZ_CHECK(out == name && fuzz_terminated(name, NAME_SIZE), "format of %d", signo);
		int back = -1;
		FUZZ_CHECK(signame_parse(name, &back) == 0 && back == signo,
			   "\"%s\" (signal %d, from \"%s\") does not read back", name, signo, s);
		(void)signame_default_harms(signo);
		(void)signame_meant_to_stop(signo);
		free(name);
	}
	free(s);
	return 0;
}
