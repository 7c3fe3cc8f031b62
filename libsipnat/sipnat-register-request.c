/* sipnat-register-request.c: what a REGISTER carries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sipnat-register-request-private.h"
#include "sipnat-sip-syntax-private.h"

/* The host of `host[:port]` or `[v6]:port`, brackets kept. */
char *
_sipnat_server_host (const char *server)
{
  const char *colon;

  if (server[0] == '[')
    {
      const char *end = strchr (server, ']');
      return end ? g_strndup (server, end - server + 1) : g_strdup (server);
    }

  colon = strchr (server, ':');
  return colon ? g_strndup (server, colon - server) : g_strdup (server);
}

/* The address of record stays the same on every server: its domain is
 * the first server's host unless configured. */
char *
_sipnat_register_build_aor (const SipnatRegisterIdentity *identity)
{
  g_autofree char *host = NULL;

  if (identity->domain != NULL)
    return g_strdup_printf ("sip:%s@%s", identity->user, identity->domain);

  host = _sipnat_server_host (identity->first_server);
  return g_strdup_printf ("sip:%s@%s", identity->user, host);
}

char *
_sipnat_register_build_from (const SipnatRegisterIdentity *identity)
{
  g_autofree char *aor = _sipnat_register_build_aor (identity);
  g_autofree char *name = NULL;

  if (identity->display_name == NULL)
    return g_strdup_printf ("<%s>", aor);

  name = _sipnat_quote_display_name (identity->display_name);
  return g_strdup_printf ("%s <%s>", name, aor);
}

char *
_sipnat_register_build_registrar_url (const char      *server,
                                      SipnatTransport  transport)
{
  if (transport == SIPNAT_TRANSPORT_UDP)
    return g_strdup_printf ("sip:%s", server);

  return g_strdup_printf ("sip:%s;transport=%s", server, sipnat_transport_to_string (transport));
}

char *
_sipnat_register_build_contact (const char          *user,
                                const SipnatBinding *binding)
{
  gboolean ipv6 = strchr (binding->host, ':') != NULL;
  gboolean udp = binding->transport == SIPNAT_TRANSPORT_UDP;

  /* The scheme stays sip: and the transport parameter is kept as is: a
   * Contact is never turned into sips: (RFC 3261 §19.1). */
  return g_strdup_printf ("sip:%s@%s%s%s:%u%s%s",
                          user,
                          ipv6 ? "[" : "", binding->host, ipv6 ? "]" : "",
                          binding->port,
                          udp ? "" : ";transport=",
                          udp ? "" : sipnat_transport_to_string (binding->transport));
}

/* RFC 5626 §4.2: with an instance, the flow's reg-id too, so that an
 * outbound registrar keeps one binding per flow and replaces it on a new
 * one. A stale Contact goes with expires=0 in the same request. */
char *
_sipnat_register_build_contact_header (const char *contact,
                                       const char *instance_id,
                                       guint       reg_id,
                                       const char *stale_contact)
{
  GString *header = g_string_new (NULL);

  g_string_append_printf (header, "<%s>", contact);
  if (instance_id != NULL)
    g_string_append_printf (header, ";+sip.instance=\"<%s>\";reg-id=%u", instance_id, reg_id);
  if (stale_contact != NULL)
    g_string_append_printf (header, ", <%s>;expires=0", stale_contact);

  return g_string_free (header, FALSE);
}

/* The headers that Sofia adds take about this much (Via, Call-ID, CSeq,
 * Max-Forwards, Expires, Allow, Supported, Content-Length...). */
#define FIXED_HEADER_BYTES 400

gsize
_sipnat_register_estimate_size (const SipnatRegisterIdentity *identity,
                                const char                   *registrar_url,
                                const char                   *contact_header,
                                const char                   *user_agent)
{
  g_autofree char *aor = _sipnat_register_build_aor (identity);

  return FIXED_HEADER_BYTES + strlen (registrar_url) + strlen (contact_header) +
         2 * strlen (aor) +
         (identity->display_name ? strlen (identity->display_name) : 0) +
         (user_agent ? strlen (user_agent) : 0);
}
