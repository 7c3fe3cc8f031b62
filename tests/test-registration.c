/* test-registration.c: SipnatRegistration against a real Kamailio
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sys/socket.h>
#include <netinet/in.h>

#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-stream-clamp-private.h"
#include "sipnat-test-registrar.h"
#include "sipnat-test-utils.h"

typedef struct {
  SipnatTestRegistrar *kamailio;
  SipnatEndpoint *endpoint;
  char *server;
  GPtrArray *changes;   /* "old -> new" strings from public-binding-changed */
} Fixture;

static void
fixture_set_up_endpoint (Fixture *f)
{
  f->changes = g_ptr_array_new_with_free_func (g_free);
  f->endpoint = sipnat_test_local_endpoint_new ("127.0.0.1");
}

static void
fixture_set_up_kamailio (Fixture                          *f,
                         const SipnatTestRegistrarOptions *options)
{
  g_autoptr(GError) error = NULL;

  fixture_set_up_endpoint (f);
  f->kamailio = sipnat_test_registrar_start (options, &error);
  if (sipnat_test_skip_if_missing (error))
    return;
  g_assert_no_error (error);
  f->server = g_strdup_printf ("127.0.0.1:%u", sipnat_test_registrar_get_port (f->kamailio));
}

static void
set_up_auth (Fixture       *f,
             gconstpointer  data)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE, .min_expires = 2 };

  fixture_set_up_kamailio (f, &options);
}

static void
set_up_min_expires (Fixture       *f,
                    gconstpointer  data)
{
  SipnatTestRegistrarOptions options = { .auth = TRUE, .min_expires = 120 };

  fixture_set_up_kamailio (f, &options);
}

static void
set_up_endpoint_only (Fixture       *f,
                      gconstpointer  data)
{
  fixture_set_up_endpoint (f);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  sipnat_test_drop_endpoint (&f->endpoint);
  g_clear_pointer (&f->kamailio, sipnat_test_registrar_stop);
  g_clear_pointer (&f->server, g_free);
  g_clear_pointer (&f->changes, g_ptr_array_unref);
}

static SipnatRegistration *
add_registration (Fixture    *f,
                  const char *server,
                  const char *user,
                  const char *password)
{
  SipnatRegistration *reg = sipnat_endpoint_add_registration (f->endpoint, server, user);

  sipnat_registration_set_password (reg, password);
  sipnat_test_record_binding_changes (reg, f->changes);
  return reg;
}

static gboolean
contacts_contain (char      **contacts,
                  const char *needle)
{
  for (guint i = 0; contacts && contacts[i]; i++)
    if (g_str_has_prefix (contacts[i], needle))
      return TRUE;
  return FALSE;
}

/* ---------------------------------------------------------------------- */

static void
test_register_unregister (Fixture       *f,
                          gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) contacts = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *contact_prefix = NULL;
  SipnatRegistration *reg;
  guint port;

  if (f->kamailio == NULL)
    return;

  reg = add_registration (f, f->server, "alice", "alicepw");
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_NONE);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  g_assert_cmpstr (sipnat_registration_get_state_reason (reg), ==, "200 OK");

  /* Kamailio stored our Contact exactly. */
  port = sipnat_endpoint_get_local_port (f->endpoint);
  contact_prefix = g_strdup_printf ("sip:alice@127.0.0.1:%u", port);
  g_assert_cmpstr (sipnat_registration_get_contact (reg), ==, contact_prefix);
  contacts = sipnat_test_registrar_get_contacts (f->kamailio, "alice");
  g_assert_true (contacts_contain (contacts, contact_prefix));

  /* The binding was learned from the Via: on loopback, no NAT. The 401
   * and the 200 carry the same one, so the signal came exactly once. */
  expected = g_strdup_printf ("NULL -> 127.0.0.1:%u/udp", port);
  g_assert_cmpuint (f->changes->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (f->changes, 0), ==, expected);
  g_assert_false (sipnat_registration_get_nat_detected (reg));
  g_assert_cmpuint (sipnat_binding_get_port (sipnat_registration_get_public_binding (reg)), ==, port);

  g_assert_true (sipnat_test_unregister (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_UNREGISTERED);
  g_strfreev (contacts);
  contacts = sipnat_test_registrar_get_contacts (f->kamailio, "alice");
  g_assert_cmpuint (g_strv_length (contacts), ==, 0);
}

