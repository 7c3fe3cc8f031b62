/* test-call-faults.c: outgoing calls that meet bad input and faults
 * (incoming ones: test-call-faults-incoming.c)
 *
 * The fake registrar is the remote party: alice registers with it, her
 * INVITEs go to it (the registrar is the first hop) and it answers them
 * from its queue. Every case ends within a bounded time with a
 * SIPNAT_ERROR code, and with the SIP that had to go out (BYE, CANCEL)
 * seen by the fake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>
#include <string.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-call-faults.h"
#include "sipnat-test-utils.h"

/* ---------------------------------------------------------------------- */
/* Helpers                                                                */

/* The media bin in a pipeline, playing: its receiving side is attached
 * before any connectivity check, as an application does it. */
static void
start_media (SipnatTestFaults *f)
{
  f->pipeline = sipnat_test_call_pipeline (f->call);
}

static const char *
last_request (SipnatTestFaults *f,
              const char       *method)
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
push_invite_answer (SipnatTestFaults *f,
                    guint             status,
                    const char       *sdp)
{
  SipnatFakeResponse response = { .status = status, .body = sdp };

  sipnat_fake_registrar_push_for (f->fake, "INVITE", &response);
}

static void
dial (SipnatTestFaults *f,
      gboolean          media)
{
  g_autoptr(GError) error = NULL;

  f->call = sipnat_registration_create_call (f->reg, "bob", &error);
  g_assert_no_error (error);
  if (media)
    start_media (f);
  sipnat_call_dial_async (f->call, NULL, sipnat_test_dial_cb, &f->result);
}

/* Waits for the dial to fail; returns how long it took, in ms. */
static gint64
wait_dial_fails (SipnatTestFaults *f,
                 int               code,
                 gint64            start)
{
  gint64 ms;

  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
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
  { "no-ice", SIPNAT_TEST_PLAIN_SDP, SIPNAT_ERROR_BAD_SDP },
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
test_bad_answer (SipnatTestFaults *f,
                 gconstpointer     data)
{
  const BadAnswer *bad = data;
  gint64 start = g_get_monotonic_time ();

  push_invite_answer (f, 200, bad->sdp);
  dial (f, FALSE);
  wait_dial_fails (f, bad->code, start);
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 200);
  sipnat_test_faults_wait_request (f, "BYE", 1);
  g_assert_cmpuint (sipnat_test_faults_count (f, "ACK"), >=, 1);
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
test_plain_answer (SipnatTestFaults *f,
                   gconstpointer     data)
{
  const PlainAnswer *plain = data;
  g_autofree char *sdp = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=%s\r\nt=0 0\r\n"
    "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n", plain->connection);

  sipnat_nat_policy_set_ice_enabled (f->policy, FALSE);
  push_invite_answer (f, 200, sdp);
  dial (f, TRUE);
  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
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
  sipnat_test_faults_wait_request (f, "BYE", 1);
}

/* The peer's candidates lead nowhere: ICE fails once its checks time
 * out (SIPNAT_ICE_CHECK_TIMEOUT_MS, 10 s), and the call is hung up. */
static void
test_ice_checks_unanswered (SipnatTestFaults *f,
                            gconstpointer     data)
{
  guint16 port = sipnat_test_faults_closed_udp_port ();
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
  sipnat_test_faults_wait_request (f, "ACK", 1);
  answered = g_get_monotonic_time ();
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_CONNECTING);

  ms = wait_dial_fails (f, SIPNAT_ERROR_ICE_FAILED, answered);
  g_test_message ("ICE failed %" G_GINT64_FORMAT " ms after the 200", ms);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (15000));
  sipnat_test_faults_wait_request (f, "BYE", 1);
}

/* The remote party hangs up while the checks run: the call ends at
 * once, not when ICE gives up. */
