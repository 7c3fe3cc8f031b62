/* sipnat-nat-probe.c: measuring the NAT in front of the endpoint
 *
 * See sipnat-nat-probe-private.h. The tests, each on sockets of its own
 * (a socket that sent to the alternate address would open the filter
 * that the filtering tests measure):
 *
 *   mapping    test I to the primary address, II to the alternate IP and
 *              primary port, III to the alternate IP and port; then a
 *              request to our own mapped address (hairpinning)
 *   filtering  test I, then CHANGE-REQUEST "IP and port" (one socket)
 *              and "port" (another)
 *   fragments  test I, then PADDING: an answer of the server's MTU, so
 *              larger than ours once headers are added: fragments inbound
 *   registrar  OPTIONS over UDP (small, and larger than the MTU from
 *              another socket: fragments outbound) and over TCP
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-binding.h"
#include "sipnat-binding-lifetime-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-nat-probe-private.h"
#include "sipnat-nat-report-private.h"
#include "sipnat-sip-ping-private.h"
#include "sipnat-stun-client-private.h"

#define SIP_PING_TIMEOUT_MS 4000
/* A SIP request this much larger than an Ethernet MTU travels as two
 * IP fragments. */
#define SIP_LARGE_PADDING 2000
/* A UDP payload above this does not fit in one 1500-byte packet. */
#define UNFRAGMENTED_MAX 1472

/* The answers that test something arrive in milliseconds; the ones
 * that do not arrive cost the deadline, so it is short. */
static const SipnatStunTiming negative_timing = { 300, 3, 2000 };

typedef struct {
  SipnatNatReport *report;
  char *stun_name;
  guint stun_port;
  char *registrar_name;
  char *local_address;
  gboolean binding_lifetime;
  gboolean lifetime_only;

  GInetSocketAddress *stun;
  GInetSocketAddress *registrar;
  GInetAddress *local_ip;
  guint pending;

  GSocket *mapping_socket;
  GInetSocketAddress *mapping_local;
  GInetSocketAddress *mapped[3];
  GInetSocketAddress *other;

  SipnatNatCheck change_both;
  SipnatNatCheck change_port;
  SipnatNatCheck stun_fragments;
  SipnatNatCheck sip_small;
  SipnatNatCheck sip_large;
  SipnatBinding *udp_binding;
  SipnatBinding *tcp_binding;
} Probe;

static void
probe_free (Probe *p)
{
  g_clear_pointer (&p->report, sipnat_nat_report_unref);
  g_free (p->stun_name);
  g_free (p->registrar_name);
  g_free (p->local_address);
  g_clear_object (&p->stun);
  g_clear_object (&p->registrar);
  g_clear_object (&p->local_ip);
  g_clear_object (&p->mapping_socket);
  g_clear_object (&p->mapping_local);
  for (guint i = 0; i < G_N_ELEMENTS (p->mapped); i++)
    g_clear_object (&p->mapped[i]);
  g_clear_object (&p->other);
  g_clear_pointer (&p->udp_binding, sipnat_binding_free);
  g_clear_pointer (&p->tcp_binding, sipnat_binding_free);
  g_free (p);
}

/* ----------------------------------------------------------- the end */

static void
set_public_address (SipnatNatReport *report,
                    const char      *host,
                    guint            port)
{
  g_free (report->public_address);
  report->public_address = g_strdup (host);
  report->public_port = port;
}

static SipnatNatCheck
combine_fragments (SipnatNatCheck a,
                   SipnatNatCheck b)
{
  if (a == SIPNAT_NAT_CHECK_NO || b == SIPNAT_NAT_CHECK_NO)
    return SIPNAT_NAT_CHECK_NO;
  if (a == SIPNAT_NAT_CHECK_YES || b == SIPNAT_NAT_CHECK_YES)
    return SIPNAT_NAT_CHECK_YES;
  return SIPNAT_NAT_CHECK_UNKNOWN;
}

