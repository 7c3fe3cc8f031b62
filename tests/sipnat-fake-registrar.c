/* sipnat-fake-registrar.c: a scriptable fake SIP registrar for unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The server: its sockets, the dispatch of what arrives, its lifecycle and
 * what it recorded. The answers and the fake's own requests are in
 * sipnat-fake-registrar-answers.c and sipnat-fake-registrar-calls.c.
 */

#include <string.h>

#include "sipnat-fake-registrar-private.h"

#define MAX_DATAGRAM 65536
#define BIND_ATTEMPTS 20

/* One accepted TCP connection */
typedef struct {
  SipnatFakeRegistrar *registrar;
  GSocket *socket;
  GSource *source;
  GByteArray *buffer;
} Connection;

void
fake_registrar_send_udp (SipnatFakeRegistrar *self,
                         GSocketAddress      *to,
                         const char          *data)
{
  g_autoptr(GError) error = NULL;

  if (g_socket_send_to (self->udp, to, data, strlen (data), NULL, &error) < 0)
    g_debug ("fake registrar: UDP send failed: %s", error->message);
}

/* Records a request and builds its answer: NULL for none */
static char *
handle_message (SipnatFakeRegistrar *self,
                const char          *data,
                gsize                len,
                GSocketAddress      *source)
{
  g_autoptr(Message) request = fake_message_parse (data, len);
  guint count;

  if (request == NULL)
    {
      g_debug ("fake registrar: ignoring %" G_GSIZE_FORMAT " bytes that are not SIP", len);
      return NULL;
    }
  if (request->method == NULL)
    {
      fake_registrar_handle_response (self, request, data, len);
      return NULL;
    }

  g_ptr_array_add (self->requests, g_strndup (data, len));
  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, request->method));
  g_hash_table_insert (self->counts, g_strdup (request->method), GUINT_TO_POINTER (count + 1));

  if (strcmp (request->method, "REGISTER") == 0)
    {
      g_autoptr(GPtrArray) contacts = fake_message_get_list (request, "contact");

      g_ptr_array_add (contacts, NULL);
      g_ptr_array_add (self->register_contacts, g_ptr_array_free (g_steal_pointer (&contacts), FALSE));
    }

  if (strcmp (request->method, "ACK") == 0)
    return NULL;

  return fake_registrar_answer (self, request, data, len, source);
}

/* ------------------------------------------------------------------ */
/* UDP                                                                 */

/* A STUN Binding success answer (RFC 5389 §15.2): the 20-byte header
 * with the request's transaction id, and one XOR-MAPPED-ADDRESS (IPv4). */
static void
handle_stun (SipnatFakeRegistrar *self,
             GSocket             *socket,
             const guint8        *request,
             gssize               len,
             GSocketAddress      *source)
{
  static const guint8 cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };
  GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (source);
  g_autoptr(GInetAddress) host = NULL;
  guint8 answer[32] = { 0x01, 0x01, 0x00, 12 };
  const guint8 *bytes;
  guint16 port;
  guint count = sipnat_fake_registrar_count (self, SIPNAT_FAKE_REGISTRAR_STUN);

  g_hash_table_insert (self->counts, g_strdup (SIPNAT_FAKE_REGISTRAR_STUN),
                       GUINT_TO_POINTER (count + 1));
  if (self->stun_mode == SIPNAT_FAKE_STUN_IGNORE || request[0] != 0x00 || request[1] != 0x01)
    return;

  host = self->stun_host != NULL ? g_inet_address_new_from_string (self->stun_host)
                                 : g_object_ref (g_inet_socket_address_get_address (inet));
  port = self->stun_port != 0 ? self->stun_port : g_inet_socket_address_get_port (inet);
  if (host == NULL || g_inet_address_get_family (host) != G_SOCKET_FAMILY_IPV4)
    return;
  bytes = g_inet_address_to_bytes (host);

  memcpy (answer + 4, request + 4, 16);          /* cookie and transaction id */
  if (self->stun_mode == SIPNAT_FAKE_STUN_WRONG_ID)
    answer[19] ^= 0xff;
  answer[20] = 0x00; answer[21] = 0x20;           /* XOR-MAPPED-ADDRESS */
  answer[22] = 0x00; answer[23] = 8;
  answer[24] = 0x00; answer[25] = 0x01;           /* IPv4 */
  answer[26] = (guint8) ((port >> 8) ^ cookie[0]);
  answer[27] = (guint8) ((port & 0xff) ^ cookie[1]);
  for (guint i = 0; i < 4; i++)
    answer[28 + i] = bytes[i] ^ cookie[i];

  if (g_socket_send_to (socket, source, (const char *) answer, sizeof answer, NULL, NULL) < 0)
    g_debug ("fake registrar: STUN send failed");
}

