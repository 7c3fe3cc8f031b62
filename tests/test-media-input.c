/* test-media-input.c: the media bin of a call given bad input: codecs
 * refused, RTCP and garbage on its socket, hostile RTP; and the
 * application's audio joining the send chain (while its stream starts,
 * after two moves) (test-media.c: media over ICE and over a latching
 * socket)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

#include "sipnat-media-private.h"
#include "sipnat-rtp-socket-private.h"
#include "sipnat-test-media.h"
#include "sipnat-test-utils.h"

/* ----------------------------------------------------- bad input */

static void
test_codec_refused (void)
{
  static const struct {
    const char *encoding;
    guint payload_type, clock_rate, channels;
  } refused[] = {
    { "G729", 18, 8000, 1 },
    { NULL, 0, 8000, 1 },
    { "PCMU", 0, 16000, 1 },        /* wrong clock rate */
    { "PCMU", 0, 8000, 2 },
    { "PCMU", 8, 8000, 1 },         /* a static type of another codec */
    { "opus", 8, 48000, 2 },
    { "opus", 128, 48000, 2 },
    { "opus", 111, 48000, 6 },
  };

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_PCMU
                                  | SIPNAT_TEST_ELEMENTS_OPUS))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GstElement) media = gst_object_ref_sink (_sipnat_media_new ());
      g_autoptr(GError) error = NULL;

      g_assert_false (_sipnat_media_set_codec (media, refused[i].encoding,
                                               refused[i].payload_type,
                                               refused[i].clock_rate,
                                               refused[i].channels, &error));
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC);
      g_test_message ("%s", error->message);
    }
}

