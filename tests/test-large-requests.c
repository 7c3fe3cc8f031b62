/* test-large-requests.c: requests over 1300 bytes go over TCP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-utils.h"

#define BIG_NAME_LENGTH 1500

static SipnatEndpoint *
udp_only_endpoint (gboolean tcp_for_large)
{
  g_autoptr(GError) error = NULL;
  SipnatEndpoint *e = g_initable_new (SIPNAT_TYPE_ENDPOINT, NULL, &error,
                                      "local-address", "127.0.0.1",
                                      "transports", SIPNAT_TRANSPORT_FLAGS_UDP,
                                      "tcp-for-large-requests", tcp_for_large,
                                      NULL);
  g_assert_no_error (error);
  return e;
}

static const char *
request_transport (const char *request)
{
  const char *via = strstr (request, "\nVia: SIP/2.0/");

  g_assert_nonnull (via);
  return g_str_has_prefix (via + strlen ("\nVia: SIP/2.0/"), "TCP") ? "TCP" : "UDP";
}

static gboolean
has_options (gpointer fake)
{
  return sipnat_fake_registrar_count (fake, "OPTIONS") > 0;
}

static gboolean
has_udp_binding (gpointer data)
{
  const SipnatBinding *binding = sipnat_registration_get_public_binding (data);

  return binding != NULL && sipnat_binding_get_transport (binding) == SIPNAT_TRANSPORT_UDP;
}

static void
test_large_register_over_tcp (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatTestEndpoint) endpoint = udp_only_endpoint (TRUE);
  g_autofree char *server = NULL;
  g_autofree char *name = g_strnfill (BIG_NAME_LENGTH, 'x');
  SipnatRegistration *reg;
  GPtrArray *requests;

  g_assert_no_error (error);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  sipnat_registration_set_display_name (reg, name);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);

  /* The REGISTER (over 1300 bytes) went over TCP, though only UDP is
   * enabled; its Contact still says UDP. */
  requests = sipnat_fake_registrar_get_requests (fake);
  g_assert_cmpuint (requests->len, >=, 1);
  g_assert_cmpuint (strlen (g_ptr_array_index (requests, 0)), >, BIG_NAME_LENGTH + 300);
  g_assert_cmpstr (request_transport (g_ptr_array_index (requests, 0)), ==, "TCP");
  g_assert_null (strstr (sipnat_registration_get_contact (reg), "transport="));

  /* The TCP answer says nothing of the UDP binding: a small probe over
   * UDP learns it right away. */
  sipnat_test_wait_until (has_options, fake, 2000);
  g_assert_cmpstr (request_transport (sipnat_fake_registrar_get_last_request (fake)), ==, "UDP");
  sipnat_test_wait_until (has_udp_binding, reg, 5000);
  g_assert_cmpint (sipnat_binding_get_transport (sipnat_registration_get_public_binding (reg)), ==,
                   SIPNAT_TRANSPORT_UDP);
  g_assert_cmpuint (sipnat_binding_get_port (sipnat_registration_get_public_binding (reg)), ==,
                    sipnat_endpoint_get_local_port (endpoint));
}

static void
test_small_register_stays_udp (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatTestEndpoint) endpoint = udp_only_endpoint (TRUE);
  g_autofree char *server = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_cmpstr (request_transport (sipnat_fake_registrar_get_last_request (fake)), ==, "UDP");
}

static void
test_switch_off (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatTestEndpoint) endpoint = udp_only_endpoint (FALSE);
  g_autofree char *server = NULL;
  g_autofree char *name = g_strnfill (BIG_NAME_LENGTH, 'x');
  SipnatRegistration *reg;

  /* The control: switched off, the large request goes over UDP (which
   * loopback delivers, fragments and all). */
  g_assert_no_error (error);
  g_assert_false (sipnat_endpoint_get_tcp_for_large_requests (endpoint));
  server = sipnat_fake_registrar_dup_server (fake);
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  sipnat_registration_set_display_name (reg, name);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (request_transport (sipnat_fake_registrar_get_last_request (fake)), ==, "UDP");
}

static void
test_tcp_impossible (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatTestEndpoint) endpoint = udp_only_endpoint (TRUE);
  g_autofree char *server = NULL;
  g_autofree char *name = g_strnfill (BIG_NAME_LENGTH, 'x');
  SipnatFakeResponse lost = { .status = 0 };
  SipnatRegistration *reg;

  /* The registrar refuses TCP, and (as behind a NAT that drops IP
   * fragments) the large REGISTER over UDP never arrives: a clear
   * transport error, not a bare timeout. */
  g_assert_no_error (error);
  sipnat_fake_registrar_close_tcp (fake);
  sipnat_fake_registrar_push_times (fake, NULL, &lost, 20);
  sipnat_endpoint_set_transaction_timeout (endpoint, 1000);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  sipnat_registration_set_display_name (reg, name);

  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "too large for UDP"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/large-requests/register-over-tcp", test_large_register_over_tcp);
  g_test_add_func ("/large-requests/small-stays-udp", test_small_register_stays_udp);
  g_test_add_func ("/large-requests/switch-off", test_switch_off);
  g_test_add_func ("/large-requests/tcp-impossible", test_tcp_impossible);

  return g_test_run ();
}
