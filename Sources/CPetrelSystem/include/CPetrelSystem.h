// GNU extensions of posix_spawn that Swift's Glibc module does not expose.
#ifndef CPETREL_SYSTEM_H
#define CPETREL_SYSTEM_H
#include <spawn.h>

int cpetrel_spawn_addchdir(posix_spawn_file_actions_t *actions, const char *path);
short cpetrel_spawn_setsid_flag(void);
/// Closes every descriptor from `lowest` up in the child, so no server socket or database
/// file leaks into an instance.
int cpetrel_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowest);

/// pipe2(fds, O_CLOEXEC), which Swift's Glibc module does not expose.
int cpetrel_pipe_cloexec(int fds[2]);
/// socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC): a pipe whose writer can use
/// `cpetrel_send_nosignal`, so a vanished reader is EPIPE, never SIGPIPE.
int cpetrel_socketpair_cloexec(int fds[2]);
long cpetrel_send_nosignal(int fd, const void *bytes, unsigned long count);
/// A TCP socket listening on 127.0.0.1:port inside the network namespace `namespace_fd`
/// (an open /proc/<pid>/ns/net). Returns the fd, or -errno.
int cpetrel_listen_in_netns(int namespace_fd, int port);
/// Carries every connection accepted on `listen_fd` to 127.0.0.1:host_port in the caller's
/// namespace, on background threads, until `cpetrel_stop_relay`. Returns 0 or -errno.
int cpetrel_start_relay(int listen_fd, int host_port);
void cpetrel_stop_relay(int listen_fd);

#endif
