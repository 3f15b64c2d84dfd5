#define _GNU_SOURCE
#include <spawn.h>
#include "CPetrelSystem.h"

int cpetrel_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

short cpetrel_spawn_setsid_flag(void) {
    return POSIX_SPAWN_SETSID;
}

#include <fcntl.h>
#include <unistd.h>

int cpetrel_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}
