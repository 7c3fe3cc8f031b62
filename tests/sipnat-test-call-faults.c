/* sipnat-test-call-faults.c: the fixture of the call fault tests
 * (test-call-faults, test-call-faults-incoming)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-test-call-faults.h"
#include "sipnat-test-utils.h"

static void
incoming_call_cb (SipnatEndpoint   *endpoint,
                  SipnatCall       *call,
                  SipnatTestFaults *f)
{
  f->incoming++;
  g_clear_object (&f->call);
  f->call = g_object_ref (call);
  if (f->answer)
    sipnat_call_answer_async (call, NULL, sipnat_test_answer_cb, &f->result);
}

static void
sipnat_test_faults_set_up (SipnatTestFaults *f,
                           gconstpointer     data)
{
  g_autoptr(GError) error = NULL;

  f->fake = sipnat_test_fake_endpoint_new ("127.0.0.1", &f->endpoint, &f->server);
  f->reg = sipnat_endpoint_add_registration (f->endpoint, f->server, "alice");
  sipnat_registration_set_password (f->reg, "alicepw");
  f->policy = sipnat_registration_get_nat_policy (f->reg);
  sipnat_nat_policy_set_ice_enabled (f->policy, TRUE);
  g_signal_connect (f->endpoint, "incoming-call", G_CALLBACK (incoming_call_cb), f);
  g_assert_true (sipnat_test_register (f->reg, &error));
  g_assert_no_error (error);
}

static void
sipnat_test_faults_tear_down (SipnatTestFaults *f,
                              gconstpointer     data)
{
  if (f->pipeline != NULL)
    gst_element_set_state (f->pipeline, GST_STATE_NULL);
  g_clear_object (&f->pipeline);
  g_clear_object (&f->call);
  g_clear_error (&f->result.error);
  sipnat_test_drop_endpoint (&f->endpoint);
  g_clear_pointer (&f->fake, sipnat_fake_registrar_free);
  g_clear_pointer (&f->server, g_free);
}

guint
sipnat_test_faults_count (SipnatTestFaults *f,
                          const char       *method)
{
  return sipnat_fake_registrar_count (f->fake, method);
}

void
sipnat_test_faults_wait_request (SipnatTestFaults *f,
                                 const char       *method,
                                 guint             n)
{
  if (!sipnat_fake_registrar_wait (f->fake, method, n,
                                   sipnat_test_deadline_ms (SIPNAT_TEST_FAULTS_DEADLINE_MS)))
    g_error ("the fake got %u %s, not %u", sipnat_test_faults_count (f, method), method, n);
}

guint16
sipnat_test_faults_closed_udp_port (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, FALSE, &error));
  local = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  g_socket_close (socket, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

typedef struct {
  SipnatTestFaults *f;
  guint status;
  const char *method;
  guint n;
} ResponsesWait;

static gboolean
got_responses (gpointer data)
{
  ResponsesWait *w = data;

  return sipnat_fake_registrar_count_responses (w->f->fake, w->status, w->method) >= w->n;
}

void
sipnat_test_faults_wait_responses (SipnatTestFaults *f,
                                   guint             status,
                                   const char       *method,
                                   guint             n)
{
  ResponsesWait w = { f, status, method, n };

  sipnat_test_wait_until (got_responses, &w, SIPNAT_TEST_FAULTS_DEADLINE_MS);
}

gboolean
sipnat_test_faults_call_ringing (gpointer data)
{
  SipnatTestFaults *f = data;

  return f->call != NULL && sipnat_call_get_state (f->call) == SIPNAT_CALL_STATE_RINGING;
}

void
sipnat_test_faults_init (int    *argc,
                         char ***argv)
{
  /* No G_TEST_OPTION_ISOLATE_DIRS: nothing here touches user dirs, and
   * GLib 2.74 leaks the strings of g_set_user_dirs() under it. */
  g_test_init (argc, argv, NULL);
  gst_init (argc, argv);
}

void
sipnat_test_faults_add (const char           *path,
                        SipnatTestFaultsFunc  func,
                        gconstpointer         data)
{
  g_test_add (path, SipnatTestFaults, data, sipnat_test_faults_set_up, func,
              sipnat_test_faults_tear_down);
}
