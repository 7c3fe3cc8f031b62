/* test-call-faults.c: calls that meet bad input and faults
 *
 * The fake registrar is the remote party: alice registers with it, her
 * INVITEs go to it (the registrar is the first hop) and it answers them
 * from its queue; it also calls alice (INVITE, CANCEL, re-INVITE) and
 * records what she answers. Every case ends within a bounded time with a
 * SIPNAT_ERROR code, and with the SIP that had to go out (BYE, CANCEL,
 * 488, 404) seen by the fake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>
#include <string.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-utils.h"

#define DEADLINE_MS 20000

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  SipnatNatPolicy *policy;
  char *server;
  SipnatCall *call;
  GstElement *pipeline;
  SipnatTestResult result;
  guint incoming;
  gboolean answer;              /* answer incoming calls */
} Fixture;

/* An answer or offer without ICE, PCMU only */
#define PLAIN_SDP \
  "v=0\r\n" \
  "o=- 1 1 IN IP4 127.0.0.1\r\n" \
  "s=-\r\n" \
  "c=IN IP4 127.0.0.1\r\n" \
  "t=0 0\r\n" \
  "m=audio 40000 RTP/AVP 0\r\n" \
  "a=rtpmap:0 PCMU/8000\r\n"

/* ---------------------------------------------------------------------- */

/* The media bin in a pipeline, playing: its receiving side is attached
 * before any connectivity check, as an application does it. */
static void
start_media (Fixture *f)
{
  f->pipeline = sipnat_test_call_pipeline (f->call);
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  Fixture        *f)
{
  f->incoming++;
  g_clear_object (&f->call);
  f->call = g_object_ref (call);
  if (f->answer)
    sipnat_call_answer_async (call, NULL, sipnat_test_answer_cb, &f->result);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  f->fake = sipnat_fake_registrar_new (&error);
  g_assert_no_error (error);
  f->endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  f->server = sipnat_fake_registrar_dup_server (f->fake);
  f->reg = sipnat_endpoint_add_registration (f->endpoint, f->server, "alice");
  sipnat_registration_set_password (f->reg, "alicepw");
  f->policy = sipnat_registration_get_nat_policy (f->reg);
  sipnat_nat_policy_set_ice_enabled (f->policy, TRUE);
  g_signal_connect (f->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), f);
  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  if (f->pipeline != NULL)
    gst_element_set_state (f->pipeline, GST_STATE_NULL);
  g_clear_object (&f->pipeline);
  g_clear_object (&f->call);
  g_clear_error (&f->result.error);
  sipnat_test_drop_endpoint (&f->endpoint);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&f->server, g_free);
}

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

static guint
count (Fixture    *f,
       const char *method)
{
  return sipnat_fake_registrar_count (f->fake, method);
}

/* Waits for the @n-th request of @method at the fake. */
static void
wait_request (Fixture    *f,
              const char *method,
              guint       n)
{
  if (!sipnat_fake_registrar_wait (f->fake, method, n, sipnat_test_deadline_ms (DEADLINE_MS)))
    g_error ("the fake got %u %s, not %u", count (f, method), method, n);
}

static const char *
last_request (Fixture    *f,
              const char *method)
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (f->fake);

  for (guint i = requests->len; i > 0; i--)
    {
      const char *r = requests->pdata[i - 1];

      if (g_str_has_prefix (r, method) && r[strlen (method)] == ' ')
        return r;
    }
  return NULL;
}

static void
push_invite_answer (Fixture    *f,
                    guint       status,
                    const char *sdp)
{
  SipnatFakeResponse response = { .status = status, .body = sdp };

  sipnat_fake_registrar_push_for (f->fake, "INVITE", &response);
}

static void
dial (Fixture    *f,
      gboolean    media)
{
  g_autoptr(GError) error = NULL;

  f->call = sipnat_registration_create_call (f->reg, "bob", &error);
  g_assert_no_error (error);
  if (media)
    start_media (f);
  sipnat_call_dial_async (f->call, NULL, sipnat_test_dial_cb, &f->result);
}

