/* sipnat-rtp-socket-private.h: the UDP socket of a call without ICE
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

G_BEGIN_DECLS

/* Packets from a new source that re-latch the destination (the first
 * packet ever latches at once). */
#define SIPNAT_RTP_SOCKET_RELATCH_PACKETS 8

#define SIPNAT_TYPE_RTP_SOCKET (_sipnat_rtp_socket_get_type ())
G_DECLARE_FINAL_TYPE (SipnatRtpSocket, _sipnat_rtp_socket, SIPNAT, RTP_SOCKET, GObject)

/* A UDP socket on an ephemeral port of @local_address (NULL: any IPv4
 * address). Signals are emitted on the thread-default main context of the
 * caller ("latched": (const char *address, guint port), after the
 * destination changed to the source of received RTP). */
SipnatRtpSocket *_sipnat_rtp_socket_new            (const char          *local_address,
                                                    GError             **error);
guint            _sipnat_rtp_socket_get_port       (SipnatRtpSocket     *self);
GSocket         *_sipnat_rtp_socket_get_socket     (SipnatRtpSocket     *self);

/* STUN Binding (RFC 5389) sent from the socket: the public address of
 * the socket. Retransmitted after 0.5 and 1.5 s, given up after 3 s
 * (SIPNAT_ERROR_TIMEOUT); an unresolvable server or one that cannot be
 * sent to is SIPNAT_ERROR_UNREACHABLE, an error answer
 * SIPNAT_ERROR_REJECTED. Run it before the media reads the socket. */
void             _sipnat_rtp_socket_discover_async (SipnatRtpSocket     *self,
                                                    const char          *stun_server,
                                                    guint                stun_port,
                                                    GCancellable        *cancellable,
                                                    GAsyncReadyCallback  callback,
                                                    gpointer             user_data);
gboolean         _sipnat_rtp_socket_discover_finish (SipnatRtpSocket    *self,
                                                    GAsyncResult        *result,
                                                    char               **address,
                                                    guint               *port,
                                                    GError             **error);

/* Where to send (the remote SDP's c= and m= port): used until RTP
 * arrives from somewhere; a later call drops the latched source. */
void             _sipnat_rtp_socket_set_remote     (SipnatRtpSocket     *self,
                                                    const char          *address,
                                                    guint                port);
/* The source RTP was latched to (transfer full), or NULL. */
char            *_sipnat_rtp_socket_dup_latched    (SipnatRtpSocket     *self,
                                                    guint               *port);

/* For the media bin. The sink is a multiudpsink sending on the socket:
 * its "clients" follow the destination (NULL detaches it). */
void             _sipnat_rtp_socket_set_sink       (SipnatRtpSocket     *self,
                                                    GstElement          *sink);
/* An RTP packet of the call came from @from (any thread): latching. */
void             _sipnat_rtp_socket_received_from  (SipnatRtpSocket     *self,
                                                    GSocketAddress      *from);

G_END_DECLS
