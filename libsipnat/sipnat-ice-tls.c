/* sipnat-ice-tls.c: TURN over TLS for libnice, through a loopback tunnel
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-debug-private.h"
#include "sipnat-ice-tls-private.h"

/* libnice opens one connection per host candidate and TURN server. */
#define MAX_CONNECTIONS 16

struct _SipnatTlsTunnel {
  GMainContext *context;
  char *server;
  guint port;
  GTlsDatabase *database;
  GSocket *listener;
  GSource *accept_source;
  guint local_port;
  GCancellable *cancellable;
  guint connections;
  char *error;
  GSourceFunc failed;          /* called (on the context) when TLS fails */
  gpointer failed_data;
};

typedef struct {
  SipnatTlsTunnel *tunnel;     /* NULL once the tunnel is freed */
  GCancellable *cancellable;
  GSocketConnection *local;
} Connection;

static void
connection_free (Connection *c)
{
  if (c->tunnel != NULL)
    c->tunnel->connections--;
  g_clear_object (&c->cancellable);
  g_clear_object (&c->local);
  g_free (c);
}

static void
on_spliced (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Connection *c = data;
  g_autoptr(GError) error = NULL;

  if (!g_io_stream_splice_finish (result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    SIPNAT_NOTE (NAT, "TLS tunnel: connection ended: %s", error->message);
  if (g_cancellable_is_cancelled (c->cancellable))
    c->tunnel = NULL;
  connection_free (c);
}

static void
on_client_event (GSocketClient      *client,
                 GSocketClientEvent  event,
                 GSocketConnectable *connectable,
                 GIOStream          *connection,
                 gpointer            data)
{
  GTlsDatabase *database = data;

  if (event == G_SOCKET_CLIENT_TLS_HANDSHAKING && database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), database);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  Connection *c = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnection) remote = NULL;

  remote = g_socket_client_connect_to_host_finish (G_SOCKET_CLIENT (source), result, &error);
  if (g_cancellable_is_cancelled (c->cancellable))
    {
      c->tunnel = NULL;
      connection_free (c);
      return;
    }
  if (remote == NULL)
    {
      SIPNAT_NOTE (NAT, "TLS tunnel to %s:%u: %s", c->tunnel->server, c->tunnel->port,
                   error->message);
      SipnatTlsTunnel *tunnel = c->tunnel;

      g_free (tunnel->error);
      tunnel->error = g_strdup (error->message);
      /* libnice sees its TCP connection closed: no relayed candidate. */
      connection_free (c);
      if (tunnel->failed != NULL)
        tunnel->failed (tunnel->failed_data);
      return;
    }

  g_main_context_push_thread_default (c->tunnel->context);
  g_io_stream_splice_async (G_IO_STREAM (c->local), G_IO_STREAM (remote),
                            /* Either side closing closes both. */
                            G_IO_STREAM_SPLICE_CLOSE_STREAM1 |
                            G_IO_STREAM_SPLICE_CLOSE_STREAM2,
                            G_PRIORITY_DEFAULT, c->cancellable, on_spliced, c);
  g_main_context_pop_thread_default (c->tunnel->context);
}

static void
tunnel_connection (SipnatTlsTunnel *self,
                   GSocket         *accepted)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  Connection *c = g_new0 (Connection, 1);

  c->tunnel = self;
  c->cancellable = g_object_ref (self->cancellable);
  c->local = g_socket_connection_factory_create_connection (accepted);
  self->connections++;

  g_socket_client_set_tls (client, TRUE);
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, 10);
  if (self->database != NULL)
    g_signal_connect_object (client, "event", G_CALLBACK (on_client_event), self->database, 0);

  g_main_context_push_thread_default (self->context);
  g_socket_client_connect_to_host_async (client, self->server, self->port, self->cancellable,
                                         on_connected, c);
  g_main_context_pop_thread_default (self->context);
}

static gboolean
on_accept (GSocket      *listener,
           GIOCondition  condition,
           gpointer      data)
{
  SipnatTlsTunnel *self = data;
  g_autoptr(GSocket) accepted = NULL;
  g_autoptr(GError) error = NULL;

  accepted = g_socket_accept (listener, NULL, &error);
  if (accepted == NULL)
    return G_SOURCE_CONTINUE;
  if (self->connections >= MAX_CONNECTIONS)
    {
      g_socket_close (accepted, NULL);
      return G_SOURCE_CONTINUE;
    }
  tunnel_connection (self, accepted);
  return G_SOURCE_CONTINUE;
}

SipnatTlsTunnel *
_sipnat_tls_tunnel_new (GMainContext  *context,
                        const char    *server,
                        guint          port,
                        GTlsDatabase  *database,
                        GError       **error)
{
  g_autoptr(SipnatTlsTunnel) self = g_new0 (SipnatTlsTunnel, 1);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;

  self->context = g_main_context_ref (context);
  self->server = g_strdup (server);
  self->port = port;
  self->database = database != NULL ? g_object_ref (database) : NULL;
  self->cancellable = g_cancellable_new ();

  self->listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                 G_SOCKET_PROTOCOL_TCP, error);
  if (self->listener == NULL ||
      !g_socket_bind (self->listener, any, FALSE, error) ||
      !g_socket_listen (self->listener, error))
    return NULL;
  g_socket_set_blocking (self->listener, FALSE);
  bound = g_socket_get_local_address (self->listener, error);
  if (bound == NULL)
    return NULL;
  self->local_port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_accept), self, NULL);
  g_source_attach (self->accept_source, context);

  return g_steal_pointer (&self);
}

guint
_sipnat_tls_tunnel_get_port (SipnatTlsTunnel *self)
{
  return self->local_port;
}

const char *
_sipnat_tls_tunnel_get_error (SipnatTlsTunnel *self)
{
  return self->error;
}

void
_sipnat_tls_tunnel_free (SipnatTlsTunnel *self)
{
  if (self == NULL)
    return;

  /* Connections under way see the cancellable cancelled and forget the
   * tunnel. */
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_source_unref (self->accept_source);
    }
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->database);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->server);
  g_free (self->error);
  g_free (self);
}

/* @func is called on the tunnel's context whenever a TLS connection to
 * the server fails (a failure not worth waiting out). */
void
_sipnat_tls_tunnel_set_failed_func (SipnatTlsTunnel *self,
                                    GSourceFunc      func,
                                    gpointer         data)
{
  self->failed = func;
  self->failed_data = data;
}
