/* sipnat-dns-private.h: finding the registrar as RFC 3263 says
 *
 * Pure helpers (no Sofia types): which `server` values go through
 * NAPTR/SRV, where Sofia's resolver reads its configuration, and the
 * error for a domain that DNS does not resolve. The design is in the
 * comment at the top of sipnat-dns.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "sipnat-transport.h"

G_BEGIN_DECLS

/* One NAPTR record, as the resolver gave it. */
typedef struct
{
  guint order;
  guint preference;
  const char *flags;
  const char *service;
  const char *replacement;
} SipnatNaptr;

gboolean    _sipnat_dns_server_uses_srv    (const char *server);
gboolean    _sipnat_dns_choose_naptr       (const SipnatNaptr    *records,
                                            guint                 n_records,
                                            const char           *domain,
                                            SipnatTransportFlags  transports,
                                            SipnatTransport      *transport);
const char *_sipnat_dns_get_resolv_conf    (void);
GError     *_sipnat_dns_failure_new        (const char *server,
                                            guint       status,
                                            const char *phrase,
                                            gboolean    from_network);

G_END_DECLS
