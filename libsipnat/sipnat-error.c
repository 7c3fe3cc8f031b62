/* sipnat-error.c: the SIPNAT_ERROR domain and SIP status mapping
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-error-private.h"

/**
 * sipnat_error_quark:
 *
 * Gets the error domain of libsipnat, %SIPNAT_ERROR.
 *
 * Returns: the error domain
 */
G_DEFINE_QUARK (sipnat-error-quark, sipnat_error)

static gboolean
is_auth_status (guint status)
{
  /* 401/407 after our credentials were sent, and Sofia's local
   * "no matching challenge" (904) and "cannot add credentials" (900). */
  return status == 401 || status == 407 || status == 900 || status == 904;
}

/*
 * _sipnat_error_new_from_status:
 * @status: a final SIP status, >= 300
 * @phrase: (nullable): its reason phrase
 * @from_network: %TRUE when a server sent the response, %FALSE when the
 *   SIP stack generated it locally (timeouts, transport errors)
 *
 * Maps a final failure to a #GError of the %SIPNAT_ERROR domain.
 *
 * Returns: (transfer full): a new error
 */
GError *
_sipnat_error_new_from_status (guint       status,
                               const char *phrase,
                               gboolean    from_network)
{
  if (phrase == NULL)
    phrase = "";

  if (is_auth_status (status))
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED,
                        _("Authentication failed: the server refused the credentials (%u %s)"),
                        status, phrase);

  if (!from_network && status == 408)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                        _("The server did not answer in time (%u %s)"), status, phrase);

  if (!from_network && (status == 502 || status == 503))
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                        _("The server could not be reached (%u %s)"), status, phrase);

  if (!from_network)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                        _("The request could not be sent (%u %s)"), status, phrase);

  return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                      _("The server rejected the request: %u %s"), status, phrase);
}
