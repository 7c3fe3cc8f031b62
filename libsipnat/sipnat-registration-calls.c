/* sipnat-registration-calls.c: the calls a registration places
 *
 * A call leaves through the registration's flow: the same stack and
 * transport, the registrar as its first hop, the Contact the registrar
 * holds (the public one once reg-match-received-rport rewrote it), the
 * same identity and credentials. So it crosses the NAT like the REGISTER.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-call-private.h"
#include "sipnat-error.h"
#include "sipnat-register-request-private.h"
#include "sipnat-registration-impl-private.h"
#include "sipnat-sip-syntax-private.h"

void
_sipnat_call_origin_free (SipnatCallOrigin *origin)
{
  if (origin == NULL)
    return;

  g_clear_pointer (&origin->stack, _sipnat_stack_unref);
  g_clear_pointer (&origin->account, _sipnat_account_unref);
  g_clear_object (&origin->nat_policy);
  g_free (origin->user);
  g_free (origin->from);
  g_free (origin->contact);
  g_free (origin->route);
  g_free (origin->domain);
  g_free (origin);
}

static char *
local_contact (SipnatRegistration *self)
{
  const char *public_address = sipnat_endpoint_get_public_address (self->endpoint);
  g_autoptr(SipnatBinding) binding = NULL;

  binding = sipnat_binding_new (public_address ? public_address
                                               : _sipnat_stack_get_contact_host (self->stack),
                                _sipnat_stack_get_transport_port (self->stack, self->transport),
                                self->transport);
  return _sipnat_register_build_contact (self->user, binding);
}

static char *
registrar_route (SipnatRegistration *self)
{
  const char *server = _sipnat_server_list_get_active (self->servers);
  g_autofree char *url = NULL;

  if (server == NULL)
    return NULL;

  url = _sipnat_register_build_registrar_url (server, self->transport);
  return g_strdup_printf ("<%s;lr>", url);
}

/*
 * _sipnat_registration_dup_call_origin:
 *
 * Returns: (transfer full) (nullable): what a call goes out with, or
 *   %NULL with %SIPNAT_ERROR_CLOSED when the registration is not on an
 *   endpoint, %SIPNAT_ERROR_CONFIG when it has no user
 */
SipnatCallOrigin *
_sipnat_registration_dup_call_origin (SipnatRegistration  *self,
                                      GError             **error)
{
  SipnatRegisterIdentity id = {
    .user = self->user,
    .domain = self->domain,
    .display_name = self->display_name,
    .first_server = _sipnat_server_list_get_first (self->servers),
  };
  g_autoptr(SipnatCallOrigin) origin = g_new0 (SipnatCallOrigin, 1);
  g_autofree char *contact = NULL;

  if (self->stack == NULL || self->detached || self->endpoint == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                   _("%s: the registration is not on an open endpoint"), self->name);
      return NULL;
    }
  if (self->user == NULL || (self->domain == NULL && id.first_server == NULL))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("%s: a call needs a user and a server or domain"), self->name);
      return NULL;
    }

  contact = self->contact ? g_strdup (self->contact) : local_contact (self);
  origin->stack = _sipnat_stack_ref (self->stack);
  origin->account = _sipnat_account_ref (self->account);
  origin->nat_policy = g_object_ref (self->nat_policy);
  origin->user = g_strdup (self->user);
  origin->from = _sipnat_register_build_from (&id);
  origin->contact = g_strdup_printf ("<%s>", contact);
  origin->route = registrar_route (self);
  origin->domain = self->domain ? g_strdup (self->domain)
                                : _sipnat_server_host (id.first_server);
  return g_steal_pointer (&origin);
}

/*
 * _sipnat_registration_dup_public_host:
 * Where the registrar sees this registration, when it is behind a NAT
 * (the host of its public binding), or %NULL: the best guess of a
 * call's public media address when STUN gives none.
 */
char *
_sipnat_registration_dup_public_host (SipnatRegistration *self)
{
  const SipnatBinding *binding = sipnat_registration_get_public_binding (self);

  if (!sipnat_registration_get_nat_detected (self) || binding == NULL)
    return NULL;
  return g_strdup (sipnat_binding_get_host (binding));
}

/**
 * sipnat_registration_create_call:
 * @self: a #SipnatRegistration
 * @uri: whom to call: a `sip:` or `sips:` URI, or a user name alone,
 *   which is called at the registration's domain
 * @error: return location for a #GError
 *
 * Creates an outgoing call from this registration, in the state
 * %SIPNAT_CALL_STATE_IDLE: connect to its signals and link its
 * [property@Sipnat.Call:media], then place it with
 * [method@Sipnat.Call.dial_async]. The call goes out through the
 * registration's flow, with its identity, Contact, first hop and
 * credentials.
 *
 * Fails with %SIPNAT_ERROR_CONFIG when @uri is not a SIP URI that can be
 * sent as it is (no header part, no spaces, quotes, angle brackets or
 * line breaks).
 *
 * Returns: (transfer full) (nullable): the call
 */
SipnatCall *
sipnat_registration_create_call (SipnatRegistration  *self,
                                 const char          *uri,
                                 GError             **error)
{
  g_autofree char *target = NULL;

  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  g_return_val_if_fail (uri != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  target = _sipnat_normalize_target_uri (uri, self->domain ? self->domain
                                                           : _sipnat_server_list_get_first (self->servers),
                                         error);
  if (target == NULL)
    return NULL;

  return _sipnat_call_new_outgoing (self, target);
}