/* Waits for the dial to fail; returns how long it took, in ms. */
static void wait_responses (Fixture    *f,
                            guint       status,
                            const char *method,
                            guint       n);

static gint64
wait_dial_fails (Fixture  *f,
                 int       code,
                 gint64    start)
{
  gint64 ms;

  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_false (f->result.ok);
  g_assert_nonnull (f->result.error);
  g_test_message ("dial failed after %" G_GINT64_FORMAT " ms: %s", ms, f->result.error->message);
  g_assert_error (f->result.error, SIPNAT_ERROR, code);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_nonnull (sipnat_call_get_error (f->call));
  g_assert_error ((GError *) sipnat_call_get_error (f->call), SIPNAT_ERROR, code);
  g_assert_nonnull (sipnat_call_get_state_reason (f->call));
  return ms;
}

static guint16
closed_udp_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  g_socket_close (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* ---------------------------------------------------------------------- */
/* Outgoing: bad answers                                                  */

typedef struct {
  const char *name;
  const char *sdp;
  int code;
} BadAnswer;

static const BadAnswer bad_answers[] = {
  { "garbage", "this is not a session description\r\n\x01\x02\r\n", SIPNAT_ERROR_BAD_SDP },
  { "missing-c",
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", SIPNAT_ERROR_BAD_SDP },
  { "port-0",
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", SIPNAT_ERROR_NO_COMMON_CODEC },
  { "savp-only",
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz\r\n",
    SIPNAT_ERROR_BAD_SDP },
  { "no-ice", PLAIN_SDP, SIPNAT_ERROR_BAD_SDP },
  { "pcma-g722-only",
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8 9\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:9 G722/8000\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 40000 typ host\r\n",
    SIPNAT_ERROR_NO_COMMON_CODEC },
  { "no-body", NULL, SIPNAT_ERROR_BAD_SDP },
};

/* A 200 whose answer cannot be used: the dial fails at once with the
 * error, and the call is ended with a BYE (the 200 was ACKed). */
static void
test_bad_answer (Fixture       *f,
                 gconstpointer  data)
{
  const BadAnswer *bad = data;
  gint64 start = g_get_monotonic_time ();

  push_invite_answer (f, 200, bad->sdp);
  dial (f, FALSE);
  wait_dial_fails (f, bad->code, start);
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 200);
  wait_request (f, "BYE", 1);
  g_assert_cmpuint (count (f, "ACK"), >=, 1);
}

typedef struct {
  const char *name;
  const char *connection;
  int code;                      /* -1: the call goes active */
} PlainAnswer;

static const PlainAnswer plain_answers[] = {
  { "hostname", "IN IP4 media.example.com", SIPNAT_ERROR_BAD_SDP },
  /* RFC 3264 hold (old style): the call is set up, nothing is sent. */
  { "unspecified", "IN IP4 0.0.0.0", -1 },
  /* Without ICE the media socket is IPv4: refused, not sent nowhere. */
  { "ipv6", "IN IP6 ::1", SIPNAT_ERROR_BAD_SDP },
};

/* ICE off: answers whose address is odd; none hangs the dial. */
static void
test_plain_answer (Fixture       *f,
                   gconstpointer  data)
{
  const PlainAnswer *plain = data;
  g_autofree char *sdp = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=%s\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", plain->connection);

  sipnat_nat_policy_set_ice_enabled (f->policy, FALSE);
  push_invite_answer (f, 200, sdp);
  dial (f, TRUE);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_test_message ("%s: %s", plain->name, f->result.error ? f->result.error->message : "active");
  if (plain->code == -1)
    g_assert_no_error (f->result.error);
  else
    g_assert_error (f->result.error, SIPNAT_ERROR, plain->code);

  if (f->result.ok)
    {
      g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);
      sipnat_call_hangup (f->call);
    }
  wait_request (f, "BYE", 1);
}

/* The peer's candidates lead nowhere: ICE fails once its checks time
 * out (SIPNAT_ICE_CHECK_TIMEOUT_MS, 10 s), and the call is hung up. */
static void
test_ice_checks_unanswered (Fixture       *f,
                            gconstpointer  data)
{
  guint16 port = closed_udp_port ();
  g_autofree char *sdp = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n"
    "a=end-of-candidates\r\n", port, port);
  gint64 answered;
  gint64 ms;

  push_invite_answer (f, 200, sdp);
  dial (f, TRUE);
  wait_request (f, "ACK", 1);
  answered = g_get_monotonic_time ();
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_CONNECTING);

  ms = wait_dial_fails (f, SIPNAT_ERROR_ICE_FAILED, answered);
  g_test_message ("ICE failed %" G_GINT64_FORMAT " ms after the 200", ms);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (15000));
  wait_request (f, "BYE", 1);
}

