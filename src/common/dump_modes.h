/* dump_modes: who may read the dump files, decided by the directory they
 * are written in. Shared by the sidecar (dumpdir, events file, the JVM's
 * heap dump) and liboomsentry, so both grant the same thing. Pure: the
 * callers stat the directory and apply the modes.
 *
 * A heap dump holds the app's memory: by default only its writer may read
 * it (directories 0700, files 0600). But a shipper in another container of
 * the pod runs as another uid and must read and delete every dump. With
 * the pod's securityContext.fsGroup G, Kubernetes makes the volume's root
 * group G, group rwx and set-group-ID, and gives every container G as a
 * supplementary group. The set-group-ID bit is that signal: in such a
 * directory new files and subdirectories get group G from the kernel, and
 * the writer grants that group read (files 0640) and rwx (directories
 * 02770, so a shipper can list them and remove entries). Never "other". */
#ifndef OOMSENTRY_DUMP_MODES_H
#define OOMSENTRY_DUMP_MODES_H

#include <stdbool.h>
#include <sys/stat.h>

#define DUMP_DIR_MODE_PRIVATE ((mode_t)0700)
#define DUMP_FILE_MODE_PRIVATE ((mode_t)0600)
#define DUMP_DIR_MODE_GROUP ((mode_t)02770)
#define DUMP_FILE_MODE_GROUP ((mode_t)0640)

/* dir_st: the directory a dump directory is made in (its parent), or the
 * dump directory itself once it exists. Sets *dir_mode for a directory made
 * there and *file_mode for a file written there. Returns true when these
 * grant the directory's group (dir_st is a set-group-ID directory). */
bool dump_modes_for(const struct stat *dir_st, mode_t *dir_mode, mode_t *file_mode);

#endif
