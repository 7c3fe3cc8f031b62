/* test-reentrancy.c: application code in every signal handler and callback
 *
 * Application code runs inside our signal handlers and async callbacks and
 * may drop anything there. For every signal and every async callback of
 * the public API, a handler does one of: drop the last reference to the
 * endpoint, remove the registration, close the endpoint, or change a
 * setting and then drop the endpoint. Each combination is its own test,
 * /reentrancy/<signal>/<action>; each checks that nothing crashes (valgrind
 * and ASan run these too), that nothing is sent afterwards but the
 * un-REGISTER the action implies, that the registration ends unregistered
 * and that the endpoint is finalized when it should be.
 *
 * A fake registrar answers, with a `rport` that differs from the local
 * port so that nat-detected and public-binding-changed fire too; the
 * keep-alive interval is 1 s, so that a registration that kept running
 * would send within the quiet window.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>
#include <string.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-utils.h"

#define PUBLIC_RPORT "40123"
#define DEADLINE_MS 5000
/* A few keep-alive intervals (1 s, drawn between 0.8 and 1 s) and retry
 * delays (reg-interval 1 s: at most 1 s for the first retry). */
#define QUIET_MS 2200

/* ---------------------------------------------------------------------- */
/* What the handler does                                                  */

typedef enum {
  ACTION_DROP_ENDPOINT,
  ACTION_REMOVE_REGISTRATION,
  ACTION_CLOSE,
  ACTION_SET_USER_THEN_DROP,
  N_ACTIONS
} Action;

static const char *action_names[N_ACTIONS] = {
  "drop-endpoint",
  "remove-registration",
  "close",
  "set-user-then-drop",
};

/* ---------------------------------------------------------------------- */
/* Where the handler runs                                                 */

typedef enum {
  SCENARIO_REGISTER,        /* register_async; the registrar says 200 */
  SCENARIO_REGISTER_FAILS,  /* register_async; the registrar says 503 */
  SCENARIO_REGISTER_ALL,    /* register_all_async; 200 */
  SCENARIO_UNREGISTER,      /* registered, then unregister_async */
  SCENARIO_CLOSE,           /* registered, then close_async */
} Scenario;

typedef enum {
  HOOK_NOTIFY,
  HOOK_BINDING_CHANGED,
  HOOK_REGISTER_CB,
  HOOK_REGISTER_ALL_CB,
  HOOK_UNREGISTER_CB,
  HOOK_CLOSE_CB,
} HookKind;

/* Where the registration stands when the handler runs, and so what the
 * action must send: an un-REGISTER when the registrar holds (or is about
 * to hold) our Contact and the action unregisters. */
typedef enum {
  STAGE_SENDING,      /* inside register_async: the REGISTER is queued in nua */
  STAGE_REGISTERED,   /* the 200 arrived: a handle, keep-alives */
  STAGE_RETRYING,     /* the 503 arrived: no handle, a retry timer */
  STAGE_UNREGISTERING, /* inside unregister_async: the un-REGISTER is queued */
  STAGE_DONE,         /* unregistered or closed already */
} Stage;

typedef struct {
  const char *name;                 /* the path component */
  HookKind kind;
  const char *signal;               /* for HOOK_NOTIFY: "notify::…" */
  SipnatRegistrationState when;     /* for notify::state: act on this one */
  Scenario scenario;
  Stage stage;
  const char *extra_headers;        /* in the registrar's 200 */
} Hook;

