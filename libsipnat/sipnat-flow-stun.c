/* sipnat-flow-stun.c: STUN keep-alives on Sofia's SIP socket
 *
 * RFC 5626 §4.4.2: a STUN Binding request sent on the SIP flow itself,
 * from the socket the REGISTERs leave by to the registrar's SIP address
 * and port, keeps the NAT binding open, and its XOR-MAPPED-ADDRESS is the
 * binding the registrar sees: the same news as the received/rport of an
 * OPTIONS answer, in a fifth of the bytes.
 *
 * Sofia-SIP does not give its socket away, so we find it: the UDP socket
 * of this process bound to the stack's port (the stack chose it), by
 * looking at every descriptor in /proc/self/fd with getsockname(). We
 * send on it with sendto(), and read the answers before Sofia does:
 * a GSource of higher priority than Sofia's polls the same descriptor,
 * (a GPollFD) and its check() peeks at the waiting datagram (MSG_PEEK). Only a
 * datagram that has the shape of an RFC 5389 message (magic cookie) is
 * taken off the socket, in dispatch(); anything else leaves our source
 * not ready, so that Sofia's own source (lower priority) is dispatched in
 * the same main loop iteration and reads it as before. Sofia never sees
 * our STUN: its tport would take a STUN answer for an error on the
 * socket (tport_recv_stun_dgram() has no handler for answers on UDP).
 *
 * The answers are hostile until proven: bounded in size, from the
 * registrar's address and port only, with our transaction id (libstun
 * checks it) and a well-formed mapped address.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "sipnat-debug-private.h"
#include "sipnat-flow-stun-private.h"
#include "sipnat-process-sockets-private.h"
#include "sipnat-stun-client-private.h"

#define STUN_RTO_MS       500     /* RFC 5389 §7.2.1 */
#define STUN_MAX_SENDS    3       /* at 0, 0.5 and 1.5 s */
#define STUN_DEADLINE_MS  2500
/* Answers longer than this are refused unread: a Binding answer is a
 * few dozen bytes, and RFC 3489 servers stay within 548. */
#define MAX_ANSWER        548
/* STUN transactions in flight on one socket at most: their answers may
 * all arrive at once, and the socket's receive buffer (2 MiB asked for,
 * about 2 000 small datagrams) must hold them while the loop is busy.
 * More keep-alives wait (SIPNAT_FLOW_STUN_BUSY): a slow loop then slows
 * the keep-alives down instead of losing their answers. */
#define MAX_TAP_IN_FLIGHT 256

/* One per SIP socket: every registration on the stack has its own flow
 * and transactions on that one socket, so a datagram goes to the owner
 * whose transaction it answers. */
typedef struct {
  GSource source;
  GHashTable *owners;           /* set of SipnatFlowStun, not owned */
  GHashTable *by_transaction;   /* transaction id (12 bytes) -> owner in flight */
  GPollFD pollfd;
  guint port;                   /* what the socket is bound to */
  int family;
  gboolean dead;                /* the socket is no longer Sofia's */
  guint dropped;                /* STUN-shaped datagrams no owner took */
  /* The last answer any owner took: a timeout while the same registrar
   * answers others on the same socket (the same NAT binding) is a lost
   * or late answer, not a dead flow. */
  gint64 last_answer_us;
  struct sockaddr_storage last_from;
  socklen_t last_from_len;
  /* The last mapped address a registrar answered with: every flow on
   * the socket to the same registrar address has the same 5-tuple, so
   * the same NAT binding, and that answer is theirs too. */
  gint64 mapped_us;
  struct sockaddr_storage mapped_from;
  socklen_t mapped_from_len;
  char *mapped_host;
  guint mapped_port;
  /* The last transaction an owner started: while it is under way, the
   * mapping above still stands for the others (bounded by its
   * deadline), or every flow due meanwhile would send one too. */
  gint64 sent_us;
  struct sockaddr_storage sent_to;
  socklen_t sent_to_len;
} TapSource;

