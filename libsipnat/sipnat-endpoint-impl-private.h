/* sipnat-endpoint-impl-private.h: what the parts of an endpoint share
 *
 * sipnat-endpoint.c is the GObject: construction, properties, the
 * registrations' list; sipnat-endpoint-batch.c its operations on all the
 * registrations (register_all, close); sipnat-settings.c its settings by
 * key.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-endpoint-private.h"
#include "sipnat-network-monitor-private.h"
#include "sipnat-stack-private.h"

G_BEGIN_DECLS

struct _SipnatEndpoint
{
  GObject parent_instance;

  GMainContext *context;
  SipnatStack *stack;

  char *local_address;
  guint local_port;
  SipnatTransportFlags transports;
  char *user_agent;
  guint transaction_timeout;
  char *public_address;
  char *ip_versions;
  char *instance_id;
  gboolean tcp_for_large_requests;

  SipnatNatPolicy *nat_policy;
  GListStore *registrations;
  GHashTable *registrations_by_name;   /* name → registration, both the list's */
  GPtrArray *calls;                /* every call not ended */
  guint last_reg_id;

  gboolean closed;
  guint close_timeout;
  GTask *close_task;
  GCancellable *close_cancellable;
  gulong close_cancelled_id;
  GSource *close_deadline;
  GError *close_error;
  gpointer close_batch;            /* its unregistrations (sipnat-endpoint-batch.c) */

  SipnatNetworkMonitor *network_monitor;   /* sipnat-endpoint-network.c */
};

void _sipnat_endpoint_detach_registrations (SipnatEndpoint *self,
                                            gboolean        unregister);

/* sipnat-endpoint-calls.c */
void _sipnat_endpoint_terminate_calls (SipnatEndpoint     *self,
                                       SipnatRegistration *registration,
                                       const char         *reason);
SipnatRegistration *_sipnat_endpoint_registration_for_request (SipnatEndpoint *self,
                                                               const sip_t    *sip);

SipnatStack *_sipnat_endpoint_new_stack (SipnatEndpoint  *self,
                                         guint            port,
                                         GError         **error);
void _sipnat_endpoint_update_local_port (SipnatEndpoint *self);

/* sipnat-endpoint-network.c */
void _sipnat_endpoint_start_network_monitor (SipnatEndpoint *self);
void _sipnat_endpoint_emit_network_changed  (SipnatEndpoint *self,
                                             gboolean        available);
SipnatNetworkMonitor *_sipnat_endpoint_get_network_monitor (SipnatEndpoint *self);

char *_sipnat_endpoint_random_instance_id (void);

G_END_DECLS