static const Hook hooks[] = {
  { "notify-state-registering", HOOK_NOTIFY, "notify::state",
    SIPNAT_REGISTRATION_STATE_REGISTERING, SCENARIO_REGISTER, STAGE_SENDING, NULL },
  { "notify-contact", HOOK_NOTIFY, "notify::contact",
    0, SCENARIO_REGISTER, STAGE_SENDING, NULL },
  { "notify-state-registered", HOOK_NOTIFY, "notify::state",
    SIPNAT_REGISTRATION_STATE_REGISTERED, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "notify-state-reason", HOOK_NOTIFY, "notify::state-reason",
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "notify-status-code", HOOK_NOTIFY, "notify::status-code",
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "notify-local-binding", HOOK_NOTIFY, "notify::local-binding",
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "notify-public-binding", HOOK_NOTIFY, "notify::public-binding",
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "notify-nat-detected", HOOK_NOTIFY, "notify::nat-detected",
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "notify-outbound-active", HOOK_NOTIFY, "notify::outbound-active",
    0, SCENARIO_REGISTER, STAGE_REGISTERED, "Require: outbound\r\n" },
  { "public-binding-changed", HOOK_BINDING_CHANGED, NULL,
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "register-async", HOOK_REGISTER_CB, NULL,
    0, SCENARIO_REGISTER, STAGE_REGISTERED, NULL },
  { "register-all-async", HOOK_REGISTER_ALL_CB, NULL,
    0, SCENARIO_REGISTER_ALL, STAGE_REGISTERED, NULL },
  { "notify-state-retrying", HOOK_NOTIFY, "notify::state",
    SIPNAT_REGISTRATION_STATE_RETRYING, SCENARIO_REGISTER_FAILS, STAGE_RETRYING, NULL },
  { "notify-error", HOOK_NOTIFY, "notify::error",
    0, SCENARIO_REGISTER_FAILS, STAGE_RETRYING, NULL },
  { "register-async-failed", HOOK_REGISTER_CB, NULL,
    0, SCENARIO_REGISTER_FAILS, STAGE_RETRYING, NULL },
  { "notify-state-unregistering", HOOK_NOTIFY, "notify::state",
    SIPNAT_REGISTRATION_STATE_UNREGISTERING, SCENARIO_UNREGISTER, STAGE_UNREGISTERING, NULL },
  { "notify-state-unregistered", HOOK_NOTIFY, "notify::state",
    SIPNAT_REGISTRATION_STATE_UNREGISTERED, SCENARIO_UNREGISTER, STAGE_DONE, NULL },
  { "unregister-async", HOOK_UNREGISTER_CB, NULL,
    0, SCENARIO_UNREGISTER, STAGE_DONE, NULL },
  { "close-async", HOOK_CLOSE_CB, NULL,
    0, SCENARIO_CLOSE, STAGE_DONE, NULL },
};

typedef struct {
  const Hook *hook;
  Action action;
} Case;

/* ---------------------------------------------------------------------- */
/* One run                                                                */

typedef struct {
  const Case *c;
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;       /* the test's reference; NULL once dropped */
  SipnatEndpoint *endpoint_weak;
  SipnatRegistration *reg;        /* weak: the endpoint owns it, as in an application */
  SipnatRegistrationState last_state;
  char *server;

  gboolean acted;
  guint requests_at_action;       /* every request the registrar had then */
  SipnatTestResult scenario;      /* the outcome of the scenario's own call */
  SipnatTestResult close;         /* of the action's close_async */
  gboolean close_started;
} Run;

static gboolean
is_unregister (const char *request)
{
  return g_str_has_prefix (request, "REGISTER ") &&
         (strstr (request, "\r\nExpires: 0\r\n") != NULL ||
          strstr (request, ";expires=0") != NULL);
}

static guint
count_sent_since (Run        *run,
                  guint       first,
                  gboolean  (*keep) (const char *))
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (run->fake);
  guint n = 0;

  for (guint i = first; i < requests->len; i++)
    if (keep == NULL || keep (g_ptr_array_index (requests, i)))
      n++;

  return n;
}

static void
action_close_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Run *run = data;

  run->close.ok = sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result,
                                                &run->close.error);
  run->close.done = TRUE;
}

