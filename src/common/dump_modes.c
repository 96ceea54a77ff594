#include "dump_modes.h"

bool dump_modes_for(const struct stat *dir_st, mode_t *dir_mode, mode_t *file_mode)
{
	/* Only the set-group-ID bit counts, not the group's rwx: it is how a
	 * directory says that its group is the one to share with (kubelet's
	 * fsGroup, or a group directory made by hand), while group rwx alone
	 * may be an accident of a umask. */
	bool shared = S_ISDIR(dir_st->st_mode) && (dir_st->st_mode & S_ISGID);
	*dir_mode = shared ? DUMP_DIR_MODE_GROUP : DUMP_DIR_MODE_PRIVATE;
	*file_mode = shared ? DUMP_FILE_MODE_GROUP : DUMP_FILE_MODE_PRIVATE;
	return shared;
}