/* A refused codec leaves the bin as it was; the codec is chosen once. */
static void
test_codec_once (void)
{
  g_autoptr(GstElement) media = NULL;
  g_autoptr(GError) error = NULL;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_PCMU
                                  | SIPNAT_TEST_ELEMENTS_OPUS))
    return;

  media = gst_object_ref_sink (_sipnat_media_new ());
  g_assert_false (_sipnat_media_set_codec (media, "G729", 18, 8000, 1, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC);
  g_clear_error (&error);
  g_assert_cmpuint (GST_BIN (media)->numchildren, ==, 1);   /* the discard sink */

  g_assert_true (_sipnat_media_set_codec (media, "opus", 96, 48000, 2, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (GST_BIN (media)->numchildren, ==, 1 + 6 + 5);

  g_assert_false (_sipnat_media_set_codec (media, "PCMU", 0, 8000, 1, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
  g_assert_cmpuint (GST_BIN (media)->numchildren, ==, 1 + 6 + 5);
}

static void
on_first_rtp (GstElement *media,
              gpointer    data)
{
  (*(guint *) data)++;
}

typedef struct {
  SipnatTestSide *side;
  guint packets;
} ReceivedWait;

static gboolean
received_counted (gpointer data)
{
  ReceivedWait *w = data;

  sipnat_test_side_check_bus (w->side);

  return sipnat_test_side_stats (w->side).rtp_packets_received >= w->packets;
}

static gboolean
received_and_decoded (gpointer data)
{
  ReceivedWait *w = data;

  return received_counted (w) && g_atomic_int_get (&w->side->decoded) > 0;
}

static gboolean
uint_is_set (gpointer data)
{
  return *(guint *) data > 0;
}

/* A new RTP socket on 127.0.0.1 that sends to 127.0.0.1:@remote_port. */
static SipnatRtpSocket *
loopback_rtp_socket (guint remote_port)
{
  g_autoptr(GError) error = NULL;
  SipnatRtpSocket *rtp_socket = _sipnat_rtp_socket_new ("127.0.0.1", &error);

  g_assert_no_error (error);
  _sipnat_rtp_socket_set_remote (rtp_socket, "127.0.0.1", remote_port);
  return rtp_socket;
}

/* Gives @media its transport, @rtp_socket, and the codec given. */
static void
set_socket_and_codec (GstElement      *media,
                      SipnatRtpSocket *rtp_socket,
                      const char      *encoding,
                      guint            payload_type,
                      guint            clock_rate,
                      guint            channels)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (_sipnat_media_set_transport_socket (media, rtp_socket));
  g_assert_true (_sipnat_media_set_codec (media, encoding, payload_type, clock_rate,
                                          channels, &error));
  g_assert_no_error (error);
}

/* Plays @side with the codec given on a new socket on 127.0.0.1 whose
 * remote is @peer; *@address gets the socket's address, where to send it
 * RTP. */
static SipnatRtpSocket *
play_on_socket (SipnatTestSide  *side,
                GSocket         *peer,
                const char      *encoding,
                guint            payload_type,
                guint            clock_rate,
                guint            channels,
                GSocketAddress **address)
{
  g_autoptr(SipnatRtpSocket) rtp_socket = loopback_rtp_socket (sipnat_test_socket_port (peer));

  *address = g_inet_socket_address_new_from_string ("127.0.0.1",
                                                    _sipnat_rtp_socket_get_port (rtp_socket));
  sipnat_test_side_init (side);
  set_socket_and_codec (side->media, rtp_socket, encoding, payload_type, clock_rate, channels);
  sipnat_test_side_play (side);
  return g_steal_pointer (&rtp_socket);
}

/* RTCP (muxed, RFC 5761), other payload types and garbage are dropped
 * before the depayloader: not counted, not latched to, and the RTP
 * after them still plays. */
static void
test_rtcp_and_garbage_dropped (void)
{
  static const guint8 sender_report[28] = {
    0x80, 200, 0x00, 0x06, 0x12, 0x34, 0x56, 0x78,
  };
  static const guint8 receiver_report[8] = { 0x81, 201, 0x00, 0x01, 1, 2, 3, 4 };
  static const guint8 bye[8] = { 0x81, 203, 0x00, 0x01, 1, 2, 3, 4 };
  static const guint8 rtpfb[12] = { 0x81, 205, 0x00, 0x02 };
  static const guint8 tiny[1] = { 0x80 };
  static const guint8 short_header[11] = { 0x80, 0x00 };
  static const guint8 csrc_cut[16] = { 0x8f, 0x00 };      /* 15 CSRC announced */
  static const guint8 stun_like[20] = { 0x01, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42 };
  const struct { const guint8 *buf; gsize len; } junk[] = {
    { sender_report, sizeof sender_report }, { receiver_report, sizeof receiver_report },
    { bye, sizeof bye }, { rtpfb, sizeof rtpfb }, { tiny, sizeof tiny },
    { short_header, sizeof short_header }, { csrc_cut, sizeof csrc_cut },
    { stun_like, sizeof stun_like },
  };
  g_autoptr(SipnatRtpSocket) rtp_socket = NULL;
  g_autoptr(GSocket) peer = sipnat_test_loopback_socket ();
  g_autoptr(GSocket) stranger = sipnat_test_loopback_socket ();
  g_autoptr(GSocketAddress) media_address = NULL;
  g_autofree char *latched = NULL;
  guint8 buf[12 + 160];
  guint first_rtp = 0;
  guint port = 0;
  SipnatMediaStats stats;
  SipnatTestSide side = { 0, };
  ReceivedWait wait = { &side, 5 };

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_UDP
                                  | SIPNAT_TEST_ELEMENTS_PCMU))
    return;

  g_assert_true (_sipnat_media_is_rtcp (sender_report, sizeof sender_report));
  g_assert_true (_sipnat_media_is_rtcp (rtpfb, sizeof rtpfb));
  g_assert_false (_sipnat_media_is_rtcp (tiny, sizeof tiny));
  g_assert_false (_sipnat_media_is_rtcp (buf, sipnat_test_make_rtp (buf, 0, 1)));
  g_assert_false (_sipnat_media_is_rtcp (buf, sipnat_test_make_rtp (buf, 111, 1)));
  buf[1] |= 0x80;   /* marker bit on PT 0..63 is not RTCP either */
  g_assert_false (_sipnat_media_is_rtcp (buf, sizeof buf));

  rtp_socket = play_on_socket (&side, peer, "PCMU", 0, 8000, 1, &media_address);
  g_signal_connect (side.media, "first-rtp-received", G_CALLBACK (on_first_rtp), &first_rtp);

  /* The junk first, from a stranger, then wrong payload types, then
   * five RTP packets from the peer (fewer than a re-latch needs). */
  for (guint i = 0; i < G_N_ELEMENTS (junk); i++)
    sipnat_test_send_to (stranger, media_address, junk[i].buf, junk[i].len);
  sipnat_test_send_to (stranger, media_address, buf, sipnat_test_make_rtp (buf, 8, 1));
  sipnat_test_send_to (stranger, media_address, buf, sipnat_test_make_rtp (buf, 127, 2));
  for (guint16 seq = 10; seq < 15; seq++)
    sipnat_test_send_to (peer, media_address, buf, sipnat_test_make_rtp (buf, 0, seq));

  sipnat_test_wait_until (received_and_decoded, &wait, 10000);
  stats = sipnat_test_side_stats (&side);
  g_assert_cmpuint (stats.rtp_packets_received, ==, 5);
  g_assert_cmpuint (stats.rtp_bytes_received, ==, 5 * (12 + 160));
  g_assert_cmpint (stats.first_rtp_received_time, >, 0);
  g_assert_cmpint (stats.first_rtp_received_time, <=, g_get_monotonic_time ());

  latched = _sipnat_rtp_socket_dup_latched (rtp_socket, &port);
  g_assert_cmpstr (latched, ==, "127.0.0.1");
  g_assert_cmpuint (port, ==, sipnat_test_socket_port (peer));

  sipnat_test_wait_until (uint_is_set, &first_rtp, 5000);
  g_assert_cmpuint (first_rtp, ==, 1);

  sipnat_test_side_clear (&side);
}

/* RTP of the right payload type with anything in it (random header
 * bits, CSRC counts, padding, extensions, sequence numbers, timestamps
 * and Opus payloads): counted, never an error on the bus. */
static void
test_hostile_rtp (void)
{
  g_autoptr(SipnatRtpSocket) rtp_socket = NULL;
  g_autoptr(GSocket) peer = sipnat_test_loopback_socket ();
  g_autoptr(GSocketAddress) media_address = NULL;
  SipnatTestSide side = { 0, };
  ReceivedWait wait = { &side, 0 };
  guint expected = 0;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_UDP
                                  | SIPNAT_TEST_ELEMENTS_OPUS))
    return;

  rtp_socket = play_on_socket (&side, peer, "opus", 111, 48000, 2, &media_address);

  for (guint i = 0; i < 300; i++)
    {
      guint8 buf[400];
      gsize len = g_test_rand_int_range (12, sizeof buf);
      gsize header;

      for (gsize j = 0; j < len; j++)
        buf[j] = g_test_rand_int_range (0, 256);
      buf[0] = 0x80 | (buf[0] & 0x3f);                 /* version 2, the rest random */
      buf[1] = (buf[1] & 0x80) | 111;                  /* marker random */
      header = 12 + 4 * (buf[0] & 0x0f);
      if (len >= header)
        expected++;
      sipnat_test_send_to (peer, media_address, buf, len);

      /* In batches that the socket's receive buffer holds. */
      if (i % 25 == 24)
        {
          wait.packets = expected;
          sipnat_test_wait_until (received_counted, &wait, 10000);
        }
    }

  /* Nothing later shows that the decoder is done with them: let them
   * through the jitter buffer (60 ms) and the decoder. */
  sipnat_test_run_for (500);
  sipnat_test_side_check_bus (&side);
  g_assert_cmpuint (sipnat_test_side_stats (&side).rtp_packets_received, ==, expected);

  sipnat_test_side_clear (&side);
}