static void
act (Run *run)
{
  if (run->acted)
    return;

  run->acted = TRUE;
  run->requests_at_action = sipnat_fake_registrar_count (run->fake, NULL);
  g_test_message ("acting (%s) in state %d after %u requests", action_names[run->c->action],
                  sipnat_registration_get_state (run->reg), run->requests_at_action);

  switch (run->c->action)
    {
    case ACTION_DROP_ENDPOINT:
      g_clear_object (&run->endpoint);
      break;

    case ACTION_REMOVE_REGISTRATION:
      sipnat_endpoint_remove_registration (run->endpoint, run->reg);
      break;

    case ACTION_CLOSE:
      run->close_started = TRUE;
      sipnat_endpoint_close_async (run->endpoint, NULL, action_close_cb, run);
      break;

    case ACTION_SET_USER_THEN_DROP:
      sipnat_registration_set_user (run->reg, "bob");
      sipnat_registration_set_reg_timeout (run->reg, 120);
      g_clear_object (&run->endpoint);
      break;

    case N_ACTIONS:
    default:
      g_assert_not_reached ();
    }
}

static void
notify_cb (SipnatRegistration *reg,
           GParamSpec         *pspec,
           Run                *run)
{
  SipnatRegistrationState when = run->c->hook->when;

  if (when == 0 || sipnat_registration_get_state (reg) == when)
    act (run);
}

static void
binding_changed_cb (SipnatRegistration  *reg,
                    const SipnatBinding *old_binding,
                    const SipnatBinding *new_binding,
                    Run                 *run)
{
  act (run);
}

static void
register_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  Run *run = data;

  run->scenario.ok = sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), result,
                                                          &run->scenario.error);
  run->scenario.done = TRUE;
  if (run->c->hook->kind == HOOK_REGISTER_CB)
    act (run);
}

static void
register_all_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Run *run = data;

  run->scenario.ok = sipnat_endpoint_register_all_finish (SIPNAT_ENDPOINT (source), result,
                                                          &run->scenario.error);
  run->scenario.done = TRUE;
  act (run);
}

static void
unregister_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  Run *run = data;

  run->scenario.ok = sipnat_registration_unregister_finish (SIPNAT_REGISTRATION (source), result,
                                                            &run->scenario.error);
  run->scenario.done = TRUE;
  act (run);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  Run *run = data;

  run->scenario.ok = sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result,
                                                   &run->scenario.error);
  run->scenario.done = TRUE;
  act (run);
}

static void
record_state_cb (SipnatRegistration *reg,
                 GParamSpec         *pspec,
                 Run                *run)
{
  run->last_state = sipnat_registration_get_state (reg);
}

static void
run_set_up (Run        *run,
            const Case *c)
{
  SipnatFakeResponse ok = { .status = 200, .rport = PUBLIC_RPORT, .echo_contact = TRUE,
                            .extra_headers = c->hook->extra_headers };

  run->c = c;
  run->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &run->endpoint, &run->server);
  run->endpoint_weak = run->endpoint;
  g_object_add_weak_pointer (G_OBJECT (run->endpoint), (gpointer *) &run->endpoint_weak);

  run->reg = sipnat_endpoint_add_registration (run->endpoint, run->server, "alice");
  g_object_add_weak_pointer (G_OBJECT (run->reg), (gpointer *) &run->reg);
  g_signal_connect (run->reg, "notify::state", G_CALLBACK (record_state_cb), run);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (run->reg), 1);
  sipnat_registration_set_reg_interval (run->reg, 1);

  /* Every REGISTER is answered alike (but a first 503 where scripted),
   * so that whatever is sent after the action is seen, not lost. */
  if (c->hook->scenario == SCENARIO_REGISTER_FAILS)
    sipnat_fake_registrar_push (run->fake, &(SipnatFakeResponse) { .status = 503 });
  sipnat_fake_registrar_push_times (run->fake, NULL, &ok, 50);
}

static void
register_first (Run *run)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_test_register (run->reg, &error));
  g_assert_no_error (error);
}

static void
connect_hook (Run *run)
{
  const Hook *hook = run->c->hook;

  if (hook->kind == HOOK_NOTIFY)
    g_signal_connect (run->reg, hook->signal, G_CALLBACK (notify_cb), run);
  else if (hook->kind == HOOK_BINDING_CHANGED)
    g_signal_connect (run->reg, "public-binding-changed", G_CALLBACK (binding_changed_cb), run);
}