static void
test_bye_while_connecting (SipnatTestFaults *f,
                           gconstpointer     data)
{
  guint16 port = sipnat_test_faults_closed_udp_port ();
  g_autofree char *sdp = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio %u RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n", port, port);
  gint64 start;
  gint64 ms;

  push_invite_answer (f, 200, sdp);
  dial (f, TRUE);
  sipnat_test_faults_wait_request (f, "ACK", 1);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_CONNECTING);

  start = g_get_monotonic_time ();
  sipnat_fake_registrar_hang_up_answered (f->fake);
  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("dial ended %" G_GINT64_FORMAT " ms after the BYE: %s", ms,
                  f->result.error->message);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_CALL_ENDED);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (2000));
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The remote party hung up");
  g_assert_null (sipnat_call_get_error (f->call));
  sipnat_test_faults_wait_responses (f, 200, "BYE", 1);
  g_assert_cmpuint (sipnat_test_faults_count (f, "BYE"), ==, 0);
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
test_refused (SipnatTestFaults *f,
              gconstpointer     data)
{
  const Refusal *refusal = data;
  g_autofree char *status = g_strdup_printf ("%u", refusal->status);

  push_invite_answer (f, refusal->status, NULL);
  dial (f, FALSE);
  wait_dial_fails (f, refusal->code, g_get_monotonic_time ());
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, refusal->status);
  g_assert_nonnull (strstr (f->result.error->message, status));
  /* A failure has no dialog: nothing but the ACK of the INVITE. */
  sipnat_test_faults_wait_request (f, "ACK", 1);
  g_assert_cmpuint (sipnat_test_faults_count (f, "BYE"), ==, 0);
  g_assert_cmpuint (sipnat_test_faults_count (f, "CANCEL"), ==, 0);
}

/* Ringing and never answered: the no-answer timeout cancels the call. */
static void
test_no_answer (SipnatTestFaults *f,
                gconstpointer     data)
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
  sipnat_test_faults_wait_request (f, "CANCEL", 1);
  /* The fake answers the CANCEL, then the INVITE with 487, which is ACKed. */
  sipnat_test_faults_wait_request (f, "ACK", 1);
}

/* Not even a provisional answer (every INVITE dropped): the call still
 * ends at the no-answer timeout. */
static void
test_silent_peer (SipnatTestFaults *f,
                  gconstpointer     data)
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
  g_test_message ("%u INVITEs, %u CANCELs", sipnat_test_faults_count (f, "INVITE"),
                  sipnat_test_faults_count (f, "CANCEL"));
}

/* The application cancels the dial while it rings: CANCEL. */
static void
test_cancelled_while_ringing (SipnatTestFaults *f,
                              gconstpointer     data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;

  push_invite_answer (f, 180, NULL);
  f->call = sipnat_registration_create_call (f->reg, "bob", &error);
  g_assert_no_error (error);
  sipnat_call_dial_async (f->call, cancellable, sipnat_test_dial_cb, &f->result);
  sipnat_test_wait_until (sipnat_test_faults_call_ringing, f, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 180);

  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_error (f->result.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  sipnat_test_faults_wait_request (f, "CANCEL", 1);
}

/* The endpoint closes while a call rings: CANCEL, and CLOSED. */
static void
test_closed_while_ringing (SipnatTestFaults *f,
                           gconstpointer     data)
{
  SipnatTestResult closed = { 0 };

  push_invite_answer (f, 180, NULL);
  dial (f, FALSE);
  sipnat_test_wait_until (sipnat_test_faults_call_ringing, f, SIPNAT_TEST_FAULTS_DEADLINE_MS);

  sipnat_endpoint_close_async (f->endpoint, NULL, sipnat_test_close_cb, &closed);
  wait_dial_fails (f, SIPNAT_ERROR_CLOSED, g_get_monotonic_time ());
  sipnat_test_faults_wait_request (f, "CANCEL", 1);
  sipnat_test_wait_flag (&closed.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_clear_error (&closed.error);
}

/* Hung up while the candidates are gathered (a STUN server that does
 * not answer makes that last): no INVITE ever goes out. */
static void
test_hangup_while_gathering (SipnatTestFaults *f,
                             gconstpointer     data)
{
  sipnat_nat_policy_set_stun_server (f->policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (f->policy, sipnat_test_faults_closed_udp_port ());
  dial (f, FALSE);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_CALLING);

  /* libnice (0.1.21) warns when its agent closes while it resolves the
   * STUN server, even an IP literal; the resolution cannot have ended
   * yet: the context has not run since the dial. */
  g_test_expect_message ("libnice", G_LOG_LEVEL_WARNING, "*Can't resolve STUN server*");
  sipnat_call_hangup (f->call);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_CALL_ENDED);
  /* Nothing would follow an INVITE sent late to show that none was:
   * wait out the gathering bound (3 s) and a margin. */
  sipnat_test_run_for (4000);
  g_assert_cmpuint (sipnat_test_faults_count (f, "INVITE"), ==, 0);
  g_test_assert_expected_messages ();
}

/* ---------------------------------------------------------------------- */
/* Outgoing: digest                                                       */

static void
test_proxy_challenge (SipnatTestFaults *f,
                      gconstpointer     data)
{
  const char *invite;

  sipnat_nat_policy_set_ice_enabled (f->policy, FALSE);
  sipnat_fake_registrar_push_challenge_for (f->fake, "INVITE", 407);
  push_invite_answer (f, 200, SIPNAT_TEST_PLAIN_SDP);
  dial (f, FALSE);

  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_true (f->result.ok);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);
  g_assert_cmpuint (sipnat_test_faults_count (f, "INVITE"), ==, 2);

  invite = last_request (f, "INVITE");
  g_assert_nonnull (strstr (invite, "Proxy-Authorization: Digest"));
  g_assert_nonnull (strstr (invite, sipnat_fake_registrar_get_nonce (f->fake)));
  g_assert_nonnull (strstr (invite, "realm=\"fake\""));
  g_assert_null (strstr (invite, "alicepw"));

  sipnat_call_hangup (f->call);
  sipnat_test_faults_wait_request (f, "BYE", 1);
}

