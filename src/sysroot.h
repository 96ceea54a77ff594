/* sysroot: where the sidecar looks at the system. Everything it reads about
 * other processes goes through the /proc root of the settings (proc_root,
 * default "/proc"), and their cgroups through PROC/PID/root, never through the
 * sidecar's own /sys/fs/cgroup. Tests point proc_root at a fixture tree. */
#ifndef OOMSENTRY_SYSROOT_H
#define OOMSENTRY_SYSROOT_H

#define SYSROOT_DEFAULT_PROC "/proc"

#endif