static void
start_scenario (Run *run)
{
  switch (run->c->hook->scenario)
    {
    case SCENARIO_REGISTER_FAILS:
    case SCENARIO_REGISTER:
      connect_hook (run);
      sipnat_registration_register_async (run->reg, NULL, register_cb, run);
      break;

    case SCENARIO_REGISTER_ALL:
      sipnat_endpoint_register_all_async (run->endpoint, NULL, register_all_cb, run);
      break;

    case SCENARIO_UNREGISTER:
      register_first (run);
      connect_hook (run);
      sipnat_registration_unregister_async (run->reg, NULL, unregister_cb, run);
      break;

    case SCENARIO_CLOSE:
      register_first (run);
      sipnat_endpoint_close_async (run->endpoint, NULL, close_cb, run);
      break;

    default:
      g_assert_not_reached ();
    }
}

static gboolean
acted (gpointer data)
{
  return ((Run *) data)->acted;
}

static gboolean
scenario_done (gpointer data)
{
  return ((Run *) data)->scenario.done;
}

static gboolean
close_done (gpointer data)
{
  return ((Run *) data)->close.done;
}

/* What must reach the registrar after the action, by kind. */
typedef struct {
  guint registers;     /* with a non-zero expiry */
  guint unregisters;
} Expected;

static gboolean
drops_endpoint (Action action)
{
  return action == ACTION_DROP_ENDPOINT || action == ACTION_SET_USER_THEN_DROP;
}

/*
 * Read from the code (and measured):
 * - inside register_async (STAGE_SENDING) nua_register() was called
 *   before the handler ran: that REGISTER leaves whatever the action. Remove
 *   and close then un-REGISTER on the same handle, which nua queues behind
 *   it (sipnat_registration_unregister_async(), detach with unregister);
 *   dropping the endpoint destroys the handle without an un-REGISTER
 *   (detach without unregister) and nothing removes the binding.
 * - once registered, every action sends exactly one un-REGISTER: remove
 *   and close on purpose, and dropping the endpoint through
 *   nua_handle_destroy(), whose nua_dialog_shutdown() un-REGISTERs a
 *   registered handle.
 * - inside unregister_async (STAGE_UNREGISTERING) the un-REGISTER was
 *   handed to nua before the handler ran: it leaves, and it is the only
 *   one, whatever the action.
 * - retrying (no handle, a retry timer) or already unregistered or
 *   closed: nothing at all.
 * Never an OPTIONS (the flow stops), never a retry or a refresh.
 */
static Expected
expected_after (const Case *c)
{
  switch (c->hook->stage)
    {
    case STAGE_SENDING:
      return (Expected) { 1, drops_endpoint (c->action) ? 0 : 1 };
    case STAGE_REGISTERED:
    case STAGE_UNREGISTERING:
      return (Expected) { 0, 1 };
    case STAGE_RETRYING:
    case STAGE_DONE:
    default:
      return (Expected) { 0, 0 };
    }
}

static gboolean
is_register (const char *request)
{
  return g_str_has_prefix (request, "REGISTER ") && !is_unregister (request);
}

static guint
sent_after_action (Run *run)
{
  return count_sent_since (run, run->requests_at_action, NULL);
}

static gboolean
expected_arrived (gpointer data)
{
  Run *run = data;
  Expected e = expected_after (run->c);

  return sent_after_action (run) >= e.registers + e.unregisters;
}

static void
log_sent_after_action (Run *run)
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (run->fake);

  for (guint i = run->requests_at_action; i < requests->len; i++)
    {
      const char *request = g_ptr_array_index (requests, i);

      g_test_message ("sent after the action: %.*s%s", (int) strcspn (request, "\r"), request,
                      is_unregister (request) ? " (un-REGISTER)" : "");
    }
}

static void
assert_sent_after_action (Run *run)
{
  Expected e = expected_after (run->c);

  log_sent_after_action (run);
  g_assert_cmpuint (count_sent_since (run, run->requests_at_action, is_register), ==,
                    e.registers);
  g_assert_cmpuint (count_sent_since (run, run->requests_at_action, is_unregister), ==,
                    e.unregisters);
  /* No OPTIONS (keep-alive), nothing else either. */
  g_assert_cmpuint (sent_after_action (run), ==, e.registers + e.unregisters);
}