/* The receive buffer of this process's connection to 127.0.0.1:@port, or
 * -1 when there is none. */
static int
connection_rcvbuf (guint port)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      int fd = atoi (name);
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;
      int type = 0, size = 0;
      socklen_t type_len = sizeof type, size_len = sizeof size;

      if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &type_len) == 0 && type == SOCK_STREAM &&
          getpeername (fd, (struct sockaddr *) &peer, &len) == 0 && peer.sin_family == AF_INET &&
          g_ntohs (peer.sin_port) == port && g_ntohl (peer.sin_addr.s_addr) == INADDR_LOOPBACK &&
          getsockopt (fd, SOL_SOCKET, SO_RCVBUF, &size, &size_len) == 0)
        return size;
    }

  return -1;
}

static void
test_register_tcp (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) contacts = NULL;
  SipnatRegistration *reg;

  if (f->kamailio == NULL)
    return;

  reg = add_registration (f, f->server, "bob", "bobpw");
  sipnat_registration_set_transport (reg, SIPNAT_TRANSPORT_TCP);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_true (g_str_has_suffix (sipnat_registration_get_contact (reg), ";transport=tcp"));
  g_assert_cmpint (sipnat_binding_get_transport (sipnat_registration_get_public_binding (reg)), ==,
                   SIPNAT_TRANSPORT_TCP);
  contacts = sipnat_test_registrar_get_contacts (f->kamailio, "bob");
  g_assert_true (contacts_contain (contacts, sipnat_registration_get_contact (reg)));

  /* Sofia's connection has a bounded receive buffer (sipnat-stream-clamp.c:
   * set, the kernel reports twice the size and autotunes no more). */
  g_assert_cmpint (connection_rcvbuf (sipnat_test_registrar_get_port (f->kamailio)), ==,
                   2 * SIPNAT_STREAM_RCVBUF_BYTES);
}

typedef struct {
  SipnatTestRegistrar *kamailio;
  guint count;
} RegisterCount;

static gboolean
registers_reached (gpointer data)
{
  RegisterCount *c = data;

  return sipnat_test_registrar_count_registers (c->kamailio) >= c->count;
}

static void
test_refresh (Fixture       *f,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) contacts = NULL;
  SipnatRegistration *reg;
  RegisterCount refreshed;
  gint64 start;

  if (f->kamailio == NULL)
    return;

  /* Expires 4 s: nua refreshes before expiry, twice within 6 s. */
  reg = add_registration (f, f->server, "carol", "carolpw");
  sipnat_registration_set_reg_timeout (reg, 4);
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  start = g_get_monotonic_time ();
  refreshed.kamailio = f->kamailio;
  refreshed.count = sipnat_test_registrar_count_registers (f->kamailio) + 2;

  sipnat_test_wait_until (registers_reached, &refreshed, 20000);

  /* Refreshed, not flooded: nua refreshes a 4 s registration 1 to 3 s
   * after each 200 (at random, about a quarter to three quarters of it),
   * so two take at least 2 s (1.5 s from when the first 200 was handled). */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1500 * 1000);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  contacts = sipnat_test_registrar_get_contacts (f->kamailio, "carol");
  g_assert_cmpuint (g_strv_length (contacts), ==, 1);
}

