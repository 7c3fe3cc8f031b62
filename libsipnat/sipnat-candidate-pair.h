/* sipnat-candidate-pair.h: the path media takes, as ICE selected it
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

/**
 * SipnatCandidateType:
 * @SIPNAT_CANDIDATE_TYPE_HOST: an address of a local interface
 * @SIPNAT_CANDIDATE_TYPE_SERVER_REFLEXIVE: the public address a NAT gave,
 *   as a STUN server saw it (`srflx`)
 * @SIPNAT_CANDIDATE_TYPE_PEER_REFLEXIVE: the public address a NAT gave, as
 *   the peer saw it during the connectivity checks (`prflx`)
 * @SIPNAT_CANDIDATE_TYPE_RELAYED: an address allocated on a TURN server,
 *   which relays the media (`relay`)
 *
 * The type of an ICE candidate (RFC 8445, section 5.1.1).
 */
typedef enum {
  SIPNAT_CANDIDATE_TYPE_HOST,
  SIPNAT_CANDIDATE_TYPE_SERVER_REFLEXIVE,
  SIPNAT_CANDIDATE_TYPE_PEER_REFLEXIVE,
  SIPNAT_CANDIDATE_TYPE_RELAYED,
} SipnatCandidateType;

/**
 * SipnatMediaTransport:
 * @SIPNAT_MEDIA_TRANSPORT_UDP: UDP (directly, or to the TURN server)
 * @SIPNAT_MEDIA_TRANSPORT_TCP: TCP (to the TURN server, or ICE-TCP)
 * @SIPNAT_MEDIA_TRANSPORT_TLS: TLS over TCP to the TURN server
 *
 * The transport that carries the media from this endpoint: for a relayed
 * local candidate the transport to the TURN server, otherwise the
 * transport of the candidate itself.
 */
typedef enum {
  SIPNAT_MEDIA_TRANSPORT_UDP,
  SIPNAT_MEDIA_TRANSPORT_TCP,
  SIPNAT_MEDIA_TRANSPORT_TLS,
} SipnatMediaTransport;

#define SIPNAT_TYPE_CANDIDATE_PAIR (sipnat_candidate_pair_get_type ())

typedef struct _SipnatCandidatePair SipnatCandidatePair;

SIPNAT_AVAILABLE_IN_ALL
GType                sipnat_candidate_pair_get_type           (void) G_GNUC_CONST;
SIPNAT_AVAILABLE_IN_ALL
SipnatCandidatePair *sipnat_candidate_pair_copy               (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
void                 sipnat_candidate_pair_free               (SipnatCandidatePair       *pair);
SIPNAT_AVAILABLE_IN_ALL
SipnatCandidateType  sipnat_candidate_pair_get_local_type     (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
SipnatCandidateType  sipnat_candidate_pair_get_remote_type    (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_candidate_pair_get_local_address  (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_candidate_pair_get_remote_address (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_candidate_pair_get_local_host     (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
guint16              sipnat_candidate_pair_get_local_port     (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_candidate_pair_get_remote_host    (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
guint16              sipnat_candidate_pair_get_remote_port    (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
SipnatMediaTransport sipnat_candidate_pair_get_transport      (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_candidate_pair_get_relay_server   (const SipnatCandidatePair *pair);
SIPNAT_AVAILABLE_IN_ALL
gboolean             sipnat_candidate_pair_equal              (const SipnatCandidatePair *a,
                                                               const SipnatCandidatePair *b);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_candidate_type_to_string          (SipnatCandidateType        type);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_media_transport_to_string         (SipnatMediaTransport       transport);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatCandidatePair, sipnat_candidate_pair_free)

G_END_DECLS
