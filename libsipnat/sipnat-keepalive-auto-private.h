/* sipnat-keepalive-auto-private.h: `keepalive_interval = auto`
 *
 * A policy with keepalive-auto gets its keep-alive period from the NAT's
 * measured UDP binding lifetime (sipnat-binding-lifetime.c): 80 % of the
 * longest idle time seen alive. Measured once per policy, in the
 * background, when a registration that uses it starts; until then the
 * interval keeps its value (15 s by default).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-nat-policy.h"

G_BEGIN_DECLS

/* On the thread-default main context; nothing when the policy's
 * keepalive-auto is off, it has no STUN server, or it was started. */
void _sipnat_keepalive_auto_start (SipnatNatPolicy *policy,
                                   const char      *local_address);

G_END_DECLS