/* fd -> TapSource, for the sockets of every stack in the process. */
G_LOCK_DEFINE_STATIC (taps);
static GHashTable *taps;

struct _SipnatFlowStun
{
  GMainContext *context;
  guint local_port;
  char *registrar_host;
  guint registrar_port;
  SipnatFlowStunFunc func;
  gpointer data;

  struct sockaddr_storage server;
  socklen_t server_len;         /* 0 until resolved */
  GCancellable *resolving;
  char *reason;                 /* why STUN cannot be sent, once known */

  int fd;                       /* Sofia's; never closed here */
  TapSource *tap;

  /* Only while a transaction is in flight: a StunAgent is 12.5 KiB
   * (it remembers 200 transaction ids), times thousands of flows. */
  StunAgent *agent;             /* of the transaction in flight: only its id answers */
  uint8_t *request;             /* STUN_MAX_MESSAGE_SIZE_IPV4 bytes */
  gsize request_len;
  gboolean in_flight;
  guint sends;
  SipnatScheduler *scheduler;   /* the stack's: our transaction timers */
  SipnatSchedulerTimer *retransmit;
  SipnatSchedulerTimer *deadline;

  guint count_sent;             /* datagrams, retransmissions included */
  guint count_answered;
  guint count_dropped;          /* STUN-shaped datagrams that were not our answers, */
  guint dropped_base;           /* ... counted on the tap since we joined it */
  gint64 sent_at_us;            /* the first send of the last transaction */
};

/* ------------------------------------------------------------ the socket */

static guint
native_port (const struct sockaddr_storage *ss)
{
  if (ss->ss_family == AF_INET)
    return g_ntohs (((const struct sockaddr_in *) ss)->sin_port);
  if (ss->ss_family == AF_INET6)
    return g_ntohs (((const struct sockaddr_in6 *) ss)->sin6_port);
  return 0;
}

/* Whether @fd is a UDP socket of @family bound to @port. */
static gboolean
fd_is_sip_socket (int   fd,
                  guint port,
                  int   family)
{
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (!_sipnat_socket_is_type (fd, SOCK_DGRAM))
    return FALSE;
  if (getsockname (fd, (struct sockaddr *) &ss, &len) != 0)
    return FALSE;

  return ss.ss_family == family && native_port (&ss) == port;
}

/*
 * _sipnat_flow_stun_find_socket:
 * @port: the port the SIP stack bound
 * @family: AF_INET or AF_INET6
 *
 * Returns: the descriptor of this process's UDP socket of @family bound
 * to @port, or -1. Linux only (/proc/self/fd).
 */
typedef struct {
  guint port;
  int family;
  int fd;
} SocketSearch;

static gboolean
check_socket (int      fd,
              gpointer data)
{
  SocketSearch *search = data;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;

  if (getsockname (fd, (struct sockaddr *) &ss, &len) == 0 && ss.ss_family == search->family &&
      native_port (&ss) == search->port)
    search->fd = fd;

  return search->fd < 0;
}

int
_sipnat_flow_stun_find_socket (guint port,
                               int   family)
{
  SocketSearch search = { port, family, -1 };

  if (port != 0)
    _sipnat_process_sockets_foreach (SOCK_DGRAM, check_socket, &search);

  return search.fd;
}

/* -------------------------------------------------------- the answers */

static void finish (SipnatFlowStun       *self,
                    SipnatFlowStunResult  result,
                    const char           *host,
                    guint                 port);

/* RFC 5389 §6: the transaction id, bytes 8 to 19 of the header. */
#define TRANSACTION_ID_OFFSET 8
#define TRANSACTION_ID_LEN    12

static guint
transaction_hash (gconstpointer key)
{
  guint h;

  memcpy (&h, (const uint8_t *) key + TRANSACTION_ID_LEN - sizeof h, sizeof h);   /* random bytes */
  return h;
}