/* The outcome of the scenario's own call, which must come whatever the
 * handler did. */
static void
assert_scenario_outcome (Run *run)
{
  const Case *c = run->c;

  sipnat_test_wait_until (scenario_done, run, DEADLINE_MS);

  switch (c->hook->scenario)
    {
    case SCENARIO_REGISTER:
      if (c->hook->stage == STAGE_SENDING)
        {
          /* Before the answer: closing cancels the pending operation,
           * as unregistering does; removing or dropping fails it as
           * closed. */
          if (c->action == ACTION_CLOSE)
            g_assert_error (run->scenario.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
          else
            g_assert_error (run->scenario.error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
          g_assert_false (run->scenario.ok);
        }
      else
        {
          /* The 200 was in before the handler ran. */
          g_assert_no_error (run->scenario.error);
          g_assert_true (run->scenario.ok);
        }
      break;

    case SCENARIO_UNREGISTER:
      if (c->hook->stage == STAGE_UNREGISTERING && c->action != ACTION_CLOSE)
        {
          /* Removed or dropped before the registrar answered: the answer
           * is not waited for, so success cannot be claimed. */
          g_assert_error (run->scenario.error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
          g_assert_false (run->scenario.ok);
          break;
        }
      /* Closing while it is under way lets it finish (the close removes
       * what is registered, and this one is being removed). */
      G_GNUC_FALLTHROUGH;
    case SCENARIO_REGISTER_ALL:
    case SCENARIO_CLOSE:
      g_assert_no_error (run->scenario.error);
      g_assert_true (run->scenario.ok);
      break;

    case SCENARIO_REGISTER_FAILS:
      g_assert_error (run->scenario.error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
      g_assert_false (run->scenario.ok);
      break;

    default:
      g_assert_not_reached ();
    }
}

static void
assert_close_outcome (Run *run)
{
  if (!run->close_started)
    return;

  sipnat_test_wait_until (close_done, run, DEADLINE_MS);
  if (run->c->hook->scenario == SCENARIO_CLOSE)
    {
      /* Closing again from the close callback. */
      g_assert_error (run->close.error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
      g_assert_false (run->close.ok);
    }
  else
    {
      /* Everything was removed from the registrar (an unregistration
       * under way included): the close succeeds. */
      g_assert_no_error (run->close.error);
      g_assert_true (run->close.ok);
    }
}

/* After a failed (non-fatal) assertion, what outlived the test must not
 * reach back into it. */
static void
run_tear_down (Run *run)
{
  if (run->reg != NULL)
    {
      g_signal_handlers_disconnect_by_data (run->reg, run);
      g_object_remove_weak_pointer (G_OBJECT (run->reg), (gpointer *) &run->reg);
    }
  if (run->endpoint_weak != NULL)
    g_object_remove_weak_pointer (G_OBJECT (run->endpoint_weak), (gpointer *) &run->endpoint_weak);

  g_clear_pointer (&run->fake, sipnat_fake_registrar_free);
  g_free (run->server);
  g_clear_error (&run->scenario.error);
  g_clear_error (&run->close.error);
}

static void
test_reentrancy (gconstpointer data)
{
  const Case *c = data;
  Run run_ = { 0 }, *run = &run_;
  guint sent_before_tear_down;

  run_set_up (run, c);
  start_scenario (run);
  sipnat_test_wait_until (acted, run, DEADLINE_MS);

  /* Dropped from a handler: gone once that emission is over, which the
   * iteration that ran it is. */
  if (drops_endpoint (c->action))
    g_assert_null (run->endpoint_weak);
  else
    g_assert_nonnull (run->endpoint_weak);

  /* What the action implies arrives; then a few keep-alive intervals and
   * retry delays go by, and nothing else does. */
  sipnat_test_wait_until (expected_arrived, run, DEADLINE_MS);
  sipnat_test_run_for (QUIET_MS);
  assert_sent_after_action (run);

  /* The last state it told (of a registration finalized since too). */
  g_assert_cmpint (run->last_state, ==, SIPNAT_REGISTRATION_STATE_UNREGISTERED);
  if (run->reg != NULL)
    g_assert_cmpint (sipnat_registration_get_state (run->reg), ==,
                     SIPNAT_REGISTRATION_STATE_UNREGISTERED);

  /* Every operation under way completes, and says what happened. */
  assert_close_outcome (run);
  assert_scenario_outcome (run);

  /* A registration removed, or whose endpoint was dropped, is gone once
   * nothing is pending on it (a pending task holds it until its callback
   * ran). */
  if (c->action == ACTION_CLOSE)
    g_assert_nonnull (run->reg);
  else
    g_assert_null (run->reg);

  /* The application lets go of the rest: everything is finalized at
   * once, and the stack's shutdown sends nothing more. */
  sent_before_tear_down = sipnat_fake_registrar_count (run->fake, NULL);
  g_clear_object (&run->endpoint);
  g_assert_null (run->endpoint_weak);
  g_assert_null (run->reg);
  sipnat_test_run_for (300);
  g_assert_cmpuint (sipnat_fake_registrar_count (run->fake, NULL), ==, sent_before_tear_down);

  run_tear_down (run);
}

/* ---------------------------------------------------------------------- */
/* What handlers see                                                      */

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  GPtrArray *events;              /* what was heard, in order */
  GArray *states;                 /* each state notified, in order */
  guint binding_changes;
} Watch;

static void
watch_set_up (Watch *w)
{
  g_autofree char *server = NULL;

  w->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &w->endpoint, &server);
  w->reg = sipnat_endpoint_add_registration (w->endpoint, server, "alice");
  w->events = g_ptr_array_new_with_free_func (g_free);
  w->states = g_array_new (FALSE, FALSE, sizeof (SipnatRegistrationState));
}

static void
watch_tear_down (Watch *w)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_test_close (w->endpoint, &error));
  g_assert_no_error (error);
  g_clear_object (&w->endpoint);
  g_clear_pointer (&w->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&w->events, g_ptr_array_unref);
  g_clear_pointer (&w->states, g_array_unref);
}

static gboolean
event_seen (Watch      *w,
            const char *event,
            guint      *position)
{
  return g_ptr_array_find_with_equal_func (w->events, event, g_str_equal, position);
}

static void
record_notify_cb (SipnatRegistration *reg,
                  GParamSpec         *pspec,
                  Watch              *w)
{
  g_ptr_array_add (w->events, g_strdup_printf ("notify::%s", pspec->name));
}

/* nat-detected says whether the public binding differs from the local
 * one: the two must agree whenever the application looks. */
static void
assert_nat_detected_consistent (SipnatRegistration *reg)
{
  const SipnatBinding *public_binding = sipnat_registration_get_public_binding (reg);
  const SipnatBinding *local_binding = sipnat_registration_get_local_binding (reg);

  g_assert_nonnull (public_binding);
  g_assert_nonnull (local_binding);
  g_assert_cmpint (sipnat_registration_get_nat_detected (reg), ==,
                   !sipnat_binding_equal (public_binding, local_binding));
}

static void
check_binding_changed_cb (SipnatRegistration  *reg,
                          const SipnatBinding *old_binding,
                          const SipnatBinding *new_binding,
                          Watch               *w)
{
  /* Every property about the change is updated, and notified, before
   * the signal. */
  g_assert_true (sipnat_binding_equal (sipnat_registration_get_public_binding (reg), new_binding));
  assert_nat_detected_consistent (reg);
  g_assert_true (event_seen (w, "notify::public-binding", NULL));
  if (w->binding_changes == 0)
    {
      g_assert_null (old_binding);
      g_assert_true (sipnat_registration_get_nat_detected (reg));
      g_assert_true (event_seen (w, "notify::nat-detected", NULL));
      g_assert_cmpint (sipnat_registration_get_state (reg), ==,
                       SIPNAT_REGISTRATION_STATE_REGISTERED);
    }
  else
    g_assert_nonnull (old_binding);

  w->binding_changes++;
  g_ptr_array_add (w->events, g_strdup ("public-binding-changed"));
}

static void
check_registered_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  Watch *w = data;
  SipnatRegistration *reg = SIPNAT_REGISTRATION (source);
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_registration_register_finish (reg, result, &error));
  g_assert_no_error (error);
  /* The callback comes last: state and binding are final. */
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  assert_nat_detected_consistent (reg);
  g_ptr_array_add (w->events, g_strdup ("register-done"));
}

