/* sipnat-registration-tls.c: a registration over TLS
 *
 * SIP over TLS is Sofia's TLS transport (tport_tls, OpenSSL), bound by
 * the stack when the endpoint's transports include TLS (sipnat-stack.c).
 * Two verifiers look at the registrar's certificate, and both must
 * accept it:
 *
 * 1. GIO, first. Before every REGISTER that may open a new connection
 *    (the first one, a retry, a refresh after a failed keep-alive), the
 *    registration opens a TLS connection of its own to the server with
 *    GIO (sipnat-tls-check.c: GTlsClientConnection, the system trust
 *    store, plus the registration's `tls_ca_file`, the name or IP address
 *    given in `server` as the identity). If GIO refuses the certificate,
 *    nothing is sent: the registration fails at once with a
 *    %SIPNAT_ERROR_CERTIFICATE error naming the reason (UNKNOWN_CA,
 *    EXPIRED, NOT_ACTIVATED, BAD_IDENTITY...), and is not retried: waiting
 *    does not mend a certificate. Only then does the REGISTER go to Sofia.
 *    Refreshes on the connection that was checked go straight out.
 *
 * 2. Sofia, on its own connection, with outgoing verification on
 *    (TPTLS_VERIFY_SUBJECTS_OUT, never "verify none"): the chain must end
 *    at a CA of the same trust store (sipnat-tls-trust.c: the system
 *    bundle plus every registration's CA file), every certificate within
 *    its dates (TPTAG_TLS_VERIFY_DATE), at most 8 intermediates
 *    (TPTAG_TLS_VERIFY_DEPTH), and the host of the Request-URI (the
 *    configured server) among the certificate's subjects. Sofia refuses
 *    the connection otherwise, and nta reports no more than a timeout:
 *    then the registration asks GIO again to name the reason, and says
 *    that the SIP stack refused the certificate when GIO finds nothing.
 *
 * So Sofia's connection never carries a REGISTER to a server whose
 * certificate GIO refused moments before, and Sofia applies the same
 * trust anchors, dates and name on the connection it actually uses.
 * Where the two differ, Sofia is the stricter: its name check is exact
 * (no wildcards), it reads no IP subjectAltName with OpenSSL 3 (it looks
 * for "IP", OpenSSL names them "IP Address") and it reads the CN only
 * when no DNS subjectAltName differs from it; a server given as an IP
 * address therefore needs its address as the CN as well as in an IP
 * subjectAltName (GIO, per RFC 6125, matches IP SANs only).
 *
 * The checks are bounded by the SIP transaction timeout and cancelled
 * with the REGISTER they are for (_sipnat_registration_cancel_tls_check,
 * called whenever the registration drops its handle).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-registration-impl-private.h"
#include "sipnat-tls-check-private.h"

/* The check may take as long as a SIP transaction, and at least this. */
#define MIN_TLS_CHECK_TIMEOUT_MS 2000
#define DEFAULT_TLS_PORT 5061

/**
 * sipnat_registration_get_tls_ca_file:
 * @self: a registration
 *
 * Gets [property@Sipnat.Registration:tls-ca-file].
 *
 * Returns: (nullable) (type filename): the PEM file of extra CAs
 */
const char *
sipnat_registration_get_tls_ca_file (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->tls_ca_file;
}

/**
 * sipnat_registration_set_tls_ca_file:
 * @self: a registration
 * @path: (nullable) (type filename): a PEM file of CAs, or %NULL
 *
 * Sets [property@Sipnat.Registration:tls-ca-file]. The file is read at
 * the next [method@Sipnat.Registration.register_async].
 */
void
sipnat_registration_set_tls_ca_file (SipnatRegistration *self,
                                     const char         *path)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  if (path != NULL && *path == '\0')
    path = NULL;
  if (g_strcmp0 (self->tls_ca_file, path) == 0)
    return;

  g_free (self->tls_ca_file);
  self->tls_ca_file = g_strdup (path);
  _sipnat_registration_notify (self, "tls-ca-file");
}

/*
 * _sipnat_registration_check_tls:
 *
 * Before registering over TLS: the endpoint must have the TLS transport,
 * and the CA file, if any, must be readable; its CAs are trusted from
 * now on.
 */