/* Sofia's digest client cuts credentials at a colon; ours does not. */
static void
test_password_with_colons (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) contacts = NULL;
  SipnatRegistration *reg;

  if (f->kamailio == NULL)
    return;

  reg = add_registration (f, f->server, "erin", "da:ve:pw");
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  contacts = sipnat_test_registrar_get_contacts (f->kamailio, "erin");
  for (guint i = 0; contacts[i] != NULL; i++)
    g_test_message ("stored: %s", contacts[i]);
  g_test_message ("ours: %s", sipnat_registration_get_contact (reg));
  g_assert_true (contacts_contain (contacts, sipnat_registration_get_contact (reg)));

  /* Refreshes and the un-REGISTER carry the credentials too. */
  g_assert_true (sipnat_test_unregister (reg, &error));
  g_assert_no_error (error);
  g_clear_pointer (&contacts, g_strfreev);
  contacts = sipnat_test_registrar_get_contacts (f->kamailio, "erin");
  g_assert_false (contacts_contain (contacts, sipnat_registration_get_contact (reg)));
}

static void
test_wrong_password (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;
  gint64 start;

  if (f->kamailio == NULL)
    return;

  reg = add_registration (f, f->server, "alice", "wrong");
  sipnat_registration_set_reg_interval (reg, 1);

  start = g_get_monotonic_time ();
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_FAILED);

  /* One challenge round: the first REGISTER and the authenticated one.
   * Nothing more follows, not even after reg-interval: a failed state
   * has no later event to wait for, so only time shows this (reg-interval
   * and a second more). */
  g_assert_cmpuint (sipnat_test_registrar_count_registers (f->kamailio), ==, 2);
  sipnat_test_run_for (2000);
  g_assert_cmpuint (sipnat_test_registrar_count_registers (f->kamailio), ==, 2);
}

static void
test_interval_too_brief (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;

  if (f->kamailio == NULL)
    return;

  /* The registrar wants at least 120 s: a 60 s request gets 423 and is
   * retried with the Min-Expires value. */
  reg = add_registration (f, f->server, "bob", "bobpw");
  sipnat_registration_set_reg_timeout (reg, 60);
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
  g_assert_cmpuint (sipnat_test_registrar_count_registers (f->kamailio), >=, 3);
}

static void
test_unreachable (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) addr = NULL;
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autofree char *server = NULL;
  SipnatTransport transport = GPOINTER_TO_INT (data);
  SipnatRegistration *reg;
  guint port;

  /* A port that nobody listens on: bind one, note it, close it. */
  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, 0, &error);
  g_assert_no_error (error);
  addr = g_inet_socket_address_new (lo, 0);
  g_socket_bind (sock, addr, FALSE, &error);
  g_assert_no_error (error);
  g_clear_object (&addr);
  addr = g_socket_get_local_address (sock, &error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr));
  g_socket_close (sock, NULL);

  sipnat_endpoint_set_transaction_timeout (f->endpoint, 2000);
  server = g_strdup_printf ("127.0.0.1:%u", port);
  reg = add_registration (f, server, "alice", "alicepw");
  sipnat_registration_set_transport (reg, transport);

  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_nonnull (error);
  g_test_message ("error: %s", error->message);
  g_assert_true (g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE) ||
                 g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT));
  if (transport == SIPNAT_TRANSPORT_TCP)
    g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE);
  /* The message names the server and says the failure was local. */
  g_assert_nonnull (strstr (error->message, server));
  g_assert_nonnull (strstr (error->message, transport == SIPNAT_TRANSPORT_TCP ? "over tcp" : "over udp"));
  /* Tried again later, with a back-off, by default. */
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_RETRYING);
  /* Made up locally: no answer, or the port refused (ICMP, TCP RST). */
  g_assert_true (sipnat_registration_get_status_code (reg) == 408 ||
                 sipnat_registration_get_status_code (reg) == 503);
}

static void
test_no_answer (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  SipnatFakeResponse drop = { .status = 0 };
  g_autofree char *server = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (fake, NULL, &drop, 20);

  sipnat_endpoint_set_transaction_timeout (f->endpoint, 1000);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = add_registration (f, server, "alice", NULL);

  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
}

static void
test_rejected (Fixture       *f,
               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  SipnatFakeResponse forbidden = { .status = 403 };
  g_autofree char *server = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  sipnat_fake_registrar_push (fake, &forbidden);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = add_registration (f, server, "alice", NULL);

  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
  g_assert_nonnull (strstr (error->message, "403"));
  g_assert_cmpstr (sipnat_registration_get_error (reg)->message, ==, error->message);
}

