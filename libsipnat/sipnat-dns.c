/* sipnat-dns.c: finding the registrar as RFC 3263 says
 *
 * Who does what. A `server` that is a domain name without a port (for
 * example `example.com`) becomes the Request-URI `sip:example.com`, with
 * `;transport=tcp` when the registration's transport is TCP, and Sofia's
 * transaction layer (nta, outgoing_resolve() and its sresolv queries)
 * finds the server as RFC 3263 says:
 *
 *  - no transport parameter (transport udp, the default): NAPTR of the
 *    domain first; its SIP+D2U/SIP+D2T/SIPS+D2T records choose the
 *    transport among those the endpoint listens on, and lead to SRV
 *    names; without NAPTR records, the SRV names of every transport the
 *    endpoint has. Sofia's choice (nta.c outgoing_naptr_tport()) moves
 *    to another transport only when both its order and its preference
 *    are lower (RFC 3403 wants the order first): a zone with equal
 *    preferences keeps UDP. So when the endpoint has more than UDP, the
 *    registration asks NAPTR itself first (sipnat-dns-probe.c,
 *    _sipnat_dns_choose_naptr() below) and names the chosen transport in
 *    the Request-URI and the Contact (wait_for_naptr() in
 *    sipnat-registration-requests.c). Should nta still send over another
 *    transport than the Contact's, the Contact follows
 *    (adopt_dns_transport());
 *  - a transport parameter (tcp, tls): only `_sip._tcp` / `_sips._tcp`;
 *  - SRV records are tried by priority, then weight (RFC 2782), each
 *    target's A/AAAA addresses in turn; without SRV records, the A/AAAA
 *    of the domain itself on the default port.
 *
 * A `server` with an explicit port (`example.com:5080`) is resolved with
 * A/AAAA only, and an IP address (`192.0.2.1`, `[2001:db8::1]:5060`) not
 * at all (RFC 3263 §4.2). Nothing here forces a port on a domain.
 *
 * Failover between the targets is nta's too: a transaction to one
 * target that times out (Timer B/F, the endpoint's
 * sip-transaction-timeout) or meets a transport error (ICMP port
 * unreachable on UDP, a refused TCP connection) is sent again to the
 * next target with a new branch (nta.c outgoing_timeout(),
 * outgoing_tport_error() → outgoing_try_another()). The application
 * sees one REGISTER that took longer. A server that answers 503 is not
 * left for the next target: Debian's sofia-sip (a 2011 snapshot) has no
 * NTATAG_SRV_503, so a 503 fails the REGISTER and our own failover
 * (below) takes over.
 *
 * Our own failover (sipnat-server-list.c) works one level up: `server`
 * may be a comma-separated list, and each entry is resolved as above on
 * its own. Only when nta has tried every target of an entry without an
 * answer, or a target answered with a failure, does the registration
 * move on to the next entry (at once over TCP, after reg-interval over
 * UDP), and after the last one retry with a back-off. So
 * `server = example.com, backup.example.net:5060` walks example.com's
 * SRV targets first, then the fixed backup.
 *
 * A DNS server that never answers is found out by sipnat-dns-probe.c
 * (Sofia would wait for minutes).
 *
 * Sofia's resolver reads /etc/resolv.conf (its `nameserver` lines and,
 * as a Sofia extension, a `port` line) and the RES_OPTIONS and
 * SRES_OPTIONS variables. SIPNAT_RESOLV_CONF names another file, given
 * to nta as SRESTAG_RESOLV_CONF: the tests point it at a DNS server of
 * their own on a loopback port.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-dns-private.h"
#include "sipnat-error.h"

/* The host part of a `server` entry, and whether a port followed it. */
static char *
split_host (const char *server,
            gboolean   *has_port)
{
  const char *colon;

  if (server[0] == '[')
    {
      const char *end = strchr (server, ']');

      *has_port = end != NULL && end[1] == ':';
      return end ? g_strndup (server + 1, end - server - 1) : g_strdup (server + 1);
    }

  colon = strchr (server, ':');
  *has_port = colon != NULL;
  return colon ? g_strndup (server, colon - server) : g_strdup (server);
}

/*
 * _sipnat_dns_server_uses_srv:
 * @server: one entry of a registration's `server`
 *
 * Returns: %TRUE when @server is a domain name without a port, which nta
 *   resolves with NAPTR and SRV; %FALSE for an IP address or a port
 */
gboolean
_sipnat_dns_server_uses_srv (const char *server)
{
  gboolean has_port = FALSE;
  g_autofree char *host = NULL;

  if (server == NULL || *server == '\0')
    return FALSE;

  host = split_host (server, &has_port);
  return !has_port && *host != '\0' && !g_hostname_is_ip_address (host);
}

