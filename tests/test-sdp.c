/* test-sdp.c: offers and answers written and read through GstSDPMessage
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <nice/agent.h>
#include <string.h>

#include "sipnat-sdp-private.h"

#define UFRAG "Xk2f"
#define PWD   "q3c+ZpR7/Jm2Lw9sTb4VnYe1"

typedef NiceAgent TestAgent;

/* libnice 0.1.21 has no autoptr for its agent. */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (TestAgent, g_object_unref)

/* ---- helpers ---------------------------------------------------------- */

static SipnatSdpDescription *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  SipnatSdpDescription *d = _sipnat_sdp_description_parse (text, strlen (text), &error);

  g_assert_no_error (error);
  g_assert_nonnull (d);
  return d;
}

static void
assert_codec (const SipnatSdpCodec *codec,
              const char           *encoding,
              guint                 pt,
              guint                 clock_rate,
              guint                 channels,
              const char           *fmtp)
{
  g_assert_cmpstr (codec->encoding, ==, encoding);
  g_assert_cmpuint (codec->payload_type, ==, pt);
  g_assert_cmpuint (codec->clock_rate, ==, clock_rate);
  g_assert_cmpuint (codec->channels, ==, channels);
  g_assert_cmpstr (codec->fmtp, ==, fmtp);
}

static void
assert_same_codecs (const GPtrArray *a,
                    const GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      const SipnatSdpCodec *c = b->pdata[i];

      assert_codec (a->pdata[i], c->encoding, c->payload_type, c->clock_rate, c->channels, c->fmtp);
    }
}

static void
assert_same_strings (const GPtrArray *a,
                     const GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    g_assert_cmpstr (a->pdata[i], ==, b->pdata[i]);
}

/* A NiceAgent with one stream named "audio": what the call code uses. */
static NiceAgent *
agent_new (guint *stream_id)
{
  NiceAgent *agent = nice_agent_new (NULL, NICE_COMPATIBILITY_RFC5245);

  *stream_id = nice_agent_add_stream (agent, 2);
  g_assert_cmpuint (*stream_id, >, 0);
  g_assert_true (nice_agent_set_stream_name (agent, *stream_id, "audio"));
  return agent;
}

/* Every candidate string is one that libnice itself accepts. */
static void
assert_nice_accepts (const GPtrArray *candidates)
{
  guint stream_id;
  g_autoptr(TestAgent) agent = agent_new (&stream_id);

  for (guint i = 0; i < candidates->len; i++)
    {
      NiceCandidate *c = nice_agent_parse_remote_candidate_sdp (agent, stream_id,
                                                                candidates->pdata[i]);

      g_test_message ("candidate: %s", (const char *) candidates->pdata[i]);
      g_assert_nonnull (c);
      nice_candidate_free (c);
    }
}

static char *
nice_candidate_line (NiceAgent              *agent,
                     guint                   stream_id,
                     NiceCandidateType       type,
                     NiceCandidateTransport  transport,
                     const char             *address,
                     guint                   port,
                     const char             *base)
{
  NiceCandidate *c = nice_candidate_new (type);
  char *line;

  c->stream_id = stream_id;
  c->component_id = 1;
  c->transport = transport;
  /* RFC 8445 §5.1.2.1 with local preference 65535 */
  c->priority = ((type == NICE_CANDIDATE_TYPE_HOST ? 126u : 100u) << 24) | (65535u << 8) | 255u;
  g_strlcpy (c->foundation, type == NICE_CANDIDATE_TYPE_HOST ? "1" : "2", NICE_CANDIDATE_MAX_FOUNDATION);
  g_assert_true (nice_address_set_from_string (&c->addr, address));
  nice_address_set_port (&c->addr, port);
  if (base != NULL)
    {
      g_assert_true (nice_address_set_from_string (&c->base_addr, base));
      nice_address_set_port (&c->base_addr, port);
    }
  line = nice_agent_generate_local_candidate_sdp (agent, c);
  nice_candidate_free (c);
  return line;
}

/* An offer as the call code builds it: address, port, our codecs, and
 * (when @ice) libnice's credentials and candidates. */
