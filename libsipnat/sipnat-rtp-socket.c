/* sipnat-rtp-socket.c: the UDP socket of a call without ICE
 *
 * One IPv4 UDP socket carries the call's RTP (and muxed RTCP) both ways.
 * Before the media starts, a STUN Binding request (RFC 5389, built and
 * checked by libnice's libstun) sent from that very socket tells its
 * public address for the offer. Once media flows, the destination
 * follows the source of the RTP received (symmetric RTP, RFC 4961 §3
 * "latching"): a peer behind a NAT announces an address in its SDP that
 * cannot be reached, but the packets it sends come from its public
 * binding. The first packet latches at once; a later change of source
 * needs SIPNAT_RTP_SOCKET_RELATCH_PACKETS packets in a row from the new
 * source, so that a stray packet cannot take the stream away.
 *
 * The latching runs in the media's streaming thread, hence the lock;
 * the "latched" signal is emitted on the context the socket was created
 * on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "sipnat-error.h"
#include "sipnat-rtp-socket-private.h"
#include "sipnat-stun-private.h"

#define STUN_RTO_MS        500     /* RFC 5389 §7.2.1 */
#define STUN_DEADLINE_MS   3000
#define STUN_MAX_SENDS     3       /* at 0, 0.5 and 1.5 s */
#define STUN_RECV_SIZE     (SIPNAT_STUN_MAX_ANSWER + 1)   /* longer ones are cut and refused */
#define STUN_READS_PER_WAKEUP 16

struct _SipnatRtpSocket
{
  GObject parent_instance;

  GSocket *socket;
  guint port;
  GMainContext *context;
  gboolean discovering;

  GMutex lock;                      /* the fields below */
  GInetSocketAddress *remote;       /* from the SDP */
  GInetSocketAddress *latched;      /* source of the RTP received */
  GInetSocketAddress *candidate;    /* a new source, not latched yet */
  guint candidate_packets;
  GstElement *sink;
  gboolean latch_pending;           /* a "latched" emission is queued */
};

enum {
  SIGNAL_LATCHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (SipnatRtpSocket, _sipnat_rtp_socket, G_TYPE_OBJECT)

static void
sipnat_rtp_socket_finalize (GObject *object)
{
  SipnatRtpSocket *self = SIPNAT_RTP_SOCKET (object);

  if (self->socket != NULL)
    g_socket_close (self->socket, NULL);
  g_clear_object (&self->socket);
  g_clear_object (&self->remote);
  g_clear_object (&self->latched);
  g_clear_object (&self->candidate);
  g_clear_object (&self->sink);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (_sipnat_rtp_socket_parent_class)->finalize (object);
}

static void
_sipnat_rtp_socket_class_init (SipnatRtpSocketClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sipnat_rtp_socket_finalize;

  /* (address, port): the destination now follows the RTP received. */
  signals[SIGNAL_LATCHED] =
    g_signal_new ("latched", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_UINT);
}

static void
_sipnat_rtp_socket_init (SipnatRtpSocket *self)
{
  g_mutex_init (&self->lock);
  self->context = g_main_context_ref_thread_default ();
}

SipnatRtpSocket *
_sipnat_rtp_socket_new (const char  *local_address,
                        GError     **error)
{
  g_autoptr(SipnatRtpSocket) self = g_object_new (SIPNAT_TYPE_RTP_SOCKET, NULL);
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) bind_address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;

  if (local_address != NULL)
    inet = g_inet_address_new_from_string (local_address);
  else
    inet = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
  if (inet == NULL || g_inet_address_get_family (inet) != G_SOCKET_FAMILY_IPV4)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                   _("“%s” is not a local IPv4 address for media"), local_address);
      return NULL;
    }

  self->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, error);
  if (self->socket == NULL)
    return NULL;
  g_socket_set_blocking (self->socket, FALSE);

  bind_address = g_inet_socket_address_new (inet, 0);
  if (!g_socket_bind (self->socket, bind_address, FALSE, error))
    return NULL;
  bound = g_socket_get_local_address (self->socket, error);
  if (bound == NULL)
    return NULL;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  return g_steal_pointer (&self);
}

guint
_sipnat_rtp_socket_get_port (SipnatRtpSocket *self)
{
  g_return_val_if_fail (SIPNAT_IS_RTP_SOCKET (self), 0);

  return self->port;
}

GSocket *
_sipnat_rtp_socket_get_socket (SipnatRtpSocket *self)
{
  g_return_val_if_fail (SIPNAT_IS_RTP_SOCKET (self), NULL);

  return self->socket;
}

/* ----------------------------------------------------------- latching */

