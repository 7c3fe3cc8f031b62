/* sipnat-network-monitor.c: noticing that the network under an endpoint
 * changed
 *
 * GNetworkMonitor watches routes only, and the kernel does not announce
 * the routes it drops with an address: a renumbered interface may reach
 * it only through its dump a second later. On Linux the monitor also
 * listens to the kernel's address and route announcements itself (their
 * content is not read: any of them is a reason to compare).
 *
 * The default GNetworkMonitor emits on the context of the thread that
 * first asked for it, which need not be the endpoint's: each event is
 * passed to the endpoint's context through a small reference-counted
 * link, which outlives the monitor when an emission in another thread
 * races with its destruction.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifdef __linux__
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#endif

#include "sipnat-debug-private.h"
#include "sipnat-network-monitor-private.h"
#include "sipnat-util-private.h"

typedef struct {
  gatomicrefcount ref_count;
  GMainContext *context;
  SipnatNetworkMonitor *monitor;   /* NULL once freed; read on @context only */
} Link;

struct _SipnatNetworkMonitor
{
  GMainContext *context;
  GNetworkMonitor *system;
  gulong changed_id;
  Link *link;

  SipnatNetworkChangedFunc changed;
  SipnatNetworkDestinationsFunc destinations;
  gpointer data;

  GSocket *netlink;            /* address announcements (Linux) */
  GSource *netlink_source;
  GSource *debounce;
  gint64 first_event_us;       /* of the burst being debounced */
  char *snapshot;              /* what was compared last */
  gboolean available;

  gboolean injected;
  char **fake_addresses;
  gboolean fake_available;
};

/* ---------------------------------------------------------------------- */
/* What the system looks like                                             */

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(char * const *) a, *(char * const *) b);
}

