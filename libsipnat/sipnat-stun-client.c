/* sipnat-stun-client.c: STUN Binding transactions on a GSocket
 *
 * See sipnat-stun-client-private.h. One transaction = one GTask whose
 * sources (read, retransmission timer, deadline, cancellable) all live
 * on the task's main context and are destroyed before it returns.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>
#include <stun/usages/bind.h>

#include "sipnat-error.h"
#include "sipnat-stun-client-private.h"

#define STUN_HEADER_LEN   20
#define STUN_MAGIC_COOKIE 0x2112A442

#define STUN_ATTRIBUTE_PADDING_5780         0x0026
#define STUN_ATTRIBUTE_RESPONSE_PORT_5780   0x0027
#define STUN_ATTRIBUTE_RESPONSE_ORIGIN_5780 0x802B
#define STUN_ATTRIBUTE_OTHER_ADDRESS_5780   0x802C

#define READS_PER_WAKEUP 16

const SipnatStunTiming sipnat_stun_default_timing = { 500, 3, 3000 };

static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_ERROR_CODE,
  STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
  STUN_ATTRIBUTE_ALTERNATE_SERVER,
  STUN_ATTRIBUTE_SOFTWARE,
  STUN_ATTRIBUTE_FINGERPRINT,
  STUN_ATTRIBUTE_CHANGE_REQUEST,
  STUN_ATTRIBUTE_SOURCE_ADDRESS,
  STUN_ATTRIBUTE_CHANGED_ADDRESS,
  STUN_ATTRIBUTE_PADDING_5780,
  STUN_ATTRIBUTE_RESPONSE_PORT_5780,
  STUN_ATTRIBUTE_RESPONSE_ORIGIN_5780,
  STUN_ATTRIBUTE_OTHER_ADDRESS_5780,
  0
};

/* Drops what @answer holds (an answer on the stack). */
void
_sipnat_stun_answer_clear (SipnatStunAnswer *answer)
{
  g_clear_object (&answer->mapped);
  g_clear_object (&answer->other_address);
  g_clear_object (&answer->response_origin);
  g_clear_object (&answer->source);
}

void
_sipnat_stun_answer_free (SipnatStunAnswer *answer)
{
  if (answer == NULL)
    return;
  _sipnat_stun_answer_clear (answer);
  g_free (answer);
}

/*
 * _sipnat_stun_looks_like:
 *
 * @buf: at least the 20 bytes of a header when @len >= 20 (only those
 *   are read)
 * @len: the length of the whole datagram
 *
 * Whether @buf has the shape of an RFC 5389 message: the two first bits
 * zero (a SIP message starts with a letter), the magic cookie, and a
 * length that is the rest of the datagram. Says nothing of its contents.
 */
gboolean
_sipnat_stun_looks_like (const uint8_t *buf,
                         gsize          len)
{
  guint32 cookie;
  guint16 body;

  if (len < STUN_HEADER_LEN || (buf[0] & 0xc0) != 0)
    return FALSE;

  cookie = ((guint32) buf[4] << 24) | ((guint32) buf[5] << 16) | ((guint32) buf[6] << 8) | buf[7];
  body = (guint16) (((guint16) buf[2] << 8) | buf[3]);

  return cookie == STUN_MAGIC_COOKIE && (body & 3) == 0 && (gsize) body + STUN_HEADER_LEN == len;
}

/* ------------------------------------------------------ build and parse */

StunAgent *
_sipnat_stun_agent_new (gboolean fingerprint)
{
  StunAgent *agent = g_new0 (StunAgent, 1);

  stun_agent_init (agent, known_attributes, STUN_COMPATIBILITY_RFC5389,
                   (fingerprint ? STUN_AGENT_USAGE_USE_FINGERPRINT : 0) |
                   STUN_AGENT_USAGE_IGNORE_CREDENTIALS);
  return agent;
}

/* The request in @buf (@size bytes at least STUN_MAX_MESSAGE_SIZE_IPV4);
 * returns its length, 0 on failure. The agent remembers its id. */
