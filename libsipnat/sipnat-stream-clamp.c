/* sipnat-stream-clamp.c: a bounded receive buffer for Sofia's SIP
 * connections
 *
 * Sofia-SIP 1.12.11 reads a TCP connection by taking everything the
 * socket holds (FIONREAD) into one buffer, and for each complete message
 * in it moves the rest of the buffer into the next message's
 * (tport_recv_stream, then msg_next → msg_buf_move): the cost is the
 * backlog times the number of messages in it. With thousands of
 * registrations on one connection, answers that queue up while the loop
 * is busy for a moment make the next read quadratic, which keeps the
 * loop busy while more queue up: measured at 30 000 registrations over
 * TCP, 86 % of the time went to that memcpy, the connection's receive
 * queue grew to 3.5 MB and REGISTERs timed out. The kernel autotunes a
 * connection's receive buffer to megabytes; clamped to
 * SIPNAT_STREAM_RCVBUF_BYTES, one read holds a few hundred messages at
 * most, and the peer waits (TCP flow control) instead.
 *
 * Sofia does not give its sockets away: they are found among the
 * process's descriptors as the connected stream sockets whose peer is
 * the address an answer came from.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <netinet/in.h>

#include <gio/gio.h>

#include "sipnat-debug-private.h"
#include "sipnat-stream-clamp-private.h"

static gboolean
same_address (const struct sockaddr_storage *a,
              socklen_t                      a_len,
              const struct sockaddr         *b,
              socklen_t                      b_len)
{
  if (a->ss_family != b->sa_family)
    return FALSE;
  if (b->sa_family == AF_INET && a_len >= sizeof (struct sockaddr_in) &&
      b_len >= sizeof (struct sockaddr_in))
    {
      const struct sockaddr_in *x = (const struct sockaddr_in *) a;
      const struct sockaddr_in *y = (const struct sockaddr_in *) b;

      return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
  if (b->sa_family == AF_INET6 && a_len >= sizeof (struct sockaddr_in6) &&
      b_len >= sizeof (struct sockaddr_in6))
    {
      const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a;
      const struct sockaddr_in6 *y = (const struct sockaddr_in6 *) b;

      return x->sin6_port == y->sin6_port &&
             memcmp (&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }

  return FALSE;
}

/* Whether @fd is a stream socket connected to @peer. */
static gboolean
is_connection_to (int                    fd,
                  const struct sockaddr *peer,
                  socklen_t              peer_len)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int type = 0;
  socklen_t type_len = sizeof type;

  if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_STREAM)
    return FALSE;
  if (getpeername (fd, (struct sockaddr *) &ss, &len) != 0)
    return FALSE;

  return same_address (&ss, len, peer, peer_len);
}

/* TRUE if it was not clamped yet. The kernel reports twice what was
 * asked for, and a size set stops its autotuning (which would grow a
 * buffer smaller now to megabytes later). */
static gboolean
clamp (int fd)
{
  int size = 0;
  socklen_t size_len = sizeof size;
  int wanted = SIPNAT_STREAM_RCVBUF_BYTES;

  if (getsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, &size_len) != 0 ||
      size == 2 * SIPNAT_STREAM_RCVBUF_BYTES)
    return FALSE;

  return setsockopt (fd, SOL_SOCKET, SO_RCVBUF, &wanted, sizeof wanted) == 0;
}

/*
 * _sipnat_stream_clamp_connections_to:
 * @peer: the address an answer came from over a connection
 *
 * Clamps the receive buffer of every connection of this process to
 * @peer (Sofia's, in practice: one per registrar and transport). Linux
 * only (/proc/self/fd); elsewhere nothing happens.
 *
 * Returns: how many were clamped now (0 when they already were).
 */
guint
_sipnat_stream_clamp_connections_to (const struct sockaddr *peer,
                                     socklen_t              peer_len)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;
  guint clamped = 0;

  if (dir == NULL)
    return 0;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      guint64 fd;

      if (!g_ascii_string_to_unsigned (name, 10, 0, G_MAXINT, &fd, NULL))
        continue;
      if (is_connection_to ((int) fd, peer, peer_len) && clamp ((int) fd))
        {
          SIPNAT_NOTE (SIP, "connection on descriptor %d: receive buffer clamped to %u bytes",
                       (int) fd, SIPNAT_STREAM_RCVBUF_BYTES);
          clamped++;
        }
    }

  return clamped;
}
