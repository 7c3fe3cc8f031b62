/* sipnat-flow-private.h: keep a registration's flow and NAT binding open
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-stack-private.h"

G_BEGIN_DECLS

typedef struct _SipnatFlow SipnatFlow;

/* Called with every final answer to a keep-alive, including the ones
 * nta makes up itself when nothing came back (408, 503). */
typedef void (*SipnatFlowAnsweredFunc) (gpointer              data,
                                        const SipnatSipEvent *event);

/* Called with the public binding a STUN keep-alive was answered with
 * (UDP only). */
typedef void (*SipnatFlowMappedFunc)   (gpointer              data,
                                        const char           *host,
                                        guint                 port);

typedef struct {
  guint stun_sent;          /* STUN datagrams, retransmissions included */
  guint stun_answered;
  guint stun_dropped;       /* STUN-shaped datagrams that were no answer of ours */
  guint options_sent;       /* OPTIONS keep-alives and probes */
  gboolean options_fallback; /* the registrar did not answer STUN */
  guint stun_timeouts_excused; /* unanswered while the registrar answered others */
  guint stun_deferred;      /* keep-alives put off: too many answers pending on the socket */
  guint stun_shared;        /* keep-alives answered by another flow's STUN on the same socket */
} SipnatFlowCounts;

SipnatFlow *_sipnat_flow_new               (SipnatStack            *stack,
                                            SipnatFlowAnsweredFunc  func,
                                            gpointer                data);
void        _sipnat_flow_set_mapped_func (SipnatFlow          *self,
                                          SipnatFlowMappedFunc func);
void        _sipnat_flow_get_counts    (SipnatFlow             *self,
                                        SipnatFlowCounts       *counts);
void        _sipnat_flow_free              (SipnatFlow             *self);
void        _sipnat_flow_set_interval      (SipnatFlow             *self,
                                            guint                   interval_s);
gboolean    _sipnat_flow_update_outbound   (SipnatFlow             *self,
                                            const sip_t            *sip);
gboolean    _sipnat_flow_get_outbound_active (SipnatFlow           *self);
guint       _sipnat_flow_get_flow_timer    (SipnatFlow             *self);
void        _sipnat_flow_claim_stream      (SipnatFlow             *self);
void        _sipnat_flow_start             (SipnatFlow             *self,
                                            const char             *registrar_url,
                                            const char             *aor,
                                            SipnatTransport         transport);
void        _sipnat_flow_stop              (SipnatFlow             *self);
gboolean    _sipnat_flow_is_running        (SipnatFlow             *self);
void        _sipnat_flow_probe             (SipnatFlow             *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatFlow, _sipnat_flow_free)

G_END_DECLS