gsize
_sipnat_stun_build_binding (StunAgent               *agent,
                            const SipnatStunOptions *options,
                            uint8_t                 *buf,
                            gsize                    size)
{
  StunMessage msg;

  if (!stun_agent_init_request (agent, &msg, buf, size, STUN_BINDING))
    return 0;

  if (options != NULL && options->change != SIPNAT_STUN_CHANGE_NONE &&
      stun_message_append32 (&msg, STUN_ATTRIBUTE_CHANGE_REQUEST,
                             options->change) != STUN_MESSAGE_RETURN_SUCCESS)
    return 0;

  if (options != NULL && options->response_port != 0)
    {
      /* A 16-bit port and two bytes of padding (RFC 5780 §7.5). */
      uint8_t value[4] = { options->response_port >> 8, options->response_port & 0xff, 0, 0 };

      if (stun_message_append_bytes (&msg, STUN_ATTRIBUTE_RESPONSE_PORT_5780, value,
                                     sizeof value) != STUN_MESSAGE_RETURN_SUCCESS)
        return 0;
    }

  if (options != NULL && options->padding)
    {
      /* The server pads its answer to its MTU (coturn: 1500 bytes);
       * our own request stays small. */
      static const uint8_t zeros[4] = { 0 };

      if (stun_message_append_bytes (&msg, STUN_ATTRIBUTE_PADDING_5780, zeros,
                                     sizeof zeros) != STUN_MESSAGE_RETURN_SUCCESS)
        return 0;
    }

  return stun_agent_finish_message (agent, &msg, NULL, 0);
}

static GInetSocketAddress *
find_address (StunMessage *msg,
              uint16_t     type,
              gboolean     xor)
{
  struct sockaddr_storage native;
  socklen_t native_len = sizeof native;
  StunMessageReturn ret;
  g_autoptr(GSocketAddress) address = NULL;

  memset (&native, 0, sizeof native);
  if (xor)
    ret = stun_message_find_xor_addr (msg, type, &native, &native_len);
  else
    ret = stun_message_find_addr (msg, type, &native, &native_len);
  if (ret != STUN_MESSAGE_RETURN_SUCCESS)
    return NULL;

  address = g_socket_address_new_from_native (&native, native_len);
  if (!G_IS_INET_SOCKET_ADDRESS (address) ||
      g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)) == 0)
    return NULL;

  return G_INET_SOCKET_ADDRESS (g_steal_pointer (&address));
}

/* One datagram: an answer to a request that @agent built, or anything
 * else (IGNORED). On SUCCESS @answer gets the addresses (its source is
 * left alone); on ERROR @error_code the STUN error code. */
SipnatStunParse
_sipnat_stun_parse_answer (StunAgent        *agent,
                           const uint8_t    *buf,
                           gsize             len,
                           SipnatStunAnswer *answer,
                           int              *error_code)
{
  StunMessage msg;

  if (len < 20 || len > SIPNAT_STUN_RECV_SIZE)
    return SIPNAT_STUN_PARSE_IGNORED;

  /* Checks the length, the fingerprint, the attributes and that the
   * transaction id is one this agent sent. */
  if (stun_agent_validate (agent, &msg, buf, len, NULL, NULL) != STUN_VALIDATION_SUCCESS)
    return SIPNAT_STUN_PARSE_IGNORED;
  if (stun_message_get_method (&msg) != STUN_BINDING)
    return SIPNAT_STUN_PARSE_IGNORED;

  switch (stun_message_get_class (&msg))
    {
    case STUN_ERROR:
      if (stun_message_find_error (&msg, error_code) != STUN_MESSAGE_RETURN_SUCCESS)
        *error_code = 0;
      return SIPNAT_STUN_PARSE_ERROR;
    case STUN_RESPONSE:
      break;
    case STUN_REQUEST:
    case STUN_INDICATION:
    default:
      return SIPNAT_STUN_PARSE_IGNORED;
    }

  answer->mapped = find_address (&msg, STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS, TRUE);
  if (answer->mapped == NULL)
    answer->mapped = find_address (&msg, STUN_ATTRIBUTE_MAPPED_ADDRESS, FALSE);
  if (answer->mapped == NULL)
    return SIPNAT_STUN_PARSE_IGNORED;

  answer->other_address = find_address (&msg, STUN_ATTRIBUTE_OTHER_ADDRESS_5780, FALSE);
  answer->response_origin = find_address (&msg, STUN_ATTRIBUTE_RESPONSE_ORIGIN_5780, FALSE);
  answer->size = len;

  return SIPNAT_STUN_PARSE_SUCCESS;
}

/* --------------------------------------------------------- transaction */

