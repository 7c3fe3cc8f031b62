/* test-stun-keepalive.c: STUN keep-alives on the SIP flow (RFC 5626 §4.4.2)
 *
 * Against the real Kamailio of the tests (its stun module answers on the
 * SIP port) and without it (the keep-alives fall back to OPTIONS), then
 * with the fake registrar: a rebinding that only a STUN answer tells,
 * and hostile STUN on the SIP port.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-registration-impl-private.h"
#include "sipnat-stun-client-private.h"
#include "sipnat-test-registrar.h"
#include "sipnat-test-utils.h"

static SipnatFlowCounts
counts (SipnatRegistration *reg)
{
  SipnatFlowCounts c;

  _sipnat_flow_get_counts (reg->flow, &c);
  return c;
}

/* Keep-alives answered: its own STUN, or another flow's on the same
 * socket that it took (sipnat-flow.c, take_shared_mapping()). */
static gboolean
kept_alive_3 (gpointer reg)
{
  SipnatFlowCounts c = counts (reg);

  return c.stun_answered + c.stun_shared >= 3;
}

static gboolean
fell_back (gpointer reg)
{
  SipnatFlowCounts c = counts (reg);

  return c.options_fallback && c.options_sent >= 3;
}

static SipnatRegistration *
register_with_kamailio (SipnatEndpoint      *endpoint,
                        SipnatTestRegistrar *kamailio,
                        const char          *user)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (kamailio));
  g_autofree char *password = g_strconcat (user, "pw", NULL);
  SipnatRegistration *reg = sipnat_endpoint_add_registration (endpoint, server, user);

  sipnat_registration_set_password (reg, password);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (reg), 1);
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);

  return reg;
}

/* Kamailio with its stun module: the keep-alives are STUN, answered with
 * the binding it sees; no OPTIONS but the one that goes along with the
 * first STUN. Two registrations share the SIP socket, so the NAT binding:
 * each keeps alive, and a keep-alive due less than a second after the
 * other's answer takes that answer instead of sending its own. */
static void
test_kamailio_stun (void)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) kamailio = sipnat_test_registrar_start (&options, &error);
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  SipnatRegistration *reg;
  SipnatRegistration *bob;
  SipnatFlowCounts c;
  guint options_before;

  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);

  endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  reg = register_with_kamailio (endpoint, kamailio, "alice");
  bob = register_with_kamailio (endpoint, kamailio, "bob");
  options_before = sipnat_test_registrar_get_statistic (kamailio, "rcv_requests_options");

  sipnat_test_wait_until (kept_alive_3, reg, 15000);
  sipnat_test_wait_until (kept_alive_3, bob, 15000);
  c = counts (bob);
  g_assert_false (c.options_fallback);
  g_assert_cmpuint (c.stun_dropped, ==, 0);
  /* Both every second (80-100 % of it): the one due after the other's
   * answer finds it less than a second old, most of the time. */
  g_assert_cmpuint (c.stun_shared + counts (reg).stun_shared, >, 0);
  g_assert_cmpuint (c.stun_answered + counts (reg).stun_answered, >, 0);
  c = counts (reg);
  g_test_message ("STUN sent %u, answered %u, dropped %u; OPTIONS %u", c.stun_sent,
                  c.stun_answered, c.stun_dropped, c.options_sent);
  g_assert_false (c.options_fallback);
  g_assert_cmpuint (c.options_sent, <=, 1);
  g_assert_cmpuint (c.stun_dropped, ==, 0);
  g_assert_cmpuint (sipnat_test_registrar_get_statistic (kamailio, "rcv_requests_options") - options_before, <=, 2);
  /* Answered with the binding Kamailio sees, the one already known. */
  g_assert_cmpuint (sipnat_binding_get_port (sipnat_registration_get_public_binding (reg)), ==,
                    sipnat_endpoint_get_local_port (endpoint));
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);

  /* SIP still reaches Sofia through the same socket: a REGISTER refresh. */
  sipnat_registration_set_reg_timeout (reg, 120);
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);

  g_assert_true (sipnat_test_close (endpoint, &error));
  g_assert_no_error (error);
}

/* Kamailio without it: the first STUN transaction goes unanswered, and
 * the keep-alives are OPTIONS from then on; still registered. */
static void
test_kamailio_fallback (void)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE, .no_stun = TRUE };
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestRegistrar) kamailio = sipnat_test_registrar_start (&options, &error);
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  SipnatRegistration *reg;
  SipnatFlowCounts c;
  guint options_before;

  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);

  endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_assert_no_error (error);
  reg = register_with_kamailio (endpoint, kamailio, "alice");
  options_before = sipnat_test_registrar_get_statistic (kamailio, "rcv_requests_options");

  sipnat_test_wait_until (fell_back, reg, 20000);
  c = counts (reg);
  g_assert_cmpuint (c.stun_answered, ==, 0);
  g_assert_cmpuint (c.stun_sent, ==, 3);   /* one transaction, two retransmissions */
  g_assert_cmpuint (sipnat_test_registrar_get_statistic (kamailio, "rcv_requests_options") - options_before, >=, 3);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);

  g_assert_true (sipnat_test_close (endpoint, &error));
  g_assert_no_error (error);
}

