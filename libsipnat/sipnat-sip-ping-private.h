/* sipnat-sip-ping-private.h: one OPTIONS to a SIP server, outside Sofia
 *
 * The NAT probe asks "does UDP (or TCP) reach the registrar, and does a
 * datagram larger than the MTU?" with a plain OPTIONS sent from a socket
 * of its own: any SIP response carrying our Via branch is an answer, and
 * its Via received/rport is the public address the server saw.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sipnat-binding.h"

G_BEGIN_DECLS

/* Responses longer than this are refused (UDP) or cut (TCP). */
#define SIPNAT_SIP_PING_MAX_RESPONSE 16384

/* The OPTIONS request: @padding bytes of an extra header make it larger
 * (0: none); @branch is the Via branch the response must carry. */
char          *_sipnat_sip_ping_build          (const char         *transport,
                                                GInetSocketAddress *local,
                                                GInetSocketAddress *server,
                                                const char         *branch,
                                                gsize               padding);
/* A SIP response to the request with @branch: TRUE, and @status and (if
 * the top Via has received/rport) @binding. Anything else: FALSE. */
gboolean       _sipnat_sip_ping_parse_response (const char         *data,
                                                gsize               len,
                                                const char         *branch,
                                                guint              *status,
                                                SipnatBinding     **binding);

/* OPTIONS over UDP from @socket (retransmitted as RFC 3261 timer E) or,
 * with @socket NULL, over a new TCP connection; @timeout_ms for all of
 * it. The result: the public binding from the response's Via (may be
 * NULL when the server did not add received/rport), or an error
 * (SIPNAT_ERROR_TIMEOUT: no answer; SIPNAT_ERROR_UNREACHABLE). */
void           _sipnat_sip_ping_async          (GSocket            *socket,
                                                GInetSocketAddress *server,
                                                gsize               padding,
                                                guint               timeout_ms,
                                                GCancellable       *cancellable,
                                                GAsyncReadyCallback callback,
                                                gpointer            user_data);
gboolean       _sipnat_sip_ping_finish         (GAsyncResult       *result,
                                                SipnatBinding     **binding,
                                                GError            **error);

G_END_DECLS
