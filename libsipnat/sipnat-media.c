/* sipnat-media.c: the GStreamer media of a call
 *
 * A bin with two ghost pads, as an application sees it:
 *
 *   sink ─ audioconvert ! audioresample ! capsfilter ! encoder ! payloader ─┐
 *                                                     nicesink | multiudpsink ◄┘
 *   nicesrc | udpsrc ─ [probe] ─ capsfilter ! rtpjitterbuffer ! depayloader
 *                                ! decoder ! audioconvert ! audioresample ─ src
 *
 * The ghost pads exist from the start, so the application may link the
 * bin and play its pipeline before the call knows its transport and
 * codec: until both are known, "sink" feeds a fakesink and "src" has no
 * target (the application's sink waits). Elements added later are
 * brought to the bin's state at once.
 *
 * RTCP is muxed on the RTP port (RFC 5761) by the peer, but this bin
 * neither sends RTCP nor gives it to an rtpbin: the probe on the
 * transport's source pad drops every datagram that is not RTP of the
 * negotiated payload type (RTCP, STUN left-overs, other payload types),
 * so none reaches the depayloader or the counters. The same probe counts
 * what it lets through and, without ICE, latches the destination to the
 * packets' source (GstNetAddressMeta from udpsrc).
 *
 * Packets are 20 ms (min-ptime = max-ptime for PCMU, frame-size 20 for
 * Opus). The transport sinks run with sync=true and async=false: synced,
 * packets leave at the pace of their timestamps (plus the pipeline
 * latency) rather than in the bursts a live source with large buffers
 * makes (audiotestsrc's 1024 samples are 6 PCMU packets at once);
 * not async, because a sink added to a playing pipeline must not take it
 * back to PAUSED while it prerolls. A latency message is posted once the
 * chains are joined, so that the pipeline counts the jitter buffer.
 *
 * Threads: the probes run in the streaming threads; counters are behind
 * a mutex, the payload type is an atomic int, and "first-rtp-received"
 * is emitted on the context the bin was created on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>
#include <gst/net/gstnetaddressmeta.h>

#include "sipnat-error.h"
#include "sipnat-media-impl-private.h"

#define JITTER_LATENCY_MS 60
#define PACKET_TIME_NS    (20 * GST_MSECOND)


enum {
  SIGNAL_FIRST_RTP_RECEIVED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SipnatMediaBin, sipnat_media_bin, GST_TYPE_BIN)

typedef struct {
  const char *name;               /* in the SDP's a=rtpmap */
  const char *rtp_name;           /* encoding-name of the RTP caps */
  guint clock_rate;
  guint max_channels;
  gint static_payload_type;       /* -1: dynamic only */
  const char *raw_caps;           /* what the encoder is given */
  const char *encoder;
  const char *payloader;
  const char *depayloader;
  const char *decoder;
} Codec;

static const Codec codecs[] = {
  { "PCMU", "PCMU", 8000, 1, 0, "audio/x-raw, rate=(int)8000, channels=(int)1",
    "mulawenc", "rtppcmupay", "rtppcmudepay", "mulawdec" },
  { "opus", "OPUS", 48000, 2, -1, "audio/x-raw, rate=(int)48000, channels=(int)[1, 2]",
    "opusenc", "rtpopuspay", "rtpopusdepay", "opusdec" },
};

static void
sipnat_media_bin_dispose (GObject *object)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (object);

  if (self->socket != NULL)
    _sipnat_rtp_socket_set_sink (self->socket, NULL);
  g_clear_object (&self->socket);

  G_OBJECT_CLASS (sipnat_media_bin_parent_class)->dispose (object);
}

static void
sipnat_media_bin_finalize (GObject *object)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (sipnat_media_bin_parent_class)->finalize (object);
}