typedef struct {
  GSocket *socket;
  GSocket *receive_socket;
  GInetSocketAddress *destination;
  SipnatStunChange change;     /* where the answer may come from */
  gboolean hairpin;            /* wait for our own request, not an answer */

  StunAgent *agent;
  uint8_t request[STUN_MAX_MESSAGE_SIZE_IPV4];
  gsize request_len;
  SipnatStunTiming timing;
  guint sends;

  GSource *read_source;
  GSource *send_read_source;   /* with another receive socket */
  GSource *retransmit;
  GSource *deadline;
  GSource *cancelled;

  SipnatStunAnswer *answer;
} Transaction;

static void
transaction_free (Transaction *t)
{
  g_clear_object (&t->socket);
  g_clear_object (&t->receive_socket);
  g_clear_object (&t->destination);
  g_free (t->agent);
  _sipnat_stun_answer_free (t->answer);
  g_free (t);
}

static void
transaction_stop_sources (Transaction *t)
{
  GSource **sources[] = { &t->read_source, &t->send_read_source, &t->retransmit,
                         &t->deadline, &t->cancelled };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      if (*sources[i] != NULL)
        g_source_destroy (*sources[i]);
      g_clear_pointer (sources[i], g_source_unref);
    }
}

static char *
address_string (GInetSocketAddress *address)
{
  g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (address));

  return g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (address));
}

/* Ends the transaction: @error NULL for success. Consumes the task. */
static void
transaction_return (GTask  *task,
                    GError *error)
{
  Transaction *t = g_task_get_task_data (task);

  transaction_stop_sources (t);
  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);   /* last: the callback may drop everything */
}

static gboolean
transaction_send (GTask *task)
{
  Transaction *t = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  t->sends++;
  if (g_socket_send_to (t->socket, G_SOCKET_ADDRESS (t->destination),
                        (const char *) t->request, t->request_len, NULL, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      g_autofree char *to = address_string (t->destination);

      transaction_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                                             _("Cannot send to the STUN server %s: %s"),
                                             to, error->message));
      return FALSE;
    }

  return TRUE;
}

static gboolean
on_retransmit (gpointer data)
{
  GTask *task = data;
  Transaction *t = g_task_get_task_data (task);
  guint next_ms;

  g_clear_pointer (&t->retransmit, g_source_unref);   /* returning REMOVE */
  if (!transaction_send (task))
    return G_SOURCE_REMOVE;
  if (t->sends >= t->timing.max_sends)
    return G_SOURCE_REMOVE;

  /* The RTO doubles: rto after the first send, 2 rto after the second... */
  next_ms = t->timing.rto_ms << MIN (t->sends - 1, 8);
  t->retransmit = g_timeout_source_new (next_ms);
  g_source_set_callback (t->retransmit, on_retransmit, task, NULL);
  g_source_attach (t->retransmit, g_task_get_context (task));

  return G_SOURCE_REMOVE;
}

static gboolean
on_deadline (gpointer data)
{
  GTask *task = data;
  Transaction *t = g_task_get_task_data (task);
  g_autofree char *to = address_string (t->destination);

  g_clear_pointer (&t->deadline, g_source_unref);
  if (t->hairpin)
    {
      /* Not hairpinned: an answer in itself. */
      transaction_stop_sources (t);
      g_task_return_boolean (task, FALSE);
      g_object_unref (task);
      return G_SOURCE_REMOVE;
    }

  transaction_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                                         _("The STUN server %s did not answer"), to));
  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  GTask *task = data;
  Transaction *t = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&t->cancelled, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  transaction_return (task, error);

  return G_SOURCE_REMOVE;
}

/* An answer comes from the server's address and port, unless the
 * request asked for another (CHANGE-REQUEST, RFC 5780 §7.2): anyone else
 * could be a spoofer. */
static gboolean
source_expected (Transaction        *t,
                 GInetSocketAddress *from)
{
  gboolean same_ip = g_inet_address_equal (g_inet_socket_address_get_address (from),
                                           g_inet_socket_address_get_address (t->destination));
  gboolean same_port = g_inet_socket_address_get_port (from) ==
                       g_inet_socket_address_get_port (t->destination);

  if (t->change & SIPNAT_STUN_CHANGE_IP)
    return TRUE;
  if (t->change & SIPNAT_STUN_CHANGE_PORT)
    return same_ip;
  return same_ip && same_port;
}

