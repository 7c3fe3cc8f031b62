/* test-endpoint.c: SipnatEndpoint construction and closing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-test-utils.h"

static void
test_endpoint_ephemeral_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) a = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_autoptr(SipnatTestEndpoint) b = NULL;

  g_assert_no_error (error);
  b = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);

  /* Known as soon as the constructor returns, and different each time. */
  g_assert_cmpuint (sipnat_endpoint_get_local_port (a), >, 1023);
  g_assert_cmpuint (sipnat_endpoint_get_local_port (a), !=, sipnat_endpoint_get_local_port (b));
  g_assert_cmpint (sipnat_endpoint_get_transports (a), ==,
                   SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP);
  g_assert_true (g_str_has_prefix (sipnat_endpoint_get_user_agent (a), "libsipnat/"));
}

static void
test_endpoint_port_in_use (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) a = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_autoptr(SipnatTestEndpoint) b = NULL;

  g_assert_no_error (error);
  b = sipnat_endpoint_new ("127.0.0.1", sipnat_endpoint_get_local_port (a), NULL, &error);
  g_assert_null (b);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "in use"));
}

static void
test_endpoint_bad_address (void)
{
  const char *bad[] = { "not an address", "256.1.1.1", "sip.example.com" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatTestEndpoint) e = sipnat_endpoint_new (bad[i], 0, NULL, &error);

      g_assert_null (e);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, bad[i]));
    }

  /* An address of another host: cannot be bound. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(SipnatTestEndpoint) e = sipnat_endpoint_new ("192.0.2.77", 0, NULL, &error);

    g_assert_null (e);
    g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT);
  }
}

static void
test_endpoint_not_initialised (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) e = g_object_new (SIPNAT_TYPE_ENDPOINT, "local-address", "127.0.0.1", NULL);
  SipnatRegistration *reg = sipnat_endpoint_add_registration (e, "127.0.0.1:5060", "alice");

  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "initialised"));
  g_clear_error (&error);

  /* Initialising it afterwards makes it usable. */
  g_assert_true (g_initable_init (G_INITABLE (e), NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_endpoint_get_local_port (e), >, 0);
}

static void
test_endpoint_close (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) e = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  SipnatRegistration *reg;

  g_assert_no_error (error);
  reg = sipnat_endpoint_add_registration (e, "127.0.0.1:5060", "alice");

  g_assert_true (sipnat_test_close (e, &error));
  g_assert_no_error (error);

  /* Closed is closed: no second close, no registering, no re-init. */
  g_assert_false (sipnat_test_close (e, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
  g_clear_error (&error);
  g_assert_false (g_initable_init (G_INITABLE (e), NULL, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
}

static void
test_endpoint_port_free_after_close (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) a = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_autoptr(SipnatTestEndpoint) b = NULL;
  guint port;

  g_assert_no_error (error);
  port = sipnat_endpoint_get_local_port (a);

  /* Dropped without close: the stack shuts down as the context runs
   * (the helper waits until the port is free), and the port can be bound
   * again by an endpoint. */
  sipnat_test_drop_endpoint (&a);
  b = sipnat_endpoint_new ("127.0.0.1", port, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_endpoint_get_local_port (b), ==, port);
}

static void
test_nat_policy_inherited (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  SipnatNatPolicy *defaults;
  SipnatNatPolicy *policy;
  SipnatRegistration *before;
  SipnatRegistration *after;

  g_assert_no_error (error);
  before = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5060", "alice");
  defaults = sipnat_endpoint_get_nat_policy (endpoint);
  sipnat_nat_policy_set_stun_server (defaults, "stun.example.net");
  sipnat_nat_policy_set_keepalive_interval (defaults, 7);
  after = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5060", "bob");

  /* New registrations start from the endpoint's policy, as a copy. */
  policy = sipnat_registration_get_nat_policy (after);
  g_assert_true (policy != defaults);
  g_assert_cmpstr (sipnat_nat_policy_get_stun_server (policy), ==, "stun.example.net");
  g_assert_cmpuint (sipnat_nat_policy_get_keepalive_interval (policy), ==, 7);
  sipnat_nat_policy_set_keepalive_interval (policy, 9);
  g_assert_cmpuint (sipnat_nat_policy_get_keepalive_interval (defaults), ==, 7);
  /* Those added before keep their own. */
  g_assert_null (sipnat_nat_policy_get_stun_server (sipnat_registration_get_nat_policy (before)));
}

static void
test_registration_names (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  SipnatRegistration *a, *b, *c;

  g_assert_no_error (error);
  a = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5060", "a");
  b = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5060", "b");
  g_assert_cmpstr (sipnat_registration_get_name (a), ==, "proxy0");
  g_assert_cmpstr (sipnat_registration_get_name (b), ==, "proxy1");

  /* A removed registration's name (and reg-id) is never given again. */
  sipnat_endpoint_remove_registration (endpoint, a);
  c = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5060", "c");
  g_assert_cmpstr (sipnat_registration_get_name (c), ==, "proxy2");
  g_assert_cmpstr (sipnat_registration_get_name (b), ==, "proxy1");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/endpoint/ephemeral-port", test_endpoint_ephemeral_port);
  g_test_add_func ("/endpoint/port-in-use", test_endpoint_port_in_use);
  g_test_add_func ("/endpoint/bad-address", test_endpoint_bad_address);
  g_test_add_func ("/endpoint/not-initialised", test_endpoint_not_initialised);
  g_test_add_func ("/endpoint/close", test_endpoint_close);
  g_test_add_func ("/endpoint/port-free-after-close", test_endpoint_port_free_after_close);

  g_test_add_func ("/endpoint/nat-policy/inherited", test_nat_policy_inherited);
  g_test_add_func ("/endpoint/registration/names", test_registration_names);

  return g_test_run ();
}