static void
sipnat_media_bin_class_init (SipnatMediaBinClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->dispose = sipnat_media_bin_dispose;
  object_class->finalize = sipnat_media_bin_finalize;

  gst_element_class_set_static_metadata (element_class,
                                         "libsipnat call media", "Filter/Network/RTP",
                                         "Audio of a SIP call: encodes and sends what comes "
                                         "to its sink pad, decodes what it receives to its "
                                         "source pad",
                                         "libsipnat");

  signals[SIGNAL_FIRST_RTP_RECEIVED] =
    g_signal_new ("first-rtp-received", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
sipnat_media_bin_init (SipnatMediaBin *self)
{
  g_mutex_init (&self->lock);
  self->recv_payload_type = -1;
  self->sending = 1;
  self->context = g_main_context_ref_thread_default ();
}

/* ------------------------------------------------------------- probes */

gboolean
_sipnat_media_is_rtcp (const guint8 *data,
                       gsize         size)
{
  return size >= 2 && data[1] >= 192 && data[1] <= 223;
}

/* RTP version 2 of @payload_type with a complete fixed header and CSRC
 * list, not RTCP. */
static gboolean
is_rtp_of (const guint8 *data,
           gsize         size,
           guint         payload_type)
{
  gsize header;

  if (size < 12 || (data[0] >> 6) != 2 || _sipnat_media_is_rtcp (data, size))
    return FALSE;
  header = 12 + 4 * (data[0] & 0x0f);

  return size >= header && (data[1] & 0x7f) == payload_type;
}

static gboolean
emit_first_rtp_received (gpointer data)
{
  g_signal_emit (data, signals[SIGNAL_FIRST_RTP_RECEIVED], 0);

  return G_SOURCE_REMOVE;
}

/* Counts one received packet; the first one is announced on the main
 * context. */
static void
count_received (SipnatMediaBin *self,
                gsize           size)
{
  gboolean first;

  g_mutex_lock (&self->lock);
  first = self->stats.rtp_packets_received == 0;
  self->stats.rtp_packets_received++;
  self->stats.rtp_bytes_received += size;
  if (first)
    self->stats.first_rtp_received_time = g_get_monotonic_time ();
  g_mutex_unlock (&self->lock);

  if (first)
    {
      g_autoptr(GSource) idle = g_idle_source_new ();

      g_source_set_callback (idle, emit_first_rtp_received, g_object_ref (self),
                             g_object_unref);
      g_source_set_static_name (idle, "[sipnat] first rtp");
      g_source_attach (idle, self->context);
    }
}

/* Whether @buffer goes on to the depayloader. */
static gboolean
accept_received (SipnatMediaBin *self,
                 GstBuffer      *buffer)
{
  gint payload_type = g_atomic_int_get (&self->recv_payload_type);
  GstMapInfo map;
  gboolean rtp;
  gsize size;

  if (payload_type < 0 || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  rtp = is_rtp_of (map.data, map.size, payload_type);
  size = map.size;
  gst_buffer_unmap (buffer, &map);
  if (!rtp)
    return FALSE;

  count_received (self, size);
  if (self->socket != NULL)
    {
      GstNetAddressMeta *meta = gst_buffer_get_net_address_meta (buffer);

      if (meta != NULL)
        _sipnat_rtp_socket_received_from (self->socket, meta->addr);
    }

  return TRUE;
}

static gboolean
filter_list_item (GstBuffer **buffer,
                  guint       idx,
                  gpointer    data)
{
  if (!accept_received (data, *buffer))
    gst_clear_buffer (buffer);

  return TRUE;
}

GstPadProbeReturn
_sipnat_media_on_transport_src_data (GstPad          *pad,
                                     GstPadProbeInfo *info,
                                     gpointer         data)
{
  SipnatMediaBin *self = data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    return accept_received (self, GST_PAD_PROBE_INFO_BUFFER (info)) ?
           GST_PAD_PROBE_OK : GST_PAD_PROBE_DROP;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = gst_buffer_list_make_writable (GST_PAD_PROBE_INFO_BUFFER_LIST (info));

      GST_PAD_PROBE_INFO_DATA (info) = list;
      gst_buffer_list_foreach (list, filter_list_item, self);
      if (gst_buffer_list_length (list) == 0)
        return GST_PAD_PROBE_DROP;
    }

  return GST_PAD_PROBE_OK;
}

static gboolean
count_sent_item (GstBuffer **buffer,
                 guint       idx,
                 gpointer    data)
{
  SipnatMediaBin *self = data;

  self->stats.rtp_packets_sent++;
  self->stats.rtp_bytes_sent += gst_buffer_get_size (*buffer);

  return TRUE;
}

GstPadProbeReturn
_sipnat_media_on_transport_sink_data (GstPad          *pad,
                                      GstPadProbeInfo *info,
                                      gpointer         data)
{
  SipnatMediaBin *self = data;

  if (!g_atomic_int_get (&self->sending))
    return GST_PAD_PROBE_DROP;   /* no path yet: libnice would drop them */

  g_mutex_lock (&self->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);

      count_sent_item (&buffer, 0, self);
    }
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), count_sent_item, self);
    }
  g_mutex_unlock (&self->lock);

  return GST_PAD_PROBE_OK;
}