static SipnatSdpDescription *
local_offer (gboolean ice)
{
  SipnatSdpDescription *d = _sipnat_sdp_description_new ();
  guint stream_id;
  g_autoptr(TestAgent) agent = agent_new (&stream_id);

  d->address = g_strdup ("192.0.2.10");
  d->port = 40000;
  d->session_id = 4242;
  d->session_version = 7;
  d->rtcp_mux = TRUE;
  g_ptr_array_unref (d->codecs);
  d->codecs = _sipnat_sdp_default_codecs ();
  if (!ice)
    return d;

  d->ice_ufrag = g_strdup (UFRAG);
  d->ice_pwd = g_strdup (PWD);
  d->end_of_candidates = TRUE;
  g_ptr_array_add (d->candidates,
                   nice_candidate_line (agent, stream_id, NICE_CANDIDATE_TYPE_HOST,
                                        NICE_CANDIDATE_TRANSPORT_UDP, "192.168.50.10", 40000, NULL));
  g_ptr_array_add (d->candidates,
                   nice_candidate_line (agent, stream_id, NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE,
                                        NICE_CANDIDATE_TRANSPORT_UDP, "192.0.2.10", 40000,
                                        "192.168.50.10"));
  g_ptr_array_add (d->candidates,
                   nice_candidate_line (agent, stream_id, NICE_CANDIDATE_TYPE_RELAYED,
                                        NICE_CANDIDATE_TRANSPORT_TCP_PASSIVE, "2001:db8::7", 3478,
                                        NULL));
  return d;
}

/* ---- building --------------------------------------------------------- */

static void
test_sdp_default_codecs (void)
{
  g_autoptr(GPtrArray) codecs = _sipnat_sdp_default_codecs ();

  g_assert_cmpuint (codecs->len, ==, 3);
  assert_codec (codecs->pdata[0], "opus", 111, 48000, 2, "minptime=10;useinbandfec=1");
  assert_codec (codecs->pdata[1], "PCMU", 0, 8000, 1, NULL);
  assert_codec (codecs->pdata[2], "telephone-event", 101, 8000, 1, "0-15");
}

static const char offer_without_ice[] =
  "v=0\r\n"
  "o=alice 4242 7 IN IP4 192.0.2.10\r\n"
  "s=-\r\n"
  "c=IN IP4 192.0.2.10\r\n"
  "t=0 0\r\n"
  "m=audio 40000 RTP/AVP 111 0 101\r\n"
  "a=rtpmap:111 opus/48000/2\r\n"
  "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:101 telephone-event/8000\r\n"
  "a=fmtp:101 0-15\r\n"
  "a=ptime:20\r\n"
  "a=sendrecv\r\n"
  "a=rtcp-mux\r\n";

static void
test_sdp_build_without_ice (void)
{
  g_autoptr(SipnatSdpDescription) d = local_offer (FALSE);
  g_autofree char *text = _sipnat_sdp_description_to_string (d, "alice");
  g_autoptr(SipnatSdpDescription) back = NULL;

  g_assert_cmpstr (text, ==, offer_without_ice);

  back = parse_ok (text);
  g_assert_cmpstr (back->address, ==, "192.0.2.10");
  g_assert_cmpuint (back->port, ==, 40000);
  assert_same_codecs (back->codecs, d->codecs);
  g_assert_cmpuint (back->ptime, ==, 20);
  g_assert_cmpint (back->direction, ==, SIPNAT_SDP_SENDRECV);
  g_assert_true (back->rtcp_mux);
  g_assert_null (back->ice_ufrag);
  g_assert_null (back->ice_pwd);
  g_assert_cmpuint (back->candidates->len, ==, 0);
  g_assert_false (back->end_of_candidates);
  g_assert_cmpuint (back->session_id, ==, 4242);
  g_assert_cmpuint (back->session_version, ==, 7);
}

static void
test_sdp_build_with_ice (void)
{
  g_autoptr(SipnatSdpDescription) d = local_offer (TRUE);
  g_autofree char *text = _sipnat_sdp_description_to_string (d, "alice");
  g_autoptr(SipnatSdpDescription) back = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_message ("%s", text);
  g_assert_true (g_str_has_prefix (text, offer_without_ice));
  /* The candidate lines are libnice's own text, verbatim. */
  for (guint i = 0; i < d->candidates->len; i++)
    {
      g_autofree char *line = g_strconcat (d->candidates->pdata[i], "\r\n", NULL);

      g_assert_nonnull (strstr (text, line));
    }
  g_assert_nonnull (strstr (text, "\r\na=ice-ufrag:" UFRAG "\r\na=ice-pwd:" PWD "\r\n"));
  g_assert_nonnull (strstr (text, "typ srflx raddr 192.168.50.10 rport 40000\r\n"));
  g_assert_nonnull (strstr (text, " TCP "));
  g_assert_true (g_str_has_suffix (text, "\r\na=end-of-candidates\r\n"));
  /* Every line ends in CRLF, none is empty. */
  lines = g_strsplit (text, "\r\n", 0);
  for (guint i = 0; lines[i + 1] != NULL; i++)
    g_assert_true (*lines[i] != '\0' && strchr (lines[i], '\n') == NULL);

  back = parse_ok (text);
  assert_same_codecs (back->codecs, d->codecs);
  g_assert_cmpstr (back->ice_ufrag, ==, UFRAG);
  g_assert_cmpstr (back->ice_pwd, ==, PWD);
  assert_same_strings (back->candidates, d->candidates);
  g_assert_true (back->end_of_candidates);
  g_assert_true (back->rtcp_mux);
  g_assert_cmpuint (back->ptime, ==, 20);
  assert_nice_accepts (back->candidates);
}

