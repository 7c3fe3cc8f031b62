/* sipnat-stack-private.h: Sofia-SIP's nua on a GLib main context
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-sofia-private.h"
#include "sipnat-transport.h"

G_BEGIN_DECLS

typedef struct _SipnatStack SipnatStack;

/* Every nua event, on the stack's context; @hmagic is whatever the
 * handle was created with. */
typedef void (*SipnatStackEventFunc) (gpointer      owner,
                                      nua_event_t   event,
                                      int           status,
                                      const char   *phrase,
                                      nua_t        *nua,
                                      nua_handle_t *nh,
                                      nua_hmagic_t *hmagic,
                                      const sip_t  *sip,
                                      tagi_t        tags[]);

typedef void (*SipnatStackDoneFunc)  (gpointer      data);

typedef struct {
  const char *local_address;
  guint local_port;
  SipnatTransportFlags transports;
  const char *user_agent;
  guint transaction_timeout;
  gboolean tcp_for_large_requests;
} SipnatStackOptions;

SipnatStack *_sipnat_stack_new              (GMainContext             *context,
                                             const SipnatStackOptions *options,
                                             SipnatStackEventFunc      func,
                                             gpointer                  owner,
                                             GError                  **error);
nua_t       *_sipnat_stack_get_nua          (SipnatStack              *self);
guint        _sipnat_stack_get_port         (SipnatStack              *self);
const char  *_sipnat_stack_get_contact_host (SipnatStack              *self);
void         _sipnat_stack_set_tcp_for_large_requests (SipnatStack *self,
                                                       gboolean     enabled);
void         _sipnat_stack_shutdown         (SipnatStack              *self,
                                             SipnatStackDoneFunc       done,
                                             gpointer                  data);
void         _sipnat_stack_abandon          (SipnatStack              *self);

G_END_DECLS
