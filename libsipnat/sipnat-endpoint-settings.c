/* sipnat-endpoint-settings.c: the endpoint's properties, read and set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-endpoint-impl-private.h"
#include "sipnat-stack-private.h"
#include "sipnat-util-private.h"

/* A new instance id (RFC 5626 §4.1: a URN UUID). */
char *
_sipnat_endpoint_random_instance_id (void)
{
  g_autofree char *uuid = g_uuid_string_random ();

  return g_strconcat ("urn:uuid:", uuid, NULL);
}

/**
 * sipnat_endpoint_get_local_address:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:local-address].
 *
 * Returns: the local address the transports are bound to
 */
const char *
sipnat_endpoint_get_local_address (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  return self->local_address;
}

/**
 * sipnat_endpoint_get_local_port:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:local-port].
 *
 * Returns: the bound local port (the requested one before initialisation)
 */
guint
sipnat_endpoint_get_local_port (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), 0);
  return self->local_port;
}

/**
 * sipnat_endpoint_get_transports:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:transports].
 *
 * Returns: the enabled transports
 */
SipnatTransportFlags
sipnat_endpoint_get_transports (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), SIPNAT_TRANSPORT_FLAGS_NONE);
  return self->transports;
}

/**
 * sipnat_endpoint_get_user_agent:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:user-agent].
 *
 * Returns: the User-Agent string
 */
const char *
sipnat_endpoint_get_user_agent (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  return self->user_agent;
}

/**
 * sipnat_endpoint_get_transaction_timeout:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:sip-transaction-timeout].
 *
 * Returns: the SIP transaction timeout in milliseconds
 */
guint
sipnat_endpoint_get_transaction_timeout (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), 0);
  return self->transaction_timeout;
}

/**
 * sipnat_endpoint_set_transaction_timeout:
 * @self: an endpoint
 * @timeout_ms: 1 to 32000 milliseconds
 *
 * Sets [property@Sipnat.Endpoint:sip-transaction-timeout]; it applies to
 * transactions started afterwards.
 */
void
sipnat_endpoint_set_transaction_timeout (SipnatEndpoint *self,
                                         guint           timeout_ms)
{
  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));
  g_return_if_fail (timeout_ms >= 1 && timeout_ms <= SIPNAT_DEFAULT_TRANSACTION_TIMEOUT);

  if (self->transaction_timeout == timeout_ms)
    return;

  self->transaction_timeout = timeout_ms;
  if (self->stack != NULL)
    _sipnat_stack_set_transaction_timeout (self->stack, timeout_ms);

  g_object_notify (G_OBJECT (self), "sip-transaction-timeout");
}

/**
 * sipnat_endpoint_get_public_address:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:public-address].
 *
 * Returns: (nullable): the configured public address
 */
const char *
sipnat_endpoint_get_public_address (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  return self->public_address;
}

/**
 * sipnat_endpoint_set_public_address:
 * @self: an endpoint
 * @public_address: (nullable): an address to advertise, or %NULL
 *
 * Sets [property@Sipnat.Endpoint:public-address]; it applies to the next
 * REGISTER of each registration.
 */
void
sipnat_endpoint_set_public_address (SipnatEndpoint *self,
                                    const char     *public_address)
{
  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));

  if (public_address != NULL && *public_address == '\0')
    public_address = NULL;

  if (_sipnat_set_str (&self->public_address, public_address))
    g_object_notify (G_OBJECT (self), "public-address");
}

/**
 * sipnat_endpoint_get_tcp_for_large_requests:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:tcp-for-large-requests].
 *
 * Returns: whether large requests go over TCP
 */
gboolean
sipnat_endpoint_get_tcp_for_large_requests (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), FALSE);
  return self->tcp_for_large_requests;
}

/**
 * sipnat_endpoint_set_tcp_for_large_requests:
 * @self: an endpoint
 * @enabled: whether requests of more than 1300 bytes go over TCP
 *
 * Sets [property@Sipnat.Endpoint:tcp-for-large-requests]. Turning it on
 * after construction only works if TCP was bound then.
 */
void
sipnat_endpoint_set_tcp_for_large_requests (SipnatEndpoint *self,
                                            gboolean        enabled)
{
  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));

  enabled = !!enabled;
  if (self->tcp_for_large_requests == enabled)
    return;

  self->tcp_for_large_requests = enabled;
  if (self->stack != NULL)
    _sipnat_stack_set_tcp_for_large_requests (self->stack, enabled);

  g_object_notify (G_OBJECT (self), "tcp-for-large-requests");
}

/**
 * sipnat_endpoint_get_instance_id:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:instance-id].
 *
 * Returns: the instance identifier, a URN
 */
const char *
sipnat_endpoint_get_instance_id (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  return self->instance_id;
}

/**
 * sipnat_endpoint_set_instance_id:
 * @self: an endpoint
 * @instance_id: (nullable): a URN such as `urn:uuid:…`; %NULL or empty for
 *   a new random one
 *
 * Sets [property@Sipnat.Endpoint:instance-id]; it applies to the next
 * REGISTER of each registration.
 */
void
sipnat_endpoint_set_instance_id (SipnatEndpoint *self,
                                 const char     *instance_id)
{
  g_autofree char *random = NULL;

  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));

  if (instance_id == NULL || *instance_id == '\0')
    instance_id = random = _sipnat_endpoint_random_instance_id ();

  if (_sipnat_set_str (&self->instance_id, instance_id))
    g_object_notify (G_OBJECT (self), "instance-id");
}

/**
 * sipnat_endpoint_get_close_timeout:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:close-timeout].
 *
 * Returns: the longest a close takes, in milliseconds
 */
guint
sipnat_endpoint_get_close_timeout (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), 0);
  return self->close_timeout;
}

/**
 * sipnat_endpoint_set_close_timeout:
 * @self: an endpoint
 * @timeout_ms: the longest a close may take, in milliseconds (1 to 600000)
 *
 * Sets [property@Sipnat.Endpoint:close-timeout].
 */
void
sipnat_endpoint_set_close_timeout (SipnatEndpoint *self,
                                   guint           timeout_ms)
{
  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));
  g_return_if_fail (timeout_ms >= 1 && timeout_ms <= 600000);

  if (self->close_timeout == timeout_ms)
    return;

  self->close_timeout = timeout_ms;
  g_object_notify (G_OBJECT (self), "close-timeout");
}

/**
 * sipnat_endpoint_get_nat_policy:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:nat-policy], the defaults of the NAT
 * policies of registrations added afterwards.
 *
 * Returns: (transfer none): the endpoint's default NAT policy
 */
SipnatNatPolicy *
sipnat_endpoint_get_nat_policy (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  return self->nat_policy;
}

/**
 * sipnat_endpoint_get_registrations:
 * @self: an endpoint
 *
 * Gets [property@Sipnat.Endpoint:registrations].
 *
 * Returns: (transfer none): a list model of the endpoint's [class@Sipnat.Registration]s
 */
GListModel *
sipnat_endpoint_get_registrations (SipnatEndpoint *self)
{
  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  return G_LIST_MODEL (self->registrations);
}
