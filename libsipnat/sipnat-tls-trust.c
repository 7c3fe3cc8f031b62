/* sipnat-tls-trust.c: the certificate authorities Sofia's TLS transport
 * trusts
 *
 * Sofia's TLS transport (tport_tls) takes one directory, its
 * "certificate directory", and gives OpenSSL two things from it: the
 * file `cafile.pem` (read once, when the transport is bound) and the
 * directory itself as a hashed CA directory (`<subject hash>.<n>` files,
 * which OpenSSL looks up at every verification, so files added later are
 * found). This module owns such a directory, private to one endpoint:
 *
 *   - `cafile.pem` is a link to the system trust store (OpenSSL's default
 *     certificate file: $SSL_CERT_FILE, or Debian's
 *     /etc/ssl/certs/ca-certificates.crt from ca-certificates);
 *   - every certificate of a registration's `tls_ca_file` is written as
 *     a hashed file, whenever the registration asks, before or after the
 *     transport was bound.
 *
 * There is no agent.pem: the endpoint has no certificate of its own, and
 * no client certificate is offered.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include "sipnat-error.h"
#include "sipnat-tls-trust-private.h"

/* A CA file is configuration, not a trust store of its own: bounded. */
#define MAX_CA_FILE_BYTES (4 * 1024 * 1024)
#define MAX_CA_CERTIFICATES 500
#define MAX_HASH_COLLISIONS 16

struct _SipnatTlsTrust
{
  char *dir;
  GHashTable *files;   /* CA files already added → TRUE */
};

static const char *
system_bundle (void)
{
  const char *path = g_getenv (X509_get_default_cert_file_env ());

  return path != NULL && *path != '\0' ? path : X509_get_default_cert_file ();
}

SipnatTlsTrust *
_sipnat_tls_trust_new (GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sipnat-tls-XXXXXX", &local);
  const char *bundle = system_bundle ();
  SipnatTlsTrust *self;

  if (dir == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                   _("Cannot create the TLS trust directory: %s"), local->message);
      return NULL;
    }

  self = g_new0 (SipnatTlsTrust, 1);
  self->dir = g_steal_pointer (&dir);
  self->files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  /* Without a system store only the configured CA files are trusted. */
  if (g_file_test (bundle, G_FILE_TEST_IS_REGULAR))
    {
      g_autofree char *link = g_build_filename (self->dir, "cafile.pem", NULL);

      if (symlink (bundle, link) != 0)
        g_debug ("No system trust store for SIP over TLS: %s: %s", link, g_strerror (errno));
    }

  return self;
}

const char *
_sipnat_tls_trust_get_dir (SipnatTlsTrust *self)
{
  return self->dir;
}

static char *
pem_of (X509 *cert)
{
  BIO *bio = BIO_new (BIO_s_mem ());
  char *data = NULL;
  char *pem = NULL;
  long n;

  if (bio == NULL)
    return NULL;

  if (PEM_write_bio_X509 (bio, cert) == 1)
    {
      n = BIO_get_mem_data (bio, &data);
      if (n > 0)
        pem = g_strndup (data, n);
    }
  BIO_free (bio);

  return pem;
}

/* Writes @cert as `<hash>.<n>`, the first free n, unless it is there. */
static gboolean
write_hashed (SipnatTlsTrust  *self,
              X509            *cert,
              GError         **error)
{
  unsigned long hash = X509_NAME_hash_ex (X509_get_subject_name (cert), NULL, NULL, NULL);
  g_autofree char *pem = pem_of (cert);

  if (pem == NULL || hash == 0)
    return TRUE;   /* not a certificate OpenSSL could use anyway */

  for (guint n = 0; n < MAX_HASH_COLLISIONS; n++)
    {
      g_autofree char *name = g_strdup_printf ("%08lx.%u", hash, n);
      g_autofree char *path = g_build_filename (self->dir, name, NULL);
      g_autofree char *existing = NULL;

      if (g_file_get_contents (path, &existing, NULL, NULL))
        {
          if (g_strcmp0 (existing, pem) == 0)
            return TRUE;
          continue;
        }

      return g_file_set_contents (path, pem, -1, error);
    }

  return TRUE;
}

static gboolean
add_certificates (SipnatTlsTrust  *self,
                  const char      *path,
                  const char      *contents,
                  gsize            length,
                  GError         **error)
{
  BIO *bio = BIO_new_mem_buf (contents, (int) length);
  guint count = 0;
  gboolean ok = TRUE;
  X509 *cert;

  if (bio == NULL)
    return FALSE;

  while (ok && count < MAX_CA_CERTIFICATES &&
         (cert = PEM_read_bio_X509 (bio, NULL, NULL, NULL)) != NULL)
    {
      ok = write_hashed (self, cert, error);
      X509_free (cert);
      count++;
    }
  BIO_free (bio);

  if (ok && count == 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The TLS CA file “%s” holds no PEM certificate"), path);
      return FALSE;
    }

  return ok;
}

/*
 * _sipnat_tls_trust_add_ca_file:
 *
 * Trusts the certificates in the PEM file @path from now on, for every
 * TLS connection of the endpoint. Fails with %SIPNAT_ERROR_CONFIG when
 * the file cannot be read or holds no certificate.
 */
gboolean
_sipnat_tls_trust_add_ca_file (SipnatTlsTrust  *self,
                               const char      *path,
                               GError         **error)
{
  g_autoptr(GError) local = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (g_hash_table_contains (self->files, path))
    return TRUE;

  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Cannot read the TLS CA file: %s"), local->message);
      return FALSE;
    }

  if (length > MAX_CA_FILE_BYTES)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The TLS CA file “%s” is larger than %u bytes"), path, MAX_CA_FILE_BYTES);
      return FALSE;
    }

  if (!add_certificates (self, path, contents, length, &local))
    {
      if (local->domain == SIPNAT_ERROR)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                     _("Cannot add the TLS CA file “%s”: %s"), path, local->message);
      return FALSE;
    }

  g_hash_table_add (self->files, g_strdup (path));
  return TRUE;
}

void
_sipnat_tls_trust_free (SipnatTlsTrust *self)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (self == NULL)
    return;

  dir = g_dir_open (self->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (self->dir);

  g_hash_table_unref (self->files);
  g_free (self->dir);
  g_free (self);
}
