#include "tally.h"

static struct tally_sidecar sidecar;

const struct tally_sidecar *tally_sidecar(void)
{
	return &sidecar;
}

void tally_read(struct tally_ct *t, int err)
{
	sidecar.reads++;
	t->reads++;
	if (err)
		t->read_errors++;
}

void tally_signal_sent(struct tally_ct *t, enum level level)
{
	if ((unsigned)level >= TALLY_LEVELS)
		return;
	t->signals_sent[level]++;
	sidecar.signals_sent[level]++;
}

void tally_signal_skipped(struct tally_ct *t, enum level level, enum plan_skip why)
{
	if ((unsigned)level < TALLY_LEVELS && (unsigned)why < PLAN_SKIPS)
		t->signals_skipped[level][why]++;
}

static void count_bits(uint64_t *counts, unsigned actions)
{
	for (unsigned i = 0; i < TALLY_ACTIONS; i++)
		if (actions & (1u << i))
			counts[i]++;
}

void tally_actions(struct tally_ct *t, unsigned actions)
{
	count_bits(t->actions, actions);
}

void tally_dumps(struct tally_ct *t, unsigned actions)
{
	count_bits(t->dumps, actions);
}

void tally_oom_kills(uint64_t n)
{
	sidecar.oom_kills += n;
}

const char *tally_action_name(unsigned index)
{
	static const char *const names[TALLY_ACTIONS] = {"histogram", "heap_dump", "pprof",
							 "heap_snapshot"};
	return index < TALLY_ACTIONS ? names[index] : "unknown";
}
