/* test-media.c: the media bin of a call, over ICE and over a plain UDP
 * socket with symmetric RTP latching (its STUN discovery: test-rtp-socket.c;
 * bad input: test-media-input.c)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <dlfcn.h>
#include <gio/gio.h>
#include <gst/gst.h>
#include <nice/agent.h>
#include <string.h>

#include "sipnat-media-private.h"
#include "sipnat-rtp-socket-private.h"
#include "sipnat-test-media.h"
#include "sipnat-test-utils.h"

#define MIN_PACKETS 50

static GThread *main_thread;

/* ------------------------------------------------------------ helpers */

static guint32
read_be32 (const guint8 *p)
{
  return ((guint32) p[0] << 24) | ((guint32) p[1] << 16) | ((guint32) p[2] << 8) | p[3];
}

/* Checks every packet that goes into the transport: its size and its
 * duration (RTP timestamp step from the previous one). */
static GstPadProbeReturn
on_sent (GstPad          *pad,
         GstPadProbeInfo *info,
         gpointer         data)
{
  SipnatTestSide *side = data;
  GstMapInfo map;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_EOS)
        g_atomic_int_set (&side->eos_sent, 1);
      return GST_PAD_PROBE_OK;
    }

  if (!gst_buffer_map (GST_PAD_PROBE_INFO_BUFFER (info), &map, GST_MAP_READ))
    return GST_PAD_PROBE_OK;
  if (map.size >= 12)
    {
      guint32 timestamp = read_be32 (map.data + 4);

      if (side->packets > 0 && timestamp - side->last_timestamp == side->expected_step)
        side->right_step++;
      if (side->expected_size != 0 && map.size != side->expected_size)
        side->wrong_size++;
      side->last_timestamp = timestamp;
      side->packets++;

    }
  gst_buffer_unmap (GST_PAD_PROBE_INFO_BUFFER (info), &map);

  return GST_PAD_PROBE_OK;
}

static void
side_watch_sent (SipnatTestSide  *side,
                 guint  expected_size,
                 guint  expected_step)
{
  g_autoptr(GstElement) sink = gst_bin_get_by_name (GST_BIN (side->media), "rtp-sink");
  g_autoptr(GstPad) pad = NULL;

  g_assert_nonnull (sink);
  side->expected_size = expected_size;
  side->expected_step = expected_step;
  pad = gst_element_get_static_pad (sink, "sink");
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM,
                     on_sent, side, NULL);
}

typedef struct {
  SipnatTestSide *a;
  SipnatTestSide *b;
  guint64 a_sent;       /* what could arrive: sent in all, less what */
  guint64 b_sent;       /* went elsewhere before a latch */
} Pair;

static gboolean
both_received_audio (gpointer data)
{
  Pair *p = data;
  SipnatMediaStats a = sipnat_test_side_stats (p->a);
  SipnatMediaStats b = sipnat_test_side_stats (p->b);

  sipnat_test_side_check_bus (p->a);
  sipnat_test_side_check_bus (p->b);

  return a.rtp_packets_received >= MIN_PACKETS && b.rtp_packets_received >= MIN_PACKETS &&
         g_atomic_int_get (&p->a->decoded) > 0 && g_atomic_int_get (&p->b->decoded) > 0;
}

static gboolean
both_stopped_sending (gpointer data)
{
  Pair *p = data;

  return g_atomic_int_get (&p->a->eos_sent) && g_atomic_int_get (&p->b->eos_sent);
}

/* Each side received at least 90 % of what the other sent in all. */
static gboolean
both_received_most (gpointer data)
{
  Pair *p = data;

  return sipnat_test_side_stats (p->b).rtp_packets_received * 10 >= p->a_sent * 9 &&
         sipnat_test_side_stats (p->a).rtp_packets_received * 10 >= p->b_sent * 9;
}

/* Iterates until @done or the deadline; the caller asserts what it
 * expected, with the numbers. */
static void
wait_or_deadline (SipnatTestPredicate done,
                  gpointer            data,
                  guint               timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) sipnat_test_deadline_ms (timeout_ms) * 1000;

  while (!done (data) && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (10 * 1000);
    }
}

/* Audio flows both ways; then both sources stop and what each side sent
 * is compared with what the other received. */