static void
test_retry_after_interval (Fixture       *f,
                           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  SipnatFakeResponse unavailable = { .status = 503 };
  g_autofree char *server = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  sipnat_fake_registrar_push (fake, &unavailable);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = add_registration (f, server, "alice", NULL);
  sipnat_registration_set_reg_interval (reg, 1);

  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_RETRYING);

  /* After reg-interval, the default 200 of the fake. */
  sipnat_test_wait_state (reg, SIPNAT_REGISTRATION_STATE_REGISTERED, 5000);
  g_assert_cmpuint (sipnat_fake_registrar_count (fake, "REGISTER"), ==, 2);
  g_assert_null (sipnat_registration_get_error (reg));
}

static void
test_standalone (Fixture       *f,
                 gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autofree char *server = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = add_registration (f, server, "alice", NULL);
  sipnat_registration_set_reg_timeout (reg, 0);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_STANDALONE);
  /* Standalone sends nothing at all, so no later request can show that
   * time passed: wait a bounded time. */
  sipnat_test_run_for (500);
  g_assert_cmpuint (sipnat_fake_registrar_count (fake, NULL), ==, 0);
}

static guint
count_before_nth (SipnatFakeRegistrar *fake,
                  const char          *method,
                  const char          *before_method,
                  guint                n)
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (fake);
  guint seen = 0;
  guint counted = 0;

  for (guint i = 0; i < requests->len; i++)
    {
      const char *request = g_ptr_array_index (requests, i);

      if (g_str_has_prefix (request, before_method) && ++seen == n)
        break;
      if (g_str_has_prefix (request, method))
        counted++;
    }
  return counted;
}

/* The fake registrar plays a NAT: it reports another source address. */
static void
check_match_received_rport (Fixture    *f,
                            gboolean    match,
                            const char *received,
                            const char *rport)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  SipnatFakeResponse natted = { .status = 200, .received = received, .rport = rport,
                                .echo_contact = TRUE };
  g_autofree char *server = NULL;
  g_autofree char *local_contact = NULL;
  g_autofree char *public_contact = NULL;
  g_auto(GStrv) contacts = NULL;
  SipnatRegistration *reg;
  guint keepalives;

  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (fake, NULL, &natted, 4);
  sipnat_fake_registrar_push_times (fake, "OPTIONS", &natted, 10);

  server = sipnat_fake_registrar_dup_server (fake);
  reg = add_registration (f, server, "alice", NULL);
  sipnat_registration_set_reg_match_received_rport (reg, match);
  /* Keep-alives every second: the next one after the last REGISTER shows
   * that its answer was handled and that no other REGISTER followed. */
  sipnat_nat_policy_set_keepalive_interval (sipnat_registration_get_nat_policy (reg), 1);
  local_contact = g_strdup_printf ("sip:alice@127.0.0.1:%u",
                                   sipnat_endpoint_get_local_port (f->endpoint));
  public_contact = g_strdup_printf ("sip:alice@%s:%s", received, rport);

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  if (match)
    g_assert_true (sipnat_fake_registrar_wait (fake, "REGISTER", 3, 5000));
  keepalives = sipnat_fake_registrar_count (fake, "OPTIONS") + (match ? 1 : 2);
  g_assert_true (sipnat_fake_registrar_wait (fake, "OPTIONS", keepalives,
                                             sipnat_test_deadline_ms (5000)));

  g_assert_true (sipnat_registration_get_nat_detected (reg));
  g_assert_cmpstr (sipnat_binding_get_host (sipnat_registration_get_public_binding (reg)), ==, received);
  g_assert_cmpuint (sipnat_binding_get_port (sipnat_registration_get_public_binding (reg)), ==, atoi (rport));

  contacts = sipnat_fake_registrar_get_last_contacts (fake);
  if (!match)
    {
      /* Never rewritten: one REGISTER, the local Contact. */
      g_assert_cmpuint (sipnat_fake_registrar_count (fake, "REGISTER"), ==, 1);
      g_assert_cmpstr (sipnat_registration_get_contact (reg), ==, local_contact);
      return;
    }

  /* The change was confirmed by a keep-alive probe, then one more
   * REGISTER carried the public Contact, the stale one removed in the same
   * request, and one without the stale one (nua refreshes by resending
   * the last); then no more. */
  g_assert_cmpuint (count_before_nth (fake, "OPTIONS", "REGISTER", 2), >=, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (fake, "REGISTER"), ==, 3);
  g_assert_cmpstr (sipnat_registration_get_contact (reg), ==, public_contact);
  g_assert_cmpuint (g_strv_length (contacts), ==, 1);
  g_assert_nonnull (strstr (contacts[0], public_contact));
  g_strfreev (contacts);
  contacts = sipnat_fake_registrar_get_contacts (fake, 1);
  g_assert_cmpuint (g_strv_length (contacts), ==, 2);
  g_assert_nonnull (strstr (contacts[0], public_contact));
  g_assert_nonnull (strstr (contacts[1], local_contact));
  g_assert_nonnull (strstr (contacts[1], "expires=0"));
  g_assert_true (g_str_has_prefix (contacts[0], "<sip:"));
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