static char *
sockaddr_to_string (const struct sockaddr *sa)
{
  g_autoptr(GSocketAddress) address = NULL;
  GInetAddress *ia;

  address = g_socket_address_new_from_native ((gpointer) sa,
                                              sa->sa_family == AF_INET6
                                              ? sizeof (struct sockaddr_in6)
                                              : sizeof (struct sockaddr_in));
  if (address == NULL || !G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;

  ia = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  if (g_inet_address_get_is_loopback (ia) || g_inet_address_get_is_link_local (ia))
    return NULL;

  return g_inet_address_to_string (ia);
}

/*
 * _sipnat_network_list_addresses:
 *
 * Returns: (transfer full): the addresses of the interfaces that are up,
 *   loopback and link-local ones left out, sorted
 */
char **
_sipnat_network_list_addresses (void)
{
  g_autoptr(GPtrArray) list = g_ptr_array_new ();
  struct ifaddrs *ifaddrs = NULL;

  if (getifaddrs (&ifaddrs) == 0)
    {
      for (struct ifaddrs *ifa = ifaddrs; ifa != NULL; ifa = ifa->ifa_next)
        {
          char *host;

          if (ifa->ifa_addr == NULL || !(ifa->ifa_flags & IFF_UP) ||
              (ifa->ifa_addr->sa_family != AF_INET && ifa->ifa_addr->sa_family != AF_INET6))
            continue;

          host = sockaddr_to_string (ifa->ifa_addr);
          if (host != NULL)
            g_ptr_array_add (list, host);
        }
      freeifaddrs (ifaddrs);
    }

  g_ptr_array_sort (list, compare_strings);
  g_ptr_array_add (list, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
}

/*
 * _sipnat_network_route_source:
 * @destination: an IP address
 *
 * The local address the kernel would send from to @destination: a
 * connected UDP socket sends nothing, but is given its source.
 *
 * Returns: (transfer full) (nullable): the source address, or %NULL when
 *   there is no route (or @destination is not an IP address)
 */
char *
_sipnat_network_route_source (const char *destination)
{
  g_autoptr(GInetAddress) address = g_inet_address_new_from_string (destination);
  g_autoptr(GSocketAddress) remote = NULL;
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GSocket) sock = NULL;

  if (address == NULL)
    return NULL;

  sock = g_socket_new (g_inet_address_get_family (address), G_SOCKET_TYPE_DATAGRAM,
                       G_SOCKET_PROTOCOL_UDP, NULL);
  remote = g_inet_socket_address_new (address, 9);   /* discard: never sent to */
  if (sock == NULL || !g_socket_connect (sock, remote, NULL, NULL))
    return NULL;

  local = g_socket_get_local_address (sock, NULL);
  if (local == NULL)
    return NULL;

  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

/* ---------------------------------------------------------------------- */
/* The comparison                                                         */

static gboolean
is_available (SipnatNetworkMonitor *self)
{
  if (self->injected)
    return self->fake_available;
  return g_network_monitor_get_network_available (self->system);
}

static char *
route_source (SipnatNetworkMonitor *self,
              const char           *destination)
{
  if (!self->injected)
    return _sipnat_network_route_source (destination);

  if (!self->fake_available || self->fake_addresses[0] == NULL)
    return NULL;
  return g_strdup (self->fake_addresses[0]);
}

/* One line saying all that matters: "up|addresses|dest>source...". Up
 * means GNetworkMonitor sees a network and, if there are registrars given
 * as addresses, at least one of them has a route. */
static char *
take_snapshot (SipnatNetworkMonitor *self,
               gboolean             *available)
{
  g_auto(GStrv) own = NULL;
  g_auto(GStrv) destinations = NULL;
  g_autoptr(GString) routes = g_string_new (NULL);
  g_autoptr(GString) line = g_string_new (NULL);
  const char * const *addresses;
  guint n_destinations = 0;
  guint n_routed = 0;

  if (self->injected)
    addresses = (const char * const *) self->fake_addresses;
  else
    addresses = (const char * const *) (own = _sipnat_network_list_addresses ());

  destinations = self->destinations ? self->destinations (self->data) : NULL;
  for (guint i = 0; destinations != NULL && destinations[i] != NULL; i++)
    {
      g_autofree char *source = NULL;

      if (!g_hostname_is_ip_address (destinations[i]))
        continue;   /* a name: its address would need a lookup */
      source = route_source (self, destinations[i]);
      n_destinations++;
      n_routed += source != NULL;
      g_string_append_printf (routes, "%s>%s ", destinations[i], source ? source : "-");
    }

  *available = is_available (self) && (n_destinations == 0 || n_routed > 0);

  g_string_append (line, *available ? "up|" : "down|");
  for (guint i = 0; addresses[i] != NULL; i++)
    g_string_append_printf (line, "%s ", addresses[i]);
  g_string_append_printf (line, "|%s", routes->str);

  return g_string_free (g_steal_pointer (&line), FALSE);
}

static gboolean
debounce_cb (gpointer data)
{
  SipnatNetworkMonitor *self = data;
  g_autofree char *snapshot = NULL;
  gboolean available;

  _sipnat_clear_source (&self->debounce);

  snapshot = take_snapshot (self, &available);
  if (g_strcmp0 (snapshot, self->snapshot) == 0)
    {
      SIPNAT_NOTE (NAT, "network event, nothing changed: %s", snapshot);
      return G_SOURCE_REMOVE;
    }

  SIPNAT_NOTE (NAT, "network changed: %s -> %s", self->snapshot, snapshot);
  g_free (self->snapshot);
  self->snapshot = g_steal_pointer (&snapshot);
  self->available = available;

  self->changed (self->data, available);   /* last: may free us */
  return G_SOURCE_REMOVE;
}

/*
 * _sipnat_network_monitor_kick:
 *
 * Something may have changed: compare once the burst is over, at most
 * %SIPNAT_NETWORK_MAX_DELAY_MS after its first event.
 */
void
_sipnat_network_monitor_kick (SipnatNetworkMonitor *self)
{
  gint64 now = g_get_monotonic_time ();
  gint64 waited_ms;
  guint delay_ms = SIPNAT_NETWORK_DEBOUNCE_MS;

  if (self->debounce == NULL)
    self->first_event_us = now;

  waited_ms = (now - self->first_event_us) / 1000;
  if (waited_ms + delay_ms > SIPNAT_NETWORK_MAX_DELAY_MS)
    delay_ms = waited_ms >= SIPNAT_NETWORK_MAX_DELAY_MS ? 0 : SIPNAT_NETWORK_MAX_DELAY_MS - waited_ms;

  _sipnat_clear_source (&self->debounce);
  self->debounce = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->debounce, debounce_cb, self, NULL);
  g_source_attach (self->debounce, self->context);
}

/* ---------------------------------------------------------------------- */
/* From GNetworkMonitor's thread to ours                                  */

static Link *
link_ref (Link *link)
{
  g_atomic_ref_count_inc (&link->ref_count);
  return link;
}

static void
link_unref (gpointer data)
{
  Link *link = data;

  if (g_atomic_ref_count_dec (&link->ref_count))
    {
      g_main_context_unref (link->context);
      g_free (link);
    }
}

static void
link_closure_notify (gpointer  data,
                     GClosure *closure)
{
  link_unref (data);
}

static gboolean
link_kick_cb (gpointer data)
{
  Link *link = data;

  if (link->monitor != NULL)
    _sipnat_network_monitor_kick (link->monitor);
  return G_SOURCE_REMOVE;
}

static void
system_changed_cb (GNetworkMonitor *system,
                   gboolean         available,
                   gpointer         data)
{
  Link *link = data;
  g_autoptr(GSource) idle = g_idle_source_new ();

  /* Always through the context, even our own: the emitter's state is
   * settled before we look at it. */
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_callback (idle, link_kick_cb, link_ref (link), link_unref);
  g_source_attach (idle, link->context);
}

/* ---------------------------------------------------------------------- */
/* The kernel's own announcements (Linux)                                 */

#define NETLINK_DRAIN_MAX 64

static gboolean
netlink_readable_cb (GSocket      *socket,
                     GIOCondition  condition,
                     gpointer      data)
{
  SipnatNetworkMonitor *self = data;
  char buffer[8192];
  guint i;

  /* Drained, not parsed: only the kernel sends to these groups. */
  for (i = 0; i < NETLINK_DRAIN_MAX; i++)
    if (g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL) <= 0)
      break;

  if (condition & (G_IO_ERR | G_IO_HUP))
    {
      g_clear_pointer (&self->netlink_source, g_source_unref);
      return G_SOURCE_REMOVE;
    }

  _sipnat_network_monitor_kick (self);
  return G_SOURCE_CONTINUE;
}

