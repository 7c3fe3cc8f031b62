/* sipnat-sip-ping.c: one OPTIONS to a SIP server, outside Sofia
 *
 * See sipnat-sip-ping-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-error.h"
#include "sipnat-sip-ping-private.h"
#include "sipnat-via-private.h"

#define TIMER_T1_MS 500
#define READS_PER_WAKEUP 16

static char *
address_ip (GInetSocketAddress *address)
{
  return g_inet_address_to_string (g_inet_socket_address_get_address (address));
}

char *
_sipnat_sip_ping_build (const char         *transport,
                        GInetSocketAddress *local,
                        GInetSocketAddress *server,
                        const char         *branch,
                        gsize               padding)
{
  g_autofree char *local_ip = address_ip (local);
  g_autofree char *server_ip = address_ip (server);
  guint server_port = g_inet_socket_address_get_port (server);
  GString *request = g_string_new (NULL);

  g_string_append_printf (request,
                          "OPTIONS sip:%s:%u SIP/2.0\r\n"
                          "Via: SIP/2.0/%s %s:%u;rport;branch=%s\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:nat-probe@%s>;tag=%s\r\n"
                          "To: <sip:%s:%u>\r\n"
                          "Call-ID: %s@%s\r\n"
                          "CSeq: 1 OPTIONS\r\n"
                          "Accept: application/sdp\r\n",
                          server_ip, server_port,
                          transport, local_ip, g_inet_socket_address_get_port (local), branch,
                          local_ip, branch + 7,
                          server_ip, server_port,
                          branch + 7, local_ip);
  if (padding > 0)
    {
      g_string_append (request, "X-Sipnat-Probe-Padding: ");
      for (gsize i = 0; i < padding; i++)
        g_string_append_c (request, 'a' + i % 26);
      g_string_append (request, "\r\n");
    }
  g_string_append (request, "Content-Length: 0\r\n\r\n");

  return g_string_free (request, FALSE);
}

/* The value of the first Via header (full or compact name) in @headers,
 * or NULL. */
static char *
top_via (const char *headers)
{
  const char *line = headers;

  while (line != NULL && *line != '\0' && !g_str_has_prefix (line, "\r\n"))
    {
      const char *end = strstr (line, "\r\n");
      const char *colon = strchr (line, ':');
      gsize name_len;

      if (end == NULL)
        end = line + strlen (line);
      if (colon != NULL && colon < end)
        {
          g_autofree char *name = g_strstrip (g_strndup (line, colon - line));

          name_len = strlen (name);
          if ((name_len == 3 && g_ascii_strcasecmp (name, "via") == 0) ||
              (name_len == 1 && g_ascii_tolower (name[0]) == 'v'))
            return g_strstrip (g_strndup (colon + 1, end - colon - 1));
        }
      line = *end != '\0' ? end + 2 : NULL;
    }

  return NULL;
}

gboolean
_sipnat_sip_ping_parse_response (const char     *data,
                                 gsize           len,
                                 const char     *branch,
                                 guint          *status,
                                 SipnatBinding **binding)
{
  g_autofree char *text = NULL;
  g_autofree char *via = NULL;
  const char *headers;
  const char *end;
  guint64 code;

  *binding = NULL;
  if (len < 12 || len > SIPNAT_SIP_PING_MAX_RESPONSE)
    return FALSE;

  text = g_strndup (data, len);   /* stops at a NUL: then our branch is missing */
  if (!g_str_has_prefix (text, "SIP/2.0 ") ||
      !g_ascii_isdigit (text[8]) || !g_ascii_isdigit (text[9]) || !g_ascii_isdigit (text[10]))
    return FALSE;
  code = g_ascii_strtoull (text + 8, NULL, 10);
  if (code < 100 || code > 699)
    return FALSE;

  headers = strstr (text, "\r\n");
  end = strstr (text, "\r\n\r\n");
  if (headers == NULL || end == NULL)
    return FALSE;
  text[end - text + 2] = '\0';     /* the headers only */

  via = top_via (headers + 2);
  if (via == NULL || strstr (via, branch) == NULL)
    return FALSE;

  *status = code;
  *binding = _sipnat_via_parse_public_binding (via, NULL);
  return TRUE;
}

/* ---------------------------------------------------------------- ping */

typedef struct {
  GSocket *socket;               /* UDP; NULL for TCP */
  GInetSocketAddress *server;
  gsize padding;
  char *branch;
  char *request;
  guint sends;

  GSource *read_source;
  GSource *retransmit;
  GSource *deadline;
  GCancellable *cancellable;     /* TCP: cancelled by the deadline */
  GCancellable *outer;
  gulong outer_id;
  gboolean timed_out;

  GSocketConnection *connection;
  GByteArray *received;
  guint8 chunk[2048];

  SipnatBinding *binding;
} Ping;