/* The remote party hangs up while the checks run: the call ends at
 * once, not when ICE gives up. */
static void
test_bye_while_connecting (Fixture       *f,
                           gconstpointer  data)
{
  guint16 port = closed_udp_port ();
  g_autofree char *sdp = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n", port, port);
  gint64 start;
  gint64 ms;

  push_invite_answer (f, 200, sdp);
  dial (f, TRUE);
  wait_request (f, "ACK", 1);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_CONNECTING);

  start = g_get_monotonic_time ();
  sipnat_fake_registrar_hang_up_answered (f->fake);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("dial ended %" G_GINT64_FORMAT " ms after the BYE: %s", ms,
                  f->result.error->message);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_CALL_ENDED);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (2000));
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The remote party hung up");
  g_assert_null (sipnat_call_get_error (f->call));
  wait_responses (f, 200, "BYE", 1);
  g_assert_cmpuint (count (f, "BYE"), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Outgoing: refusals and silence                                         */

typedef struct {
  const char *name;
  guint status;
  int code;
} Refusal;

static const Refusal refusals[] = {
  { "488", 488, SIPNAT_ERROR_NO_COMMON_CODEC },
  { "606", 606, SIPNAT_ERROR_NO_COMMON_CODEC },
  { "486", 486, SIPNAT_ERROR_REJECTED },
  { "404", 404, SIPNAT_ERROR_REJECTED },
  { "603", 603, SIPNAT_ERROR_REJECTED },
  { "500", 500, SIPNAT_ERROR_REJECTED },
  { "302", 302, SIPNAT_ERROR_REJECTED },
};

static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  const Refusal *refusal = data;
  g_autofree char *status = g_strdup_printf ("%u", refusal->status);

  push_invite_answer (f, refusal->status, NULL);
  dial (f, FALSE);
  wait_dial_fails (f, refusal->code, g_get_monotonic_time ());
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, refusal->status);
  g_assert_nonnull (strstr (f->result.error->message, status));
  /* A failure has no dialog: nothing but the ACK of the INVITE. */
  wait_request (f, "ACK", 1);
  g_assert_cmpuint (count (f, "BYE"), ==, 0);
  g_assert_cmpuint (count (f, "CANCEL"), ==, 0);
}

/* Ringing and never answered: the no-answer timeout cancels the call. */
static void
test_no_answer (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  gint64 start;
  gint64 ms;

  push_invite_answer (f, 180, NULL);
  f->call = sipnat_registration_create_call (f->reg, "bob", &error);
  g_assert_no_error (error);
  sipnat_call_set_no_answer_timeout (f->call, 2);
  start = g_get_monotonic_time ();
  sipnat_call_dial_async (f->call, NULL, sipnat_test_dial_cb, &f->result);

  ms = wait_dial_fails (f, SIPNAT_ERROR_TIMEOUT, start);
  /* A timer in whole seconds: its first second may be short. */
  g_assert_cmpint (ms, >=, 1000);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (4000));
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "No answer within 2 s");
  wait_request (f, "CANCEL", 1);
  /* The fake answers the CANCEL, then the INVITE with 487, which is ACKed. */
  wait_request (f, "ACK", 1);
}

/* Not even a provisional answer (every INVITE dropped): the call still
 * ends at the no-answer timeout. */