static gboolean
udp_readable_cb (GSocket      *socket,
                 GIOCondition  condition,
                 gpointer      user_data)
{
  SipnatFakeRegistrar *self = user_data;

  for (;;)
    {
      g_autoptr(GSocketAddress) source = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *response = NULL;
      gssize len;

      len = g_socket_receive_from (socket, &source, self->recv_buffer, MAX_DATAGRAM, NULL, &error);
      if (len < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("fake registrar: UDP receive failed: %s", error->message);
          break;
        }

      {
        gboolean blank = TRUE;

        for (gssize i = 0; i < len && blank; i++)
          blank = g_ascii_isspace (self->recv_buffer[i]);
        if (blank)
          {
            guint count = sipnat_fake_registrar_count (self, SIPNAT_FAKE_REGISTRAR_KEEPALIVE);

            g_hash_table_insert (self->counts, g_strdup (SIPNAT_FAKE_REGISTRAR_KEEPALIVE),
                                 GUINT_TO_POINTER (count + 1));
            continue;
          }
      }

      if (len >= 20 && ((guint8) self->recv_buffer[0] & 0xc0) == 0)
        {
          handle_stun (self, socket, (const guint8 *) self->recv_buffer, len, source);
          continue;
        }

      response = handle_message (self, self->recv_buffer, len, source);
      if (response != NULL
          && g_socket_send_to (socket, source, response, strlen (response), NULL, &error) < 0)
        g_debug ("fake registrar: UDP send failed: %s", error->message);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* TCP                                                                 */

static void
connection_free (Connection *conn)
{
  g_source_destroy (conn->source);
  g_source_unref (conn->source);
  g_socket_close (conn->socket, NULL);
  g_object_unref (conn->socket);
  g_byte_array_unref (conn->buffer);
  g_free (conn);
}

static void
connection_close (Connection *conn)
{
  SipnatFakeRegistrar *self = conn->registrar;

  self->connections = g_list_remove (self->connections, conn);
  connection_free (conn);
}

static gboolean
connection_send (Connection *conn,
                 const char *data,
                 gsize       len)
{
  while (len > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize sent = g_socket_send_with_blocking (conn->socket, data, len, TRUE, NULL, &error);

      if (sent < 0)
        {
          g_debug ("fake registrar: TCP send failed: %s", error->message);
          return FALSE;
        }
      data += sent;
      len -= sent;
    }

  return TRUE;
}

/* Handles the complete messages in the buffer; FALSE to close */
static gboolean
connection_process (Connection *conn)
{
  SipnatFakeRegistrar *self = conn->registrar;
  GByteArray *buf = conn->buffer;

  for (;;)
    {
      g_autoptr(GSocketAddress) source = NULL;
      g_autofree char *response = NULL;
      gsize skip = 0;
      gsize len;

      /* A double CRLF is a keep-alive ping, answered with a single CRLF */
      if (buf->len >= 4 && memcmp (buf->data, "\r\n\r\n", 4) == 0)
        {
          guint count = sipnat_fake_registrar_count (self, SIPNAT_FAKE_REGISTRAR_KEEPALIVE);

          g_hash_table_insert (self->counts, g_strdup (SIPNAT_FAKE_REGISTRAR_KEEPALIVE),
                               GUINT_TO_POINTER (count + 1));
          g_byte_array_remove_range (buf, 0, 4);
          if (!self->no_pongs && !connection_send (conn, "\r\n", 2))
            return FALSE;
          continue;
        }

      while (skip < buf->len && (buf->data[skip] == '\r' || buf->data[skip] == '\n'))
        skip++;
      if (skip == buf->len)
        return TRUE;  /* perhaps half a ping */
      g_byte_array_remove_range (buf, 0, skip);

      len = fake_stream_message_length ((const char *) buf->data, buf->len);
      if (len == 0)
        return buf->len <= MAX_STREAM_BUFFER;

      source = g_socket_get_remote_address (conn->socket, NULL);
      response = handle_message (self, (const char *) buf->data, len, source);
      g_byte_array_remove_range (buf, 0, len);
      if (response != NULL && !connection_send (conn, response, strlen (response)))
        return FALSE;
    }
}

static gboolean
connection_readable_cb (GSocket      *socket,
                        GIOCondition  condition,
                        gpointer      user_data)
{
  Connection *conn = user_data;
  SipnatFakeRegistrar *self = conn->registrar;
  gboolean closed = FALSE;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize len = g_socket_receive_with_blocking (socket, self->recv_buffer, MAX_DATAGRAM,
                                                   FALSE, NULL, &error);

      if (len < 0 && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (len <= 0)
        {
          closed = TRUE;
          break;
        }
      g_byte_array_append (conn->buffer, (const guint8 *) self->recv_buffer, len);
    }

  /* Messages that came just before the peer closed are still answered */
  if (!connection_process (conn) || closed)
    {
      connection_close (conn);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

static gboolean
tcp_acceptable_cb (GSocket      *socket,
                   GIOCondition  condition,
                   gpointer      user_data)
{
  SipnatFakeRegistrar *self = user_data;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      GSocket *accepted = g_socket_accept (socket, NULL, &error);
      Connection *conn;

      if (accepted == NULL)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("fake registrar: TCP accept failed: %s", error->message);
          break;
        }

      conn = g_new0 (Connection, 1);
      conn->registrar = self;
      conn->socket = accepted;
      conn->buffer = g_byte_array_new ();
      conn->source = g_socket_create_source (accepted, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
      g_source_set_callback (conn->source, G_SOURCE_FUNC (connection_readable_cb), conn, NULL);
      g_source_attach (conn->source, self->context);
      self->connections = g_list_prepend (self->connections, conn);
    }

  return G_SOURCE_CONTINUE;
}

/* ------------------------------------------------------------------ */
/* Setup                                                               */

/* Binds UDP on an ephemeral port then TCP on the same one */
static gboolean
bind_sockets (SipnatFakeRegistrar  *self,
              GError              **error)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);

  for (guint attempt = 0; attempt < BIND_ATTEMPTS; attempt++)
    {
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
      g_autoptr(GSocketAddress) local = NULL;
      g_autoptr(GSocketAddress) same = NULL;
      g_autoptr(GError) local_error = NULL;
      guint16 port;

      udp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP,
                          error);
      if (udp == NULL || !g_socket_bind (udp, any, FALSE, error))
        return FALSE;
      local = g_socket_get_local_address (udp, error);
      if (local == NULL)
        return FALSE;
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

      tcp = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP,
                          error);
      if (tcp == NULL)
        return FALSE;
      same = g_inet_socket_address_new (loopback, port);
      if (!g_socket_bind (tcp, same, TRUE, &local_error) || !g_socket_listen (tcp, &local_error))
        {
          if (attempt + 1 == BIND_ATTEMPTS)
            {
              g_propagate_error (error, g_steal_pointer (&local_error));
              return FALSE;
            }
          continue;  /* the TCP port is taken: try another one */
        }

      g_socket_set_blocking (udp, FALSE);
      g_socket_set_blocking (tcp, FALSE);
      self->udp = g_steal_pointer (&udp);
      self->tcp = g_steal_pointer (&tcp);
      self->port = port;
      return TRUE;
    }

  g_return_val_if_reached (FALSE);
}