static gboolean
transaction_equal (gconstpointer a,
                   gconstpointer b)
{
  return memcmp (a, b, TRANSACTION_ID_LEN) == 0;
}

/* The owner's transaction in flight, found by its id: one lookup per
 * datagram, not one parse per owner (thousands share a socket). */
static void
index_transaction (SipnatFlowStun *self)
{
  if (self->tap != NULL && self->in_flight && self->request != NULL && self->request_len >= 20)
    g_hash_table_replace (self->tap->by_transaction, self->request + TRANSACTION_ID_OFFSET, self);
}

static void
unindex_transaction (SipnatFlowStun *self)
{
  if (self->tap != NULL && self->request != NULL && self->request_len >= 20 &&
      g_hash_table_lookup (self->tap->by_transaction, self->request + TRANSACTION_ID_OFFSET) == self)
    g_hash_table_remove (self->tap->by_transaction, self->request + TRANSACTION_ID_OFFSET);
}

static gboolean
from_registrar (SipnatFlowStun                *self,
                const struct sockaddr_storage *from,
                socklen_t                      from_len)
{
  return self->server_len != 0 &&
         _sipnat_sockaddr_equal ((const struct sockaddr *) from, from_len,
                                 (const struct sockaddr *) &self->server, self->server_len);
}

/* Sofia's descriptor has a STUN message waiting: looked at, not read. */
static gboolean
tap_check (GSource *source)
{
  TapSource *tap = (TapSource *) source;
  uint8_t header[20];
  ssize_t len;

  /* Sofia closed its socket before the flows stopped: let go of the
   * descriptor at once, or the main loop would spin on it. */
  if (tap->pollfd.revents & G_IO_NVAL)
    return tap->dead = TRUE;
  if (!(tap->pollfd.revents & G_IO_IN))
    return FALSE;

  /* MSG_TRUNC: the length of the whole datagram. */
  len = recv (tap->pollfd.fd, header, sizeof header, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);
  if (len < 0 && (errno == EBADF || errno == ENOTSOCK))
    return tap->dead = TRUE;
  if (len < (ssize_t) sizeof header)
    return FALSE;   /* nothing, an error, or a runt: Sofia's */

  return _sipnat_stun_looks_like (header, (gsize) len);
}

static void
remember_mapping (TapSource                     *tap,
                  const struct sockaddr_storage *from,
                  socklen_t                      from_len,
                  const char                    *host,
                  guint                          port)
{
  tap->mapped_us = g_get_monotonic_time ();
  memcpy (&tap->mapped_from, from, MIN (sizeof tap->mapped_from, from_len));
  tap->mapped_from_len = from_len;
  g_free (tap->mapped_host);
  tap->mapped_host = g_strdup (host);
  tap->mapped_port = port;
}

/* An answer to @self's transaction, taken: TRUE (@self may be freed). */
static gboolean
offer_datagram (SipnatFlowStun                *self,
                const uint8_t                 *buf,
                gsize                          len,
                const struct sockaddr_storage *from,
                socklen_t                      from_len)
{
  g_auto(SipnatStunAnswer) answer = { 0 };
  g_autofree char *host = NULL;
  guint port = 0;
  int code = 0;

  if (!self->in_flight || !from_registrar (self, from, from_len))
    return FALSE;

  switch (_sipnat_stun_parse_answer (self->agent, buf, len, &answer, &code))
    {
    case SIPNAT_STUN_PARSE_SUCCESS:
      host = g_inet_address_to_string (g_inet_socket_address_get_address (answer.mapped));
      port = g_inet_socket_address_get_port (answer.mapped);
      self->count_answered++;
      remember_mapping (self->tap, from, from_len, host, port);
      finish (self, SIPNAT_FLOW_STUN_MAPPED, host, port);
      return TRUE;
    case SIPNAT_STUN_PARSE_ERROR:
      finish (self, SIPNAT_FLOW_STUN_REFUSED, NULL, 0);
      return TRUE;
    case SIPNAT_STUN_PARSE_IGNORED:
    default:
      return FALSE;
    }
}

