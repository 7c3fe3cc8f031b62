/* sipnat-transport.c: SIP transports
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-transport.h"

static const char * const transport_names[] = { "udp", "tcp", "tls" };

/**
 * sipnat_transport_to_string:
 * @transport: a transport
 *
 * Gives the lower-case name of @transport, as used in a SIP URI's
 * `transport` parameter.
 *
 * Returns: "udp", "tcp" or "tls"
 */
const char *
sipnat_transport_to_string (SipnatTransport transport)
{
  g_return_val_if_fail (transport <= SIPNAT_TRANSPORT_TLS, NULL);

  return transport_names[transport];
}

/**
 * sipnat_transport_from_string:
 * @name: a transport name such as "udp" or "TCP"
 * @transport: (out): where to store the transport
 *
 * Parses a transport name, ignoring case.
 *
 * Returns: %TRUE if @name named a transport
 */
gboolean
sipnat_transport_from_string (const char      *name,
                              SipnatTransport *transport)
{
  g_return_val_if_fail (transport != NULL, FALSE);

  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (transport_names); i++)
    {
      if (g_ascii_strcasecmp (name, transport_names[i]) == 0)
        {
          *transport = (SipnatTransport) i;
          return TRUE;
        }
    }

  return FALSE;
}
