/* Fuzzes the parsers of /proc/PID/stat and /proc/PID/status. A process names
 * itself (comm), so stat is hostile input: "(a) b) S 1 ..." must still be
 * read from the last ')'. */
#include <errno.h>
#include <inttypes.h>

#include "fuzz.h"
#include "procscan.h"

static void check_stat(const char *buf)
{
	struct proc_stat st;
	memset(&st, 0xa5, sizeof st);
	int r = proc_parse_stat(buf, &st);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "proc_parse_stat: %d", r);
	if (r)
		return;
	FUZZ_CHECK(fuzz_terminated(st.comm, sizeof st.comm), "comm not terminated");
	/* comm is what lies between the first '(' and the last ')', cut to fit. */
	const char *open = strchr(buf, '(');
	const char *close = strrchr(buf, ')');
	FUZZ_CHECK(open && close && close > open, "no parentheses in accepted stat");
	size_t n = (size_t)(close - open - 1);
	if (n > sizeof st.comm - 1)
		n = sizeof st.comm - 1;
	FUZZ_CHECK(strlen(st.comm) <= n && strncmp(st.comm, open + 1, strlen(st.comm)) == 0,
		   "comm \"%s\"", st.comm);
	FUZZ_CHECK(st.state == close[2], "state %c", st.state);
	(void)proc_is_kernel_thread(&st);
	(void)proc_is_zombie(&st);
}

static void check_status(const char *buf)
{
	struct proc_status st;
	memset(&st, 0xa5, sizeof st);
	int r = proc_parse_status(buf, &st);
	FUZZ_CHECK(r == 0 || r == -EINVAL, "proc_parse_status: %d", r);
	if (r)
		return;
	FUZZ_CHECK(strstr(buf, "SigCgt:") && strstr(buf, "SigIgn:") && strstr(buf, "SigBlk:"),
		   "accepted without every Sig* line");
	for (int sig = 0; sig <= 65; sig++) {
		bool in = proc_sig_in(st.sig_caught, sig);
		FUZZ_CHECK(!in || (sig >= 1 && sig <= 64), "signal %d in a mask", sig);
	}
	if (st.has_uid)
		FUZZ_CHECK(strstr(buf, "\nUid:") != NULL, "uids without a Uid line");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_cstr(data, size);
	check_stat(buf);
	check_status(buf);
	free(buf);
	return 0;
}
