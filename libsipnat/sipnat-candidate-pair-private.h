/* sipnat-candidate-pair-private.h: building a SipnatCandidatePair
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-candidate-pair.h"

G_BEGIN_DECLS

/* @relay_server ("IP:PORT", or NULL) only for a relayed local candidate;
 * hosts are IP addresses without brackets. */
SipnatCandidatePair *_sipnat_candidate_pair_new (SipnatCandidateType   local_type,
                                                 const char           *local_host,
                                                 guint16               local_port,
                                                 SipnatCandidateType   remote_type,
                                                 const char           *remote_host,
                                                 guint16               remote_port,
                                                 SipnatMediaTransport  transport,
                                                 const char           *relay_server);

/* "host:port", with brackets around an IPv6 address. */
char *_sipnat_candidate_pair_format_address (const char *host,
                                             guint16     port);

G_END_DECLS
