/* plan.c: what each kind of process gets at each level — the consent rules
 * (a runtime's own handler is not consent) and the runtime's actions. */
#include "check_run.h"
#include <check.h>
#include <signal.h>
#include <string.h>

#include "plan.h"
#include "settings.h"

#define BIT(sig) (1ULL << ((sig) - 1))

static struct settings s;

static void setup(void)
{
	settings_defaults(&s);
	strcpy(s.dump_dir, "/dumps");
}

static struct runtime_info rt_of(enum runtime_kind k)
{
	struct runtime_info r;
	memset(&r, 0, sizeof r);
	r.kind = k;
	return r;
}

/* A process that catches both notification signals and may be signalled. */
static const struct plan_proc catches_both = {BIT(SIGUSR1) | BIT(SIGUSR2), 0, true, false};

static void plan(const struct runtime_info *r, const struct plan_proc *p, enum level lv,
		 struct plan *out, char *text, size_t size)
{
	plan_make(&s, r, p, lv, out);
	plan_format(out, text, size);
}

START_TEST(native_with_handler_gets_signals)
{
	struct runtime_info r = rt_of(RUNTIME_NATIVE);
	struct plan pl;
	char t[128];
	plan(&r, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR1");
	plan(&r, &catches_both, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR2");
	/* No handler: nothing, and a reason. */
	struct plan_proc none = {0, 0, true, false};
	plan(&r, &none, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "none");
	ck_assert_ptr_nonnull(pl.signal_skip);
}
END_TEST

START_TEST(node_never_gets_sigusr1_unless_opted_in)
{
	struct runtime_info r = rt_of(RUNTIME_NODE);
	struct plan_proc p = {BIT(SIGUSR1), 0, true, false};
	struct plan pl;
	char t[128];
	plan(&r, &p, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "none");
	ck_assert_ptr_nonnull(strstr(pl.signal_skip, "inspector"));
	/* Opted in by OOMSENTRY_SIGNALS, by SIGNAL_COMMS, or liboomsentry. */
	r.optin_signals = BIT(SIGUSR1);
	plan(&r, &p, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR1");
	r.optin_signals = 0;
	p.comm_opted_in = true;
	plan(&r, &p, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR1");
	p.comm_opted_in = false;
	r.liboomsentry = true;
	plan(&r, &p, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR1");
}
END_TEST

/* The class of a skip, for the counters' reason label. */
START_TEST(skip_classes)
{
	struct plan pl;
	char t[128];
	struct runtime_info native = rt_of(RUNTIME_NATIVE);
	struct plan_proc none = {0, 0, true, false};
	plan(&native, &none, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_int_eq(pl.skip, PLAN_SKIP_NOT_ASKED);
	struct plan_proc ignores = {0, BIT(SIGUSR1), true, false};
	plan(&native, &ignores, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_int_eq(pl.skip, PLAN_SKIP_NOT_ASKED);
	/* It asked, but CAP_KILL is missing. */
	struct plan_proc denied = {BIT(SIGUSR1), 0, false, false};
	plan(&native, &denied, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert(!pl.send_signal);
	ck_assert_int_eq(pl.skip, PLAN_SKIP_NOT_PERMITTED);
	/* Not asked and not permitted: not asked comes first. */
	struct plan_proc neither = {0, 0, false, false};
	plan(&native, &neither, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_int_eq(pl.skip, PLAN_SKIP_NOT_ASKED);
	struct runtime_info node = rt_of(RUNTIME_NODE);
	plan(&node, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_int_eq(pl.skip, PLAN_SKIP_RUNTIME_OWNS);
	node.node_snapshot_signal = SIGUSR2;
	plan(&node, &catches_both, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_int_eq(pl.skip, PLAN_SKIP_ACTION_INSTEAD);
	ck_assert_str_eq(plan_skip_name(PLAN_SKIP_NOT_ASKED), "not_asked");
	ck_assert_str_eq(plan_skip_name(PLAN_SKIP_RUNTIME_OWNS), "runtime_owns");
	ck_assert_str_eq(plan_skip_name(PLAN_SKIP_ACTION_INSTEAD), "action_instead");
	ck_assert_str_eq(plan_skip_name(PLAN_SKIP_NOT_PERMITTED), "not_permitted");
}
END_TEST

START_TEST(node_snapshot_signal_sent_once_at_critical)
{
	struct runtime_info r = rt_of(RUNTIME_NODE);
	r.node_snapshot_signal = SIGUSR2;
	struct plan pl;
	char t[128];
	plan(&r, &catches_both, LEVEL_CRITICAL, &pl, t, sizeof t);
	/* The level's signal is the snapshot signal: sent as the action only. */
	ck_assert_str_eq(t, "heap_snapshot(SIGUSR2)");
	ck_assert(!pl.send_signal);
	/* Not at warning by default (a snapshot needs memory of the heap's size). */
	plan(&r, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "none");
	/* Not caught (yet): no action, and why. */
	struct plan_proc p = {BIT(SIGUSR1), 0, true, false};
	plan(&r, &p, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert(!(pl.actions & ACTION_HEAP_SNAPSHOT));
	ck_assert_ptr_nonnull(pl.action_skip);
	/* Another snapshot signal: the action sends it, the level's signal
	 * follows the usual rules. */
	r.node_snapshot_signal = SIGRTMIN + 3;
	struct plan_proc p2 = {BIT(SIGUSR2) | BIT(SIGRTMIN + 3), 0, true, false};
	plan(&r, &p2, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert(pl.actions & ACTION_HEAP_SNAPSHOT);
	ck_assert_int_eq(pl.snapshot_signal, SIGRTMIN + 3);
}
END_TEST

START_TEST(jvm_gets_attach_actions_never_sigusr2)
{
	struct runtime_info r = rt_of(RUNTIME_JVM);
	/* HotSpot catches SIGUSR2 (suspend/resume) and SIGQUIT. */
	struct plan_proc p = {BIT(SIGUSR2) | BIT(SIGQUIT), 0, true, false};
	struct plan pl;
	char t[128];
	plan(&r, &p, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "histogram");
	plan(&r, &p, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "histogram"); /* no JVM_HEAP_DUMP_DIR: no heap dump */
	ck_assert(!pl.send_signal);
	ck_assert_ptr_nonnull(pl.signal_skip);
	strcpy(s.jvm_heap_dump_dir, "/dumps");
	plan(&r, &p, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "histogram+heap_dump");
	/* Without DUMP_DIR the histogram has nowhere to go; the heap dump does. */
	s.dump_dir[0] = '\0';
	plan(&r, &p, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "heap_dump");
	ck_assert_ptr_nonnull(strstr(pl.action_skip, "DUMP_DIR"));
	/* Attach switched off, or -Xrs without a SIGQUIT handler: nothing. */
	r.jvm_attach_disabled = true;
	plan(&r, &p, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "none");
	ck_assert_ptr_nonnull(strstr(pl.action_skip, "DisableAttachMechanism"));
	/* -Xrs: no SIGQUIT handler, but HotSpot listens from the start. */
	r.jvm_attach_disabled = false;
	r.jvm_reduced_signals = true;
	struct plan_proc xrs = {BIT(SIGUSR2), 0, true, false};
	plan(&r, &xrs, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "heap_dump");
}
END_TEST

START_TEST(openj9_says_why)
{
	struct runtime_info r = rt_of(RUNTIME_OPENJ9);
	struct plan pl;
	char t[128];
	plan(&r, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert(!(pl.actions & (ACTION_HISTOGRAM | ACTION_HEAP_DUMP)));
	ck_assert_ptr_nonnull(strstr(pl.action_skip, "openj9"));
}
END_TEST

START_TEST(go_gets_pprof_not_signals)
{
	struct runtime_info r = rt_of(RUNTIME_GO);
	struct plan pl;
	char t[128];
	/* The Go runtime catches every signal: that is not the app asking. */
	plan(&r, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "pprof");
	ck_assert_ptr_nonnull(pl.signal_skip);
	r.optin_signals = BIT(SIGUSR1) | BIT(SIGUSR2);
	plan(&r, &catches_both, LEVEL_CRITICAL, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR2+pprof");
	s.warning_actions = 0;
	r.optin_signals = 0;
	plan(&r, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "none");
}
END_TEST

START_TEST(servers_keep_their_signals)
{
	static const enum runtime_kind servers[] = {RUNTIME_NGINX, RUNTIME_HTTPD, RUNTIME_GUNICORN,
						    RUNTIME_UWSGI, RUNTIME_POSTGRES};
	for (size_t i = 0; i < sizeof servers / sizeof *servers; i++) {
		struct runtime_info r = rt_of(servers[i]);
		r.server_master = true;
		struct plan pl;
		char t[128];
		for (enum level lv = LEVEL_WARNING; lv <= LEVEL_CRITICAL; lv++) {
			plan(&r, &catches_both, lv, &pl, t, sizeof t);
			ck_assert_msg(strcmp(t, "none") == 0, "%s got %s", runtime_name(servers[i]), t);
			ck_assert_ptr_nonnull(pl.signal_skip);
			ck_assert_msg(strncmp(pl.signal_skip, runtime_name(servers[i]),
					      strlen(runtime_name(servers[i]))) == 0,
				      "reason \"%s\" does not name %s", pl.signal_skip,
				      runtime_name(servers[i]));
		}
	}
}
END_TEST

START_TEST(python_handler_is_the_apps)
{
	struct runtime_info r = rt_of(RUNTIME_PYTHON);
	struct plan pl;
	char t[128];
	plan(&r, &catches_both, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "SIGUSR1");
	struct plan_proc none = {0, 0, true, false};
	plan(&r, &none, LEVEL_WARNING, &pl, t, sizeof t);
	ck_assert_str_eq(t, "none");
}
END_TEST

START_TEST(stop_signals_keep_their_rule)
{
	/* A signal meant to stop goes whether caught or not (policy_send_verdict),
	 * whatever the runtime: the user chose to stop the app. */
	s.critical_signal = SIGTERM;
	struct plan_proc none = {0, 0, true, false};
	static const enum runtime_kind kinds[] = {RUNTIME_NATIVE, RUNTIME_NODE, RUNTIME_GO,
						  RUNTIME_NGINX, RUNTIME_PYTHON};
	for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++) {
		struct runtime_info r = rt_of(kinds[i]);
		struct plan pl;
		plan_make(&s, &r, &none, LEVEL_CRITICAL, &pl);
		ck_assert_msg(pl.send_signal, "%s: SIGTERM skipped: %s", runtime_name(kinds[i]),
			      pl.signal_skip);
	}
}
END_TEST

START_TEST(not_permitted_is_never_sent)
{
	struct runtime_info r = rt_of(RUNTIME_NATIVE);
	struct plan_proc p = catches_both;
	p.may_signal = false;
	struct plan pl;
	plan_make(&s, &r, &p, LEVEL_WARNING, &pl);
	ck_assert(!pl.send_signal);
	r = rt_of(RUNTIME_NODE);
	r.node_snapshot_signal = SIGUSR2;
	plan_make(&s, &r, &p, LEVEL_CRITICAL, &pl);
	ck_assert(!(pl.actions & ACTION_HEAP_SNAPSHOT));
}
END_TEST

static Suite *suite(void)
{
	Suite *su = suite_create("plan");
	TCase *tc = tcase_create("core");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, native_with_handler_gets_signals);
	tcase_add_test(tc, skip_classes);
	tcase_add_test(tc, node_never_gets_sigusr1_unless_opted_in);
	tcase_add_test(tc, node_snapshot_signal_sent_once_at_critical);
	tcase_add_test(tc, jvm_gets_attach_actions_never_sigusr2);
	tcase_add_test(tc, openj9_says_why);
	tcase_add_test(tc, go_gets_pprof_not_signals);
	tcase_add_test(tc, servers_keep_their_signals);
	tcase_add_test(tc, python_handler_is_the_apps);
	tcase_add_test(tc, stop_signals_keep_their_rule);
	tcase_add_test(tc, not_permitted_is_never_sent);
	suite_add_tcase(su, tc);
	return su;
}

int main(void) { return check_run(suite()); }
