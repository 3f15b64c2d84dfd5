#define _GNU_SOURCE
#include <spawn.h>
#include "CPetrelSystem.h"

int cpetrel_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path) {
    return posix_spawn_file_actions_addchdir_np(actions, path);
}

short cpetrel_spawn_setsid_flag(void) {
    return POSIX_SPAWN_SETSID;
}

int cpetrel_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest) {
    return posix_spawn_file_actions_addclosefrom_np(actions, lowest);
}

#include <fcntl.h>
#include <unistd.h>

int cpetrel_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC);
}

#include <sys/socket.h>

int cpetrel_socketpair_cloexec(int fds[2]) {
    return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
}

long cpetrel_send_nosignal(int fd, const void *bytes, unsigned long count) {
    return (long)send(fd, bytes, count, MSG_NOSIGNAL);
}