static void
test_sdp_build_ipv6_direction (void)
{
  g_autoptr(SipnatSdpDescription) d = local_offer (FALSE);
  g_autofree char *text = NULL;
  g_autoptr(SipnatSdpDescription) back = NULL;
  static const SipnatSdpDirection directions[] = {
    SIPNAT_SDP_SENDONLY, SIPNAT_SDP_RECVONLY, SIPNAT_SDP_INACTIVE, SIPNAT_SDP_SENDRECV,
  };

  g_free (d->address);
  d->address = g_strdup ("2001:db8::10");
  text = _sipnat_sdp_description_to_string (d, "user with spaces");
  g_assert_true (g_str_has_prefix (text, "v=0\r\no=- 4242 7 IN IP6 2001:db8::10\r\n"
                                   "s=-\r\nc=IN IP6 2001:db8::10\r\n"));
  back = parse_ok (text);
  g_assert_cmpstr (back->address, ==, "2001:db8::10");

  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    {
      g_autofree char *t = NULL;
      g_autoptr(SipnatSdpDescription) b = NULL;

      d->direction = directions[i];
      t = _sipnat_sdp_description_to_string (d, NULL);
      b = parse_ok (t);
      g_assert_cmpint (b->direction, ==, directions[i]);
    }
}

/* A description that cannot be written is a programming error of the
 * caller: a critical and %NULL, never a broken text. */
static void
assert_not_writable (const SipnatSdpDescription *d)
{
  g_autofree char *text = NULL;

  g_test_expect_message ("Sipnat", G_LOG_LEVEL_CRITICAL, "*description_is_writable*");
  text = _sipnat_sdp_description_to_string (d, "alice");
  g_test_assert_expected_messages ();
  g_assert_null (text);
}

static void
test_sdp_build_refused (void)
{
  g_autoptr(SipnatSdpDescription) no_address = _sipnat_sdp_description_new ();
  g_autoptr(SipnatSdpDescription) bare_candidate = local_offer (TRUE);
  g_autoptr(SipnatSdpDescription) no_pwd = local_offer (TRUE);
  g_autoptr(SipnatSdpDescription) injected = local_offer (FALSE);

  assert_not_writable (no_address);

  /* libnice's form has the "a=" */
  g_ptr_array_add (bare_candidate->candidates,
                   g_strdup ("candidate:1 1 UDP 2130706431 192.0.2.10 40000 typ host"));
  assert_not_writable (bare_candidate);

  g_clear_pointer (&no_pwd->ice_pwd, g_free);
  assert_not_writable (no_pwd);

  g_ptr_array_add (injected->codecs, _sipnat_sdp_codec_new ("PCMA", 8, 8000, 1, "x\r\na=inactive"));
  assert_not_writable (injected);
}

/* ---- real-world descriptions ----------------------------------------- */

/* Modelled on baresip 1.0 with medianat=ice: ICE at media level, a=rtcp,
 * one host candidate per component and a server-reflexive one. */
static const char baresip_offer[] =
  "v=0\r\n"
  "o=- 3590262611 1716408424 IN IP4 192.168.50.10\r\n"
  "s=-\r\n"
  "c=IN IP4 203.0.113.1\r\n"
  "t=0 0\r\n"
  "m=audio 10942 RTP/AVP 96 0 8 9 101\r\n"
  "b=AS:80\r\n"
  "a=rtpmap:96 opus/48000/2\r\n"
  "a=fmtp:96 stereo=1;sprop-stereo=1\r\n"
  "a=rtpmap:0 PCMU/8000\r\n"
  "a=rtpmap:8 PCMA/8000\r\n"
  "a=rtpmap:101 telephone-event/8000\r\n"
  "a=fmtp:101 0-15\r\n"
  "a=rtcp:10943 IN IP4 203.0.113.1\r\n"
  "a=sendrecv\r\n"
  "a=label:1\r\n"
  "a=ssrc:3034713318 cname:a1c8b5d0-6b3f-4c5e-9a2b-7c0d1e2f3a4b\r\n"
  "a=rtcp-mux\r\n"
  "a=ice-ufrag:Ghsd\r\n"
  "a=ice-pwd:lDfQ3uLzXw9pd8aB2kIn0Y\r\n"
  "a=candidate:1 1 UDP 2113932031 192.168.50.10 10942 typ host\r\n"
  "a=candidate:1 2 UDP 2113932030 192.168.50.10 10943 typ host\r\n"
  "a=candidate:3 1 UDP 1677724415 203.0.113.1 10942 typ srflx raddr 192.168.50.10 rport 10942\r\n"
  "a=candidate:3 2 UDP 1677724414 203.0.113.1 10943 typ srflx raddr 192.168.50.10 rport 10943\r\n";

