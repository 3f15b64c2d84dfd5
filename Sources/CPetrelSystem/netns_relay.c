// A loopback relay into a network namespace: a listening socket created inside the
// namespace (sockets keep the namespace they were made in), whose connections are carried
// to a port on the host's loopback. Lets a sandbox without a network reach exactly the
// Runtime API and Petrel's endpoint.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "CPetrelSystem.h"

struct listen_request {
    int namespace_fd;
    int port;
    int result;      // listening fd, or -errno
};

static void *listen_in_namespace(void *argument) {
    struct listen_request *request = argument;
    // setns changes only this thread's namespace; the thread ends right after.
    if (setns(request->namespace_fd, CLONE_NEWNET) != 0) { request->result = -errno; return NULL; }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) { request->result = -errno; return NULL; }
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)request->port) };
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&address, sizeof address) != 0 || listen(fd, 64) != 0) {
        request->result = -errno;
        close(fd);
        return NULL;
    }
    request->result = fd;
    return NULL;
}

int cpetrel_listen_in_netns(int namespace_fd, int port) {
    struct listen_request request = { namespace_fd, port, -EINVAL };
    pthread_t thread;
    if (pthread_create(&thread, NULL, listen_in_namespace, &request) != 0) return -EAGAIN;
    pthread_join(thread, NULL);
    return request.result;
}

struct pump_pair { int inside; int host; };

static int write_all(int fd, const char *buffer, ssize_t length) {
    while (length > 0) {
        ssize_t written = send(fd, buffer, (size_t)length, MSG_NOSIGNAL);
        if (written < 0) { if (errno == EINTR) continue; return -1; }
        buffer += written;
        length -= written;
    }
    return 0;
}

static void *pump(void *argument) {
    struct pump_pair pair = *(struct pump_pair *)argument;
    free(argument);
    char buffer[65536];
    struct pollfd fds[2] = { { pair.inside, POLLIN, 0 }, { pair.host, POLLIN, 0 } };
    for (;;) {
        if (poll(fds, 2, -1) < 0) { if (errno == EINTR) continue; break; }
        int done = 0;
        for (int i = 0; i < 2 && !done; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t got = recv(fds[i].fd, buffer, sizeof buffer, 0);
            if (got <= 0) { done = 1; break; }
            if (write_all(fds[1 - i].fd, buffer, got) != 0) done = 1;
        }
        if (done) break;
    }
    close(pair.inside);
    close(pair.host);
    return NULL;
}

struct relay { int listen_fd; int host_port; };

static void *accept_loop(void *argument) {
    struct relay relay = *(struct relay *)argument;
    free(argument);
    for (;;) {
        int inside = accept4(relay.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (inside < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            break;  // the listening socket was shut down: the instance is gone
        }
        int host = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons((uint16_t)relay.host_port) };
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (host < 0 || connect(host, (struct sockaddr *)&address, sizeof address) != 0) {
            if (host >= 0) close(host);
            close(inside);
            continue;
        }
        int one = 1;
        setsockopt(inside, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(host, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        struct pump_pair *pair = malloc(sizeof *pair);
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attributes, 256 * 1024);
        if (!pair) { close(inside); close(host); continue; }
        *pair = (struct pump_pair){ inside, host };
        if (pthread_create(&thread, &attributes, pump, pair) != 0) { close(inside); close(host); free(pair); }
        pthread_attr_destroy(&attributes);
    }
    close(relay.listen_fd);
    return NULL;
}

int cpetrel_start_relay(int listen_fd, int host_port) {
    struct relay *relay = malloc(sizeof *relay);
    if (!relay) return -ENOMEM;
    *relay = (struct relay){ listen_fd, host_port };
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 128 * 1024);
    int result = pthread_create(&thread, &attributes, accept_loop, relay);
    pthread_attr_destroy(&attributes);
    if (result != 0) { free(relay); return -result; }
    return 0;
}

void cpetrel_stop_relay(int listen_fd) {
    shutdown(listen_fd, SHUT_RDWR);
}