static gboolean
service_transport (const char      *service,
                   SipnatTransport *transport)
{
  if (g_ascii_strcasecmp (service, "SIP+D2U") == 0)
    *transport = SIPNAT_TRANSPORT_UDP;
  else if (g_ascii_strcasecmp (service, "SIP+D2T") == 0)
    *transport = SIPNAT_TRANSPORT_TCP;
  else if (g_ascii_strcasecmp (service, "SIPS+D2T") == 0)
    *transport = SIPNAT_TRANSPORT_TLS;
  else
    return FALSE;
  return TRUE;
}

/* The SRV name nta asks for @transport when the URI names it. */
static char *
srv_name (SipnatTransport  transport,
          const char      *domain)
{
  switch (transport)
    {
    case SIPNAT_TRANSPORT_UDP:
      return g_strdup_printf ("_sip._udp.%s", domain);
    case SIPNAT_TRANSPORT_TCP:
      return g_strdup_printf ("_sip._tcp.%s", domain);
    case SIPNAT_TRANSPORT_TLS:
    default:
      return g_strdup_printf ("_sips._tcp.%s", domain);
    }
}

/*
 * _sipnat_dns_choose_naptr:
 * @records: (array length=n_records): a domain's NAPTR records
 * @n_records: how many
 * @domain: the domain
 * @transports: the transports the endpoint listens on
 * @transport: (out): the transport to name in the Request-URI
 *
 * RFC 3263 §4.1 with RFC 3403's order: the lowest order first, then the
 * lowest preference, among the SIP services the endpoint has and with
 * the "S" flag. Sofia's own choice (nta.c outgoing_naptr_tport()) takes
 * another transport only when its order and its preference are both
 * lower, so a zone whose records differ in order only kept UDP.
 *
 * Naming the transport in the Request-URI makes nta ask the SRV name it
 * derives for it (`_sip._tcp.DOMAIN`), not the NAPTR's replacement: a
 * record whose replacement is another name is left to nta (FALSE).
 *
 * Returns: %TRUE with @transport set when a record chooses it
 */
gboolean
_sipnat_dns_choose_naptr (const SipnatNaptr    *records,
                          guint                 n_records,
                          const char           *domain,
                          SipnatTransportFlags  transports,
                          SipnatTransport      *transport)
{
  const SipnatNaptr *best = NULL;
  SipnatTransport best_transport = SIPNAT_TRANSPORT_UDP;
  g_autofree char *expected = NULL;
  g_autofree char *replacement = NULL;

  for (guint i = 0; i < n_records; i++)
    {
      const SipnatNaptr *r = &records[i];
      SipnatTransport t;

      if (r->service == NULL || r->flags == NULL || !service_transport (r->service, &t) ||
          g_ascii_strcasecmp (r->flags, "s") != 0 || !(transports & (1u << t)))
        continue;
      if (best == NULL || r->order < best->order ||
          (r->order == best->order && r->preference < best->preference))
        best = r, best_transport = t;
    }

  if (best == NULL || best->replacement == NULL || domain == NULL)
    return FALSE;

  /* Compare without a trailing dot, ignoring case. */
  expected = srv_name (best_transport, domain);
  replacement = g_strdup (best->replacement);
  if (*replacement != '\0' && replacement[strlen (replacement) - 1] == '.')
    replacement[strlen (replacement) - 1] = '\0';
  if (g_ascii_strcasecmp (replacement, expected) != 0)
    return FALSE;

  *transport = best_transport;
  return TRUE;
}

/*
 * _sipnat_dns_get_resolv_conf:
 *
 * Returns: (nullable): the resolv.conf file for Sofia's resolver from
 *   SIPNAT_RESOLV_CONF, or %NULL for the system's
 */
const char *
_sipnat_dns_get_resolv_conf (void)
{
  const char *path = g_getenv ("SIPNAT_RESOLV_CONF");

  return path != NULL && *path != '\0' ? path : NULL;
}

/*
 * _sipnat_dns_failure_new:
 * @server: the `server` entry the request went to
 * @status: the final status
 * @phrase: (nullable): its phrase
 * @from_network: whether a server sent it
 *
 * nta answers a request whose destination DNS does not give with a
 * local "503 DNS Error": no NAPTR, SRV or A/AAAA record, an unknown
 * domain, or no DNS server answering (after sresolv's retries).
 *
 * Returns: (transfer full) (nullable): an error naming the domain, or
 *   %NULL when the failure was something else
 */
GError *
_sipnat_dns_failure_new (const char *server,
                         guint       status,
                         const char *phrase,
                         gboolean    from_network)
{
  if (from_network || status != 503 || phrase == NULL ||
      g_ascii_strcasecmp (phrase, "DNS Error") != 0)
    return NULL;

  if (_sipnat_dns_server_uses_srv (server))
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                        _("%s: no SIP server found in DNS: the domain has no usable NAPTR, "
                          "SRV or A/AAAA record, or no DNS server answered (%u %s)"),
                        server, status, phrase);

  return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                      _("%s: the host name was not found in DNS, or no DNS server answered "
                        "(%u %s)"),
                      server, status, phrase);
}
