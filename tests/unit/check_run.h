/* The main of every Check test program: run one suite, exit non-zero if any
 * test failed. Check runs each test in a forked child (CK_FORK), so a crash
 * fails that test only. */
#ifndef OOMSENTRY_CHECK_RUN_H
#define OOMSENTRY_CHECK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int check_run(Suite *suite)
{
	SRunner *sr = srunner_create(suite);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