/* ------------------------------------- the application's audio joins */

/* A point where the application's streaming thread waits (2 s at most)
 * until the test opens it. */
typedef struct {
  GMutex lock;
  GCond cond;
  gboolean arrived;
  gboolean opened;
} Gate;

static void
gate_pass (Gate *gate)
{
  gint64 end = g_get_monotonic_time () + 2 * G_TIME_SPAN_SECOND;

  g_mutex_lock (&gate->lock);
  gate->arrived = TRUE;
  g_cond_broadcast (&gate->cond);
  while (!gate->opened && g_cond_wait_until (&gate->cond, &gate->lock, end))
    ;
  g_mutex_unlock (&gate->lock);
}

static void
gate_wait_arrived (Gate *gate)
{
  gint64 end = g_get_monotonic_time () + (gint64) sipnat_test_deadline_ms (5000) * 1000;

  g_mutex_lock (&gate->lock);
  while (!gate->arrived && g_cond_wait_until (&gate->cond, &gate->lock, end))
    ;
  g_assert_true (gate->arrived);
  g_mutex_unlock (&gate->lock);
}

static void
gate_open (Gate *gate)
{
  g_mutex_lock (&gate->lock);
  gate->opened = TRUE;
  g_cond_broadcast (&gate->cond);
  g_mutex_unlock (&gate->lock);
}

