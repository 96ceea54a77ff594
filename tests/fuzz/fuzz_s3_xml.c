/* Fuzzes the XML an S3 endpoint (or whatever answers in its place: a proxy,
 * a captive portal) sends back. Beyond "no crash", each reading must hold
 * what the header promises: outputs terminated and one line, a known root
 * with its required field, nothing but "" on failure, and the same reading
 * with whitespace around the document. */
#include <errno.h>

#include "fuzz.h"
#include "s3_xml.h"

static void check_one_line(const char *s, size_t size, const char *name)
{
	FUZZ_CHECK(fuzz_terminated(s, size), "%s not terminated", name);
	for (const char *p = s; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "%s has byte 0x%02x", name,
			   (unsigned char)*p);
}

static void check_reply(const struct s3_xml_reply *r, int e, const char *why, size_t size)
{
	FUZZ_CHECK(e == 0 || e == -EPROTO || e == -E2BIG || e == -ENODATA, "result %d", e);
	FUZZ_CHECK((e == -E2BIG) == (size > S3_XML_MAX), "E2BIG at %zu bytes", size);
	FUZZ_CHECK(fuzz_terminated(r->upload_id, sizeof r->upload_id), "upload_id");
	FUZZ_CHECK(fuzz_terminated(r->etag, sizeof r->etag), "etag");
	FUZZ_CHECK(fuzz_terminated(r->root, sizeof r->root), "root");
	check_one_line(r->code, sizeof r->code, "code");
	check_one_line(r->message, sizeof r->message, "message");
	check_one_line(r->request_id, sizeof r->request_id, "request_id");
	if (e) {
		FUZZ_CHECK(why && *why, "no reason for %d", e);
		FUZZ_CHECK(!r->upload_id[0] && !r->etag[0] && !r->code[0] && !r->message[0] &&
				   !r->request_id[0],
			   "a field survived an error");
		return;
	}
	switch (r->kind) {
	case S3_XML_ERROR:
		FUZZ_CHECK(r->code[0], "Error without a code");
		break;
	case S3_XML_INITIATE:
		FUZZ_CHECK(r->upload_id[0], "no upload_id");
		break;
	case S3_XML_COMPLETE:
		FUZZ_CHECK(r->etag[0], "no etag");
		break;
	default:
		break;
	}
	/* Only the fields of its kind are ever set. */
	if (r->kind != S3_XML_ERROR)
		FUZZ_CHECK(!r->code[0] && !r->message[0] && !r->request_id[0], "error fields");
	if (r->kind != S3_XML_INITIATE)
		FUZZ_CHECK(!r->upload_id[0], "upload_id outside Initiate");
	if (r->kind != S3_XML_COMPLETE)
		FUZZ_CHECK(!r->etag[0], "etag outside Complete");
	for (const char *p = r->upload_id; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t' || *p == '\n' || *p == '\r',
			   "control byte in upload_id");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An exact-size copy: a read past size is ASan's to see. */
	char *buf = fuzz_outbuf(size);
	memcpy(buf, data, size);
	struct s3_xml_reply r;
	memset(&r, 0xa5, sizeof r);
	const char *why = NULL;
	int e = s3_xml_parse(buf, size, &r, &why);
	check_reply(&r, e, why, size);

	/* Whitespace around the document reads the same (S3 pads with it),
	 * unless the document starts with a byte order mark, which is one only
	 * at its very start. */
	bool bom = size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0;
	if (size + 4 <= S3_XML_MAX && !bom) {
		char *padded = fuzz_outbuf(size + 4);
		memcpy(padded, " \n", 2);
		memcpy(padded + 2, data, size);
		memcpy(padded + 2 + size, "\r\t", 2);
		struct s3_xml_reply p;
		const char *why2 = NULL;
		int e2 = s3_xml_parse(padded, size + 4, &p, &why2);
		FUZZ_CHECK(e2 == e, "padded: %d, bare: %d", e2, e);
		if (!e)
			FUZZ_CHECK(memcmp(&p, &r, sizeof p) == 0, "padded reads differently");
		free(padded);
	}
	free(buf);
	return 0;
}