static void
test_silent_peer (Fixture       *f,
                  gconstpointer  data)
{
  SipnatFakeResponse drop = { .status = 0 };
  g_autoptr(GError) error = NULL;
  gint64 ms;

  /* Timer B (64 × T1) would keep the INVITE transaction, and so the
   * stack's shutdown after the test, for 32 s: the product's 4 s. */
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 4000);
  sipnat_fake_registrar_push_times (f->fake, "INVITE", &drop, 20);
  f->call = sipnat_registration_create_call (f->reg, "bob", &error);
  g_assert_no_error (error);
  sipnat_call_set_no_answer_timeout (f->call, 2);
  sipnat_call_dial_async (f->call, NULL, sipnat_test_dial_cb, &f->result);

  ms = wait_dial_fails (f, SIPNAT_ERROR_TIMEOUT, g_get_monotonic_time ());
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (5000));
  g_test_message ("%u INVITEs, %u CANCELs", count (f, "INVITE"), count (f, "CANCEL"));
}

static gboolean
call_ringing (gpointer data);

/* The application cancels the dial while it rings: CANCEL. */
static void
test_cancelled_while_ringing (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  push_invite_answer (f, 180, NULL);
  f->call = sipnat_registration_create_call (f->reg, "bob", &error);
  g_assert_no_error (error);
  sipnat_call_dial_async (f->call, cancellable, sipnat_test_dial_cb, &f->result);
  sipnat_test_wait_until (call_ringing, f, DEADLINE_MS);
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 180);

  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_assert_error (f->result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  wait_request (f, "CANCEL", 1);
}

/* The endpoint closes while a call rings: CANCEL, and CLOSED. */
static void
test_closed_while_ringing (Fixture       *f,
                           gconstpointer  data)
{
  SipnatTestResult closed = { 0 };

  push_invite_answer (f, 180, NULL);
  dial (f, FALSE);
  sipnat_test_wait_until (call_ringing, f, DEADLINE_MS);

  sipnat_endpoint_close_async (f->endpoint, NULL, sipnat_test_close_cb, &closed);
  wait_dial_fails (f, SIPNAT_ERROR_CLOSED, g_get_monotonic_time ());
  wait_request (f, "CANCEL", 1);
  sipnat_test_wait_flag (&closed.done, DEADLINE_MS);
  g_clear_error (&closed.error);
}

/* Hung up while the candidates are gathered (a STUN server that does
 * not answer makes that last): no INVITE ever goes out. */
static void
test_hangup_while_gathering (Fixture       *f,
                             gconstpointer  data)
{
  sipnat_nat_policy_set_stun_server (f->policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (f->policy, closed_udp_port ());
  dial (f, FALSE);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_CALLING);

  /* libnice (0.1.21) warns when its agent closes while it resolves the
   * STUN server, even an IP literal; the resolution cannot have ended
   * yet: the context has not run since the dial. */
  g_test_expect_message ("libnice", G_LOG_LEVEL_WARNING, "*Can't resolve STUN server*");
  sipnat_call_hangup (f->call);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_CALL_ENDED);
  /* Nothing would follow an INVITE sent late to show that none was:
   * wait out the gathering bound (3 s) and a margin. */
  sipnat_test_run_for (4000);
  g_assert_cmpuint (count (f, "INVITE"), ==, 0);
  g_test_assert_expected_messages ();
}

/* ---------------------------------------------------------------------- */
/* Outgoing: digest                                                       */

static void
test_proxy_challenge (Fixture       *f,
                      gconstpointer  data)
{
  const char *invite;

  sipnat_nat_policy_set_ice_enabled (f->policy, FALSE);
  sipnat_fake_registrar_push_challenge_for (f->fake, "INVITE", 407);
  push_invite_answer (f, 200, PLAIN_SDP);
  dial (f, FALSE);

  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_true (f->result.ok);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);
  g_assert_cmpuint (count (f, "INVITE"), ==, 2);

  invite = last_request (f, "INVITE");
  g_assert_nonnull (strstr (invite, "Proxy-Authorization: Digest"));
  g_assert_nonnull (strstr (invite, sipnat_fake_registrar_get_nonce (f->fake)));
  g_assert_nonnull (strstr (invite, "realm=\"fake\""));
  g_assert_null (strstr (invite, "alicepw"));

  sipnat_call_hangup (f->call);
  wait_request (f, "BYE", 1);
}

