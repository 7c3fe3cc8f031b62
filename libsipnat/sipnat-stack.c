/* sipnat-stack.c: Sofia-SIP's nua on a GLib main context
 *
 * The stack runs in single-thread mode on a GSource of the owner's
 * context. It never iterates that context itself: the ports are chosen
 * and checked with plain sockets before nua binds them, so that the bound
 * port is known when construction returns, and shutting down completes
 * in the background, after the owner is gone if need be.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <string.h>

#include <sofia-sip/msg_addr.h>
#include <sofia-sip/su_uniqueid.h>

#include "sipnat-debug-private.h"
#include "sipnat-dns-private.h"
#include "sipnat-error.h"
#include "sipnat-network-monitor-private.h"
#include "sipnat-scheduler-private.h"
#include "sipnat-socket-drops-private.h"
#include "sipnat-stack-private.h"
#include "sipnat-stream-clamp-private.h"
#include "sipnat-tls-trust-private.h"

struct _SipnatStack
{
  GMainContext *context;
  su_root_t *root;
  nua_t *nua;

  gatomicrefcount ref_count;

  SipnatStackIncomingFunc incoming;
  gpointer incoming_data;       /* NULL once shutting down */

  GHashTable *stream_keepalives;   /* who → ms */
  GHashTable *stream_periods;      /* ms → how many asked for it (a few values) */
  guint stream_keepalive_ms;       /* the period Sofia has, 0: none */
  SipnatScheduler *scheduler;      /* the registrations' timers */
  SipnatSocketDrops *drops;        /* with SIPNAT_DEBUG=sip or nat */
  gboolean tcp_for_large_requests;
  gint64 clamped_at;               /* monotonic µs of the last look at connections */

  guint port;
  guint tls_port;                  /* 0: no TLS transport */
  SipnatTlsTrust *tls_trust;       /* (nullable) */
  char *contact_host;
  GSocketFamily wildcard;       /* the family of an any address bound, else INVALID */
  char **bound_addresses;       /* what Sofia bound for it: each address then */

  gboolean shutting_down;
  gboolean shutdown_done;
  SipnatStackDoneFunc done;
  gpointer done_data;
};

#define BIND_ATTEMPTS 20

/* RFC 3261 §18.1.1: a request within 200 bytes of a 1500-byte path MTU, or
 * larger, goes over a congestion-controlled transport. */
#define LARGE_REQUEST_BYTES 1300
#define NEVER_LARGE_BYTES 65535

/* Answers to a burst of requests (closing an endpoint with many
 * registrations) must not overflow the default 208 KiB receive buffer.
 * The kernel caps this at net.core.rmem_max. */
#define UDP_BUFFER_BYTES (2 * 1024 * 1024)

/* SIP's T4 (RFC 3261 §17.1.2.2), 5 s by default, is how long nta keeps a
 * completed UDP transaction (Timer K; Timer I on the server side) to
 * absorb retransmitted answers. A burst of requests at R a second keeps
 * 2 × R × T4 of them (the REGISTER and its retry with credentials): at
 * 30 000 registrations that was all of them, about 600 MB, and the
 * process spent its time in malloc. A retransmitted answer comes one
 * round trip after our retransmission; one arriving later is a stray
 * that nta drops. Sofia also waits T4 for the TCP connection of a large
 * request before it sends it over UDP (Timer N3): a second is a lost SYN. */
#define COMPLETED_TRANSACTION_MS 1000

/* ---------------------------------------------------------------------- */
/* Choosing the port                                                      */

static GSocket *
bind_socket (GInetAddress  *address,
             guint          port,
             GSocketType    type,
             GError       **error)
{
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GSocketAddress) sa = NULL;

  sock = g_socket_new (g_inet_address_get_family (address), type, 0, error);
  if (sock == NULL)
    return NULL;

  sa = g_inet_socket_address_new (address, port);
  if (!g_socket_bind (sock, sa, FALSE, error))
    return NULL;

  return g_steal_pointer (&sock);
}

static guint
socket_port (GSocket *sock)
{
  g_autoptr(GSocketAddress) sa = g_socket_get_local_address (sock, NULL);

  return sa ? g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (sa)) : 0;
}

