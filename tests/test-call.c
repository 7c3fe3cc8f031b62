/* test-call.c: SipnatCall between two endpoints through a real Kamailio
 *
 * Both users register with the test Kamailio, which relays the INVITE,
 * as in the NAT lab but on loopback. Audio is counted at both ends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-test-registrar.h"
#include "sipnat-test-utils.h"

#define CALL_DEADLINE_MS 15000

typedef struct {
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  SipnatCall *call;            /* the last call, outgoing or incoming */
  GstElement *pipeline;
  gboolean answer;             /* answer incoming calls */
  guint reject_status;         /* or reject them with this */
  gboolean drop_on_incoming;   /* drop the endpoint in incoming-call */
  guint ring_seconds;          /* set no-answer-timeout in incoming-call */
  SipnatTestResult result;     /* of dial or answer */
} Side;

typedef struct {
  SipnatTestRegistrar *kamailio;
  char *server;
  Side alice;
  Side bob;
} Fixture;

/* ---------------------------------------------------------------------- */

static void
side_start_media (Side *side)
{
  side->pipeline = sipnat_test_call_pipeline (side->call);
}

static void
side_stop_media (Side *side)
{
  if (side->pipeline == NULL)
    return;

  gst_element_set_state (side->pipeline, GST_STATE_NULL);
  g_clear_object (&side->pipeline);
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  Side           *side)
{
  g_assert_cmpint (sipnat_call_get_state (call), ==, SIPNAT_CALL_STATE_RINGING);
  g_assert_cmpint (sipnat_call_get_direction (call), ==, SIPNAT_CALL_DIRECTION_INCOMING);

  g_clear_object (&side->call);
  side->call = g_object_ref (call);
  if (side->drop_on_incoming)
    {
      g_clear_object (&side->endpoint);   /* the last reference */
      return;
    }

  if (side->ring_seconds != 0)
    sipnat_call_set_no_answer_timeout (call, side->ring_seconds);
  side_start_media (side);
  if (side->answer)
    sipnat_call_answer_async (call, NULL, sipnat_test_answer_cb, &side->result);
  else if (side->reject_status != 0)
    sipnat_call_reject (call, side->reject_status);
}

static void
side_set_up (Fixture    *f,
             Side       *side,
             const char *user,
             const char *password,
             gboolean    ice)
{
  g_autoptr(GError) error = NULL;

  side->endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  side->reg = sipnat_endpoint_add_registration (side->endpoint, f->server, user);
  sipnat_registration_set_password (side->reg, password);
  sipnat_nat_policy_set_ice_enabled (sipnat_registration_get_nat_policy (side->reg), ice);
  g_signal_connect (side->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), side);
  g_assert_true (sipnat_test_register (side->reg, &error));
  g_assert_no_error (error);
}

static void
side_tear_down (Side *side)
{
  side_stop_media (side);
  g_clear_object (&side->call);
  g_clear_error (&side->result.error);
  sipnat_test_drop_endpoint (&side->endpoint);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE };
  gboolean ice = GPOINTER_TO_INT (data);
  g_autoptr(GError) error = NULL;

  f->kamailio = sipnat_test_registrar_start (&options, &error);
  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);
  f->server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (f->kamailio));
  side_set_up (f, &f->alice, "alice", "alicepw", ice);
  side_set_up (f, &f->bob, "bob", "bobpw", ice);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  side_tear_down (&f->alice);
  side_tear_down (&f->bob);
  g_clear_pointer (&f->kamailio, sipnat_test_registrar_stop);
  g_clear_pointer (&f->server, g_free);
}

/* ---------------------------------------------------------------------- */

static void
dial (Fixture    *f,
      const char *target)
{
  g_autoptr(GError) error = NULL;

  f->alice.call = sipnat_registration_create_call (f->alice.reg, target, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_IDLE);
  side_start_media (&f->alice);
  sipnat_call_dial_async (f->alice.call, NULL, sipnat_test_dial_cb, &f->alice.result);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_CALLING);
}

typedef struct {
  SipnatCall **call;
  SipnatCallState state;
} StateWait;

static gboolean
call_in_state (gpointer data)
{
  StateWait *w = data;

  return *w->call != NULL && sipnat_call_get_state (*w->call) == w->state;
}

static void
wait_call_state (SipnatCall      **call,
                 SipnatCallState   state)
{
  StateWait w = { call, state };

  sipnat_test_wait_until (call_in_state, &w, CALL_DEADLINE_MS);
}

static gboolean
both_received_100 (gpointer data)
{
  Fixture *f = data;

  return sipnat_test_rtp_received (f->alice.call) >= 100 &&
         sipnat_test_rtp_received (f->bob.call) >= 100;
}