/* Counted once on the tap, not on each of its thousands of owners: late
 * answers come by the thousand when the loop is overloaded. */
static void
drop_datagram (TapSource  *tap,
               gsize       len,
               const char *why)
{
  tap->dropped++;
  SIPNAT_NOTE (NAT, "keep-alive: dropped a STUN message of %" G_GSIZE_FORMAT " bytes: %s",
               len, why);
}

/* The socket is gone: every owner finds it again (or not) at its next
 * send. Called from dispatch, which then removes the source. */
static void
tap_let_go (TapSource *tap)
{
  SIPNAT_NOTE (NAT, "keep-alive: descriptor %d is no longer the SIP socket", tap->pollfd.fd);
  G_LOCK (taps);
  if (g_hash_table_lookup (taps, GINT_TO_POINTER (tap->pollfd.fd)) == tap)
    g_hash_table_remove (taps, GINT_TO_POINTER (tap->pollfd.fd));
  G_UNLOCK (taps);

  GHashTableIter iter;
  gpointer owner;

  g_hash_table_iter_init (&iter, tap->owners);
  while (g_hash_table_iter_next (&iter, &owner, NULL))
    {
      ((SipnatFlowStun *) owner)->count_dropped += tap->dropped -
                                                   ((SipnatFlowStun *) owner)->dropped_base;
      ((SipnatFlowStun *) owner)->tap = NULL;
      ((SipnatFlowStun *) owner)->fd = -1;
    }
  g_hash_table_remove_all (tap->owners);
  g_hash_table_remove_all (tap->by_transaction);
  g_source_unref ((GSource *) tap);   /* the owners' reference */
}

/* Whether the next datagram waiting is a STUN message (not read). */
static gboolean
stun_waiting (TapSource *tap)
{
  uint8_t header[20];
  ssize_t len = recv (tap->pollfd.fd, header, sizeof header,
                      MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC);

  return len >= (ssize_t) sizeof header && _sipnat_stun_looks_like (header, (gsize) len);
}

static void read_one (TapSource *tap);

/* STUN answers read per main loop iteration at most: a keep-alive round
 * of thousands of flows is answered within milliseconds, and one a loop
 * iteration let the socket's queue overflow. SIP datagrams stay Sofia's:
 * the reading stops at the first one. */
#define MAX_READS_PER_DISPATCH 64

static gboolean
tap_dispatch (GSource     *source,
              GSourceFunc  callback,
              gpointer     user_data)
{
  TapSource *tap = (TapSource *) source;

  /* Never read what is not Sofia's SIP socket (any more). */
  if (tap->dead || !fd_is_sip_socket (tap->pollfd.fd, tap->port, tap->family))
    {
      tap_let_go (tap);
      return G_SOURCE_REMOVE;
    }

  read_one (tap);
  /* An owner may have let go of the last reference to us meanwhile. */
  for (guint i = 1; i < MAX_READS_PER_DISPATCH && !g_source_is_destroyed (source) &&
                    stun_waiting (tap); i++)
    read_one (tap);

  return G_SOURCE_CONTINUE;
}

static void
read_one (TapSource *tap)
{
  uint8_t buf[MAX_ANSWER + 1];
  struct sockaddr_storage from;
  socklen_t from_len = sizeof from;
  ssize_t len;

  len = recvfrom (tap->pollfd.fd, buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC,
                  (struct sockaddr *) &from, &from_len);
  if (len < 0)
    return;
  if ((gsize) len > MAX_ANSWER)
    {
      drop_datagram (tap, (gsize) len, "too large");
      return;
    }

  /* Only the owner of the transaction may take it, and may be freed then. */
  if (len >= TRANSACTION_ID_OFFSET + TRANSACTION_ID_LEN)
    {
      SipnatFlowStun *owner = g_hash_table_lookup (tap->by_transaction,
                                                   buf + TRANSACTION_ID_OFFSET);

      if (owner != NULL && offer_datagram (owner, buf, (gsize) len, &from, from_len))
        {
          tap->last_answer_us = g_get_monotonic_time ();
          memcpy (&tap->last_from, &from, MIN (sizeof tap->last_from, from_len));
          tap->last_from_len = from_len;
          return;
        }
    }

  drop_datagram (tap, (gsize) len, "no answer to a transaction of ours from its registrar");
}

