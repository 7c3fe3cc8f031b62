/* sipnat-nat-policy-private.h: what the library asks of a NAT policy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-nat-policy.h"

G_BEGIN_DECLS

typedef void (*SipnatNatPolicyWatch) (SipnatNatPolicy *policy,
                                      gpointer         data);

/* The one owner of a policy (its registration) is told of a new
 * keep-alive interval before the property is notified. A direct call, not
 * a signal handler: a registration among thousands pays for a pointer,
 * not for a closure and a handler (about 480 bytes). NULL @watch removes
 * it; the owner does so before it lets the policy go. */
void _sipnat_nat_policy_set_keepalive_watch (SipnatNatPolicy      *self,
                                             SipnatNatPolicyWatch  watch,
                                             gpointer              data);

G_END_DECLS
