/* sipnat-nat-probe-private.h: measuring the NAT in front of the endpoint
 *
 * RFC 5780 with a STUN server that has an alternate address (mapping
 * §4.3, filtering §4.4, hairpinning §4.5, PADDING for fragments) and
 * plain OPTIONS to the registrar over UDP and TCP (does UDP reach it at
 * all; does a request larger than the MTU). Every test uses sockets of
 * its own, never the endpoint's SIP socket; they run in parallel on the
 * caller's thread-default main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

#include "sipnat-nat-report.h"

G_BEGIN_DECLS

typedef struct {
  const char *stun_server;       /* nullable: no STUN tests */
  guint stun_port;               /* 0: 3478 */
  const char *registrar;         /* HOST or HOST:PORT; nullable: no SIP tests */
  const char *local_address;     /* nullable or 0.0.0.0: the route's source */
  gboolean binding_lifetime;     /* also measure it (minutes) */
  gboolean lifetime_only;        /* ... and nothing else */
} SipnatNatProbeTargets;

void             _sipnat_nat_probe_async  (const SipnatNatProbeTargets *targets,
                                           GCancellable                *cancellable,
                                           GAsyncReadyCallback          callback,
                                           gpointer                     user_data);
SipnatNatReport *_sipnat_nat_probe_finish (GAsyncResult                *result,
                                           GError                     **error);

G_END_DECLS