static void
gate_clear (Gate *gate)
{
  g_mutex_clear (&gate->lock);
  g_cond_clear (&gate->cond);
}

/* On the fakesink's pad, before it takes the stream-start. */
static GstPadProbeReturn
gate_stream_start (GstPad          *pad,
                   GstPadProbeInfo *info,
                   gpointer         data)
{
  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) != GST_EVENT_STREAM_START)
    return GST_PAD_PROBE_OK;

  gate_pass (data);
  return GST_PAD_PROBE_REMOVE;
}

/* On the sink ghost's internal pad, once the fakesink took it. */
static GstPadProbeReturn
gate_idle (GstPad          *pad,
           GstPadProbeInfo *info,
           gpointer         data)
{
  gate_pass (data);
  return GST_PAD_PROBE_REMOVE;
}

/* The application's streaming thread: a stream of 20 ms of silence at a
 * time, as audiotestsrc would start it. */
static gpointer
push_stream (gpointer data)
{
  GstPad *src = data;
  g_autoptr(GstCaps) caps = gst_caps_from_string ("audio/x-raw, format=S16LE, "
                                                  "layout=interleaved, rate=8000, channels=1");
  GstSegment segment;
  GstFlowReturn ret = GST_FLOW_OK;

  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (src, gst_event_new_stream_start ("test-media-input"));
  gst_pad_push_event (src, gst_event_new_caps (caps));
  gst_pad_push_event (src, gst_event_new_segment (&segment));
  for (guint i = 0; i < 10 && ret == GST_FLOW_OK; i++)
    {
      GstBuffer *buffer = gst_buffer_new_allocate (NULL, 320, NULL);

      gst_buffer_memset (buffer, 0, 0, 320);
      GST_BUFFER_PTS (buffer) = i * 20 * GST_MSECOND;
      GST_BUFFER_DURATION (buffer) = 20 * GST_MSECOND;
      ret = gst_pad_push (src, buffer);
    }

  return GINT_TO_POINTER (ret);
}

/* The codec and the transport become known while the application's
 * first sticky event is on its way: the fakesink has taken it, the call
 * that pushed it has not returned. The send chain still gets the
 * stream-start, caps and segment before the audio. (Joined from an idle
 * probe on the sink ghost pad, the bin relinked at once, and GStreamer
 * then counted the stream-start as received by the new link too: the
 * first buffer reached the converter without one, "data flow before
 * stream-start event".) */
static void
test_join_while_stream_starts (void)
{
  g_autoptr(SipnatRtpSocket) socket = NULL;
  g_autoptr(GstElement) media = NULL;
  g_autoptr(GstElement) discard = NULL;
  g_autoptr(GstElement) convert = NULL;
  g_autoptr(GstPad) discard_pad = NULL;
  g_autoptr(GstPad) convert_pad = NULL;
  g_autoptr(GstPad) media_pad = NULL;
  g_autoptr(GstPad) internal = NULL;
  g_autoptr(GstPad) src = gst_pad_new ("src", GST_PAD_SRC);
  g_autoptr(GstEvent) stream_start = NULL;
  Gate at_fakesink = { 0, };
  Gate taken = { 0, };
  GThread *thread;
  SipnatMediaStats stats;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_UDP
                                  | SIPNAT_TEST_ELEMENTS_PCMU))
    return;

  media = gst_object_ref_sink (_sipnat_media_new ());
  discard = gst_bin_get_by_name (GST_BIN (media), "discard");
  g_assert_nonnull (discard);
  discard_pad = gst_element_get_static_pad (discard, "sink");
  gst_pad_add_probe (discard_pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, gate_stream_start,
                     &at_fakesink, NULL);
  media_pad = gst_element_get_static_pad (media, "sink");
  internal = GST_PAD (gst_proxy_pad_get_internal (GST_PROXY_PAD (media_pad)));
  gst_pad_set_active (src, TRUE);
  g_assert_cmpint (gst_pad_link (src, media_pad), ==, GST_PAD_LINK_OK);
  g_assert_cmpint (gst_element_set_state (media, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);

  thread = g_thread_new ("push-stream", push_stream, src);
  gate_wait_arrived (&at_fakesink);
  /* The internal pad is in use: the probe runs when the push is over. */
  gst_pad_add_probe (internal, GST_PAD_PROBE_TYPE_IDLE, gate_idle, &taken, NULL);
  gate_open (&at_fakesink);
  gate_wait_arrived (&taken);

  socket = loopback_rtp_socket (9);
  set_socket_and_codec (media, socket, "PCMU", 0, 8000, 1);

  gate_open (&taken);
  g_assert_cmpint (GPOINTER_TO_INT (g_thread_join (thread)), ==, GST_FLOW_OK);

  convert = gst_bin_get_by_name (GST_BIN (media), "send-convert");
  g_assert_nonnull (convert);
  convert_pad = gst_element_get_static_pad (convert, "sink");
  stream_start = gst_pad_get_sticky_event (convert_pad, GST_EVENT_STREAM_START, 0);
  g_assert_nonnull (stream_start);
  _sipnat_media_get_stats (media, &stats);
  g_assert_cmpuint (stats.rtp_packets_sent, >, 0);

  gst_element_set_state (media, GST_STATE_NULL);
  gst_pad_unlink (src, media_pad);
  gate_clear (&at_fakesink);
  gate_clear (&taken);
}

