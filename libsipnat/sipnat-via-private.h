/* sipnat-via-private.h: reading the public binding from a Via header
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-binding-private.h"
#include "sipnat-error.h"
#include "sipnat-sofia-private.h"

G_BEGIN_DECLS

SipnatBinding *_sipnat_via_get_sent_by        (const sip_via_t  *via,
                                               GError          **error);
SipnatBinding *_sipnat_via_get_public_binding (const sip_via_t  *via,
                                               GError          **error);
SipnatBinding *_sipnat_via_parse_public_binding (const char     *via_value,
                                                 GError        **error);

G_END_DECLS
