/* test-hostile.c: registrars that misbehave, settings that would inject
 * headers, and operations that must not claim what did not happen
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>
#include <string.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-utils.h"

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  char *server;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  f->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &f->endpoint, &f->server);
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 1000);
  f->reg = sipnat_endpoint_add_registration (f->endpoint, f->server, "alice");
  sipnat_registration_set_password (f->reg, "pw");
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_clear_object (&f->endpoint);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&f->server, g_free);
}

static guint
count (Fixture    *f,
       const char *method)
{
  return sipnat_fake_registrar_count (f->fake, method);
}

static void
assert_register_fails (Fixture    *f,
                       GQuark      domain,
                       int         code,
                       const char *in_message)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (sipnat_test_register (f->reg, &error));
  g_test_message ("error: %s", error->message);
  g_assert_error (error, domain, code);
  if (in_message != NULL)
    g_assert_nonnull (strstr (error->message, in_message));
}

/* ---------------------------------------------------------------------- */
/* Settings that would end up in the request                              */

static void
test_injection_refused (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *injected = g_strdup_printf ("%s?X-Injected-Srv=1", f->server);
  g_autofree char *crlf = g_strdup_printf ("%s\r\nX-Injected: 1", f->server);

  sipnat_registration_set_server (f->reg, injected);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "server");
  sipnat_registration_set_server (f->reg, crlf);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "server");
  sipnat_registration_set_server (f->reg, f->server);

  sipnat_registration_set_user (f->reg, "alice:evil");
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "user");
  sipnat_registration_set_user (f->reg, "al ice");
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "user");
  sipnat_registration_set_user (f->reg, "al>ice");
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "user");
  sipnat_registration_set_user (f->reg, "alice");

  sipnat_registration_set_domain (f->reg, "example.com>\r\nX: 1");
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "domain");
  sipnat_registration_set_domain (f->reg, NULL);
  sipnat_registration_set_display_name (f->reg, "Alice\r\nX-Injected: 1");
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, "display");

  /* Nothing of it went out. */
  g_assert_cmpuint (count (f, "REGISTER"), ==, 0);
}

static gboolean
request_has (Fixture    *f,
             const char *method,
             const char *needle)
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (f->fake);

  for (guint i = 0; i < requests->len; i++)
    {
      const char *r = g_ptr_array_index (requests, i);

      if (g_str_has_prefix (r, method) && strstr (r, needle) != NULL)
        return TRUE;
    }

  return FALSE;
}

static void
test_escaped_and_quoted (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* A colon in the user is written %3A; the display name is quoted, its
   * quotes and backslashes escaped. */
  sipnat_registration_set_user (f->reg, "al%3Aice");
  sipnat_registration_set_display_name (f->reg, "Al \"the\" \\ice");
  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);

  g_assert_true (request_has (f, "REGISTER", "From: \"Al \\\"the\\\" \\\\ice\" <sip:al%3Aice@"));
  g_assert_true (request_has (f, "REGISTER", "<sip:al%3Aice@127.0.0.1:"));
}

/* ---------------------------------------------------------------------- */
/* Registrars that answer badly                                           */

static void
test_grant_out_of_range (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *contact = g_strdup_printf ("Contact: <sip:alice@127.0.0.1:%u>;expires=4294967295\r\n",
                                              sipnat_endpoint_get_local_port (f->endpoint));
  SipnatFakeResponse huge = { .status = 200, .extra_headers = contact };

  sipnat_fake_registrar_push (f->fake, &huge);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED, "4294967295");

  /* No refresh storm: retried later, with a back-off. */
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_RETRYING);
  sipnat_test_run_for (2000);
  g_assert_cmpuint (count (f, "REGISTER"), <=, 2);   /* the REGISTER and its removal */
}

static void
test_contact_not_kept (Fixture       *f,
                       gconstpointer  data)
{
  g_autofree char *contact = g_strdup_printf ("Contact: <sip:alice@127.0.0.1:%u>;expires=0\r\n",
                                              sipnat_endpoint_get_local_port (f->endpoint));
  SipnatFakeResponse dropped = { .status = 200, .extra_headers = contact };

  sipnat_fake_registrar_push (f->fake, &dropped);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED, "expires=0");
  g_assert_cmpint (sipnat_registration_get_state (f->reg), !=, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

static void
test_broken_challenge (Fixture       *f,
                       gconstpointer  data)
{
  SipnatFakeResponse broken = {
    .status = 401, .extra_headers = "WWW-Authenticate: Digest nonce=\"abc\"\r\n"
  };

  /* No realm: the challenge cannot be answered; nobody refused anything.
   * (Sofia tries once more without credentials by itself.) */
  sipnat_fake_registrar_push_times (f->fake, "REGISTER", &broken, 5);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED, "cannot be answered");
  g_assert_cmpuint (count (f, "REGISTER"), <=, 2);
}

static void
test_challenge_without_password (Fixture       *f,
                                 gconstpointer  data)
{
  sipnat_registration_set_password (f->reg, NULL);
  sipnat_fake_registrar_push_challenge (f->fake, "127.0.0.1", NULL);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED, "no password");
  g_assert_cmpuint (count (f, "REGISTER"), ==, 1);
}

