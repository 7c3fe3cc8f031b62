/* test-network-change.c: registrations follow a network change by
 * themselves
 *
 * The endpoint's network monitor is driven by injected changes here (the
 * NAT lab test, tests/nat/test-nat-netchange.sh, moves a real client and
 * lets GNetworkMonitor drive it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-endpoint-impl-private.h"
#include "sipnat-fake-registrar.h"
#include "sipnat-test-fake-endpoint.h"
#include "sipnat-network-monitor-private.h"
#include "sipnat-test-utils.h"

#define WAIT_MS 5000

typedef struct {
  SipnatFakeRegistrar *fake;
  SipnatEndpoint *endpoint;
  SipnatRegistration *reg;
  guint changed;
  gboolean last_available;
  gboolean drop_in_handler;
  GPtrArray *bindings;
  SipnatCall *call;
} Fixture;

static void
network_changed_cb (SipnatEndpoint *endpoint,
                    gboolean        available,
                    Fixture        *f)
{
  f->changed++;
  f->last_available = available;
  if (f->drop_in_handler)
    g_clear_object (&f->endpoint);
}

static void
set_up (Fixture       *f,
        gconstpointer  data)
{
  g_autofree char *server = NULL;

  /* All interfaces: the address advertised follows the network. */
  f->fake = sipnat_test_fake_endpoint_new ("0.0.0.0", &f->endpoint, &server);
  f->reg = sipnat_endpoint_add_registration (f->endpoint, server, "alice");
  sipnat_registration_set_reg_match_received_rport (f->reg, FALSE);
  f->bindings = g_ptr_array_new_with_free_func (g_free);
  sipnat_test_record_binding_changes (f->reg, f->bindings);
  g_signal_connect (f->endpoint, "network-changed", G_CALLBACK (network_changed_cb), f);
}

static void
tear_down (Fixture       *f,
           gconstpointer  data)
{
  sipnat_test_drop_endpoint (&f->endpoint);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&f->bindings, g_ptr_array_unref);
  g_clear_object (&f->call);
}

static void
register_ok (Fixture *f)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
}

static SipnatNetworkMonitor *
monitor (Fixture *f)
{
  SipnatNetworkMonitor *m = _sipnat_endpoint_get_network_monitor (f->endpoint);

  g_assert_nonnull (m);
  return m;
}

static void
inject (Fixture    *f,
        const char *address,
        gboolean    available)
{
  const char *addresses[] = { address, NULL };

  _sipnat_network_monitor_inject (monitor (f), addresses, available);
}

typedef struct {
  Fixture *f;
  guint count;
} CountWait;

static gboolean
registers_reached (gpointer data)
{
  CountWait *w = data;

  return sipnat_fake_registrar_count (w->f->fake, "REGISTER") >= w->count;
}

static void
wait_registers (Fixture *f,
                guint    count)
{
  CountWait w = { f, count };

  sipnat_test_wait_until (registers_reached, &w, sipnat_test_deadline_ms (WAIT_MS));
}

static gboolean
monitor_settled (gpointer data)
{
  Fixture *f = data;

  return !_sipnat_network_monitor_is_pending (monitor (f));
}

static gboolean
changed_twice (gpointer data)
{
  Fixture *f = data;

  return f->changed >= 2;
}

static gboolean
two_bindings (gpointer data)
{
  Fixture *f = data;

  return f->bindings->len >= 2;
}