/**
 * sipnat_fake_registrar_new:
 * @error: return location for an error
 *
 * Starts a fake registrar on 127.0.0.1, UDP and TCP on the same
 * ephemeral port, attached to the thread-default main context.
 *
 * Returns: (transfer full): the fake, or %NULL with @error set
 */
SipnatFakeRegistrar *
sipnat_fake_registrar_new (GError **error)
{
  g_autoptr(SipnatFakeRegistrar) self = g_new0 (SipnatFakeRegistrar, 1);

  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->queue);
  self->requests = g_ptr_array_new_with_free_func (g_free);
  self->register_contacts = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  self->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->recv_buffer = g_malloc (MAX_DATAGRAM);
  self->responses = g_ptr_array_new_with_free_func (g_free);

  if (!bind_sockets (self, error))
    return NULL;

  self->udp_source = g_socket_create_source (self->udp, G_IO_IN, NULL);
  g_source_set_callback (self->udp_source, G_SOURCE_FUNC (udp_readable_cb), self, NULL);
  g_source_attach (self->udp_source, self->context);

  self->tcp_source = g_socket_create_source (self->tcp, G_IO_IN, NULL);
  g_source_set_callback (self->tcp_source, G_SOURCE_FUNC (tcp_acceptable_cb), self, NULL);
  g_source_attach (self->tcp_source, self->context);

  return g_steal_pointer (&self);
}

