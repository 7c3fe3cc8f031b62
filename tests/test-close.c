/* test-close.c: an honest close and register_all with many registrations
 * (issue 10): what was not removed from the registrar is named, never a
 * success; at most a few dozen un-REGISTERs in flight.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <sipnat.h>
#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-utils.h"

/* More than the batch's MAX_IN_FLIGHT (32): some are never started. */
#define N_MANY 40

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  char *server;
  GPtrArray *regs;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &f->endpoint, &f->server);
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 32000);
  f->regs = g_ptr_array_new_with_free_func (g_object_unref);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_ptr_array_unref (f->regs);
  sipnat_test_drop_endpoint (&f->endpoint);
  g_free (f->server);
  sipnat_fake_registrar_free (f->fake);
}

static void
add_registrations (Fixture *f,
                   guint    n)
{
  for (guint i = 1; i <= n; i++)
    {
      g_autofree char *user = g_strdup_printf ("c%02u", i);
      SipnatRegistration *reg = sipnat_endpoint_add_registration (f->endpoint, f->server, user);

      /* No keep-alives: the fake's queue is for the REGISTERs only. */
      sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (reg), 0);
      g_ptr_array_add (f->regs, g_object_ref (reg));
    }
}

static void
register_all_ok (Fixture *f)
{
  SipnatTestResult result = { 0 };

  sipnat_endpoint_register_all_async (f->endpoint, NULL, sipnat_test_register_all_cb, &result);
  sipnat_test_wait_flag (&result.done, sipnat_test_deadline_ms (10000));
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
}

static gboolean
close_endpoint (Fixture  *f,
                GError  **error)
{
  SipnatTestResult result = { 0 };

  sipnat_endpoint_close_async (f->endpoint, NULL, sipnat_test_close_cb, &result);
  sipnat_test_wait_flag (&result.done, sipnat_test_deadline_ms (20000));
  if (result.error != NULL)
    g_propagate_error (error, result.error);
  return result.ok;
}

static gboolean
names (const char         *message,
       SipnatRegistration *reg)
{
  g_autofree char *needle = g_strdup_printf ("%s: ", sipnat_registration_get_name (reg));

  return strstr (message, needle) != NULL;
}

/* No un-REGISTER is answered: the close times out, and its error says how
 * many were not removed and which, those never started included. */
static void
test_unanswered (Fixture       *f,
                 gconstpointer  data)
{
  SipnatFakeResponse drop = { .status = 0 };
  g_autoptr(GError) error = NULL;
  g_autofree char *count = g_strdup_printf ("%u of %u", N_MANY, N_MANY);

  add_registrations (f, N_MANY);
  register_all_ok (f);

  /* Retransmissions included: more than can be sent before the deadline. */
  for (guint i = 0; i < 10 * N_MANY; i++)
    sipnat_fake_registrar_push_for (f->fake, "REGISTER", &drop);
  sipnat_endpoint_set_close_timeout (f->endpoint, 1500);

  g_assert_false (close_endpoint (f, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, count));
  for (guint i = 0; i < f->regs->len; i++)
    g_assert_true (names (error->message, f->regs->pdata[i]));

  /* At most 32 were sent: the rest waited for room. */
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "REGISTER"), <=, N_MANY + 32 * 4);
}

/* Two un-REGISTERs refused: the close fails and names exactly those two. */
static void
test_refused (Fixture       *f,
              gconstpointer  data)
{
  SipnatFakeResponse refuse = { .status = 500 };
  g_autoptr(GError) error = NULL;
  guint named = 0;

  add_registrations (f, 5);
  register_all_ok (f);

  sipnat_fake_registrar_push_for (f->fake, "REGISTER", &refuse);
  sipnat_fake_registrar_push_for (f->fake, "REGISTER", &refuse);

  g_assert_false (close_endpoint (f, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "2 of 5"));
  for (guint i = 0; i < f->regs->len; i++)
    {
      SipnatRegistration *reg = f->regs->pdata[i];
      gboolean refused = sipnat_registration_get_status_code (reg) == 500;

      g_assert_cmpint (names (error->message, reg), ==, refused);
      named += refused;
    }
  g_assert_cmpuint (named, ==, 2);
}

