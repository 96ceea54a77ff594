/* shipset: the shipper's files, their order, holding and room. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <string.h>

#include "shipset.h"

static struct shipset_id id_of(uint64_t ino, uint64_t size, int64_t mtime_s)
{
	return (struct shipset_id){.dev = 8, .ino = ino, .size = size, .mtime_s = mtime_s};
}

START_TEST(order_found)
{
	struct shipset s;
	ck_assert_int_eq(shipset_init(&s, 8), 0);
	ck_assert_ptr_null(shipset_next(&s));
	ck_assert_int_eq(shipset_add(&s, "a"), 0);
	ck_assert_int_eq(shipset_add(&s, "pod/b"), 0);
	ck_assert_int_eq(shipset_add(&s, "c"), 0);
	/* A name reported again (listing after an event) is queued once. */
	ck_assert_int_eq(shipset_add(&s, "pod/b"), -EEXIST);
	ck_assert_uint_eq(s.n, 3);
	ck_assert_str_eq(shipset_next(&s)->rel, "a");
	shipset_drop(&s, shipset_next(&s));
	/* The array's hole is filled by the last: order still by finding. */
	ck_assert_str_eq(shipset_next(&s)->rel, "pod/b");
	shipset_drop(&s, shipset_find(&s, "pod/b"));
	ck_assert_str_eq(shipset_next(&s)->rel, "c");
	shipset_free(&s);
}
END_TEST

START_TEST(defer_goes_behind)
{
	struct shipset s;
	ck_assert_int_eq(shipset_init(&s, 8), 0);
	shipset_add(&s, "a");
	shipset_add(&s, "b");
	shipset_add(&s, "c");
	/* The store failed on "a": all wait until 1000, "a" behind the others. */
	struct shipset_item *a = shipset_find(&s, "a");
	shipset_defer(&s, a, 1000);
	shipset_defer(&s, shipset_find(&s, "b"), 1000);
	shipset_defer(&s, shipset_find(&s, "c"), 1000);
	shipset_defer(&s, shipset_find(&s, "a"), 1000);
	ck_assert_str_eq(shipset_next(&s)->rel, "b");
	/* An earlier due time goes first whatever the order. */
	shipset_defer(&s, shipset_find(&s, "c"), 500);
	ck_assert_str_eq(shipset_next(&s)->rel, "c");
	ck_assert_uint_eq(shipset_pending(&s), 3);
	shipset_free(&s);
}
END_TEST

START_TEST(held_until_changed)
{
	struct shipset s;
	ck_assert_int_eq(shipset_init(&s, 8), 0);
	shipset_add(&s, "big");
	shipset_add(&s, "x");
	struct shipset_id big = id_of(10, 1 << 30, 100);
	shipset_hold(shipset_find(&s, "big"), &big);
	shipset_find(&s, "big")->failures = 3;
	ck_assert_uint_eq(shipset_pending(&s), 1);
	ck_assert_str_eq(shipset_next(&s)->rel, "x");
	shipset_drop(&s, shipset_next(&s));
	ck_assert_ptr_null(shipset_next(&s));
	/* Seen again, the same file: still held. */
	struct shipset_id same = big;
	ck_assert(!shipset_changed(shipset_find(&s, "big"), &same));
	ck_assert_ptr_null(shipset_next(&s));
	/* Any of inode, size, mtime (seconds or nanoseconds), device: another file. */
	struct shipset_id other[] = {id_of(11, 1 << 30, 100), id_of(10, 5, 100), id_of(10, 1 << 30, 101), big, big};
	other[3].mtime_ns = 1;
	other[4].dev = 9;
	for (size_t i = 0; i < sizeof other / sizeof other[0]; i++) {
		struct shipset_item *it = shipset_find(&s, "big");
		shipset_hold(it, &big);
		ck_assert(shipset_changed(it, &other[i]));
		ck_assert(!it->held);
		ck_assert_uint_eq(it->failures, 0);
		ck_assert_uint_eq(it->due_us, 0);
	}
	/* Held without an id: the next sighting makes it pending. */
	struct shipset_item *it = shipset_find(&s, "big");
	shipset_hold(it, NULL);
	ck_assert(shipset_changed(it, &big));
	/* A pending item is not "changed". */
	ck_assert(!shipset_changed(it, &other[0]));
	shipset_free(&s);
}
END_TEST

START_TEST(room)
{
	struct shipset s;
	ck_assert_int_eq(shipset_init(&s, 2), 0);
	ck_assert_int_eq(shipset_add(&s, "a"), 0);
	ck_assert_int_eq(shipset_add(&s, "b"), 0);
	/* Full of pending files: refused, and a listing is owed. */
	ck_assert_int_eq(shipset_add(&s, "c"), -ENOSPC);
	ck_assert(s.dropped);
	ck_assert_ptr_null(shipset_find(&s, "c"));
	/* A held one makes room. */
	struct shipset_id id = id_of(1, 1, 1);
	shipset_hold(shipset_find(&s, "a"), &id);
	ck_assert_int_eq(shipset_add(&s, "c"), 0);
	ck_assert_ptr_null(shipset_find(&s, "a"));
	ck_assert_ptr_nonnull(shipset_find(&s, "b"));
	ck_assert_uint_eq(s.n, 2);
	shipset_free(&s);
}
END_TEST

START_TEST(name_length)
{
	struct shipset s;
	char name[SHIPDIR_REL_MAX + 1];
	ck_assert_int_eq(shipset_init(&s, 2), 0);
	memset(name, 'n', sizeof name);
	name[SHIPDIR_REL_MAX] = '\0';
	ck_assert_int_eq(shipset_add(&s, name), -ENAMETOOLONG);
	name[SHIPDIR_REL_MAX - 1] = '\0';
	ck_assert_int_eq(shipset_add(&s, name), 0);
	ck_assert_str_eq(shipset_next(&s)->rel, name);
	shipset_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shipset");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, order_found);
	tcase_add_test(tc, defer_goes_behind);
	tcase_add_test(tc, held_until_changed);
	tcase_add_test(tc, room);
	tcase_add_test(tc, name_length);
	suite_add_tcase(s, tc);
	return check_run(s);
}