static void
tap_finalize (GSource *source)
{
  g_hash_table_unref (((TapSource *) source)->owners);
  g_hash_table_unref (((TapSource *) source)->by_transaction);
  g_free (((TapSource *) source)->mapped_host);
}

static GSourceFuncs tap_funcs = {
  .check = tap_check,
  .dispatch = tap_dispatch,
  .finalize = tap_finalize,
};

static void
stop_tap (SipnatFlowStun *self)
{
  TapSource *tap = self->tap;

  if (tap == NULL)
    return;

  unindex_transaction (self);
  self->count_dropped += tap->dropped - self->dropped_base;
  self->tap = NULL;
  g_hash_table_remove (tap->owners, self);
  if (g_hash_table_size (tap->owners) > 0)
    return;

  G_LOCK (taps);
  if (g_hash_table_lookup (taps, GINT_TO_POINTER (tap->pollfd.fd)) == tap)
    g_hash_table_remove (taps, GINT_TO_POINTER (tap->pollfd.fd));
  G_UNLOCK (taps);
  g_source_destroy ((GSource *) tap);
  g_source_unref ((GSource *) tap);
}

static void
start_tap (SipnatFlowStun *self)
{
  TapSource *tap;

  stop_tap (self);

  G_LOCK (taps);
  if (taps == NULL)
    taps = g_hash_table_new (NULL, NULL);
  tap = g_hash_table_lookup (taps, GINT_TO_POINTER (self->fd));
  if (tap != NULL && (tap->dead || tap->port != self->local_port))
    tap = NULL;   /* a stale one, about to go */
  if (tap == NULL)
    {
      tap = (TapSource *) g_source_new (&tap_funcs, sizeof (TapSource));
      tap->owners = g_hash_table_new (NULL, NULL);
      tap->by_transaction = g_hash_table_new (transaction_hash, transaction_equal);
      /* A poll record, not g_source_add_unix_fd(): GLib dispatches a
       * source whose unix fd is ready whatever check() says, and a SIP
       * datagram must stay Sofia's. */
      tap->pollfd.fd = self->fd;
      tap->pollfd.events = G_IO_IN;
      tap->port = self->local_port;
      tap->family = self->server.ss_family;
      g_source_add_poll ((GSource *) tap, &tap->pollfd);
      /* Before Sofia's source, which has the default priority. */
      g_source_set_priority ((GSource *) tap, G_PRIORITY_HIGH);
      g_source_set_static_name ((GSource *) tap, "[sipnat] stun keep-alive");
      g_source_attach ((GSource *) tap, self->context);
      g_hash_table_replace (taps, GINT_TO_POINTER (self->fd), tap);
    }
  G_UNLOCK (taps);

  g_hash_table_add (tap->owners, self);
  self->tap = tap;
  self->dropped_base = tap->dropped;
  index_transaction (self);
}

/* The descriptor of a live tap on the SIP socket of @port, checked, or -1. */
static int
find_tapped_socket (guint port,
                    int   family)
{
  GHashTableIter iter;
  gpointer value;
  int fd = -1;

  G_LOCK (taps);
  if (taps != NULL)
    {
      g_hash_table_iter_init (&iter, taps);
      while (fd < 0 && g_hash_table_iter_next (&iter, NULL, &value))
        {
          TapSource *tap = value;

          if (!tap->dead && tap->port == port && tap->family == family)
            fd = tap->pollfd.fd;
        }
    }
  G_UNLOCK (taps);

  return fd >= 0 && fd_is_sip_socket (fd, port, family) ? fd : -1;
}