static gboolean
binding_changed_twice (gpointer data)
{
  return ((Watch *) data)->binding_changes >= 2;
}

static gboolean
registered (gpointer data)
{
  return event_seen (data, "register-done", NULL);
}

static void
test_binding_changed_sees_properties (void)
{
  Watch w_ = { 0 }, *w = &w_;
  SipnatFakeResponse nat = { .status = 200, .rport = PUBLIC_RPORT, .echo_contact = TRUE };
  SipnatFakeResponse no_nat = { .status = 483 };   /* the real source: no NAT */
  guint nat_notify, binding_notify, changed, done;

  watch_set_up (w);
  sipnat_fake_registrar_push_times (w->fake, NULL, &nat, 5);
  sipnat_fake_registrar_push_times (w->fake, "OPTIONS", &no_nat, 10);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (w->reg), 1);
  g_signal_connect (w->reg, "notify::public-binding", G_CALLBACK (record_notify_cb), w);
  g_signal_connect (w->reg, "notify::nat-detected", G_CALLBACK (record_notify_cb), w);
  g_signal_connect (w->reg, "notify::state", G_CALLBACK (record_notify_cb), w);
  g_signal_connect (w->reg, "public-binding-changed", G_CALLBACK (check_binding_changed_cb), w);

  /* A NAT seen in the 200: the notifications, then the signal, then the
   * callback. */
  sipnat_registration_register_async (w->reg, NULL, check_registered_cb, w);
  sipnat_test_wait_until (registered, w, DEADLINE_MS);
  g_assert_true (event_seen (w, "notify::nat-detected", &nat_notify));
  g_assert_true (event_seen (w, "notify::public-binding", &binding_notify));
  g_assert_true (event_seen (w, "public-binding-changed", &changed));
  g_assert_true (event_seen (w, "register-done", &done));
  g_assert_cmpuint (nat_notify, <, changed);
  g_assert_cmpuint (binding_notify, <, changed);
  g_assert_cmpuint (changed, <, done);

  /* The keep-alive's answer shows no NAT any more: nat-detected is
   * already false when the signal comes (checked in the handler). */
  sipnat_test_wait_until (binding_changed_twice, w, DEADLINE_MS);
  g_assert_false (sipnat_registration_get_nat_detected (w->reg));

  watch_tear_down (w);
}