/* One datagram: SUCCESS ends the transaction, ERROR fails it (@error
 * set), IGNORED waits on. */
static SipnatStunParse
transaction_handle (Transaction    *t,
                    const uint8_t  *buf,
                    gsize           len,
                    GSocketAddress *from,
                    GError        **error)
{
  g_autoptr(SipnatStunAnswer) answer = NULL;
  g_autofree char *to = NULL;
  int code = 0;

  if (!G_IS_INET_SOCKET_ADDRESS (from))
    return SIPNAT_STUN_PARSE_IGNORED;

  if (!t->hairpin && !source_expected (t, G_INET_SOCKET_ADDRESS (from)))
    return SIPNAT_STUN_PARSE_IGNORED;

  if (t->hairpin)
    {
      /* Our own request, byte for byte (its transaction id is ours). */
      if (len == t->request_len && memcmp (buf, t->request, len) == 0)
        return SIPNAT_STUN_PARSE_SUCCESS;
      return SIPNAT_STUN_PARSE_IGNORED;
    }

  answer = g_new0 (SipnatStunAnswer, 1);
  switch (_sipnat_stun_parse_answer (t->agent, buf, len, answer, &code))
    {
    case SIPNAT_STUN_PARSE_SUCCESS:
      answer->source = G_INET_SOCKET_ADDRESS (g_object_ref (from));
      t->answer = g_steal_pointer (&answer);
      return SIPNAT_STUN_PARSE_SUCCESS;
    case SIPNAT_STUN_PARSE_ERROR:
      to = address_string (t->destination);
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                   _("The STUN server %s refused the binding request (%d)"), to, code);
      return SIPNAT_STUN_PARSE_ERROR;
    case SIPNAT_STUN_PARSE_IGNORED:
    default:
      return SIPNAT_STUN_PARSE_IGNORED;
    }
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  GTask *task = data;
  Transaction *t = g_task_get_task_data (task);
  g_autofree uint8_t *buf = g_malloc (SIPNAT_STUN_RECV_SIZE + 1);
  /* An answer on the sending socket when another one should get it:
   * the server ignored RESPONSE-PORT (or refused it). */
  gboolean misdirected = socket != t->receive_socket;
  GSource **slot = misdirected ? &t->send_read_source : &t->read_source;

  for (guint i = 0; i < READS_PER_WAKEUP; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      GError *failure = NULL;
      gssize len;

      /* One byte more than we accept: a longer datagram is cut, and
       * refused for its length. */
      len = g_socket_receive_from (socket, &from, (char *) buf, SIPNAT_STUN_RECV_SIZE + 1,
                                   NULL, &error);
      if (len < 0)
        break;    /* would block, or an error the next read will show again */
      if (len > SIPNAT_STUN_RECV_SIZE)
        continue;

      switch (transaction_handle (t, buf, len, from, &failure))
        {
        case SIPNAT_STUN_PARSE_SUCCESS:
          g_clear_pointer (slot, g_source_unref);
          if (misdirected)
            {
              g_autofree char *to = address_string (t->destination);

              transaction_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                                                     _("The STUN server %s does not support RESPONSE-PORT"),
                                                     to));
            }
          else if (t->hairpin)
            {
              transaction_stop_sources (t);
              g_task_return_boolean (task, TRUE);
              g_object_unref (task);
            }
          else
            transaction_return (task, NULL);
          return G_SOURCE_REMOVE;
        case SIPNAT_STUN_PARSE_ERROR:
          g_clear_pointer (slot, g_source_unref);
          transaction_return (task, failure);
          return G_SOURCE_REMOVE;
        case SIPNAT_STUN_PARSE_IGNORED:
        default:
          break;
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
transaction_start (GTask *task)
{
  Transaction *t = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  t->read_source = g_socket_create_source (t->receive_socket, G_IO_IN, NULL);
  g_source_set_callback (t->read_source, G_SOURCE_FUNC (on_readable), task, NULL);
  g_source_set_static_name (t->read_source, "[sipnat] stun read");
  g_source_attach (t->read_source, context);
  if (t->receive_socket != t->socket)
    {
      t->send_read_source = g_socket_create_source (t->socket, G_IO_IN, NULL);
      g_source_set_callback (t->send_read_source, G_SOURCE_FUNC (on_readable), task, NULL);
      g_source_set_static_name (t->send_read_source, "[sipnat] stun read (sender)");
      g_source_attach (t->send_read_source, context);
    }

  t->deadline = g_timeout_source_new (t->timing.deadline_ms);
  g_source_set_callback (t->deadline, on_deadline, task, NULL);
  g_source_set_static_name (t->deadline, "[sipnat] stun deadline");
  g_source_attach (t->deadline, context);

  if (cancellable != NULL)
    {
      t->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (t->cancelled, G_SOURCE_FUNC (on_cancelled), task, NULL);
      g_source_attach (t->cancelled, context);
    }

  /* The first send now, the retransmissions from the timer. */
  t->retransmit = g_timeout_source_new (0);
  g_source_set_callback (t->retransmit, on_retransmit, task, NULL);
  g_source_attach (t->retransmit, context);
}