static void
test_sdp_parse_baresip (void)
{
  g_autoptr(SipnatSdpDescription) d = parse_ok (baresip_offer);

  g_assert_cmpstr (d->address, ==, "203.0.113.1");
  g_assert_cmpuint (d->port, ==, 10942);
  g_assert_cmpuint (d->session_id, ==, 3590262611u);
  g_assert_cmpuint (d->session_version, ==, 1716408424u);
  g_assert_cmpuint (d->codecs->len, ==, 5);
  assert_codec (d->codecs->pdata[0], "opus", 96, 48000, 2, "stereo=1;sprop-stereo=1");
  assert_codec (d->codecs->pdata[1], "PCMU", 0, 8000, 1, NULL);
  assert_codec (d->codecs->pdata[2], "PCMA", 8, 8000, 1, NULL);
  assert_codec (d->codecs->pdata[3], "G722", 9, 8000, 1, NULL);
  assert_codec (d->codecs->pdata[4], "telephone-event", 101, 8000, 1, "0-15");
  g_assert_cmpint (d->direction, ==, SIPNAT_SDP_SENDRECV);
  g_assert_true (d->rtcp_mux);
  g_assert_cmpuint (d->ptime, ==, 0);
  g_assert_cmpstr (d->ice_ufrag, ==, "Ghsd");
  g_assert_cmpstr (d->ice_pwd, ==, "lDfQ3uLzXw9pd8aB2kIn0Y");
  g_assert_false (d->ice_lite);
  g_assert_false (d->end_of_candidates);
  g_assert_cmpuint (d->candidates->len, ==, 4);
  g_assert_cmpstr (d->candidates->pdata[2], ==,
                   "a=candidate:3 1 UDP 1677724415 203.0.113.1 10942 typ srflx raddr 192.168.50.10 rport 10942");
  g_assert_cmpuint (d->audio_index, ==, 0);
  g_assert_cmpuint (d->other_media->len, ==, 0);
  assert_nice_accepts (d->candidates);
}

/* Modelled on liblinphone 5.1: ICE credentials at session level, a video
 * stream before the audio one, many codecs, three telephone-events. */
static const char linphone_offer[] =
  "v=0\r\n"
  "o=bob 3029 1283 IN IP4 192.168.60.20\r\n"
  "s=Talk\r\n"
  "c=IN IP4 203.0.113.2\r\n"
  "t=0 0\r\n"
  "a=ice-pwd:31ec21eb38b2ec6d36e8dc7b\r\n"
  "a=ice-ufrag:0d4b8a4f\r\n"
  "a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics\r\n"
  "a=record:off\r\n"
  "m=video 9078 RTP/AVP 96 97\r\n"
  "a=rtpmap:96 VP8/90000\r\n"
  "a=rtpmap:97 H264/90000\r\n"
  "a=fmtp:97 profile-level-id=42801F\r\n"
  "a=rtcp:9079\r\n"
  "m=audio 7078 RTP/AVP 96 97 98 0 8 9 101 99 100\r\n"
  "a=rtpmap:96 opus/48000/2\r\n"
  "a=fmtp:96 useinbandfec=1\r\n"
  "a=rtpmap:97 SILK/16000\r\n"
  "a=rtpmap:98 speex/16000\r\n"
  "a=fmtp:98 vbr=on\r\n"
  "a=rtpmap:101 telephone-event/48000\r\n"
  "a=rtpmap:99 telephone-event/16000\r\n"
  "a=rtpmap:100 telephone-event/8000\r\n"
  "a=rtcp:7079\r\n"
  "a=candidate:1 1 UDP 2130706303 192.168.60.20 7078 typ host\r\n"
  "a=candidate:1 2 UDP 2130706302 192.168.60.20 7079 typ host\r\n"
  "a=candidate:2 1 UDP 1694498687 203.0.113.2 7078 typ srflx raddr 192.168.60.20 rport 7078\r\n"
  "a=candidate:2 2 UDP 1694498686 203.0.113.2 7079 typ srflx raddr 192.168.60.20 rport 7079\r\n"
  "a=rtcp-fb:* trr-int 1000\r\n"
  "a=rtcp-fb:* ccm tmmbr\r\n";

