/* sipnat-test-utils.c: helpers shared by the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-test-utils.h"

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

void
sipnat_test_wait_until (SipnatTestPredicate done,
                        gpointer            data,
                        guint               timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);

  while (!done (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);

  if (!done (data))
    g_error ("timed out after %u ms", timeout_ms);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
sipnat_test_wait_flag (gboolean *flag,
                       guint     timeout_ms)
{
  sipnat_test_wait_until (flag_is_set, flag, timeout_ms);
}

void
sipnat_test_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

typedef SipnatTestResult SyncResult;

void
sipnat_test_register_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      data)
{
  SyncResult *r = data;

  r->ok = sipnat_registration_register_finish (SIPNAT_REGISTRATION (source), result, &r->error);
  r->done = TRUE;
}

void
sipnat_test_unregister_cb (GObject      *source,
                           GAsyncResult *result,
                           gpointer      data)
{
  SyncResult *r = data;

  r->ok = sipnat_registration_unregister_finish (SIPNAT_REGISTRATION (source), result, &r->error);
  r->done = TRUE;
}

static void
binding_changed_cb (SipnatRegistration  *reg,
                    const SipnatBinding *old_binding,
                    const SipnatBinding *new_binding,
                    GPtrArray           *changes)
{
  g_autofree char *a = old_binding ? sipnat_binding_to_string (old_binding) : g_strdup ("NULL");
  g_autofree char *b = sipnat_binding_to_string (new_binding);

  g_ptr_array_add (changes, g_strdup_printf ("%s -> %s", a, b));
}

void
sipnat_test_record_binding_changes (SipnatRegistration *registration,
                                    GPtrArray          *changes)
{
  g_signal_connect (registration, "public-binding-changed", G_CALLBACK (binding_changed_cb), changes);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  SyncResult *r = data;

  r->ok = sipnat_endpoint_close_finish (SIPNAT_ENDPOINT (source), result, &r->error);
  r->done = TRUE;
}

static gboolean
finish_sync (SyncResult  *r,
             GError     **error)
{
  sipnat_test_wait_flag (&r->done, 40000);
  if (r->error != NULL)
    g_propagate_error (error, r->error);
  return r->ok;
}

gboolean
sipnat_test_register (SipnatRegistration  *registration,
                      GError             **error)
{
  SyncResult r = { 0 };

  sipnat_registration_register_async (registration, NULL, sipnat_test_register_cb, &r);
  return finish_sync (&r, error);
}

gboolean
sipnat_test_unregister (SipnatRegistration  *registration,
                        GError             **error)
{
  SyncResult r = { 0 };

  sipnat_registration_unregister_async (registration, NULL, sipnat_test_unregister_cb, &r);
  return finish_sync (&r, error);
}

gboolean
sipnat_test_close (SipnatEndpoint  *endpoint,
                   GError         **error)
{
  SyncResult r = { 0 };

  sipnat_endpoint_close_async (endpoint, NULL, close_cb, &r);
  return finish_sync (&r, error);
}

gboolean
sipnat_test_skip_if_missing (GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return FALSE;

  if (g_getenv ("SIPNAT_REQUIRE_NETNS") != NULL)
    g_error ("required server missing: %s", error->message);

  g_test_skip (error->message);
  return TRUE;
}
