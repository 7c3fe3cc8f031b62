/* test-nat-guards.c: keep-alives and safe received/rport handling
 *
 * A fake registrar injects what real servers and middleboxes do wrong.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

#include "sipnat-binding-tracker-private.h"
#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-utils.h"

/* ---------------------------------------------------------------------- */
/* The binding tracker alone                                              */

#define SEC G_USEC_PER_SEC

static void
test_tracker_confirm_then_rewrite (void)
{
  g_autoptr(SipnatBindingTracker) t = _sipnat_binding_tracker_new ();
  g_autoptr(SipnatBinding) contact = sipnat_binding_new ("192.168.1.2", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) pub = sipnat_binding_new ("203.0.113.101", 40000, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) other = sipnat_binding_new ("203.0.113.101", 40001, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) rebound = sipnat_binding_new ("203.0.113.111", 40001, SIPNAT_TRANSPORT_UDP);
  const char *registrar = "203.0.113.10";

  _sipnat_binding_tracker_set_cycle (t, 30 * SEC);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, contact, contact, registrar, 0), ==,
                   SIPNAT_BINDING_ACTION_NONE);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, pub, contact, registrar, 0), ==,
                   SIPNAT_BINDING_ACTION_CONFIRM);
  /* Another value before confirmation starts over, without a second
   * probe so soon: the next natural answer confirms. */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, other, contact, registrar, 1 * SEC), ==,
                   SIPNAT_BINDING_ACTION_NONE);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, other, contact, registrar, 2 * SEC), ==,
                   SIPNAT_BINDING_ACTION_REWRITE);
  _sipnat_binding_tracker_rewrote (t, contact, 2 * SEC);

  /* Stable again; then a real rebinding (a binding never seen) is probed
   * and followed at once, within the same cycle. */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, other, other, registrar, 3 * SEC), ==,
                   SIPNAT_BINDING_ACTION_NONE);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, rebound, other, registrar, 4 * SEC), ==,
                   SIPNAT_BINDING_ACTION_CONFIRM);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, rebound, other, registrar, 4 * SEC), ==,
                   SIPNAT_BINDING_ACTION_REWRITE);
  _sipnat_binding_tracker_rewrote (t, other, 4 * SEC);

  /* Flipping back to the Contact of before that rewrite waits for the
   * next cycle... */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, other, rebound, registrar, 10 * SEC), ==,
                   SIPNAT_BINDING_ACTION_CONFIRM);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, other, rebound, registrar, 10 * SEC), ==,
                   SIPNAT_BINDING_ACTION_DEFER);
  /* ...and goes ahead then. */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, other, rebound, registrar, 35 * SEC), ==,
                   SIPNAT_BINDING_ACTION_REWRITE);
}

static void
test_tracker_flap_reverts (void)
{
  g_autoptr(SipnatBindingTracker) t = _sipnat_binding_tracker_new ();
  g_autoptr(SipnatBinding) contact = sipnat_binding_new ("203.0.113.101", 40000, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) flap = sipnat_binding_new ("203.0.113.101", 40999, SIPNAT_TRANSPORT_UDP);

  g_assert_cmpint (_sipnat_binding_tracker_observe (t, flap, contact, NULL, 0), ==,
                   SIPNAT_BINDING_ACTION_CONFIRM);
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, contact, contact, NULL, 0), ==,
                   SIPNAT_BINDING_ACTION_NONE);
  /* The flap was forgotten: seeing it again needs a new confirmation. */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, flap, contact, NULL, 10 * SEC), ==,
                   SIPNAT_BINDING_ACTION_CONFIRM);
}

static void
test_tracker_alg_private_received (void)
{
  g_autoptr(SipnatBindingTracker) t = _sipnat_binding_tracker_new ();
  g_autoptr(SipnatBinding) contact = sipnat_binding_new ("198.51.100.5", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) alg = sipnat_binding_new ("192.168.1.50", 5060, SIPNAT_TRANSPORT_UDP);
  g_autoptr(SipnatBinding) private_contact = sipnat_binding_new ("10.0.0.2", 5060, SIPNAT_TRANSPORT_UDP);

  /* Public registrar, public Contact, private received: never followed. */
  for (guint i = 0; i < 3; i++)
    g_assert_cmpint (_sipnat_binding_tracker_observe (t, alg, contact, "203.0.113.10", 0), ==,
                     SIPNAT_BINDING_ACTION_NONE);

  /* A registrar on a private network may see a private address. */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, alg, contact, "192.168.1.1", 0), ==,
                   SIPNAT_BINDING_ACTION_CONFIRM);

  /* A private Contact may follow another private address (double NAT, LAN). */
  g_assert_cmpint (_sipnat_binding_tracker_observe (t, alg, private_contact, "203.0.113.10", 0), !=,
                   SIPNAT_BINDING_ACTION_NONE);
}