static void
test_sdp_parse_linphone (void)
{
  g_autoptr(SipnatSdpDescription) d = parse_ok (linphone_offer);

  g_assert_cmpstr (d->address, ==, "203.0.113.2");
  g_assert_cmpuint (d->port, ==, 7078);
  g_assert_cmpuint (d->codecs->len, ==, 9);
  assert_codec (d->codecs->pdata[0], "opus", 96, 48000, 2, "useinbandfec=1");
  assert_codec (d->codecs->pdata[2], "speex", 98, 16000, 1, "vbr=on");
  assert_codec (d->codecs->pdata[5], "G722", 9, 8000, 1, NULL);
  assert_codec (d->codecs->pdata[8], "telephone-event", 100, 8000, 1, NULL);
  g_assert_false (d->rtcp_mux);
  g_assert_cmpstr (d->ice_ufrag, ==, "0d4b8a4f");
  g_assert_cmpstr (d->ice_pwd, ==, "31ec21eb38b2ec6d36e8dc7b");
  g_assert_cmpuint (d->candidates->len, ==, 4);
  g_assert_cmpuint (d->audio_index, ==, 1);
  g_assert_cmpuint (d->other_media->len, ==, 1);
  g_assert_cmpstr (d->other_media->pdata[0], ==, "video RTP/AVP 96 97");
  assert_nice_accepts (d->candidates);
}

/* The answer to linphone keeps its m= lines: video declined first. */
static void
test_sdp_answer_layout (void)
{
  g_autoptr(SipnatSdpDescription) offer = parse_ok (linphone_offer);
  g_autoptr(SipnatSdpDescription) answer = local_offer (FALSE);
  g_autoptr(GPtrArray) supported = _sipnat_sdp_default_codecs ();
  g_autofree char *text = NULL;
  g_autoptr(SipnatSdpDescription) back = NULL;
  const char *video;
  const char *audio;

  g_ptr_array_unref (answer->codecs);
  answer->codecs = _sipnat_sdp_negotiate (offer->codecs, supported);
  _sipnat_sdp_description_match_layout (answer, offer);
  text = _sipnat_sdp_description_to_string (answer, "alice");

  video = strstr (text, "\r\nm=video 0 RTP/AVP 96 97\r\n");
  audio = strstr (text, "\r\nm=audio 40000 RTP/AVP 96 0 100\r\n");
  g_assert_nonnull (video);
  g_assert_nonnull (audio);
  g_assert_true (video < audio);
  g_assert_nonnull (strstr (text, "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 minptime=10;useinbandfec=1\r\n"));

  back = parse_ok (text);
  g_assert_cmpuint (back->audio_index, ==, 1);
  assert_same_strings (back->other_media, offer->other_media);
  assert_same_codecs (back->codecs, answer->codecs);
}

static void
test_sdp_parse_session_defaults (void)
{
  /* Direction and ptime at session level; the media level wins for the
   * direction; end-of-candidates at session level; ice-lite. */
  static const char text[] =
    "v=0\n"
    "o=- 1 1 IN IP4 198.51.100.1\n"
    "s=-\n"
    "c=IN IP4 198.51.100.1\n"
    "t=0 0\n"
    "a=sendonly\n"
    "a=ice-lite\n"
    "a=ptime:30\n"
    "a=end-of-candidates\n"
    "a=ice-ufrag:abcd\n"
    "a=ice-pwd:abcdefghijklmnopqrstuv\n"
    "m=audio 0 RTP/AVP 0\n"
    "m=audio 5004 RTP/SAVP 0\n"
    "m=audio 5006 RTP/AVPF 0\n"
    "c=IN IP4 198.51.100.2\n"
    "a=ice-ufrag:efgh\n"
    "a=candidate:x 1 udp 1 198.51.100.2 5006 typ host generation 0 network-id 1\n"
    "a=candidate:y 1 udp 1 printer.local 5006 typ host\n"
    "a=candidate:z 1 TCP 1 198.51.100.2 9 typ host\n"
    "a=candidate:w 1 UDP 1 198.51.100.2 5006 typ host generation\n"
    "a=candidate:v 1 SCTP 1 198.51.100.2 5006 typ host\n"
    "a=candidate:u 1 UDP 1 198.51.100.2 5006 typ magic\n"
    "a=candidate:t   1 UDP 7 198.51.100.2 5008   typ relay raddr 10.0.0.1 rport 5\n"
    "a=inactive\n";
  g_autoptr(SipnatSdpDescription) d = parse_ok (text);

  g_assert_cmpuint (d->audio_index, ==, 2);
  g_assert_cmpuint (d->port, ==, 5006);
  g_assert_cmpstr (d->address, ==, "198.51.100.2");
  g_assert_cmpint (d->direction, ==, SIPNAT_SDP_INACTIVE);
  g_assert_cmpuint (d->ptime, ==, 30);
  g_assert_true (d->ice_lite);
  g_assert_true (d->end_of_candidates);
  /* the media-level ufrag, the session-level password */
  g_assert_cmpstr (d->ice_ufrag, ==, "efgh");
  g_assert_cmpstr (d->ice_pwd, ==, "abcdefghijklmnopqrstuv");
  /* mDNS names, TCP without tcptype, odd fields, unknown transports and
   * types are skipped; extra spaces are squeezed for libnice. */
  g_assert_cmpuint (d->candidates->len, ==, 2);
  g_assert_cmpstr (d->candidates->pdata[0], ==,
                   "a=candidate:x 1 udp 1 198.51.100.2 5006 typ host generation 0 network-id 1");
  g_assert_cmpstr (d->candidates->pdata[1], ==,
                   "a=candidate:t 1 UDP 7 198.51.100.2 5008 typ relay raddr 10.0.0.1 rport 5");
  assert_nice_accepts (d->candidates);
  g_assert_cmpuint (d->other_media->len, ==, 2);
  g_assert_cmpstr (d->other_media->pdata[1], ==, "audio RTP/SAVP 0");
}

