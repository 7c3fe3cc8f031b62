/* sipnat-ice-private.h: one ICE session (libnice agent, one stream, one
 * component with RTP and RTCP muxed) built from a SipnatNatPolicy
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <nice/agent.h>

#include "sipnat-candidate-pair.h"
#include "sipnat-nat-policy.h"

G_BEGIN_DECLS

/* The component of the one stream: RTP and RTCP are muxed on it. */
#define SIPNAT_ICE_COMPONENT 1

/* How long gathering may take before it completes with what it has,
 * relay fallback included. */
#define SIPNAT_ICE_GATHER_TIMEOUT_MS 4500
/* After each third of it without a relayed candidate, the next TURN
 * transport (UDP, TCP, TLS) is tried beside the ones already under way. */
/* Connectivity checks that connect nothing in this long end in FAILED. */
#define SIPNAT_ICE_CHECK_TIMEOUT_MS 10000
/* At most this many remote candidates are used, each at most this long. */
#define SIPNAT_ICE_MAX_REMOTE_CANDIDATES 64
#define SIPNAT_ICE_MAX_CANDIDATE_LENGTH 512
/* ufrag and pwd: RFC 8839 allows 256 ice-chars. */
#define SIPNAT_ICE_MAX_CREDENTIAL_LENGTH 256

typedef enum {
  SIPNAT_ICE_STATE_NEW,
  SIPNAT_ICE_STATE_GATHERING,
  SIPNAT_ICE_STATE_GATHERED,
  SIPNAT_ICE_STATE_CHECKING,
  SIPNAT_ICE_STATE_CONNECTED,
  SIPNAT_ICE_STATE_FAILED,
  SIPNAT_ICE_STATE_CLOSED,
} SipnatIceState;

#define SIPNAT_TYPE_ICE (_sipnat_ice_get_type ())
G_DECLARE_FINAL_TYPE (SipnatIce, _sipnat_ice, SIPNAT, ICE, GObject)

/* Signals (no arguments; read the state or the pair with the getters):
 *   "state-changed"          the value of _sipnat_ice_get_state() changed
 *   "selected-pair-changed"  ICE selected a (new) candidate pair
 * Both are emitted on the agent's context once the object is consistent;
 * a handler may drop its reference to the SipnatIce. */

/* The agent runs on @context (NULL: the thread-default context). A
 * relay from the policy needs turn-server, -user-name and -password all
 * set. @force_relay keeps only relayed candidates (the policy has no such
 * setting yet). The policy is read here only: later changes to it do not
 * apply. */
SipnatIce      *_sipnat_ice_new                  (GMainContext     *context,
                                                  SipnatNatPolicy  *policy,
                                                  gboolean          controlling,
                                                  gboolean          force_relay,
                                                  guint             n_components,
                                                  GError          **error);
/* Before gathering: gather host candidates on these IPv4 or IPv6
 * addresses only (instead of every non-loopback IPv4 address of the
 * host). FALSE with SIPNAT_ERROR_CONFIG for something not an IP address. */
gboolean        _sipnat_ice_add_local_address    (SipnatIce        *self,
                                                  const char       *address,
                                                  GError          **error);
/* Before gathering: the certificate authorities a TURN server over TLS
 * is checked against (default: the system's). */
void            _sipnat_ice_set_tls_database     (SipnatIce        *self,
                                                  GTlsDatabase     *database);
/* Before gathering: replaces SIPNAT_ICE_GATHER_TIMEOUT_MS. */
void            _sipnat_ice_set_gather_timeout   (SipnatIce        *self,
                                                  guint             ms);
/* Replaces SIPNAT_ICE_CHECK_TIMEOUT_MS for the next set_remote. */
void            _sipnat_ice_set_check_timeout    (SipnatIce        *self,
                                                  guint             ms);
void            _sipnat_ice_gather_async         (SipnatIce           *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
gboolean        _sipnat_ice_gather_finish        (SipnatIce        *self,
                                                  GAsyncResult     *result,
                                                  GError          **error);
const char     *_sipnat_ice_get_local_ufrag      (SipnatIce        *self);
const char     *_sipnat_ice_get_local_pwd        (SipnatIce        *self);
/* (element-type utf8) "a=candidate:..." lines, best first */
GPtrArray      *_sipnat_ice_dup_local_candidates (SipnatIce        *self);
void            _sipnat_ice_get_default_candidate_of (SipnatIce    *self,
                                                      guint         component,
                                                      char        **address,
                                                      guint        *port);
guint           _sipnat_ice_get_n_components     (SipnatIce        *self);
/* The default candidate for c=/m= (RFC 8839 section 4.2.1.2): relayed, else
 * server-reflexive, else host (RFC 8445 section 5.1.4), the highest
 * priority of that type. NULL/0 before a candidate is gathered. */
void            _sipnat_ice_get_default_candidate (SipnatIce       *self,
                                                   char           **address,
                                                   guint           *port);
gboolean        _sipnat_ice_set_remote           (SipnatIce        *self,
                                                  const char       *ufrag,
                                                  const char       *pwd,
                                                  GPtrArray        *candidates,
                                                  GError          **error);
gboolean        _sipnat_ice_restart              (SipnatIce        *self,
                                                  GError          **error);
NiceAgent      *_sipnat_ice_get_agent            (SipnatIce        *self);
guint           _sipnat_ice_get_stream_id        (SipnatIce        *self);
SipnatIceState  _sipnat_ice_get_state            (SipnatIce        *self);
const char     *_sipnat_ice_state_to_string      (SipnatIceState    state);
SipnatCandidatePair *_sipnat_ice_dup_selected_pair (SipnatIce      *self);
gint64          _sipnat_ice_get_connected_time   (SipnatIce        *self);
void            _sipnat_ice_close                (SipnatIce        *self);

/* Pure checks of what the peer sends (sipnat-ice-candidate.c). */

/* An a=candidate value ("candidate:..." with or without "a=") that this
 * agent can use (component 1, UDP, an IP address, a known type, every
 * field well formed), as the "a=candidate:..." line libnice parses; NULL
 * otherwise. */
char           *_sipnat_ice_candidate_check      (const char       *value);
/* 1 to 256 ice-chars (RFC 8839 asks 4+ for ufrag and 22+ for pwd; older
 * peers send shorter ones, which libnice accepts). */
gboolean        _sipnat_ice_credential_is_valid  (const char       *value);

G_END_DECLS
