/* test-outbound.c: SIP outbound (RFC 5626) and TCP keep-alive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-utils.h"

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;

  f->fake = sipnat_fake_registrar_new (&error);
  g_assert_no_error (error);
  f->endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  server = g_strdup_printf ("127.0.0.1:%u", sipnat_fake_registrar_get_port (f->fake));
  f->reg = sipnat_endpoint_add_registration (f->endpoint, server, "alice");
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_clear_object (&f->endpoint);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
}

static void
register_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
}

static void
test_contact_params (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *instance = NULL;
  g_autofree char *expected = NULL;
  g_auto(GStrv) contacts = NULL;
  const char *request;
  SipnatRegistration *second;

  sipnat_endpoint_set_instance_id (f->endpoint, "urn:uuid:00000000-0000-4000-8000-000000000001");
  register_ok (f);

  /* The instance and reg-id 1 in the Contact, Supported: outbound. */
  contacts = sipnat_fake_registrar_get_last_contacts (f->fake);
  g_assert_cmpuint (g_strv_length (contacts), ==, 1);
  g_assert_nonnull (strstr (contacts[0],
                            ";+sip.instance=\"<urn:uuid:00000000-0000-4000-8000-000000000001>\""));
  g_assert_nonnull (strstr (contacts[0], ";reg-id=1"));
  request = sipnat_fake_registrar_get_last_request (f->fake);
  g_assert_nonnull (strstr (request, "outbound"));
  g_assert_false (sipnat_registration_get_outbound_active (f->reg));

  /* A second registration is a second flow. */
  second = sipnat_endpoint_add_registration (f->endpoint, sipnat_registration_get_server (f->reg), "bob");
  g_assert_true (sipnat_test_register (second, &error));
  g_assert_no_error (error);
  g_strfreev (contacts);
  contacts = sipnat_fake_registrar_get_last_contacts (f->fake);
  g_assert_nonnull (strstr (contacts[0], ";reg-id=2"));

  /* Off: a plain Contact. */
  sipnat_registration_set_outbound (second, FALSE);
  sipnat_registration_set_reg_timeout (second, 120);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", 3, 5000));
  g_strfreev (contacts);
  contacts = sipnat_fake_registrar_get_last_contacts (f->fake);
  g_assert_null (strstr (contacts[0], "sip.instance"));
  g_assert_null (strstr (contacts[0], "reg-id"));

  /* The instance identifier is a random UUID URN by default. */
  sipnat_endpoint_set_instance_id (f->endpoint, NULL);
  instance = g_strdup (sipnat_endpoint_get_instance_id (f->endpoint));
  g_assert_true (g_str_has_prefix (instance, "urn:uuid:"));
  g_assert_true (g_uuid_string_is_valid (instance + strlen ("urn:uuid:")));
}

static void
test_flow_timer (Fixture       *f,
                 gconstpointer  data)
{
  SipnatFakeResponse outbound = {
    .status = 200, .echo_contact = TRUE,
    .extra_headers = "Require: outbound\r\nFlow-Timer: 1\r\n",
  };

  /* The policy says every 15 s; the registrar's Flow-Timer wins. */
  sipnat_fake_registrar_push (f->fake, &outbound);
  register_ok (f);
  g_assert_true (sipnat_registration_get_outbound_active (f->reg));

  g_assert_true (sipnat_fake_registrar_wait (f->fake, "OPTIONS", 2, 3000));
  g_assert_cmpuint (sipnat_nat_policy_get_keepalive_interval (sipnat_registration_get_nat_policy (f->reg)),
                    ==, 15);
}

static void
test_tcp_crlf_keepalive (Fixture       *f,
                         gconstpointer  data)
{
  sipnat_registration_set_transport (f->reg, SIPNAT_TRANSPORT_TCP);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  register_ok (f);

  /* Double-CRLF pings on the connection, no OPTIONS. */
  g_assert_true (sipnat_fake_registrar_wait (f->fake, SIPNAT_FAKE_REGISTRAR_KEEPALIVE, 2, 5000));
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "OPTIONS"), ==, 0);
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "REGISTER"), ==, 1);
}

static void
test_tcp_dead_flow (Fixture       *f,
                    gconstpointer  data)
{
  sipnat_registration_set_transport (f->reg, SIPNAT_TRANSPORT_TCP);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  register_ok (f);

  /* The flow dies silently: pings get no pong. Within a ping interval and
   * a pong wait, the connection is dropped and the registration is made
   * again on a new one. */
  sipnat_fake_registrar_set_pongs (f->fake, FALSE);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", 2, 6000));
  sipnat_test_run_for (200);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/outbound/contact-params", test_contact_params);
  ADD ("/outbound/flow-timer", test_flow_timer);
  ADD ("/outbound/tcp-crlf-keepalive", test_tcp_crlf_keepalive);
  ADD ("/outbound/tcp-dead-flow", test_tcp_dead_flow);

  return g_test_run ();
}