static void
test_sdp_parse_refused_stream (void)
{
  static const char text[] =
    "v=0\r\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
    "a=recvonly\r\n"
    "m=audio 0 RTP/AVP 0 8\r\n"
    "a=fmtp:8 \r\n";
  g_autoptr(SipnatSdpDescription) d = parse_ok (text);

  g_assert_cmpuint (d->port, ==, 0);
  g_assert_cmpuint (d->codecs->len, ==, 2);
  /* an empty a=fmtp is no fmtp */
  assert_codec (d->codecs->pdata[1], "PCMA", 8, 8000, 1, NULL);
  /* the session-level direction when the stream has none */
  g_assert_cmpint (d->direction, ==, SIPNAT_SDP_RECVONLY);
}

/* ---- negotiation ------------------------------------------------------ */

static GPtrArray *
codecs_of (const char *m_line_and_maps)
{
  g_autofree char *text = g_strconcat ("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\n"
                                       "c=IN IP4 192.0.2.1\r\nt=0 0\r\n",
                                       m_line_and_maps, NULL);
  g_autoptr(SipnatSdpDescription) d = parse_ok (text);

  return g_ptr_array_ref (d->codecs);
}

static void
test_sdp_negotiate (void)
{
  g_autoptr(GPtrArray) supported = _sipnat_sdp_default_codecs ();
  struct {
    const char *offer;
    const char *expected;      /* "encoding/pt" list, "" for none (488) */
  } cases[] = {
    { "m=audio 4000 RTP/AVP 0\r\n", "PCMU/0" },
    { "m=audio 4000 RTP/AVP 111 0\r\na=rtpmap:111 opus/48000/2\r\n", "opus/111 PCMU/0" },
    { "m=audio 4000 RTP/AVP 0 96\r\na=rtpmap:96 OPUS/48000/2\r\n", "PCMU/0 OPUS/96" },
    { "m=audio 4000 RTP/AVP 96 0 101\r\na=rtpmap:96 opus/48000/2\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n", "opus/96 PCMU/0 telephone-event/101" },
    { "m=audio 4000 RTP/AVP 8 9\r\n", "" },
    { "m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n", "" },
    { "m=audio 4000 RTP/AVP 96 97\r\na=rtpmap:96 opus/48000\r\na=rtpmap:97 PCMU/16000\r\n", "" },
    { "m=audio 4000 RTP/AVP 100 0\r\na=rtpmap:100 telephone-event/48000\r\n", "PCMU/0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) offered = codecs_of (cases[i].offer);
      g_autoptr(GPtrArray) common = _sipnat_sdp_negotiate (offered, supported);
      g_autoptr(GString) got = g_string_new (NULL);

      for (guint c = 0; c < common->len; c++)
        {
          const SipnatSdpCodec *codec = common->pdata[c];

          g_string_append_printf (got, "%s%s/%u", c ? " " : "", codec->encoding, codec->payload_type);
        }
      g_test_message ("offer: %s", cases[i].offer);
      g_assert_cmpstr (got->str, ==, cases[i].expected);
    }
}

static void
test_sdp_first_codec_and_restart (void)
{
  g_autoptr(SipnatSdpDescription) a = local_offer (TRUE);
  g_autoptr(SipnatSdpDescription) b = local_offer (TRUE);
  g_autoptr(SipnatSdpDescription) plain = local_offer (FALSE);
  g_autoptr(SipnatSdpDescription) empty = _sipnat_sdp_description_new ();

  assert_codec (_sipnat_sdp_first_audio_codec (a), "opus", 111, 48000, 2, "minptime=10;useinbandfec=1");
  g_ptr_array_remove_index (a->codecs, 0);
  g_ptr_array_remove_index (a->codecs, 0);
  g_assert_null (_sipnat_sdp_first_audio_codec (a));
  g_assert_null (_sipnat_sdp_first_audio_codec (empty));

  g_assert_false (_sipnat_sdp_ice_restart (a, b));
  g_assert_false (_sipnat_sdp_ice_restart (plain, b));
  g_assert_false (_sipnat_sdp_ice_restart (a, plain));
  g_free (b->ice_pwd);
  b->ice_pwd = g_strdup ("another+password/123456");
  g_assert_true (_sipnat_sdp_ice_restart (a, b));
  g_free (b->ice_pwd);
  b->ice_pwd = g_strdup (a->ice_pwd);
  g_free (b->ice_ufrag);
  b->ice_ufrag = g_strdup ("Zzzz");
  g_assert_true (_sipnat_sdp_ice_restart (a, b));
}

/* ---- hostile input ---------------------------------------------------- */

#define HEAD "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
#define AUDIO "m=audio 4000 RTP/AVP 0\r\n"

static char *
many_candidates (guint n)
{
  GString *s = g_string_new (HEAD AUDIO "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "a=candidate:%u 1 UDP %u 192.0.2.1 %u typ host\r\n",
                            i, 2000 + i, 4000 + i);
  return g_string_free (s, FALSE);
}

static char *
many_formats (guint n)
{
  GString *s = g_string_new (HEAD "m=audio 4000 RTP/AVP");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, " %u", 96 + i);
  g_string_append (s, "\r\n");
  return g_string_free (s, FALSE);
}

