// Linux interfaces Swift's Glibc module leaves out (epoll, recvmmsg/sendmmsg, signalfd), for the
// host-side targets only.
#pragma once
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/signalfd.h>
#include <netinet/in.h>