/* Every answered challenge is challenged again (a wrong password). */
static void
test_proxy_challenge_refused (Fixture       *f,
                              gconstpointer  data)
{
  sipnat_nat_policy_set_ice_enabled (f->policy, FALSE);
  for (guint i = 0; i < 5; i++)
    sipnat_fake_registrar_push_challenge_for (f->fake, "INVITE", 407);
  dial (f, FALSE);

  wait_dial_fails (f, SIPNAT_ERROR_AUTH_FAILED, g_get_monotonic_time ());
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 407);
  g_test_message ("%u INVITEs before giving up", count (f, "INVITE"));
  g_assert_cmpuint (count (f, "INVITE"), <=, 3);
  g_assert_cmpuint (count (f, "BYE"), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Outgoing: STUN and TURN servers that are not there                     */

static void
test_stun_unreachable (Fixture       *f,
                       gconstpointer  data)
{
  gboolean ice = GPOINTER_TO_INT (data);
  const char *invite;
  gint64 start;
  gint64 ms;

  sipnat_nat_policy_set_ice_enabled (f->policy, ice);
  sipnat_nat_policy_set_stun_server (f->policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (f->policy, closed_udp_port ());
  push_invite_answer (f, 180, NULL);

  start = g_get_monotonic_time ();
  dial (f, FALSE);
  wait_request (f, "INVITE", 1);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("the offer went out %" G_GINT64_FORMAT " ms after dialling", ms);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (ice ? 4000 : 6000));

  invite = last_request (f, "INVITE");
  g_assert_nonnull (strstr (invite, "m=audio "));
  if (ice)
    {
      g_assert_nonnull (strstr (invite, "typ host"));
      g_assert_null (strstr (invite, "typ srflx"));
      /* RTCP multiplexing proposed, RTCP candidates for a peer that
       * declines it (RFC 5761 section 5.1.3) */
      g_assert_nonnull (strstr (invite, "a=rtcp-mux"));
      g_assert_nonnull (strstr (invite, "a=rtcp:"));
      g_assert_true (g_regex_match_simple ("a=candidate:\\S+ 2 UDP", invite, 0, 0));
    }
  else
    {
      g_assert_null (strstr (invite, "a=ice-"));
      g_assert_nonnull (strstr (invite, "c=IN IP4 127.0.0.1"));
    }

  sipnat_call_hangup (f->call);
  wait_request (f, "CANCEL", 1);
}

static void
test_turn_unreachable_forced (Fixture       *f,
                              gconstpointer  data)
{
  gint64 ms;

  sipnat_nat_policy_set_turn_server (f->policy, "127.0.0.1");
  sipnat_nat_policy_set_turn_server_port (f->policy, closed_udp_port ());
  sipnat_nat_policy_set_turn_user_name (f->policy, "alice");
  sipnat_nat_policy_set_turn_password (f->policy, "turnpw");
  sipnat_nat_policy_set_force_relay (f->policy, TRUE);

  dial (f, FALSE);
  ms = wait_dial_fails (f, SIPNAT_ERROR_RELAY_FAILED, g_get_monotonic_time ());
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (6000));
  g_assert_cmpuint (count (f, "INVITE"), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Incoming                                                               */

static guint16
alice_port (Fixture *f)
{
  return sipnat_endpoint_get_local_port (f->endpoint);
}

typedef struct {
  Fixture *f;
  const char *method;
} FinalWait;

static gboolean
got_final (gpointer data)
{
  FinalWait *w = data;

  return sipnat_fake_registrar_get_final_status (w->f->fake, w->method) != 0;
}

/* Waits for the final answer to the fake's last @method; returns it. */
static guint
wait_final (Fixture    *f,
            const char *method)
{
  FinalWait w = { f, method };

  sipnat_test_wait_until (got_final, &w, DEADLINE_MS);
  return sipnat_fake_registrar_get_final_status (f->fake, method);
}

typedef struct {
  Fixture *f;
  guint status;
  const char *method;
  guint n;
} ResponsesWait;

static gboolean
got_responses (gpointer data)
{
  ResponsesWait *w = data;

  return sipnat_fake_registrar_count_responses (w->f->fake, w->status, w->method) >= w->n;
}

/* Waits until the fake got @n responses @status to @method. */
static void
wait_responses (Fixture    *f,
                guint       status,
                const char *method,
                guint       n)
{
  ResponsesWait w = { f, status, method, n };

  sipnat_test_wait_until (got_responses, &w, DEADLINE_MS);
}

typedef struct {
  const char *name;
  const char *user;
  const char *sdp;
  guint status;
} BadOffer;

static const BadOffer bad_offers[] = {
  { "offerless", "alice", NULL, 488 },
  { "garbage", "alice", "v=0\r\nthis is not SDP\r\n", 488 },
  { "pcma-only", "alice",
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n", 488 },
  { "port-0", "alice",
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 0 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", 488 },
  { "unknown-user", "nobody", PLAIN_SDP, 404 },
};

static void
test_bad_offer (Fixture       *f,
                gconstpointer  data)
{
  const BadOffer *bad = data;

  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), bad->user, NULL, bad->sdp);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, bad->status);
  g_assert_cmpuint (f->incoming, ==, 0);
  g_assert_null (f->call);
}

/* An offer without ICE: the call goes without ICE, the answer has none. */
static void
test_incoming_no_ice (Fixture       *f,
                      gconstpointer  data)
{
  const char *ok;

  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, PLAIN_SDP);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  g_assert_cmpuint (f->incoming, ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count_responses (f->fake, 180, "INVITE"), ==, 1);
  g_assert_true (g_str_has_prefix (sipnat_call_get_remote_uri (f->call),
                                   "sip:" SIPNAT_FAKE_REGISTRAR_CALLER "@"));

  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_nonnull (strstr (ok, "Content-Type: application/sdp"));
  g_assert_nonnull (strstr (ok, "m=audio "));
  g_assert_nonnull (strstr (ok, "RTP/AVP 0"));
  g_assert_null (strstr (ok, "a=ice-"));
  g_assert_null (strstr (ok, "a=candidate"));

  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);

  sipnat_call_hangup (f->call);
  wait_request (f, "BYE", 1);
  g_assert_null (sipnat_call_get_error (f->call));
}