/* ---------------------------------------------------------------------- */
/* With the fake registrar                                                */

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatTestEndpoint *endpoint;
  SipnatRegistration *reg;
  GPtrArray *changes;
  guint local_port;
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = NULL;

  f->fake = sipnat_fake_registrar_new (&error);
  g_assert_no_error (error);
  f->endpoint = sipnat_test_local_endpoint_new ("127.0.0.1");
  f->local_port = sipnat_endpoint_get_local_port (f->endpoint);
  server = sipnat_fake_registrar_dup_server (f->fake);
  f->reg = sipnat_endpoint_add_registration (f->endpoint, server, "alice");
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  sipnat_registration_set_reg_match_received_rport (f->reg, TRUE);
  f->changes = g_ptr_array_new_with_free_func (g_free);
  sipnat_test_record_binding_changes (f->reg, f->changes);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  g_clear_pointer (&f->endpoint, sipnat_test_endpoint_free);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&f->changes, g_ptr_array_unref);
}

static void
register_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
}

static gboolean
stun_answered_1 (gpointer reg)
{
  return counts (reg).stun_answered >= 1;
}

static gboolean
registered_with_40123 (gpointer data)
{
  Fixture *f = data;

  return f->changes->len >= 2 &&
         sipnat_fake_registrar_count (f->fake, "REGISTER") >= 3 &&
         g_strcmp0 (sipnat_registration_get_contact (f->reg), "sip:alice@127.0.0.1:40123") == 0;
}

/* The NAT rebinds; only the STUN keep-alive tells (no OPTIONS are sent
 * once STUN is answered): public-binding-changed, then a REGISTER with
 * the new Contact. */
static void
test_rebinding (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *expected = NULL;
  guint options;

  sipnat_fake_registrar_set_stun (f->fake, SIPNAT_FAKE_STUN_ANSWER, NULL, 0);
  register_ok (f);
  sipnat_test_wait_until (stun_answered_1, f->reg, 10000);
  /* The OPTIONS that went along with the first STUN, the only one. */
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "OPTIONS", 1, 5000));
  g_assert_cmpuint (f->changes->len, ==, 1);
  options = sipnat_fake_registrar_count (f->fake, "OPTIONS");

  /* The rebinding: STUN answers and the REGISTER answers show a new port. */
  sipnat_fake_registrar_set_stun (f->fake, SIPNAT_FAKE_STUN_ANSWER, "127.0.0.1", 40123);
  sipnat_fake_registrar_push_times (f->fake, "REGISTER",
                                    &(SipnatFakeResponse) { .status = 200, .rport = "40123",
                                                            .echo_contact = TRUE }, 4);
  sipnat_test_wait_until (registered_with_40123, f, 10000);

  expected = g_strdup_printf ("127.0.0.1:%u/udp -> 127.0.0.1:40123/udp", f->local_port);
  g_assert_cmpstr (g_ptr_array_index (f->changes, 1), ==, expected);
  g_assert_cmpuint (f->changes->len, ==, 2);
  /* Seen by STUN alone. */
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "OPTIONS"), ==, options);
  g_assert_false (counts (f->reg).options_fallback);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

static gboolean
fell_back_1 (gpointer reg)
{
  return counts (reg).options_fallback;
}

static void
send_to_endpoint (Fixture      *f,
                  GSocket      *socket,
                  const guint8 *data,
                  gsize         len)
{
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (lo, f->local_port);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send_to (socket, to, (const char *) data, len, NULL, &error), ==, len);
  g_assert_no_error (error);
}

static gboolean
dropped_3 (gpointer reg)
{
  return counts (reg).stun_dropped >= 3;
}

/* Answers with a wrong transaction id are not answers: the keep-alives
 * fall back to OPTIONS. STUN from anywhere else, of any size, is taken
 * off the socket and dropped; SIP still works. */