static char *
huge_line (void)
{
  g_autofree char *pad = g_strnfill (SIPNAT_SDP_MAX_LINE, 'x');

  return g_strconcat (HEAD AUDIO "a=", pad, "\r\n", NULL);
}

static char *
too_large (void)
{
  GString *s = g_string_new (HEAD AUDIO);

  while (s->len <= SIPNAT_SDP_MAX_LENGTH)
    g_string_append (s, "a=x-filler:0123456789012345678901234567890123456789\r\n");
  return g_string_free (s, FALSE);
}

static void
test_sdp_hostile (void)
{
  static const guint8 binary[] = { 'v', '=', '0', '\r', '\n', 0x00, 0xff, 0x13, 0x37, 'm', '=' };
  g_autofree char *c64 = many_candidates (64);
  g_autofree char *c65 = many_candidates (65);
  g_autofree char *f32 = many_formats (32);
  g_autofree char *f33 = many_formats (33);
  g_autofree char *huge = huge_line ();
  g_autofree char *large = too_large ();
  struct {
    const char *text;
    gsize length;          /* 0: strlen */
  } cases[] = {
    { "", 0 },
    { "\r\n\r\n", 0 },
    { "hello, world", 0 },
    { "INVITE sip:bob@example.org SIP/2.0\r\n", 0 },
    { (const char *) binary, sizeof binary },
    { "v=1\r\n" AUDIO, 0 },
    { c65, 0 },
    { f33, 0 },
    { huge, 0 },
    { large, 0 },
    { HEAD, 0 },
    { HEAD "m=video 4000 RTP/AVP 96\r\n", 0 },
    { HEAD "m=audio 70000 RTP/AVP 0\r\n", 0 },
    { HEAD "m=audio -1 RTP/AVP 0\r\n", 0 },
    { HEAD "m=audio abc RTP/AVP 0\r\n", 0 },
    { HEAD "m=audio 4000/99999 RTP/AVP 0\r\n", 0 },
    { HEAD "m=audio 99999999999999999999999 RTP/AVP 0\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP 128\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP x\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/0\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 op us/8000\r\n", 0 },
    { HEAD "m=audio 4000 RTP/AVP 96\r\na=rtpmap:96 opus/48000/2/1\r\n", 0 },
    { "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n" AUDIO, 0 },
    { "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 pbx.example.org\r\nt=0 0\r\n" AUDIO, 0 },
    { "v=0\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" AUDIO, 0 },
    { "v=0\r\no=- x y IN IP4 192.0.2.1\r\nc=IN IP4 192.0.2.1\r\n" AUDIO, 0 },
    { HEAD "m=audio 4000 RTP/SAVP 0\r\n", 0 },
    { HEAD "m=audio 4000 RTP/SAVPF 0\r\n", 0 },
    { HEAD "m=audio 4000 UDP/TLS/RTP/SAVPF 111\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abcd\r\n", 0 },
    { HEAD AUDIO "a=ice-pwd:abcdefghijklmnopqrstuv\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abc\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstu\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:ab cd\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abcd;x\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abcd\ra=candidate:1 1 UDP 1 6.6.6.6 1 typ host\r\n"
      "a=ice-pwd:abcdefghijklmnopqrstuv\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abcd\x01\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n", 0 },
    { HEAD AUDIO "a=ice-ufrag:abcd\r\na=ice-pwd:abcdefghijklmnopqrstuv\xc3\xa9\r\n", 0 },
    { HEAD AUDIO "this line is not SDP\r\n", 0 },
    { HEAD AUDIO "A=rtcp-mux\r\n", 0 },
  };

  /* The bounds themselves are accepted. */
  {
    g_autoptr(SipnatSdpDescription) d64 = parse_ok (c64);
    g_autoptr(SipnatSdpDescription) d32 = parse_ok (f32);

    g_assert_cmpuint (d64->candidates->len, ==, 64);
    assert_nice_accepts (d64->candidates);
    g_assert_cmpuint (d32->codecs->len, ==, 0);  /* dynamic, no rtpmap: unknown */
  }

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      gsize length = cases[i].length ? cases[i].length : strlen (cases[i].text);
      g_autoptr(SipnatSdpDescription) d = _sipnat_sdp_description_parse (cases[i].text, length, &error);

      g_test_message ("case %u: %s", i, error ? error->message : "(accepted)");
      g_assert_null (d);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
      g_assert_cmpuint (strlen (error->message), >, 10);
    }
}

