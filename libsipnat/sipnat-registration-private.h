/* sipnat-registration-private.h: the endpoint's view of a registration
 *
 * Sofia-free: the settings code includes it too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-registration.h"

G_BEGIN_DECLS

typedef struct _SipnatStack SipnatStack;

SipnatRegistration *_sipnat_registration_new (SipnatEndpoint     *endpoint,
                                              const char         *name,
                                              guint               reg_id);
void     _sipnat_registration_attach     (SipnatRegistration *self,
                                          SipnatStack        *stack);
gboolean _sipnat_registration_is_active  (SipnatRegistration *self);
void     _sipnat_registration_detach     (SipnatRegistration *self,
                                          gboolean            unregister);

G_END_DECLS