/* --------------------------------------------------------- assembling */

void
_sipnat_media_post_missing (SipnatMediaBin *self,
                            const char     *factory)
{
  GST_ELEMENT_ERROR (self, CORE, MISSING_PLUGIN,
                     (_("The GStreamer element “%s” is missing"), factory), (NULL));
}

static GstElement *
make_element (const char  *factory,
              const char  *name,
              GError     **error)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                 _("The GStreamer element “%s” is missing"), factory);

  return element;
}

/* Stops @element and takes it out of the bin. */
void
_sipnat_media_drop_element (SipnatMediaBin *self,
                            GstElement     *element)
{
  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (self), element);
}

static void
remove_chain (SipnatMediaBin  *self,
              GstElement     **elements,
              guint            n)
{
  for (guint i = 0; i < n; i++)
    {
      _sipnat_media_drop_element (self, elements[i]);
      elements[i] = NULL;
    }
}

/* Adds the @n @elements (floating) to the bin and links them in a row.
 * On failure, nothing is left in the bin. */
static gboolean
add_chain (SipnatMediaBin  *self,
           GstElement     **elements,
           guint            n)
{
  for (guint i = 0; i < n; i++)
    gst_bin_add (GST_BIN (self), elements[i]);
  for (guint i = 0; i + 1 < n; i++)
    {
      if (!gst_element_link (elements[i], elements[i + 1]))
        {
          remove_chain (self, elements, n);
          return FALSE;
        }
    }

  return TRUE;
}

/* Brings @elements to the bin's state, the most downstream first. */
static void
sync_chain (GstElement **elements,
            guint        n)
{
  for (guint i = n; i > 0; i--)
    gst_element_sync_state_with_parent (elements[i - 1]);
}

gboolean
_sipnat_media_link_pads (GstElement *src,
                         const char *src_pad,
                         GstElement *sink,
                         const char *sink_pad)
{
  g_autoptr(GstPad) srcpad = gst_element_get_static_pad (src, src_pad);
  g_autoptr(GstPad) sinkpad = gst_element_get_static_pad (sink, sink_pad);

  return gst_pad_link (srcpad, sinkpad) == GST_PAD_LINK_OK;
}

/* A weak reference to @self, for pad probes: a probe that holds the bin
 * would keep it alive (the bin owns the pad) until data flows, if ever. */
static GWeakRef *
weak_ref_new (SipnatMediaBin *self)
{
  GWeakRef *ref = g_new (GWeakRef, 1);

  g_weak_ref_init (ref, self);
  return ref;
}

static void
weak_ref_free (gpointer data)
{
  g_weak_ref_clear (data);
  g_free (data);
}