static gboolean
same_address (GInetSocketAddress *a,
              GInetSocketAddress *b)
{
  if (a == NULL || b == NULL)
    return FALSE;

  return g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b) &&
         g_inet_address_equal (g_inet_socket_address_get_address (a),
                               g_inet_socket_address_get_address (b));
}

static char *
address_to_string (GInetSocketAddress *address,
                   guint              *port)
{
  if (port != NULL)
    *port = address != NULL ? g_inet_socket_address_get_port (address) : 0;
  if (address == NULL)
    return NULL;

  return g_inet_address_to_string (g_inet_socket_address_get_address (address));
}

/* With the lock held: points the sink at the latched source, or else at
 * the SDP's address. */
static void
apply_destination_locked (SipnatRtpSocket *self)
{
  GInetSocketAddress *destination = self->latched ? self->latched : self->remote;
  g_autofree char *host = NULL;
  g_autofree char *clients = NULL;
  guint port;

  if (self->sink == NULL)
    return;

  if (destination == NULL)
    {
      g_signal_emit_by_name (self->sink, "clear");
      return;
    }

  host = address_to_string (destination, &port);
  clients = g_strdup_printf ("%s:%u", host, port);
  g_object_set (self->sink, "clients", clients, NULL);
}

void
_sipnat_rtp_socket_set_remote (SipnatRtpSocket *self,
                               const char      *address,
                               guint            port)
{
  g_autoptr(GInetAddress) inet = NULL;
  g_autoptr(GSocketAddress) remote = NULL;

  g_return_if_fail (SIPNAT_IS_RTP_SOCKET (self));

  if (address != NULL && port > 0 && port <= G_MAXUINT16)
    inet = g_inet_address_new_from_string (address);
  if (inet != NULL && g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV4)
    remote = g_inet_socket_address_new (inet, port);

  g_mutex_lock (&self->lock);
  if (!same_address (self->remote, (GInetSocketAddress *) remote))
    {
      g_set_object (&self->remote, (GInetSocketAddress *) remote);
      g_clear_object (&self->latched);
      g_clear_object (&self->candidate);
      self->candidate_packets = 0;
      apply_destination_locked (self);
    }
  g_mutex_unlock (&self->lock);
}

char *
_sipnat_rtp_socket_dup_latched (SipnatRtpSocket *self,
                                guint           *port)
{
  char *host;

  g_return_val_if_fail (SIPNAT_IS_RTP_SOCKET (self), NULL);

  g_mutex_lock (&self->lock);
  host = address_to_string (self->latched, port);
  g_mutex_unlock (&self->lock);

  return host;
}

void
_sipnat_rtp_socket_set_sink (SipnatRtpSocket *self,
                             GstElement      *sink)
{
  g_return_if_fail (SIPNAT_IS_RTP_SOCKET (self));

  g_mutex_lock (&self->lock);
  g_set_object (&self->sink, sink);
  apply_destination_locked (self);
  g_mutex_unlock (&self->lock);
}

static gboolean
emit_latched (gpointer data)
{
  SipnatRtpSocket *self = data;
  g_autofree char *host = NULL;
  guint port;

  g_mutex_lock (&self->lock);
  self->latch_pending = FALSE;
  host = address_to_string (self->latched, &port);
  g_mutex_unlock (&self->lock);

  if (host != NULL)
    g_signal_emit (self, signals[SIGNAL_LATCHED], 0, host, port);

  return G_SOURCE_REMOVE;
}

/* With the lock held. */
static void
latch_locked (SipnatRtpSocket    *self,
              GInetSocketAddress *source)
{
  g_autoptr(GSource) idle = NULL;

  g_set_object (&self->latched, source);
  g_clear_object (&self->candidate);
  self->candidate_packets = 0;
  apply_destination_locked (self);

  if (self->latch_pending)
    return;
  self->latch_pending = TRUE;
  idle = g_idle_source_new ();
  g_source_set_callback (idle, emit_latched, g_object_ref (self), g_object_unref);
  g_source_set_static_name (idle, "[sipnat] rtp latched");
  g_source_attach (idle, self->context);
}

void
_sipnat_rtp_socket_received_from (SipnatRtpSocket *self,
                                  GSocketAddress  *from)
{
  GInetSocketAddress *source;

  g_return_if_fail (SIPNAT_IS_RTP_SOCKET (self));

  if (!G_IS_INET_SOCKET_ADDRESS (from))
    return;
  source = G_INET_SOCKET_ADDRESS (from);
  if (g_inet_address_get_family (g_inet_socket_address_get_address (source)) !=
      G_SOCKET_FAMILY_IPV4)
    return;

  g_mutex_lock (&self->lock);
  if (same_address (self->latched, source))
    {
      self->candidate_packets = 0;
    }
  else if (self->latched == NULL)
    {
      latch_locked (self, source);
    }
  else if (same_address (self->candidate, source))
    {
      if (++self->candidate_packets >= SIPNAT_RTP_SOCKET_RELATCH_PACKETS)
        latch_locked (self, source);
    }
  else
    {
      g_set_object (&self->candidate, source);
      self->candidate_packets = 1;
    }
  g_mutex_unlock (&self->lock);
}