/* One port free for UDP and TCP alike: nua binds every transport to the
 * same one. An ephemeral port is tried again while TCP finds it taken. */
static gboolean
choose_port (GInetAddress          *address,
             guint                  wanted,
             SipnatTransportFlags   transports,
             guint                 *port,
             GError               **error)
{
  for (guint attempt = 0; attempt < BIND_ATTEMPTS; attempt++)
    {
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GError) local = NULL;
      guint candidate = wanted;

      if (transports & SIPNAT_TRANSPORT_FLAGS_UDP)
        {
          udp = bind_socket (address, candidate, G_SOCKET_TYPE_DATAGRAM, &local);
          if (udp == NULL)
            goto failed;
          candidate = socket_port (udp);
        }

      if (transports & SIPNAT_TRANSPORT_FLAGS_TCP)
        {
          tcp = bind_socket (address, candidate, G_SOCKET_TYPE_STREAM, &local);
          if (tcp == NULL)
            goto failed;
          candidate = socket_port (tcp);
        }

      *port = candidate;
      return TRUE;

    failed:
      if (wanted != 0 || !g_error_matches (local, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                       _("Cannot bind the SIP transports to port %u: %s"),
                       wanted, local->message);
          return FALSE;
        }
    }

  g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                       _("Cannot find a port that is free for both UDP and TCP"));
  return FALSE;
}

/* What a Contact advertises for a wildcard binding: the first address of
 * the right family on an interface that is up and not loopback. */
static char *
guess_contact_host (GSocketFamily family)
{
  struct ifaddrs *list = NULL;
  char *host = NULL;
  int af = family == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;

  if (getifaddrs (&list) == 0)
    {
      for (struct ifaddrs *ifa = list; ifa != NULL && host == NULL; ifa = ifa->ifa_next)
        {
          g_autoptr(GSocketAddress) sa = NULL;
          GInetAddress *ia;

          if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != af ||
              !(ifa->ifa_flags & IFF_UP) || (ifa->ifa_flags & IFF_LOOPBACK))
            continue;

          sa = g_socket_address_new_from_native (ifa->ifa_addr,
                                                 af == AF_INET ? sizeof (struct sockaddr_in)
                                                               : sizeof (struct sockaddr_in6));
          ia = sa ? g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (sa)) : NULL;
          if (ia != NULL && !g_inet_address_get_is_link_local (ia))
            host = g_inet_address_to_string (ia);
        }
      freeifaddrs (list);
    }

  if (host == NULL)
    host = g_strdup (af == AF_INET ? "127.0.0.1" : "::1");

  return host;
}

/* ---------------------------------------------------------------------- */
/* nua                                                                    */

static void destroy_later (SipnatStack *self);

static gboolean
is_incoming_request (nua_event_t event)
{
  switch (event)
    {
    case nua_i_invite:
    case nua_i_options:
    case nua_i_message:
    case nua_i_subscribe:
    case nua_i_notify:
    case nua_i_refer:
    case nua_i_publish:
    case nua_i_info:
    case nua_i_method:
    case nua_i_register:
      return TRUE;
    default:
      return FALSE;
    }
}

/* Events on a handle go to its owner; a request on a new handle to
 * whoever takes incoming requests; the final answer on a handle that its
 * owner let go of destroys it. */
static void
dispatch (SipnatStack          *self,
          const SipnatSipEvent *ev,
          SipnatHandleOwner    *owner)
{
  if (owner != NULL)
    {
      owner->handle_event (owner, ev);
      return;
    }

  if (ev->nh == NULL)
    {
      if (ev->event == nua_i_error)
        g_warning ("SIP stack error: %d %s", ev->status, ev->phrase);
      else
        SIPNAT_NOTE (SIP, "%s %d %s", nua_event_name (ev->event), ev->status, ev->phrase);
      return;
    }

  if (is_incoming_request (ev->event))
    {
      SIPNAT_NOTE (SIP, "incoming %s", nua_event_name (ev->event));
      if (self->incoming != NULL)
        self->incoming (self->incoming_data, ev);
      else
        nua_handle_destroy (ev->nh);   /* nobody will answer it */
      return;
    }

  if (ev->status >= 200 && ev->event >= nua_r_set_params && ev->event < nua_i_network_changed)
    nua_handle_destroy (ev->nh);       /* a handle its owner let go of */
}

