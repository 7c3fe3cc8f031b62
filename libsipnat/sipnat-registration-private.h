/* sipnat-registration-private.h: the endpoint's view of a registration
 *
 * Sofia-free: the settings code includes it too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-registration.h"

G_BEGIN_DECLS

typedef struct _SipnatStack SipnatStack;
typedef struct _SipnatAccount SipnatAccount;

/* What a call of this registration goes out with: the same stack,
 * credentials, identity, Contact and first hop as its REGISTERs. */
typedef struct {
  SipnatStack *stack;
  SipnatAccount *account;
  SipnatNatPolicy *nat_policy;
  char *user;
  char *from;            /* From header value */
  char *contact;         /* Contact header value */
  char *route;           /* the registrar as a loose route; NULL without one */
  char *domain;          /* for a target given without a host */
} SipnatCallOrigin;

SipnatRegistration *_sipnat_registration_new (SipnatEndpoint     *endpoint,
                                              const char         *name,
                                              guint               reg_id);
void     _sipnat_registration_attach     (SipnatRegistration *self,
                                          SipnatStack        *stack);
gboolean _sipnat_registration_is_active  (SipnatRegistration *self);
void     _sipnat_registration_stop_keepalives (SipnatRegistration *self);
void     _sipnat_registration_detach     (SipnatRegistration *self,
                                          gboolean            unregister);
/* sipnat-registration-network.c */
void     _sipnat_registration_network_changed (SipnatRegistration *self,
                                               gboolean            available);
void     _sipnat_registration_move_to_stack   (SipnatRegistration *self,
                                               SipnatStack        *stack);

SipnatCallOrigin *_sipnat_registration_dup_call_origin (SipnatRegistration *self,
                                                        GError            **error);
void              _sipnat_call_origin_free            (SipnatCallOrigin   *origin);
char             *_sipnat_registration_dup_public_host (SipnatRegistration *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatCallOrigin, _sipnat_call_origin_free)

G_END_DECLS
