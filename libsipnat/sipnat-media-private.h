/* sipnat-media-private.h: the GStreamer media of a call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gst/gst.h>
#include <nice/agent.h>

#include "sipnat-rtp-socket-private.h"

G_BEGIN_DECLS

/* Counted by pad probes where RTP enters the transport sink (nicesink,
 * multiudpsink: counted as it arrives there, before the sink waits for
 * the packet's time, so at most the pipeline latency ahead of the wire)
 * and leaves the transport source (nicesrc, udpsrc: only RTP of the
 * negotiated payload type counts, once the codec is set). */
typedef struct {
  guint64 rtp_packets_sent;
  guint64 rtp_bytes_sent;          /* RTP header included, UDP/IP not */
  guint64 rtp_packets_received;
  guint64 rtp_bytes_received;
  gint64  first_rtp_received_time; /* g_get_monotonic_time (); 0: none yet */
} SipnatMediaStats;

/* The media bin: ghost pads "sink" (audio/x-raw to send, any format)
 * and "src" (decoded audio/x-raw). Both exist from the start; until the
 * transport and the codec are both set, audio given to "sink" is
 * discarded and "src" gives nothing. Signal "first-rtp-received" (no
 * arguments) is emitted once, on the thread-default main context of
 * _sipnat_media_new()'s caller. */
GstElement *_sipnat_media_new                   (void);

/* nicesrc/nicesink on the agent's component. nicesrc replaces the
 * component's receiver only when the bin goes READY -> PAUSED (and
 * detaches it, leaving none, at PAUSED -> READY), and reads (STUN checks
 * included) only while PLAYING, in its own streaming thread: until the
 * bin plays, the caller's receiver must stay attached, and once it plays
 * libnice emits the agent's signals (component-state-changed,
 * new-selected-pair-full, ...) from that streaming thread. Set the
 * transport before the checks start. nicesrc and nicesink hold a
 * reference on @agent. */
gboolean    _sipnat_media_set_transport_nice    (GstElement       *media,
                                                 NiceAgent        *agent,
                                                 guint             stream_id,
                                                 guint             component_id);
/* udpsrc/multiudpsink on the socket, with symmetric RTP latching (see
 * sipnat-rtp-socket.c). Any STUN discovery on @socket must be over. */
gboolean    _sipnat_media_set_transport_socket  (GstElement       *media,
                                                 SipnatRtpSocket  *socket);

/* The same, on a bin that has a transport already (a call that moved to
 * other addresses): the old transport's elements leave the bin, the
 * payloader goes to the new sink between two buffers. */
gboolean    _sipnat_media_move_transport_nice   (GstElement       *media,
                                                 NiceAgent        *agent,
                                                 guint             stream_id,
                                                 guint             component_id);
gboolean    _sipnat_media_move_transport_socket (GstElement       *media,
                                                 SipnatRtpSocket  *socket);

/* "PCMU" (8000 Hz, mono) or "opus" (48000 Hz, 1 or 2 channels), ASCII
 * case ignored; 20 ms packets of @payload_type. Anything else is
 * SIPNAT_ERROR_NO_COMMON_CODEC. Once per bin. */
gboolean    _sipnat_media_set_codec             (GstElement       *media,
                                                 const char       *encoding,
                                                 guint             payload_type,
                                                 guint             clock_rate,
                                                 guint             channels,
                                                 GError          **error);

/* Whether RTP goes out: until ICE has a path, packets are dropped and not
 * counted. A new bin sends. */
void        _sipnat_media_set_sending           (GstElement       *media,
                                                 gboolean          sending);

/* Any thread. */
void        _sipnat_media_get_stats             (GstElement       *media,
                                                 SipnatMediaStats *stats);

/* Whether @data (a datagram received on the RTP component) is RTCP,
 * RFC 5761 §4 (second byte 192..223). */
gboolean    _sipnat_media_is_rtcp               (const guint8     *data,
                                                 gsize             size);

G_END_DECLS
