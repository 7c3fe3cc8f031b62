/* sipnat-test-utils.c: helpers shared by the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <string.h>

#include "sipnat-test-utils.h"

#define POLL_INTERVAL_MS 50
#define DROP_TIMEOUT_MS  10000

guint
sipnat_test_deadline_ms (guint ms)
{
  if (g_getenv ("SIPNAT_UNDER_VALGRIND") != NULL)
    return ms * 10;
  if (g_getenv ("SIPNAT_UNDER_SANITIZER") != NULL)
    return ms * 3;
  return ms;
}

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
sipnat_test_wait_until_full (SipnatTestPredicate  done,
                             gpointer             data,
                             guint                timeout_ms,
                             const char          *what)
{
  guint ms = sipnat_test_deadline_ms (timeout_ms);
  gint64 deadline = g_get_monotonic_time () + (gint64) ms * 1000;
  guint tick = g_timeout_add (POLL_INTERVAL_MS, tick_cb, NULL);
  gboolean ok;

  while (!(ok = done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);

  /* g_error() goes to stderr, which is what meson shows of a failed
   * test: say which case it was. */
  if (!ok)
    g_error ("%s: %s: still not true after %u ms",
             g_test_get_path () != NULL ? g_test_get_path () : g_get_prgname (), what, ms);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
sipnat_test_wait_flag (gboolean *flag,
                       guint     timeout_ms)
{
  sipnat_test_wait_until (flag_is_set, flag, timeout_ms);
}

typedef struct {
  SipnatRegistration *registration;
  SipnatRegistrationState state;
} StateWait;

static gboolean
state_reached (gpointer data)
{
  StateWait *w = data;

  return sipnat_registration_get_state (w->registration) == w->state;
}

void
sipnat_test_wait_state (SipnatRegistration      *registration,
                        SipnatRegistrationState  state,
                        guint                    timeout_ms)
{
  StateWait w = { registration, state };
  g_autoptr(GEnumClass) states = g_type_class_ref (SIPNAT_TYPE_REGISTRATION_STATE);
  g_autofree char *what = g_strdup_printf ("state %s",
                                           g_enum_get_value (states, state)->value_nick);

  sipnat_test_wait_until_full (state_reached, &w, timeout_ms, what);
}

void
sipnat_test_run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/* Whether @port can be bound again: Sofia closed its socket. UDP without
 * SO_REUSEADDR; TCP with it, which still fails while anything listens. */
static gboolean
port_is_free (GInetAddress *address,
              guint16       port,
              GSocketType   type)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) bind_address = g_inet_socket_address_new (address, port);

  socket = g_socket_new (g_inet_address_get_family (address), type, G_SOCKET_PROTOCOL_DEFAULT, NULL);
  if (socket == NULL)
    return TRUE;
  return g_socket_bind (socket, bind_address, type == G_SOCKET_TYPE_STREAM, NULL);
}

typedef struct {
  GWeakRef endpoint;
  GInetAddress *address;
  guint16 port;
  SipnatTransportFlags transports;
} DropWait;

static gboolean
endpoint_gone (gpointer data)
{
  DropWait *w = data;
  g_autoptr(SipnatEndpoint) endpoint = g_weak_ref_get (&w->endpoint);

  return endpoint == NULL;
}

static gboolean
ports_free (gpointer data)
{
  DropWait *w = data;

  if (w->address == NULL || w->port == 0)
    return TRUE;
  if ((w->transports & SIPNAT_TRANSPORT_FLAGS_UDP) &&
      !port_is_free (w->address, w->port, G_SOCKET_TYPE_DATAGRAM))
    return FALSE;
  if ((w->transports & SIPNAT_TRANSPORT_FLAGS_TCP) &&
      !port_is_free (w->address, w->port, G_SOCKET_TYPE_STREAM))
    return FALSE;
  return TRUE;
}

void
sipnat_test_drop_endpoint (SipnatEndpoint **endpoint)
{
  DropWait w = { 0 };
  const char *address;

  if (*endpoint == NULL)
    return;

  address = sipnat_endpoint_get_local_address (*endpoint);
  w.address = g_inet_address_new_from_string (address != NULL ? address : "0.0.0.0");
  w.port = sipnat_endpoint_get_local_port (*endpoint);
  w.transports = sipnat_endpoint_get_transports (*endpoint);
  g_weak_ref_init (&w.endpoint, *endpoint);
  g_clear_object (endpoint);

  /* A pending operation may still hold it for a moment. */
  sipnat_test_wait_until (endpoint_gone, &w, DROP_TIMEOUT_MS);
  /* Dropped without close, nua shuts down in the background. */
  sipnat_test_wait_until (ports_free, &w, DROP_TIMEOUT_MS);
  for (guint i = 0; i < 1000 && g_main_context_pending (NULL); i++)
    g_main_context_iteration (NULL, FALSE);

  g_weak_ref_clear (&w.endpoint);
  g_clear_object (&w.address);
}

void
sipnat_test_endpoint_free (SipnatTestEndpoint *endpoint)
{
  sipnat_test_drop_endpoint (&endpoint);
}

typedef SipnatTestResult SyncResult;

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_register_cb, SIPNAT_REGISTRATION,
                              sipnat_registration_register_finish)

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_unregister_cb, SIPNAT_REGISTRATION,
                              sipnat_registration_unregister_finish)

static void
binding_changed_cb (SipnatRegistration  *reg,
                    const SipnatBinding *old_binding,
                    const SipnatBinding *new_binding,
                    GPtrArray           *changes)
{
  g_autofree char *a = old_binding ? sipnat_binding_to_string (old_binding) : g_strdup ("NULL");
  g_autofree char *b = sipnat_binding_to_string (new_binding);

  g_ptr_array_add (changes, g_strdup_printf ("%s -> %s", a, b));
}

