#define _POSIX_C_SOURCE 200809L
#include "control.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

/* A control call that takes longer than this means the manager is wedged; fail rather than hang the run. */
static const int IO_TIMEOUT_SEC = 10;

static int connect_loopback(const char *host, int port) {
  struct sockaddr_in addr;
  struct timeval tv;
  int fd;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    return -1;
  }
  fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return -1;
  }
  tv.tv_sec = IO_TIMEOUT_SEC;
  tv.tv_usec = 0;
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static int send_all(int fd, const char *data, size_t len) {
  while (len > 0) {
    ssize_t n = send(fd, data, len, 0);
    if (n <= 0) {
      return -1;
    }
    data += n;
    len -= (size_t)n;
  }
  return 0;
}

/* Reads until the server closes; returns the bytes read or -1. */
static long recv_all(int fd, char *buf, size_t cap) {
  size_t used = 0;
  for (;;) {
    ssize_t n;
    if (used + 1 >= cap) {
      break;
    }
    n = recv(fd, buf + used, cap - 1 - used, 0);
    if (n < 0) {
      return -1;
    }
    if (n == 0) {
      break;
    }
    used += (size_t)n;
  }
  buf[used] = '\0';
  return (long)used;
}

int http_call(const char *host, int port, const char *method, const char *path, const char *body, char *body_out,
              size_t cap) {
  char head[1024];
  static char response[256 * 1024];
  size_t body_len = body == NULL ? 0 : strlen(body);
  int fd, status = -1;
  long got;
  const char *payload;
  int head_len = snprintf(head, sizeof head,
                          "%s %s HTTP/1.1\r\nHost: %s:%d\r\nContent-Type: application/json\r\n"
                          "Content-Length: %lu\r\nConnection: close\r\n\r\n",
                          method, path, host, port, (unsigned long)body_len);
  response[0] = '\0';
  if (body_out != NULL && cap > 0) {
    body_out[0] = '\0';
  }
  if (head_len < 0 || (size_t)head_len >= sizeof head) {
    return -1;
  }
  fd = connect_loopback(host, port);
  if (fd < 0) {
    return -1;
  }
  if (send_all(fd, head, (size_t)head_len) == 0 && (body_len == 0 || send_all(fd, body, body_len) == 0)) {
    got = recv_all(fd, response, sizeof response);
    if (got > 0 && sscanf(response, "HTTP/1.%*d %d", &status) != 1) {
      status = -1;
    }
  }
  close(fd);
  payload = strstr(response, "\r\n\r\n");
  if (status > 0 && body_out != NULL && cap > 0 && payload != NULL) {
    strncpy(body_out, payload + 4, cap - 1);
    body_out[cap - 1] = '\0';
  }
  return status;
}

int control_reset(const char *host, int port) {
  return http_call(host, port, "POST", "/_control/reset", NULL, NULL, 0);
}

int control_fault(const char *host, int port, const char *target_host, const char *fault) {
  char body[256];
  snprintf(body, sizeof body, "{\"host\":\"%s\",\"fault\":\"%s\"}", target_host, fault);
  return http_call(host, port, "POST", "/_control/fault", body, NULL, 0);
}

int control_clear_log(const char *host, int port) {
  return http_call(host, port, "POST", "/_control/log/clear", NULL, NULL, 0);
}

/* Entries are flat JSON objects of scalars, so an entry runs from one '{' to the next '}'. */
static int entry_has(const char *entry, const char *key, const char *value) {
  char needle[512];
  if (value == NULL) {
    return 1;
  }
  snprintf(needle, sizeof needle, "\"%s\":\"%s\"", key, value);
  return strstr(entry, needle) != NULL;
}

int control_log_count(const char *host, int port, const char *manager, const char *method, const char *path,
                      const char *query) {
  static char log[256 * 1024];
  char entry[2048];
  const char *cursor = log;
  int count = 0;
  if (http_call(host, port, "GET", "/_control/log", NULL, log, sizeof log) != 200) {
    return -1;
  }
  while ((cursor = strchr(cursor, '{')) != NULL) {
    const char *end = strchr(cursor, '}');
    size_t len;
    if (end == NULL) {
      return -1;
    }
    len = (size_t)(end - cursor) + 1;
    if (len >= sizeof entry) {
      return -1;
    }
    memcpy(entry, cursor, len);
    entry[len] = '\0';
    if (entry_has(entry, "manager", manager) && entry_has(entry, "method", method) && entry_has(entry, "path", path) &&
        entry_has(entry, "query", query)) {
      count++;
    }
    cursor = end + 1;
  }
  return count;
}