static void
test_match_on (Fixture       *f,
               gconstpointer  data)
{
  check_match_received_rport (f, TRUE, "203.0.113.7", "40000");
}

static void
test_match_off (Fixture       *f,
                gconstpointer  data)
{
  check_match_received_rport (f, FALSE, "203.0.113.7", "40000");
}

static void
test_match_port_only (Fixture       *f,
                      gconstpointer  data)
{
  /* Same address, other port: Sofia's natify would ignore this. */
  check_match_received_rport (f, TRUE, "127.0.0.1", "40001");
}

static void
test_several_proxies (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) alice = NULL;
  g_auto(GStrv) bob = NULL;
  SipnatRegistration *a;
  SipnatRegistration *b;

  if (f->kamailio == NULL)
    return;

  a = add_registration (f, f->server, "alice", "alicepw");
  b = add_registration (f, f->server, "bob", "bobpw");
  g_assert_cmpuint (g_list_model_get_n_items (sipnat_endpoint_get_registrations (f->endpoint)), ==, 2);

  g_assert_true (sipnat_test_register (a, &error));
  g_assert_true (sipnat_test_register (b, &error));
  g_assert_no_error (error);

  alice = sipnat_test_registrar_get_contacts (f->kamailio, "alice");
  bob = sipnat_test_registrar_get_contacts (f->kamailio, "bob");
  g_assert_cmpuint (g_strv_length (alice), ==, 1);
  g_assert_cmpuint (g_strv_length (bob), ==, 1);

  /* Closing unregisters both before the stack stops. */
  g_assert_true (sipnat_test_close (f->endpoint, &error));
  g_assert_no_error (error);
  g_strfreev (alice);
  g_strfreev (bob);
  alice = sipnat_test_registrar_get_contacts (f->kamailio, "alice");
  bob = sipnat_test_registrar_get_contacts (f->kamailio, "bob");
  g_assert_cmpuint (g_strv_length (alice), ==, 0);
  g_assert_cmpuint (g_strv_length (bob), ==, 0);
}

static void
test_dispose_while_registered (Fixture       *f,
                               gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  SipnatRegistration *reg;
  GWeakRef weak;

  if (f->kamailio == NULL)
    return;

  reg = add_registration (f, f->server, "alice", "alicepw");
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);

  /* Dropped without close: no crash, no leak, everything finalised, the
   * stack shut down in the background. */
  g_weak_ref_init (&weak, reg);
  sipnat_test_drop_endpoint (&f->endpoint);
  g_assert_null (g_weak_ref_get (&weak));
  g_weak_ref_clear (&weak);
}

