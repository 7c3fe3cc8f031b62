/* sipnat-dns-probe.c: does any DNS server answer?
 *
 * Why this exists: nta resolves a `server` domain (sipnat-dns.c) with
 * NAPTR, SRV and A/AAAA queries one after the other, each retried by
 * Sofia's resolver with an exponential back-off up to six times
 * (sres.c: 1, 2, 4, … 32 s; the resolv.conf `timeout:`/`attempts:`
 * options are read but not used), and the transaction waits for the
 * resolution without a timer (nta's resolving queue has none). With a
 * DNS server that never answers, a REGISTER to a domain over UDP got
 * nta's "503 DNS Error" after 192 s (measured: NAPTR, SRV and A, about
 * 63 s each): to the application, a hang.
 *
 * The probe asks the DNS servers Sofia uses (the same resolv.conf,
 * SIPNAT_RESOLV_CONF) one question, NAPTR for a domain that nta will
 * look up with NAPTR, A otherwise, while nta goes on with its own.
 * Any answer, even "no such domain", says that DNS works, and nta's
 * own result stands. No answer within the deadline (or a network error
 * such as an ICMP port unreachable from the server's port) tells the
 * owner, which fails the request with a clear error. A NAPTR answer
 * also says which transport the domain prefers, in RFC 3403's order
 * (_sipnat_dns_choose_naptr(), sipnat-dns.c): the registration waits
 * for it before its first REGISTER to a domain, where Sofia's own
 * choice would get the order wrong.
 *
 * It runs its own resolver on the GLib context, not nta's (nua does
 * not give nta's resolver away) and not on the su_root (whose life
 * ends with the stack's, when a registration may still hold a probe):
 * the resolver's sockets are GLib fd sources, its retransmissions a
 * GLib timer, and freeing the probe frees everything at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib-unix.h>
#include <string.h>

#include "sipnat-dns-private.h"
#include "sipnat-dns-probe-private.h"
#include "sipnat-sofia-private.h"

#define MAX_SOCKETS 6   /* SRES_MAX_NAMESERVERS */
#define RETRANSMIT_INTERVAL_MS 500

struct _SipnatDnsProbe
{
  GMainContext *context;
  sres_resolver_t *resolver;
  sres_query_t *query;
  GSource *watches[MAX_SOCKETS];
  int sockets[MAX_SOCKETS];
  GSource *retransmit;
  GSource *deadline;
  GSource *report;          /* the outcome, told from a source of ours */
  gboolean closing;
  char *domain;
  SipnatTransportFlags transports;
  SipnatDnsProbeResult result;

  SipnatDnsProbeFunc func;
  gpointer user_data;
};

static void
clear_source (GSource **source)
{
  if (*source == NULL)
    return;
  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static gboolean
readable_cb (int          fd,
             GIOCondition condition,
             gpointer     data)
{
  SipnatDnsProbe *probe = data;

  if (condition & (G_IO_ERR | G_IO_HUP))
    sres_resolver_error (probe->resolver, fd);
  if (condition & G_IO_IN)
    sres_resolver_receive (probe->resolver, fd);
  return G_SOURCE_CONTINUE;
}

/* sres tells which sockets to watch. */
static int
update_cb (sres_async_t  *async,
           sres_socket_t  new_socket,
           sres_socket_t  old_socket)
{
  SipnatDnsProbe *probe = (SipnatDnsProbe *) async;

  if (probe->closing)
    return 0;

  for (guint i = 0; i < MAX_SOCKETS && old_socket != INVALID_SOCKET; i++)
    if (probe->watches[i] != NULL && probe->sockets[i] == old_socket)
      clear_source (&probe->watches[i]);

  if (new_socket == INVALID_SOCKET)
    return 0;

  for (guint i = 0; i < MAX_SOCKETS; i++)
    if (probe->watches[i] == NULL)
      {
        probe->sockets[i] = new_socket;
        probe->watches[i] = g_unix_fd_source_new (new_socket, G_IO_IN | G_IO_ERR | G_IO_HUP);
        g_source_set_callback (probe->watches[i], G_SOURCE_FUNC (readable_cb), probe, NULL);
        g_source_attach (probe->watches[i], probe->context);
        return 0;
      }

  return -1;
}

static gboolean
retransmit_cb (gpointer data)
{
  SipnatDnsProbe *probe = data;

  sres_resolver_timer (probe->resolver, -1);
  return G_SOURCE_CONTINUE;
}

static gboolean
report_cb (gpointer data)
{
  SipnatDnsProbe *probe = data;
  SipnatDnsProbeResult result = probe->result;

  g_clear_pointer (&probe->report, g_source_unref);
  clear_source (&probe->deadline);
  clear_source (&probe->retransmit);
  probe->func (probe->user_data, &result);   /* may free the probe: last */
  return G_SOURCE_REMOVE;
}

/* Never calls the owner from inside sres: it may free the resolver. */
static void
report (SipnatDnsProbe *probe)
{
  if (probe->report != NULL)
    return;

  clear_source (&probe->deadline);
  clear_source (&probe->retransmit);
  probe->report = g_timeout_source_new (0);
  g_source_set_callback (probe->report, report_cb, probe, NULL);
  g_source_attach (probe->report, probe->context);
}

/* The NAPTR records of the answer, and the transport they choose. */
static void
choose_transport (SipnatDnsProbe  *probe,
                  sres_record_t  **answers)
{
  g_autoptr(GArray) records = g_array_new (FALSE, TRUE, sizeof (SipnatNaptr));

  for (guint i = 0; answers[i] != NULL && records->len < 64; i++)
    {
      const sres_naptr_record_t *na = answers[i]->sr_naptr;
      SipnatNaptr r;

      if (na->na_record->r_status != SRES_OK || na->na_record->r_type != sres_type_naptr)
        continue;
      r = (SipnatNaptr) { na->na_order, na->na_prefer, na->na_flags, na->na_services,
                          na->na_replace };
      g_array_append_val (records, r);
    }

  probe->result.has_transport =
    _sipnat_dns_choose_naptr ((const SipnatNaptr *) records->data, records->len, probe->domain,
                              probe->transports, &probe->result.transport);
}

static void
answer_cb (sres_context_t  *context,
           sres_query_t    *query,
           sres_record_t  **answers)
{
  SipnatDnsProbe *probe = (SipnatDnsProbe *) context;
  guint status = SRES_NETWORK_ERR;

  probe->query = NULL;
  if (answers != NULL && answers[0] != NULL)
    status = answers[0]->sr_record->r_status;

  probe->result.answered = status != SRES_TIMEOUT_ERR && status != SRES_NETWORK_ERR &&
                           status != SRES_INTERNAL_ERR;
  if (probe->result.answered && status == SRES_OK)
    choose_transport (probe, answers);

  sres_free_answers (probe->resolver, answers);
  report (probe);
}

static gboolean
deadline_cb (gpointer data)
{
  SipnatDnsProbe *probe = data;

  g_clear_pointer (&probe->deadline, g_source_unref);
  report (probe);
  return G_SOURCE_REMOVE;
}

static GSource *
attach_timeout (SipnatDnsProbe *probe,
                guint           ms,
                GSourceFunc     func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, probe, NULL);
  g_source_attach (source, probe->context);
  return source;
}

