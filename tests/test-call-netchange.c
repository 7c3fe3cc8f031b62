/* test-call-netchange.c: an active call follows a network change
 *
 * Two endpoints call each other through the test Kamailio on loopback,
 * with ICE. A network change is injected into an endpoint's monitor (the
 * NAT lab test, tests/nat/test-nat-callmove.sh, moves a real client): the
 * endpoint's stack stays (it is bound to 127.0.0.1), so the call
 * restarts ICE with a re-INVITE, and the audio flows on the new pair.
 *
 * The /call/netchange/move/ cases bind the moving side to all interfaces
 * (0.0.0.0): an injected address list without the machine's own
 * addresses makes the endpoint replace its stack, and the call moves to
 * the new one (sipnat-call-move.c): a re-INVITE from the new stack with
 * a new Contact and new media candidates; the peer's BYE then reaches
 * the new handle. A move that fails ends the call, "The network changed".
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
  gboolean drop_on_end;        /* drop them when the call ends */
  guint ended;                 /* notify::state to ENDED */
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
state_cb (SipnatCall *call,
          GParamSpec *pspec,
          Side       *side)
{
  if (sipnat_call_get_state (call) != SIPNAT_CALL_STATE_ENDED)
    return;
  side->ended++;
  if (side->drop_on_end)
    {
      g_clear_object (&side->call);
      g_clear_object (&side->endpoint);
    }
}

