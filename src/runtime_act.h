/* runtime_act: a runtime's own way of giving a heap profile, run in a
 * job's child process (jobs.c): a JVM's class histogram and heap dump
 * through its attach socket (jvm_attach.c), a Go program's heap profile
 * from its pprof endpoint (pprof_fetch.c). Files go through dumpdir.c; each
 * result is one log line (dump_written, action_failed). I/O. */
#ifndef OOMSENTRY_RUNTIME_ACT_H
#define OOMSENTRY_RUNTIME_ACT_H

#include <stdint.h>

struct job;
struct settings;

/* Runs the job's actions in order, within budget_us. Returns the child's
 * exit status: 0 if every action succeeded, 1 otherwise. */
int runtime_act_run(const struct settings *s, const struct job *j, uint64_t budget_us);

#endif