gboolean
_sipnat_registration_check_tls (SipnatRegistration  *self,
                                GError             **error)
{
  g_autoptr(GError) local = NULL;

  if (self->transport != SIPNAT_TRANSPORT_TLS)
    return TRUE;

  if (!_sipnat_stack_has_tls (self->stack))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The registration “%s” uses TLS, but the endpoint’s transports do not "
                     "include tls"), self->name);
      return FALSE;
    }

  if (self->tls_ca_file != NULL &&
      !_sipnat_stack_add_tls_ca_file (self->stack, self->tls_ca_file, &local))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, _("The registration “%s”: %s"),
                   self->name, local->message);
      return FALSE;
    }

  return TRUE;
}

/* `host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address. */
static char *
split_server (const char *server,
              guint16    *port)
{
  const char *colon = strrchr (server, ':');
  guint64 value = DEFAULT_TLS_PORT;
  g_autofree char *host = NULL;

  if (server[0] == '[')
    {
      const char *end = strchr (server, ']');

      if (end == NULL)
        return NULL;
      host = g_strndup (server + 1, end - server - 1);
      if (end[1] == ':' && !g_ascii_string_to_unsigned (end + 2, 10, 1, G_MAXUINT16, &value, NULL))
        return NULL;
    }
  else if (colon != NULL && strchr (server, ':') == colon)
    {
      host = g_strndup (server, colon - server);
      if (!g_ascii_string_to_unsigned (colon + 1, 10, 1, G_MAXUINT16, &value, NULL))
        return NULL;
    }
  else
    host = g_strdup (server);

  *port = (guint16) value;
  return g_steal_pointer (&host);
}

typedef struct {
  SipnatRegistration *self;
  GError *error;                    /* (nullable) Sofia's, when explaining it */
  GCancellable *cancellable;
  char *server;
  char *host;
} Check;

static void
check_free (Check *c)
{
  g_object_unref (c->self);
  g_clear_error (&c->error);
  g_object_unref (c->cancellable);
  g_free (c->server);
  g_free (c->host);
  g_free (c);
}

/* GIO found nothing wrong, but Sofia refused the connection: with
 * OpenSSL 3, Sofia 1.12.11 does not read IP subjectAltNames (it looks for
 * "IP", OpenSSL now says "IP Address"), and it reads the CN only when no
 * DNS subjectAltName differs from it; so it matches an IP address only in
 * the CN of a certificate without DNS subjectAltNames. */
static GError *
sofia_refused (Check           *c,
               GTlsCertificate *peer)
{
  GError *error = g_steal_pointer (&c->error);
  GError *explained;

  if (peer == NULL || _sipnat_tls_sofia_names (peer, c->host))
    return error;   /* Sofia would take it: something else went wrong */

  if (!g_hostname_is_ip_address (c->host))
    {
      explained = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                               _("%s over TLS: the SIP stack refused the server’s certificate: "
                                 "it must name %s exactly in a DNS subjectAltName (no "
                                 "wildcard) (%s)"),
                               c->server, c->host, error->message);
      g_error_free (error);
      return explained;
    }

  explained = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE,
                           _("%s over TLS: the SIP stack refused the server’s certificate: "
                             "for a server given as an IP address, the certificate must have "
                             "%s as its common name (CN) and in an IP subjectAltName, and no "
                             "DNS subjectAltName (%s)"),
                           c->server, c->host, error->message);
  g_error_free (error);
  return explained;
}