static void
test_private_addresses (void)
{
  const char *private[] = { "10.1.2.3", "172.16.0.1", "192.168.0.1", "100.64.0.1", "127.0.0.1",
                            "169.254.1.1", "::1", "fe80::1", "fd00::1" };
  const char *public[] = { "203.0.113.10", "8.8.8.8", "100.128.0.1", "172.32.0.1",
                           "2001:db8::1", "sip.example.com" };

  for (guint i = 0; i < G_N_ELEMENTS (private); i++)
    g_assert_true (_sipnat_address_is_private (private[i]));
  for (guint i = 0; i < G_N_ELEMENTS (public); i++)
    g_assert_false (_sipnat_address_is_private (public[i]));
}

/* ---------------------------------------------------------------------- */
/* A registration against the fake                                        */

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  GPtrArray *changes;
  char *local;           /* "127.0.0.1:PORT" */
} Fixture;

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autofree char *server = NULL;

  f->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &f->endpoint, &server);
  f->changes = g_ptr_array_new_with_free_func (g_free);
  f->local = g_strdup_printf ("127.0.0.1:%u", sipnat_endpoint_get_local_port (f->endpoint));

  f->reg = sipnat_endpoint_add_registration (f->endpoint, server, "alice");
  sipnat_registration_set_reg_match_received_rport (f->reg, TRUE);
  sipnat_test_record_binding_changes (f->reg, f->changes);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  sipnat_test_drop_endpoint (&f->endpoint);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&f->changes, g_ptr_array_unref);
  g_clear_pointer (&f->local, g_free);
}

static void
register_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
}

static guint
count (Fixture    *f,
       const char *method)
{
  return sipnat_fake_registrar_count (f->fake, method);
}

/* Whether the @n-th REGISTER (from 0) removed a stale Contact. */
static gboolean
register_removes_stale (Fixture *f,
                        guint    n)
{
  g_auto(GStrv) contacts = sipnat_fake_registrar_get_contacts (f->fake, n);

  return g_strv_length (contacts) == 2 && strstr (contacts[1], "expires=0") != NULL;
}

/* Requests of @method whose From is @user's. */
static guint
count_from (Fixture    *f,
            const char *method,
            const char *user)
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (f->fake);
  g_autofree char *method_sp = g_strconcat (method, " ", NULL);
  g_autofree char *from = g_strdup_printf ("\nFrom: <sip:%s@", user);
  guint n = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      const char *request = g_ptr_array_index (requests, i);

      if (g_str_has_prefix (request, method_sp) && strstr (request, from) != NULL)
        n++;
    }
  return n;
}

typedef struct {
  Fixture *f;
  const char *method;
  const char *user;   /* NULL: any */
  guint count;
} Count;

static gboolean
count_reached (gpointer data)
{
  Count *c = data;
  guint n = c->user != NULL ? count_from (c->f, c->method, c->user) : count (c->f, c->method);

  return n >= c->count;
}

/* Waits until @more requests of @method came after those counted so far. */
static void
wait_for_more (Fixture    *f,
               const char *method,
               guint       more)
{
  Count c = { f, method, NULL, count (f, method) + more };

  sipnat_test_wait_until (count_reached, &c, 10000);
}

static void
push_options (Fixture    *f,
              const char *received,
              const char *rport,
              guint       times)
{
  SipnatFakeResponse r = { .status = 483, .received = received, .rport = rport };

  sipnat_fake_registrar_push_times (f->fake, "OPTIONS", &r, times);
}

static void
test_keepalive_interval (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *server = sipnat_fake_registrar_dup_server (f->fake);
  SipnatNatPolicy *policy = sipnat_registration_get_nat_policy (f->reg);
  SipnatRegistration *bob;
  Count bob_keepalives = { f, "OPTIONS", "bob", 2 };
  const char *last;
  guint alice_before;
  gint64 start;

  sipnat_nat_policy_set_keepalive_interval (policy, 1);
  register_ok (f);
  start = g_get_monotonic_time ();
  wait_for_more (f, "OPTIONS", 3);

  /* One OPTIONS a second (0.8 to 1 s apart), Max-Forwards 0, to the
   * registrar; no REGISTER. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 2 * 800 * 1000);
  g_assert_cmpuint (count (f, "REGISTER"), ==, 1);
  last = sipnat_fake_registrar_get_last_request (f->fake);
  g_assert_true (g_str_has_prefix (last, "OPTIONS sip:127.0.0.1:"));
  g_assert_nonnull (strstr (last, "\nMax-Forwards: 0\r\n"));

  /* 0 turns them off while registered. Another registration of the same
   * endpoint keeps its keep-alives every second: two of them show that
   * the time passed on the same path. */
  sipnat_nat_policy_set_keepalive_interval (policy, 0);
  alice_before = count_from (f, "OPTIONS", "alice");
  bob = sipnat_endpoint_add_registration (f->endpoint, server, "bob");
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (bob), 1);
  g_assert_true (sipnat_test_register (bob, &error));
  g_assert_no_error (error);
  sipnat_test_wait_until (count_reached, &bob_keepalives, 10000);
  g_assert_cmpuint (count_from (f, "OPTIONS", "alice"), ==, alice_before);
}