/* The application's data comes to the sink ghost pad: the pad goes from
 * the fakesink to the send chain, in the streaming thread, before the
 * data moves on (a blocking probe on the ghost's internal pad). The
 * internal pad then sends the send chain the sticky events (stream-start,
 * caps, segment) ahead of the data. An idle probe would not do: on a
 * (ghost) sink pad it runs at once, in the caller's thread, even while
 * the first sticky events are on their way to the fakesink, and an event
 * in flight then counts as received by the new link too ("data flow
 * before stream-start event"). */
static GstPadProbeReturn
join_send_chain (GstPad          *pad,
                 GstPadProbeInfo *info,
                 gpointer         data)
{
  g_autoptr(SipnatMediaBin) self = g_weak_ref_get (data);
  g_autoptr(GstPad) send_pad = NULL;

  if (self == NULL)
    return GST_PAD_PROBE_REMOVE;

  send_pad = gst_element_get_static_pad (self->send_first, "sink");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->sink_ghost), send_pad);
  if (self->discard != NULL)
    _sipnat_media_drop_element (self, g_steal_pointer (&self->discard));

  return GST_PAD_PROBE_REMOVE;
}

/* Once both the transport and the codec are known: the chains are
 * joined to the transport, the ghost pads to the chains, and received
 * RTP goes through. */
static void
activate (SipnatMediaBin *self)
{
  g_autoptr(GstPad) recv_pad = NULL;
  g_autoptr(GstPad) internal = NULL;

  if (self->active || self->transport_src == NULL || self->send_first == NULL)
    return;
  self->active = TRUE;

  if (!_sipnat_media_link_pads (self->send_last, "src", self->transport_sink, "sink") ||
      !_sipnat_media_link_pads (self->transport_src, "src", self->recv_first, "sink"))
    {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
                         (_("Cannot join the call's audio to its transport")), (NULL));
      return;
    }

  recv_pad = gst_element_get_static_pad (self->recv_last, "src");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->src_ghost), recv_pad);
  g_atomic_int_set (&self->recv_payload_type, (gint) self->payload_type);

  internal = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (self->sink_ghost)));
  gst_pad_add_probe (internal, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, join_send_chain,
                     weak_ref_new (self), weak_ref_free);

  gst_element_post_message (GST_ELEMENT (self), gst_message_new_latency (GST_OBJECT (self)));
}

/* The application's source keeps the format it chose: the bin converts
 * whatever comes. A RECONFIGURE from inside (the encoder joined while
 * playing) would make a live source such as audiotestsrc renegotiate and
 * restart its timeline (a gap of several hundred ms at the codec's
 * arrival), so it stops at the sink pad. */
static GstPadProbeReturn
drop_reconfigure (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_RECONFIGURE)
    return GST_PAD_PROBE_DROP;

  return GST_PAD_PROBE_OK;
}