static void
check_audio_both_ways (SipnatTestSide    *a,
                       SipnatTestSide    *b,
                       guint    expected_size,
                       guint    expected_step,
                       guint64 *a_sent_unheard,
                       guint64 *b_sent_unheard)
{
  Pair p = { a, b, 0, 0 };
  SipnatMediaStats sa, sb;

  sipnat_test_wait_until (both_received_audio, &p, 20000);

  gst_element_send_event (a->source, gst_event_new_eos ());
  gst_element_send_event (b->source, gst_event_new_eos ());
  sipnat_test_wait_until (both_stopped_sending, &p, 5000);
  sa = sipnat_test_side_stats (a);
  sb = sipnat_test_side_stats (b);
  g_assert_cmpuint (sa.rtp_packets_sent, >=, *a_sent_unheard);
  g_assert_cmpuint (sb.rtp_packets_sent, >=, *b_sent_unheard);
  p.a_sent = sa.rtp_packets_sent - *a_sent_unheard;
  p.b_sent = sb.rtp_packets_sent - *b_sent_unheard;
  g_test_message ("a sent %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " before b could "
                  "take them), b sent %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT ")",
                  sa.rtp_packets_sent, *a_sent_unheard,
                  sb.rtp_packets_sent, *b_sent_unheard);
  wait_or_deadline (both_received_most, &p, 5000);

  sa = sipnat_test_side_stats (a);
  sb = sipnat_test_side_stats (b);
  g_test_message ("a received %" G_GUINT64_FORMAT ", b received %" G_GUINT64_FORMAT,
                  sa.rtp_packets_received, sb.rtp_packets_received);
  g_assert_cmpuint (sb.rtp_packets_received * 10, >=, p.a_sent * 9);
  g_assert_cmpuint (sa.rtp_packets_received * 10, >=, p.b_sent * 9);
  g_assert_cmpuint (sa.rtp_packets_received, <=, sb.rtp_packets_sent);
  g_assert_cmpuint (sb.rtp_packets_received, <=, sa.rtp_packets_sent);
  g_assert_cmpint (sa.first_rtp_received_time, >, 0);
  g_assert_cmpint (sb.first_rtp_received_time, >, 0);
  g_assert_cmpuint (sa.rtp_bytes_sent, >=, sa.rtp_packets_sent * 13);
  g_assert_cmpuint (sa.rtp_bytes_received, >=, sa.rtp_packets_received * 13);

  /* 20 ms a packet: the RTP timestamp moves by 20 ms of samples from
   * one packet to the next (all but a few around start and EOS), and a
   * PCMU packet carries 160 bytes (the last one may be shorter, with
   * what was left at EOS). */
  for (SipnatTestSide *s = a; s != NULL; s = (s == a ? b : NULL))
    {
      g_test_message ("%u packets, %u of 20 ms, %u of another size",
                      s->packets, s->right_step, s->wrong_size);
      g_assert_cmpuint (s->packets, >=, MIN_PACKETS);
      g_assert_cmpuint (s->right_step * 10, >=, (s->packets - 1) * 9);
      g_assert_cmpuint (s->wrong_size, <=, 1);
    }
}

/* ------------------------------------------------------------ over ICE */

/* Sofia-SIP exports a stun_message_length() of its own; libnice calls
 * its one through the PLT, so libnice must come first in the lookup
 * order or its connectivity checks are built empty (ICE never
 * connects). libsipnat links libnice before Sofia for that. */
static void
test_stun_symbol_order (void)
{
  void *symbol = dlsym (RTLD_DEFAULT, "stun_message_length");
  Dl_info info = { 0, };

  g_assert_nonnull (symbol);
  g_assert_true (dladdr (symbol, &info) != 0);
  g_test_message ("stun_message_length from %s", info.dli_fname);
  g_assert_nonnull (strstr (info.dli_fname, "libnice"));
}

typedef struct {
  NiceAgent *agent;
  guint stream;
  gboolean gathered;
  gint state;                     /* atomic: NiceComponentState */
  gint states_elsewhere;          /* atomic: emitted outside the main thread */
  gint pairs_elsewhere;           /* atomic: the same for new-selected-pair-full */
} Peer;

static void
on_gathering_done (NiceAgent *agent,
                   guint      stream,
                   gpointer   data)
{
  ((Peer *) data)->gathered = TRUE;
}

