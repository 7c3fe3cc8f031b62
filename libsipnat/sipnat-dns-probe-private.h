/* sipnat-dns-probe-private.h: does any DNS server answer?
 *
 * Sofia's resolver retries a query to a silent DNS server for about a
 * minute (1 + 2 + … + 32 s), and nta resolves a domain with several
 * queries in a row without a deadline of its own: a REGISTER to a
 * domain whose DNS server never answers waited 192 s. A probe
 * asks the same servers one question with a deadline; when none
 * answers, the registration fails at once. See sipnat-dns-probe.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "sipnat-transport.h"

G_BEGIN_DECLS

/* How long a DNS server may take to answer the probe: glibc's default
 * (two tries of 5 s). */
#define SIPNAT_DNS_PROBE_TIMEOUT_MS 10000

typedef struct _SipnatDnsProbe SipnatDnsProbe;

typedef struct
{
  gboolean answered;           /* FALSE: no DNS server answered in time */
  gboolean has_transport;      /* the domain's NAPTR records chose one */
  SipnatTransport transport;
} SipnatDnsProbeResult;

/* Called once, from @context, when a DNS server answered or none did in
 * time. May free the probe. */
typedef void (*SipnatDnsProbeFunc) (gpointer                    user_data,
                                    const SipnatDnsProbeResult *result);

SipnatDnsProbe *_sipnat_dns_probe_start (GMainContext         *context,
                                         const char           *server,
                                         SipnatTransportFlags  transports,
                                         guint                 timeout_ms,
                                         SipnatDnsProbeFunc    func,
                                         gpointer              user_data);
void            _sipnat_dns_probe_free  (SipnatDnsProbe           *probe);

G_END_DECLS
