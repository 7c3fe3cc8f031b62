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
 * doubles it for its own bookkeeping). */
#define SIPNAT_STREAM_RCVBUF_BYTES (128 * 1024)

guint _sipnat_stream_clamp_connections_to (const struct sockaddr *peer,
                                           socklen_t              peer_len);

G_END_DECLS