/* Over TCP or TLS: the connection the answer came by gets a bounded
 * receive buffer (sipnat-stream-clamp.c), looked for at most once a
 * second (thousands of answers a second come at scale). */
#define CLAMP_INTERVAL_US G_USEC_PER_SEC

static void
clamp_connection (SipnatStack *self,
                  nua_t       *nua,
                  const sip_t *sip)
{
  gint64 now = g_get_monotonic_time ();
  const char *protocol;
  const char *transport;
  msg_t *msg;
  su_sockaddr_t su;
  socklen_t len = sizeof su;

  /* The throttle first: most answers come within a second of the last clamp. */
  if (now - self->clamped_at < CLAMP_INTERVAL_US)
    return;

  protocol = sip->sip_via != NULL ? sip->sip_via->v_protocol : NULL;
  transport = protocol != NULL ? strrchr (protocol, '/') : NULL;
  if (transport == NULL ||
      (g_ascii_strcasecmp (transport, "/TCP") != 0 && g_ascii_strcasecmp (transport, "/TLS") != 0))
    return;

  self->clamped_at = now;
  msg = nua_current_request (nua);
  if (msg != NULL && msg_get_address (msg, &su, &len) == 0)
    _sipnat_stream_clamp_connections_to (&su.su_sa, len);
}

static void
nua_callback (nua_event_t   event,
              int           status,
              const char   *phrase,
              nua_t        *nua,
              SipnatStack  *self,
              nua_handle_t *nh,
              nua_hmagic_t *hmagic,
              const sip_t  *sip,
              tagi_t        tags[])
{
  if (event == nua_r_shutdown)
    {
      SIPNAT_NOTE (SIP, "stack shutdown: %d %s", status, phrase);
      if (status >= 200 && !self->shutdown_done)
        {
          self->shutdown_done = TRUE;
          destroy_later (self);
        }
      return;
    }

  /* A reason phrase ends up in properties and errors: valid UTF-8. */
  g_autofree char *valid_phrase = g_utf8_make_valid (phrase ? phrase : "", -1);

  if (status >= 200 && sip != NULL && sip->sip_status != NULL)
    clamp_connection (self, nua, sip);

  dispatch (self, &(SipnatSipEvent) {
    .event = event,
    .status = status,
    .phrase = valid_phrase,
    .nh = nh,
    .sip = sip,
    .tags = tags,
    .from_network = sip != NULL && !nta_is_internal_msg (nua_current_request (nua)),
  }, hmagic);
}

/* Sofia-SIP 1.12.11's su_uniqueid destructor deletes its thread key at
 * exit whether or not it ever made one: never made, that is key 0, the
 * process's first key, which belongs to someone else (GLib's GSlice), and
 * a GLib thread still running at exit then aborts in g_private_set()
 * ("pthread_setspecific: Invalid argument"; seen in test-media, which
 * loads Sofia but never starts a stack). Its key, made at load, is the
 * one it deletes. */
__attribute__((constructor)) static void
make_sofia_uniqueid_key (void)
{
  (void) su_randint (0, 1);
}

static void
ensure_su_init (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      su_init ();
      g_once_init_leave (&done, 1);
    }
}

static char *
build_bind_url (GInetAddress         *address,
                guint                 port,
                SipnatTransportFlags  transports)
{
  g_autofree char *host = g_inet_address_to_string (address);
  gboolean ipv6 = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6;
  const char *param = "";

  if (transports == SIPNAT_TRANSPORT_FLAGS_UDP)
    param = ";transport=udp";
  else if (transports == SIPNAT_TRANSPORT_FLAGS_TCP)
    param = ";transport=tcp";

  return g_strdup_printf ("sip:%s%s%s:%u%s", ipv6 ? "[" : "", host, ipv6 ? "]" : "", port, param);
}

/* TLS listens on its own port: Sofia's TLS is a TCP socket too. */
static char *
build_sips_url (const char *address,
                guint       port)
{
  gboolean ipv6 = strchr (address, ':') != NULL;

  return g_strdup_printf ("sips:%s%s%s:%u", ipv6 ? "[" : "", address, ipv6 ? "]" : "", port);
}