/* The remote party hangs up an active call. */
static void
test_incoming_remote_bye (Fixture       *f,
                          gconstpointer  data)
{
  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, PLAIN_SDP);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);

  sipnat_fake_registrar_send_bye (f->fake);
  g_assert_cmpuint (wait_final (f, "BYE"), ==, 200);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The remote party hung up");
  g_assert_null (sipnat_call_get_error (f->call));
}

static gboolean
call_ended (gpointer data)
{
  Fixture *f = data;

  return f->call != NULL && sipnat_call_get_state (f->call) == SIPNAT_CALL_STATE_ENDED;
}

static gboolean
call_ringing (gpointer data)
{
  Fixture *f = data;

  return f->call != NULL && sipnat_call_get_state (f->call) == SIPNAT_CALL_STATE_RINGING;
}

/* The caller gives up while alice's phone rings. */
static void
test_incoming_cancelled (Fixture       *f,
                         gconstpointer  data)
{
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, PLAIN_SDP);
  sipnat_test_wait_until (call_ringing, f, DEADLINE_MS);

  sipnat_fake_registrar_send_cancel (f->fake);
  sipnat_test_wait_until (call_ended, f, DEADLINE_MS);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The caller cancelled");
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 487);
  g_assert_cmpuint (sipnat_fake_registrar_get_final_status (f->fake, "CANCEL"), ==, 200);
}

