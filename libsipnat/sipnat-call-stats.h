/* sipnat-call-stats.h: a snapshot of a call's media counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <glib-object.h>

#include "sipnat-version.h"

G_BEGIN_DECLS

#define SIPNAT_TYPE_CALL_STATS (sipnat_call_stats_get_type ())

typedef struct _SipnatCallStats SipnatCallStats;

SIPNAT_AVAILABLE_IN_ALL
GType            sipnat_call_stats_get_type                 (void) G_GNUC_CONST;
SIPNAT_AVAILABLE_IN_ALL
SipnatCallStats *sipnat_call_stats_copy                     (const SipnatCallStats *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_call_stats_free                     (SipnatCallStats       *self);
SIPNAT_AVAILABLE_IN_ALL
guint64          sipnat_call_stats_get_rtp_packets_sent     (const SipnatCallStats *self);
SIPNAT_AVAILABLE_IN_ALL
guint64          sipnat_call_stats_get_rtp_bytes_sent       (const SipnatCallStats *self);
SIPNAT_AVAILABLE_IN_ALL
guint64          sipnat_call_stats_get_rtp_packets_received (const SipnatCallStats *self);
SIPNAT_AVAILABLE_IN_ALL
guint64          sipnat_call_stats_get_rtp_bytes_received   (const SipnatCallStats *self);
SIPNAT_AVAILABLE_IN_ALL
gint64           sipnat_call_stats_get_connect_time         (const SipnatCallStats *self);
SIPNAT_AVAILABLE_IN_ALL
gint64           sipnat_call_stats_get_first_rtp_time       (const SipnatCallStats *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatCallStats, sipnat_call_stats_free)

G_END_DECLS
