#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "procscan.h"
#include "settings.h"
#include "signame.h"

/* The runtime's own actions, among those configured for the level. */
static void plan_actions(const struct settings *s, const struct runtime_info *rt,
			 const struct plan_proc *p, unsigned wanted, struct plan *out)
{
	switch (rt->kind) {
	case RUNTIME_JVM:
		wanted &= ACTION_HISTOGRAM | ACTION_HEAP_DUMP;
		if (!wanted)
			return;
		if (rt->jvm_attach_disabled) {
			out->action_skip = "jvm: started with -XX:+DisableAttachMechanism";
			return;
		}
		/* With -Xrs HotSpot has no SIGQUIT handler (SIGQUIT would stop
		 * it) but starts its attach listener at start-up instead; jvm_attach
		 * uses the socket when it is there and sends SIGQUIT only to a JVM
		 * that catches it. */
		if ((wanted & ACTION_HISTOGRAM) && !s->dump_dir[0]) {
			wanted &= ~(unsigned)ACTION_HISTOGRAM;
			out->action_skip = "histogram: DUMP_DIR is not set";
		}
		/* JVM_HEAP_DUMP_DIR unset is the documented "off": no reason. */
		if (!s->jvm_heap_dump_dir[0])
			wanted &= ~(unsigned)ACTION_HEAP_DUMP;
		out->actions = wanted;
		return;
	case RUNTIME_OPENJ9:
		if (wanted & (ACTION_HISTOGRAM | ACTION_HEAP_DUMP))
			out->action_skip = "openj9: its attach API is not HotSpot's and is not spoken";
		return;
	case RUNTIME_GO:
		if (!(wanted & ACTION_PPROF))
			return;
		if (!s->dump_dir[0])
			out->action_skip = "pprof: DUMP_DIR is not set";
		else
			out->actions = ACTION_PPROF;
		return;
	case RUNTIME_NODE:
		if (!(wanted & ACTION_HEAP_SNAPSHOT) || !rt->node_snapshot_signal)
			return;
		if (!proc_sig_in(p->caught, rt->node_snapshot_signal)) {
			out->action_skip = "node: the --heapsnapshot-signal is not caught (yet)";
			return;
		}
		if (!p->may_signal) {
			out->action_skip = "node: not permitted to signal it (CAP_KILL missing)";
			return;
		}
		out->actions = ACTION_HEAP_SNAPSHOT;
		out->snapshot_signal = rt->node_snapshot_signal;
		return;
	default:
		return;
	}
}

void plan_make(const struct settings *s, const struct runtime_info *rt, const struct plan_proc *p,
	       enum level level, struct plan *out)
{
	memset(out, 0, sizeof *out);
	out->signo = level == LEVEL_CRITICAL ? s->critical_signal : s->warning_signal;
	plan_actions(s, rt, p, level == LEVEL_CRITICAL ? s->critical_actions : s->warning_actions,
		     out);

	if ((out->actions & ACTION_HEAP_SNAPSHOT) && out->snapshot_signal == out->signo) {
		out->signal_skip = "node: this signal writes its heap snapshot, sent as the action";
		out->skip = PLAN_SKIP_ACTION_INSTEAD;
		return;
	}
	out->signal_skip = runtime_consent(rt, out->signo, p->comm_opted_in);
	out->skip = PLAN_SKIP_RUNTIME_OWNS;
	if (!out->signal_skip) {
		out->signal_skip = policy_send_verdict(
			proc_sig_in(p->caught, out->signo), proc_sig_in(p->ignored, out->signo),
			out->signo, s->signal_unhandled, p->may_signal);
		/* Refused only for want of CAP_KILL: it would go if permitted. */
		bool permitted_would_send =
			!policy_send_verdict(proc_sig_in(p->caught, out->signo),
					     proc_sig_in(p->ignored, out->signo), out->signo,
					     s->signal_unhandled, true);
		out->skip = permitted_would_send ? PLAN_SKIP_NOT_PERMITTED : PLAN_SKIP_NOT_ASKED;
	}
	out->send_signal = out->signal_skip == NULL;
}

const char *plan_skip_name(enum plan_skip k)
{
	static const char *const names[PLAN_SKIPS] = {"not_asked", "runtime_owns",
						      "action_instead", "not_permitted"};
	return k < PLAN_SKIPS ? names[k] : "unknown";
}

void plan_format(const struct plan *pl, char *buf, size_t size)
{
	size_t len = 0;
	buf[0] = '\0';
#define ADD(...)                                                                                   \
	do {                                                                                       \
		int n_ = snprintf(buf + len, size - len, __VA_ARGS__);                            \
		if (n_ > 0 && (size_t)n_ < size - len)                                             \
			len += (size_t)n_;                                                         \
	} while (0)
	char sig[16];
	if (pl->send_signal) {
		signame_format(pl->signo, sig, sizeof sig);
		ADD("%s", sig);
	}
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = {{ACTION_HISTOGRAM, "histogram"},
		     {ACTION_HEAP_DUMP, "heap_dump"},
		     {ACTION_PPROF, "pprof"},
		     {ACTION_HEAP_SNAPSHOT, "heap_snapshot"}};
	for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
		if (!(pl->actions & names[i].bit))
			continue;
		ADD("%s%s", len ? "+" : "", names[i].name);
		if (names[i].bit == ACTION_HEAP_SNAPSHOT) {
			signame_format(pl->snapshot_signal, sig, sizeof sig);
			ADD("(%s)", sig);
		}
	}
	if (!len)
		snprintf(buf, size, "none");
#undef ADD
}