static void
probe_conclude (Probe *p)
{
  SipnatNatReport *r = p->report;
  SipnatNatCheck sip_fragments = SIPNAT_NAT_CHECK_UNKNOWN;

  r->mapping = _sipnat_nat_classify_mapping (p->mapping_local, p->mapped[0], p->mapped[1],
                                             p->mapped[2], &r->nat);
  r->filtering = _sipnat_nat_classify_filtering (p->change_both, p->change_port);

  if (p->sip_small == SIPNAT_NAT_CHECK_YES)
    sip_fragments = p->sip_large;
  r->fragments = combine_fragments (p->stun_fragments, sip_fragments);

  if (p->mapped[0] != NULL)
    {
      g_autofree char *ip =
        g_inet_address_to_string (g_inet_socket_address_get_address (p->mapped[0]));

      set_public_address (r, ip, g_inet_socket_address_get_port (p->mapped[0]));
    }
  else
    {
      SipnatBinding *b = p->udp_binding != NULL ? p->udp_binding : p->tcp_binding;

      if (b != NULL)
        {
          set_public_address (r, sipnat_binding_get_host (b), sipnat_binding_get_port (b));
          if (p->local_ip != NULL)
            {
              g_autofree char *local = g_inet_address_to_string (p->local_ip);

              r->nat = g_strcmp0 (local, sipnat_binding_get_host (b)) == 0 ?
                       SIPNAT_NAT_CHECK_NO : SIPNAT_NAT_CHECK_YES;
            }
        }
    }

  _sipnat_nat_report_conclude (r);
}

/* One test is over; the last one returns the report. */
static void
probe_step_done (GTask *task)
{
  Probe *p = g_task_get_task_data (task);

  g_assert (p->pending > 0);
  if (--p->pending > 0)
    return;

  if (g_task_return_error_if_cancelled (task))
    {
      g_object_unref (task);
      return;
    }

  probe_conclude (p);
  SIPNAT_NOTE (NAT, "NAT probe: %s", p->report->summary);
  g_task_return_pointer (task, sipnat_nat_report_ref (p->report),
                         (GDestroyNotify) sipnat_nat_report_unref);
  g_object_unref (task);
}

/* ------------------------------------------------------------ sockets */

/* The local address the system sends from towards @to. */
static GInetAddress *
route_source (GInetSocketAddress *to)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, NULL);
  if (socket == NULL || !g_socket_connect (socket, G_SOCKET_ADDRESS (to), NULL, NULL))
    return NULL;
  local = g_socket_get_local_address (socket, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return NULL;
  return g_object_ref (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

static GSocket *
probe_socket (Probe *p)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = NULL;
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, &error);
  if (socket == NULL)
    {
      g_warning ("NAT probe: no UDP socket: %s", error->message);
      return NULL;
    }
  g_socket_set_blocking (socket, FALSE);
  any = g_inet_socket_address_new (p->local_ip, 0);
  if (!g_socket_bind (socket, any, FALSE, &error))
    {
      g_warning ("NAT probe: cannot bind a UDP socket: %s", error->message);
      return NULL;
    }
  return g_steal_pointer (&socket);
}

static GInetSocketAddress *
address_with_port (GInetSocketAddress *address,
                   guint               port)
{
  return G_INET_SOCKET_ADDRESS (g_inet_socket_address_new (
                                  g_inet_socket_address_get_address (address), port));
}

static gboolean
same_address (GInetSocketAddress *a,
              GInetSocketAddress *b)
{
  return g_inet_address_equal (g_inet_socket_address_get_address (a),
                               g_inet_socket_address_get_address (b)) &&
         g_inet_socket_address_get_port (a) == g_inet_socket_address_get_port (b);
}

/* ------------------------------------------------------------ mapping */

typedef struct {
  GTask *task;
  GSocket *socket;
  SipnatStunOptions options;      /* the second request */
  const SipnatStunTiming *timing;
  SipnatNatCheck *result;
} Chain;

static void
chain_free (Chain *c)
{
  g_clear_object (&c->socket);
  g_free (c);
}

static void
on_hairpin (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  GTask *task = data;
  Probe *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;

  if (_sipnat_stun_hairpin_finish (result, &error))
    p->report->hairpinning = SIPNAT_NAT_CHECK_YES;
  else if (error == NULL)
    p->report->hairpinning = SIPNAT_NAT_CHECK_NO;
  probe_step_done (task);
}

static void mapping_next (GTask *task, guint test);

