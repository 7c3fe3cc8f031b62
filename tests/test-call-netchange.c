/* test-call-netchange.c: an active call follows a network change
 *
 * Two endpoints call each other through the test Kamailio on loopback,
 * with ICE. A network change is injected into an endpoint's monitor (the
 * NAT lab test, tests/nat/test-nat-callmove.sh, moves a real client): the
 * endpoint's stack stays (it is bound to 127.0.0.1), so the call
 * restarts ICE with a re-INVITE, and the audio flows on the new pair.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-call-impl-private.h"
#include "sipnat-endpoint-impl-private.h"
#include "sipnat-network-monitor-private.h"
#include "sipnat-test-registrar.h"
#include "sipnat-test-utils.h"

#define CALL_DEADLINE_MS 15000

typedef struct {
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  SipnatCall *call;
  GstElement *pipeline;
  SipnatTestResult result;
  guint pairs;                 /* selected-pair-changed so far */
  gboolean drop_on_pair;       /* drop the endpoint and call in it */
} Side;

typedef struct {
  SipnatTestRegistrar *kamailio;
  char *server;
  Side alice;
  Side bob;
} Fixture;

static void
pair_changed_cb (SipnatCall          *call,
                 SipnatCandidatePair *pair,
                 Side                *side)
{
  g_assert_nonnull (pair);
  side->pairs++;
  if (side->drop_on_pair)
    {
      g_clear_object (&side->call);
      g_clear_object (&side->endpoint);
    }
}

static void
side_watch (Side *side)
{
  g_signal_connect (side->call, "selected-pair-changed", G_CALLBACK (pair_changed_cb), side);
  side->pipeline = sipnat_test_call_pipeline (side->call);
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  Side           *side)
{
  g_clear_object (&side->call);
  side->call = g_object_ref (call);
  side_watch (side);
  sipnat_call_answer_async (call, NULL, sipnat_test_answer_cb, &side->result);
}

static void
side_set_up (Fixture    *f,
             Side       *side,
             const char *user,
             const char *password)
{
  g_autoptr(GError) error = NULL;

  side->endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  side->reg = sipnat_endpoint_add_registration (side->endpoint, f->server, user);
  sipnat_registration_set_password (side->reg, password);
  sipnat_nat_policy_set_ice_enabled (sipnat_registration_get_nat_policy (side->reg), TRUE);
  g_signal_connect (side->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), side);
  g_assert_true (sipnat_test_register (side->reg, &error));
  g_assert_no_error (error);
}

static void
side_tear_down (Side *side)
{
  if (side->pipeline != NULL)
    gst_element_set_state (side->pipeline, GST_STATE_NULL);
  g_clear_object (&side->pipeline);
  g_clear_object (&side->call);
  g_clear_error (&side->result.error);
  sipnat_test_drop_endpoint (&side->endpoint);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE };
  g_autoptr(GError) error = NULL;

  f->kamailio = sipnat_test_registrar_start (&options, &error);
  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);
  f->server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (f->kamailio));
  side_set_up (f, &f->alice, "alice", "alicepw");
  side_set_up (f, &f->bob, "bob", "bobpw");
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

static gboolean
both_received_50 (gpointer data)
{
  Fixture *f = data;

  return sipnat_test_rtp_received (f->alice.call) >= 50 &&
         sipnat_test_rtp_received (f->bob.call) >= 50;
}

static void
connect_call (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  guint deadline = sipnat_test_deadline_ms (CALL_DEADLINE_MS);

  f->alice.call = sipnat_registration_create_call (f->alice.reg, "bob", &error);
  g_assert_no_error (error);
  side_watch (&f->alice);
  sipnat_call_dial_async (f->alice.call, NULL, sipnat_test_dial_cb, &f->alice.result);
  sipnat_test_wait_flag (&f->alice.result.done, deadline);
  g_assert_no_error (f->alice.result.error);
  sipnat_test_wait_flag (&f->bob.result.done, deadline);
  g_assert_no_error (f->bob.result.error);
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ACTIVE);
  g_assert_cmpint (sipnat_call_get_state (f->bob.call), ==, SIPNAT_CALL_STATE_ACTIVE);
  sipnat_test_wait_until (both_received_50, f, deadline);
}

/* The value of a=ice-ufrag in @sdp. */
static char *
ufrag_of (const char *sdp)
{
  const char *p = strstr (sdp, "a=ice-ufrag:");

  g_assert_nonnull (p);
  p += strlen ("a=ice-ufrag:");
  return g_strndup (p, strcspn (p, "\r\n"));
}

static void
inject_change (Side *side)
{
  /* Another address beside the one the stack is bound to: a change the
   * monitor reports, and the stack stays. */
  const char *addresses[] = { "127.0.0.1", "192.0.2.99", NULL };

  _sipnat_network_monitor_inject (_sipnat_endpoint_get_network_monitor (side->endpoint),
                                  addresses, TRUE);
}

typedef struct {
  Side *side;
  guint pairs;
} PairWait;

static gboolean
new_pair (gpointer data)
{
  PairWait *w = data;

  return w->side->pairs > w->pairs;
}

typedef struct {
  Fixture *f;
  guint64 alice;
  guint64 bob;
} GrowWait;

static gboolean
both_grew_50 (gpointer data)
{
  GrowWait *w = data;

  return sipnat_test_rtp_received (w->f->alice.call) >= w->alice + 50 &&
         sipnat_test_rtp_received (w->f->bob.call) >= w->bob + 50;
}