static void
test_cancel (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SipnatFakeResponse drop = { .status = 0 };
  g_autofree char *server = NULL;
  SipnatRegistration *reg;
  SipnatTestResult r = { 0 };

  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (fake, NULL, &drop, 10);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = add_registration (f, server, "alice", NULL);

  /* The registrar never answers; cancelling ends the operation at once. */
  sipnat_registration_register_async (reg, cancellable, sipnat_test_register_cb, &r);
  g_assert_true (sipnat_fake_registrar_wait (fake, "REGISTER", 1, 5000));
  g_assert_false (r.done);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 1000);

  g_assert_false (r.ok);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_NONE);

  /* The registration can start again afterwards. */
  sipnat_fake_registrar_free (g_steal_pointer (&fake));
  fake = sipnat_fake_registrar_new (&error);
  g_assert_no_error (error);
  g_clear_pointer (&server, g_free);
  server = sipnat_fake_registrar_dup_server (fake);
  sipnat_registration_set_server (reg, server);
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
}

static char *
closed_port_server (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, 0, &error);
  g_autoptr(GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  g_assert_no_error (error);
  g_socket_bind (sock, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  return g_strdup_printf ("127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
}

static void
test_failover_udp (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) dead = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatFakeRegistrar) alive = sipnat_fake_registrar_new (&error);
  SipnatFakeResponse drop = { .status = 0 };
  g_autofree char *second = NULL;
  g_autofree char *servers = NULL;
  SipnatRegistration *reg;
  gint64 start;

  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (dead, NULL, &drop, 20);
  second = sipnat_fake_registrar_dup_server (alive);
  servers = g_strdup_printf ("127.0.0.1:%u, %s", sipnat_fake_registrar_get_port (dead), second);

  /* Over UDP: the first server times out; reg-interval later, the second. */
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 1000);
  reg = add_registration (f, servers, "alice", NULL);
  sipnat_registration_set_reg_interval (reg, 1);
  start = g_get_monotonic_time ();

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1900 * 1000);
  g_assert_cmpstr (sipnat_registration_get_active_server (reg), ==, second);
  g_assert_cmpuint (sipnat_fake_registrar_count (alive, "REGISTER"), ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (dead, "REGISTER"), >=, 1);
  /* The address of record keeps the first server's host. */
  g_assert_nonnull (strstr (sipnat_fake_registrar_get_last_request (alive), "To: <sip:alice@127.0.0.1>"));
}

static void
test_failover_udp_needs_interval (Fixture       *f,
                                  gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) dead = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatFakeRegistrar) alive = sipnat_fake_registrar_new (&error);
  SipnatFakeResponse drop = { .status = 0 };
  g_autofree char *servers = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (dead, NULL, &drop, 20);
  servers = g_strdup_printf ("127.0.0.1:%u,127.0.0.1:%u", sipnat_fake_registrar_get_port (dead),
                             sipnat_fake_registrar_get_port (alive));

  /* reg-interval 0: no UDP failover, as in the product. */
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 1000);
  reg = add_registration (f, servers, "alice", NULL);
  g_assert_false (sipnat_test_register (reg, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT);
  g_assert_cmpuint (sipnat_fake_registrar_count (alive, NULL), ==, 0);
}

static void
test_failover_cancelled (Fixture       *f,
                         gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) dead = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatFakeRegistrar) alive = sipnat_fake_registrar_new (&error);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SipnatFakeResponse drop = { .status = 0 };
  g_autofree char *servers = NULL;
  SipnatTestResult r = { 0 };
  SipnatRegistration *reg;

  g_assert_no_error (error);
  sipnat_fake_registrar_push_times (dead, NULL, &drop, 20);
  servers = g_strdup_printf ("127.0.0.1:%u,127.0.0.1:%u", sipnat_fake_registrar_get_port (dead),
                             sipnat_fake_registrar_get_port (alive));
  sipnat_endpoint_set_transaction_timeout (f->endpoint, 500);
  reg = add_registration (f, servers, "alice", NULL);
  sipnat_registration_set_reg_interval (reg, 1);

  /* Cancelled while waiting to fail over: nothing goes to the next server. */
  sipnat_registration_register_async (reg, cancellable, sipnat_test_register_cb, &r);
  sipnat_test_wait_state (reg, SIPNAT_REGISTRATION_STATE_RETRYING, 5000);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 1000);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  /* A cancelled registration sends nothing more, so no later request can
   * show that the failover time passed: wait reg-interval and a second. */
  sipnat_test_run_for (2000);
  g_assert_cmpuint (sipnat_fake_registrar_count (alive, NULL), ==, 0);
}