/* The TLS port: the SIP port + 1 (5061 next to 5060) when a port was
 * configured, an ephemeral one otherwise. */
static gboolean
choose_tls_port (GInetAddress  *address,
                 guint          local_port,
                 guint         *port,
                 GError       **error)
{
  guint wanted = local_port != 0 && local_port < G_MAXUINT16 ? local_port + 1 : 0;
  g_autoptr(GError) local = NULL;
  g_autoptr(GSocket) tcp = bind_socket (address, wanted, G_SOCKET_TYPE_STREAM, &local);

  if (tcp == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                   _("Cannot bind the SIP TLS transport to port %u: %s"), wanted, local->message);
      return FALSE;
    }

  *port = socket_port (tcp);
  return TRUE;
}

/* SIP over TLS (sipnat-tls-trust.c, sipnat-registration-tls.c): the
 * server's certificate must chain to a trusted CA (never "verify none"),
 * be within its dates, and name the host of the Request-URI (for Sofia:
 * a DNS subjectAltName, or the CN); chains up to this many
 * intermediates. */
#define TLS_VERIFY_DEPTH 8

static gboolean
create_nua (SipnatStack              *self,
            const SipnatStackOptions *options,
            const char               *url)
{
  g_autofree char *sips_url = NULL;

  ensure_su_init ();

  self->root = su_glib_root_create (self);
  if (self->root == NULL)
    return FALSE;

  /* One thread: without this nua starts its own pthread. */
  su_root_threading (self->root, 0);
  g_source_attach (su_root_gsource (self->root), self->context);

  if (self->tls_trust != NULL)
    sips_url = build_sips_url (options->local_address, self->tls_port);

  /* Contact rewriting is ours (reg-match-received-rport), never Sofia's. */
  self->nua = nua_create (self->root, nua_callback, self,
                          TAG_IF (url != NULL, NUTAG_URL (url)),
                          TAG_IF (sips_url != NULL, NUTAG_SIPS_URL (sips_url)),
                          TAG_IF (self->tls_trust != NULL,
                                  NUTAG_CERTIFICATE_DIR (self->tls_trust
                                                         ? _sipnat_tls_trust_get_dir (self->tls_trust)
                                                         : NULL)),
                          TAG_IF (self->tls_trust != NULL,
                                  TPTAG_TLS_VERIFY_POLICY (TPTLS_VERIFY_SUBJECTS_OUT)),
                          TAG_IF (self->tls_trust != NULL, TPTAG_TLS_VERIFY_DEPTH (TLS_VERIFY_DEPTH)),
                          TAG_IF (self->tls_trust != NULL, TPTAG_TLS_VERIFY_DATE (1)),
                          NUTAG_USER_AGENT (options->user_agent),
                          /* Session descriptions are ours (sipnat-call-media.c). */
                          NUTAG_MEDIA_ENABLE (0),
                          NUTAG_OUTBOUND ("no-natify no-validate no-options-keepalive use-rport"),
                          NTATAG_SIP_T1X64 (options->transaction_timeout),
                          NTATAG_SIP_T4 (COMPLETED_TRANSACTION_MS),
                          NTATAG_UDP_MTU (options->tcp_for_large_requests ? LARGE_REQUEST_BYTES
                                                                          : NEVER_LARGE_BYTES),
                          TPTAG_UDP_RMEM (UDP_BUFFER_BYTES),
                          TPTAG_UDP_WMEM (UDP_BUFFER_BYTES),
                          /* RFC 3263 lookups: sipnat-dns.c */
                          TAG_IF (_sipnat_dns_get_resolv_conf () != NULL,
                                  SRESTAG_RESOLV_CONF (_sipnat_dns_get_resolv_conf ())),
                          TAG_END ());
  if (self->nua == NULL)
    {
      g_clear_pointer (&self->root, su_root_destroy);
      return FALSE;
    }

  return TRUE;
}

static void
destroy_nua (SipnatStack *self)
{
  g_clear_pointer (&self->nua, nua_destroy);
  g_clear_pointer (&self->root, su_root_destroy);
}

