/* s3_xml.c: replies captured from s3rver 3.7.1 (tests/fixtures/s3), AWS's
 * documented examples written out as literals, then cut, garbled, padded
 * and oversized. */
#include "check_run.h"
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s3_xml.h"

#define S3_FIXTURES FIXTURES "/s3"

static char *read_fixture(const char *name, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, "%s/%s", S3_FIXTURES, name);
	FILE *f = fopen(path, "rb");
	ck_assert_msg(f, "cannot open %s", path);
	char *buf = malloc(1 << 16);
	ck_assert_ptr_nonnull(buf);
	*len = fread(buf, 1, 1 << 16, f);
	ck_assert(feof(f));
	fclose(f);
	return buf;
}

/* Parses an exact-size heap copy: a read past len is ASan's to report. */
static int parse(const char *s, size_t n, struct s3_xml_reply *r, const char **why)
{
	char *c = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(c);
	memcpy(c, s, n);
	memset(r, 0xa5, sizeof *r);
	int e = s3_xml_parse(c, n, r, why);
	free(c);
	return e;
}

static int parse_str(const char *s, struct s3_xml_reply *r, const char **why)
{
	return parse(s, strlen(s), r, why);
}

/* ---------------------------------------------------------- captured */

static const struct {
	const char *file;
	enum s3_xml_kind kind;
	const char *value; /* upload_id, etag or code */
	const char *message;
} captured[] = {
	{"s3rver-initiate.xml", S3_XML_INITIATE, "854eaad28d0a30e588ae9064e6bf9ce9", ""},
	{"s3rver-complete.xml", S3_XML_COMPLETE, "dede9db222ee612853f44e6e6b1ca792", ""},
	{"s3rver-error-nosuchbucket.xml", S3_XML_ERROR, "NoSuchBucket",
	 "The specified bucket does not exist"},
	{"s3rver-error-nosuchkey.xml", S3_XML_ERROR, "NoSuchKey", "The specified key does not exist."},
	{"s3rver-error-invalidaccesskeyid.xml", S3_XML_ERROR, "InvalidAccessKeyId",
	 "The AWS Access Key Id you provided does not exist in our records."},
	{"s3rver-error-malformedxml.xml", S3_XML_ERROR, "MalformedXML",
	 "The XML you provided was not well-formed or did not validate against our published "
	 "schema."},
	{"s3rver-error-abort-methodnotallowed.xml", S3_XML_ERROR, "MethodNotAllowed",
	 "The specified method is not allowed against this resource."},
};

static const char *value_of(const struct s3_xml_reply *r)
{
	return r->kind == S3_XML_INITIATE ? r->upload_id
	       : r->kind == S3_XML_COMPLETE ? r->etag
					    : r->code;
}

START_TEST(captured_replies)
{
	size_t len;
	char *buf = read_fixture(captured[_i].file, &len);
	struct s3_xml_reply r;
	const char *why;
	ck_assert_int_eq(parse(buf, len, &r, &why), 0);
	ck_assert_int_eq(r.kind, captured[_i].kind);
	ck_assert_str_eq(value_of(&r), captured[_i].value);
	ck_assert_str_eq(r.message, captured[_i].message);
	/* Cut anywhere before the root's end: an error, never a half value. */
	size_t root_end = len;
	while (root_end > 0 && buf[root_end - 1] != '>')
		root_end--;
	for (size_t n = 0; n < root_end; n++) {
		int e = parse(buf, n, &r, &why);
		ck_assert_msg(e == -EPROTO, "%s cut at %zu: %d", captured[_i].file, n, e);
		ck_assert_msg(why && *why, "%s cut at %zu: no reason", captured[_i].file, n);
	}
	free(buf);
}
END_TEST

/* ----------------------------------------------- AWS's documentation */

/* The examples of the S3 API reference (CreateMultipartUpload,
 * CompleteMultipartUpload, Error responses). The Location of the complete
 * example reads "s3.<Region>.amazonaws.com" there, which is not XML: a real
 * region stands in. */
