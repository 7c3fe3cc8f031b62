/* sipnat-util-private.h: small helpers shared by the classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean _sipnat_set_str (char       **field,
                          const char  *value);

void     _sipnat_clear_source (GSource **source);

G_END_DECLS