/* The host of a `server` entry, without brackets or port. */
static char *
server_host (const char *server)
{
  const char *end;

  if (server[0] == '[')
    {
      end = strchr (server, ']');
      return end ? g_strndup (server + 1, end - server - 1) : g_strdup (server + 1);
    }
  end = strchr (server, ':');
  return end ? g_strndup (server, end - server) : g_strdup (server);
}

/*
 * _sipnat_dns_probe_start:
 * @context: where the probe runs
 * @server: a `server` entry
 * @transports: the endpoint's, for the NAPTR choice
 * @timeout_ms: how long the DNS servers may take
 * @func: called with the outcome
 * @user_data: for @func
 *
 * Returns: (transfer full) (nullable): the probe, or %NULL when @server
 *   is an IP address (no DNS) or no resolver could be made
 */
SipnatDnsProbe *
_sipnat_dns_probe_start (GMainContext         *context,
                         const char           *server,
                         SipnatTransportFlags  transports,
                         guint                 timeout_ms,
                         SipnatDnsProbeFunc    func,
                         gpointer              user_data)
{
  g_autofree char *host = server ? server_host (server) : NULL;
  SipnatDnsProbe *probe;
  uint16_t type;

  if (host == NULL || *host == '\0' || g_hostname_is_ip_address (host))
    return NULL;

  type = _sipnat_dns_server_uses_srv (server) ? sres_type_naptr : sres_type_a;

  probe = g_new0 (SipnatDnsProbe, 1);
  probe->domain = g_strdup (host);
  probe->context = g_main_context_ref (context);
  probe->func = func;
  probe->user_data = user_data;
  probe->transports = transports;
  probe->resolver = sres_resolver_new (_sipnat_dns_get_resolv_conf ());
  if (probe->resolver == NULL)
    {
      _sipnat_dns_probe_free (probe);
      return NULL;
    }

  sres_resolver_set_async (probe->resolver, update_cb, (sres_async_t *) probe, 0);
  probe->retransmit = attach_timeout (probe, RETRANSMIT_INTERVAL_MS, retransmit_cb);
  probe->deadline = attach_timeout (probe, timeout_ms, deadline_cb);
  probe->query = sres_query (probe->resolver, answer_cb, (sres_context_t *) probe, type, host);
  if (probe->query == NULL)
    report (probe);

  return probe;
}

void
_sipnat_dns_probe_free (SipnatDnsProbe *probe)
{
  if (probe == NULL)
    return;

  probe->closing = TRUE;
  clear_source (&probe->report);
  clear_source (&probe->deadline);
  clear_source (&probe->retransmit);
  for (guint i = 0; i < MAX_SOCKETS; i++)
    clear_source (&probe->watches[i]);
  if (probe->query != NULL)
    sres_query_bind (probe->query, NULL, NULL);
  if (probe->resolver != NULL)
    sres_resolver_unref (probe->resolver);
  g_main_context_unref (probe->context);
  g_free (probe->domain);
  g_free (probe);
}
