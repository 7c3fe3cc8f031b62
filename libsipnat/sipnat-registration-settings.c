/* sipnat-registration-settings.c: a registration's settings (the
 * product's proxyN keys) and what it tells about itself
 *
 * A setting that changes while registered goes out at once: identity
 * changes (server, transport, user, password, domain, display name)
 * unregister the old binding and register afresh.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-registration-impl-private.h"

static void
set_string_setting (SipnatRegistration  *self,
                    char               **field,
                    const char          *value,
                    const char          *property,
                    gboolean             identity)
{
  if (value != NULL && *value == '\0')
    value = NULL;

  if (g_strcmp0 (*field, value) == 0)
    return;

  g_free (*field);
  *field = g_strdup (value);
  g_object_notify (G_OBJECT (self), property);
  _sipnat_registration_setting_changed (self, identity);
}

/* ---------------------------------------------------------------------- */
/* Public API: settings                                                    */

/**
 * sipnat_registration_get_endpoint:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:endpoint].
 *
 * Returns: (transfer none) (nullable): the endpoint, %NULL once it is gone
 */
SipnatEndpoint *
sipnat_registration_get_endpoint (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->endpoint;
}

/**
 * sipnat_registration_get_name:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:name].
 *
 * Returns: the name of the registration's configuration section, e.g. "proxy0"
 */
const char *
sipnat_registration_get_name (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->name;
}

/**
 * sipnat_registration_get_server:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:server].
 *
 * Returns: (nullable): the registrar
 */
const char *
sipnat_registration_get_server (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->server;
}

/**
 * sipnat_registration_set_server:
 * @self: a registration
 * @server: (nullable): the registrar as `host[:port]`, or several,
 *   separated by commas, to fail over between
 *
 * Sets [property@Sipnat.Registration:server]. While registered, the old
 * binding is removed and the new registrar is registered with at once.
 */
void
sipnat_registration_set_server (SipnatRegistration *self,
                                const char         *server)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  _sipnat_server_list_free (self->servers);
  self->servers = _sipnat_server_list_new (server);

  set_string_setting (self, &self->server, server, "server", TRUE);
}

/**
 * sipnat_registration_get_active_server:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:active-server].
 *
 * Returns: (nullable): the server of [property@Sipnat.Registration:server]
 *   in use now
 */
const char *
sipnat_registration_get_active_server (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return _sipnat_server_list_get_active (self->servers);
}

/**
 * sipnat_registration_get_transport:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:transport].
 *
 * Returns: the transport to the registrar
 */
SipnatTransport
sipnat_registration_get_transport (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), SIPNAT_TRANSPORT_UDP);
  return self->transport;
}

/**
 * sipnat_registration_set_transport:
 * @self: a registration
 * @transport: the transport to the registrar
 *
 * Sets [property@Sipnat.Registration:transport].
 */
void
sipnat_registration_set_transport (SipnatRegistration *self,
                                   SipnatTransport     transport)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  g_return_if_fail (transport <= SIPNAT_TRANSPORT_TLS);

  if (self->transport == transport)
    return;

  self->transport = transport;
  g_object_notify (G_OBJECT (self), "transport");
  _sipnat_registration_setting_changed (self, TRUE);
}

/**
 * sipnat_registration_get_user:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:user].
 *
 * Returns: (nullable): the user name
 */
const char *
sipnat_registration_get_user (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->user;
}

/**
 * sipnat_registration_set_user:
 * @self: a registration
 * @user: (nullable): the user name
 *
 * Sets [property@Sipnat.Registration:user].
 */
void
sipnat_registration_set_user (SipnatRegistration *self,
                              const char         *user)
{
  g_autofree char *digest_user = user && *user ? g_uri_unescape_string (user, NULL) : NULL;

  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  /* The URI carries the user part as configured (RFC 3261 escapes, such
   * as %3A for a colon), the digest its plain text. */
  _sipnat_account_set_user (self->account, digest_user ? digest_user : (user && *user ? user : NULL));
  set_string_setting (self, &self->user, user, "user", TRUE);
}

/**
 * sipnat_registration_set_password:
 * @self: a registration
 * @password: (nullable): the password
 *
 * Sets [property@Sipnat.Registration:password].
 */
void
sipnat_registration_set_password (SipnatRegistration *self,
                                  const char         *password)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  _sipnat_account_set_password (self->account, password && *password ? password : NULL);
  _sipnat_registration_setting_changed (self, TRUE);
}

/**
 * sipnat_registration_get_display_name:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:display-name].
 *
 * Returns: (nullable): the display name
 */
const char *
sipnat_registration_get_display_name (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->display_name;
}

/**
 * sipnat_registration_set_display_name:
 * @self: a registration
 * @display_name: (nullable): the display name
 *
 * Sets [property@Sipnat.Registration:display-name].
 */
void
sipnat_registration_set_display_name (SipnatRegistration *self,
                                      const char         *display_name)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  set_string_setting (self, &self->display_name, display_name, "display-name", TRUE);
}

/**
 * sipnat_registration_get_domain:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:domain].
 *
 * Returns: (nullable): the domain
 */
const char *
sipnat_registration_get_domain (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->domain;
}

/**
 * sipnat_registration_set_domain:
 * @self: a registration
 * @domain: (nullable): the domain of the address of record
 *
 * Sets [property@Sipnat.Registration:domain].
 */
void
sipnat_registration_set_domain (SipnatRegistration *self,
                                const char         *domain)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  set_string_setting (self, &self->domain, domain, "domain", TRUE);
}