static void
test_server_named (Fixture       *f,
                   gconstpointer  data)
{
  SipnatFakeResponse forbidden = { .status = 403, .reason = "Forbidden" };

  /* The server's answer is said to be the server's, naming it; a definite
   * no is not retried. */
  sipnat_fake_registrar_push (f->fake, &forbidden);
  assert_register_fails (f, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED, f->server);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_FAILED);
  g_assert_cmpuint (sipnat_registration_get_status_code (f->reg), ==, 403);
  g_assert_nonnull (sipnat_registration_get_error (f->reg));
}

/* ---------------------------------------------------------------------- */
/* Honest operations                                                      */

static void
test_unregister_not_answered (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SipnatFakeResponse silent = { .status = 0 };

  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);

  /* The registrar ignores the un-REGISTER: that is no success. */
  sipnat_fake_registrar_push_times (f->fake, "REGISTER", &silent, 10);
  g_assert_false (sipnat_test_unregister (f->reg, &error));
  g_test_message ("error: %s", error->message);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  g_assert_nonnull (strstr (error->message, "was not removed"));
}

static void
test_close_bounded (Fixture       *f,
                    gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SipnatFakeResponse silent = { .status = 0 };
  gint64 start;

  /* A long transaction timeout, and a registrar that never answers the
   * un-REGISTER: the close still ends at its timeout, and says so. */
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 32000);
  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (f->fake, "REGISTER", &silent, 10);
  sipnat_endpoint_set_close_timeout (f->endpoint, 1000);

  start = g_get_monotonic_time ();
  g_assert_false (sipnat_test_close (f->endpoint, &error));
  g_test_message ("closed in %" G_GINT64_FORMAT " ms: %s",
                  (g_get_monotonic_time () - start) / 1000, error->message);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
  g_assert_nonnull (error);
}

static void
test_close_cancelled (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SipnatFakeResponse silent = { .status = 0 };
  SipnatTestResult r = { 0 };

  sipnat_endpoint_set_transaction_timeout (f->endpoint, 32000);
  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (f->fake, "REGISTER", &silent, 10);

  /* Cancelling gives up the unregistrations at once. */
  sipnat_endpoint_close_async (f->endpoint, cancellable, sipnat_test_close_cb, &r);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 5000);
  g_assert_false (r.ok);
  g_assert_nonnull (r.error);
  g_test_message ("error: %s", r.error->message);
  g_assert_nonnull (strstr (r.error->message, "proxy0"));
  g_clear_error (&r.error);
}

static void
test_register_all_precancelled (Fixture       *f,
                                gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SipnatTestResult r = { 0 };

  for (guint i = 0; i < 4; i++)
    sipnat_endpoint_add_registration (f->endpoint, f->server, "alice");

  g_cancellable_cancel (cancellable);
  sipnat_endpoint_register_all_async (f->endpoint, cancellable, sipnat_test_register_all_cb, &r);
  sipnat_test_wait_flag (&r.done, 5000);
  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);

  /* Wait as long as a REGISTER would take to arrive; none may. */
  sipnat_test_run_for (300);
  g_assert_cmpuint (count (f, "REGISTER"), ==, 0);
}

static void
test_register_all_names_failures (Fixture       *f,
                                  gconstpointer  data)
{
  SipnatFakeResponse forbidden = { .status = 403, .reason = "Forbidden" };
  SipnatRegistration *second = sipnat_endpoint_add_registration (f->endpoint, f->server, "bob");
  SipnatRegistration *third = sipnat_endpoint_add_registration (f->endpoint, f->server, "carol");
  SipnatTestResult r = { 0 };

  sipnat_fake_registrar_push_times (f->fake, "REGISTER", &forbidden, 2);
  sipnat_endpoint_register_all_async (f->endpoint, NULL, sipnat_test_register_all_cb, &r);
  sipnat_test_wait_flag (&r.done, 5000);

  g_assert_false (r.ok);
  g_test_message ("error: %s", r.error->message);
  g_assert_nonnull (strstr (r.error->message, "2 of 3"));
  g_assert_nonnull (strstr (r.error->message, sipnat_registration_get_name (f->reg)));
  g_assert_nonnull (strstr (r.error->message, sipnat_registration_get_name (second)));
  g_assert_null (strstr (r.error->message, sipnat_registration_get_name (third)));
  g_clear_error (&r.error);
}

static void
test_tcp_loopback_no_nat (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  /* Over TCP the source port is never the listening one: not a NAT. */
  sipnat_registration_set_transport (f->reg, SIPNAT_TRANSPORT_TCP);
  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
  g_assert_nonnull (sipnat_registration_get_public_binding (f->reg));
  g_assert_false (sipnat_registration_get_nat_detected (f->reg));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add ("/hostile/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("settings/injection-refused", test_injection_refused);
  ADD ("settings/escaped-and-quoted", test_escaped_and_quoted);
  ADD ("answers/grant-out-of-range", test_grant_out_of_range);
  ADD ("answers/contact-not-kept", test_contact_not_kept);
  ADD ("answers/broken-challenge", test_broken_challenge);
  ADD ("answers/challenge-without-password", test_challenge_without_password);
  ADD ("answers/server-named", test_server_named);
  ADD ("honest/unregister-not-answered", test_unregister_not_answered);
  ADD ("honest/close-bounded", test_close_bounded);
  ADD ("honest/close-cancelled", test_close_cancelled);
  ADD ("honest/register-all-precancelled", test_register_all_precancelled);
  ADD ("honest/register-all-names-failures", test_register_all_names_failures);
  ADD ("honest/tcp-loopback-no-nat", test_tcp_loopback_no_nat);
#undef ADD

  return g_test_run ();
}
