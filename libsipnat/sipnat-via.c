/* sipnat-via.c: reading the public binding from a Via header
 *
 * RFC 3581: a registrar that supports rport adds `received` (the source
 * address it saw) and fills in `rport` (the source port) in the top Via of
 * its response. Together they are the endpoint's public binding. Anything
 * malformed is refused with an error, never trusted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-error.h"
#include "sipnat-via-private.h"

#define MAX_HOST_LENGTH 253

static gboolean
parse_transport (const char      *protocol,
                 SipnatTransport *transport)
{
  const char *slash;

  if (protocol == NULL)
    return FALSE;

  slash = strrchr (protocol, '/');
  return sipnat_transport_from_string (slash ? slash + 1 : protocol, transport);
}

static gboolean
parse_port (const char *text,
            guint16    *port)
{
  guint64 value;

  if (text == NULL || *text == '\0' || strlen (text) > 5)
    return FALSE;

  if (!g_ascii_string_to_unsigned (text, 10, 1, G_MAXUINT16, &value, NULL))
    return FALSE;

  *port = (guint16) value;
  return TRUE;
}

static gboolean
host_is_valid (const char *host)
{
  gsize len;

  if (host == NULL)
    return FALSE;

  len = strlen (host);
  if (len == 0 || len > MAX_HOST_LENGTH + 2)
    return FALSE;

  /* An IPv6 reference keeps its brackets in Sofia's parse. */
  if (host[0] == '[')
    {
      g_autofree char *inner = NULL;

      if (host[len - 1] != ']')
        return FALSE;
      inner = g_strndup (host + 1, len - 2);
      return g_hostname_is_ip_address (inner);
    }

  if (g_hostname_is_ip_address (host))
    return TRUE;

  for (const char *p = host; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
      return FALSE;

  return TRUE;
}

static char *
strip_brackets (const char *host)
{
  gsize len = strlen (host);

  if (host[0] == '[' && len >= 2)
    return g_strndup (host + 1, len - 2);

  return g_strdup (host);
}

static SipnatBinding *
make_binding (const sip_via_t  *via,
              const char       *host,
              const char       *port_text,
              GError          **error)
{
  SipnatTransport transport;
  guint16 port;
  g_autofree char *bare_host = NULL;

  if (!parse_transport (via->v_protocol, &transport))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                   _("Via header has an unknown transport “%s”"),
                   via->v_protocol ? via->v_protocol : "");
      return NULL;
    }

  if (!host_is_valid (host))
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                           _("Via header has no valid host"));
      return NULL;
    }

  if (port_text == NULL || *port_text == '\0')
    port = transport == SIPNAT_TRANSPORT_TLS ? 5061 : 5060;
  else if (!parse_port (port_text, &port))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                   _("Via header has an invalid port “%.16s”"), port_text);
      return NULL;
    }

  bare_host = strip_brackets (host);
  return sipnat_binding_new (bare_host, port, transport);
}

/*
 * _sipnat_via_get_sent_by:
 * @via: a Via header
 * @error: return location for a #GError
 *
 * The address this endpoint sent from, as it wrote it in its own Via.
 *
 * Returns: (transfer full) (nullable): the binding, or %NULL if the Via is malformed
 */
SipnatBinding *
_sipnat_via_get_sent_by (const sip_via_t  *via,
                         GError          **error)
{
  g_return_val_if_fail (via != NULL, NULL);

  return make_binding (via, via->v_host, via->v_port, error);
}

/*
 * _sipnat_via_get_public_binding:
 * @via: the top Via of a response
 * @error: return location for a #GError
 *
 * The address the server saw: `received` (or the sent-by host) and `rport`
 * (or the sent-by port). An `rport` without a value is ignored, as the
 * server did not fill it in.
 *
 * Returns: (transfer full) (nullable): the binding, or %NULL if the Via is malformed
 */
SipnatBinding *
_sipnat_via_get_public_binding (const sip_via_t  *via,
                                GError          **error)
{
  const char *host;
  const char *port;

  g_return_val_if_fail (via != NULL, NULL);

  host = (via->v_received && *via->v_received) ? via->v_received : via->v_host;
  port = (via->v_rport && *via->v_rport) ? via->v_rport : via->v_port;

  return make_binding (via, host, port, error);
}

/*
 * _sipnat_via_parse_public_binding:
 * @via_value: the value of a Via header, as on the wire
 * @error: return location for a #GError
 *
 * Parses a Via header value and returns the public binding of its first
 * entry; used by the tests and for diagnostics.
 *
 * Returns: (transfer full) (nullable): the binding
 */
SipnatBinding *
_sipnat_via_parse_public_binding (const char  *via_value,
                                  GError     **error)
{
  g_autoptr(su_home_t) home = su_home_new (sizeof (su_home_t));
  sip_via_t *via;

  g_return_val_if_fail (via_value != NULL, NULL);

  via = sip_via_make (home, via_value);
  if (via == NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                           _("Via header cannot be parsed"));
      return NULL;
    }

  return _sipnat_via_get_public_binding (via, error);
}