void
sipnat_test_record_binding_changes (SipnatRegistration *registration,
                                    GPtrArray          *changes)
{
  g_signal_connect (registration, "public-binding-changed", G_CALLBACK (binding_changed_cb), changes);
}

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_close_cb, SIPNAT_ENDPOINT, sipnat_endpoint_close_finish)

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_register_all_cb, SIPNAT_ENDPOINT,
                              sipnat_endpoint_register_all_finish)

static gboolean
finish_sync (SyncResult  *r,
             GError     **error)
{
  sipnat_test_wait_flag (&r->done, 40000);
  if (r->error != NULL)
    g_propagate_error (error, r->error);
  return r->ok;
}

gboolean
sipnat_test_register (SipnatRegistration  *registration,
                      GError             **error)
{
  SyncResult r = { 0 };

  sipnat_registration_register_async (registration, NULL, sipnat_test_register_cb, &r);
  return finish_sync (&r, error);
}

gboolean
sipnat_test_unregister (SipnatRegistration  *registration,
                        GError             **error)
{
  SyncResult r = { 0 };

  sipnat_registration_unregister_async (registration, NULL, sipnat_test_unregister_cb, &r);
  return finish_sync (&r, error);
}

gboolean
sipnat_test_close (SipnatEndpoint  *endpoint,
                   GError         **error)
{
  SyncResult r = { 0 };

  sipnat_endpoint_close_async (endpoint, NULL, sipnat_test_close_cb, &r);
  return finish_sync (&r, error);
}

gboolean
sipnat_test_skip_if_missing (GError *error)
{
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    return FALSE;

  if (g_getenv ("SIPNAT_REQUIRE_NETNS") != NULL)
    g_error ("required server missing: %s", error->message);

  g_test_skip (error->message);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Calls                                                                  */

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_dial_cb, SIPNAT_CALL, sipnat_call_dial_finish)

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_answer_cb, SIPNAT_CALL, sipnat_call_answer_finish)

GstElement *
sipnat_test_call_pipeline (SipnatCall *call)
{
  GstElement *media = sipnat_call_get_media (call);
  GstElement *src = gst_element_factory_make ("audiotestsrc", NULL);
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);
  GstElement *pipeline = gst_pipeline_new (NULL);

  g_assert_nonnull (media);
  g_assert_nonnull (src);
  g_object_set (src, "is-live", TRUE, NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);

  gst_bin_add_many (GST_BIN (pipeline), src, media, sink, NULL);
  g_assert_true (gst_element_link_pads (src, "src", media, "sink"));
  g_assert_true (gst_element_link_pads (media, "src", sink, "sink"));
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=,
                   GST_STATE_CHANGE_FAILURE);
  return pipeline;
}

/* RTP packets @call has received so far. */
guint64
sipnat_test_rtp_received (SipnatCall *call)
{
  g_autoptr(SipnatCallStats) stats = sipnat_call_get_stats (call);

  return sipnat_call_stats_get_rtp_packets_received (stats);
}

char *
sipnat_test_sdp_ufrag (const char *sdp)
{
  const char *start = strstr (sdp, "a=ice-ufrag:");

  g_assert_nonnull (start);
  start += strlen ("a=ice-ufrag:");
  return g_strndup (start, strcspn (start, "\r\n"));
}

/* ----------------------------------------------------------- sockets */

/* Sends @len bytes of @buf from @from to @to, all or fail. */
void
sipnat_test_send_to (GSocket        *from,
                     GSocketAddress *to,
                     const guint8   *buf,
                     gsize           len)
{
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_socket_send_to (from, to, (const char *) buf, len, NULL, &error),
                   ==, (gssize) len);
  g_assert_no_error (error);
}

/* A non-blocking UDP socket on 127.0.0.1, any port. */
GSocket *
sipnat_test_loopback_socket (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                                            G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, address, FALSE, &error));
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);

  return g_steal_pointer (&socket);
}

/* The local port of @socket. */
guint
sipnat_test_socket_port (GSocket *socket)
{
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

/* A port of 127.0.0.1 free for both UDP and TCP right now (for a server
 * the test starts: it binds it a moment later). */
guint
sipnat_test_free_port (void)
{
  for (guint tries = 0; tries < 50; tries++)
    {
      g_autoptr(GSocket) udp = sipnat_test_loopback_socket ();
      g_autoptr(GSocket) tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                             G_SOCKET_PROTOCOL_TCP, NULL);
      guint port = sipnat_test_socket_port (udp);
      g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);

      if (port >= 1024 && port <= 49000 &&
          tcp != NULL && g_socket_bind (tcp, address, FALSE, NULL))
        return port;
    }
  g_error ("no free port on 127.0.0.1");
}

SipnatEndpoint *
sipnat_test_local_endpoint_new (const char *address)
{
  for (guint tries = 0; tries < 50; tries++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new (address, 0, NULL, &error);
      guint port;

      g_assert_no_error (error);
      port = sipnat_endpoint_get_local_port (endpoint);
      g_assert_cmpuint (port, >, 0);
      if (port < SIPNAT_TEST_PUBLIC_PORT_MIN || port > SIPNAT_TEST_PUBLIC_PORT_MAX)
        return g_steal_pointer (&endpoint);
      sipnat_test_drop_endpoint (&endpoint);
    }
  g_error ("no endpoint outside the public ports on %s", address);
}

/* Removes @path, a file or a directory with everything in it (symbolic
 * links are removed, never followed). */
void
sipnat_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);

      sipnat_test_remove_tree (child);
    }
  g_rmdir (path);
}
