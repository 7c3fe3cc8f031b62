/* sipnat-ice-tls-private.h: TURN over TLS for libnice
 *
 * libnice 0.1.21 speaks plain TCP when told NICE_RELAY_TYPE_TURN_TLS in
 * RFC 5245 mode (it wraps the socket in TLS only in its Google and MSOC
 * modes, and then in a fake "pseudossl"). So libsipnat gives libnice a
 * TURN-over-TCP server on 127.0.0.1, and this tunnel carries each
 * connection to it over real TLS (GIO's, certificate checked) to the TURN
 * server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SipnatTlsTunnel SipnatTlsTunnel;

/* Listens on 127.0.0.1 (an ephemeral port) on @context. @database: the
 * certificate authorities to check the server against (NULL: the
 * system's). */
SipnatTlsTunnel *_sipnat_tls_tunnel_new      (GMainContext  *context,
                                              const char    *server,
                                              guint          port,
                                              GTlsDatabase  *database,
                                              GError       **error);
guint            _sipnat_tls_tunnel_get_port (SipnatTlsTunnel *self);
/* @func (its return value ignored) runs on the tunnel's context when a
 * TLS connection to the server fails. */
void             _sipnat_tls_tunnel_set_failed_func (SipnatTlsTunnel *self,
                                                     GSourceFunc      func,
                                                     gpointer         data);
/* The reason the last TLS connection failed, or NULL. */
const char      *_sipnat_tls_tunnel_get_error (SipnatTlsTunnel *self);
/* Closes the listener and every tunnelled connection. */
void             _sipnat_tls_tunnel_free     (SipnatTlsTunnel *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatTlsTunnel, _sipnat_tls_tunnel_free)

G_END_DECLS