static void
test_keepalive_sees_rebinding (Fixture       *f,
                               gconstpointer  data)
{
  g_autofree char *expected = NULL;
  g_auto(GStrv) contacts = NULL;

  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  register_ok (f);
  g_assert_cmpuint (f->changes->len, ==, 1);

  /* The NAT rebinds: from now on every answer shows a new port. */
  push_options (f, "127.0.0.1", "40123", 10);
  sipnat_fake_registrar_push_times (f->fake, NULL,
                                    &(SipnatFakeResponse) { .status = 200, .rport = "40123",
                                                            .echo_contact = TRUE }, 2);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", 2, 5000));
  /* The next keep-alive: the REGISTER was answered and nothing followed. */
  wait_for_more (f, "OPTIONS", 1);

  /* Seen at the keep-alive, signalled once with the right values. */
  expected = g_strdup_printf ("%s/udp -> 127.0.0.1:40123/udp", f->local);
  g_assert_cmpuint (f->changes->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (f->changes, 1), ==, expected);

  /* And followed: one REGISTER with the new Contact, the stale one
   * removed, then one without the stale one, so that nua's refreshes
   * never send it again. */
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", 3, 5000));
  g_assert_cmpuint (count (f, "REGISTER"), ==, 3);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  g_assert_cmpstr (sipnat_registration_get_contact (f->reg), ==, "sip:alice@127.0.0.1:40123");
  g_assert_true (register_removes_stale (f, 1));
  g_assert_false (register_removes_stale (f, 2));
  contacts = sipnat_fake_registrar_get_last_contacts (f->fake);
  g_assert_cmpuint (g_strv_length (contacts), ==, 1);
}

static void
test_flap_reverts (Fixture       *f,
                   gconstpointer  data)
{
  /* One answer with another port, then the old one again. */
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  register_ok (f);
  push_options (f, "127.0.0.1", "40999", 1);
  /* The odd answer, two ordinary ones, and one more keep-alive a second
   * after the last of those was handled. */
  wait_for_more (f, "OPTIONS", 4);

  g_assert_cmpuint (count (f, "REGISTER"), ==, 1);
  g_assert_true (g_str_has_suffix (sipnat_registration_get_contact (f->reg),
                                   strchr (f->local, ':')));
}

static void
test_load_balanced_rport (Fixture       *f,
                          gconstpointer  data)
{
  const char *ports[] = { "40001", "40002" };

  /* Two registrar nodes that see two different ports, answering in turn:
   * the 401 and the 200 of one registration disagree, and so does every
   * answer after. No REGISTER loop: at most one rewrite this cycle. */
  sipnat_registration_set_password (f->reg, "pw");
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  sipnat_fake_registrar_push_challenge (f->fake, "127.0.0.1", ports[0]);
  for (guint i = 0; i < 20; i++)
    {
      SipnatFakeResponse r = { .status = 200, .rport = ports[(i + 1) % 2], .echo_contact = TRUE };
      SipnatFakeResponse o = { .status = 483, .rport = ports[i % 2] };

      sipnat_fake_registrar_push (f->fake, &r);
      sipnat_fake_registrar_push_for (f->fake, "OPTIONS", &o);
    }

  register_ok (f);
  /* Four keep-alive rounds, each answer disagreeing with the last. */
  wait_for_more (f, "OPTIONS", 4);

  /* The challenge, the authenticated REGISTER, and at most one rewrite. */
  g_test_message ("REGISTERs: %u, OPTIONS: %u", count (f, "REGISTER"), count (f, "OPTIONS"));
  g_assert_cmpuint (count (f, "REGISTER"), <=, 3);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

static void
test_tcp_keeps_scheme_and_transport (Fixture       *f,
                                     gconstpointer  data)
{
  SipnatFakeResponse natted = { .status = 200, .received = "203.0.113.7", .rport = "41000",
                                .echo_contact = TRUE };
  g_auto(GStrv) contacts = NULL;

  sipnat_registration_set_transport (f->reg, SIPNAT_TRANSPORT_TCP);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);
  push_options (f, "203.0.113.7", "41000", 3);
  sipnat_fake_registrar_push_times (f->fake, NULL, &natted, 3);

  register_ok (f);
  g_assert_true (sipnat_fake_registrar_wait (f->fake, "REGISTER", 3, 5000));
  /* Two CRLF pings after it: the REGISTER was answered, nothing followed. */
  wait_for_more (f, SIPNAT_FAKE_REGISTRAR_KEEPALIVE, 2);

  g_assert_cmpuint (count (f, "REGISTER"), ==, 3);
  g_assert_true (register_removes_stale (f, 1));
  contacts = sipnat_fake_registrar_get_last_contacts (f->fake);
  g_assert_cmpuint (g_strv_length (contacts), ==, 1);
  g_assert_true (g_str_has_prefix (contacts[0], "<sip:alice@203.0.113.7:41000;transport=tcp>"));
  for (guint i = 0; contacts[i]; i++)
    g_assert_null (strstr (contacts[i], "sips:"));
}

