/* test-call-faults-incoming.c: incoming calls that meet bad input and
 * faults (outgoing ones: test-call-faults.c)
 *
 * The fake registrar is the remote party: alice registers with it, and it
 * calls her (INVITE, CANCEL, re-INVITE, BYE) and records what she
 * answers. Every case ends within a bounded time, with the SIP that had
 * to go out (488, 404, 487) seen by the fake.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>
#include <string.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-call-faults.h"
#include "sipnat-test-utils.h"

/* ---------------------------------------------------------------------- */
/* Incoming                                                               */

static guint16
alice_port (SipnatTestFaults *f)
{
  return sipnat_endpoint_get_local_port (f->endpoint);
}

typedef struct {
  SipnatTestFaults *f;
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
wait_final (SipnatTestFaults *f,
            const char       *method)
{
  FinalWait w = { f, method };

  sipnat_test_wait_until (got_final, &w, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  return sipnat_fake_registrar_get_final_status (f->fake, method);
}

/* The fake calls alice with @offer, and she answers. */
static void
call_alice (SipnatTestFaults *f,
            const char       *offer)
{
  f->answer = TRUE;
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL, offer);
}

/* The fake calls alice with an offer without ICE; waits until her answer
 * succeeded and the fake got its 200. */
static void
answered_plain_call (SipnatTestFaults *f)
{
  call_alice (f, SIPNAT_TEST_PLAIN_SDP);
  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
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
  { "unknown-user", "nobody", SIPNAT_TEST_PLAIN_SDP, 404 },
};

static void
test_bad_offer (SipnatTestFaults *f,
                gconstpointer     data)
{
  const BadOffer *bad = data;

  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), bad->user, NULL, bad->sdp);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, bad->status);
  g_assert_cmpuint (f->incoming, ==, 0);
  g_assert_null (f->call);
}

/* An offer without ICE: the call goes without ICE, the answer has none. */
static void
test_incoming_no_ice (SipnatTestFaults *f,
                      gconstpointer     data)
{
  const char *ok;

  call_alice (f, SIPNAT_TEST_PLAIN_SDP);
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

  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_no_error (f->result.error);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);

  sipnat_call_hangup (f->call);
  sipnat_test_faults_wait_request (f, "BYE", 1);
  g_assert_null (sipnat_call_get_error (f->call));
}

/* The remote party hangs up an active call. */
static void
test_incoming_remote_bye (SipnatTestFaults *f,
                          gconstpointer     data)
{
  answered_plain_call (f);

  sipnat_fake_registrar_send_bye (f->fake);
  g_assert_cmpuint (wait_final (f, "BYE"), ==, 200);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The remote party hung up");
  g_assert_null (sipnat_call_get_error (f->call));
}

static gboolean
call_ended (gpointer data)
{
  SipnatTestFaults *f = data;

  return f->call != NULL && sipnat_call_get_state (f->call) == SIPNAT_CALL_STATE_ENDED;
}

/* The caller gives up while alice's phone rings. */
static void
test_incoming_cancelled (SipnatTestFaults *f,
                         gconstpointer     data)
{
  sipnat_fake_registrar_send_invite (f->fake, alice_port (f), "alice", NULL,
                                     SIPNAT_TEST_PLAIN_SDP);
  sipnat_test_wait_until (sipnat_test_faults_call_ringing, f, SIPNAT_TEST_FAULTS_DEADLINE_MS);

  sipnat_fake_registrar_send_cancel (f->fake);
  sipnat_test_wait_until (call_ended, f, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The caller cancelled");
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 487);
  g_assert_cmpuint (sipnat_fake_registrar_get_final_status (f->fake, "CANCEL"), ==, 200);
}

