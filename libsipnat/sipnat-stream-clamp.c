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
 * SIPNAT_STREAM_RCVBUF_BYTES, one read holds about a hundred messages at
 * most, and the peer waits (TCP flow control) instead.
 *
 * Sofia does not give its sockets away: they are found among the
 * process's descriptors as the connected stream sockets whose peer is
 * the address an answer came from.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-debug-private.h"
#include "sipnat-process-sockets-private.h"
#include "sipnat-stream-clamp-private.h"

typedef struct {
  const struct sockaddr *peer;
  socklen_t peer_len;
  guint clamped;
} ClampSearch;

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

static gboolean
clamp_if_to_peer (int      fd,
                  gpointer data)
{
  ClampSearch *search = data;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (getpeername (fd, (struct sockaddr *) &ss, &len) == 0 &&
      _sipnat_sockaddr_equal ((const struct sockaddr *) &ss, len, search->peer, search->peer_len) &&
      clamp (fd))
    {
      SIPNAT_NOTE (SIP, "connection on descriptor %d: receive buffer clamped to %u bytes",
                   fd, SIPNAT_STREAM_RCVBUF_BYTES);
      search->clamped++;
    }

  return TRUE;
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
  ClampSearch search = { peer, peer_len, 0 };

  _sipnat_process_sockets_foreach (SOCK_STREAM, clamp_if_to_peer, &search);

  return search.clamped;
}
