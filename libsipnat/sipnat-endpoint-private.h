/* sipnat-endpoint-private.h: what a registration needs from its endpoint
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-endpoint.h"
#include "sipnat-sofia-private.h"

G_BEGIN_DECLS

nua_t        *_sipnat_endpoint_get_nua                (SipnatEndpoint     *self);
gboolean      _sipnat_endpoint_check_usable           (SipnatEndpoint     *self,
                                                       GError            **error);
GMainContext *_sipnat_endpoint_get_context            (SipnatEndpoint     *self);
const char   *_sipnat_endpoint_get_contact_host       (SipnatEndpoint     *self);
void          _sipnat_endpoint_update_stream_keepalive (SipnatEndpoint    *self);
void          _sipnat_endpoint_adopt_registration     (SipnatEndpoint     *self,
                                                       SipnatRegistration *registration);

G_END_DECLS