static void
stack_free (SipnatStack *self)
{
  destroy_nua (self);
  g_main_context_unref (self->context);
  g_hash_table_unref (self->stream_keepalives);
  g_hash_table_unref (self->stream_periods);
  g_clear_pointer (&self->drops, _sipnat_socket_drops_free);
  g_clear_pointer (&self->scheduler, _sipnat_scheduler_free);
  g_free (self->contact_host);
  g_clear_pointer (&self->tls_trust, _sipnat_tls_trust_free);
  g_strfreev (self->bound_addresses);
  g_free (self);
}

/*
 * _sipnat_stack_new:
 * @context: the context the stack runs on
 * @options: where to bind and how
 * @func: receives every event but the shutdown
 * @owner: passed to @func
 * @error: return location for a #GError
 *
 * Binds the transports and starts nua. Fails with %SIPNAT_ERROR_CONFIG
 * when the local address is not an IP address, %SIPNAT_ERROR_TRANSPORT
 * when it cannot be bound.
 *
 * Returns: (transfer full) (nullable): the stack
 */
SipnatStack *
_sipnat_stack_new (GMainContext              *context,
                   const SipnatStackOptions  *options,
                   GError                   **error)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (options->local_address);
  SipnatTransportFlags transports = options->transports;
  SipnatStack *self;

  if (address == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The local address “%s” is not an IP address"), options->local_address);
      return NULL;
    }

  self = g_new0 (SipnatStack, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->context = g_main_context_ref (context);
  self->stream_keepalives = g_hash_table_new (NULL, NULL);
  self->stream_periods = g_hash_table_new (NULL, NULL);
  self->scheduler = _sipnat_scheduler_new (context);
  self->tcp_for_large_requests = options->tcp_for_large_requests;

  /* Large requests leave over TCP even where only UDP is enabled: a NAT
   * that drops fragments would otherwise swallow them without a word. */
  if (options->tcp_for_large_requests && (transports & SIPNAT_TRANSPORT_FLAGS_UDP))
    transports |= SIPNAT_TRANSPORT_FLAGS_TCP;

  if (transports & SIPNAT_TRANSPORT_FLAGS_TLS)
    {
      self->tls_trust = _sipnat_tls_trust_new (error);
      if (self->tls_trust == NULL)
        {
          stack_free (self);
          return NULL;
        }
      transports &= ~SIPNAT_TRANSPORT_FLAGS_TLS;
    }

  /* An ephemeral port can be taken between our check and nua's bind:
   * then try another. */
  for (guint attempt = 0; self->nua == NULL; attempt++)
    {
      g_autofree char *url = NULL;

      if (transports != SIPNAT_TRANSPORT_FLAGS_NONE &&
          !choose_port (address, options->local_port, transports, &self->port, error))
        break;

      if (self->tls_trust != NULL &&
          !choose_tls_port (address, options->local_port, &self->tls_port, error))
        break;

      if (transports == SIPNAT_TRANSPORT_FLAGS_NONE)
        self->port = self->tls_port;
      else
        url = build_bind_url (address, self->port, transports);

      if (create_nua (self, options, url))
        {
          SIPNAT_NOTE (SIP, "stack bound to %s (TLS port %u)", url ? url : "-", self->tls_port);
          break;
        }

      if (options->local_port != 0 || attempt + 1 == BIND_ATTEMPTS)
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                       _("Cannot bind the SIP transports to %s (TLS port %u)"),
                       url ? url : "-", self->tls_port);
          break;
        }
    }

  if (self->nua == NULL)
    {
      stack_free (self);
      return NULL;
    }

  if (g_inet_address_get_is_any (address))
    {
      /* Sofia binds each local address of the moment, not the any
       * address: a socket per address, useless once it is gone. */
      self->wildcard = g_inet_address_get_family (address);
      self->contact_host = guess_contact_host (self->wildcard);
      self->bound_addresses = _sipnat_network_list_addresses ();
    }
  else
    self->contact_host = g_inet_address_to_string (address);

  self->drops = _sipnat_socket_drops_new (self->scheduler, self->port);

  return self;
}

nua_t *
_sipnat_stack_get_nua (SipnatStack *self)
{
  return self->shutting_down ? NULL : self->nua;
}

guint
_sipnat_stack_get_port (SipnatStack *self)
{
  return self->port;
}

