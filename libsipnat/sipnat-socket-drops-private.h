/* sipnat-socket-drops-private.h: datagrams the kernel dropped at the
 * stack's UDP socket, in the debug output
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "sipnat-scheduler-private.h"

G_BEGIN_DECLS

typedef struct _SipnatSocketDrops SipnatSocketDrops;

gboolean           _sipnat_socket_drops_read  (guint              port,
                                               guint64           *drops);
SipnatSocketDrops *_sipnat_socket_drops_new   (SipnatScheduler   *scheduler,
                                               guint              port);
void               _sipnat_socket_drops_free  (SipnatSocketDrops *self);

G_END_DECLS
