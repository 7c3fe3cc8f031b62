/* sipnat-endpoint-private.h: what the settings code needs from an endpoint
 *
 * Sofia-free, like everything the settings code includes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-endpoint.h"
#include "sipnat-call.h"
#include "sipnat-registration.h"

G_BEGIN_DECLS

SipnatRegistration *_sipnat_endpoint_find_registration      (SipnatEndpoint *self,
                                                             const char     *name);
SipnatRegistration *_sipnat_endpoint_add_named_registration (SipnatEndpoint *self,
                                                             const char     *name);

void _sipnat_endpoint_add_call    (SipnatEndpoint *self,
                                  SipnatCall     *call);
void _sipnat_endpoint_forget_call (SipnatEndpoint *self,
                                  SipnatCall     *call);

G_END_DECLS
