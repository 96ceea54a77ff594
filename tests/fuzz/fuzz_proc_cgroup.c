/* Fuzzes how a process's memory cgroup is found: /proc/PID/cgroup, then
 * /proc/PID/mountinfo, then the cgroup's place below the mount (what
 * cg_locate does with the files of a process that may be hostile, or of a
 * kernel with a layout nobody expected).
 *
 * Input: the cgroup file, a NUL byte, the mountinfo file. Without a NUL both
 * parsers read the whole input. */
#include <errno.h>

#include "cgroup.h"
#include "fuzz.h"

/* A result fits the buffer it was written to. (A mount point may hold a
 * line break: mountinfo writes it as \012.) */
static void check_out(const char *what, const char *buf, size_t size)
{
	FUZZ_CHECK(fuzz_terminated(buf, size), "%s not terminated", what);
}

/* Parses the cgroup file into a buffer of `size` bytes. */
static int proc_cgroup(const char *text, size_t size, enum cg_version *v, char **path)
{
	*path = fuzz_outbuf(size);
	*v = CG_NONE;
	int r = cg_parse_proc_cgroup(text, v, *path, size);
	FUZZ_CHECK(r == 0 || r == -ENOENT || r == -ENAMETOOLONG, "cg_parse_proc_cgroup: %d", r);
	if (r == 0) {
		FUZZ_CHECK(*v == CG_V1 || *v == CG_V2, "version %d", (int)*v);
		check_out("cgroup path", *path, size);
		FUZZ_CHECK(!strchr(*path, '\n'), "cgroup path holds a newline");
	}
	return r;
}

static void check_location(const char *mountinfo, enum cg_version v, const char *cgpath,
			   size_t small)
{
	char *root = fuzz_outbuf(CG_PATH_MAX), *point = fuzz_outbuf(CG_DIR_MAX);
	int r = cg_parse_mountinfo(mountinfo, v, cgpath, root, CG_PATH_MAX, point, CG_DIR_MAX);
	FUZZ_CHECK(r == 0 || r == -ENOENT || r == -ENAMETOOLONG, "cg_parse_mountinfo: %d", r);
	if (r == 0) {
		check_out("mount root", root, CG_PATH_MAX);
		check_out("mount point", point, CG_DIR_MAX);

		char *rel = fuzz_outbuf(CG_PATH_MAX);
		r = cg_relative(cgpath, root, rel, CG_PATH_MAX);
		FUZZ_CHECK(r == 0 || r == -ENAMETOOLONG, "cg_relative: %d", r);
		if (r == 0) {
			check_out("relative path", rel, CG_PATH_MAX);
			/* "" or "/sub", and then a tail of the cgroup path. */
			size_t n = strlen(rel), m = strlen(cgpath);
			FUZZ_CHECK(n == 0 || (rel[0] == '/' && n <= m &&
					      strcmp(cgpath + m - n, rel) == 0),
				   "relative \"%s\" of \"%s\" below \"%s\"", rel, cgpath, root);
		}
		free(rel);

		/* Outputs that do not fit are refused, never cut. */
		char *sroot = fuzz_outbuf(small), *spoint = fuzz_outbuf(small);
		int rs = cg_parse_mountinfo(mountinfo, v, cgpath, sroot, small, spoint, small);
		if (strlen(root) < small && strlen(point) < small) {
			FUZZ_CHECK(rs == 0 && strcmp(sroot, root) == 0 && strcmp(spoint, point) == 0,
				   "%zu-byte buffers: %d for \"%s\" \"%s\"", small, rs, root, point);
		} else {
			FUZZ_CHECK(rs == -ENAMETOOLONG, "%zu-byte buffers: %d for \"%s\" \"%s\"",
				   small, rs, root, point);
		}
		free(sroot);
		free(spoint);
	}
	free(root);
	free(point);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, '\0', size);
	char *cgfile = fuzz_cstr(data, nul ? (size_t)(nul - data) : size);
	char *mountinfo = nul ? fuzz_cstr(nul + 1, size - (size_t)(nul + 1 - data))
			      : fuzz_cstr(data, size);
	/* A second, small size for every output: 1 to 32 bytes. */
	size_t small = 1 + size % 32;

	enum cg_version v;
	char *path;
	int r = proc_cgroup(cgfile, CG_PATH_MAX, &v, &path);

	enum cg_version sv;
	char *spath;
	int rs = proc_cgroup(cgfile, small, &sv, &spath);
	if (r == 0 && strlen(path) < small)
		FUZZ_CHECK(rs == 0 && sv == v && strcmp(spath, path) == 0, "small buffer: %d", rs);
	else if (r == 0)
		FUZZ_CHECK(rs == -ENAMETOOLONG, "small buffer: %d, not -ENAMETOOLONG", rs);
	else
		FUZZ_CHECK(rs == r, "small buffer: %d, large: %d", rs, r);
	free(spath);

	if (r == 0) {
		check_location(mountinfo, v, path, small);
	} else {
		check_location(mountinfo, CG_V1, "/", small);
		check_location(mountinfo, CG_V2, "/", small);
	}
	free(path);
	free(cgfile);
	free(mountinfo);
	return 0;
}
