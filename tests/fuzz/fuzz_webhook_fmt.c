/* Fuzzes what the webhook sender takes from files: an event line (any
 * bytes a broken or hostile writer could leave) and a headers file. Beyond
 * "no crash": a line read as an object gives a summary that is one line of
 * valid UTF-8 within the bound, and a Slack body this same reader takes
 * back with its text intact; escaping any value and reading it back gives
 * the value; a headers file read gives only "Name: value" lines that are
 * safe to send. */
#include <errno.h>

#include "fuzz.h"
#include "webhook_fmt.h"

static void check_event(const uint8_t *data, size_t size)
{
	char *buf = fuzz_outbuf(size);
	memcpy(buf, data, size);
	struct wjson *ev = malloc(sizeof *ev), *back = malloc(sizeof *back);
	const char *why = NULL;
	int e = wjson_parse(buf, size, ev, &why);
	FUZZ_CHECK(e == 0 || e == -EINVAL || e == -E2BIG, "result %d", e);
	FUZZ_CHECK((e == -E2BIG) == (size > WJSON_INPUT_MAX), "E2BIG at %zu", size);
	if (e) {
		FUZZ_CHECK(why && *why && ev->n == 0, "error without reason, or with members");
		goto out;
	}
	FUZZ_CHECK(ev->n <= WJSON_FIELDS_MAX, "%u members", ev->n);
	for (unsigned i = 0; i < ev->n; i++) {
		const struct wjson_field *f = &ev->f[i];
		FUZZ_CHECK(f->key >= ev->store && f->key < ev->store + sizeof ev->store, "key outside");
		FUZZ_CHECK(f->value >= ev->store && f->value < ev->store + sizeof ev->store,
			   "value outside");
		FUZZ_CHECK(wjson_get(ev, f->key) == f->value, "duplicate key %s", f->key);
		/* Escaped and read back, a value is itself. */
		size_t vlen = strlen(f->value);
		size_t need = webhook_json_escape(NULL, 0, f->value, vlen);
		char *doc = malloc(need + 16);
		memcpy(doc, "{\"v\":\"", 6);
		FUZZ_CHECK(webhook_json_escape(doc + 6, need + 1, f->value, vlen) == need, "need");
		FUZZ_CHECK(strlen(doc + 6) == need, "escape cut with room");
		memcpy(doc + 6 + need, "\"}", 3);
		if (need + 8 <= WJSON_INPUT_MAX) {
			FUZZ_CHECK(wjson_parse(doc, need + 8, back, &why) == 0, "escaped value: %s", why);
			FUZZ_CHECK(strcmp(back->f[0].value, f->value) == 0, "value changed");
		}
		free(doc);
	}

	char sum[WEBHOOK_SUMMARY_MAX];
	size_t n = webhook_summary(ev, sum, sizeof sum);
	FUZZ_CHECK(n < sizeof sum && strlen(sum) == n, "summary length");
	FUZZ_CHECK(strncmp(sum, "oomsentry: ", 11) == 0, "summary start");
	for (const char *p = sum; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f && *p != '<' && *p != '>',
			   "byte 0x%02x in the summary", (unsigned char)*p);

	char *body = fuzz_outbuf(WEBHOOK_BODY_MAX);
	int bl = webhook_body(WEBHOOK_FORMAT_SLACK, ev, buf, size, body, WEBHOOK_BODY_MAX);
	FUZZ_CHECK(bl > 0 && (size_t)bl == strlen(body), "slack body %d", bl);
	/* The reader checks UTF-8: taken back, the summary is valid UTF-8. */
	FUZZ_CHECK(wjson_parse(body, (size_t)bl, back, &why) == 0, "slack body: %s", why);
	FUZZ_CHECK(back->n == 1 && strcmp(back->f[0].key, "text") == 0 &&
			   strcmp(back->f[0].value, sum) == 0,
		   "slack body's text");
	bl = webhook_body(WEBHOOK_FORMAT_JSON, ev, buf, size, body, WEBHOOK_BODY_MAX);
	FUZZ_CHECK(bl == (int)size && memcmp(body, data, size) == 0, "json body is not the line");
	free(body);
out:
	free(ev);
	free(back);
	free(buf);
}

static void check_headers(const uint8_t *data, size_t size)
{
	char *buf = fuzz_outbuf(size);
	memcpy(buf, data, size);
	struct webhook_headers *h = malloc(sizeof *h);
	char *err = fuzz_outbuf(96);
	int e = webhook_headers_parse(buf, size, h, err, 96);
	FUZZ_CHECK(e == 0 || e == -EINVAL || e == -E2BIG, "result %d", e);
	FUZZ_CHECK(fuzz_terminated(err, 96), "err not terminated");
	if (e) {
		FUZZ_CHECK(h->n == 0 && err[0], "error without reason, or with headers");
	} else {
		FUZZ_CHECK(h->n <= WEBHOOK_HEADERS_MAX, "%u headers", h->n);
		for (unsigned i = 0; i < h->n; i++) {
			const char *l = h->line[i], *colon = strchr(l, ':');
			FUZZ_CHECK(colon && colon > l && colon[1] == ' ' && colon[2] &&
					   colon[2] != ' ' && colon[2] != '\t',
				   "not \"Name: value\": %s", l);
			for (const char *p = l; p < colon; p++)
				FUZZ_CHECK(*p > 0x20 && *p < 0x7f && !strchr("()<>@,;\\\"/[]?={}", *p),
					   "name byte 0x%02x", (unsigned char)*p);
			for (const char *p = colon; *p; p++)
				FUZZ_CHECK((unsigned char)*p >= 0x20 || *p == '\t', "control byte");
		}
	}
	free(err);
	free(h);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_event(data, size);
	check_headers(data, size);
	return 0;
}
