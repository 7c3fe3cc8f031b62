/* test-binding.c: SipnatBinding and SipnatTransport
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

static void
test_binding_equal (void)
{
  g_autoptr(SipnatBinding) a = sipnat_binding_new ("203.0.113.1", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) same = sipnat_binding_new ("203.0.113.1", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) port = sipnat_binding_new ("203.0.113.1", 5061, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) host = sipnat_binding_new ("203.0.113.2", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) tcp = sipnat_binding_new ("203.0.113.1", 5060, SIPNAT_TRANSPORT_TCP);
  g_autoptr(SipnatBinding) copy = sipnat_binding_copy (a);

  g_assert_true (sipnat_binding_equal (a, same));
  g_assert_true (sipnat_binding_equal (a, copy));
  g_assert_false (sipnat_binding_equal (a, port));
  g_assert_false (sipnat_binding_equal (a, host));
  g_assert_false (sipnat_binding_equal (a, tcp));
  g_assert_false (sipnat_binding_equal (a, NULL));
  g_assert_true (sipnat_binding_equal (NULL, NULL));
  g_assert_true (sipnat_binding_get_host (copy) != sipnat_binding_get_host (a));
}

static void
test_binding_to_string (void)
{
  g_autoptr(SipnatBinding) v4 = sipnat_binding_new ("203.0.113.1", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) v6 = sipnat_binding_new ("2001:db8::1", 5061, SIPNAT_TRANSPORT_TLS);
  g_autofree char *s4 = sipnat_binding_to_string (v4);
  g_autofree char *s6 = sipnat_binding_to_string (v6);

  g_assert_cmpstr (s4, ==, "203.0.113.1:5060/udp");
  g_assert_cmpstr (s6, ==, "[2001:db8::1]:5061/tls");
}

static void
test_binding_boxed (void)
{
  g_autoptr(SipnatBinding) a = sipnat_binding_new ("192.0.2.7", 40000, SIPNAT_TRANSPORT_TCP);
  SipnatBinding *b = g_boxed_copy (SIPNAT_TYPE_BINDING, a);

  g_assert_true (sipnat_binding_equal (a, b));
  g_boxed_free (SIPNAT_TYPE_BINDING, b);
}

static void
test_transport_names (void)
{
  SipnatTransport t = SIPNAT_TRANSPORT_UDP;

  g_assert_true (sipnat_transport_from_string ("TCP", &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_TCP);
  g_assert_true (sipnat_transport_from_string ("tls", &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_TLS);
  g_assert_false (sipnat_transport_from_string ("sctp", &t));
  g_assert_false (sipnat_transport_from_string (NULL, &t));
  g_assert_cmpint (t, ==, SIPNAT_TRANSPORT_TLS);
  g_assert_cmpstr (sipnat_transport_to_string (SIPNAT_TRANSPORT_UDP), ==, "udp");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/binding/equal", test_binding_equal);
  g_test_add_func ("/binding/to-string", test_binding_to_string);
  g_test_add_func ("/binding/boxed", test_binding_boxed);
  g_test_add_func ("/transport/names", test_transport_names);

  return g_test_run ();
}