/* The descriptor found earlier, if it is still Sofia's SIP socket. */
static gboolean
ensure_socket (SipnatFlowStun *self)
{
  int family = self->server.ss_family;

  if (self->fd >= 0 && self->tap != NULL && fd_is_sip_socket (self->fd, self->local_port, family))
    return TRUE;

  /* Another flow found it already: thousands of flows share one socket,
   * and looking at every descriptor of the process is dozens of system
   * calls. */
  self->fd = find_tapped_socket (self->local_port, family);
  if (self->fd < 0)
    self->fd = _sipnat_flow_stun_find_socket (self->local_port, family);
  if (self->fd < 0)
    {
      stop_tap (self);
      return FALSE;
    }

  SIPNAT_NOTE (NAT, "keep-alive: Sofia's UDP socket for port %u is descriptor %d",
               self->local_port, self->fd);
  start_tap (self);

  return TRUE;
}

/* -------------------------------------------------------- transactions */

/* On the stack's scheduler, not a GSource each: when answers come late,
 * thousands of transactions are in flight at once, and a GSource each
 * made every main loop iteration walk them all, reading one datagram an
 * iteration while the socket's queue overflowed. */
static void
stop_timers (SipnatFlowStun *self)
{
  _sipnat_scheduler_clear (self->scheduler, &self->retransmit);
  _sipnat_scheduler_clear (self->scheduler, &self->deadline);
}

static void
finish (SipnatFlowStun       *self,
        SipnatFlowStunResult  result,
        const char           *host,
        guint                 port)
{
  stop_timers (self);
  unindex_transaction (self);
  self->in_flight = FALSE;
  g_clear_pointer (&self->agent, g_free);
  g_clear_pointer (&self->request, g_free);
  self->request_len = 0;
  self->func (self->data, result, host, port);   /* last: it may free us */
}

static void
send_request (SipnatFlowStun *self)
{
  self->sends++;
  self->count_sent++;
  if (sendto (self->fd, self->request, self->request_len,
              MSG_DONTWAIT | MSG_NOSIGNAL,
              (const struct sockaddr *) &self->server, self->server_len) < 0)
    SIPNAT_NOTE (NAT, "keep-alive: STUN send failed: %s", g_strerror (errno));
}

static void
on_retransmit (gpointer data)
{
  SipnatFlowStun *self = data;

  self->retransmit = NULL;   /* the scheduler is done with it */
  if (!ensure_socket (self))
    return;   /* the deadline ends it */

  send_request (self);
  if (self->sends < STUN_MAX_SENDS)
    self->retransmit = _sipnat_scheduler_add (self->scheduler, STUN_RTO_MS << (self->sends - 1),
                                              on_retransmit, self);
}

static void
on_deadline (gpointer data)
{
  SipnatFlowStun *self = data;

  self->deadline = NULL;
  finish (self, SIPNAT_FLOW_STUN_TIMEOUT, NULL, 0);
}

/*
 * _sipnat_flow_stun_send:
 *
 * Starts one Binding transaction on the SIP socket (retransmitted after
 * 0.5 and 1.5 s, given up after 2.5 s), unless one is under way.
 *
 * Returns: whether it was sent; when %SIPNAT_FLOW_STUN_NEVER,
 * _sipnat_flow_stun_get_reason() says why.
 */