GstElement *
_sipnat_media_new (void)
{
  SipnatMediaBin *self;
  g_autoptr(GstPad) discard_pad = NULL;

  if (!gst_is_initialized ())
    gst_init (NULL, NULL);

  self = g_object_new (SIPNAT_TYPE_MEDIA_BIN, NULL);

  self->discard = gst_element_factory_make ("fakesink", "discard");
  g_object_set (self->discard, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (GST_BIN (self), self->discard);
  discard_pad = gst_element_get_static_pad (self->discard, "sink");

  self->sink_ghost = gst_ghost_pad_new ("sink", discard_pad);
  self->src_ghost = gst_ghost_pad_new_no_target ("src", GST_PAD_SRC);
  gst_element_add_pad (GST_ELEMENT (self), self->sink_ghost);
  gst_element_add_pad (GST_ELEMENT (self), self->src_ghost);
  gst_pad_add_probe (self->sink_ghost, GST_PAD_PROBE_TYPE_EVENT_UPSTREAM,
                     drop_reconfigure, NULL, NULL);

  return GST_ELEMENT (self);
}

void
_sipnat_media_add_transport_probes (SipnatMediaBin *self,
                                    GstElement     *src,
                                    GstElement     *sink)
{
  g_autoptr(GstPad) src_pad = gst_element_get_static_pad (src, "src");
  g_autoptr(GstPad) sink_pad = gst_element_get_static_pad (sink, "sink");

  g_object_set (sink, "sync", TRUE, "async", FALSE, NULL);
  gst_pad_add_probe (src_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     _sipnat_media_on_transport_src_data, self, NULL);
  gst_pad_add_probe (sink_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                     _sipnat_media_on_transport_sink_data, self, NULL);
}

void
_sipnat_media_add_transport (SipnatMediaBin *self,
                             GstElement     *src,
                             GstElement     *sink)
{
  _sipnat_media_add_transport_probes (self, src, sink);
  self->transport_src = src;
  self->transport_sink = sink;

  gst_bin_add_many (GST_BIN (self), sink, src, NULL);
  gst_element_sync_state_with_parent (sink);
  gst_element_sync_state_with_parent (src);

  activate (self);
}

/* A pair of elements for a transport, or FALSE (and a missing-plugin
 * message) when GStreamer lacks one. */
static gboolean
make_pair (SipnatMediaBin  *self,
           const char      *src_factory,
           const char      *sink_factory,
           GstElement     **src,
           GstElement     **sink)
{
  *src = gst_element_factory_make (src_factory, NULL);
  *sink = gst_element_factory_make (sink_factory, NULL);
  if (*src != NULL && *sink != NULL)
    return TRUE;

  _sipnat_media_post_missing (self, *src == NULL ? src_factory : sink_factory);
  gst_clear_object (src);
  gst_clear_object (sink);
  return FALSE;
}

/* nicesrc and nicesink on an ICE stream's component. */
gboolean
_sipnat_media_make_nice_transport (SipnatMediaBin  *self,
                                   NiceAgent       *agent,
                                   guint            stream_id,
                                   guint            component_id,
                                   GstElement     **src,
                                   GstElement     **sink)
{
  if (!make_pair (self, "nicesrc", "nicesink", src, sink))
    return FALSE;

  g_object_set (*src, "agent", agent, "stream", stream_id, "component", component_id, NULL);
  g_object_set (*sink, "agent", agent, "stream", stream_id, "component", component_id, NULL);
  return TRUE;
}

/* udpsrc and multiudpsink on an RTP socket (which they never close). */
gboolean
_sipnat_media_make_socket_transport (SipnatMediaBin   *self,
                                     SipnatRtpSocket  *socket,
                                     GstElement      **src,
                                     GstElement      **sink)
{
  if (!make_pair (self, "udpsrc", "multiudpsink", src, sink))
    return FALSE;

  g_object_set (*src, "socket", _sipnat_rtp_socket_get_socket (socket),
                "close-socket", FALSE, NULL);
  g_object_set (*sink, "socket", _sipnat_rtp_socket_get_socket (socket),
                "close-socket", FALSE, NULL);
  return TRUE;
}

gboolean
_sipnat_media_set_transport_nice (GstElement *media,
                                  NiceAgent  *agent,
                                  guint       stream_id,
                                  guint       component_id)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);
  GstElement *src;
  GstElement *sink;

  g_return_val_if_fail (SIPNAT_IS_MEDIA_BIN (media), FALSE);
  g_return_val_if_fail (NICE_IS_AGENT (agent), FALSE);
  g_return_val_if_fail (self->transport_src == NULL, FALSE);

  if (!_sipnat_media_make_nice_transport (self, agent, stream_id, component_id, &src, &sink))
    return FALSE;

  gst_object_set_name (GST_OBJECT (src), "rtp-src");
  gst_object_set_name (GST_OBJECT (sink), "rtp-sink");
  _sipnat_media_add_transport (self, src, sink);

  return TRUE;
}