static GTask *
transaction_new (GSocket                *socket,
                 GSocket                *receive_socket,
                 GInetSocketAddress     *destination,
                 const SipnatStunTiming *timing,
                 GCancellable           *cancellable,
                 GAsyncReadyCallback     callback,
                 gpointer                user_data,
                 gpointer                tag)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Transaction *t = g_new0 (Transaction, 1);

  g_task_set_source_tag (task, tag);
  t->socket = g_object_ref (socket);
  t->receive_socket = g_object_ref (receive_socket != NULL ? receive_socket : socket);
  t->destination = g_object_ref (destination);
  t->timing = timing != NULL ? *timing : sipnat_stun_default_timing;
  t->timing.max_sends = MAX (t->timing.max_sends, 1);
  g_task_set_task_data (task, t, (GDestroyNotify) transaction_free);

  return task;
}

/* Builds the task's request and sends it (or fails the task). */
static void
build_and_start (GTask                   *task,
                 const SipnatStunOptions *options,
                 gboolean                 fingerprint)
{
  Transaction *t = g_task_get_task_data (task);

  t->agent = _sipnat_stun_agent_new (fingerprint);
  t->request_len = _sipnat_stun_build_binding (t->agent, options, t->request, sizeof t->request);
  if (t->request_len == 0)
    {
      transaction_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                                             _("Cannot build a STUN request")));
      return;
    }

  transaction_start (task);
}

void
_sipnat_stun_binding_async (GSocket                 *socket,
                            GSocket                 *receive_socket,
                            GInetSocketAddress      *server,
                            const SipnatStunOptions *options,
                            const SipnatStunTiming  *timing,
                            GCancellable            *cancellable,
                            GAsyncReadyCallback      callback,
                            gpointer                 user_data)
{
  GTask *task;
  Transaction *t;

  g_return_if_fail (G_IS_SOCKET (socket));
  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (server));

  task = transaction_new (socket, receive_socket, server, timing, cancellable,
                          callback, user_data, _sipnat_stun_binding_async);
  t = g_task_get_task_data (task);
  t->change = options != NULL ? options->change : SIPNAT_STUN_CHANGE_NONE;
  /* coturn (4.6) sends the answers that come from another address or go
   * to another port without a FINGERPRINT: such requests go without
   * one (the transaction id still has to be ours). */
  build_and_start (task, options, options == NULL ||
                                  (options->change == SIPNAT_STUN_CHANGE_NONE &&
                                   options->response_port == 0));
}

SipnatStunAnswer *
_sipnat_stun_binding_finish (GAsyncResult  *result,
                             GError       **error)
{
  Transaction *t;

  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _sipnat_stun_binding_async, NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;

  t = g_task_get_task_data (G_TASK (result));
  return g_steal_pointer (&t->answer);
}

void
_sipnat_stun_hairpin_async (GSocket                *socket,
                            GInetSocketAddress     *mapped,
                            const SipnatStunTiming *timing,
                            GCancellable           *cancellable,
                            GAsyncReadyCallback     callback,
                            gpointer                user_data)
{
  GTask *task;
  Transaction *t;

  g_return_if_fail (G_IS_SOCKET (socket));
  g_return_if_fail (G_IS_INET_SOCKET_ADDRESS (mapped));

  task = transaction_new (socket, NULL, mapped, timing, cancellable,
                          callback, user_data, _sipnat_stun_hairpin_async);
  t = g_task_get_task_data (task);
  t->hairpin = TRUE;
  build_and_start (task, NULL, TRUE);
}

gboolean
_sipnat_stun_hairpin_finish (GAsyncResult  *result,
                             GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _sipnat_stun_hairpin_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