SipnatFlowStunSend
_sipnat_flow_stun_send (SipnatFlowStun *self)
{
  if (self->reason != NULL)
    return SIPNAT_FLOW_STUN_NEVER;
  if (self->server_len == 0)
    return SIPNAT_FLOW_STUN_NOT_YET;
  if (self->in_flight)
    return SIPNAT_FLOW_STUN_SENT;
  if (!ensure_socket (self))
    {
      self->reason = g_strdup_printf ("no UDP socket of this process is bound to port %u "
                                      "in the registrar's address family", self->local_port);
      return SIPNAT_FLOW_STUN_NEVER;
    }
  /* After ensure_socket(): a flow's first keep-alive joins the tap there,
   * and counts against the socket's limit like the others. */
  if (g_hash_table_size (self->tap->by_transaction) >= MAX_TAP_IN_FLIGHT)
    return SIPNAT_FLOW_STUN_BUSY;
  self->agent = _sipnat_stun_agent_new (FALSE);
  self->request = g_malloc (STUN_MAX_MESSAGE_SIZE_IPV4);
  self->request_len = _sipnat_stun_build_binding (self->agent, NULL, self->request,
                                                  STUN_MAX_MESSAGE_SIZE_IPV4);
  if (self->request_len == 0)
    {
      g_clear_pointer (&self->agent, g_free);
      g_clear_pointer (&self->request, g_free);
      self->reason = g_strdup ("libstun could not build a Binding request");
      return SIPNAT_FLOW_STUN_NEVER;
    }

  self->in_flight = TRUE;
  index_transaction (self);
  self->sends = 0;
  self->sent_at_us = g_get_monotonic_time ();
  send_request (self);
  self->tap->sent_us = self->sent_at_us;
  self->tap->sent_to = self->server;
  self->tap->sent_to_len = self->server_len;

  self->retransmit = _sipnat_scheduler_add (self->scheduler, STUN_RTO_MS, on_retransmit, self);
  self->deadline = _sipnat_scheduler_add (self->scheduler, STUN_DEADLINE_MS, on_deadline, self);

  return SIPNAT_FLOW_STUN_SENT;
}

/*
 * _sipnat_flow_stun_get_shared_mapping:
 * @max_age_ms: how long ago the answer may have come
 * @port: (out): the mapped port
 *
 * The public binding that the registrar gave another flow on the same
 * socket within @max_age_ms: a keep-alive of its own would leave by the
 * same NAT binding and learn the same (thousands of registrations on one
 * stack share a socket; they need one keep-alive, not one each). Call it
 * instead of _sipnat_flow_stun_send() when the flow is due.
 *
 * While a transaction that another flow started after that answer is
 * under way (up to its deadline), the answer stands a little longer, so
 * that the flows due meanwhile wait for its news instead of sending too.
 *
 * Returns: (nullable) (transfer full): the mapped host, or %NULL when no
 * such answer is that recent (or a transaction of this flow is in
 * flight): then send.
 */
char *
_sipnat_flow_stun_get_shared_mapping (SipnatFlowStun *self,
                                      guint           max_age_ms,
                                      guint          *port)
{
  TapSource *tap;
  gint64 age_us, max_age_us = (gint64) max_age_ms * 1000;
  gboolean renewing;

  if (self->reason != NULL || self->server_len == 0 || self->in_flight)
    return NULL;
  /* Nothing is sent here: a tap already joined needs no check of its
   * descriptor (two system calls, times thousands of flows). */
  if ((self->tap == NULL || self->tap->dead) && !ensure_socket (self))
    return NULL;

  tap = self->tap;
  if (tap->mapped_host == NULL || !from_registrar (self, &tap->mapped_from, tap->mapped_from_len))
    return NULL;
  age_us = g_get_monotonic_time () - tap->mapped_us;
  renewing = tap->sent_us > tap->mapped_us && from_registrar (self, &tap->sent_to, tap->sent_to_len);
  if (age_us > max_age_us + (renewing ? STUN_DEADLINE_MS * 1000 : 0))
    return NULL;

  *port = tap->mapped_port;
  return g_strdup (tap->mapped_host);
}

/* ---------------------------------------------------------- lifecycle */

static void
set_server (SipnatFlowStun *self,
            GInetAddress   *address)
{
  g_autoptr(GSocketAddress) sa = g_inet_socket_address_new (address, self->registrar_port);

  if (!g_socket_address_to_native (sa, &self->server, sizeof self->server, NULL))
    {
      self->reason = g_strdup ("the registrar's address cannot be used");
      return;
    }
  self->server_len = (socklen_t) g_socket_address_get_native_size (sa);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);
  SipnatFlowStun *self = data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* freed */

  g_clear_object (&self->resolving);
  if (addresses == NULL)
    self->reason = g_strdup_printf ("cannot resolve %s: %s", self->registrar_host, error->message);
  else
    set_server (self, addresses->data);
  g_resolver_free_addresses (addresses);
}