static void
on_component_state (NiceAgent *agent,
                    guint      stream,
                    guint      component,
                    guint      state,
                    gpointer   data)
{
  Peer *peer = data;

  /* libnice emits this where it read the check's answer: in nicesrc's
   * streaming thread once the media reads the component. */
  if (g_thread_self () != main_thread)
    g_atomic_int_inc (&peer->states_elsewhere);
  g_atomic_int_set (&peer->state, state);
}

static void
on_selected_pair (NiceAgent     *agent,
                  guint          stream,
                  guint          component,
                  NiceCandidate *local,
                  NiceCandidate *remote,
                  gpointer       data)
{
  Peer *peer = data;

  if (g_thread_self () != main_thread)
    g_atomic_int_inc (&peer->pairs_elsewhere);
}

static void
peer_init (Peer     *peer,
           gboolean  controlling)
{
  NiceAddress loopback;

  peer->agent = nice_agent_new (NULL, NICE_COMPATIBILITY_RFC5245);
  g_object_set (peer->agent, "controlling-mode", controlling, "upnp", FALSE,
                "ice-tcp", FALSE, NULL);
  nice_address_init (&loopback);
  g_assert_true (nice_address_set_from_string (&loopback, "127.0.0.1"));
  g_assert_true (nice_agent_add_local_address (peer->agent, &loopback));
  peer->stream = nice_agent_add_stream (peer->agent, 1);
  g_assert_cmpuint (peer->stream, >, 0);
  g_signal_connect (peer->agent, "candidate-gathering-done",
                    G_CALLBACK (on_gathering_done), peer);
  g_signal_connect (peer->agent, "component-state-changed",
                    G_CALLBACK (on_component_state), peer);
  g_signal_connect (peer->agent, "new-selected-pair-full",
                    G_CALLBACK (on_selected_pair), peer);
  g_assert_true (nice_agent_gather_candidates (peer->agent, peer->stream));
}

static void
peer_give_to (Peer *from,
              Peer *to)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;
  GSList *candidates;

  g_assert_true (nice_agent_get_local_credentials (from->agent, from->stream, &ufrag, &pwd));
  g_assert_true (nice_agent_set_remote_credentials (to->agent, to->stream, ufrag, pwd));
  candidates = nice_agent_get_local_candidates (from->agent, from->stream, 1);
  g_assert_nonnull (candidates);
  g_assert_cmpint (nice_agent_set_remote_candidates (to->agent, to->stream, 1, candidates),
                   >, 0);
  g_slist_free_full (candidates, (GDestroyNotify) nice_candidate_free);
}

static gboolean
peers_gathered (gpointer data)
{
  Peer *peers = data;

  return peers[0].gathered && peers[1].gathered;
}

static gboolean
peers_ready (gpointer data)
{
  Peer *peers = data;

  return g_atomic_int_get (&peers[0].state) == NICE_COMPONENT_STATE_READY &&
         g_atomic_int_get (&peers[1].state) == NICE_COMPONENT_STATE_READY;
}