/**
 * sipnat_fake_registrar_free:
 * @self: (nullable): a fake registrar
 *
 * Stops the fake, closing its sockets and its TCP connections.
 */
void
sipnat_fake_registrar_free (SipnatFakeRegistrar *self)
{
  if (self == NULL)
    return;

  g_list_free_full (g_steal_pointer (&self->connections), (GDestroyNotify) connection_free);
  if (self->udp_source != NULL)
    {
      g_source_destroy (self->udp_source);
      g_source_unref (self->udp_source);
    }
  sipnat_fake_registrar_close_tcp (self);
  if (self->udp != NULL)
    {
      g_socket_close (self->udp, NULL);
      g_object_unref (self->udp);
    }

  g_queue_clear_full (&self->queue, (GDestroyNotify) fake_scripted_free);
  g_ptr_array_unref (self->requests);
  g_hash_table_unref (self->counts);
  g_ptr_array_unref (self->register_contacts);
  g_free (self->nonce);
  g_free (self->recv_buffer);
  g_free (self->stun_host);
  g_free (self->pending_invite);
  g_clear_object (&self->pending_source);
  g_free (self->answered_invite);
  g_clear_object (&self->answered_source);
  g_ptr_array_unref (self->responses);
  fake_dialog_clear (&self->dialog);
  g_main_context_unref (self->context);
  g_free (self);
}

/**
 * sipnat_fake_registrar_get_port:
 * @self: a fake registrar
 *
 * Returns: the port it listens on, on 127.0.0.1, for both UDP and TCP
 */
guint16
sipnat_fake_registrar_get_port (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}


/**
 * sipnat_fake_registrar_count:
 * @self: a fake registrar
 * @method: (nullable): a method, e.g. "REGISTER", or
 *   %SIPNAT_FAKE_REGISTRAR_KEEPALIVE; %NULL for all requests
 *
 * Returns: how many requests of @method were received
 */