static void
on_mapping_answer (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  GTask *task = data;
  Probe *p = g_task_get_task_data (task);
  g_autoptr(SipnatStunAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;
  guint test = 0;

  while (test < G_N_ELEMENTS (p->mapped) && p->mapped[test] != NULL)
    test++;

  answer = _sipnat_stun_binding_finish (result, &error);
  if (answer == NULL)
    {
      SIPNAT_NOTE (NAT, "NAT probe: mapping test %u: %s", test + 1, error->message);
      if (test == 0)
        p->report->stun = g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT) ?
                          SIPNAT_NAT_CHECK_NO : SIPNAT_NAT_CHECK_UNKNOWN;
      probe_step_done (task);
      return;
    }

  p->mapped[test] = g_steal_pointer (&answer->mapped);
  if (test == 0)
    {
      p->report->stun = SIPNAT_NAT_CHECK_YES;
      p->other = g_steal_pointer (&answer->other_address);
      /* No alternate address: no RFC 5780 tests, but hairpinning. */
      if (p->other == NULL || same_address (p->other, p->stun))
        {
          g_clear_object (&p->other);
          _sipnat_stun_hairpin_async (p->mapping_socket, p->mapped[0], &negative_timing,
                                      g_task_get_cancellable (task), on_hairpin, task);
          return;
        }
    }

  mapping_next (task, test + 1);
}

static void
mapping_next (GTask *task,
              guint  test)
{
  Probe *p = g_task_get_task_data (task);
  g_autoptr(GInetSocketAddress) to = NULL;

  switch (test)
    {
    case 0:
      to = g_object_ref (p->stun);
      break;
    case 1:
      to = address_with_port (p->other, g_inet_socket_address_get_port (p->stun));
      break;
    case 2:
      to = g_object_ref (p->other);
      break;
    default:
      _sipnat_stun_hairpin_async (p->mapping_socket, p->mapped[0], &negative_timing,
                                  g_task_get_cancellable (task), on_hairpin, task);
      return;
    }

  _sipnat_stun_binding_async (p->mapping_socket, NULL, to, NULL, NULL,
                              g_task_get_cancellable (task), on_mapping_answer, task);
}

static void
mapping_start (GTask *task)
{
  Probe *p = g_task_get_task_data (task);
  g_autoptr(GSocketAddress) local = NULL;

  p->mapping_socket = probe_socket (p);
  if (p->mapping_socket != NULL)
    local = g_socket_get_local_address (p->mapping_socket, NULL);
  if (!G_IS_INET_SOCKET_ADDRESS (local))
    {
      probe_step_done (task);
      return;
    }
  p->mapping_local = G_INET_SOCKET_ADDRESS (g_steal_pointer (&local));
  mapping_next (task, 0);
}

/* --------------------------------------- filtering and fragments (STUN) */

/* The second request of a chain: CHANGE-REQUEST or PADDING. */
static void
on_chain_second (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  Chain *c = data;
  GTask *task = c->task;
  Probe *p = g_task_get_task_data (task);
  g_autoptr(SipnatStunAnswer) answer = NULL;
  g_autoptr(GError) error = NULL;

  answer = _sipnat_stun_binding_finish (result, &error);
  if (answer != NULL && c->options.padding)
    {
      /* Only an answer that had to be fragmented proves anything. */
      if (answer->size > UNFRAGMENTED_MAX)
        *c->result = SIPNAT_NAT_CHECK_YES;
    }
  else if (answer != NULL)
    {
      /* A server that ignored CHANGE-REQUEST answers from where it was
       * asked: that tests nothing. */
      if (!same_address (answer->source, p->stun))
        *c->result = SIPNAT_NAT_CHECK_YES;
    }
  else if (g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT))
    *c->result = SIPNAT_NAT_CHECK_NO;
  else
    SIPNAT_NOTE (NAT, "NAT probe: %s", error->message);

  chain_free (c);
  probe_step_done (task);
}

static void
on_chain_first (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  Chain *c = data;
  GTask *task = c->task;
  Probe *p = g_task_get_task_data (task);
  g_autoptr(SipnatStunAnswer) answer = NULL;

  /* Test I opens the binding; without an answer nothing follows. */
  answer = _sipnat_stun_binding_finish (result, NULL);
  if (answer == NULL)
    {
      chain_free (c);
      probe_step_done (task);
      return;
    }

  _sipnat_stun_binding_async (c->socket, NULL, p->stun, &c->options, c->timing,
                              g_task_get_cancellable (task), on_chain_second, c);
}

