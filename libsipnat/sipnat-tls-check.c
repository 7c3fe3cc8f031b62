/* sipnat-tls-check.c: why a server's TLS certificate is refused, as GIO
 * sees it
 *
 * Sofia's TLS transport verifies the server itself (sipnat-stack.c:
 * chain to a trusted CA, dates, the registrar's host name) and closes a
 * connection that fails, but all the application then gets is a
 * transport error from nta, without the reason. When a REGISTER over TLS
 * fails that way, the registration asks this module: it opens one TLS
 * connection of its own to the same server with GIO (GTlsClientConnection,
 * the system's trust store, plus the registration's CA file), refuses the
 * certificate in `accept-certificate`, and returns the
 * GTlsCertificateFlags it saw (UNKNOWN_CA, EXPIRED, BAD_IDENTITY, ...).
 * Nothing is ever sent on that connection. It is bounded by a timeout,
 * so that a server that accepts TCP and then says nothing cannot hold
 * the registration.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-tls-check-private.h"

typedef struct {
  char *host;
  guint16 port;
  GTlsDatabase *ca_database;       /* (nullable) the registration's CAs */
  GCancellable *cancellable;       /* ours: the caller's, or the timeout */
  gulong caller_handler;
  GCancellable *caller;
  GSource *timeout;
  GTlsCertificateFlags flags;
  GTlsCertificate *peer;
  gboolean timed_out;
} Check;

static void
check_free (Check *c)
{
  if (c->caller != NULL)
    g_cancellable_disconnect (c->caller, c->caller_handler);
  g_clear_object (&c->caller);
  if (c->timeout != NULL)
    g_source_destroy (c->timeout);
  g_clear_pointer (&c->timeout, g_source_unref);
  g_clear_object (&c->cancellable);
  g_clear_object (&c->ca_database);
  g_clear_object (&c->peer);
  g_free (c->host);
  g_free (c);
}

/* The system's verdict, or, when only the system does not know the CA,
 * the verdict of the registration's own CAs (which check the name and the
 * dates as well). */
static gboolean
accept_certificate_cb (GTlsConnection       *conn,
                       GTlsCertificate      *peer,
                       GTlsCertificateFlags  errors,
                       gpointer              data)
{
  Check *c = data;
  GTlsCertificateFlags flags = errors;

  if ((errors & G_TLS_CERTIFICATE_UNKNOWN_CA) && c->ca_database != NULL)
    {
      g_autoptr(GSocketConnectable) identity = g_network_address_new (c->host, c->port);
      g_autoptr(GError) error = NULL;

      flags = g_tls_database_verify_chain (c->ca_database, peer,
                                           G_TLS_DATABASE_PURPOSE_AUTHENTICATE_SERVER,
                                           identity, NULL, G_TLS_DATABASE_VERIFY_NONE,
                                           NULL, &error);
      if (error != NULL)
        flags = errors;
    }

  c->flags = flags;
  g_set_object (&c->peer, peer);
  SIPNAT_NOTE (SIP, "TLS check of %s:%u: certificate flags 0x%x", c->host, c->port, flags);

  /* Accepted by the registration's own CAs: the handshake goes on (and
   * the connection is closed at once). */
  return flags == 0;
}

/* The TCP connection is closed at once, without a TLS close_notify:
 * GIO sends that from a worker thread, which could outlive the check
 * (and the process). Nothing was ever sent on the connection. */
static void
close_base_stream (GTlsConnection *tls)
{
  g_autoptr(GIOStream) base = NULL;

  g_object_get (tls, "base-io-stream", &base, NULL);
  if (base != NULL)
    g_io_stream_close (base, NULL, NULL);
}

static void
handshake_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  Check *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error) ||
      c->flags != 0)
    {
      if (c->peer == NULL)
        g_set_object (&c->peer, g_tls_connection_get_peer_certificate (G_TLS_CONNECTION (source)));
      close_base_stream (G_TLS_CONNECTION (source));
      g_task_return_int (task, c->flags);
      return;
    }

  if (c->timed_out)
    g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                             _("No TLS handshake with %s:%u"), c->host, c->port);
  else
    g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                             _("TLS handshake with %s:%u failed: %s"), c->host, c->port,
                             error->message);
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GTask) task = data;
  Check *c = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) tcp = NULL;
  g_autoptr(GSocketConnectable) identity = NULL;
  g_autoptr(GIOStream) tls = NULL;

  tcp = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (tcp == NULL)
    {
      g_task_return_new_error (task, SIPNAT_ERROR,
                               c->timed_out ? SIPNAT_ERROR_TIMEOUT : SIPNAT_ERROR_UNREACHABLE,
                               _("Cannot connect to %s:%u: %s"), c->host, c->port,
                               error->message);
      return;
    }

  identity = g_network_address_new (c->host, c->port);
  tls = g_tls_client_connection_new (G_IO_STREAM (tcp), identity, &error);
  if (tls == NULL)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                               _("TLS is not available: %s"), error->message);
      return;
    }

  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), c);
  g_tls_connection_handshake_async (G_TLS_CONNECTION (tls), G_PRIORITY_DEFAULT,
                                    c->cancellable, handshake_cb, g_steal_pointer (&task));
}

static gboolean
timeout_cb (gpointer data)
{
  Check *c = data;

  c->timed_out = TRUE;
  g_clear_pointer (&c->timeout, g_source_unref);
  g_cancellable_cancel (c->cancellable);
  return G_SOURCE_REMOVE;
}

