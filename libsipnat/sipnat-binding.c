/* sipnat-binding.c: a transport address as seen from one side of a NAT
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sipnat-binding-private.h"

G_DEFINE_BOXED_TYPE (SipnatBinding, sipnat_binding, sipnat_binding_copy, sipnat_binding_free)

/**
 * sipnat_binding_new:
 * @host: an IP address or host name
 * @port: a port
 * @transport: a transport
 *
 * Creates a binding.
 *
 * Returns: (transfer full): a new binding; free it with [method@Sipnat.Binding.free]
 */
SipnatBinding *
sipnat_binding_new (const char      *host,
                    guint16          port,
                    SipnatTransport  transport)
{
  SipnatBinding *self;

  g_return_val_if_fail (host != NULL, NULL);

  self = g_new0 (SipnatBinding, 1);
  self->host = g_strdup (host);
  self->port = port;
  self->transport = transport;

  return self;
}

/**
 * sipnat_binding_copy:
 * @binding: a binding
 *
 * Copies a binding.
 *
 * Returns: (transfer full): a copy of @binding
 */
SipnatBinding *
sipnat_binding_copy (const SipnatBinding *binding)
{
  g_return_val_if_fail (binding != NULL, NULL);

  return sipnat_binding_new (binding->host, binding->port, binding->transport);
}

/**
 * sipnat_binding_free:
 * @binding: (nullable): a binding
 *
 * Frees a binding.
 */
void
sipnat_binding_free (SipnatBinding *binding)
{
  if (binding == NULL)
    return;

  g_free (binding->host);
  g_free (binding);
}

/**
 * sipnat_binding_get_host:
 * @binding: a binding
 *
 * Gets the address of @binding.
 *
 * Returns: the IP address (or host name) of @binding, without brackets
 */
const char *
sipnat_binding_get_host (const SipnatBinding *binding)
{
  g_return_val_if_fail (binding != NULL, NULL);
  return binding->host;
}

/**
 * sipnat_binding_get_port:
 * @binding: a binding
 *
 * Gets the port of @binding.
 *
 * Returns: the port of @binding
 */
guint16
sipnat_binding_get_port (const SipnatBinding *binding)
{
  g_return_val_if_fail (binding != NULL, 0);
  return binding->port;
}

/**
 * sipnat_binding_get_transport:
 * @binding: a binding
 *
 * Gets the transport of @binding.
 *
 * Returns: the transport protocol of @binding
 */
SipnatTransport
sipnat_binding_get_transport (const SipnatBinding *binding)
{
  g_return_val_if_fail (binding != NULL, SIPNAT_TRANSPORT_UDP);
  return binding->transport;
}

/**
 * sipnat_binding_equal:
 * @a: (nullable): a binding
 * @b: (nullable): another binding
 *
 * Compares two bindings: equal when host (ignoring case), port and
 * transport are the same, or when both are %NULL.
 *
 * Returns: %TRUE if @a and @b are equal
 */
gboolean
sipnat_binding_equal (const SipnatBinding *a,
                      const SipnatBinding *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return a->port == b->port &&
         a->transport == b->transport &&
         g_ascii_strcasecmp (a->host, b->host) == 0;
}

/**
 * sipnat_binding_to_string:
 * @binding: a binding
 *
 * Formats a binding as `host:port/transport`, with brackets around an
 * IPv6 address.
 *
 * Returns: (transfer full): a new string
 */
char *
sipnat_binding_to_string (const SipnatBinding *binding)
{
  gboolean ipv6;

  g_return_val_if_fail (binding != NULL, NULL);

  ipv6 = strchr (binding->host, ':') != NULL;

  return g_strdup_printf ("%s%s%s:%u/%s",
                          ipv6 ? "[" : "", binding->host, ipv6 ? "]" : "",
                          binding->port, sipnat_transport_to_string (binding->transport));
}