static void
ping_free (Ping *p)
{
  g_clear_object (&p->socket);
  g_clear_object (&p->server);
  g_free (p->branch);
  g_free (p->request);
  if (p->outer_id != 0)
    g_cancellable_disconnect (p->outer, p->outer_id);
  g_clear_object (&p->outer);
  g_clear_object (&p->cancellable);
  if (p->connection != NULL)
    g_io_stream_close (G_IO_STREAM (p->connection), NULL, NULL);
  g_clear_object (&p->connection);
  if (p->received != NULL)
    g_byte_array_unref (p->received);
  g_clear_pointer (&p->binding, sipnat_binding_free);
  g_free (p);
}

static void
ping_stop_sources (Ping *p)
{
  GSource **sources[] = { &p->read_source, &p->retransmit, &p->deadline };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      if (*sources[i] != NULL)
        g_source_destroy (*sources[i]);
      g_clear_pointer (sources[i], g_source_unref);
    }
}

static GError *
timeout_error (Ping *p)
{
  g_autofree char *ip = address_ip (p->server);

  return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                      _("The SIP server %s:%u did not answer over %s"), ip,
                      g_inet_socket_address_get_port (p->server), p->socket ? "UDP" : "TCP");
}

/* Consumes the task. */
static void
ping_return (GTask  *task,
             GError *error)
{
  Ping *p = g_task_get_task_data (task);

  ping_stop_sources (p);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
ping_handle (Ping       *p,
             const char *data,
             gsize       len)
{
  guint status = 0;
  SipnatBinding *binding = NULL;

  if (!_sipnat_sip_ping_parse_response (data, len, p->branch, &status, &binding))
    return FALSE;
  if (status < 200)                /* a 100 Trying: wait for the final one */
    {
      g_clear_pointer (&binding, sipnat_binding_free);
      return FALSE;
    }
  p->binding = binding;
  return TRUE;
}

static gboolean
on_deadline (gpointer data)
{
  GTask *task = data;
  Ping *p = g_task_get_task_data (task);

  g_clear_pointer (&p->deadline, g_source_unref);
  if (p->socket == NULL)
    {
      /* TCP: the pending operation fails as cancelled, and returns. */
      p->timed_out = TRUE;
      g_cancellable_cancel (p->cancellable);
      return G_SOURCE_REMOVE;
    }
  ping_return (task, timeout_error (p));
  return G_SOURCE_REMOVE;
}

static void
on_outer_cancelled (GCancellable *outer,
                    gpointer      data)
{
  Ping *p = data;

  g_cancellable_cancel (p->cancellable);
}

/* --- UDP */

static gboolean
udp_send (GTask *task)
{
  Ping *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  p->sends++;
  if (g_socket_send_to (p->socket, G_SOCKET_ADDRESS (p->server), p->request,
                        strlen (p->request), NULL, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_autofree char *ip = address_ip (p->server);

      ping_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                                      _("Cannot send to the SIP server %s: %s"), ip,
                                      error->message));
      return FALSE;
    }
  return TRUE;
}

static gboolean
on_udp_retransmit (gpointer data)
{
  GTask *task = data;
  Ping *p = g_task_get_task_data (task);

  g_clear_pointer (&p->retransmit, g_source_unref);
  if (!udp_send (task))
    return G_SOURCE_REMOVE;

  p->retransmit = g_timeout_source_new (MIN (TIMER_T1_MS << MIN (p->sends - 1, 8), 4000));
  g_source_set_callback (p->retransmit, on_udp_retransmit, task, NULL);
  g_source_attach (p->retransmit, g_task_get_context (task));
  return G_SOURCE_REMOVE;
}

static gboolean
on_udp_readable (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      data)
{
  GTask *task = data;
  g_autofree char *buf = g_malloc (SIPNAT_SIP_PING_MAX_RESPONSE + 1);

  for (guint i = 0; i < READS_PER_WAKEUP; i++)
    {
      Ping *p = g_task_get_task_data (task);
      g_autoptr(GError) error = NULL;
      gssize len;

      len = g_socket_receive_from (socket, NULL, buf, SIPNAT_SIP_PING_MAX_RESPONSE + 1,
                                   NULL, &error);
      if (len < 0)
        break;
      if (len > SIPNAT_SIP_PING_MAX_RESPONSE || !ping_handle (p, buf, len))
        continue;

      g_clear_pointer (&p->read_source, g_source_unref);
      ping_return (task, NULL);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_udp_cancelled (GCancellable *cancellable,
                  gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
  if (error == NULL)
    return G_SOURCE_CONTINUE;
  ping_return (task, error);
  return G_SOURCE_REMOVE;
}

static void
udp_start (GTask *task)
{
  Ping *p = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;
  GCancellable *cancellable = g_task_get_cancellable (task);

  local = g_socket_get_local_address (p->socket, &error);
  if (local == NULL)
    {
      ping_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT, "%s", error->message));
      return;
    }
  p->request = _sipnat_sip_ping_build ("UDP", G_INET_SOCKET_ADDRESS (local), p->server,
                                       p->branch, p->padding);

  p->read_source = g_socket_create_source (p->socket, G_IO_IN, NULL);
  g_source_set_callback (p->read_source, G_SOURCE_FUNC (on_udp_readable), task, NULL);
  if (cancellable != NULL)
    {
      /* A child of the read source: destroyed with it. */
      GSource *source = g_cancellable_source_new (cancellable);

      g_source_set_callback (source, G_SOURCE_FUNC (on_udp_cancelled), task, NULL);
      g_source_add_child_source (p->read_source, source);
      g_source_unref (source);
    }
  g_source_attach (p->read_source, context);

  p->retransmit = g_timeout_source_new (0);
  g_source_set_callback (p->retransmit, on_udp_retransmit, task, NULL);
  g_source_attach (p->retransmit, context);
}