/* The local port of @transport: TLS has its own. */
guint
_sipnat_stack_get_transport_port (SipnatStack     *self,
                                  SipnatTransport  transport)
{
  return transport == SIPNAT_TRANSPORT_TLS && self->tls_port != 0 ? self->tls_port : self->port;
}

gboolean
_sipnat_stack_has_tls (SipnatStack *self)
{
  return self->tls_trust != NULL;
}

/* Trusts the CAs of the PEM file @path for the server certificates of
 * every TLS connection from now on (Sofia's transport reads its CA
 * directory at each verification). */
gboolean
_sipnat_stack_add_tls_ca_file (SipnatStack  *self,
                               const char   *path,
                               GError      **error)
{
  if (self->tls_trust == NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                           _("The TLS transport is not enabled on the endpoint"));
      return FALSE;
    }

  return _sipnat_tls_trust_add_ca_file (self->tls_trust, path, error);
}

const char *
_sipnat_stack_get_contact_host (SipnatStack *self)
{
  return self->contact_host;
}

/*
 * _sipnat_stack_serves:
 * @addresses: the local addresses now
 * @source: (nullable): an address requests now leave from
 *
 * Whether the transports still fit the network: a stack bound to all
 * interfaces has a socket on each address it saw when it bound, and none
 * on newer ones; one bound to an address always fits (that address is
 * the application's choice).
 */
gboolean
_sipnat_stack_serves (SipnatStack        *self,
                      const char * const *addresses,
                      const char         *source)
{
  const char * const *bound = (const char * const *) self->bound_addresses;

  if (self->wildcard == G_SOCKET_FAMILY_INVALID || bound == NULL)
    return TRUE;

  for (guint i = 0; bound[i] != NULL; i++)
    if (!g_strv_contains (addresses, bound[i]))
      return FALSE;

  return source == NULL || g_strv_contains (bound, source);
}

/*
 * _sipnat_stack_refresh_contact_host:
 *
 * @preferred: (nullable): the address the registrar is reached from
 *
 * After a network change: a stack bound to all interfaces advertises an
 * address it has now, @preferred if it is of the right family. (Sofia's
 * own Via keeps the address it saw when it bound: answers find us
 * through rport, RFC 3581.)
 *
 * Returns: whether the contact host changed
 */
gboolean
_sipnat_stack_refresh_contact_host (SipnatStack *self,
                                    const char  *preferred)
{
  g_autoptr(GInetAddress) address = preferred ? g_inet_address_new_from_string (preferred) : NULL;
  g_autofree char *host = NULL;

  if (self->wildcard == G_SOCKET_FAMILY_INVALID)
    return FALSE;

  if (address != NULL && g_inet_address_get_family (address) == self->wildcard &&
      !g_inet_address_get_is_any (address))
    host = g_inet_address_to_string (address);
  else
    host = guess_contact_host (self->wildcard);
  if (g_strcmp0 (host, self->contact_host) == 0)
    return FALSE;

  SIPNAT_NOTE (SIP, "contact host %s -> %s", self->contact_host, host);
  g_free (self->contact_host);
  self->contact_host = g_steal_pointer (&host);
  return TRUE;
}

void
_sipnat_stack_set_tcp_for_large_requests (SipnatStack *self,
                                          gboolean     enabled)
{
  self->tcp_for_large_requests = enabled;
  if (_sipnat_stack_get_nua (self) != NULL)
    nua_set_params (self->nua,
                    NTATAG_UDP_MTU (enabled ? LARGE_REQUEST_BYTES : NEVER_LARGE_BYTES),
                    TAG_END ());
}

gboolean
_sipnat_stack_get_tcp_for_large_requests (SipnatStack *self)
{
  return self->tcp_for_large_requests;
}

void
_sipnat_stack_set_transaction_timeout (SipnatStack *self,
                                       guint        timeout_ms)
{
  if (_sipnat_stack_get_nua (self) != NULL)
    nua_set_params (self->nua, NTATAG_SIP_T1X64 (timeout_ms), TAG_END ());
}

GMainContext *
_sipnat_stack_get_context (SipnatStack *self)
{
  return self->context;
}

/* The one timer queue of the stack's registrations and flows. */
SipnatScheduler *
_sipnat_stack_get_scheduler (SipnatStack *self)
{
  return self->scheduler;
}

