/* Winsock behind the POSIX names posix_sockets.h maps; see there for why each exists. */
#include "posix_sockets.h"

/* The macros would rename the Winsock calls made here. */
#undef socket
#undef setsockopt
#undef close

int dkv_compat_socket(int domain, int type, int protocol) {
  static int started;
  SOCKET s;
  if (!started) {
    WSADATA data;
    if (WSAStartup(MAKEWORD(2, 2), &data) != 0) {
      return -1;
    }
    started = 1;
  }
  s = socket(domain, type, protocol);
  return s == INVALID_SOCKET ? -1 : (int)s;
}

int dkv_compat_setsockopt(int fd, int level, int name, const void *value, int len) {
  if (level == SOL_SOCKET && (name == SO_RCVTIMEO || name == SO_SNDTIMEO) && len == (int)sizeof(struct timeval)) {
    const struct timeval *tv = value;
    DWORD ms = (DWORD)tv->tv_sec * 1000u + (DWORD)tv->tv_usec / 1000u;
    return setsockopt((SOCKET)fd, level, name, (const char *)&ms, (int)sizeof ms);
  }
  return setsockopt((SOCKET)fd, level, name, (const char *)value, len);
}

int dkv_compat_close(int fd) { return closesocket((SOCKET)fd); }
