/* sipnat-stream-clamp-private.h: a bounded receive buffer for Sofia's
 * SIP connections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* What each connection may hold unread, asked of the kernel (which
 * doubles it for its own bookkeeping). Measured at 30 000 registrations
 * over TCP (1 000 refreshes a second): with 128 KiB, each message's rest
 * (up to 256 KiB) went to a fresh buffer above glibc's mmap and trim
 * thresholds, 58 % of the CPU was msg_buf_move() and its page faults,
 * 64 % of a core while idle, and the close took 2–48 s; with 32 KiB,
 * 7.5 % of a core and 3 s. With 16 KiB the connection failed under the
 * refreshes (503 for half the registrations). */
#define SIPNAT_STREAM_RCVBUF_BYTES (32 * 1024)

guint _sipnat_stream_clamp_connections_to (const struct sockaddr *peer,
                                           socklen_t              peer_len);

G_END_DECLS
