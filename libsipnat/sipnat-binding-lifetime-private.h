/* sipnat-binding-lifetime-private.h: how long the NAT keeps an idle UDP
 * binding (RFC 5780 §4.6)
 *
 * Several sockets each send one Binding request to the STUN server,
 * which opens a binding in the NAT, then stay silent. After a different
 * idle time for each (geometric steps), another socket asks the server
 * to answer on that socket's public port (RESPONSE-PORT): the answer
 * arrives only while the binding lives. Each socket is asked once (an
 * answer refreshes the binding); the first one that gets no answer ends
 * the measurement. The lifetime is the longest idle time seen alive, so
 * the true timeout lies between it and the next step.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Steps: first, then ×ratio each, up to last (milliseconds). A ratio of
 * 1.4 puts 0.8 × the lifetime between 57 % and 80 % of the true timeout. */
#define SIPNAT_BINDING_LIFETIME_FIRST_MS 2000
#define SIPNAT_BINDING_LIFETIME_RATIO    1.4
#define SIPNAT_BINDING_LIFETIME_LAST_MS  (600 * 1000)

/* The idle times to probe, ascending (transfer full; @n_steps set). */
guint *_sipnat_binding_lifetime_steps (guint   first_ms,
                                       double  ratio,
                                       guint   last_ms,
                                       guint  *n_steps);

/* The keep-alive period (seconds, at least 1) for a binding that was
 * seen alive after @lifetime_ms idle: 80 % of it. */
guint  _sipnat_keepalive_for_lifetime (gint64  lifetime_ms);

/* Measures with the STUN server @server (which must support RESPONSE-
 * PORT: coturn with two listening addresses); sockets are bound to
 * @local_ip (NULL: any). The result: the longest idle time seen alive in
 * milliseconds, or an error (SIPNAT_ERROR_TIMEOUT: the server does not
 * answer; SIPNAT_ERROR_REJECTED: it does not support RESPONSE-PORT;
 * SIPNAT_ERROR_FAILED: not even the first step was seen alive). Takes up
 * to 1.4 × the timeout. */
void   _sipnat_binding_lifetime_async  (GInetSocketAddress  *server,
                                        GInetAddress        *local_ip,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
gint64 _sipnat_binding_lifetime_finish (GAsyncResult        *result,
                                        GError             **error);

G_END_DECLS