/* A re-INVITE putting alice on hold: she answers recvonly. */
static void
test_incoming_hold (SipnatTestFaults *f,
                    gconstpointer     data)
{
  const char *ok;

  answered_plain_call (f);

  sipnat_fake_registrar_send_reinvite (f->fake,
                                       "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
                                       "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                                       "m=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
                                       "a=sendonly\r\n");
  sipnat_test_faults_wait_responses (f, 200, "INVITE", 2);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_nonnull (strstr (ok, "a=recvonly"));
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);

  /* A re-INVITE that cannot be used is refused; the call goes on. */
  sipnat_fake_registrar_send_reinvite (f->fake, "garbage\r\n");
  sipnat_test_faults_wait_responses (f, 488, "INVITE", 1);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ACTIVE);

  sipnat_call_hangup (f->call);
  sipnat_test_faults_wait_request (f, "BYE", 1);
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
test_incoming_ice_unanswered (SipnatTestFaults *f,
                              gconstpointer     data)
{
  guint16 port = sipnat_test_faults_closed_udp_port ();
  g_autofree char *candidate = g_strdup_printf (
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n", port);
  g_autofree char *offer = ice_offer (candidate);
  const char *ok;
  gint64 answered;
  gint64 ms;

  call_alice (f, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  answered = g_get_monotonic_time ();
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_nonnull (strstr (ok, "a=ice-ufrag:"));
  g_assert_nonnull (strstr (ok, "a=candidate:"));
  g_assert_nonnull (strstr (ok, "a=rtcp-mux"));
  g_assert_null (strstr (ok, "a=rtcp:"));
  g_assert_false (g_regex_match_simple ("a=candidate:\\S+ 2 UDP", ok, 0, 0));

  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  ms = (g_get_monotonic_time () - answered) / 1000;
  g_test_message ("ICE failed %" G_GINT64_FORMAT " ms after the 200", ms);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_ICE_FAILED);
  g_assert_cmpint (ms, <, sipnat_test_deadline_ms (15000));
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  sipnat_test_faults_wait_request (f, "BYE", 1);
}

/* A re-INVITE with new ICE credentials (an ICE restart, RFC 8839 section
 * 4.4.1.1.1): answered with new credentials of ours, the checks start
 * again. */
static void
test_incoming_ice_restart (SipnatTestFaults *f,
                           gconstpointer     data)
{
  g_autofree char *candidate = g_strdup_printf (
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n",
    sipnat_test_faults_closed_udp_port ());
  g_autofree char *offer = ice_offer (candidate);
  g_autofree char *restart = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  const char *ok;

  call_alice (f, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  first = sipnat_test_sdp_ufrag (ok);

  restart = g_strdup_printf ("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\n"
                             "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                             "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp-mux\r\n"
                             "a=ice-ufrag:wxyz\r\na=ice-pwd:abcdefghijklmnopqrstuv\r\n%s",
                             candidate);
  sipnat_fake_registrar_send_reinvite (f->fake, restart);
  sipnat_test_faults_wait_responses (f, 200, "INVITE", 2);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  second = sipnat_test_sdp_ufrag (ok);
  g_assert_cmpstr (first, !=, second);
  g_assert_nonnull (strstr (ok, "a=candidate:"));
  g_assert_cmpint (sipnat_call_get_state (f->call), !=, SIPNAT_CALL_STATE_ENDED);

  sipnat_call_hangup (f->call);
  sipnat_test_faults_wait_request (f, "BYE", 1);
}

/* An offer without rtcp-mux (baresip's default): the answer keeps RTCP
 * on its own component, with its candidates and a=rtcp. */
static void
test_incoming_rtcp_not_muxed (SipnatTestFaults *f,
                              gconstpointer     data)
{
  g_autofree char *offer = g_strdup_printf (
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
    "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
    "a=ice-ufrag:abcd\r\na=ice-pwd:0123456789abcdefghijkl\r\n"
    "a=candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host\r\n"
    "a=candidate:1 2 UDP 2130706430 127.0.0.1 %u typ host\r\n",
    sipnat_test_faults_closed_udp_port (), sipnat_test_faults_closed_udp_port ());
  const char *ok;

  call_alice (f, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 200);
  ok = sipnat_fake_registrar_get_last_response (f->fake, 200, "INVITE");
  g_assert_null (strstr (ok, "a=rtcp-mux"));
  g_assert_nonnull (strstr (ok, "a=rtcp:"));
  g_assert_true (g_regex_match_simple ("a=candidate:\\S+ 1 UDP", ok, 0, 0));
  g_assert_true (g_regex_match_simple ("a=candidate:\\S+ 2 UDP", ok, 0, 0));

  sipnat_call_hangup (f->call);
  sipnat_test_faults_wait_request (f, "BYE", 1);
}

/* ICE attributes whose candidates are all unusable: the call rings (the
 * candidates are read when answering), and answering refuses it with 488
 * and BAD_SDP. */
static void
test_incoming_ice_garbage (SipnatTestFaults *f,
                           gconstpointer     data)
{
  g_autofree char *offer = ice_offer ("a=candidate:garbage\r\n"
                                      "a=candidate:1 1 UDP 1 999.1.1.1 1 typ host\r\n"
                                      "a=candidate:1 1 UDP 1 127.0.0.1 70000 typ host\r\n"
                                      "a=candidate:\r\n");
  gint64 start = g_get_monotonic_time ();

  call_alice (f, offer);
  g_assert_cmpuint (wait_final (f, "INVITE"), ==, 488);
  g_assert_cmpuint (f->incoming, ==, 1);
  sipnat_test_wait_flag (&f->result.done, SIPNAT_TEST_FAULTS_DEADLINE_MS);
  g_test_message ("answer failed after %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000, f->result.error->message);
  g_assert_error (f->result.error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpuint (sipnat_call_get_status_code (f->call), ==, 488);
  g_assert_cmpuint (sipnat_test_faults_count (f, "BYE"), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  sipnat_test_faults_init (&argc, &argv);

  SIPNAT_TEST_FAULTS_ADD_EACH ("incoming/bad-offer", bad_offers, test_bad_offer);
  SIPNAT_TEST_FAULTS_ADD ("incoming/no-ice", test_incoming_no_ice, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/remote-bye", test_incoming_remote_bye, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/cancelled", test_incoming_cancelled, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/hold", test_incoming_hold, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/ice-checks-unanswered", test_incoming_ice_unanswered, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/rtcp-not-multiplexed", test_incoming_rtcp_not_muxed, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/ice-restart", test_incoming_ice_restart, NULL);
  SIPNAT_TEST_FAULTS_ADD ("incoming/ice-garbage-candidates", test_incoming_ice_garbage, NULL);

  return g_test_run ();
}
