/* ship_one: one finished file of the dump directory to the store: named,
 * compressed unless it is already, uploaded, verified, then removed.
 *
 * The file is opened once (no symlink followed: the dump volume is shared
 * with the app) and everything is done through that descriptor. It is
 * removed after a verified upload only if the name still leads to the very
 * file that went out, unchanged (same inode, size and modification time), so
 * a file replaced or still growing is never lost. I/O. */
#ifndef OOMSENTRY_SHIP_ONE_H
#define OOMSENTRY_SHIP_ONE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "s3.h"
#include "s3_key.h"

struct ship_one_conf {
	const struct s3_target *s3;
	const char *dump_dir;
	const char *prefix, *ns, *pod; /* the key is PREFIX/NS/POD/FILE */
	size_t part_size;
	uint64_t max_file_size;        /* larger files are reported and kept */
	bool delete_after;
};

struct ship_one_result {
	char key[S3_KEY_MAX + 1];
	uint64_t file_bytes, sent_bytes;
	unsigned parts;
	bool compressed;   /* gzip'd on the way (the key got ".gz") */
	bool deleted;      /* the local file is gone after a verified upload */
	bool changed;      /* uploaded, but kept: the file changed meanwhile */
	uint64_t took_ms;
	/* On failure: about the local file (cannot open or read it, not a
	 * regular file, no object name), not the store. */
	bool local;
	long http_status;  /* the store's last reply, 0 if none */
	char code[64];     /* its S3 error Code, "" if none */
};

/* Ships rel (a path relative to dump_dir that shipq_classify calls
 * SHIPQ_SHIP). Returns 0; -ENOENT when it is gone already (not a fault);
 * -EFBIG when it is larger than max_file_size (kept, not to be retried);
 * -ECANCELED when the target's cancel flag stopped it; any other -errno for
 * a failure worth retrying later, with err one line. */
int ship_one(const struct ship_one_conf *c, const char *rel, struct ship_one_result *r,
	     char *err, size_t errsz);

#endif