/* A re-INVITE putting alice on hold: she answers recvonly. */
static void
test_incoming_hold (Fixture       *f,
                    gconstpointer  data)
{
  const char *ok;

  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, PLAIN_SDP);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);

  sipnat_fake_registrar_send_reinvite (f->fake,
                                       "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
                                       "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                                       "a=sendonly\r\n");
  wait_responses (f, 200, "INVITE", 2);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_nonnull (strstr (ok, "a=recvonly"));
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);

  /* A re-INVITE that cannot be used is refused; the call goes on. */
  sipnat_fake_registrar_send_reinvite (f->fake, "garbage\r\n");
  wait_responses (f, 488, "INVITE", 1);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);

  sipnat_call_hangup (f->call);
  wait_request (f, "BYE", 1);
}

static char *
ice_offer (const char *candidates)
{
  return g_strdup_printf ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
                          "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                          "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
                          "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
                          "%s", candidates);
}

/* An ICE offer whose candidates lead nowhere: the answer goes out, the
 * checks fail, the call is hung up. */
static void
test_incoming_ice_unanswered (Fixture       *f,
                              gconstpointer  data)
{
  guint16 port = closed_udp_port ();
  g_autofree char *candidate = g_strdup_printf (
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n", port);
  g_autofree char *offer = ice_offer (candidate);
  const char *ok;
  gint64 answered;
  gint64 ms;

  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  answered = g_get_monotonic_time ();
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_nonnull (strstr (ok, "a=ice-ufrag:"));
  g_assert_nonnull (strstr (ok, "a=candidate:"));
  g_assert_nonnull (strstr (ok, "a=rtcp-mux"));
  g_assert_null (strstr (ok, "a=rtcp:"));
  g_assert_false (g_regex_match_simple ("a=candidate:\\S+ 2 UDP", ok, 0, 0));

  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  ms = (g_get_monotonic_time () - answered) / 1000;
  g_test_message ("ICE failed %" G_GINT64_FORMAT " ms after the 200", ms);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_ICE_FAILED);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (15000));
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  wait_request (f, "BYE", 1);
}

static char *
ufrag_of (const char *sdp)
{
  const char *start = strstr (sdp, "a=ice-ufrag:");

  g_assert_nonnull (start);
  start += strlen ("a=ice-ufrag:");
  return g_strndup (start, strcspn (start, "\r\n"));
}

/* A re-INVITE with new ICE credentials (an ICE restart, RFC 8839 section
 * 4.4.1.1.1): answered with new credentials of ours, the checks start
 * again. */
static void
test_incoming_ice_restart (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *candidate = g_strdup_printf (
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n", closed_udp_port ());
  g_autofree char *offer = ice_offer (candidate);
  g_autofree char *restart = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *ok;

  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  first = ufrag_of (sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE"));

  restart = g_strdup_printf ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
                             "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                             "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
                             "a=ice-ufrag:wxyz\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n%s",
                             candidate);
  sipnat_fake_registrar_send_reinvite (f->fake, restart);
  wait_responses (f, 200, "INVITE", 2);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  second = ufrag_of (ok);
  g_assert_cmpstr (first, !=, second);
  g_assert_nonnull (strstr (ok, "a=candidate:"));
  g_assert_cmpint (sipnat_call_get_state (f->call), !=, SIPNAT_CALL_STATE_ENDED);

  sipnat_call_hangup (f->call);
  wait_request (f, "BYE", 1);
}

/* An offer without rtcp-mux (baresip's default): the answer keeps RTCP
 * on its own component, with its candidates and a=rtcp. */
static void
test_incoming_rtcp_not_muxed (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *offer = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n"
    "a=candidate:1 2 UDP 2130706430 127.0.0.1 %u typ host\r\n",
    closed_udp_port (), closed_udp_port ());
  const char *ok;

  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_null (strstr (ok, "a=rtcp-mux"));
  g_assert_nonnull (strstr (ok, "a=rtcp:"));
  g_assert_true (g_regex_match_simple ("a=candidate:\\S+ 1 UDP", ok, 0, 0));
  g_assert_true (g_regex_match_simple ("a=candidate:\\S+ 2 UDP", ok, 0, 0));

  sipnat_call_hangup (f->call);
  wait_request (f, "BYE", 1);
}

