/* sipnat-binding-private.h: the fields of a SipnatBinding, for the library
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-binding.h"

G_BEGIN_DECLS

struct _SipnatBinding {
  char *host;
  guint16 port;
  SipnatTransport transport;
};

G_END_DECLS