static void
test_sdp_hostile_messages (void)
{
  struct {
    const char *text;
    const char *says;
  } cases[] = {
    { HEAD "m=audio 4000 RTP/SAVP 0\r\n", "SRTP" },
    { HEAD "m=audio 70000 RTP/AVP 0\r\n", "70000" },
    { HEAD "m=video 4000 RTP/AVP 96\r\n", "no audio" },
    { "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n" AUDIO, "connection address" },
    { HEAD AUDIO "a=ice-ufrag:abcd\r\n", "ice-pwd" },
    { "garbage", "v=0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatSdpDescription) d =
        _sipnat_sdp_description_parse (cases[i].text, strlen (cases[i].text), &error);

      g_assert_null (d);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
      g_assert_nonnull (strstr (error->message, cases[i].says));
    }
}

/* Random byte changes of real offers: every result is a description whose
 * candidates libnice accepts, or a BAD_SDP error; never a crash. */
static void
test_sdp_mutations (void)
{
  const char *seeds[] = { baresip_offer, linphone_offer, offer_without_ice };
  static const char alphabet[] = " \r\n\t:=/;0123456789aAmcz.-\x00\x7f\xff";
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261130);
  guint rounds = g_getenv ("SIPNAT_UNDER_VALGRIND") ? 300 : 3000;
  guint parsed = 0;

  for (guint r = 0; r < rounds; r++)
    {
      const char *seed = seeds[r % G_N_ELEMENTS (seeds)];
      gsize length = strlen (seed);
      g_autofree char *text = g_memdup2 (seed, length);
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatSdpDescription) d = NULL;
      guint changes = g_rand_int_range (rand, 1, 8);

      for (guint c = 0; c < changes; c++)
        text[g_rand_int_range (rand, 0, length)] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet - 1)];

      d = _sipnat_sdp_description_parse (text, g_rand_int_range (rand, 1, length + 1), &error);
      if (d == NULL)
        {
          g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
          continue;
        }
      g_assert_no_error (error);
      assert_nice_accepts (d->candidates);
      parsed++;
    }
  g_test_message ("%u of %u mutated descriptions parsed", parsed, rounds);
  g_assert_cmpuint (parsed, >, 0);
  g_assert_cmpuint (parsed, <, rounds);
}

int
main (int   argc,
      char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: nothing here touches user dirs, and
   * GLib 2.74 leaks them under valgrind. */
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sdp/codecs/defaults", test_sdp_default_codecs);
  g_test_add_func ("/sdp/build/without-ice", test_sdp_build_without_ice);
  g_test_add_func ("/sdp/build/with-ice", test_sdp_build_with_ice);
  g_test_add_func ("/sdp/build/ipv6-direction", test_sdp_build_ipv6_direction);
  g_test_add_func ("/sdp/build/refused", test_sdp_build_refused);
  g_test_add_func ("/sdp/parse/baresip", test_sdp_parse_baresip);
  g_test_add_func ("/sdp/parse/linphone", test_sdp_parse_linphone);
  g_test_add_func ("/sdp/parse/session-defaults", test_sdp_parse_session_defaults);
  g_test_add_func ("/sdp/parse/refused-stream", test_sdp_parse_refused_stream);
  g_test_add_func ("/sdp/answer/layout", test_sdp_answer_layout);
  g_test_add_func ("/sdp/negotiate/codecs", test_sdp_negotiate);
  g_test_add_func ("/sdp/negotiate/first-codec-restart", test_sdp_first_codec_and_restart);
  g_test_add_func ("/sdp/hostile/refused", test_sdp_hostile);
  g_test_add_func ("/sdp/hostile/messages", test_sdp_hostile_messages);
  g_test_add_func ("/sdp/hostile/mutations", test_sdp_mutations);

  return g_test_run ();
}