typedef struct {
  const char *name;
  const char *via;
  gboolean sofia_refuses;   /* Sofia's parser drops the whole response */
} BadVia;

static const BadVia bad_vias[] = {
  { "no-host", "SIP/2.0/UDP ;rport=5060;branch=${branch}", TRUE },
  { "rport-abc", "SIP/2.0/UDP 127.0.0.1:5060;rport=abc;received=127.0.0.1;branch=${branch}", FALSE },
  { "rport-zero", "SIP/2.0/UDP 127.0.0.1:5060;rport=0;received=127.0.0.1;branch=${branch}", FALSE },
  { "rport-huge", "SIP/2.0/UDP 127.0.0.1:5060;rport=70000;received=127.0.0.1;branch=${branch}", FALSE },
  { "received-junk", "SIP/2.0/UDP 127.0.0.1:5060;rport=5060;received=a_b!;branch=${branch}", FALSE },
};

/* Keep-alive answers with broken Vias: either Sofia drops them, or we
 * warn and ignore them. Never a crash, never a changed binding. */
static void
check_bad_via (Fixture *f,
               const char *via,
               gboolean    sofia_refuses)
{
  SipnatFakeResponse r = { .status = 483, .via_override = via };

  sipnat_fake_registrar_push_for (f->fake, "OPTIONS", &r);
  if (!sofia_refuses)
    g_test_expect_message ("Sipnat", G_LOG_LEVEL_WARNING, "*malformed*");
  /* The keep-alive that gets the bad answer, and the next one: by then
   * that answer was handled. */
  wait_for_more (f, "OPTIONS", 2);
  g_test_assert_expected_messages ();

  g_assert_cmpuint (f->changes->len, ==, 1);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

static void
test_malformed_via (Fixture       *f,
                    gconstpointer  data)
{
  register_ok (f);
  g_assert_cmpuint (f->changes->len, ==, 1);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);

  for (guint i = 0; i < G_N_ELEMENTS (bad_vias); i++)
    {
      g_test_message ("%s: %s", bad_vias[i].name, bad_vias[i].via);
      check_bad_via (f, bad_vias[i].via, bad_vias[i].sofia_refuses);
    }

  g_assert_cmpuint (count (f, "REGISTER"), ==, 1);
}

static void
test_huge_via (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GString) via = g_string_new ("SIP/2.0/UDP ");

  register_ok (f);
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (f->reg), 1);

  /* A 6 kB host name: over the length any host can have. */
  for (guint i = 0; i < 3000; i++)
    g_string_append (via, "a.");
  g_string_append (via, "example:5060;rport=1;branch=${branch}");
  check_bad_via (f, via->str, FALSE);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nat-guards/tracker/confirm-then-rewrite", test_tracker_confirm_then_rewrite);
  g_test_add_func ("/nat-guards/tracker/flap-reverts", test_tracker_flap_reverts);
  g_test_add_func ("/nat-guards/tracker/alg-private-received", test_tracker_alg_private_received);
  g_test_add_func ("/nat-guards/tracker/private-addresses", test_private_addresses);

#define ADD(path, func) g_test_add (path, Fixture, NULL, set_up, func, tear_down)
  ADD ("/nat-guards/keepalive/interval", test_keepalive_interval);
  ADD ("/nat-guards/keepalive/sees-rebinding", test_keepalive_sees_rebinding);
  ADD ("/nat-guards/flap-reverts", test_flap_reverts);
  ADD ("/nat-guards/load-balanced-rport", test_load_balanced_rport);
  ADD ("/nat-guards/tcp-keeps-scheme-and-transport", test_tcp_keeps_scheme_and_transport);
  ADD ("/nat-guards/malformed-via", test_malformed_via);
  ADD ("/nat-guards/huge-via", test_huge_via);

  return g_test_run ();
}
