/* s3_key.c: keys, SigV4's URI encoding, URLs in both styles, the multipart
 * plan at S3's limits, and ETags against values computed with Python's
 * hashlib (md5 of "a" * 5 MiB and of "hello"). */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_key.h"

static const char *join(const char *prefix, const char *ns, const char *pod, const char *file,
			int *e)
{
	static char out[S3_KEY_MAX + 1];
	const char *why = NULL;
	*e = s3_key_join(out, sizeof out, prefix, ns, pod, file, &why);
	if (*e)
		ck_assert_msg(why && *why, "no reason");
	return out;
}

START_TEST(key_join)
{
	int e;
	ck_assert_str_eq(join("dumps", "prod", "api-7f9c", "heap.hprof", &e), "dumps/prod/api-7f9c/heap.hprof");
	ck_assert_str_eq(join("", "prod", "", "heap.hprof", &e), "prod/heap.hprof");
	ck_assert_str_eq(join("/team//dumps/", "prod/", "/pod", "f", &e), "team/dumps/prod/pod/f");
	ck_assert_str_eq(join(NULL, NULL, NULL, "f.pb.gz", &e), "f.pb.gz");
	ck_assert_str_eq(join("a", "b", "c", "h\xc3\xa9" "ap dump (1).hprof", &e),
			 "a/b/c/h\xc3\xa9" "ap dump (1).hprof");
	ck_assert_str_eq(join("a", "b", "c", ".hidden..x", &e), "a/b/c/.hidden..x");
	ck_assert_int_eq(e, 0);

	static const char *bad_file[] = {"", "/", "..", "x/../y", "./x", "a\nb", "a\x7f", "\xff",
					 "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82"};
	for (size_t i = 0; i < sizeof bad_file / sizeof *bad_file; i++) {
		const char *k = join("p", "n", "d", bad_file[i], &e);
		ck_assert_msg(e == -EINVAL, "\"%s\": %d", bad_file[i], e);
		ck_assert_str_eq(k, "");
	}
	join("..", "n", "p", "f", &e);
	ck_assert_int_eq(e, -EINVAL);
	join("p", "n\t", "p", "f", &e);
	ck_assert_int_eq(e, -EINVAL);

	/* S3's 1024 bytes: exactly, and one more. */
	char file[1100];
	memset(file, 'f', 1024 - 4);
	file[1024 - 4] = '\0';
	ck_assert_uint_eq(strlen(join("abc", "", "", file, &e)), 1024);
	strcat(file, "f");
	join("abc", "", "", file, &e);
	ck_assert_int_eq(e, -ENAMETOOLONG);
	char small[8];
	const char *why;
	ck_assert_int_eq(s3_key_join(small, sizeof small, "abc", "", "", "defgh", &why), -ENAMETOOLONG);
}
END_TEST