/* Two moves before the application's audio flows (its pipeline not
 * playing yet): both sink swaps wait for the payloader's first data and
 * run in order; the audio leaves by the newest transport, no error. */
static void
test_join_after_two_moves (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) first = NULL;
  g_autoptr(SipnatRtpSocket) second = NULL;
  g_autoptr(SipnatRtpSocket) third = NULL;
  g_autoptr(GSocket) receiver = NULL;
  SipnatTestSide side = { 0, };
  guint8 packet[1500];
  gssize received;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_UDP
                                  | SIPNAT_TEST_ELEMENTS_PCMU))
    return;

  receiver = sipnat_test_loopback_socket ();
  g_socket_set_blocking (receiver, TRUE);
  g_socket_set_timeout (receiver, sipnat_test_deadline_ms (5000) / 1000);
  first = loopback_rtp_socket (9);
  second = loopback_rtp_socket (9);
  third = loopback_rtp_socket (sipnat_test_socket_port (receiver));

  sipnat_test_side_init (&side);
  set_socket_and_codec (side.media, first, "PCMU", 0, 8000, 1);
  g_assert_true (_sipnat_media_move_transport_socket (side.media, second));
  g_assert_true (_sipnat_media_move_transport_socket (side.media, third));
  sipnat_test_side_play (&side);

  received = g_socket_receive (receiver, (char *) packet, sizeof packet, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (received, ==, 12 + 160);
  sipnat_test_side_check_bus (&side);
  g_assert_cmpuint (sipnat_test_side_stats (&side).rtp_packets_sent, >, 0);

  sipnat_test_side_clear (&side);
}

/* The chains wait for the application's audio, which never comes: the
 * bin still goes when its last reference does. */
static void
test_join_never_fed (void)
{
  g_autoptr(SipnatRtpSocket) socket = NULL;
  GstElement *media;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_UDP
                                  | SIPNAT_TEST_ELEMENTS_PCMU))
    return;

  media = gst_object_ref_sink (_sipnat_media_new ());
  socket = loopback_rtp_socket (9);
  set_socket_and_codec (media, socket, "PCMU", 0, 8000, 1);

  g_object_add_weak_pointer (G_OBJECT (media), (gpointer *) &media);
  gst_object_unref (media);
  g_assert_null (media);
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/codec/refused", test_codec_refused);
  g_test_add_func ("/media/codec/once", test_codec_once);
  g_test_add_func ("/media/receive/rtcp-and-garbage", test_rtcp_and_garbage_dropped);
  g_test_add_func ("/media/receive/hostile-rtp", test_hostile_rtp);
  g_test_add_func ("/media/join/while-stream-starts", test_join_while_stream_starts);
  g_test_add_func ("/media/join/after-two-moves", test_join_after_two_moves);
  g_test_add_func ("/media/join/never-fed", test_join_never_fed);

  return g_test_run ();
}
