// GNU extensions of posix_spawn that Swift's Glibc module does not expose.
#ifndef CPETREL_SYSTEM_H
#define CPETREL_SYSTEM_H
#include <spawn.h>

int cpetrel_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
short cpetrel_spawn_setsid_flag(void);

#endif