static gboolean
contacts_have (char       **contacts,
               const char  *needle)
{
  for (guint i = 0; contacts[i] != NULL; i++)
    if (strstr (contacts[i], needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
test_pure_helpers (void)
{
  g_auto(GStrv) addresses = _sipnat_network_list_addresses ();
  g_autofree char *source = _sipnat_network_route_source ("127.0.0.1");

  /* Loopback is never an address to advertise, but reaches itself. */
  g_assert_false (g_strv_contains ((const char * const *) addresses, "127.0.0.1"));
  g_assert_cmpstr (source, ==, "127.0.0.1");
  g_assert_null (_sipnat_network_route_source ("not-an-address"));
}

/* A new address: a REGISTER from it at once, removing the old Contact,
 * then network-changed; the new public binding is announced. */
static void
test_reregisters (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *port = NULL;
  g_autofree char *old_contact = NULL;
  g_auto(GStrv) contacts = NULL;
  guint before;

  register_ok (f);
  before = sipnat_fake_registrar_count (f->fake, "REGISTER");
  old_contact = g_strdup (sipnat_registration_get_contact (f->reg));
  g_assert_cmpuint (f->bindings->len, ==, 1);

  inject (f, "192.0.2.77", TRUE);
  wait_registers (f, before + 1);
  sipnat_test_wait_until (two_bindings, f, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==,
                   SIPNAT_REGISTRATION_STATE_REGISTERED);

  port = g_strdup_printf ("@192.0.2.77:%u", sipnat_endpoint_get_local_port (f->endpoint));
  /* The first REGISTER from the new address removes the old Contact.
   * (Sofia may also unregister the old handle, from the old address.) */
  for (guint n = before; n < sipnat_fake_registrar_count (f->fake, "REGISTER"); n++)
    {
      g_strfreev (contacts);
      contacts = sipnat_fake_registrar_get_contacts (f->fake, n);
      if (contacts_have (contacts, port))
        break;
    }
  g_assert_true (contacts_have (contacts, port));
  g_assert_true (contacts_have (contacts, "expires=0"));
  g_assert_true (contacts_have (contacts, old_contact));
  g_assert_nonnull (strstr (sipnat_registration_get_contact (f->reg), "192.0.2.77"));

  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_true (f->last_available);
  g_assert_cmpuint (f->bindings->len, ==, 2);
  /* New transports (the old ones were bound to addresses now gone): the
   * registrar sees us from the new port. */
  g_free (port);
  port = g_strdup_printf (":%u/udp", sipnat_endpoint_get_local_port (f->endpoint));
  g_assert_true (g_str_has_suffix (g_ptr_array_index (f->bindings, 1), port));
}

/* A burst of events is one change; an event that changes nothing is none. */
static void
test_debounce (Fixture       *f,
               gconstpointer  data)
{
  guint registers;

  register_ok (f);

  for (guint i = 0; i < 5; i++)
    inject (f, "192.0.2.77", TRUE);
  wait_registers (f, 2);
  sipnat_test_wait_state (f->reg, SIPNAT_REGISTRATION_STATE_REGISTERED,
                          sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpuint (f->changed, ==, 1);

  inject (f, "192.0.2.77", TRUE);
  sipnat_test_wait_until (monitor_settled, f, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpuint (f->changed, ==, 1);
  registers = sipnat_fake_registrar_count (f->fake, "REGISTER");

  inject (f, "192.0.2.78", TRUE);
  sipnat_test_wait_until (changed_twice, f, sipnat_test_deadline_ms (WAIT_MS));
  wait_registers (f, registers + 1);
  g_assert_cmpuint (f->changed, ==, 2);
}

/* No network: the registration waits, and re-registers when it is back. */
static void
test_unavailable (Fixture       *f,
                  gconstpointer  data)
{
  register_ok (f);

  inject (f, NULL, FALSE);
  sipnat_test_wait_until (monitor_settled, f, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_false (f->last_available);
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "REGISTER"), ==, 1);

  inject (f, "192.0.2.77", TRUE);
  wait_registers (f, 2);
  g_assert_cmpuint (f->changed, ==, 2);
  g_assert_true (f->last_available);
}

/* A registration that is not registered stays as it is. */
static void
test_idle_registration (Fixture       *f,
                        gconstpointer  data)
{
  SipnatRegistrationState state = sipnat_registration_get_state (f->reg);

  inject (f, "192.0.2.77", TRUE);
  sipnat_test_wait_until (monitor_settled, f, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_cmpuint (sipnat_fake_registrar_count (f->fake, "REGISTER"), ==, 0);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==, state);
}

static gboolean
endpoint_gone (gpointer data)
{
  GWeakRef *ref = data;
  g_autoptr(GObject) object = g_weak_ref_get (ref);

  return object == NULL;
}

/* The application drops the endpoint in its handler. */
static void
test_drop_in_handler (Fixture       *f,
                      gconstpointer  data)
{
  GWeakRef ref;

  register_ok (f);
  g_weak_ref_init (&ref, f->endpoint);
  f->drop_in_handler = TRUE;

  inject (f, "192.0.2.77", TRUE);
  sipnat_test_wait_until (endpoint_gone, &ref, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpuint (f->changed, ==, 1);
  g_assert_null (f->endpoint);
  g_weak_ref_clear (&ref);

  /* What the drop left pending (the stack's shutdown) runs safely. */
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);
}

static void
incoming_call_cb (SipnatEndpoint *endpoint,
                  SipnatCall     *call,
                  Fixture        *f)
{
  g_set_object (&f->call, call);
}

static gboolean
has_call (gpointer data)
{
  Fixture *f = data;

  return f->call != NULL;
}

static gboolean
call_ended (gpointer data)
{
  Fixture *f = data;

  return sipnat_call_get_state (f->call) == SIPNAT_CALL_STATE_ENDED;
}

/* New transports: a call whose signalling went through the old ones ends,
 * saying why. */
static void
test_call_ends (Fixture       *f,
                gconstpointer  data)
{
  register_ok (f);
  g_signal_connect (f->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), f);
  sipnat_fake_registrar_send_invite (f->fake, sipnat_endpoint_get_local_port (f->endpoint),
                                     "alice", NULL, SIPNAT_TEST_PLAIN_SDP);
  sipnat_test_wait_until (has_call, f, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpint (sipnat_call_get_state (f->call), ==, SIPNAT_CALL_STATE_RINGING);

  inject (f, "192.0.2.77", TRUE);
  sipnat_test_wait_until (call_ended, f, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_cmpstr (sipnat_call_get_state_reason (f->call), ==, "The network changed");
  g_assert_cmpuint (f->changed, ==, 1);
}

/* Whether a REGISTER came from the new transports (their port in its Via). */
static gboolean
register_from_port (Fixture *f,
                    guint    port)
{
  GPtrArray *requests = sipnat_fake_registrar_get_requests (f->fake);
  g_autofree char *sent_by = g_strdup_printf (":%u;", port);

  for (guint i = 0; i < requests->len; i++)
    {
      const char *request = g_ptr_array_index (requests, i);
      const char *via = strstr (request, "\r\nVia: ");
      const char *end = via ? strstr (via + 2, "\r\n") : NULL;

      if (g_str_has_prefix (request, "REGISTER ") && end != NULL &&
          g_strstr_len (via, end - via, sent_by) != NULL)
        return TRUE;
    }
  return FALSE;
}

/* An un-REGISTER lost with the old transports goes again from the new
 * ones, and the unregister completes. */
static void
test_unregister_resent (Fixture       *f,
                        gconstpointer  data)
{
  SipnatTestResult result = { 0 };
  guint before;

  register_ok (f);
  before = sipnat_fake_registrar_count (f->fake, "REGISTER");
  sipnat_fake_registrar_push_for (f->fake, "REGISTER", &(SipnatFakeResponse) { .status = 0 });
  sipnat_registration_unregister_async (f->reg, NULL, sipnat_test_unregister_cb, &result);
  wait_registers (f, before + 1);
  g_assert_false (result.done);

  inject (f, "192.0.2.77", TRUE);
  sipnat_test_wait_flag (&result.done, sipnat_test_deadline_ms (WAIT_MS));
  g_assert_no_error (result.error);
  g_assert_true (result.ok);
  g_assert_cmpint (sipnat_registration_get_state (f->reg), ==,
                   SIPNAT_REGISTRATION_STATE_UNREGISTERED);
  g_assert_true (register_from_port (f, sipnat_endpoint_get_local_port (f->endpoint)));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/network-change/helpers", test_pure_helpers);
#define ADD(path, func) g_test_add ("/network-change/" path, Fixture, NULL, set_up, func, tear_down)
  ADD ("reregisters", test_reregisters);
  ADD ("debounce", test_debounce);
  ADD ("unavailable", test_unavailable);
  ADD ("idle-registration", test_idle_registration);
  ADD ("drop-in-handler", test_drop_in_handler);
  ADD ("call-ends", test_call_ends);
  ADD ("unregister-resent", test_unregister_resent);
#undef ADD

  return g_test_run ();
}