static void
test_ice (const char *encoding,
          guint       payload_type,
          guint       clock_rate,
          guint       channels,
          guint       expected_size,
          guint       expected_step)
{
  Peer peers[2] = { { 0, }, };
  SipnatTestSide sides[2] = { { 0, }, };
  guint64 unheard[2];
  gint64 exchanged;
  gint64 codec_set;
  SipnatTestElements codec = g_str_equal (encoding, "PCMU") ? SIPNAT_TEST_ELEMENTS_PCMU
                                                             : SIPNAT_TEST_ELEMENTS_OPUS;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_NICE | codec))
    return;

  peer_init (&peers[0], TRUE);
  peer_init (&peers[1], FALSE);
  sipnat_test_wait_until (peers_gathered, peers, 5000);

  /* Transport first, and playing before the checks start: nicesrc
   * answers the checks only in PLAYING. The codec comes after ICE, into
   * playing pipelines, as it does when the answer arrives. */
  for (guint i = 0; i < 2; i++)
    {
      sipnat_test_side_init (&sides[i]);
      g_assert_true (_sipnat_media_set_transport_nice (sides[i].media, peers[i].agent,
                                                      peers[i].stream, 1));
      side_watch_sent (&sides[i], expected_size, expected_step);
      sipnat_test_side_play (&sides[i]);
    }
  exchanged = g_get_monotonic_time ();
  peer_give_to (&peers[0], &peers[1]);
  peer_give_to (&peers[1], &peers[0]);
  sipnat_test_wait_until (peers_ready, peers, 10000);
  g_test_message ("ICE ready %" G_GINT64_FORMAT " us after the exchange",
                  g_get_monotonic_time () - exchanged);
  g_test_message ("component states emitted outside the main thread: %d and %d, "
                  "selected pairs: %d and %d",
                  g_atomic_int_get (&peers[0].states_elsewhere),
                  g_atomic_int_get (&peers[1].states_elsewhere),
                  g_atomic_int_get (&peers[0].pairs_elsewhere),
                  g_atomic_int_get (&peers[1].pairs_elsewhere));

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (_sipnat_media_set_codec (sides[i].media, encoding, payload_type,
                                              clock_rate, channels, &error));
      g_assert_no_error (error);
    }

  codec_set = g_get_monotonic_time ();
  /* What each sent before the other had its codec too: dropped there. */
  unheard[0] = sipnat_test_side_stats (&sides[0]).rtp_packets_sent;
  unheard[1] = sipnat_test_side_stats (&sides[1]).rtp_packets_sent;
  check_audio_both_ways (&sides[0], &sides[1], expected_size, expected_step,
                         &unheard[0], &unheard[1]);
  g_test_message ("first RTP received %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                  " us after the codecs were set",
                  sipnat_test_side_stats (&sides[0]).first_rtp_received_time - codec_set,
                  sipnat_test_side_stats (&sides[1]).first_rtp_received_time - codec_set);

  for (guint i = 0; i < 2; i++)
    {
      sipnat_test_side_clear (&sides[i]);
      g_clear_object (&peers[i].agent);
    }
}

static void
test_ice_pcmu (void)
{
  test_ice ("PCMU", 0, 8000, 1, 12 + 160, 160);
}

static void
test_ice_opus (void)
{
  test_ice ("opus", 111, 48000, 2, 0, 960);
}

static void
count_datagram (NiceAgent *agent,
                guint      stream,
                guint      component,
                guint      len,
                gchar     *buf,
                gpointer   data)
{
  g_atomic_int_inc ((gint *) data);
}

typedef struct {
  SipnatTestSide *side;
  guint64 packets;
} StatsWait;

static gboolean
side_received_packets (gpointer data)
{
  StatsWait *w = data;

  return sipnat_test_side_stats (w->side).rtp_packets_received >= w->packets;
}

static gboolean
int_is_positive (gpointer data)
{
  return g_atomic_int_get ((gint *) data) > 0;
}

/* When nicesrc takes the component over from a receiver attached by the
 * caller: not while the bin is in NULL (the caller's receiver keeps
 * getting the data, and ICE can connect), at READY -> PAUSED (from then
 * on the caller's receiver gets nothing), and it reads only in PLAYING
 * (what arrived meanwhile waits in the socket). */
static void
test_ice_attach_timing (void)
{
  Peer peers[2] = { { 0, }, };
  SipnatTestSide side = { 0, };
  g_autoptr(GError) error = NULL;
  gint own_receiver = 0;
  gint peer_receiver = 0;
  guint8 buf[12 + 160];
  StatsWait wait = { &side, 3 };

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_NICE
                                  | SIPNAT_TEST_ELEMENTS_PCMU))
    return;

  peer_init (&peers[0], TRUE);
  peer_init (&peers[1], FALSE);
  sipnat_test_wait_until (peers_gathered, peers, 5000);
  nice_agent_attach_recv (peers[0].agent, peers[0].stream, 1, NULL, count_datagram,
                          &own_receiver);
  nice_agent_attach_recv (peers[1].agent, peers[1].stream, 1, NULL, count_datagram,
                          &peer_receiver);

  sipnat_test_side_init (&side);
  g_assert_true (_sipnat_media_set_transport_nice (side.media, peers[0].agent,
                                                  peers[0].stream, 1));
  g_assert_true (_sipnat_media_set_codec (side.media, "PCMU", 0, 8000, 1, &error));
  g_assert_no_error (error);

  peer_give_to (&peers[0], &peers[1]);
  peer_give_to (&peers[1], &peers[0]);
  sipnat_test_wait_until (peers_ready, peers, 10000);
  g_assert_cmpint (nice_agent_send (peers[1].agent, peers[1].stream, 1,
                                    sipnat_test_make_rtp (buf, 0, 1), (const char *) buf), >, 0);
  sipnat_test_wait_until (int_is_positive, &own_receiver, 5000);

  g_assert_cmpint (gst_element_set_state (side.pipeline, GST_STATE_PAUSED), ==,
                   GST_STATE_CHANGE_NO_PREROLL);
  for (guint16 seq = 2; seq <= 4; seq++)
    g_assert_cmpint (nice_agent_send (peers[1].agent, peers[1].stream, 1,
                                      sipnat_test_make_rtp (buf, 0, seq),
                                      (const char *) buf), >, 0);
  /* Nothing later can show that the old receiver is left alone: give
   * the datagrams time to be read by it, if they were going to be. */
  sipnat_test_run_for (300);
  g_assert_cmpint (g_atomic_int_get (&own_receiver), ==, 1);
  g_assert_cmpuint (sipnat_test_side_stats (&side).rtp_packets_received, ==, 0);

  sipnat_test_side_play (&side);
  sipnat_test_wait_until (side_received_packets, &wait, 5000);
  g_assert_cmpint (g_atomic_int_get (&own_receiver), ==, 1);

  sipnat_test_side_clear (&side);
  for (guint i = 0; i < 2; i++)
    g_clear_object (&peers[i].agent);
}

