/* sipnat-call-stats-private.h: how a call makes its stats
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-call-media-private.h"
#include "sipnat-call-stats.h"

G_BEGIN_DECLS

SipnatCallStats *_sipnat_call_stats_new (const SipnatCallMediaStats *media,
                                         gint64                      answer_time);

G_END_DECLS