static void
caller_cancelled_cb (GCancellable *caller,
                     gpointer      data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

/*
 * _sipnat_tls_check_async:
 * @host: the server's host name or IP address, as configured
 * @port: its TLS port
 * @ca_file: (nullable): a PEM file of CAs trusted besides the system's
 * @timeout_ms: how long connecting and the handshake may take
 *
 * Finds out whether GIO accepts the certificate of @host:@port for the
 * name @host, on the thread-default main context.
 */
void
_sipnat_tls_check_async (const char          *host,
                         guint16              port,
                         const char          *ca_file,
                         guint                timeout_ms,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) address = g_network_address_new (host, port);
  g_autoptr(GError) error = NULL;
  Check *c = g_new0 (Check, 1);

  /* The same path as Sofia's connection: never through a proxy. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_task_set_source_tag (task, _sipnat_tls_check_async);
  g_task_set_task_data (task, c, (GDestroyNotify) check_free);
  c->host = g_strdup (host);
  c->port = port;
  c->cancellable = g_cancellable_new ();

  if (cancellable != NULL)
    {
      c->caller = g_object_ref (cancellable);
      c->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (caller_cancelled_cb),
                                                 g_object_ref (c->cancellable), g_object_unref);
    }

  if (ca_file != NULL)
    {
      c->ca_database = g_tls_file_database_new (ca_file, &error);
      if (c->ca_database == NULL)
        SIPNAT_NOTE (SIP, "TLS check: %s", error->message);
    }

  c->timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (c->timeout, timeout_cb, c, NULL);
  g_source_attach (c->timeout, g_main_context_get_thread_default ());

  g_socket_client_connect_async (client, address, c->cancellable, connected_cb,
                                 g_steal_pointer (&task));
}

/*
 * _sipnat_tls_check_finish:
 *
 * Returns: the certificate's problems as GIO sees them, 0 when GIO
 *   accepts it; 0 with @error set when there was no handshake
 */
GTlsCertificateFlags
_sipnat_tls_check_finish (GAsyncResult     *result,
                          GTlsCertificate **peer,
                          GError          **error)
{
  Check *c;
  gssize flags;

  g_return_val_if_fail (g_task_is_valid (result, NULL), 0);

  c = g_task_get_task_data (G_TASK (result));
  if (peer != NULL)
    *peer = c->peer ? g_object_ref (c->peer) : NULL;

  flags = g_task_propagate_int (G_TASK (result), error);
  return flags < 0 ? 0 : (GTlsCertificateFlags) flags;
}

static char *
common_name (GTlsCertificate *certificate)
{
  g_autofree char *subject = g_tls_certificate_get_subject_name (certificate);
  const char *cn = subject ? strstr (subject, "CN=") : NULL;

  /* RFC 4514: the first CN; a value with an escaped comma is no host. */
  if (cn == NULL || (cn != subject && cn[-1] != ',' && cn[-1] != ' '))
    return NULL;
  cn += strlen ("CN=");
  return g_strndup (cn, strcspn (cn, ",+\\"));
}

static gboolean
same_host (const char *a,
           const char *b)
{
  g_autoptr(GInetAddress) x = g_inet_address_new_from_string (a);
  g_autoptr(GInetAddress) y = g_inet_address_new_from_string (b);

  if (x != NULL && y != NULL)
    return g_inet_address_equal (x, y);
  return g_ascii_strcasecmp (a, b) == 0;
}

/*
 * _sipnat_tls_sofia_names:
 *
 * Whether Sofia 1.12.11's own name check accepts @certificate for @host:
 * its DNS subjectAltNames, and its CN when no DNS subjectAltName differs
 * from it (Sofia reads no IP subjectAltName with OpenSSL 3), compared
 * exactly. For the error message when Sofia refused a connection.
 */
gboolean
_sipnat_tls_sofia_names (GTlsCertificate *certificate,
                         const char      *host)
{
  g_autoptr(GPtrArray) dns = g_tls_certificate_get_dns_names (certificate);
  g_autofree char *cn = common_name (certificate);
  gboolean cn_counts = TRUE;

  for (guint i = 0; dns != NULL && i < dns->len; i++)
    {
      gsize size;
      const char *name = g_bytes_get_data (g_ptr_array_index (dns, i), &size);
      g_autofree char *copy = g_strndup (name, size);

      if (same_host (copy, host))
        return TRUE;
      if (cn == NULL || g_ascii_strcasecmp (copy, cn) != 0)
        cn_counts = FALSE;
    }

  return cn != NULL && cn_counts && same_host (cn, host);
}

/*
 * _sipnat_tls_certificate_error:
 * @server: the server as configured, for the message
 * @host: the name the certificate was checked against
 * @flags: not 0
 *
 * Returns: (transfer full): a %SIPNAT_ERROR_CERTIFICATE error naming the
 *   first reason (a missing CA before the dates, the dates before the
 *   name)
 */
GError *
_sipnat_tls_certificate_error (const char           *server,
                               const char           *host,
                               GTlsCertificateFlags  flags)
{
  if (flags & G_TLS_CERTIFICATE_UNKNOWN_CA)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                        _("%s over TLS: the server’s certificate is not signed by a trusted "
                          "certificate authority (unknown CA)"), server);
  if (flags & G_TLS_CERTIFICATE_EXPIRED)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                        _("%s over TLS: the server’s certificate has expired"), server);
  if (flags & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                        _("%s over TLS: the server’s certificate is not valid yet"), server);
  if (flags & G_TLS_CERTIFICATE_BAD_IDENTITY)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                        _("%s over TLS: the server’s certificate is not for “%s” "
                          "(wrong name)"), server, host);
  if (flags & G_TLS_CERTIFICATE_REVOKED)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                        _("%s over TLS: the server’s certificate was revoked"), server);
  if (flags & G_TLS_CERTIFICATE_INSECURE)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                        _("%s over TLS: the server’s certificate uses an insecure algorithm"),
                        server);

  return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                      _("%s over TLS: the server’s certificate was refused"), server);
}