/* ---------------------------------------------------------- discovery */

typedef struct {
  char *server_name;
  guint server_port;
  GInetSocketAddress *server;

  SipnatStunBinding binding;
  guint sends;

  GSource *read_source;
  GSource *retransmit;
  GSource *deadline;
  GSource *cancelled;

  char *address;                    /* the result */
  guint port;
} Discovery;

static void
discovery_free (Discovery *d)
{
  g_free (d->server_name);
  g_clear_object (&d->server);
  g_free (d->address);
  g_free (d);
}

static void
discovery_stop_sources (Discovery *d)
{
  GSource **sources[] = { &d->read_source, &d->retransmit, &d->deadline, &d->cancelled };

  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      if (*sources[i] != NULL)
        g_source_destroy (*sources[i]);
      g_clear_pointer (sources[i], g_source_unref);
    }
}

/* Ends the discovery: @error NULL for success. Consumes the task. */
static void
discovery_return (GTask  *task,
                  GError *error)
{
  SipnatRtpSocket *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);

  discovery_stop_sources (d);
  self->discovering = FALSE;

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);   /* last: the callback may drop the socket */
}

static gboolean
discovery_send (GTask *task)
{
  SipnatRtpSocket *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  d->sends++;
  if (g_socket_send_to (self->socket, G_SOCKET_ADDRESS (d->server),
                        (const char *) d->binding.request, d->binding.request_len, NULL, &error) < 0 &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    {
      discovery_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                                           _("Cannot send to the STUN server %s:%u: %s"),
                                           d->server_name, d->server_port,
                                           error->message));
      return FALSE;
    }

  return TRUE;
}

static gboolean
on_retransmit (gpointer data)
{
  GTask *task = data;
  Discovery *d = g_task_get_task_data (task);
  guint next_ms;

  g_clear_pointer (&d->retransmit, g_source_unref);   /* returning REMOVE */
  if (!discovery_send (task))
    return G_SOURCE_REMOVE;
  if (d->sends >= STUN_MAX_SENDS)
    return G_SOURCE_REMOVE;

  /* RTO doubles: 0.5 s after the first, 1 s after the second, ... */
  next_ms = STUN_RTO_MS << (d->sends - 1);
  d->retransmit = g_timeout_source_new (next_ms);
  g_source_set_callback (d->retransmit, on_retransmit, task, NULL);
  g_source_attach (d->retransmit, g_task_get_context (task));

  return G_SOURCE_REMOVE;
}

static gboolean
on_deadline (gpointer data)
{
  GTask *task = data;
  Discovery *d = g_task_get_task_data (task);

  g_clear_pointer (&d->deadline, g_source_unref);
  discovery_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                                       _("The STUN server %s:%u did not answer"),
                                       d->server_name, d->server_port));

  return G_SOURCE_REMOVE;
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  GTask *task = data;
  Discovery *d = g_task_get_task_data (task);
  GError *error = NULL;

  g_clear_pointer (&d->cancelled, g_source_unref);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  discovery_return (task, error);

  return G_SOURCE_REMOVE;
}

typedef enum {
  ANSWER_IGNORED,
  ANSWER_DONE,
  ANSWER_FAILED,
} AnswerResult;

/* One datagram from the server: ignored unless it is the answer to our
 * own transaction; anything may arrive here. */
static AnswerResult
handle_answer (Discovery      *d,
               const uint8_t  *buf,
               gsize           len,
               GError        **error)
{
  switch (_sipnat_stun_binding_check (&d->binding, buf, len, &d->address, &d->port))
    {
    case SIPNAT_STUN_ANSWER_MAPPED:
      return ANSWER_DONE;
    case SIPNAT_STUN_ANSWER_REFUSED:
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                   _("The STUN server %s:%u refused the binding request"),
                   d->server_name, d->server_port);
      return ANSWER_FAILED;
    case SIPNAT_STUN_ANSWER_IGNORED:
    default:
      return ANSWER_IGNORED;
    }
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      data)
{
  GTask *task = data;
  Discovery *d = g_task_get_task_data (task);
  uint8_t buf[STUN_RECV_SIZE];

  for (guint i = 0; i < STUN_READS_PER_WAKEUP; i++)
    {
      g_autoptr(GSocketAddress) from = NULL;
      g_autoptr(GError) error = NULL;
      GError *failure = NULL;
      gssize len;

      len = g_socket_receive_from (socket, &from, (char *) buf, sizeof buf, NULL, &error);
      if (len < 0)
        break;    /* would block, or an error the next read will show again */

      if (!G_IS_INET_SOCKET_ADDRESS (from) ||
          !same_address (G_INET_SOCKET_ADDRESS (from), d->server))
        continue;

      switch (handle_answer (d, buf, len, &failure))
        {
        case ANSWER_DONE:
          g_clear_pointer (&d->read_source, g_source_unref);
          discovery_return (task, NULL);
          return G_SOURCE_REMOVE;
        case ANSWER_FAILED:
          g_clear_pointer (&d->read_source, g_source_unref);
          discovery_return (task, failure);
          return G_SOURCE_REMOVE;
        case ANSWER_IGNORED:
        default:
          break;
        }
    }

  return G_SOURCE_CONTINUE;
}