/*
 * _sipnat_flow_stun_new:
 * @local_port: the SIP stack's port
 * @registrar_host: the host of the registrar's SIP URI (an address, or a
 *   name resolved here with A/AAAA)
 * @registrar_port: its port
 * @func: called with the result of each transaction, on @context
 */
SipnatFlowStun *
_sipnat_flow_stun_new (GMainContext       *context,
                       SipnatScheduler    *scheduler,
                       guint               local_port,
                       const char         *registrar_host,
                       guint               registrar_port,
                       SipnatFlowStunFunc  func,
                       gpointer            data)
{
  SipnatFlowStun *self = g_new0 (SipnatFlowStun, 1);
  g_autoptr(GInetAddress) literal = NULL;

  self->context = g_main_context_ref (context);
  self->scheduler = scheduler;
  self->local_port = local_port;
  self->registrar_host = g_strdup (registrar_host);
  self->registrar_port = registrar_port;
  self->func = func;
  self->data = data;
  self->fd = -1;

  literal = g_inet_address_new_from_string (registrar_host);
  if (registrar_port == 0 || registrar_port > G_MAXUINT16)
    self->reason = g_strdup_printf ("%u is no port", registrar_port);
  else if (literal != NULL)
    set_server (self, literal);
  else
    {
      g_autoptr(GResolver) resolver = g_resolver_get_default ();

      self->resolving = g_cancellable_new ();
      g_main_context_push_thread_default (context);
      g_resolver_lookup_by_name_async (resolver, registrar_host, self->resolving,
                                       on_resolved, self);
      g_main_context_pop_thread_default (context);
    }

  return self;
}

void
_sipnat_flow_stun_free (SipnatFlowStun *self)
{
  if (self == NULL)
    return;

  if (self->resolving != NULL)
    g_cancellable_cancel (self->resolving);
  g_clear_object (&self->resolving);
  stop_timers (self);
  stop_tap (self);
  g_main_context_unref (self->context);
  g_free (self->registrar_host);
  g_free (self->reason);
  g_free (self->agent);
  g_free (self->request);
  g_free (self);
}

gboolean
_sipnat_flow_stun_in_flight (SipnatFlowStun *self)
{
  return self->in_flight;
}

const char *
_sipnat_flow_stun_get_reason (SipnatFlowStun *self)
{
  return self->reason;
}

void
_sipnat_flow_stun_get_counts (SipnatFlowStun *self,
                              guint          *sent,
                              guint          *answered,
                              guint          *dropped)
{
  *sent = self->count_sent;
  *answered = self->count_answered;
  *dropped = self->count_dropped + (self->tap != NULL ? self->tap->dropped - self->dropped_base : 0);
}

/*
 * _sipnat_flow_stun_registrar_alive:
 *
 * Whether the registrar answered another flow on the same socket (so
 * through the same NAT binding) since this one's last transaction
 * started: then that transaction's timeout says the answer was lost or
 * came late (an overloaded loop, a full socket buffer), not that the
 * flow is gone.
 */
gboolean
_sipnat_flow_stun_registrar_alive (SipnatFlowStun *self)
{
  TapSource *tap = self->tap;

  return tap != NULL && self->sent_at_us > 0 && tap->last_answer_us >= self->sent_at_us &&
         from_registrar (self, &tap->last_from, tap->last_from_len);
}

/* How many flows share this one's SIP socket (0 before its first send). */
guint
_sipnat_flow_stun_get_n_flows (SipnatFlowStun *self)
{
  return self->tap != NULL ? g_hash_table_size (self->tap->owners) : 0;
}