static void
test_hostile (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) stranger = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                              G_SOCKET_PROTOCOL_UDP, &error);
  guint8 answer[32] = { 0x01, 0x01, 0x00, 12, 0x21, 0x12, 0xa4, 0x42 };
  guint8 big[1024] = { 0x01, 0x01, 0x03, 0xec, 0x21, 0x12, 0xa4, 0x42 };   /* length 1004 */
  guint8 runt[4] = { 0x00, 0x01, 0x00, 0x00 };
  guint registers;

  g_assert_no_error (error);
  sipnat_fake_registrar_set_stun (f->fake, SIPNAT_FAKE_STUN_WRONG_ID, NULL, 0);
  register_ok (f);
  sipnat_test_wait_until (fell_back_1, f->reg, 10000);
  g_assert_cmpuint (counts (f->reg).stun_answered, ==, 0);
  g_assert_cmpuint (counts (f->reg).stun_dropped, >=, 1);

  /* A well-formed answer with a mapped address, from a stranger. */
  answer[20] = 0x00; answer[21] = 0x20; answer[23] = 8; answer[25] = 0x01;
  send_to_endpoint (f, stranger, answer, sizeof answer);
  send_to_endpoint (f, stranger, big, sizeof big);
  send_to_endpoint (f, stranger, runt, sizeof runt);   /* no STUN: Sofia's */
  send_to_endpoint (f, stranger, answer, sizeof answer);
  sipnat_test_wait_until (dropped_3, f->reg, 5000);

  /* Nothing changed, and Sofia still gets SIP on that socket. */
  g_assert_cmpuint (f->changes->len, ==, 1);
  registers = sipnat_fake_registrar_count (f->fake, "REGISTER");
  sipnat_registration_set_reg_timeout (f->reg, 120);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", registers + 1, 5000));
  sipnat_test_wait_state (f->reg, SIPNAT_REGISTRATION_STATE_REGISTERED, 5000);
}

/* A registrar that stops answering STUN (and answers SIP): each
 * unanswered STUN keep-alive is followed by an OPTIONS probe, and after
 * two in a row the flow keeps to OPTIONS. Still registered. */
static void
test_stops_answering (Fixture       *f,
                      gconstpointer  data)
{
  SipnatFlowCounts c;
  guint options;

  sipnat_fake_registrar_set_stun (f->fake, SIPNAT_FAKE_STUN_ANSWER, NULL, 0);
  register_ok (f);
  sipnat_test_wait_until (stun_answered_1, f->reg, 10000);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "OPTIONS", 1, 5000));
  options = sipnat_fake_registrar_count (f->fake, "OPTIONS");
  g_assert_false (counts (f->reg).options_fallback);

  sipnat_fake_registrar_set_stun (f->fake, SIPNAT_FAKE_STUN_IGNORE, NULL, 0);
  sipnat_test_wait_until (fell_back_1, f->reg, 20000);
  c = counts (f->reg);
  /* The probes after each of the two, then OPTIONS keep-alives. */
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "OPTIONS", options + 2, 5000));
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "OPTIONS", options + 3, 5000));
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  g_assert_cmpuint (f->changes->len, ==, 1);
  g_test_message ("STUN sent %u, answered %u; OPTIONS %u", c.stun_sent, c.stun_answered,
                  c.options_sent);
}

/* ---------------------------------------------------------------------- */
/* The STUN checks alone, on junk                                         */

static void
test_junk (void)
{
  g_autofree StunAgent *agent = _sipnat_stun_agent_new (FALSE);
  guint8 request[STUN_MAX_MESSAGE_SIZE_IPV4];
  guint8 buf[600];
  gsize request_len;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);

  request_len = _sipnat_stun_build_binding (agent, NULL, request, sizeof request);
  g_assert_cmpuint (request_len, ==, 20);
  g_assert_true (_sipnat_stun_looks_like (request, request_len));
  g_assert_false (_sipnat_stun_looks_like ((const guint8 *) "SIP/2.0 200 OK\r\n\r\n\r\n", 20));

  for (guint i = 0; i < 20000; i++)
    {
      gsize len = g_rand_int_range (rand, 0, sizeof buf);
      g_auto(SipnatStunAnswer) answer = { 0 };
      int code = 0;

      for (gsize j = 0; j < len; j++)
        buf[j] = (guint8) g_rand_int (rand);
      if (len >= 20 && (i & 1))
        {
          /* A plausible header: our transaction id, the cookie, a length
           * that matches, junk attributes. */
          memcpy (buf, request, 20);
          buf[0] = 0x01;
          buf[1] = 0x01;
          len &= ~(gsize) 3;
          buf[2] = (guint8) ((len - 20) >> 8);
          buf[3] = (guint8) (len - 20);
        }
      if (_sipnat_stun_parse_answer (agent, buf, len, &answer, &code) == SIPNAT_STUN_PARSE_SUCCESS)
        {
          g_assert_nonnull (answer.mapped);
          g_assert_cmpuint (g_inet_socket_address_get_port (answer.mapped), >, 0);
        }
      else
        g_assert_null (answer.mapped);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/stun-keepalive/junk", test_junk);
  g_test_add_func ("/stun-keepalive/kamailio/stun", test_kamailio_stun);
  g_test_add_func ("/stun-keepalive/kamailio/fallback", test_kamailio_fallback);
  g_test_add ("/stun-keepalive/fake/rebinding", Fixture, NULL, set_up, test_rebinding, tear_down);
  g_test_add ("/stun-keepalive/fake/hostile", Fixture, NULL, set_up, test_hostile, tear_down);
  g_test_add ("/stun-keepalive/fake/stops-answering", Fixture, NULL, set_up, test_stops_answering,
              tear_down);

  return g_test_run ();
}
