/* Stand-in for the POSIX header on Windows: see ../posix_sockets.h. */
#include "../posix_sockets.h"
