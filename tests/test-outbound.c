/* test-outbound.c: SIP outbound (RFC 5626) and TCP keep-alive
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-registrar.h"
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
  g_autofree char *server = NULL;

  f->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &f->endpoint, &server);
  f->reg = sipnat_endpoint_add_registration (f->endpoint, server, "alice");
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  sipnat_test_drop_endpoint (&f->endpoint);
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
  guint pings;

  sipnat_registration_set_transport (f->reg, SIPNAT_TRANSPORT_TCP);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  register_ok (f);

  /* The flow dies silently: pings get no pong. Within a ping interval and
   * a pong wait, the connection is dropped and the registration is made
   * again on a new one. */
  sipnat_fake_registrar_set_pongs (f->fake, FALSE);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", 2, 6000));
  /* The new flow gets pinged in turn: by then its REGISTER was answered. */
  sipnat_fake_registrar_set_pongs (f->fake, TRUE);
  pings = sipnat_fake_registrar_count (f->fake, SIPNAT_FAKE_REGISTRAR_KEEPALIVE);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, SIPNAT_FAKE_REGISTRAR_KEEPALIVE, pings + 1, 5000));
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "REGISTER"), ==, 2);
}

/* Against Kamailio's outbound module (registrar outbound_mode 1,
 * Flow-Timer 2 s). */
static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_kamailio (gconstpointer data)
{
  SipnatTransport transport = GPOINTER_TO_INT (data);
  /* Without STUN, so that the UDP keep-alives are OPTIONS it counts
   * (test-stun-keepalive counts the STUN ones). */
  SipnatTestRegistrarOptions options = { .auth = TRUE, .outbound = TRUE, .no_stun = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) kamailio = sipnat_test_registrar_start (&options, &error);
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *server = NULL;
  g_autofree char *dump = NULL;
  g_auto(GStrv) contacts = NULL;
  SipnatRegistration *reg;
  SipnatTestStatistic keepalives = { .name = "rcv_requests_options" };
  guint state_changes = 0;
  gint64 start;

  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);

  endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (kamailio));
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  sipnat_registration_set_password (reg, "alicepw");
  sipnat_registration_set_transport (reg, transport);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);

  /* Kamailio does outbound for this flow and stored instance and reg-id. */
  g_assert_true (sipnat_registration_get_outbound_active (reg));
  dump = sipnat_test_registrar_kamcmd (kamailio, &error, "ul.lookup", "location", "s:alice", NULL);
  g_assert_no_error (error);
  g_test_message ("%s", dump);
  g_assert_nonnull (strstr (dump, sipnat_endpoint_get_instance_id (endpoint)));
  g_assert_nonnull (strstr (dump, "Reg-Id: 1"));

  /* Its Flow-Timer (2 s) sets the keep-alive, not the policy's 15 s:
   * OPTIONS on UDP, CRLF pings on TCP (which Kamailio answers). */
  g_signal_connect (reg, "notify::state", G_CALLBACK (count_notify), &state_changes);
  start = g_get_monotonic_time ();
  if (transport == SIPNAT_TRANSPORT_UDP)
    {
      keepalives.registrar = kamailio;
      keepalives.at_least = sipnat_test_registrar_get_statistic (kamailio, keepalives.name) + 2;
      sipnat_test_wait_until (sipnat_test_registrar_statistic_reached, &keepalives, 20000);
      /* At the policy's 15 s, two would take at least 24 s (the deadline
       * is longer under valgrind). */
      g_assert_cmpint (g_get_monotonic_time () - start, <, 20 * G_USEC_PER_SEC);
    }
  else
    {
      /* Kamailio keeps no count of the CRLF pings it answers: only time
       * shows that they keep the flow up. Two Flow-Timer periods and a
       * half, as on UDP. */
      sipnat_test_run_for (4500);
    }
  g_assert_cmpuint (state_changes, ==, 0);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);

  g_assert_true (sipnat_test_close (endpoint, &error));
  g_assert_no_error (error);
  contacts = sipnat_test_registrar_get_contacts (kamailio, "alice");
  g_assert_cmpuint (g_strv_length (contacts), ==, 0);
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
  g_test_add_data_func ("/outbound/kamailio/udp", GINT_TO_POINTER (SIPNAT_TRANSPORT_UDP), test_kamailio);
  g_test_add_data_func ("/outbound/kamailio/tcp", GINT_TO_POINTER (SIPNAT_TRANSPORT_TCP), test_kamailio);

  return g_test_run ();
}