gboolean
_sipnat_media_set_transport_socket (GstElement      *media,
                                    SipnatRtpSocket *socket)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);
  GstElement *src;
  GstElement *sink;

  g_return_val_if_fail (SIPNAT_IS_MEDIA_BIN (media), FALSE);
  g_return_val_if_fail (SIPNAT_IS_RTP_SOCKET (socket), FALSE);
  g_return_val_if_fail (self->transport_src == NULL, FALSE);

  if (!_sipnat_media_make_socket_transport (self, socket, &src, &sink))
    return FALSE;

  gst_object_set_name (GST_OBJECT (src), "rtp-src");
  gst_object_set_name (GST_OBJECT (sink), "rtp-sink");
  self->socket = g_object_ref (socket);
  _sipnat_rtp_socket_set_sink (socket, sink);
  _sipnat_media_add_transport (self, src, sink);

  return TRUE;
}

static const Codec *
find_codec (const char  *encoding,
            guint        payload_type,
            guint        clock_rate,
            guint        channels,
            GError     **error)
{
  const Codec *codec = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (codecs); i++)
    {
      if (encoding != NULL && g_ascii_strcasecmp (encoding, codecs[i].name) == 0)
        codec = &codecs[i];
    }

  if (codec == NULL || clock_rate != codec->clock_rate || channels > codec->max_channels)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC,
                   _("Unsupported audio codec %s/%u/%u (supported: PCMU/8000, opus/48000/2)"),
                   encoding != NULL ? encoding : "(none)", clock_rate, channels);
      return NULL;
    }
  if ((gint) payload_type != codec->static_payload_type &&
      (payload_type < 96 || payload_type > 127))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC,
                   _("Payload type %u cannot carry %s"), payload_type, codec->name);
      return NULL;
    }

  return codec;
}

/* Every element of @codec exists (nothing is added to the bin before). */
static gboolean
check_factories (const Codec  *codec,
                 GError      **error)
{
  const char *factories[] = {
    "audioconvert", "audioresample", "capsfilter", "rtpjitterbuffer",
    codec->encoder, codec->payloader, codec->depayloader, codec->decoder,
  };

  for (guint i = 0; i < G_N_ELEMENTS (factories); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (factories[i]);

      if (factory == NULL)
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                       _("The GStreamer element “%s” is missing"), factories[i]);
          return FALSE;
        }
    }

  return TRUE;
}

static void
configure_payloader (GstElement  *payloader,
                     const Codec *codec,
                     guint        payload_type)
{
  g_object_set (payloader, "pt", payload_type, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (payloader), "min-ptime") != NULL)
    g_object_set (payloader, "min-ptime", (gint64) PACKET_TIME_NS,
                  "max-ptime", (gint64) PACKET_TIME_NS, NULL);
}

static gboolean
build_send_chain (SipnatMediaBin  *self,
                  const Codec     *codec,
                  guint            payload_type,
                  GError         **error)
{
  GstElement *e[5] = { NULL, };
  g_autoptr(GstCaps) caps = gst_caps_from_string (codec->raw_caps);

  if ((e[0] = make_element ("audioconvert", "send-convert", error)) == NULL ||
      (e[1] = make_element ("audioresample", "send-resample", error)) == NULL ||
      (e[2] = make_element ("capsfilter", "send-caps", error)) == NULL ||
      (e[3] = make_element (codec->encoder, "encoder", error)) == NULL ||
      (e[4] = make_element (codec->payloader, "payloader", error)) == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (e); i++)
        gst_clear_object (&e[i]);
      return FALSE;
    }

  g_object_set (e[2], "caps", caps, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (e[3]), "frame-size") != NULL)
    gst_util_set_object_arg (G_OBJECT (e[3]), "frame-size", "20");
  configure_payloader (e[4], codec, payload_type);

  if (!add_chain (self, e, 5))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                   _("Cannot link the %s encoder"), codec->name);
      return FALSE;
    }
  self->send_first = e[0];
  self->send_last = e[4];
  sync_chain (e, 5);

  return TRUE;
}