static const char aws_initiate[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<InitiateMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
	"  <Bucket>example-bucket</Bucket>\n"
	"  <Key>example-object</Key>\n"
	"  <UploadId>VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA</UploadId>\n"
	"</InitiateMultipartUploadResult>";

static const char aws_complete[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
	"  <Location>http://Example-Bucket.s3.us-west-2.amazonaws.com/Example-Object</Location>\n"
	"  <Bucket>Example-Bucket</Bucket>\n"
	"  <Key>Example-Object</Key>\n"
	"  <ETag>\"3858f62230ac3c915f300c664312c11f-9\"</ETag>\n"
	"</CompleteMultipartUploadResult>";

/* "200 OK" with an error, as the CompleteMultipartUpload page shows it. */
static const char aws_complete_error[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"\n"
	"<Error>\n"
	"<Code>InternalError</Code>\n"
	"<Message>We encountered an internal error. Please try again.</Message>\n"
	"<RequestId>656c76696e6727732072657175657374</RequestId>\n"
	"<HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId>\n"
	"</Error>";

static const char aws_error[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Error>\n"
	"  <Code>NoSuchKey</Code>\n"
	"  <Message>The resource you requested does not exist</Message>\n"
	"  <Resource>/mybucket/myfoto.jpg</Resource> \n"
	"  <RequestId>4442587FB7D0A2F9</RequestId>\n"
	"</Error>";

/* What S3 answers a request signed with the wrong secret (abridged:
 * StringToSign and CanonicalRequest are longer in a real one). */
static const char aws_signature[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated "
	"does not match the signature you provided. Check your key and signing method."
	"</Message><AWSAccessKeyId>AKIAIOSFODNN7EXAMPLE</AWSAccessKeyId><StringToSign>"
	"AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
	"7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972</StringToSign>"
	"<SignatureProvided>f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
	"</SignatureProvided><RequestId>4442587FB7D0A2F9</RequestId><HostId>abc=</HostId></Error>";

START_TEST(aws_examples)
{
	struct s3_xml_reply r;
	const char *why;
	ck_assert_int_eq(parse_str(aws_initiate, &r, &why), 0);
	ck_assert_int_eq(r.kind, S3_XML_INITIATE);
	ck_assert_str_eq(r.root, "InitiateMultipartUploadResult");
	ck_assert_str_eq(r.upload_id, "VXBsb2FkIElEIGZvciA2aWWpbmcncyBteS1tb3ZpZS5tMnRzIHVwbG9hZA");

	ck_assert_int_eq(parse_str(aws_complete, &r, &why), 0);
	ck_assert_int_eq(r.kind, S3_XML_COMPLETE);
	ck_assert_str_eq(r.etag, "3858f62230ac3c915f300c664312c11f-9");

	ck_assert_int_eq(parse_str(aws_complete_error, &r, &why), 0);
	ck_assert_int_eq(r.kind, S3_XML_ERROR);
	ck_assert_str_eq(r.code, "InternalError");
	ck_assert_str_eq(r.message, "We encountered an internal error. Please try again.");
	ck_assert_str_eq(r.request_id, "656c76696e6727732072657175657374");
	ck_assert_str_eq(r.etag, "");

	ck_assert_int_eq(parse_str(aws_error, &r, &why), 0);
	ck_assert_int_eq(r.kind, S3_XML_ERROR);
	ck_assert_str_eq(r.code, "NoSuchKey");
	ck_assert_str_eq(r.request_id, "4442587FB7D0A2F9");

	ck_assert_int_eq(parse_str(aws_signature, &r, &why), 0);
	ck_assert_str_eq(r.code, "SignatureDoesNotMatch");
	ck_assert(strncmp(r.message, "The request signature we calculated", 35) == 0);
}
END_TEST

/* S3 pads a slow CompleteMultipartUpload with whitespace. */
START_TEST(padded_complete)
{
	static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
	size_t pad = 200000, n = strlen(decl) + pad + strlen(aws_complete_error);
	char *b = malloc(n + 1);
	strcpy(b, decl);
	memset(b + strlen(decl), ' ', pad);
	strcpy(b + strlen(decl) + pad, aws_complete_error + strlen(decl));
	for (size_t i = strlen(decl); i < strlen(decl) + pad; i += 7)
		b[i] = "\n\r\t "[i % 4];
	struct s3_xml_reply r;
	const char *why;
	ck_assert_int_eq(parse(b, strlen(b), &r, &why), 0);
	ck_assert_int_eq(r.kind, S3_XML_ERROR);
	ck_assert_str_eq(r.code, "InternalError");
	free(b);
}
END_TEST

START_TEST(entities)
{
	struct s3_xml_reply r;
	const char *why;
	ck_assert_int_eq(parse_str("<Error><Code>A&amp;B</Code><Message>&quot;x&quot; &lt;y&gt; "
				   "&apos;z&apos; &#65;&#x42;&#xe9;&#x20AC;&#x1F600;</Message>"
				   "</Error>",
				   &r, &why),
			 0);
	ck_assert_str_eq(r.code, "A&B");
	ck_assert_str_eq(r.message, "\"x\" <y> 'z' AB\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
	/* One line: a line break in a message, raw or as a reference. */
	ck_assert_int_eq(parse_str("<Error><Code>C</Code><Message>a\nb&#10;c&#9;d</Message></Error>",
				   &r, &why),
			 0);
	ck_assert_str_eq(r.message, "a b c d");
	/* CDATA, a comment, a namespace prefix, an empty element. */
	ck_assert_int_eq(parse_str("<s3:Error xmlns:s3=\"u\"><s3:Code><![CDATA[A&B<C>]]></s3:Code>"
				   "<!-- c --><Message/><Deep><Code>no</Code></Deep></s3:Error>",
				   &r, &why),
			 0);
	ck_assert_int_eq(r.kind, S3_XML_ERROR);
	ck_assert_str_eq(r.code, "A&B<C>");
	ck_assert_str_eq(r.message, "");
	static const char *bad[] = {
		"<Error><Code>&nbsp;</Code></Error>",
		"<Error><Code>&amp</Code></Error>",
		"<Error><Code>&#0;</Code></Error>",
		"<Error><Code>&#xD800;</Code></Error>",
		"<Error><Code>&#x110000;</Code></Error>",
		"<Error><Code>&#99999999999;</Code></Error>",
		"<Error><Code>&#;</Code></Error>",
		"<Error><Code>&#xg;</Code></Error>",
		"<Error><Code>&toolongname;</Code></Error>",
		"<Error><Code>\x01</Code></Error>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		why = NULL;
		ck_assert_msg(parse_str(bad[i], &r, &why) == -EPROTO, "%s", bad[i]);
		ck_assert_msg(why && *why, "%s: no reason", bad[i]);
		ck_assert_str_eq(r.code, "");
	}
}
END_TEST

START_TEST(garbage)
{
	static const char *bad[] = {
		"",
		"   \n",
		"not xml",
		"<html><body>502 Bad Gateway</body></html",
		"<Error><Code>X</Code>",
		"<Error><Code>X</Error></Code>",
		"<Error><Code>X</Code></Error><Error/>",
		"<Error><Code>X</Code></Error>trailing",
		"text<Error/>",
		"<!DOCTYPE x [<!ENTITY a \"b\">]><Error><Code>&a;</Code></Error>",
		"<Error a=b/>",
		"<Error a=\"b/>",
		"<Error a=\"<\"/>",
		"<Error><Code>X</Code><Code>Y</Code></Error>",
		"<Error><!-- open",
		"<Error><![CDATA[ open",
		"<?xml open",
		"<1Error/>",
		"<Error></>",
		"<Error><Code>X</Code ",
		"<a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a><a></a></a></a></a></a></a></a></a>"
		"</a></a></a></a></a></a></a></a></a>",
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct s3_xml_reply r;
		const char *why = NULL;
		ck_assert_msg(parse_str(bad[i], &r, &why) == -EPROTO, "\"%s\"", bad[i]);
		ck_assert_msg(why && *why, "\"%s\": no reason", bad[i]);
	}
}
END_TEST

START_TEST(required_fields)
{
	struct s3_xml_reply r;
	const char *why;
	ck_assert_int_eq(parse_str("<Error><Message>m</Message></Error>", &r, &why), -ENODATA);
	ck_assert_str_eq(why, "Error without a Code");
	ck_assert_int_eq(r.kind, S3_XML_ERROR);
	ck_assert_int_eq(parse_str("<InitiateMultipartUploadResult><UploadId> </UploadId>"
				   "</InitiateMultipartUploadResult>",
				   &r, &why),
			 -ENODATA);
	ck_assert_str_eq(why, "no UploadId");
	ck_assert_int_eq(parse_str("<CompleteMultipartUploadResult/>", &r, &why), -ENODATA);
	ck_assert_str_eq(why, "no ETag");
	ck_assert_int_eq(parse_str("<CompleteMultipartUploadResult><ETag>a\x7f</ETag>"
				   "</CompleteMultipartUploadResult>",
				   &r, &why),
			 -ENODATA);
	ck_assert_str_eq(why, "control character in ETag");
	/* Another root is no error: the caller decides. */
	ck_assert_int_eq(parse_str("<ListBucketResult><Name>b</Name></ListBucketResult>", &r, &why),
			 0);
	ck_assert_int_eq(r.kind, S3_XML_OTHER);
	ck_assert_str_eq(r.root, "ListBucketResult");
}
END_TEST

START_TEST(bounds)
{
	char doc[4096], id[600];
	struct s3_xml_reply r;
	const char *why;
	/* The longest UploadId that fits, and one byte more. */
	memset(id, 'u', sizeof r.upload_id - 1);
	id[sizeof r.upload_id - 1] = '\0';
	snprintf(doc, sizeof doc, "<InitiateMultipartUploadResult><UploadId>%s</UploadId>"
				  "</InitiateMultipartUploadResult>", id);
	ck_assert_int_eq(parse_str(doc, &r, &why), 0);
	ck_assert_uint_eq(strlen(r.upload_id), sizeof r.upload_id - 1);
	strcat(id, "u");
	snprintf(doc, sizeof doc, "<InitiateMultipartUploadResult><UploadId>%s</UploadId>"
				  "</InitiateMultipartUploadResult>", id);
	ck_assert_int_eq(parse_str(doc, &r, &why), -ENODATA);
	ck_assert_str_eq(why, "UploadId too long");
	ck_assert_str_eq(r.upload_id, "");
	/* A long message is cut at a UTF-8 boundary and marked. */
	char msg[1200] = "";
	for (int i = 0; i < 300; i++)
		strcat(msg, "\xc3\xa9"); /* é, two bytes */
	snprintf(doc, sizeof doc, "<Error><Code>C</Code><Message>%s</Message></Error>", msg);
	ck_assert_int_eq(parse_str(doc, &r, &why), 0);
	size_t n = strlen(r.message);
	ck_assert_uint_le(n, sizeof r.message - 1);
	ck_assert_str_eq(r.message + n - 3, "...");
	ck_assert_uint_eq((n - 3) % 2, 0);
	/* Too large as a whole. */
	char *big = malloc(S3_XML_MAX + 1);
	memset(big, ' ', S3_XML_MAX + 1);
	ck_assert_int_eq(parse(big, S3_XML_MAX + 1, &r, &why), -E2BIG);
	memcpy(big, "<Error><Code>C</Code></Error>", 29);
	ck_assert_int_eq(parse(big, S3_XML_MAX, &r, &why), 0);
	free(big);
}
END_TEST

static Suite *s3_xml_suite(void)
{
	Suite *s = suite_create("s3_xml");
	TCase *tc = tcase_create("core");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, captured_replies, 0, (int)(sizeof captured / sizeof *captured));
	tcase_add_test(tc, aws_examples);
	tcase_add_test(tc, padded_complete);
	tcase_add_test(tc, entities);
	tcase_add_test(tc, garbage);
	tcase_add_test(tc, required_fields);
	tcase_add_test(tc, bounds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void) { return check_run(s3_xml_suite()); }
