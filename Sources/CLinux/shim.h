// Linux interfaces Swift's Glibc module leaves out (epoll, signalfd, recvmmsg/sendmmsg), for the
// host-side targets only. _GNU_SOURCE is not defined here: it would change shared libc types and
// clash with the Glibc module, so the two batch calls are declared under names of our own.
#pragma once
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>

struct levee_mmsghdr {
    struct msghdr msg_hdr;
    unsigned int msg_len;
};

extern int levee_recvmmsg(int fd, struct levee_mmsghdr *messages, unsigned int count, int flags,
                          struct timespec *timeout) __asm__("recvmmsg");
extern int levee_sendmmsg(int fd, struct levee_mmsghdr *messages, unsigned int count, int flags)
    __asm__("sendmmsg");