/* ICE attributes whose candidates are all unusable: the call rings (the
 * candidates are read when answering), and answering refuses it with 488
 * and BAD_SDP. */
static void
test_incoming_ice_garbage (Fixture       *f,
                           gconstpointer  data)
{
  g_autofree char *offer = ice_offer ("a=candidate:garbage\r\n"
                                      "a=candidate:1 1 UDP 1 999.1.1.1 1 typ host\r\n"
                                      "a=candidate:1 1 UDP 1 127.0.0.1 70000 typ host\r\n"
                                      "a=candidate:\r\n");
  gint64 start = g_get_monotonic_time ();

  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 488);
  g_assert_cmpuint (f->incoming, ==, 1);
  sipnat_test_wait_flag (&f->result.done, DEADLINE_MS);
  g_test_message ("answer failed after %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000, f->result.error->message);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 488);
  g_assert_cmpuint (count (f, "BYE"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: nothing here touches user dirs, and
   * GLib 2.74 leaks the strings of g_set_user_dirs() under it. */
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

#define ADD(path, func, data) \
  g_test_add ("/call/faults/" path, Fixture, data, set_up, func, tear_down)

  for (guint i = 0; i < G_N_ELEMENTS (bad_answers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/call/faults/outgoing/bad-answer/%s",
                                               bad_answers[i].name);

      g_test_add (path, Fixture, &bad_answers[i], set_up, test_bad_answer, tear_down);
    }
  for (guint i = 0; i < G_N_ELEMENTS (plain_answers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/call/faults/outgoing/plain-answer/%s",
                                               plain_answers[i].name);

      g_test_add (path, Fixture, &plain_answers[i], set_up, test_plain_answer, tear_down);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autofree char *path = g_strdup_printf ("/call/faults/outgoing/refused/%s",
                                               refusals[i].name);

      g_test_add (path, Fixture, &refusals[i], set_up, test_refused, tear_down);
    }
  ADD ("outgoing/ice-checks-unanswered", test_ice_checks_unanswered, NULL);
  ADD ("outgoing/bye-while-connecting", test_bye_while_connecting, NULL);
  ADD ("outgoing/no-answer", test_no_answer, NULL);
  ADD ("outgoing/silent-peer", test_silent_peer, NULL);
  ADD ("outgoing/cancelled-while-ringing", test_cancelled_while_ringing, NULL);
  ADD ("outgoing/closed-while-ringing", test_closed_while_ringing, NULL);
  ADD ("outgoing/hangup-while-gathering", test_hangup_while_gathering, NULL);
  ADD ("outgoing/proxy-challenge", test_proxy_challenge, NULL);
  ADD ("outgoing/proxy-challenge-refused", test_proxy_challenge_refused, NULL);
  ADD ("outgoing/stun-unreachable/ice", test_stun_unreachable, GINT_TO_POINTER (TRUE));
  ADD ("outgoing/stun-unreachable/no-ice", test_stun_unreachable, GINT_TO_POINTER (FALSE));
  ADD ("outgoing/turn-unreachable-forced", test_turn_unreachable_forced, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (bad_offers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/call/faults/incoming/bad-offer/%s",
                                               bad_offers[i].name);

      g_test_add (path, Fixture, &bad_offers[i], set_up, test_bad_offer, tear_down);
    }
  ADD ("incoming/no-ice", test_incoming_no_ice, NULL);
  ADD ("incoming/remote-bye", test_incoming_remote_bye, NULL);
  ADD ("incoming/cancelled", test_incoming_cancelled, NULL);
  ADD ("incoming/hold", test_incoming_hold, NULL);
  ADD ("incoming/ice-checks-unanswered", test_incoming_ice_unanswered, NULL);
  ADD ("incoming/rtcp-not-multiplexed", test_incoming_rtcp_not_muxed, NULL);
  ADD ("incoming/ice-restart", test_incoming_ice_restart, NULL);
  ADD ("incoming/ice-garbage-candidates", test_incoming_ice_garbage, NULL);

  return g_test_run ();
}