static void
assert_audio_again (Fixture *f)
{
  GrowWait grow = { f, sipnat_test_rtp_received (f->alice.call),
                    sipnat_test_rtp_received (f->bob.call) };

  sipnat_test_wait_until (both_grew_50, &grow, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpint (sipnat_call_get_state (f->alice.call), ==, SIPNAT_CALL_STATE_ACTIVE);
  g_assert_cmpint (sipnat_call_get_state (f->bob.call), ==, SIPNAT_CALL_STATE_ACTIVE);
}

static gboolean
restart_answered (gpointer data)
{
  Side *side = data;

  return side->call->restarts_sent > 0 && !side->call->reinvite_pending &&
         side->call->glare_source == NULL;
}

/* The caller's network changes: its re-INVITE carries new ICE
 * credentials, the callee answers with new ones too, a pair is selected
 * again on both sides and the audio flows on it. */
static void
test_restart (Fixture       *f,
              gconstpointer  data)
{
  Side *mover = GPOINTER_TO_INT (data) ? &f->bob : &f->alice;
  Side *other = mover == &f->alice ? &f->bob : &f->alice;
  g_autofree char *mover_ufrag = NULL;
  g_autofree char *other_ufrag = NULL;
  g_autofree char *mover_ufrag_after = NULL;
  g_autofree char *other_ufrag_after = NULL;
  PairWait mover_pair, other_pair;
  gint64 start;

  if (f->kamailio == NULL)
    return;

  connect_call (f);
  mover_ufrag = ufrag_of (mover->call->local_sdp);
  other_ufrag = ufrag_of (other->call->local_sdp);
  mover_pair = (PairWait) { mover, mover->pairs };
  other_pair = (PairWait) { other, other->pairs };
  g_assert_cmpuint (mover->call->restarts_sent, ==, 0);

  start = g_get_monotonic_time ();
  inject_change (mover);
  sipnat_test_wait_until (restart_answered, mover, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpuint (mover->call->restarts_sent, ==, 1);
  g_assert_cmpuint (other->call->restarts_sent, ==, 0);

  /* New credentials both ways (RFC 8839 section 4.4.1.1.1). */
  mover_ufrag_after = ufrag_of (mover->call->local_sdp);
  other_ufrag_after = ufrag_of (other->call->local_sdp);
  g_assert_cmpstr (mover_ufrag, !=, mover_ufrag_after);
  g_assert_cmpstr (other_ufrag, !=, other_ufrag_after);

  sipnat_test_wait_until (new_pair, &mover_pair, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  sipnat_test_wait_until (new_pair, &other_pair, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_test_message ("change to a pair selected again on both sides: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  assert_audio_again (f);
  g_test_message ("change to 50 more packets each way: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
}

static gboolean
both_restarted (gpointer data)
{
  Fixture *f = data;

  return restart_answered (&f->alice) && restart_answered (&f->bob) &&
         f->alice.call->glare_source == NULL && f->bob.call->glare_source == NULL;
}

static gboolean
one_restarted (gpointer data)
{
  Fixture *f = data;

  return (f->alice.call->restarts_sent > 0 || f->bob.call->restarts_sent > 0) &&
         !f->alice.call->reinvite_pending && !f->bob.call->reinvite_pending &&
         f->alice.call->glare_source == NULL && f->bob.call->glare_source == NULL;
}

/* Both networks change at once: the re-INVITEs may cross (491 both
 * ways); each side waits its random delay (RFC 3261 section 14.1) and the
 * first retry restarts ICE for both. */
static void
test_glare (Fixture       *f,
            gconstpointer  data)
{
  PairWait alice_pair, bob_pair;

  if (f->kamailio == NULL)
    return;

  connect_call (f);
  alice_pair = (PairWait) { &f->alice, f->alice.pairs };
  bob_pair = (PairWait) { &f->bob, f->bob.pairs };
  inject_change (&f->alice);
  inject_change (&f->bob);
  sipnat_test_wait_until (one_restarted, f, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_test_message ("re-INVITEs sent: alice %u, bob %u", f->alice.call->restarts_sent,
                  f->bob.call->restarts_sent);
  (void) both_restarted;

  sipnat_test_wait_until (new_pair, &alice_pair, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  sipnat_test_wait_until (new_pair, &bob_pair, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  assert_audio_again (f);
}

static gboolean
endpoint_gone (gpointer data)
{
  Side *side = data;

  return side->endpoint == NULL;
}

static gboolean
call_ended (gpointer data)
{
  Side *side = data;

  return side->call != NULL && sipnat_call_get_state (side->call) == SIPNAT_CALL_STATE_ENDED;
}

/* A handler of the new pair's selected-pair-changed drops the call and
 * the endpoint (the last references): nothing breaks, the peer hears the
 * call end. */
static void
test_drop_on_new_pair (Fixture       *f,
                       gconstpointer  data)
{
  if (f->kamailio == NULL)
    return;

  connect_call (f);
  f->alice.drop_on_pair = TRUE;
  inject_change (&f->alice);
  sipnat_test_wait_until (endpoint_gone, &f->alice, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_null (f->alice.call);
  sipnat_test_wait_until (call_ended, &f->bob, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

#define ADD(path, func, data) \
  g_test_add ("/call/netchange/" path, Fixture, GINT_TO_POINTER (data), set_up, func, tear_down)

  ADD ("caller-moves", test_restart, 0);
  ADD ("callee-moves", test_restart, 1);
  ADD ("glare", test_glare, 0);
  ADD ("reentrancy/drop-in-selected-pair-changed", test_drop_on_new_pair, 0);

  return g_test_run ();
}