/* ---------------------------------------------------- without ICE */

typedef struct {
  GPtrArray *latches;
  SipnatTestSide *side;
  guint64 sent_before;    /* by the side, when "latched" came */
} Latches;

static void
on_latched (SipnatRtpSocket *socket,
            const char      *address,
            guint            port,
            gpointer         data)
{
  Latches *l = data;

  g_ptr_array_add (l->latches, g_strdup_printf ("%s:%u", address, port));
  /* A little more than went to the wrong address (the signal comes
   * after the latch), never less. */
  l->sent_before = sipnat_test_side_stats (l->side).rtp_packets_sent;
}

/* B is given a wrong address (the discard port); it sends there until
 * A's first packet, then to A's real source. */
static void
test_latching (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket_a = NULL;
  g_autoptr(SipnatRtpSocket) socket_b = NULL;
  g_autoptr(GPtrArray) latches = g_ptr_array_new_with_free_func (g_free);
  Latches l = { latches, NULL, 0 };
  guint64 a_unheard = 0;    /* B plays with its codec before A sends */
  g_autofree char *latched = NULL;
  g_autofree char *expected = NULL;
  SipnatTestSide a = { 0, };
  SipnatTestSide b = { 0, };
  guint port = 0;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_BASE | SIPNAT_TEST_ELEMENTS_UDP
                                  | SIPNAT_TEST_ELEMENTS_PCMU))
    return;

  socket_a = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  socket_b = _sipnat_rtp_socket_new ("127.0.0.1", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (_sipnat_rtp_socket_get_port (socket_a), >, 0);
  g_assert_cmpuint (_sipnat_rtp_socket_get_port (socket_a), !=,
                    _sipnat_rtp_socket_get_port (socket_b));
  _sipnat_rtp_socket_set_remote (socket_a, "127.0.0.1", _sipnat_rtp_socket_get_port (socket_b));
  _sipnat_rtp_socket_set_remote (socket_b, "127.0.0.1", 9);
  g_assert_null (_sipnat_rtp_socket_dup_latched (socket_b, NULL));
  g_signal_connect (socket_b, "latched", G_CALLBACK (on_latched), &l);

  /* A: everything before it plays. */
  sipnat_test_side_init (&a);
  g_assert_true (_sipnat_media_set_transport_socket (a.media, socket_a));
  g_assert_true (_sipnat_media_set_codec (a.media, "PCMU", 0, 8000, 1, &error));
  g_assert_no_error (error);
  side_watch_sent (&a, 12 + 160, 160);

  /* B: plays first, then the codec, then the transport. */
  sipnat_test_side_init (&b);
  l.side = &b;
  sipnat_test_side_play (&b);
  g_assert_true (_sipnat_media_set_codec (b.media, "pcmu", 0, 8000, 1, &error));
  g_assert_no_error (error);
  g_assert_true (_sipnat_media_set_transport_socket (b.media, socket_b));
  side_watch_sent (&b, 12 + 160, 160);
  sipnat_test_side_play (&a);

  /* B's packets before the latch went to the discard port. */
  check_audio_both_ways (&a, &b, 12 + 160, 160, &a_unheard, &l.sent_before);

  expected = g_strdup_printf ("127.0.0.1:%u", _sipnat_rtp_socket_get_port (socket_a));
  latched = _sipnat_rtp_socket_dup_latched (socket_b, &port);
  g_assert_cmpstr (latched, ==, "127.0.0.1");
  g_assert_cmpuint (port, ==, _sipnat_rtp_socket_get_port (socket_a));
  g_assert_cmpuint (latches->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (latches, 0), ==, expected);

  sipnat_test_side_clear (&a);
  sipnat_test_side_clear (&b);
}