static void
checked_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Check *c = data;
  SipnatRegistration *self = c->self;
  g_autoptr(GError) check_error = NULL;
  g_autoptr(GTlsCertificate) peer = NULL;
  GTlsCertificateFlags flags = _sipnat_tls_check_finish (result, &peer, &check_error);

  if (g_cancellable_is_cancelled (c->cancellable))
    {
      check_free (c);
      return;
    }

  if (self->tls_check == c->cancellable)
    g_clear_object (&self->tls_check);

  _sipnat_registration_enter (self);
  if (flags != 0)
    _sipnat_registration_fail (self, _sipnat_tls_certificate_error (c->server, c->host, flags));
  else if (c->error != NULL && check_error == NULL)
    _sipnat_registration_fail (self, sofia_refused (c, peer));
  else if (c->error != NULL)
    _sipnat_registration_fail (self, g_steal_pointer (&c->error));
  else if (check_error != NULL)
    _sipnat_registration_fail (self, g_error_new (SIPNAT_ERROR, check_error->code,
                                                  _("%s over TLS: %s"), c->server,
                                                  check_error->message));
  else
    {
      SIPNAT_NOTE (REGISTRATION, "%s: TLS certificate of %s accepted", self->name, c->server);
      self->tls_checked = TRUE;
      _sipnat_registration_send (self);
    }
  _sipnat_registration_leave (self);

  check_free (c);
}

static guint
check_timeout_ms (SipnatRegistration *self)
{
  guint ms = self->endpoint ? sipnat_endpoint_get_transaction_timeout (self->endpoint) : 0;

  return MAX (ms, MIN_TLS_CHECK_TIMEOUT_MS);
}

static gboolean
start_check (SipnatRegistration *self,
             GError             *error)   /* (transfer full) (nullable) */
{
  const char *server = _sipnat_server_list_get_active (self->servers);
  GMainContext *context;
  guint16 port = DEFAULT_TLS_PORT;
  g_autofree char *host = NULL;
  Check *c;

  if (self->transport != SIPNAT_TRANSPORT_TLS || server == NULL || self->stack == NULL ||
      _sipnat_stack_get_nua (self->stack) == NULL)
    return FALSE;

  host = split_server (server, &port);
  if (host == NULL)
    return FALSE;

  _sipnat_registration_cancel_tls_check (self);
  self->tls_check = g_cancellable_new ();

  c = g_new0 (Check, 1);
  c->self = g_object_ref (self);
  c->error = error;
  c->cancellable = g_object_ref (self->tls_check);
  c->server = g_strdup (server);
  c->host = g_strdup (host);

  SIPNAT_NOTE (REGISTRATION, "%s: checking the TLS certificate of %s:%u%s%s", self->name,
               host, port, error ? " after: " : "", error ? error->message : "");

  context = _sipnat_stack_get_context (self->stack);
  g_main_context_push_thread_default (context);
  _sipnat_tls_check_async (host, port, self->tls_ca_file, check_timeout_ms (self),
                           c->cancellable, checked_cb, c);
  g_main_context_pop_thread_default (context);

  return TRUE;
}

/*
 * _sipnat_registration_check_tls_first:
 *
 * Before a REGISTER over TLS that may open a new connection (the first,
 * a retry, a refresh after the keep-alive failed): checks the
 * certificate with GIO, and sends the REGISTER only once GIO accepted
 * it. Returns %TRUE when the REGISTER waits for that check.
 */
gboolean
_sipnat_registration_check_tls_first (SipnatRegistration *self)
{
  if (self->transport != SIPNAT_TRANSPORT_TLS || self->tls_checked)
    return FALSE;

  if (self->tls_check != NULL)
    return TRUE;   /* under way: it sends when done */

  if (!start_check (self, NULL))
    return FALSE;

  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED)
    _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_REGISTERING, NULL);
  return TRUE;
}

/*
 * _sipnat_registration_explain_tls_failure:
 * @error: (transfer full): the failure of a REGISTER that nta reported
 *
 * Over TLS, checks the server's certificate with GIO and fails the
 * registration later, with the reason or else with @error. Takes @error
 * and returns %TRUE then; returns %FALSE (leaving @error to the caller)
 * when the registration is not over TLS.
 */
gboolean
_sipnat_registration_explain_tls_failure (SipnatRegistration *self,
                                          GError             *error)
{
  if (g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED))
    return FALSE;

  return start_check (self, error);
}

void
_sipnat_registration_cancel_tls_check (SipnatRegistration *self)
{
  self->tls_checked = FALSE;

  if (self->tls_check == NULL)
    return;

  g_cancellable_cancel (self->tls_check);
  g_clear_object (&self->tls_check);
}
