/* sipnat-registration-network.c: a registration after the network under
 * its endpoint changed
 *
 * The Contact the registrar holds may name an address that is gone (a
 * new LAN address) or a NAT binding that no longer leads here (a new
 * router): the registration re-registers at once from the new address,
 * removing the old Contact in the same REGISTER, instead of waiting for
 * a keep-alive to fail or a refresh. The answer's Via tells the new
 * public binding (public-binding-changed), and reg-match-received-rport
 * follows it as after any rebinding.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-debug-private.h"
#include "sipnat-register-request-private.h"
#include "sipnat-registration-impl-private.h"

static gboolean
wants_binding (SipnatRegistration *self)
{
  switch (self->state)
    {
    case SIPNAT_REGISTRATION_STATE_REGISTERED:
    case SIPNAT_REGISTRATION_STATE_REGISTERING:
    case SIPNAT_REGISTRATION_STATE_RETRYING:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The Contact to remove with expires=0: the one the registrar may hold,
 * unless the new REGISTER advertises the very same. */
static void
remember_stale_contact (SipnatRegistration *self)
{
  g_autoptr(SipnatBinding) next = NULL;
  const char *public_address;

  if (!self->bound || self->contact == NULL || self->contact_binding == NULL ||
      self->stale_contact != NULL)
    return;

  public_address = self->endpoint ? sipnat_endpoint_get_public_address (self->endpoint) : NULL;
  next = sipnat_binding_new (public_address ? public_address
                                            : _sipnat_stack_get_contact_host (self->stack),
                             _sipnat_stack_get_port (self->stack), self->transport);
  if (!sipnat_binding_equal (next, self->contact_binding))
    self->stale_contact = g_strdup (self->contact);
}

/*
 * _sipnat_registration_network_changed:
 * @available: whether the network has a route out
 *
 * Re-registers now from the stack's current address if the registration
 * wants to be registered; with no network, waits for the next change.
 */
void
_sipnat_registration_network_changed (SipnatRegistration *self,
                                      gboolean            available)
{
  if (self->detached || self->stack == NULL || _sipnat_stack_get_nua (self->stack) == NULL ||
      !wants_binding (self))
    return;

  _sipnat_registration_enter (self);

  if (!available)
    {
      SIPNAT_NOTE (REGISTRATION, "%s: network down; re-registering when it is back", self->name);
      _sipnat_registration_leave (self);
      return;
    }

  SIPNAT_NOTE (REGISTRATION, "%s: network changed; re-registering from %s", self->name,
               _sipnat_stack_get_contact_host (self->stack));

  _sipnat_registration_cancel_retry (self);
  _sipnat_registration_stop_flow (self);
  remember_stale_contact (self);
  g_clear_pointer (&self->contact_binding, sipnat_binding_free);

  /* A REGISTER under way went out from the old address: its answer may
   * never come. Start over on a new handle rather than wait for it. */
  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED || self->auth_rounds > 0)
    _sipnat_registration_drop_handle (self, FALSE);

  _sipnat_registration_send (self);

  _sipnat_registration_leave (self);
}

/* The new stack trusts the CA file the old one was given. */
static void
move_tls_trust (SipnatRegistration *self)
{
  g_autoptr(GError) error = NULL;

  if (!_sipnat_registration_check_tls (self, &error))
    SIPNAT_NOTE (SIP, "%s: %s", self->name, error->message);
}

/*
 * _sipnat_registration_move_to_stack:
 * @stack: the endpoint's new stack
 *
 * The endpoint replaced its stack (the old one's sockets are bound to an
 * address that is gone): nothing more is sent from the old one, and the
 * next REGISTER goes out from the new one. The state is kept: the
 * registrar may still hold our old Contact.
 */
void
_sipnat_registration_move_to_stack (SipnatRegistration *self,
                                    SipnatStack        *stack)
{
  if (self->detached || self->stack == NULL || self->stack == stack)
    return;

  _sipnat_registration_enter (self);
  _sipnat_registration_drop_handle (self, FALSE);
  g_clear_pointer (&self->flow, _sipnat_flow_free);
  g_clear_pointer (&self->stack, _sipnat_stack_unref);
  _sipnat_registration_attach (self, stack);
  move_tls_trust (self);

  /* An un-REGISTER under way went with the old handle: again, from here. */
  if (self->state == SIPNAT_REGISTRATION_STATE_UNREGISTERING)
    {
      g_autoptr(GError) error = NULL;

      if (!_sipnat_registration_start_unregister (self, &error))
        {
          _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED, NULL);
          _sipnat_registration_complete (self, &self->unregister_task, error);
        }
    }

  _sipnat_registration_leave (self);
}