/* Every answered challenge is challenged again (a wrong password). */
static void
test_proxy_challenge_refused (SipnatTestFaults *f,
                              gconstpointer     data)
{
  sipnat_nat_policy_set_ice_enabled (f->policy, FALSE);
  for (guint i = 0; i < 5; i++)
    sipnat_fake_registrar_push_challenge_for (f->fake, "INVITE", 407);
  dial (f, FALSE);

  wait_dial_fails (f, SIPNAT_ERROR_AUTH_FAILED, g_get_monotonic_time ());
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 407);
  g_test_message ("%u INVITEs before giving up", sipnat_test_faults_count (f, "INVITE"));
  g_assert_cmpuint (sipnat_test_faults_count (f, "INVITE"), <=, 3);
  g_assert_cmpuint (sipnat_test_faults_count (f, "BYE"), ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Outgoing: STUN and TURN servers that are not there                     */

static void
test_stun_unreachable (SipnatTestFaults *f,
                       gconstpointer     data)
{
  gboolean ice = GPOINTER_TO_INT (data);
  const char *invite;
  gint64 start;
  gint64 ms;

  sipnat_nat_policy_set_ice_enabled (f->policy, ice);
  sipnat_nat_policy_set_stun_server (f->policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (f->policy, sipnat_test_faults_closed_udp_port ());
  push_invite_answer (f, 180, NULL);

  start = g_get_monotonic_time ();
  dial (f, FALSE);
  sipnat_test_faults_wait_request (f, "INVITE", 1);
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
  sipnat_test_faults_wait_request (f, "CANCEL", 1);
}

static void
test_turn_unreachable_forced (SipnatTestFaults *f,
                              gconstpointer     data)
{
  gint64 ms;

  sipnat_nat_policy_set_turn_server (f->policy, "127.0.0.1");
  sipnat_nat_policy_set_turn_server_port (f->policy, sipnat_test_faults_closed_udp_port ());
  sipnat_nat_policy_set_turn_user_name (f->policy, "alice");
  sipnat_nat_policy_set_turn_password (f->policy, "turnpw");
  sipnat_nat_policy_set_force_relay (f->policy, TRUE);

  dial (f, FALSE);
  ms = wait_dial_fails (f, SIPNAT_ERROR_RELAY_FAILED, g_get_monotonic_time ());
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (6000));
  g_assert_cmpuint (sipnat_test_faults_count (f, "INVITE"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  sipnat_test_faults_init (&argc, &argv);

  SIPNAT_TEST_FAULTS_ADD_EACH ("outgoing/bad-answer", bad_answers, test_bad_answer);
  SIPNAT_TEST_FAULTS_ADD_EACH ("outgoing/plain-answer", plain_answers, test_plain_answer);
  SIPNAT_TEST_FAULTS_ADD_EACH ("outgoing/refused", refusals, test_refused);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/ice-checks-unanswered", test_ice_checks_unanswered, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/bye-while-connecting", test_bye_while_connecting, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/no-answer", test_no_answer, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/silent-peer", test_silent_peer, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/cancelled-while-ringing", test_cancelled_while_ringing, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/closed-while-ringing", test_closed_while_ringing, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/hangup-while-gathering", test_hangup_while_gathering, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/proxy-challenge", test_proxy_challenge, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/proxy-challenge-refused", test_proxy_challenge_refused, NULL);
  SIPNAT_TEST_FAULTS_ADD ("outgoing/stun-unreachable/ice", test_stun_unreachable,
                          GINT_TO_POINTER (TRUE));
  SIPNAT_TEST_FAULTS_ADD ("outgoing/stun-unreachable/no-ice", test_stun_unreachable,
                          GINT_TO_POINTER (FALSE));
  SIPNAT_TEST_FAULTS_ADD ("outgoing/turn-unreachable-forced", test_turn_unreachable_forced, NULL);

  return g_test_run ();
}
