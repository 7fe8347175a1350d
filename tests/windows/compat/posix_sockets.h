/* The POSIX socket calls tests/c/control.c makes, on Winsock, so the Windows build compiles that file unchanged
   (its log parsing stays in one place). The stand-in headers arpa/inet.h, netinet/in.h and sys/socket.h next to
   this file include it; run.sh puts this directory first on control.c's include path. */
#ifndef DKV_WINDOWS_POSIX_SOCKETS_H
#define DKV_WINDOWS_POSIX_SOCKETS_H

/* inet_pton is declared for Vista and later only. */
#if !defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0600
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0600
#endif

#include <stddef.h>
#include <sys/time.h>
/* Before the macros below: unistd.h declares close(), which must keep meaning the CRT's file close there. */
#include <unistd.h>
#include <winsock2.h>
#include <ws2tcpip.h>

/* Winsock is unusable until WSAStartup; a POSIX program never calls it, so the socket call does. */
int dkv_compat_socket(int domain, int type, int protocol);
/* Winsock takes SO_RCVTIMEO/SO_SNDTIMEO as a DWORD of milliseconds, not a struct timeval: read as a DWORD, a
   10 s timeval would be a 10 ms timeout. */
int dkv_compat_setsockopt(int fd, int level, int name, const void *value, int len);
/* close() on a socket handle would close an unrelated CRT file descriptor. */
int dkv_compat_close(int fd);

/* A SOCKET is a small handle value in practice, so it round-trips through control.c's int; INVALID_SOCKET
   becomes -1, which control.c already treats as failure. */
#define socket(domain, type, protocol) dkv_compat_socket(domain, type, protocol)
#define setsockopt(fd, level, name, value, len) dkv_compat_setsockopt(fd, level, name, value, (int)(len))
#define close(fd) dkv_compat_close(fd)

#endif
