/* sipnat-media-impl-private.h: what the parts of a call's media bin share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-media-private.h"
#include "sipnat-rtp-socket-private.h"

G_BEGIN_DECLS

#define SIPNAT_TYPE_MEDIA_BIN (sipnat_media_bin_get_type ())
G_DECLARE_FINAL_TYPE (SipnatMediaBin, sipnat_media_bin, SIPNAT, MEDIA_BIN, GstBin)

struct _SipnatMediaBin
{
  GstBin parent_instance;

  GstPad *sink_ghost;
  GstPad *src_ghost;
  GstElement *discard;            /* the sink ghost's target until media flows */

  GstElement *transport_src;
  GstElement *transport_sink;
  SipnatRtpSocket *socket;        /* without ICE */

  GstElement *send_first;         /* audioconvert */
  GstElement *send_last;          /* payloader */
  GstElement *recv_first;         /* capsfilter */
  GstElement *recv_last;          /* audioresample */
  GstElement *recv_chain[6];      /* recv_first ... recv_last */
  guint payload_type;
  gboolean active;

  GMainContext *context;

  gint recv_payload_type;         /* atomic; -1 until active */
  gint sending;                   /* atomic; 0: packets dropped, not counted */
  GMutex lock;                    /* the fields below */
  SipnatMediaStats stats;
};

/* sipnat-media.c */
gboolean           _sipnat_media_make_nice_transport   (SipnatMediaBin  *self,
                                                        NiceAgent       *agent,
                                                        guint            stream_id,
                                                        guint            component_id,
                                                        GstElement     **src,
                                                        GstElement     **sink);
gboolean           _sipnat_media_make_socket_transport (SipnatMediaBin  *self,
                                                        SipnatRtpSocket *socket,
                                                        GstElement     **src,
                                                        GstElement     **sink);
void               _sipnat_media_drop_element          (SipnatMediaBin  *self,
                                                        GstElement      *element);
void               _sipnat_media_post_missing          (SipnatMediaBin  *self,
                                                        const char      *factory);
gboolean           _sipnat_media_link_pads             (GstElement      *src,
                                                        const char      *src_pad,
                                                        GstElement      *sink,
                                                        const char      *sink_pad);
GstPadProbeReturn  _sipnat_media_on_transport_src_data  (GstPad          *pad,
                                                        GstPadProbeInfo *info,
                                                        gpointer         data);
GstPadProbeReturn  _sipnat_media_on_transport_sink_data (GstPad          *pad,
                                                        GstPadProbeInfo *info,
                                                        gpointer         data);
void               _sipnat_media_add_transport_probes  (SipnatMediaBin  *self,
                                                        GstElement      *src,
                                                        GstElement      *sink);
/* Adds @src and @sink (floating) as the bin's transport, joined to the
 * chains once the codec is known too. */
void               _sipnat_media_add_transport         (SipnatMediaBin  *self,
                                                        GstElement      *src,
                                                        GstElement      *sink);

G_END_DECLS
