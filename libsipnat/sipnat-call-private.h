/* sipnat-call-private.h: how the endpoint and a registration make calls
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-call.h"
#include "sipnat-registration-private.h"

G_BEGIN_DECLS

typedef struct _SipnatSipEvent SipnatSipEvent;

SipnatCall *_sipnat_call_new_outgoing (SipnatRegistration   *registration,
                                       const char           *uri);
SipnatCall *_sipnat_call_new_incoming (SipnatRegistration   *registration,
                                       const SipnatSipEvent *event);
void        _sipnat_call_terminate    (SipnatCall           *self,
                                       const char           *reason);

G_END_DECLS