static void
listen_to_kernel (SipnatNetworkMonitor *self)
{
#ifdef __linux__
  struct sockaddr_nl local = {
    .nl_family = AF_NETLINK,
    .nl_groups = RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
  };
  int fd = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);

  if (fd < 0)
    return;
  if (bind (fd, (struct sockaddr *) &local, sizeof local) < 0 ||
      (self->netlink = g_socket_new_from_fd (fd, NULL)) == NULL)
    {
      close (fd);
      SIPNAT_NOTE (NAT, "no netlink address announcements: GNetworkMonitor only");
      return;
    }

  g_socket_set_blocking (self->netlink, FALSE);
  self->netlink_source = g_socket_create_source (self->netlink, G_IO_IN | G_IO_ERR | G_IO_HUP, NULL);
  g_source_set_callback (self->netlink_source, (GSourceFunc) (GCallback) netlink_readable_cb,
                         self, NULL);
  g_source_attach (self->netlink_source, self->context);
#endif
}

/*
 * _sipnat_network_monitor_new:
 * @context: where @changed is called
 * @changed: called when the network changed
 * @destinations: (nullable): the hosts whose route counts
 * @data: for both
 *
 * Takes the first snapshot now: only later changes are announced.
 */
SipnatNetworkMonitor *
_sipnat_network_monitor_new (GMainContext                  *context,
                             SipnatNetworkChangedFunc       changed,
                             SipnatNetworkDestinationsFunc  destinations,
                             gpointer                       data)
{
  SipnatNetworkMonitor *self = g_new0 (SipnatNetworkMonitor, 1);

  self->context = g_main_context_ref (context);
  self->changed = changed;
  self->destinations = destinations;
  self->data = data;
  self->system = g_object_ref (g_network_monitor_get_default ());

  self->link = g_new0 (Link, 1);
  g_atomic_ref_count_init (&self->link->ref_count);
  self->link->context = g_main_context_ref (context);
  self->link->monitor = self;

  self->snapshot = take_snapshot (self, &self->available);
  SIPNAT_NOTE (NAT, "network: %s", self->snapshot);

  self->changed_id = g_signal_connect_data (self->system, "network-changed",
                                            G_CALLBACK (system_changed_cb),
                                            link_ref (self->link),
                                            link_closure_notify, 0);
  listen_to_kernel (self);
  return self;
}

void
_sipnat_network_monitor_free (SipnatNetworkMonitor *self)
{
  if (self == NULL)
    return;

  g_clear_signal_handler (&self->changed_id, self->system);
  _sipnat_clear_source (&self->netlink_source);
  g_clear_object (&self->netlink);
  self->link->monitor = NULL;
  link_unref (self->link);
  _sipnat_clear_source (&self->debounce);
  g_clear_object (&self->system);
  g_main_context_unref (self->context);
  g_strfreev (self->fake_addresses);
  g_free (self->snapshot);
  g_free (self);
}

gboolean
_sipnat_network_monitor_get_available (SipnatNetworkMonitor *self)
{
  return self->available;
}

/* The address @destination is reached from, as the monitor sees it (the
 * injected addresses in tests). */
char *
_sipnat_network_monitor_dup_route_source (SipnatNetworkMonitor *self,
                                          const char           *destination)
{
  return route_source (self, destination);
}

/* The local addresses, as the monitor sees them. */
char **
_sipnat_network_monitor_dup_addresses (SipnatNetworkMonitor *self)
{
  if (self->injected)
    return g_strdupv (self->fake_addresses);
  return _sipnat_network_list_addresses ();
}

/* Whether events wait for their comparison. */
gboolean
_sipnat_network_monitor_is_pending (SipnatNetworkMonitor *self)
{
  return self->debounce != NULL;
}

void
_sipnat_network_monitor_inject (SipnatNetworkMonitor *self,
                                const char * const   *addresses,
                                gboolean              available)
{
  static const char * const none[] = { NULL };

  self->injected = TRUE;
  g_strfreev (self->fake_addresses);
  self->fake_addresses = g_strdupv ((char **) (addresses ? addresses : none));
  self->fake_available = available;

  _sipnat_network_monitor_kick (self);
}