guint
sipnat_fake_registrar_count (SipnatFakeRegistrar *self,
                             const char          *method)
{
  g_return_val_if_fail (self != NULL, 0);

  if (method == NULL)
    return self->requests->len;

  return GPOINTER_TO_UINT (g_hash_table_lookup (self->counts, method));
}

/**
 * sipnat_fake_registrar_get_requests:
 * @self: a fake registrar
 *
 * Returns: (transfer none) (element-type utf8): every request received, raw,
 *   oldest first
 */
GPtrArray *
sipnat_fake_registrar_get_requests (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->requests;
}

/**
 * sipnat_fake_registrar_get_last_request:
 * @self: a fake registrar
 *
 * Returns: (nullable): the last request received, raw
 */
const char *
sipnat_fake_registrar_get_last_request (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->requests->len == 0)
    return NULL;

  return self->requests->pdata[self->requests->len - 1];
}

/**
 * sipnat_fake_registrar_get_last_contacts:
 * @self: a fake registrar
 *
 * Returns: (transfer full): the Contact values of the last REGISTER, in
 *   order, one per element whether they came in one header or several;
 *   empty if there was none or no REGISTER yet
 */
char **
sipnat_fake_registrar_get_last_contacts (SipnatFakeRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (self->register_contacts->len == 0)
    return g_new0 (char *, 1);

  return g_strdupv (g_ptr_array_index (self->register_contacts,
                                       self->register_contacts->len - 1));
}

/**
 * sipnat_fake_registrar_get_contacts:
 * @self: a fake registrar
 * @n: which REGISTER, from 0
 *
 * Returns: (transfer full): the Contact values of the @n-th REGISTER, as
 *   sipnat_fake_registrar_get_last_contacts() gives them; empty if there
 *   was no such REGISTER
 */
char **
sipnat_fake_registrar_get_contacts (SipnatFakeRegistrar *self,
                                    guint                n)
{
  g_return_val_if_fail (self != NULL, NULL);

  if (n >= self->register_contacts->len)
    return g_new0 (char *, 1);

  return g_strdupv (g_ptr_array_index (self->register_contacts, n));
}

static gboolean
wait_timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

gboolean
sipnat_fake_registrar_wait (SipnatFakeRegistrar *self,
                            const char          *method,
                            guint                count,
                            guint                timeout_ms)
{
  gboolean timed_out = FALSE;
  GSource *timeout = g_timeout_source_new (timeout_ms);

  g_source_set_callback (timeout, wait_timeout_cb, &timed_out, NULL);
  g_source_attach (timeout, g_main_context_get_thread_default ());

  while (sipnat_fake_registrar_count (self, method) < count && !timed_out)
    g_main_context_iteration (g_main_context_get_thread_default (), TRUE);

  g_source_destroy (timeout);
  g_source_unref (timeout);
  return sipnat_fake_registrar_count (self, method) >= count;
}

void
sipnat_fake_registrar_set_pongs (SipnatFakeRegistrar *self,
                                 gboolean             answer)
{
  self->no_pongs = !answer;
}

void
sipnat_fake_registrar_set_stun (SipnatFakeRegistrar *self,
                                SipnatFakeStunMode   mode,
                                const char          *mapped_host,
                                guint16              mapped_port)
{
  self->stun_mode = mode;
  g_free (self->stun_host);
  self->stun_host = g_strdup (mapped_host);
  self->stun_port = mapped_port;
}

char *
sipnat_fake_registrar_dup_server (SipnatFakeRegistrar *self)
{
  return g_strdup_printf ("127.0.0.1:%u", self->port);
}

void
sipnat_fake_registrar_close_tcp (SipnatFakeRegistrar *self)
{
  if (self->tcp_source != NULL)
    g_source_destroy (self->tcp_source);
  g_clear_pointer (&self->tcp_source, g_source_unref);

  if (self->tcp != NULL)
    g_socket_close (self->tcp, NULL);
  g_clear_object (&self->tcp);
}
