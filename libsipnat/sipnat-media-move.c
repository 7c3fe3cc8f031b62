/* sipnat-media-move.c: another transport under a call's playing media bin
 *
 * A call that moved to other local addresses (sipnat-call-move.c) takes a
 * new transport (a new libnice agent, or a new RTP socket): its elements
 * take the old ones' place in the bin while the application's pipeline
 * plays on. The receiving side is swapped at once (nothing is read from
 * the old network any more); the payloader goes to the new sink as its
 * next buffer comes (a blocking probe), so that it never pushes to
 * nothing (a not-linked flow would stop the application's source) and the
 * new sink gets the sticky events first.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-media-impl-private.h"

typedef struct {
  GWeakRef self;
  GstElement *old_sink;
  GstElement *new_sink;
} SinkSwap;

static void
sink_swap_free (gpointer data)
{
  SinkSwap *swap = data;

  gst_object_unref (swap->old_sink);
  gst_object_unref (swap->new_sink);
  g_weak_ref_clear (&swap->self);
  g_free (swap);
}

/* The payloader's next buffer or event comes (a blocking probe, in its
 * streaming thread): before it moves on, the payloader goes to the new
 * sink, which GStreamer then sends the sticky events ahead of it. It
 * never pushes to nothing (a not-linked flow would stop the application's
 * source). Swaps still waiting when another one comes run in order. */
static GstPadProbeReturn
swap_sink (GstPad          *pad,
           GstPadProbeInfo *info,
           gpointer         data)
{
  SinkSwap *swap = data;
  g_autoptr(SipnatMediaBin) self = g_weak_ref_get (&swap->self);
  g_autoptr(GstPad) old_pad = gst_element_get_static_pad (swap->old_sink, "sink");
  g_autoptr(GstPad) new_pad = gst_element_get_static_pad (swap->new_sink, "sink");

  if (self == NULL)
    return GST_PAD_PROBE_REMOVE;

  gst_pad_unlink (pad, old_pad);
  if (gst_pad_link (pad, new_pad) != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
                       (_("Cannot join the call's audio to its transport")), (NULL));
  _sipnat_media_drop_element (self, swap->old_sink);
  return GST_PAD_PROBE_REMOVE;
}

/* Takes @src and @sink (floating) in place of the transport the bin has;
 * the chains stay, and so does the application's pipeline. */
static void
replace_transport (SipnatMediaBin *self,
                   GstElement     *src,
                   GstElement     *sink)
{
  GstElement *old_src = g_steal_pointer (&self->transport_src);
  GstElement *old_sink = g_steal_pointer (&self->transport_sink);
  g_autoptr(GstPad) payloader_pad = NULL;
  SinkSwap *swap;

  if (old_src == NULL || !self->active)
    {
      if (old_src != NULL)
        {
          _sipnat_media_drop_element (self, old_src);
          _sipnat_media_drop_element (self, old_sink);
        }
      self->active = FALSE;
      _sipnat_media_add_transport (self, src, sink);
      return;
    }

  /* Nothing is read from the old network any more. */
  _sipnat_media_drop_element (self, old_src);

  _sipnat_media_add_transport_probes (self, src, sink);
  self->transport_src = src;
  self->transport_sink = sink;
  gst_bin_add_many (GST_BIN (self), sink, src, NULL);
  gst_element_sync_state_with_parent (sink);
  if (!_sipnat_media_link_pads (src, "src", self->recv_first, "sink"))
    GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
                       (_("Cannot join the call's audio to its transport")), (NULL));
  gst_element_sync_state_with_parent (src);

  swap = g_new0 (SinkSwap, 1);
  g_weak_ref_init (&swap->self, self);
  swap->old_sink = gst_object_ref (old_sink);
  swap->new_sink = gst_object_ref (sink);
  payloader_pad = gst_element_get_static_pad (self->send_last, "src");
  gst_pad_add_probe (payloader_pad, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, swap_sink, swap,
                     sink_swap_free);
}

/*
 * _sipnat_media_move_transport_nice:
 *
 * Like _sipnat_media_set_transport_nice(), on a bin that has a transport
 * already (and may be playing): the old transport's elements leave the
 * bin.
 */
gboolean
_sipnat_media_move_transport_nice (GstElement *media,
                                   NiceAgent  *agent,
                                   guint       stream_id,
                                   guint       component_id)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);
  GstElement *src;
  GstElement *sink;

  if (!_sipnat_media_make_nice_transport (self, agent, stream_id, component_id, &src, &sink))
    return FALSE;

  if (self->socket != NULL)
    _sipnat_rtp_socket_set_sink (self->socket, NULL);
  g_clear_object (&self->socket);
  replace_transport (self, src, sink);
  return TRUE;
}

/*
 * _sipnat_media_move_transport_socket:
 *
 * Like _sipnat_media_set_transport_socket(), on a bin that has a
 * transport already.
 */
gboolean
_sipnat_media_move_transport_socket (GstElement      *media,
                                     SipnatRtpSocket *socket)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);
  GstElement *src;
  GstElement *sink;

  if (!_sipnat_media_make_socket_transport (self, socket, &src, &sink))
    return FALSE;

  if (self->socket != NULL)
    _sipnat_rtp_socket_set_sink (self->socket, NULL);
  g_set_object (&self->socket, socket);
  _sipnat_rtp_socket_set_sink (socket, sink);
  replace_transport (self, src, sink);
  return TRUE;
}

