/* sipnat-flow-stun-private.h: STUN keep-alives on Sofia's SIP socket
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-scheduler-private.h"

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SipnatFlowStun SipnatFlowStun;

typedef enum {
  SIPNAT_FLOW_STUN_MAPPED,     /* answered: @host and @port are the public binding */
  SIPNAT_FLOW_STUN_TIMEOUT,    /* no answer after the retransmissions */
  SIPNAT_FLOW_STUN_REFUSED,    /* an error answer: the registrar does not do STUN */
} SipnatFlowStunResult;

typedef enum {
  SIPNAT_FLOW_STUN_SENT,       /* the result comes later, once */
  SIPNAT_FLOW_STUN_NOT_YET,    /* the registrar's address is being resolved */
  SIPNAT_FLOW_STUN_NEVER,      /* no SIP socket or no address to send to */
  SIPNAT_FLOW_STUN_BUSY,       /* too many in flight on the socket: try again soon */
} SipnatFlowStunSend;

/* Called once per transaction sent; may free the SipnatFlowStun. */
typedef void (*SipnatFlowStunFunc) (gpointer             data,
                                    SipnatFlowStunResult result,
                                    const char          *host,
                                    guint                port);

SipnatFlowStun    *_sipnat_flow_stun_new        (GMainContext       *context,
                                                 SipnatScheduler    *scheduler,
                                                 guint               local_port,
                                                 const char         *registrar_host,
                                                 guint               registrar_port,
                                                 SipnatFlowStunFunc  func,
                                                 gpointer            data);
void               _sipnat_flow_stun_free       (SipnatFlowStun     *self);
guint              _sipnat_flow_stun_get_n_flows (SipnatFlowStun    *self);
SipnatFlowStunSend _sipnat_flow_stun_send       (SipnatFlowStun     *self);
char              *_sipnat_flow_stun_get_shared_mapping (SipnatFlowStun *self,
                                                         guint           max_age_ms,
                                                         guint          *port);
gboolean           _sipnat_flow_stun_in_flight  (SipnatFlowStun     *self);
const char        *_sipnat_flow_stun_get_reason (SipnatFlowStun     *self);
gboolean           _sipnat_flow_stun_registrar_alive (SipnatFlowStun *self);
void               _sipnat_flow_stun_get_counts (SipnatFlowStun     *self,
                                                 guint              *sent,
                                                 guint              *answered,
                                                 guint              *dropped);
int                _sipnat_flow_stun_find_socket (guint              port,
                                                  int                family);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatFlowStun, _sipnat_flow_stun_free)

G_END_DECLS