void
_sipnat_stack_set_incoming_handler (SipnatStack             *self,
                                    SipnatStackIncomingFunc  func,
                                    gpointer                 data)
{
  self->incoming = func;
  self->incoming_data = data;
}

/* TCP keep-alive (RFC 5626 §4.4.1: a double CRLF, answered by a single
 * one) is a transport parameter in Sofia: one value for all
 * connections, the shortest that anyone asked for. A missing pong
 * within the wait closes the connection. */
#define MAX_PONG_WAIT_MS 10000

static void
count_stream_period (SipnatStack *self,
                     guint        ms,
                     gint         delta)
{
  gpointer key = GUINT_TO_POINTER (ms);
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->stream_periods, key)) + (guint) delta;

  if (n == 0)
    g_hash_table_remove (self->stream_periods, key);
  else
    g_hash_table_insert (self->stream_periods, key, GUINT_TO_POINTER (n));
}

/* Each registration on a stream claims its period, and releases it: a
 * count per distinct period (one or two in practice), so that 30 000
 * registrations do not each walk all the others' claims, and Sofia hears
 * only of a change. */
void
_sipnat_stack_set_stream_keepalive (SipnatStack   *self,
                                    gconstpointer  who,
                                    guint          ms)
{
  GHashTableIter iter;
  gpointer key, old;
  guint min = 0;

  if (g_hash_table_lookup_extended (self->stream_keepalives, who, NULL, &old))
    count_stream_period (self, GPOINTER_TO_UINT (old), -1);
  if (ms > 0)
    {
      g_hash_table_insert (self->stream_keepalives, (gpointer) who, GUINT_TO_POINTER (ms));
      count_stream_period (self, ms, +1);
    }
  else
    g_hash_table_remove (self->stream_keepalives, who);

  if (_sipnat_stack_get_nua (self) == NULL)
    return;

  g_hash_table_iter_init (&iter, self->stream_periods);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (min == 0 || GPOINTER_TO_UINT (key) < min)
      min = GPOINTER_TO_UINT (key);
  if (min == self->stream_keepalive_ms)
    return;

  self->stream_keepalive_ms = min;
  SIPNAT_NOTE (NAT, "TCP keep-alive every %u ms", min);
  nua_set_params (self->nua,
                  TPTAG_KEEPALIVE (min),
                  TPTAG_PINGPONG (MIN (min, MAX_PONG_WAIT_MS)),
                  TAG_END ());
}

SipnatStack *
_sipnat_stack_ref (SipnatStack *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
_sipnat_stack_unref (SipnatStack *self)
{
  if (g_atomic_ref_count_dec (&self->ref_count))
    {
      /* The last reference goes after the shutdown destroyed nua. */
      if (self->nua != NULL)
        g_critical ("A SIP stack was dropped without a shutdown");
      stack_free (self);
    }
}

/* nua may not be destroyed from inside its own callback, nor from
 * whatever the owner was doing when it let go: always from an idle. */
static gboolean
destroy_cb (gpointer data)
{
  SipnatStack *self = data;
  SipnatStackDoneFunc done = self->done;
  gpointer done_data = self->done_data;

  destroy_nua (self);
  if (done != NULL)
    done (done_data);
  _sipnat_stack_unref (self);   /* the shutdown's */

  return G_SOURCE_REMOVE;
}

static void
destroy_later (SipnatStack *self)
{
  g_autoptr(GSource) idle = g_idle_source_new ();

  g_source_set_callback (idle, destroy_cb, self, NULL);
  g_source_attach (idle, self->context);
}

/*
 * _sipnat_stack_shutdown:
 * @self: (transfer full): the stack
 * @done: (nullable): called once nua is destroyed
 *
 * Shuts nua down in order and destroys it; no event reaches anyone from
 * then on. Takes over the caller's reference; others may keep theirs
 * (the stack then only says it is gone).
 */
void
_sipnat_stack_shutdown (SipnatStack         *self,
                        SipnatStackDoneFunc  done,
                        gpointer             data)
{
  g_return_if_fail (!self->shutting_down);

  self->incoming = NULL;
  self->incoming_data = NULL;
  self->done = done;
  self->done_data = data;
  self->shutting_down = TRUE;
  nua_shutdown (self->nua);
}