/* --- TCP */

static void tcp_read_more (GTask *task);

static void
tcp_failed (GTask  *task,
            GError *error)
{
  Ping *p = g_task_get_task_data (task);
  g_autofree char *ip = address_ip (p->server);

  if (p->timed_out)
    {
      g_error_free (error);
      ping_return (task, timeout_error (p));
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    ping_return (task, error);
  else
    {
      ping_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                                      _("Cannot reach the SIP server %s:%u over TCP: %s"), ip,
                                      g_inet_socket_address_get_port (p->server),
                                      error->message));
      g_error_free (error);
    }
}

static void
on_tcp_read (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GTask *task = data;
  Ping *p = g_task_get_task_data (task);
  GError *error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (n < 0)
    {
      tcp_failed (task, error);
      return;
    }
  if (n == 0)
    {
      tcp_failed (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                                             _("The connection was closed")));
      return;
    }

  g_byte_array_append (p->received, p->chunk, n);
  if (ping_handle (p, (const char *) p->received->data, p->received->len))
    {
      ping_return (task, NULL);
      return;
    }
  if (p->received->len >= SIPNAT_SIP_PING_MAX_RESPONSE)
    {
      tcp_failed (task, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                                             _("The answer is too large")));
      return;
    }
  tcp_read_more (task);
}

static void
tcp_read_more (GTask *task)
{
  Ping *p = g_task_get_task_data (task);
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (p->connection));
  gsize room = MIN (sizeof p->chunk, SIPNAT_SIP_PING_MAX_RESPONSE - p->received->len);

  g_input_stream_read_async (in, p->chunk, room, G_PRIORITY_DEFAULT, p->cancellable,
                             on_tcp_read, task);
}

static void
on_tcp_written (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  GTask *task = data;
  GError *error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      tcp_failed (task, error);
      return;
    }
  tcp_read_more (task);
}

static void
on_tcp_connected (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  GTask *task = data;
  Ping *p = g_task_get_task_data (task);
  g_autoptr(GSocketAddress) local = NULL;
  GError *error = NULL;

  p->connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (p->connection == NULL)
    {
      tcp_failed (task, error);
      return;
    }
  local = g_socket_connection_get_local_address (p->connection, &error);
  if (local == NULL)
    {
      tcp_failed (task, error);
      return;
    }

  p->request = _sipnat_sip_ping_build ("TCP", G_INET_SOCKET_ADDRESS (local), p->server,
                                       p->branch, p->padding);
  p->received = g_byte_array_new ();
  g_output_stream_write_all_async (g_io_stream_get_output_stream (G_IO_STREAM (p->connection)),
                                   p->request, strlen (p->request), G_PRIORITY_DEFAULT,
                                   p->cancellable, on_tcp_written, task);
}

static void
tcp_start (GTask *task)
{
  Ping *p = g_task_get_task_data (task);
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  p->cancellable = g_cancellable_new ();
  if (g_task_get_cancellable (task) != NULL)
    {
      p->outer = g_object_ref (g_task_get_cancellable (task));
      p->outer_id = g_cancellable_connect (p->outer, G_CALLBACK (on_outer_cancelled), p, NULL);
    }
  g_socket_client_connect_async (client, G_SOCKET_CONNECTABLE (p->server), p->cancellable,
                                 on_tcp_connected, task);
}

void
_sipnat_sip_ping_async (GSocket             *socket,
                        GInetSocketAddress  *server,
                        gsize                padding,
                        guint                timeout_ms,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Ping *p = g_new0 (Ping, 1);
  g_autofree char *random = g_uuid_string_random ();

  g_task_set_source_tag (task, _sipnat_sip_ping_async);
  g_task_set_task_data (task, p, (GDestroyNotify) ping_free);
  p->socket = socket != NULL ? g_object_ref (socket) : NULL;
  p->server = g_object_ref (server);
  p->padding = padding;
  p->branch = g_strconcat ("z9hG4bK", random, NULL);

  p->deadline = g_timeout_source_new (timeout_ms);
  g_source_set_callback (p->deadline, on_deadline, task, NULL);
  g_source_attach (p->deadline, g_task_get_context (task));

  if (socket != NULL)
    udp_start (task);
  else
    tcp_start (task);
}

gboolean
_sipnat_sip_ping_finish (GAsyncResult   *result,
                         SipnatBinding **binding,
                         GError        **error)
{
  Ping *p;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _sipnat_sip_ping_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  p = g_task_get_task_data (G_TASK (result));
  if (binding != NULL)
    *binding = g_steal_pointer (&p->binding);
  return TRUE;
}
