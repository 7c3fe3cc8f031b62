/* sipnat-error-private.h: SIP status to GError mapping
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-error.h"

G_BEGIN_DECLS

GError *_sipnat_error_new_from_status (guint        status,
                                       const char  *phrase,
                                       gboolean     from_network);

G_END_DECLS
