/* sipnat-account.c: the credentials a registration and the calls made
 * through it answer challenges with
 *
 * A 401 or 407 to any request is answered here. Sofia's own digest client
 * takes the credentials as one "scheme:realm:user:password" string and
 * cuts the user and the password at the first colon, so credentials
 * with a colon are answered with our own digest (RFC 7616): the caller
 * resends the request with the header returned.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-account-private.h"
#include "sipnat-error.h"

struct _SipnatAccount
{
  gatomicrefcount ref_count;
  char *user;
  char *password;
};

SipnatAccount *
_sipnat_account_new (void)
{
  SipnatAccount *self = g_new0 (SipnatAccount, 1);

  g_atomic_ref_count_init (&self->ref_count);
  return self;
}

SipnatAccount *
_sipnat_account_ref (SipnatAccount *self)
{
  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

static void
clear_password (SipnatAccount *self)
{
  if (self->password != NULL)
    memset (self->password, 0, strlen (self->password));
  g_clear_pointer (&self->password, g_free);
}

void
_sipnat_account_unref (SipnatAccount *self)
{
  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  g_free (self->user);
  clear_password (self);
  g_free (self);
}

void
_sipnat_account_set_user (SipnatAccount *self,
                          const char    *user)
{
  g_free (self->user);
  self->user = g_strdup (user);
}

void
_sipnat_account_set_password (SipnatAccount *self,
                              const char    *password)
{
  clear_password (self);
  self->password = g_strdup (password);
}

/* ---------------------------------------------------------------------- */
/* Digest                                                                 */

static char *
param_value (const char * const *params,
             const char         *name)
{
  gsize len = strlen (name);

  for (guint i = 0; params != NULL && params[i] != NULL; i++)
    {
      const char *p = params[i];

      if (g_ascii_strncasecmp (p, name, len) != 0 || p[len] != '=')
        continue;
      p += len + 1;
      if (*p != '"')
        return g_strdup (p);

      /* A quoted-string: drop the quotes, undo the quoted-pairs. */
      {
        GString *value = g_string_new (NULL);

        for (p++; *p != '\0' && *p != '"'; p++)
          {
            if (*p == '\\' && p[1] != '\0')
              p++;
            g_string_append_c (value, *p);
          }
        return g_string_free (value, FALSE);
      }
    }

  return NULL;
}

static char *
quoted (const char *text)
{
  GString *out = g_string_new ("\"");

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');

  return g_string_free (out, FALSE);
}

static char *
hash (GChecksumType  type,
      const char    *first,
      ...)
{
  g_autoptr(GChecksum) sum = g_checksum_new (type);
  va_list args;

  va_start (args, first);
  for (const char *part = first; part != NULL; part = va_arg (args, const char *))
    {
      if (part != first)
        g_checksum_update (sum, (const guchar *) ":", 1);
      g_checksum_update (sum, (const guchar *) part, strlen (part));
    }
  va_end (args);

  return g_strdup (g_checksum_get_string (sum));
}

static gboolean
qop_has_auth (const char *qop)
{
  g_auto(GStrv) options = g_strsplit (qop, ",", -1);

  for (guint i = 0; options[i] != NULL; i++)
    if (g_ascii_strcasecmp (g_strstrip (options[i]), "auth") == 0)
      return TRUE;

  return FALSE;
}

static gboolean
digest_type (const char     *algorithm,
             GChecksumType  *type)
{
  if (algorithm == NULL || g_ascii_strcasecmp (algorithm, "MD5") == 0)
    *type = G_CHECKSUM_MD5;
  else if (g_ascii_strcasecmp (algorithm, "SHA-256") == 0)
    *type = G_CHECKSUM_SHA256;
  else
    return FALSE;

  return TRUE;
}