static void
side_watch (Side *side)
{
  g_signal_connect (side->call, "selected-pair-changed", G_CALLBACK (pair_changed_cb), side);
  g_signal_connect (side->call, "notify::state", G_CALLBACK (state_cb), side);
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

/* Bits of the test data. */
#define BOB_MOVES     1
#define MOVER_ON_ALL  2   /* the moving side bound to all interfaces */
#define NO_ICE        4   /* both sides without ICE: plain RTP sockets */

static void
side_set_up (Fixture    *f,
             Side       *side,
             const char *user,
             const char *password,
             const char *address,
             gboolean    ice)
{
  g_autoptr(GError) error = NULL;

  side->endpoint = sipnat_endpoint_new (address, 0, NULL, &error);
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
  guint flags = GPOINTER_TO_UINT (data);

  f->kamailio = sipnat_test_registrar_start (&options, &error);
  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);
  f->server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (f->kamailio));
  side_set_up (f, &f->alice, "alice", "alicepw",
               (flags & (MOVER_ON_ALL | BOB_MOVES)) == MOVER_ON_ALL ? "0.0.0.0" : "127.0.0.1",
               !(flags & NO_ICE));
  side_set_up (f, &f->bob, "bob", "bobpw",
               (flags & (MOVER_ON_ALL | BOB_MOVES)) == (MOVER_ON_ALL | BOB_MOVES)
               ? "0.0.0.0" : "127.0.0.1",
               !(flags & NO_ICE));
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
  Side *mover = (GPOINTER_TO_UINT (data) & BOB_MOVES) ? &f->bob : &f->alice;
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
  mover_ufrag = sipnat_test_sdp_ufrag (mover->call->local_sdp);
  other_ufrag = sipnat_test_sdp_ufrag (other->call->local_sdp);
  mover_pair = (PairWait) { mover, mover->pairs };
  other_pair = (PairWait) { other, other->pairs };
  g_assert_cmpuint (mover->call->restarts_sent, ==, 0);

  start = g_get_monotonic_time ();
  inject_change (mover);
  sipnat_test_wait_until (restart_answered, mover, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpuint (mover->call->restarts_sent, ==, 1);
  g_assert_cmpuint (other->call->restarts_sent, ==, 0);

  /* New credentials both ways (RFC 8839 section 4.4.1.1.1). */
  mover_ufrag_after = sipnat_test_sdp_ufrag (mover->call->local_sdp);
  other_ufrag_after = sipnat_test_sdp_ufrag (other->call->local_sdp);
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

/* ---------------------------------------------------------------------- */
/* Moves to a new stack                                                   */

/* Whether the machine has an IPv4 address besides loopback: a stack bound
 * to all interfaces is then replaced when the monitor sees only
 * loopback. */
static gboolean
has_other_address (void)
{
  g_auto(GStrv) addresses = _sipnat_network_list_addresses ();

  for (guint i = 0; addresses != NULL && addresses[i] != NULL; i++)
    if (strchr (addresses[i], ':') == NULL && !g_str_has_prefix (addresses[i], "127."))
      return TRUE;
  return FALSE;
}

static void
inject_loopback_only (Side *side)
{
  const char *addresses[] = { "127.0.0.1", NULL };

  _sipnat_network_monitor_inject (_sipnat_endpoint_get_network_monitor (side->endpoint),
                                  addresses, TRUE);
}

static gboolean
move_answered (gpointer data)
{
  Side *side = data;

  return side->call == NULL || side->ended > 0 ||
         (side->call->moves_sent > 0 && !side->call->move_pending &&
          side->call->move_answer_time != 0);
}

typedef struct {
  Side *side;
  SipnatCallState state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;

  return w->side->call != NULL && sipnat_call_get_state (w->side->call) == w->state;
}

/* The caller's (or callee's) stack is replaced during the call: the call
 * moves (a re-INVITE from the new stack with new ICE credentials and
 * candidates), the old handle leaves without a BYE (the peer's call stays
 * active), the audio flows both ways again, and the peer's BYE later
 * reaches the call on its new stack. */
static void
test_move (Fixture       *f,
           gconstpointer  data)
{
  Side *mover = (GPOINTER_TO_UINT (data) & BOB_MOVES) ? &f->bob : &f->alice;
  Side *other = mover == &f->alice ? &f->bob : &f->alice;
  g_autoptr(SipnatStack) old_stack = NULL;
  gboolean ice = !(GPOINTER_TO_UINT (data) & NO_ICE);
  g_autofree char *mover_ufrag = NULL;
  g_autofree char *other_ufrag = NULL;
  g_autofree char *mover_ufrag_after = NULL;
  g_autofree char *other_ufrag_after = NULL;
  g_autofree char *mover_sdp = NULL;
  PairWait mover_pair, other_pair;
  StateWait ended = { mover, SIPNAT_CALL_STATE_ENDED };
  gint64 start;

  if (f->kamailio == NULL)
    return;
  if (!has_other_address ())
    {
      g_test_skip ("no IPv4 address besides loopback: the stack would stay");
      return;
    }

  connect_call (f);
  old_stack = _sipnat_stack_ref (mover->call->stack);
  mover_sdp = g_strdup (mover->call->local_sdp);
  if (ice)
    {
      mover_ufrag = sipnat_test_sdp_ufrag (mover->call->local_sdp);
      other_ufrag = sipnat_test_sdp_ufrag (other->call->local_sdp);
    }
  mover_pair = (PairWait) { mover, mover->pairs };
  other_pair = (PairWait) { other, other->pairs };

  start = g_get_monotonic_time ();
  inject_loopback_only (mover);
  sipnat_test_wait_until (move_answered, mover, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpuint (mover->ended, ==, 0);
  g_assert_cmpuint (other->ended, ==, 0);
  g_assert_true (mover->call->stack != old_stack);
  g_assert_true (mover->call->stack == mover->endpoint->stack);
  g_assert_cmpuint (mover->call->moves_sent, ==, 1);
  g_assert_cmpuint (mover->call->restarts_sent, ==, 0);
  g_test_message ("change to the move's re-INVITE answered: %.0f ms",
                  (mover->call->move_answer_time - start) / 1000.0);

  if (ice)
    {
      /* An ICE restart for the peer: new credentials both ways. */
      mover_ufrag_after = sipnat_test_sdp_ufrag (mover->call->local_sdp);
      other_ufrag_after = sipnat_test_sdp_ufrag (other->call->local_sdp);
      g_assert_cmpstr (mover_ufrag, !=, mover_ufrag_after);
      g_assert_cmpstr (other_ufrag, !=, other_ufrag_after);
    }
  else
    {
      /* A new socket: another m= port in the offer. */
      g_assert_null (strstr (mover->call->local_sdp, "a=ice-ufrag"));
      g_assert_cmpstr (strstr (mover_sdp, "m=audio "), !=, strstr (mover->call->local_sdp, "m=audio "));
    }

  sipnat_test_wait_until (new_pair, &mover_pair, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  sipnat_test_wait_until (new_pair, &other_pair, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_test_message ("change to a pair selected again on both sides: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  assert_audio_again (f);
  g_test_message ("change to 50 more packets each way: %.0f ms",
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_false (mover->call->moving);

  if (ice)
    {
      /* The peer's requests reach the moved dialog: its BYE ends our call. */
      sipnat_call_hangup (other->call);
      sipnat_test_wait_until (state_reached, &ended, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
      g_assert_cmpstr (sipnat_call_get_state_reason (mover->call), ==, "The remote party hung up");
    }
  else
    {
      /* Ours leave from the new stack on the dialog: our BYE ends the
       * peer's call. */
      StateWait other_ended = { other, SIPNAT_CALL_STATE_ENDED };

      sipnat_call_hangup (mover->call);
      sipnat_test_wait_until (state_reached, &other_ended,
                              sipnat_test_deadline_ms (CALL_DEADLINE_MS));
      g_assert_cmpstr (sipnat_call_get_state_reason (other->call), ==, "The remote party hung up");
    }
}

static gboolean
gathering_after_move (gpointer data)
{
  Side *side = data;

  return side->call != NULL && side->call->moving && side->call->nh == NULL;
}

/* The application hangs up while the moved call's new transport gathers
 * (a STUN server that never answers keeps it gathering): no handle has
 * the session then, and the BYE still reaches the peer. */
static void
test_move_hangup_while_gathering (Fixture       *f,
                                  gconstpointer  data)
{
  StateWait bob_ended = { &f->bob, SIPNAT_CALL_STATE_ENDED };

  if (f->kamailio == NULL)
    return;
  if (!has_other_address ())
    {
      g_test_skip ("no IPv4 address besides loopback: the stack would stay");
      return;
    }

  connect_call (f);
  /* TEST-NET-1: nothing answers there. */
  sipnat_nat_policy_set_stun_server (sipnat_registration_get_nat_policy (f->alice.reg),
                                     "192.0.2.201");
  inject_loopback_only (&f->alice);
  sipnat_test_wait_until (gathering_after_move, &f->alice,
                          sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  sipnat_call_hangup (f->alice.call);
  g_assert_cmpuint (f->alice.call->moves_sent, ==, 0);
  sipnat_test_wait_until (state_reached, &bob_ended, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpstr (sipnat_call_get_state_reason (f->bob.call), ==, "The remote party hung up");
}

/* The move's re-INVITE fails (the proxy of the route set is gone): the
 * call ends once, "The network changed", and a handler of that end may
 * drop the call and the endpoint. */
static void
test_move_fails (Fixture       *f,
                 gconstpointer  data)
{
  GWeakRef call_ref;
  SipnatCall *call;

  if (f->kamailio == NULL)
    return;
  if (!has_other_address ())
    {
      g_test_skip ("no IPv4 address besides loopback: the stack would stay");
      return;
    }

  connect_call (f);
  g_weak_ref_init (&call_ref, f->alice.call);
  g_clear_pointer (&f->kamailio, sipnat_test_registrar_stop);
  f->alice.drop_on_end = TRUE;
  inject_loopback_only (&f->alice);
  sipnat_test_wait_until (endpoint_gone, &f->alice, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpuint (f->alice.ended, ==, 1);
  g_assert_null (f->alice.call);

  /* Dropped in the handler: it is gone, or only the main loop's last
   * sources hold it. */
  call = g_weak_ref_get (&call_ref);
  if (call != NULL)
    {
      g_assert_cmpint (sipnat_call_get_state (call), ==, SIPNAT_CALL_STATE_ENDED);
      g_assert_cmpstr (sipnat_call_get_state_reason (call), ==, "The network changed");
      g_object_unref (call);
    }
  g_weak_ref_clear (&call_ref);
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

/* The same, the end's reason seen without dropping anything. */
static void
test_move_fails_reason (Fixture       *f,
                        gconstpointer  data)
{
  StateWait ended = { &f->alice, SIPNAT_CALL_STATE_ENDED };

  if (f->kamailio == NULL)
    return;
  if (!has_other_address ())
    {
      g_test_skip ("no IPv4 address besides loopback: the stack would stay");
      return;
    }

  connect_call (f);
  g_clear_pointer (&f->kamailio, sipnat_test_registrar_stop);
  inject_loopback_only (&f->alice);
  sipnat_test_wait_until (state_reached, &ended, sipnat_test_deadline_ms (CALL_DEADLINE_MS));
  g_assert_cmpuint (f->alice.ended, ==, 1);
  g_assert_cmpstr (sipnat_call_get_state_reason (f->alice.call), ==, "The network changed");
  g_assert_cmpuint (f->alice.call->moves_sent, ==, 1);
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
  ADD ("move/caller", test_move, MOVER_ON_ALL);
  ADD ("move/callee", test_move, MOVER_ON_ALL | BOB_MOVES);
  ADD ("move/caller-no-ice", test_move, MOVER_ON_ALL | NO_ICE);
  ADD ("move/fails", test_move_fails_reason, MOVER_ON_ALL);
  ADD ("move/hangup-while-gathering", test_move_hangup_while_gathering, MOVER_ON_ALL);
  ADD ("move/reentrancy/drop-in-ended", test_move_fails, MOVER_ON_ALL);

  return g_test_run ();
}
