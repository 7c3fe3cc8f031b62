/* test-via.c: the public binding read from a response's top Via
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-via-private.h"

typedef struct {
  const char *via;
  const char *host;      /* NULL: the Via must be refused */
  guint port;
  SipnatTransport transport;
} ViaCase;

static const ViaCase via_cases[] = {
  /* received and rport filled in by an RFC 3581 server */
  { "SIP/2.0/UDP 192.168.1.2:5060;rport=40000;branch=z9hG4bK1;received=203.0.113.101",
    "203.0.113.101", 40000, SIPNAT_TRANSPORT_UDP },
  /* rport present without value: the server did not fill it in */
  { "SIP/2.0/UDP 192.168.1.2:5070;rport;branch=z9hG4bK2;received=203.0.113.101",
    "203.0.113.101", 5070, SIPNAT_TRANSPORT_UDP },
  /* no received: the sent-by host; a port-only change is still a change */
  { "SIP/2.0/UDP 127.0.0.1:5060;rport=6000;branch=z9hG4bK3",
    "127.0.0.1", 6000, SIPNAT_TRANSPORT_UDP },
  /* no port anywhere: the transport's default */
  { "SIP/2.0/TLS example.org;branch=z9hG4bK4", "example.org", 5061, SIPNAT_TRANSPORT_TLS },
  { "SIP/2.0/TCP 10.0.0.1;branch=z9hG4bK5;received=198.51.100.2",
    "198.51.100.2", 5060, SIPNAT_TRANSPORT_TCP },
  /* IPv6 sent-by and received */
  { "SIP/2.0/UDP [2001:db8::1]:5060;rport=7000;received=2001:db8::99;branch=z9hG4bK6",
    "2001:db8::99", 7000, SIPNAT_TRANSPORT_UDP },
  /* malformed: every one must be refused, never crash */
  { "SIP/2.0/UDP 192.168.1.2:5060;rport=abc;received=203.0.113.1", NULL, 0, 0 },
  { "SIP/2.0/UDP 192.168.1.2:5060;rport=0;received=203.0.113.1", NULL, 0, 0 },
  { "SIP/2.0/UDP 192.168.1.2:5060;rport=65536;received=203.0.113.1", NULL, 0, 0 },
  { "SIP/2.0/UDP 192.168.1.2:5060;rport=99999999999999999999", NULL, 0, 0 },
  { "SIP/2.0/UDP 192.168.1.2:5060;received=not_a_host!", NULL, 0, 0 },
  { "SIP/2.0/SCTP 192.168.1.2:5060", NULL, 0, 0 },
  { "SIP/2.0/UDP", NULL, 0, 0 },
  { "", NULL, 0, 0 },
};

static void
test_via_cases (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (via_cases); i++)
    {
      const ViaCase *c = &via_cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatBinding) b = _sipnat_via_parse_public_binding (c->via, &error);

      g_test_message ("Via: %s", c->via);
      if (c->host == NULL)
        {
          g_assert_null (b);
          g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
          continue;
        }

      g_assert_no_error (error);
      g_assert_nonnull (b);
      g_assert_cmpstr (sipnat_binding_get_host (b), ==, c->host);
      g_assert_cmpuint (sipnat_binding_get_port (b), ==, c->port);
      g_assert_cmpint (sipnat_binding_get_transport (b), ==, c->transport);
    }
}

static void
test_via_huge_header (void)
{
  g_autoptr(GString) via = g_string_new ("SIP/2.0/UDP ");
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatBinding) b = NULL;

  for (guint i = 0; i < 20000; i++)
    g_string_append_c (via, 'a');
  g_string_append (via, ".example:5060;rport=1234");

  b = _sipnat_via_parse_public_binding (via->str, &error);
  g_assert_null (b);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
}

static void
test_via_sent_by (void)
{
  g_autoptr(su_home_t) home = su_home_new (sizeof (su_home_t));
  sip_via_t *via = sip_via_make (home, "SIP/2.0/UDP 192.168.1.2:5062;rport=40000;received=203.0.113.9");
  g_autoptr(SipnatBinding) local = _sipnat_via_get_sent_by (via, NULL);

  g_assert_nonnull (local);
  g_assert_cmpstr (sipnat_binding_get_host (local), ==, "192.168.1.2");
  g_assert_cmpuint (sipnat_binding_get_port (local), ==, 5062);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/via/cases", test_via_cases);
  g_test_add_func ("/via/huge-header", test_via_huge_header);
  g_test_add_func ("/via/sent-by", test_via_sent_by);

  return g_test_run ();
}