/* At least 90 % of what one side sent arrived at the other. */
static void
assert_audio_arrives (Side *from,
                      Side *to)
{
  g_autoptr(SipnatCallStats) sent = sipnat_call_get_stats (from->call);
  guint64 wanted = sipnat_call_stats_get_rtp_packets_sent (sent) * 9 / 10;
  g_autoptr(SipnatCallStats) got = NULL;

  /* What was sent by then is all in by a moment later. */
  while (sipnat_test_rtp_received (to->call) < wanted)
    g_main_context_iteration (NULL, TRUE);
  got = sipnat_call_get_stats (to->call);
  g_assert_cmpuint (sipnat_call_stats_get_rtp_packets_received (got), >=, wanted);
  g_assert_cmpint (sipnat_call_stats_get_connect_time (got), >=, 0);
}

static void
connect_call (Fixture *f)
{
  f->bob.answer = TRUE;
  dial (f, "bob");
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_no_error (f->alice.result.error);
  g_assert_true (f->alice.result.ok);
  sipnat_test_wait_flag (&f->bob.result.done, CALL_DEADLINE_MS);
  g_assert_no_error (f->bob.result.error);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ACTIVE);
  g_assert_cmpint (sipnat_call_get_state (f->bob.call), ==, SIPNAT_CALL_STATE_ACTIVE);
}

static void
test_answer_hangup (Fixture       *f,
                    gconstpointer  data)
{
  gboolean ice = GPOINTER_TO_INT (data);
  const SipnatCandidatePair *pair;

  if (f->kamailio == NULL)
    return;

  connect_call (f);
  g_assert_true (g_str_has_prefix (sipnat_call_get_remote_uri (f->bob.call), "sip:alice@"));

  sipnat_test_wait_until (both_received_100, f, CALL_DEADLINE_MS);
  assert_audio_arrives (&f->alice, &f->bob);
  assert_audio_arrives (&f->bob, &f->alice);

  pair = sipnat_call_get_selected_pair (f->alice.call);
  g_assert_nonnull (pair);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  g_assert_cmpint (sipnat_candidate_pair_get_transport (pair), ==, SIPNAT_MEDIA_TRANSPORT_UDP);
  if (ice)
    g_assert_cmpint (sipnat_candidate_pair_get_remote_type (pair), ==,
                     SIPNAT_CANDIDATE_TYPE_HOST);

  sipnat_call_hangup (f->alice.call);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_null (sipnat_call_get_error (f->alice.call));
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->bob.call), ==, "The remote party hung up");
  g_assert_null (sipnat_call_get_error (f->bob.call));
}

static void
test_callee_hangs_up (Fixture       *f,
                      gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  connect_call (f);
  sipnat_call_hangup (f->bob.call);
  wait_call_state (&f->alice.call, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->alice.call), ==, "The remote party hung up");
}

/* alice's dial failed with @code and the SIP @status; her call ended. */
static void
assert_dial_failed (Fixture *f,
                    int      code,
                    guint    status)
{
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_error (f->alice.result.error, SIPNAT_ERROR, code);
  g_assert_cmpuint (sipnat_call_get_status_code (f->alice.call), ==, status);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ENDED);
}

static void
test_reject (Fixture       *f,
             gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  f->bob.reject_status = 486;
  dial (f, "sip:bob@127.0.0.1");
  assert_dial_failed (f, SIPNAT_ERROR_REJECTED, 486);
  g_assert_cmpint (sipnat_call_get_state (f->bob.call), ==, SIPNAT_CALL_STATE_ENDED);
}

static void
test_no_answer (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (f->kamailio == NULL)
    return;

  f->alice.call = sipnat_registration_create_call (f->alice.reg, "bob", &error);
  g_assert_no_error (error);
  sipnat_call_set_no_answer_timeout (f->alice.call, 2);
  side_start_media (&f->alice);
  sipnat_call_dial_async (f->alice.call, NULL, sipnat_test_dial_cb, &f->alice.result);

  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_error (f->alice.result.error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->alice.call), ==, "No answer within 2 s");
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->bob.call), ==, "The caller cancelled");
}

static void
test_caller_cancels (Fixture       *f,
                     gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  dial (f, "bob");
  wait_call_state (&f->alice.call, SIPNAT_CALL_STATE_RINGING);
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_RINGING);
  sipnat_call_hangup (f->alice.call);
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_error (f->alice.result.error, SIPNAT_ERROR, SIPNAT_ERROR_CALL_ENDED);
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->bob.call), ==, "The caller cancelled");
}

static void
test_unknown_user (Fixture       *f,
                   gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  dial (f, "nobody");
  assert_dial_failed (f, SIPNAT_ERROR_REJECTED, 404);
}

static void
test_invalid_targets (Fixture       *f,
                      gconstpointer  data)
{
  const char *bad[] = {
    "sip:bob@127.0.0.1?X-Injected=1", "bob\r\nX-Injected: 1", "sip:b ob@127.0.0.1",
    "sip:bob@127.0.0.1>", "\"bob\"", "sip:bob@", "sip:bob@127.0.0.1:99999",
  };

  if (f->kamailio == NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatCall) call = sipnat_registration_create_call (f->alice.reg, bad[i], &error);

      g_test_message ("target %s", bad[i]);
      g_assert_null (call);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
    }
}