static void
discovery_start (GTask       *task,
                 GInetAddress *server)
{
  SipnatRtpSocket *self = g_task_get_source_object (task);
  Discovery *d = g_task_get_task_data (task);
  GMainContext *context = g_task_get_context (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  if (g_inet_address_get_family (server) != G_SOCKET_FAMILY_IPV4)
    {
      discovery_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                                           _("The STUN server %s has no IPv4 address"),
                                           d->server_name));
      return;
    }
  d->server = G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (server, d->server_port));

  if (!_sipnat_stun_binding_init (&d->binding, TRUE))
    {
      discovery_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                                           _("Cannot build a STUN request")));
      return;
    }

  d->read_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (d->read_source, G_SOURCE_FUNC (on_readable), task, NULL);
  g_source_set_static_name (d->read_source, "[sipnat] stun read");
  g_source_attach (d->read_source, context);

  d->deadline = g_timeout_source_new (STUN_DEADLINE_MS);
  g_source_set_callback (d->deadline, on_deadline, task, NULL);
  g_source_attach (d->deadline, context);

  if (cancellable != NULL)
    {
      d->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (d->cancelled, G_SOURCE_FUNC (on_cancelled), task, NULL);
      g_source_attach (d->cancelled, context);
    }

  /* The first send now, the retransmissions from the timer. */
  d->retransmit = g_timeout_source_new (0);
  g_source_set_callback (d->retransmit, on_retransmit, task, NULL);
  g_source_attach (d->retransmit, context);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GTask *task = data;
  Discovery *d = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GList *addresses;

  addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  if (addresses == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        discovery_return (task, g_steal_pointer (&error));
      else
        discovery_return (task, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                                             _("Cannot resolve the STUN server %s: %s"),
                                             d->server_name, error->message));
      return;
    }

  /* The first IPv4 address (the socket is IPv4). */
  for (GList *l = addresses; l != NULL; l = l->next)
    {
      if (g_inet_address_get_family (l->data) == G_SOCKET_FAMILY_IPV4 || l->next == NULL)
        {
          discovery_start (task, l->data);
          break;
        }
    }
  g_resolver_free_addresses (addresses);
}

void
_sipnat_rtp_socket_discover_async (SipnatRtpSocket     *self,
                                   const char          *stun_server,
                                   guint                stun_port,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  GTask *task;
  Discovery *d;
  g_autoptr(GInetAddress) literal = NULL;
  g_autoptr(GResolver) resolver = NULL;

  g_return_if_fail (SIPNAT_IS_RTP_SOCKET (self));
  g_return_if_fail (stun_server != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _sipnat_rtp_socket_discover_async);
  d = g_new0 (Discovery, 1);
  d->server_name = g_strdup (stun_server);
  d->server_port = stun_port != 0 ? stun_port : 3478;
  g_task_set_task_data (task, d, (GDestroyNotify) discovery_free);

  if (self->discovering)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                               _("A STUN discovery is already running on this socket"));
      g_object_unref (task);
      return;
    }
  if (d->server_port > G_MAXUINT16)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                               _("%u is not a valid STUN server port"), d->server_port);
      g_object_unref (task);
      return;
    }
  self->discovering = TRUE;

  literal = g_inet_address_new_from_string (stun_server);
  if (literal != NULL)
    discovery_start (task, literal);
  else
    {
      resolver = g_resolver_get_default ();
      g_resolver_lookup_by_name_async (resolver, stun_server, cancellable, on_resolved, task);
    }
}

gboolean
_sipnat_rtp_socket_discover_finish (SipnatRtpSocket  *self,
                                    GAsyncResult     *result,
                                    char            **address,
                                    guint            *port,
                                    GError          **error)
{
  Discovery *d;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _sipnat_rtp_socket_discover_async, FALSE);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;

  d = g_task_get_task_data (G_TASK (result));
  if (address != NULL)
    *address = g_strdup (d->address);
  if (port != NULL)
    *port = d->port;

  return TRUE;
}