static void
chain_start (GTask                   *task,
             const SipnatStunOptions *options,
             const SipnatStunTiming  *timing,
             SipnatNatCheck          *result)
{
  Probe *p = g_task_get_task_data (task);
  Chain *c = g_new0 (Chain, 1);

  c->task = task;
  c->options = *options;
  c->timing = timing;
  c->result = result;
  c->socket = probe_socket (p);
  if (c->socket == NULL)
    {
      chain_free (c);
      probe_step_done (task);
      return;
    }

  _sipnat_stun_binding_async (c->socket, NULL, p->stun, NULL, NULL,
                              g_task_get_cancellable (task), on_chain_first, c);
}

/* ---------------------------------------------------------- registrar */

typedef struct {
  GTask *task;
  SipnatNatCheck *result;
  SipnatBinding **binding;
  GSocket *socket;
} Ping;

static void
on_ping (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  Ping *ping = data;
  GTask *task = ping->task;
  g_autoptr(GError) error = NULL;
  SipnatBinding *binding = NULL;

  if (_sipnat_sip_ping_finish (result, &binding, &error))
    {
      *ping->result = SIPNAT_NAT_CHECK_YES;
      if (ping->binding != NULL)
        *ping->binding = binding;
      else
        g_clear_pointer (&binding, sipnat_binding_free);
    }
  else if (g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT) ||
           g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE))
    {
      SIPNAT_NOTE (NAT, "NAT probe: %s", error->message);
      *ping->result = SIPNAT_NAT_CHECK_NO;
    }

  g_clear_object (&ping->socket);
  g_free (ping);
  probe_step_done (task);
}

/* @udp: from a socket of its own, else over TCP. */
static void
ping_start (GTask           *task,
            gboolean         udp,
            gsize            padding,
            SipnatNatCheck  *result,
            SipnatBinding  **binding)
{
  Probe *p = g_task_get_task_data (task);
  Ping *ping = g_new0 (Ping, 1);

  ping->task = task;
  ping->result = result;
  ping->binding = binding;
  if (udp)
    {
      ping->socket = probe_socket (p);
      if (ping->socket == NULL)
        {
          g_free (ping);
          probe_step_done (task);
          return;
        }
    }

  _sipnat_sip_ping_async (ping->socket, p->registrar, padding, SIP_PING_TIMEOUT_MS,
                          g_task_get_cancellable (task), on_ping, ping);
}

/* ----------------------------------------------------- binding lifetime */

static void
on_lifetime (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GTask *task = data;
  Probe *p = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gint64 ms;

  ms = _sipnat_binding_lifetime_finish (result, &error);
  if (ms >= 0)
    {
      p->report->binding_lifetime_ms = ms;
      p->report->binding_lifetime = ms / 1000;
    }
  else
    SIPNAT_NOTE (NAT, "NAT probe: binding lifetime: %s", error->message);
  probe_step_done (task);
}

/* ------------------------------------------------------------ start */

static void
tests_start (GTask *task)
{
  Probe *p = g_task_get_task_data (task);
  SipnatStunOptions change_both = { SIPNAT_STUN_CHANGE_IP | SIPNAT_STUN_CHANGE_PORT, 0, FALSE };
  SipnatStunOptions change_port = { SIPNAT_STUN_CHANGE_PORT, 0, FALSE };
  SipnatStunOptions padding = { SIPNAT_STUN_CHANGE_NONE, 0, TRUE };

  if (p->local_address != NULL && g_strcmp0 (p->local_address, "0.0.0.0") != 0)
    p->local_ip = g_inet_address_new_from_string (p->local_address);
  if (p->local_ip == NULL && p->stun != NULL)
    p->local_ip = route_source (p->stun);
  if (p->local_ip == NULL && p->registrar != NULL)
    p->local_ip = route_source (p->registrar);
  if (p->local_ip == NULL)
    p->local_ip = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);

  /* One count for this function, so that nothing ends before all start. */
  p->pending = 1;
  if (p->stun != NULL && p->binding_lifetime)
    {
      p->pending++;
      _sipnat_binding_lifetime_async (p->stun, p->local_ip, g_task_get_cancellable (task),
                                      on_lifetime, task);
    }
  if (p->lifetime_only)
    {
      probe_step_done (task);
      return;
    }
  if (p->stun != NULL)
    {
      p->pending += 4;
      mapping_start (task);
      chain_start (task, &change_both, &negative_timing, &p->change_both);
      chain_start (task, &change_port, &negative_timing, &p->change_port);
      chain_start (task, &padding, NULL, &p->stun_fragments);
    }
  if (p->registrar != NULL)
    {
      p->pending += 3;
      ping_start (task, TRUE, 0, &p->report->udp, &p->udp_binding);
      ping_start (task, TRUE, SIP_LARGE_PADDING, &p->sip_large, NULL);
      ping_start (task, FALSE, 0, &p->report->tcp, &p->tcp_binding);
    }
  probe_step_done (task);
}