/* The callee shortens how long its phone rings, in incoming-call: the
 * call ends with 480 after that, on both sides. */
static void
test_callee_ring_timeout (Fixture       *f,
                          gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  f->bob.ring_seconds = 1;
  dial (f, "bob");
  assert_dial_failed (f, SIPNAT_ERROR_REJECTED, 480);
  g_assert_cmpint (sipnat_call_get_state (f->bob.call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_error ((GError *) sipnat_call_get_error (f->bob.call), SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->bob.call), ==, "No answer within 1 s");
}

/* Application code may drop the endpoint in incoming-call. */
static void
test_drop_in_incoming (Fixture       *f,
                       gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  f->bob.drop_on_incoming = TRUE;
  dial (f, "bob");
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_nonnull (f->alice.result.error);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ENDED);
  g_assert_cmpint (sipnat_call_get_state (f->bob.call), ==, SIPNAT_CALL_STATE_ENDED);
}

static void
drop_on_active (SipnatCall *call,
                GParamSpec *pspec,
                Side       *side)
{
  if (sipnat_call_get_state (call) == SIPNAT_CALL_STATE_ACTIVE)
    g_clear_object (&side->endpoint);
}

/* ... and in a call's notify::state. */
static void
test_drop_on_active (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (f->kamailio == NULL)
    return;

  f->bob.answer = TRUE;
  f->alice.call = sipnat_registration_create_call (f->alice.reg, "bob", &error);
  g_signal_connect (f->alice.call, "notify::state", G_CALLBACK (drop_on_active), &f->alice);
  side_start_media (&f->alice);
  sipnat_call_dial_async (f->alice.call, NULL, sipnat_test_dial_cb, &f->alice.result);
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_null (f->alice.endpoint);
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_ENDED);
}

static void
hangup_on_pair (SipnatCall          *call,
                SipnatCandidatePair *pair,
                gpointer             data)
{
  g_assert_nonnull (pair);
  sipnat_call_hangup (call);
}

/* ... and hang up in selected-pair-changed. */
static void
test_hangup_on_pair (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (f->kamailio == NULL)
    return;

  f->bob.answer = TRUE;
  f->alice.call = sipnat_registration_create_call (f->alice.reg, "bob", &error);
  g_signal_connect (f->alice.call, "selected-pair-changed", G_CALLBACK (hangup_on_pair), NULL);
  side_start_media (&f->alice);
  sipnat_call_dial_async (f->alice.call, NULL, sipnat_test_dial_cb, &f->alice.result);
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ENDED);
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_ENDED);
}

static void
close_in_dial_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  Side *side = data;

  side->result.ok = sipnat_call_dial_finish (SIPNAT_CALL (source), result, &side->result.error);
  side->result.done = TRUE;
  sipnat_endpoint_close_async (side->endpoint, NULL, NULL, NULL);
}

/* ... and close the endpoint in the dial callback: the call is hung up. */
static void
test_close_in_dial_cb (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  if (f->kamailio == NULL)
    return;

  f->bob.answer = TRUE;
  f->alice.call = sipnat_registration_create_call (f->alice.reg, "bob", &error);
  side_start_media (&f->alice);
  sipnat_call_dial_async (f->alice.call, NULL, close_in_dial_cb, &f->alice);
  sipnat_test_wait_flag (&f->alice.result.done, CALL_DEADLINE_MS);
  g_assert_true (f->alice.result.ok);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ENDED);
  wait_call_state (&f->bob.call, SIPNAT_CALL_STATE_ENDED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

#define ADD(path, func, ice) \
  g_test_add ("/call/kamailio/" path, Fixture, GINT_TO_POINTER (ice), set_up, func, tear_down)

  ADD ("ice/answer-hangup", test_answer_hangup, TRUE);
  ADD ("no-ice/answer-hangup", test_answer_hangup, FALSE);
  ADD ("callee-hangs-up", test_callee_hangs_up, TRUE);
  ADD ("reject", test_reject, TRUE);
  ADD ("no-answer", test_no_answer, TRUE);
  ADD ("caller-cancels", test_caller_cancels, TRUE);
  ADD ("callee-ring-timeout", test_callee_ring_timeout, TRUE);
  ADD ("unknown-user", test_unknown_user, TRUE);
  ADD ("invalid-targets", test_invalid_targets, TRUE);
  ADD ("reentrancy/drop-in-incoming-call", test_drop_in_incoming, TRUE);
  ADD ("reentrancy/drop-on-active", test_drop_on_active, TRUE);
  ADD ("reentrancy/hangup-in-selected-pair-changed", test_hangup_on_pair, TRUE);
  ADD ("reentrancy/close-in-dial-callback", test_close_in_dial_cb, TRUE);

  return g_test_run ();
}
