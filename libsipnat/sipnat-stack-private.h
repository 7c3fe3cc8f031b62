/* sipnat-stack-private.h: Sofia-SIP's nua on a GLib main context
 *
 * The narrow interface that registrations, keep-alives and calls use:
 * they create their handles on the stack's nua with themselves as the
 * owner (sipnat-handle-owner-private.h) and never see the endpoint.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-scheduler-private.h"
#include "sipnat-sofia-private.h"
#include "sipnat-transport.h"

G_BEGIN_DECLS

typedef struct _SipnatStack SipnatStack;

/* A request that opened a new handle: the callee answers it or destroys
 * the handle. */
typedef void (*SipnatStackIncomingFunc) (gpointer              data,
                                         const SipnatSipEvent *event);
typedef void (*SipnatStackDoneFunc)     (gpointer              data);

typedef struct {
  const char *local_address;
  guint local_port;
  SipnatTransportFlags transports;
  const char *user_agent;
  guint transaction_timeout;
  gboolean tcp_for_large_requests;
} SipnatStackOptions;

SipnatStack  *_sipnat_stack_new              (GMainContext             *context,
                                              const SipnatStackOptions *options,
                                              GError                  **error);
SipnatStack  *_sipnat_stack_ref              (SipnatStack              *self);
void          _sipnat_stack_unref            (SipnatStack              *self);
nua_t        *_sipnat_stack_get_nua          (SipnatStack              *self);
GMainContext *_sipnat_stack_get_context      (SipnatStack              *self);
SipnatScheduler *_sipnat_stack_get_scheduler (SipnatStack              *self);
guint         _sipnat_stack_get_port         (SipnatStack              *self);
const char   *_sipnat_stack_get_contact_host (SipnatStack              *self);
guint         _sipnat_stack_get_transport_port (SipnatStack            *self,
                                                SipnatTransport         transport);
gboolean      _sipnat_stack_has_tls          (SipnatStack              *self);
gboolean      _sipnat_stack_add_tls_ca_file  (SipnatStack              *self,
                                              const char               *path,
                                              GError                  **error);
gboolean      _sipnat_stack_refresh_contact_host (SipnatStack          *self,
                                                  const char           *preferred);
gboolean      _sipnat_stack_serves           (SipnatStack              *self,
                                              const char * const       *addresses,
                                              const char               *source);
void          _sipnat_stack_set_incoming_handler (SipnatStack             *self,
                                                  SipnatStackIncomingFunc  func,
                                                  gpointer                 data);
void          _sipnat_stack_set_tcp_for_large_requests (SipnatStack *self,
                                                        gboolean     enabled);
gboolean      _sipnat_stack_get_tcp_for_large_requests (SipnatStack *self);
void          _sipnat_stack_set_transaction_timeout    (SipnatStack *self,
                                                        guint        timeout_ms);
void          _sipnat_stack_set_stream_keepalive       (SipnatStack   *self,
                                                        gconstpointer  who,
                                                        guint          ms);
void          _sipnat_stack_shutdown         (SipnatStack              *self,
                                              SipnatStackDoneFunc       done,
                                              gpointer                  data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatStack, _sipnat_stack_unref)

G_END_DECLS