/* The latching rule itself, on a sink outside any pipeline: the first
 * source at once, a new one after SIPNAT_RTP_SOCKET_RELATCH_PACKETS in
 * a row. */
static void
test_latching_rule (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatRtpSocket) socket = NULL;
  g_autoptr(GstElement) sink = NULL;
  g_autoptr(GSocketAddress) first = g_inet_socket_address_new_from_string ("192.0.2.1", 4000);
  g_autoptr(GSocketAddress) second = g_inet_socket_address_new_from_string ("192.0.2.2", 5000);
  g_autofree char *clients = NULL;

  if (!sipnat_test_have_elements (SIPNAT_TEST_ELEMENTS_UDP))
    return;

  socket = _sipnat_rtp_socket_new (NULL, &error);
  g_assert_no_error (error);
  sink = gst_object_ref_sink (gst_element_factory_make ("multiudpsink", NULL));
  _sipnat_rtp_socket_set_remote (socket, "198.51.100.7", 7000);
  _sipnat_rtp_socket_set_sink (socket, sink);
  g_object_get (sink, "clients", &clients, NULL);
  g_assert_cmpstr (clients, ==, "198.51.100.7:7000");
  g_clear_pointer (&clients, g_free);

  _sipnat_rtp_socket_received_from (socket, first);
  g_object_get (sink, "clients", &clients, NULL);
  g_assert_cmpstr (clients, ==, "192.0.2.1:4000");
  g_clear_pointer (&clients, g_free);

  /* Interleaved with the latched source: never re-latched. */
  for (guint i = 0; i < 3 * SIPNAT_RTP_SOCKET_RELATCH_PACKETS; i++)
    _sipnat_rtp_socket_received_from (socket, i % 2 ? first : second);
  g_object_get (sink, "clients", &clients, NULL);
  g_assert_cmpstr (clients, ==, "192.0.2.1:4000");
  g_clear_pointer (&clients, g_free);

  for (guint i = 0; i < SIPNAT_RTP_SOCKET_RELATCH_PACKETS - 1; i++)
    _sipnat_rtp_socket_received_from (socket, second);
  g_object_get (sink, "clients", &clients, NULL);
  g_assert_cmpstr (clients, ==, "192.0.2.1:4000");
  g_clear_pointer (&clients, g_free);

  _sipnat_rtp_socket_received_from (socket, second);
  g_object_get (sink, "clients", &clients, NULL);
  g_assert_cmpstr (clients, ==, "192.0.2.2:5000");
  g_clear_pointer (&clients, g_free);

  /* A new SDP address drops the latch. */
  _sipnat_rtp_socket_set_remote (socket, "198.51.100.8", 8000);
  g_object_get (sink, "clients", &clients, NULL);
  g_assert_cmpstr (clients, ==, "198.51.100.8:8000");
  g_assert_null (_sipnat_rtp_socket_dup_latched (socket, NULL));

  _sipnat_rtp_socket_set_sink (socket, NULL);
  /* The queued "latched" emissions, not left for the next test. */
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

int
main (int   argc,
      char *argv[])
{
  main_thread = g_thread_self ();
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/media/ice/stun-symbol-order", test_stun_symbol_order);
  g_test_add_func ("/media/ice/attach-timing", test_ice_attach_timing);
  g_test_add_func ("/media/ice/pcmu", test_ice_pcmu);
  g_test_add_func ("/media/ice/opus", test_ice_opus);
  g_test_add_func ("/media/socket/latching", test_latching);
  g_test_add_func ("/media/socket/latching-rule", test_latching_rule);

  return g_test_run ();
}