/**
 * sipnat_registration_get_reg_timeout:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:reg-timeout].
 *
 * Returns: the registration expiry in seconds, 0 for standalone mode
 */
guint
sipnat_registration_get_reg_timeout (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), 0);
  return self->reg_timeout;
}

/**
 * sipnat_registration_set_reg_timeout:
 * @self: a registration
 * @seconds: the expiry, 0 for standalone mode
 *
 * Sets [property@Sipnat.Registration:reg-timeout]. While registered, a
 * REGISTER with the new expiry goes out at once.
 */
void
sipnat_registration_set_reg_timeout (SipnatRegistration *self,
                                     guint               seconds)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  if (self->reg_timeout == seconds)
    return;

  self->reg_timeout = seconds;
  g_object_notify (G_OBJECT (self), "reg-timeout");
  _sipnat_registration_setting_changed (self, FALSE);
}

/**
 * sipnat_registration_get_reg_interval:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:reg-interval].
 *
 * Returns: the retry interval in seconds
 */
guint
sipnat_registration_get_reg_interval (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), 0);
  return self->reg_interval;
}

/**
 * sipnat_registration_set_reg_interval:
 * @self: a registration
 * @seconds: the retry interval, 0 for none
 *
 * Sets [property@Sipnat.Registration:reg-interval].
 */
void
sipnat_registration_set_reg_interval (SipnatRegistration *self,
                                      guint               seconds)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  if (self->reg_interval == seconds)
    return;

  self->reg_interval = seconds;
  g_object_notify (G_OBJECT (self), "reg-interval");
}

/**
 * sipnat_registration_get_reg_match_received_rport:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:reg-match-received-rport].
 *
 * Returns: whether the Contact follows the public binding
 */
gboolean
sipnat_registration_get_reg_match_received_rport (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->reg_match_received_rport;
}

/**
 * sipnat_registration_set_reg_match_received_rport:
 * @self: a registration
 * @match: whether the Contact follows the public binding
 *
 * Sets [property@Sipnat.Registration:reg-match-received-rport]; it takes
 * effect at the next REGISTER response.
 */
void
sipnat_registration_set_reg_match_received_rport (SipnatRegistration *self,
                                                  gboolean            match)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  match = !!match;
  if (self->reg_match_received_rport == match)
    return;

  self->reg_match_received_rport = match;
  g_object_notify (G_OBJECT (self), "reg-match-received-rport");
}

/**
 * sipnat_registration_get_outbound:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:outbound].
 *
 * Returns: whether SIP outbound is asked for
 */
gboolean
sipnat_registration_get_outbound (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->outbound;
}

/**
 * sipnat_registration_set_outbound:
 * @self: a registration
 * @outbound: whether to ask for SIP outbound
 *
 * Sets [property@Sipnat.Registration:outbound]; it applies from the next
 * REGISTER.
 */
void
sipnat_registration_set_outbound (SipnatRegistration *self,
                                  gboolean            outbound)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  outbound = !!outbound;
  if (self->outbound == outbound)
    return;

  self->outbound = outbound;
  g_object_notify (G_OBJECT (self), "outbound");
}

/**
 * sipnat_registration_get_outbound_active:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:outbound-active].
 *
 * Returns: whether the registrar does outbound for this registration
 */
gboolean
sipnat_registration_get_outbound_active (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->flow != NULL && _sipnat_flow_get_outbound_active (self->flow);
}

/**
 * sipnat_registration_get_nat_policy:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:nat-policy].
 *
 * Returns: (transfer none): the registration's NAT policy
 */
SipnatNatPolicy *
sipnat_registration_get_nat_policy (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->nat_policy;
}

/**
 * sipnat_registration_get_state:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:state].
 *
 * Returns: the state
 */
SipnatRegistrationState
sipnat_registration_get_state (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), SIPNAT_REGISTRATION_STATE_NONE);
  return self->state;
}

/**
 * sipnat_registration_get_state_reason:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:state-reason].
 *
 * Returns: (nullable): why the state is what it is
 */
const char *
sipnat_registration_get_state_reason (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->state_reason;
}

/**
 * sipnat_registration_get_error:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:error].
 *
 * Returns: (nullable) (transfer none): the error of the last failure, if
 *   the registration is failed or retrying
 */
const GError *
sipnat_registration_get_error (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->error;
}

/**
 * sipnat_registration_get_status_code:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:status-code].
 *
 * Returns: the SIP status of the last final answer to a REGISTER, or 0
 */
guint
sipnat_registration_get_status_code (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), 0);
  return self->status_code;
}

/**
 * sipnat_registration_get_public_binding:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:public-binding].
 *
 * Returns: (nullable) (transfer none): the public binding
 */
const SipnatBinding *
sipnat_registration_get_public_binding (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return _sipnat_binding_follower_get_public (self->follower);
}

/**
 * sipnat_registration_get_local_binding:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:local-binding].
 *
 * Returns: (nullable) (transfer none): the local binding
 */
const SipnatBinding *
sipnat_registration_get_local_binding (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return _sipnat_binding_follower_get_local (self->follower);
}

/**
 * sipnat_registration_get_nat_detected:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:nat-detected].
 *
 * Returns: whether a NAT was detected between this endpoint and the registrar
 */
gboolean
sipnat_registration_get_nat_detected (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return _sipnat_binding_follower_get_nat_detected (self->follower);
}

/**
 * sipnat_registration_get_contact:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:contact].
 *
 * Returns: (nullable): the Contact URI registered or being registered
 */
const char *
sipnat_registration_get_contact (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->contact;
}