char *
_sipnat_digest_authorization (const char * const  *params,
                              const char          *method,
                              const char          *uri,
                              const char          *user,
                              const char          *password,
                              const char          *cnonce,
                              GError             **error)
{
  g_autofree char *realm = param_value (params, "realm");
  g_autofree char *nonce = param_value (params, "nonce");
  g_autofree char *opaque = param_value (params, "opaque");
  g_autofree char *algorithm = param_value (params, "algorithm");
  g_autofree char *qop = param_value (params, "qop");
  g_autofree char *ha1 = NULL, *ha2 = NULL, *response = NULL;
  g_autofree char *q_user = NULL, *q_realm = NULL, *q_nonce = NULL, *q_uri = NULL;
  GChecksumType type;
  gboolean with_qop;
  GString *header;

  if (realm == NULL || nonce == NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                           _("The server’s challenge has no realm or nonce"));
      return NULL;
    }
  if (!digest_type (algorithm, &type))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                   _("The server asks for the unsupported digest algorithm “%s”"), algorithm);
      return NULL;
    }
  with_qop = qop != NULL;
  if (with_qop && !qop_has_auth (qop))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                   _("The server asks for the unsupported digest protection “%s”"), qop);
      return NULL;
    }

  ha1 = hash (type, user, realm, password, NULL);
  ha2 = hash (type, method, uri, NULL);
  response = with_qop ? hash (type, ha1, nonce, "00000001", cnonce, "auth", ha2, NULL)
                      : hash (type, ha1, nonce, ha2, NULL);

  q_user = quoted (user);
  q_realm = quoted (realm);
  q_nonce = quoted (nonce);
  q_uri = quoted (uri);
  header = g_string_new (NULL);
  g_string_append_printf (header,
                          "Digest username=%s, realm=%s, nonce=%s, uri=%s, response=\"%s\", "
                          "algorithm=%s",
                          q_user, q_realm, q_nonce, q_uri, response,
                          type == G_CHECKSUM_MD5 ? "MD5" : "SHA-256");
  if (opaque != NULL)
    {
      g_autofree char *q_opaque = quoted (opaque);
      g_string_append_printf (header, ", opaque=%s", q_opaque);
    }
  if (with_qop)
    g_string_append_printf (header, ", qop=auth, nc=00000001, cnonce=\"%s\"", cnonce);

  return g_string_free (header, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Answering a challenge                                                  */

static char *
random_cnonce (void)
{
  return g_strdup_printf ("%08x%08x", g_random_int (), g_random_int ());
}

/*
 * _sipnat_account_answer:
 * @event: a 401 or 407 that came from the network
 * @method: the challenged request's method
 * @request_uri: its Request-URI
 * @header: (out) (transfer full): %NULL when Sofia was given the
 *   credentials and resends the request itself; otherwise a whole
 *   `Authorization:` or `Proxy-Authorization:` header line that the caller
 *   resends the request with
 *
 * Returns: %FALSE with the reason when the challenge cannot be answered
 */
gboolean
_sipnat_account_answer (SipnatAccount         *self,
                        const SipnatSipEvent  *ev,
                        const char            *method,
                        const char            *request_uri,
                        char                 **header,
                        GError               **error)
{
  const sip_t *sip = ev->sip;
  const msg_auth_t *challenge = sip->sip_www_authenticate ? sip->sip_www_authenticate
                                                          : sip->sip_proxy_authenticate;
  const char *realm = challenge ? msg_params_find (challenge->au_params, "realm=") : NULL;
  g_autofree char *credentials = NULL;
  g_autofree char *value = NULL;
  g_autofree char *cnonce = NULL;

  *header = NULL;

  if (self->password == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED,
                   _("The server asks for credentials (%d %s) but no password is set"),
                   ev->status, ev->phrase);
      return FALSE;
    }
  if (challenge == NULL || challenge->au_scheme == NULL || realm == NULL ||
      g_ascii_strcasecmp (challenge->au_scheme, "Digest") != 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                   _("The server’s challenge (%d %s) cannot be answered: no digest challenge "
                     "with a realm"), ev->status, ev->phrase);
      return FALSE;
    }

  if (strchr (self->user, ':') == NULL && strchr (self->password, ':') == NULL)
    {
      /* The realm keeps its quotes, as nua wants it. */
      credentials = g_strdup_printf ("%s:%s:%s:%s", challenge->au_scheme, realm,
                                     self->user, self->password);
      nua_authenticate (ev->nh, NUTAG_AUTH (credentials), TAG_END ());
      return TRUE;
    }

  cnonce = random_cnonce ();
  value = _sipnat_digest_authorization (challenge->au_params, method, request_uri,
                                        self->user, self->password, cnonce, error);
  if (value == NULL)
    return FALSE;

  *header = g_strdup_printf ("%s: %s",
                             sip->sip_www_authenticate ? "Authorization" : "Proxy-Authorization",
                             value);
  return TRUE;
}