/* Every un-REGISTER answered: success, and nothing named. */
static void
test_all_removed (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  guint before;

  add_registrations (f, N_MANY);
  register_all_ok (f);
  before = sipnat_fake_registrar_count (f->fake, "REGISTER");

  g_assert_true (close_endpoint (f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "REGISTER") - before, ==, N_MANY);
}

/* register_all: the error counts and names those that failed. */
static void
test_register_all_names (Fixture       *f,
                         gconstpointer  data)
{
  SipnatFakeResponse forbid = { .status = 403 };
  SipnatTestResult result = { 0 };
  guint named = 0;

  add_registrations (f, 4);
  sipnat_fake_registrar_push_for (f->fake, "REGISTER", &forbid);
  sipnat_fake_registrar_push_for (f->fake, "REGISTER", &forbid);

  sipnat_endpoint_register_all_async (f->endpoint, NULL, sipnat_test_register_all_cb, &result);
  sipnat_test_wait_flag (&result.done, sipnat_test_deadline_ms (10000));
  g_assert_false (result.ok);
  g_assert_nonnull (result.error);
  g_test_message ("%s", result.error->message);
  g_assert_nonnull (strstr (result.error->message, "2 of 4"));
  for (guint i = 0; i < f->regs->len; i++)
    {
      SipnatRegistration *reg = f->regs->pdata[i];
      gboolean failed = sipnat_registration_get_state (reg) != SIPNAT_REGISTRATION_STATE_REGISTERED;

      g_assert_cmpint (names (result.error->message, reg), ==, failed);
      named += failed;
    }
  g_assert_cmpuint (named, ==, 2);
  g_clear_error (&result.error);
}

/* Cancelled: the ones never started are named as well. */
static void
test_register_all_cancelled (Fixture       *f,
                             gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SipnatTestResult result = { 0 };
  g_autofree char *count = g_strdup_printf ("%u of %u", N_MANY, N_MANY);

  add_registrations (f, N_MANY);
  sipnat_endpoint_register_all_async (f->endpoint, cancellable, sipnat_test_register_all_cb,
                                      &result);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&result.done, sipnat_test_deadline_ms (10000));
  g_assert_false (result.ok);
  g_assert_nonnull (result.error);
  g_test_message ("%s", result.error->message);
  g_assert_nonnull (strstr (result.error->message, count));
  for (guint i = 0; i < f->regs->len; i++)
    g_assert_true (names (result.error->message, f->regs->pdata[i]));
  g_clear_error (&result.error);
}

/* Removing registrations one by one from a large endpoint finds each
 * (the binary search by creation order), whatever the order. */
static void
test_remove_many (Fixture       *f,
                  gconstpointer  data)
{
  GListModel *list = sipnat_endpoint_get_registrations (f->endpoint);

  add_registrations (f, 60);
  /* Every third, then the rest backwards. */
  for (guint i = 0; i < 60; i += 3)
    sipnat_endpoint_remove_registration (f->endpoint, f->regs->pdata[i]);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 40);
  for (guint i = 60; i-- > 0;)
    if (i % 3 != 0)
      {
        guint n = g_list_model_get_n_items (list);

        sipnat_endpoint_remove_registration (f->endpoint, f->regs->pdata[i]);
        g_assert_cmpuint (g_list_model_get_n_items (list), ==, n - 1);
        /* Removed twice: nothing happens. */
        sipnat_endpoint_remove_registration (f->endpoint, f->regs->pdata[i]);
        g_assert_cmpuint (g_list_model_get_n_items (list), ==, n - 1);
      }
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/close/unanswered", test_unanswered);
  ADD ("/close/refused", test_refused);
  ADD ("/close/all-removed", test_all_removed);
  ADD ("/close/register-all-names", test_register_all_names);
  ADD ("/close/register-all-cancelled", test_register_all_cancelled);
  ADD ("/close/remove-many", test_remove_many);
#undef ADD

  return g_test_run ();
}
