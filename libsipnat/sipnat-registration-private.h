/* sipnat-registration-private.h: the endpoint's view of a registration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-registration.h"
#include "sipnat-sofia-private.h"

G_BEGIN_DECLS

void     _sipnat_registration_handle_response (SipnatRegistration *self,
                                               nua_event_t         event,
                                               int                 status,
                                               const char         *phrase,
                                               const sip_t        *sip);
void     _sipnat_registration_handle_options_response (SipnatRegistration *self,
                                                       nua_handle_t       *nh,
                                                       int                 status,
                                                       const char         *phrase,
                                                       const sip_t        *sip);
guint    _sipnat_registration_get_stream_keepalive_ms (SipnatRegistration *self);
gboolean _sipnat_registration_is_active       (SipnatRegistration *self);
void     _sipnat_registration_detach          (SipnatRegistration *self);

G_END_DECLS