static void
test_failover_tcp (Fixture       *f,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) alive = sipnat_fake_registrar_new (&error);
  g_autofree char *closed = closed_port_server ();
  g_autofree char *second = NULL;
  g_autofree char *servers = NULL;
  SipnatRegistration *reg;
  gint64 start;

  /* Over TCP a refused connection fails over at once, reg-interval 0. */
  g_assert_no_error (error);
  second = sipnat_fake_registrar_dup_server (alive);
  servers = g_strdup_printf ("%s,%s", closed, second);
  reg = add_registration (f, servers, "alice", NULL);
  sipnat_registration_set_transport (reg, SIPNAT_TRANSPORT_TCP);
  start = g_get_monotonic_time ();

  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 1000 * 1000);
  g_assert_cmpstr (sipnat_registration_get_active_server (reg), ==, second);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, setup, func, data) \
  g_test_add (path, Fixture, data, setup, func, tear_down)

  ADD ("/registration/kamailio/register-unregister", set_up_auth, test_register_unregister, NULL);
  ADD ("/registration/kamailio/tcp", set_up_auth, test_register_tcp, NULL);
  ADD ("/registration/kamailio/refresh", set_up_auth, test_refresh, NULL);
  ADD ("/registration/kamailio/wrong-password", set_up_auth, test_wrong_password, NULL);
  ADD ("/registration/kamailio/password-with-colons", set_up_auth, test_password_with_colons, NULL);
  ADD ("/registration/kamailio/interval-too-brief", set_up_min_expires, test_interval_too_brief, NULL);
  ADD ("/registration/kamailio/several-proxies", set_up_auth, test_several_proxies, NULL);
  ADD ("/registration/kamailio/dispose-while-registered", set_up_auth,
       test_dispose_while_registered, NULL);
  ADD ("/registration/errors/unreachable-udp", set_up_endpoint_only, test_unreachable,
       GINT_TO_POINTER (SIPNAT_TRANSPORT_UDP));
  ADD ("/registration/errors/unreachable-tcp", set_up_endpoint_only, test_unreachable,
       GINT_TO_POINTER (SIPNAT_TRANSPORT_TCP));
  ADD ("/registration/errors/no-answer", set_up_endpoint_only, test_no_answer, NULL);
  ADD ("/registration/errors/rejected", set_up_endpoint_only, test_rejected, NULL);
  ADD ("/registration/errors/retry-after-interval", set_up_endpoint_only,
       test_retry_after_interval, NULL);
  ADD ("/registration/standalone", set_up_endpoint_only, test_standalone, NULL);
  ADD ("/registration/failover/udp", set_up_endpoint_only, test_failover_udp, NULL);
  ADD ("/registration/failover/udp-needs-interval", set_up_endpoint_only,
       test_failover_udp_needs_interval, NULL);
  ADD ("/registration/failover/tcp", set_up_endpoint_only, test_failover_tcp, NULL);
  ADD ("/registration/failover/cancelled", set_up_endpoint_only, test_failover_cancelled, NULL);
  ADD ("/registration/cancel", set_up_endpoint_only, test_cancel, NULL);
  ADD ("/registration/match-received-rport/on", set_up_endpoint_only, test_match_on, NULL);
  ADD ("/registration/match-received-rport/off", set_up_endpoint_only, test_match_off, NULL);
  ADD ("/registration/match-received-rport/port-only", set_up_endpoint_only,
       test_match_port_only, NULL);

  return g_test_run ();
}
