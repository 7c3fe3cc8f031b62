/* sipnat-binding-follower-private.h: the bindings a registration learns
 * from the Via of every answer, and whether its Contact should follow
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-binding-tracker-private.h"
#include "sipnat-sofia-private.h"

G_BEGIN_DECLS

typedef enum {
  SIPNAT_BINDING_CHANGED_NONE         = 0,
  SIPNAT_BINDING_CHANGED_LOCAL        = 1 << 0,
  SIPNAT_BINDING_CHANGED_PUBLIC       = 1 << 1,
  SIPNAT_BINDING_CHANGED_NAT_DETECTED = 1 << 2,
} SipnatBindingChanges;

typedef struct _SipnatBindingFollower SipnatBindingFollower;

SipnatBindingFollower *_sipnat_binding_follower_new          (const char            *name);
void                   _sipnat_binding_follower_free         (SipnatBindingFollower *self);
void                   _sipnat_binding_follower_reset        (SipnatBindingFollower *self,
                                                              gint64                 cycle_us);
SipnatBindingChanges   _sipnat_binding_follower_observe      (SipnatBindingFollower *self,
                                                              const sip_via_t       *via,
                                                              SipnatTransport        transport,
                                                              SipnatBinding        **old_public);
SipnatBindingChanges   _sipnat_binding_follower_observe_mapped (SipnatBindingFollower *self,
                                                                const SipnatBinding   *public,
                                                                SipnatBinding        **old_public);
const SipnatBinding   *_sipnat_binding_follower_get_public   (SipnatBindingFollower *self);
const SipnatBinding   *_sipnat_binding_follower_get_local    (SipnatBindingFollower *self);
gboolean               _sipnat_binding_follower_get_nat_detected (SipnatBindingFollower *self);
SipnatBindingAction    _sipnat_binding_follower_decide       (SipnatBindingFollower *self,
                                                              const SipnatBinding   *contact,
                                                              const char            *registrar_host);
void                   _sipnat_binding_follower_rewrote      (SipnatBindingFollower *self,
                                                              const SipnatBinding   *old_contact);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatBindingFollower, _sipnat_binding_follower_free)

G_END_DECLS