static void
on_resolved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  GTask *task = data;
  Probe *p = g_task_get_task_data (task);
  GSocketAddressEnumerator *enumerator;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  gboolean is_stun = GPOINTER_TO_INT (g_object_get_data (source, "sipnat-stun"));

  /* The first IPv4 address: the probe's sockets are IPv4. */
  enumerator = G_SOCKET_ADDRESS_ENUMERATOR (source);
  address = g_socket_address_enumerator_next_finish (enumerator, result, &error);
  while (address != NULL &&
         g_socket_address_get_family (address) != G_SOCKET_FAMILY_IPV4)
    {
      g_clear_object (&address);
      address = g_socket_address_enumerator_next (enumerator, g_task_get_cancellable (task),
                                                  &error);
    }

  if (address == NULL)
    SIPNAT_NOTE (NAT, "NAT probe: cannot resolve the %s: %s",
                  is_stun ? "STUN server" : "registrar",
                  error != NULL ? error->message : "no IPv4 address");
  else if (is_stun)
    p->stun = G_INET_SOCKET_ADDRESS (g_steal_pointer (&address));
  else
    p->registrar = G_INET_SOCKET_ADDRESS (g_steal_pointer (&address));

  if (--p->pending == 0)
    tests_start (task);
}

static void
resolve (GTask      *task,
         const char *host_and_port,
         guint       default_port,
         gboolean    is_stun)
{
  Probe *p = g_task_get_task_data (task);
  g_autoptr(GSocketConnectable) connectable = NULL;
  g_autoptr(GSocketAddressEnumerator) enumerator = NULL;

  connectable = g_network_address_parse (host_and_port, default_port, NULL);
  if (connectable == NULL)
    {
      SIPNAT_NOTE (NAT, "NAT probe: “%s” is not HOST[:PORT]", host_and_port);
      return;
    }

  p->pending++;
  enumerator = g_socket_connectable_enumerate (connectable);
  g_object_set_data (G_OBJECT (enumerator), "sipnat-stun", GINT_TO_POINTER (is_stun));
  g_socket_address_enumerator_next_async (enumerator, g_task_get_cancellable (task),
                                          on_resolved, task);
}

void
_sipnat_nat_probe_async (const SipnatNatProbeTargets *targets,
                         GCancellable                *cancellable,
                         GAsyncReadyCallback          callback,
                         gpointer                     user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Probe *p = g_new0 (Probe, 1);

  g_task_set_source_tag (task, _sipnat_nat_probe_async);
  g_task_set_task_data (task, p, (GDestroyNotify) probe_free);
  p->report = _sipnat_nat_report_new ();
  p->stun_port = targets->stun_port != 0 ? targets->stun_port : 3478;
  p->stun_name = g_strdup (targets->stun_server);
  p->registrar_name = g_strdup (targets->registrar);
  p->local_address = g_strdup (targets->local_address);
  p->binding_lifetime = targets->binding_lifetime || targets->lifetime_only;
  p->lifetime_only = targets->lifetime_only;

  if ((p->stun_name == NULL || *p->stun_name == '\0') &&
      (p->registrar_name == NULL || *p->registrar_name == '\0'))
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                               _("Nothing to probe the NAT with: no STUN server and no registrar"));
      g_object_unref (task);
      return;
    }

  /* One count until both lookups are started. */
  p->pending = 1;
  if (p->stun_name != NULL && *p->stun_name != '\0')
    {
      g_autofree char *host = NULL;

      /* A STUN server is a host; its port comes apart. */
      host = strchr (p->stun_name, ':') == NULL ?
             g_strdup_printf ("%s:%u", p->stun_name, p->stun_port) :
             g_strdup_printf ("[%s]:%u", p->stun_name, p->stun_port);
      resolve (task, host, p->stun_port, TRUE);
    }
  if (p->registrar_name != NULL && *p->registrar_name != '\0')
    resolve (task, p->registrar_name, 5060, FALSE);

  if (--p->pending == 0)
    tests_start (task);
}

SipnatNatReport *
_sipnat_nat_probe_finish (GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _sipnat_nat_probe_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
