// GNU extensions of posix_spawn that Swift's Glibc module does not expose.
#ifndef CPETREL_SYSTEM_H
#define CPETREL_SYSTEM_H
#include <spawn.h>

int cpetrel_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
short cpetrel_spawn_setsid_flag(void);
/// Closes every descriptor from `lowest` up in the child, so no server socket or database
/// file leaks into an instance.
int cpetrel_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

#endif