START_TEST(uri_encode)
{
	char out[256];
	const char *why;
	ck_assert_int_eq(s3_uri_encode(out, sizeof out, "a/b c+d&e=f?g#h~i_j.k-l%m", true, &why), 0);
	ck_assert_str_eq(out, "a/b%20c%2Bd%26e%3Df%3Fg%23h~i_j.k-l%25m");
	ck_assert_int_eq(s3_uri_encode(out, sizeof out, "a/b", false, &why), 0);
	ck_assert_str_eq(out, "a%2Fb");
	ck_assert_int_eq(s3_uri_encode(out, sizeof out, "h\xc3\xa9*!'()", true, &why), 0);
	ck_assert_str_eq(out, "h%C3%A9%2A%21%27%28%29");
	/* Every byte: unreserved ones plain, all others %XX, upper-case hex. */
	for (int c = 1; c < 256; c++) {
		char in[2] = {(char)c, 0};
		ck_assert_int_eq(s3_uri_encode(out, sizeof out, in, false, &why), 0);
		bool plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			     (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
		if (plain) {
			ck_assert_str_eq(out, in);
		} else {
			char want[4];
			snprintf(want, sizeof want, "%%%02X", c);
			ck_assert_str_eq(out, want);
		}
	}
	/* Fits exactly, then one short. */
	ck_assert_int_eq(s3_uri_encode(out, 4, " ", true, &why), 0);
	ck_assert_int_eq(s3_uri_encode(out, 3, " ", true, &why), -ENAMETOOLONG);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(urls)
{
	char url[S3_URL_MAX];
	const char *why;
	ck_assert_int_eq(s3_url(url, sizeof url, "", "eu-west-1", "my-dumps", false, "ns/p/f a", &why), 0);
	ck_assert_str_eq(url, "https://my-dumps.s3.eu-west-1.amazonaws.com/ns/p/f%20a");
	ck_assert_int_eq(s3_url(url, sizeof url, "", "eu-west-1", "my-dumps", true, "k", &why), 0);
	ck_assert_str_eq(url, "https://s3.eu-west-1.amazonaws.com/my-dumps/k");
	ck_assert_int_eq(s3_url(url, sizeof url, "http://127.0.0.1:4568", "us-east-1", "b_1", true,
				"a/b", &why), 0);
	ck_assert_str_eq(url, "http://127.0.0.1:4568/b_1/a/b");
	ck_assert_int_eq(s3_url(url, sizeof url, "https://minio.example:9000/base/", "us-east-1",
				"dumps", false, "a", &why), 0);
	ck_assert_str_eq(url, "https://dumps.minio.example:9000/base/a");
	ck_assert_int_eq(s3_url(url, sizeof url, "storage.example", "x", "dumps", true, "a", &why), 0);
	ck_assert_str_eq(url, "https://storage.example/dumps/a");

	static const struct {
		const char *endpoint, *region, *bucket;
		bool path;
		const char *key;
	} bad[] = {
		{"", "", "b12", false, "k"},                     /* AWS without a region */
		{"", "eu west", "b12", false, "k"},              /* bad region */
		{"", "eu-west-1", "My_Bucket", false, "k"},      /* not a DNS name */
		{"", "eu-west-1", "a..b", false, "k"},
		{"", "eu-west-1", "", true, "k"},
		{"", "eu-west-1", "a/b", true, "k"},
		{"", "eu-west-1", "b12", true, ""},
		{"ftp://h", "r", "b12", true, "k"},
		{"http://", "r", "b12", true, "k"},
		{"http://u@h", "r", "b12", true, "k"},
		{"http://h/a b", "r", "b12", true, "k"},
		{"http://127.0.0.1:9000", "r", "b12", false, "k"}, /* IP: no virtual host */
		{"http://[::1]:9000", "r", "b12", false, "k"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why = NULL;
		int e = s3_url(url, sizeof url, bad[i].endpoint, bad[i].region, bad[i].bucket,
			       bad[i].path, bad[i].key, &why);
		ck_assert_msg(e == -EINVAL, "case %zu: %d", i, e);
		ck_assert_msg(why && *why, "case %zu: no reason", i);
		ck_assert_str_eq(url, "");
	}
	ck_assert_int_eq(s3_url(url, 20, "", "eu-west-1", "my-dumps", false, "k", &why), -ENAMETOOLONG);
}
END_TEST

START_TEST(query)
{
	char q[256];
	const char *why;
	ck_assert_int_eq(s3_query(q, sizeof q, 0, "abc", &why), 0);
	ck_assert_str_eq(q, "?uploadId=abc");
	ck_assert_int_eq(s3_query(q, sizeof q, 7, "a/b+c=", &why), 0);
	ck_assert_str_eq(q, "?partNumber=7&uploadId=a%2Fb%2Bc%3D");
	ck_assert_int_eq(s3_query(q, sizeof q, 10000, "x", &why), 0);
	ck_assert_int_eq(s3_query(q, sizeof q, 10001, "x", &why), -EINVAL);
	ck_assert_int_eq(s3_query(q, sizeof q, 1, "", &why), -EINVAL);
	ck_assert_int_eq(s3_query(q, 10, 1, "x", &why), -ENAMETOOLONG);
}
END_TEST

#define MIB ((uint64_t)1 << 20)

START_TEST(plan)
{
	size_t ps;
	unsigned parts;
	const char *why;
	ck_assert_int_eq(s3_plan_parts(0, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(ps, 8 * MIB);
	ck_assert_uint_eq(parts, 1);
	ck_assert_int_eq(s3_plan_parts(8 * MIB, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(parts, 1);
	ck_assert_int_eq(s3_plan_parts(8 * MIB + 1, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(parts, 2);
	ck_assert_int_eq(s3_plan_parts(200 * MIB, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(parts, 25);
	/* Too small a part is raised to S3's 5 MiB. */
	ck_assert_int_eq(s3_plan_parts(100 * MIB, true, 1000, &ps, &parts, &why), 0);
	ck_assert_uint_eq(ps, 5 * MIB);
	ck_assert_uint_eq(parts, 20);
	/* 10000 parts exactly, then one byte more: the part grows by a MiB. */
	ck_assert_int_eq(s3_plan_parts(10000 * 8 * MIB, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(ps, 8 * MIB);
	ck_assert_uint_eq(parts, 10000);
	ck_assert_int_eq(s3_plan_parts(10000 * 8 * MIB + 1, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(ps, 9 * MIB);
	ck_assert_uint_le(parts, 10000);
	/* S3's largest object. */
	uint64_t tib5 = (uint64_t)5 << 40;
	ck_assert_int_eq(s3_plan_parts(tib5, true, 8 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_le(parts, 10000);
	ck_assert_uint_ge((uint64_t)ps * parts, tib5);
	ck_assert_int_eq(s3_plan_parts(tib5 + 1, true, 8 * MIB, &ps, &parts, &why), -EFBIG);
	ck_assert_int_eq(s3_plan_parts(1, true, ((size_t)5 << 30) + 1, &ps, &parts, &why), -EINVAL);
	/* A stream of unknown size: a fixed part. */
	ck_assert_int_eq(s3_plan_parts(0, false, 16 * MIB, &ps, &parts, &why), 0);
	ck_assert_uint_eq(ps, 16 * MIB);
	ck_assert_uint_eq(parts, 0);
	ck_assert_int_eq(s3_plan_parts(0, false, 0, &ps, &parts, &why), 0);
	ck_assert_uint_eq(ps, 5 * MIB);
}
END_TEST

static void md5(const void *d, size_t n, unsigned char out[16])
{
	unsigned int len;
	ck_assert(EVP_Digest(d, n, out, &len, EVP_md5(), NULL));
}

START_TEST(etags)
{
	size_t n = 5 << 20;
	char *a = malloc(n);
	memset(a, 'a', n);
	unsigned char m[2][16], mm[16];
	md5(a, n, m[0]);
	md5("hello", 5, m[1]);
	free(a);
	char etag[S3_ETAG_MAX];
	s3_etag_single(m[1], etag);
	ck_assert_str_eq(etag, "5d41402abc4b2a76b9719d911017c592");
	md5(m, sizeof m, mm);
	s3_etag_multipart(mm, 2, etag);
	ck_assert_str_eq(etag, "7cbb08aa3c3309d6882c18fcecc4bee7-2");
	s3_etag_multipart(mm, 10000, etag);
	ck_assert_str_eq(etag, "7cbb08aa3c3309d6882c18fcecc4bee7-10000");

	ck_assert(s3_etag_equal("\"7CBB08aa-2\"", "7cbb08aa-2"));
	ck_assert(s3_etag_equal("abc", "\"abc\""));
	ck_assert(!s3_etag_equal("abc", "abd"));
	ck_assert(!s3_etag_equal("\"\"", ""));
	ck_assert(!s3_etag_equal("abc-2", "abc"));
}
END_TEST

static Suite *s3_key_suite(void)
{
	Suite *s = suite_create("s3_key");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, key_join);
	tcase_add_test(tc, uri_encode);
	tcase_add_test(tc, urls);
	tcase_add_test(tc, query);
	tcase_add_test(tc, plan);
	tcase_add_test(tc, etags);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(s3_key_suite()); }
