/* sipnat-binding-tracker-private.h: when to follow a changed public binding
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-binding-private.h"

G_BEGIN_DECLS

typedef enum {
  SIPNAT_BINDING_ACTION_NONE,     /* the Contact is right, or must not follow */
  SIPNAT_BINDING_ACTION_CONFIRM,  /* a new binding: probe once more before trusting it */
  SIPNAT_BINDING_ACTION_REWRITE,  /* confirmed: register the public binding as Contact */
  SIPNAT_BINDING_ACTION_DEFER,    /* confirmed, but it flips back to the Contact of this cycle's rewrite */
} SipnatBindingAction;

typedef struct _SipnatBindingTracker SipnatBindingTracker;

SipnatBindingTracker *_sipnat_binding_tracker_new       (void);
void                  _sipnat_binding_tracker_free      (SipnatBindingTracker *self);
void                  _sipnat_binding_tracker_reset     (SipnatBindingTracker *self);
void                  _sipnat_binding_tracker_set_cycle (SipnatBindingTracker *self,
                                                         gint64                cycle_us);
SipnatBindingAction   _sipnat_binding_tracker_observe   (SipnatBindingTracker *self,
                                                         const SipnatBinding  *observed,
                                                         const SipnatBinding  *contact,
                                                         const char           *registrar_host,
                                                         gint64                now_us);
void                  _sipnat_binding_tracker_rewrote   (SipnatBindingTracker *self,
                                                         const SipnatBinding  *old_contact,
                                                         gint64                now_us);
gboolean              _sipnat_address_is_private        (const char           *host);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatBindingTracker, _sipnat_binding_tracker_free)

G_END_DECLS
