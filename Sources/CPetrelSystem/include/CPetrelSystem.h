// GNU extensions of posix_spawn that Swift's Glibc module does not expose.
#ifndef CPETREL_SYSTEM_H
#define CPETREL_SYSTEM_H
#include <spawn.h>
#include <stdint.h>

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
/// The uid that made the TCP socket whose own end is local_address:local_port and whose peer
/// is remote_address:remote_port (IPv4, addresses in network order, ports in host order), as
/// the kernel's socket diagnostics report it. Returns 0, or -errno (-ENOENT: no such socket).
int cpetrel_tcp_socket_uid(uint32_t local_address, int local_port, uint32_t remote_address, int remote_port,
                           unsigned int *uid);

/// pidfd_open(pid, 0): a descriptor that becomes readable when the process exits (close-on-exec).
/// Returns the fd, or -errno (-ENOSYS before Linux 5.3).
int cpetrel_pidfd_open(int pid);
/// An epoll set (close-on-exec), or -errno.
int cpetrel_epoll_create(void);
/// Watches `fd` for readability. 0 or -errno.
int cpetrel_epoll_add(int epoll_fd, int fd);
int cpetrel_epoll_remove(int epoll_fd, int fd);
/// Blocks until some watched descriptors are readable; writes them to `fds` (at most
/// `capacity`, at most 64) and returns how many, or -errno.
int cpetrel_epoll_wait(int epoll_fd, int *fds, int capacity);

#endif