static gboolean
build_recv_chain (SipnatMediaBin  *self,
                  const Codec     *codec,
                  guint            payload_type,
                  GError         **error)
{
  GstElement *e[6] = { NULL, };
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) depay_pad = NULL;

  if ((e[0] = make_element ("capsfilter", "recv-caps", error)) == NULL ||
      (e[1] = make_element ("rtpjitterbuffer", "jitterbuffer", error)) == NULL ||
      (e[2] = make_element (codec->depayloader, "depayloader", error)) == NULL ||
      (e[3] = make_element (codec->decoder, "decoder", error)) == NULL ||
      (e[4] = make_element ("audioconvert", "recv-convert", error)) == NULL ||
      (e[5] = make_element ("audioresample", "recv-resample", error)) == NULL)
    {
      for (guint i = 0; i < G_N_ELEMENTS (e); i++)
        gst_clear_object (&e[i]);
      return FALSE;
    }

  caps = gst_caps_new_simple ("application/x-rtp",
                              "media", G_TYPE_STRING, "audio",
                              "payload", G_TYPE_INT, (gint) payload_type,
                              "clock-rate", G_TYPE_INT, (gint) codec->clock_rate,
                              "encoding-name", G_TYPE_STRING, codec->rtp_name,
                              NULL);
  depay_pad = gst_element_get_static_pad (e[2], "sink");
  if (!gst_pad_query_accept_caps (depay_pad, caps))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC,
                   _("Payload type %u cannot carry %s"), payload_type, codec->name);
      for (guint i = 0; i < G_N_ELEMENTS (e); i++)
        gst_clear_object (&e[i]);
      return FALSE;
    }

  g_object_set (e[0], "caps", caps, NULL);
  g_object_set (e[1], "latency", JITTER_LATENCY_MS, NULL);

  if (!add_chain (self, e, 6))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                   _("Cannot link the %s decoder"), codec->name);
      return FALSE;
    }
  memcpy (self->recv_chain, e, sizeof self->recv_chain);
  self->recv_first = e[0];
  self->recv_last = e[5];
  sync_chain (e, 6);

  return TRUE;
}

gboolean
_sipnat_media_set_codec (GstElement  *media,
                         const char  *encoding,
                         guint        payload_type,
                         guint        clock_rate,
                         guint        channels,
                         GError     **error)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);
  const Codec *codec;

  g_return_val_if_fail (SIPNAT_IS_MEDIA_BIN (media), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->send_first != NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                   _("The call's codec is already chosen"));
      return FALSE;
    }

  codec = find_codec (encoding, payload_type, clock_rate, channels, error);
  if (codec == NULL || !check_factories (codec, error))
    return FALSE;

  if (!build_recv_chain (self, codec, payload_type, error))
    return FALSE;
  if (!build_send_chain (self, codec, payload_type, error))
    {
      remove_chain (self, self->recv_chain, G_N_ELEMENTS (self->recv_chain));
      self->recv_first = self->recv_last = NULL;
      return FALSE;
    }
  self->payload_type = payload_type;

  activate (self);

  return TRUE;
}

void
_sipnat_media_get_stats (GstElement       *media,
                         SipnatMediaStats *stats)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);

  g_return_if_fail (SIPNAT_IS_MEDIA_BIN (media));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&self->lock);
  *stats = self->stats;
  g_mutex_unlock (&self->lock);
}

/*
 * _sipnat_media_set_sending:
 * @media: the bin
 * @sending: whether RTP goes out
 *
 * Until the transport has a path (ICE connected), the packets the encoder
 * makes are dropped before the transport and not counted as sent. A new
 * bin sends.
 */
void
_sipnat_media_set_sending (GstElement *media,
                           gboolean    sending)
{
  SipnatMediaBin *self = SIPNAT_MEDIA_BIN (media);

  g_atomic_int_set (&self->sending, !!sending);
}
