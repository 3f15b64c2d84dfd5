// Who owns the other end of a loopback TCP connection: the kernel's socket diagnostics
// (NETLINK_SOCK_DIAG, as `ss` uses) look the peer's socket up by its four-tuple and report the
// uid it was created by. An instance's Runtime API admits only its instance's uid.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "CPetrelSystem.h"

int cpetrel_tcp_socket_uid(uint32_t local_address, int local_port, uint32_t remote_address, int remote_port,
                           unsigned int *uid) {
    int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
    if (fd < 0) return -errno;
    struct timeval timeout = { .tv_sec = 1 };
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    struct {
        struct nlmsghdr header;
        struct inet_diag_req_v2 request;
    } message;
    memset(&message, 0, sizeof message);
    message.header.nlmsg_len = sizeof message;
    message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
    message.header.nlmsg_flags = NLM_F_REQUEST;  // one socket, found by its four-tuple (no dump)
    message.header.nlmsg_seq = 1;
    message.request.sdiag_family = AF_INET;
    message.request.sdiag_protocol = IPPROTO_TCP;
    message.request.idiag_states = ~0u;
    message.request.id.idiag_sport = htons((uint16_t)local_port);
    message.request.id.idiag_dport = htons((uint16_t)remote_port);
    message.request.id.idiag_src[0] = local_address;
    message.request.id.idiag_dst[0] = remote_address;
    message.request.id.idiag_cookie[0] = INET_DIAG_NOCOOKIE;
    message.request.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(fd, &message, sizeof message, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        int error = errno;
        close(fd);
        return -error;
    }
    long buffer[1024];
    ssize_t got;
    do { got = recv(fd, buffer, sizeof buffer, 0); } while (got < 0 && errno == EINTR);
    int error = got < 0 ? errno : 0;
    close(fd);
    if (got < 0) return -error;
    for (struct nlmsghdr *reply = (struct nlmsghdr *)buffer; NLMSG_OK(reply, (size_t)got); reply = NLMSG_NEXT(reply, got)) {
        if (reply->nlmsg_type == NLMSG_ERROR) {
            struct nlmsgerr *failure = NLMSG_DATA(reply);
            return failure->error ? failure->error : -ENOENT;
        }
        if (reply->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
        struct inet_diag_msg *socket_info = NLMSG_DATA(reply);
        // The kernel found this very connection (it answers with the four-tuple it matched),
        // and a full socket: a listener, or a time-wait or half-open remnant, has no owner.
        enum { SYN_RECV = 3, TIME_WAIT = 6, CLOSE = 7, LISTEN = 10, NEW_SYN_RECV = 12 };
        uint8_t state = socket_info->idiag_state;
        if (state == SYN_RECV || state == TIME_WAIT || state == CLOSE || state == LISTEN || state == NEW_SYN_RECV) return -ENOENT;
        if (socket_info->id.idiag_sport != htons((uint16_t)local_port) || socket_info->id.idiag_dport != htons((uint16_t)remote_port)
            || socket_info->id.idiag_src[0] != local_address || socket_info->id.idiag_dst[0] != remote_address) {
            return -ENOENT;
        }
        *uid = socket_info->idiag_uid;
        return 0;
    }
    return -ENOENT;
}