static void
check_state_cb (SipnatRegistration *reg,
                GParamSpec         *pspec,
                Watch              *w)
{
  SipnatRegistrationState state = sipnat_registration_get_state (reg);
  const GError *error = sipnat_registration_get_error (reg);
  g_autofree char *public_binding = NULL;

  g_array_append_val (w->states, state);

  switch (state)
    {
    case SIPNAT_REGISTRATION_STATE_REGISTERING:
      /* The Contact being registered is known. */
      g_assert_nonnull (sipnat_registration_get_contact (reg));
      break;

    case SIPNAT_REGISTRATION_STATE_RETRYING:
      /* Why, in every property that says it. */
      g_assert_cmpuint (sipnat_registration_get_status_code (reg), ==, 503);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
      g_assert_cmpstr (sipnat_registration_get_state_reason (reg), ==, error->message);
      break;

    case SIPNAT_REGISTRATION_STATE_REGISTERED:
      g_assert_cmpuint (sipnat_registration_get_status_code (reg), ==, 200);
      g_assert_cmpstr (sipnat_registration_get_state_reason (reg), ==, "200 OK");
      g_assert_no_error (error);
      g_assert_nonnull (sipnat_registration_get_contact (reg));
      public_binding = sipnat_binding_to_string (sipnat_registration_get_public_binding (reg));
      g_assert_cmpstr (public_binding, ==, "127.0.0.1:" PUBLIC_RPORT "/udp");
      g_assert_true (sipnat_registration_get_nat_detected (reg));
      assert_nat_detected_consistent (reg);
      break;

    case SIPNAT_REGISTRATION_STATE_UNREGISTERED:
      g_assert_cmpuint (sipnat_registration_get_status_code (reg), ==, 200);
      g_assert_cmpstr (sipnat_registration_get_state_reason (reg), ==, "200 OK");
      g_assert_no_error (error);
      break;

    case SIPNAT_REGISTRATION_STATE_UNREGISTERING:
      break;

    case SIPNAT_REGISTRATION_STATE_NONE:
    case SIPNAT_REGISTRATION_STATE_STANDALONE:
    case SIPNAT_REGISTRATION_STATE_FAILED:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
is_registered (gpointer data)
{
  return sipnat_registration_get_state (((Watch *) data)->reg) ==
         SIPNAT_REGISTRATION_STATE_REGISTERED;
}

static void
test_state_sees_properties (void)
{
  Watch w_ = { 0 }, *w = &w_;
  SipnatFakeResponse ok = { .status = 200, .rport = PUBLIC_RPORT, .echo_contact = TRUE };
  const SipnatRegistrationState expected[] = {
    SIPNAT_REGISTRATION_STATE_REGISTERING,
    SIPNAT_REGISTRATION_STATE_RETRYING,
    SIPNAT_REGISTRATION_STATE_REGISTERING,
    SIPNAT_REGISTRATION_STATE_REGISTERED,
    SIPNAT_REGISTRATION_STATE_UNREGISTERING,
    SIPNAT_REGISTRATION_STATE_UNREGISTERED,
  };
  SipnatTestResult first = { 0 };
  g_autoptr(GError) error = NULL;

  watch_set_up (w);
  sipnat_registration_set_reg_interval (w->reg, 1);
  sipnat_fake_registrar_push (w->fake, &(SipnatFakeResponse) { .status = 503 });
  sipnat_fake_registrar_push_times (w->fake, NULL, &ok, 5);
  g_signal_connect (w->reg, "notify::state", G_CALLBACK (check_state_cb), w);

  /* A 503 (retried after a second at most), then a 200, then an
   * un-REGISTER; the handler checks each state against the rest. */
  sipnat_registration_register_async (w->reg, NULL, sipnat_test_register_cb, &first);
  sipnat_test_wait_flag (&first.done, DEADLINE_MS);
  g_assert_error (first.error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
  g_clear_error (&first.error);
  sipnat_test_wait_until (is_registered, w, DEADLINE_MS);
  g_assert_true (sipnat_test_unregister (w->reg, &error));
  g_assert_no_error (error);

  g_assert_cmpmem (w->states->data, w->states->len * sizeof (SipnatRegistrationState),
                   expected, sizeof expected);

  watch_tear_down (w);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);

  /* No G_TEST_OPTION_ISOLATE_DIRS: nothing here touches files, and GLib
   * 2.74 leaks the strings of g_set_user_dirs() under it. */
  g_test_init (&argc, &argv, NULL);
  /* One combination that fails must not hide the others. */
  g_test_set_nonfatal_assertions ();

  for (guint h = 0; h < G_N_ELEMENTS (hooks); h++)
    for (guint a = 0; a < N_ACTIONS; a++)
      {
        Case *c = g_new0 (Case, 1);
        g_autofree char *path = g_strdup_printf ("/reentrancy/%s/%s", hooks[h].name,
                                                 action_names[a]);

        c->hook = &hooks[h];
        c->action = a;
        g_ptr_array_add (cases, c);
        g_test_add_data_func (path, c, test_reentrancy);
      }

  g_test_add_func ("/reentrancy/consistency/public-binding-changed",
                   test_binding_changed_sees_properties);
  g_test_add_func ("/reentrancy/consistency/notify-state", test_state_sees_properties);

  return g_test_run ();
}
