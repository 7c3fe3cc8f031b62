/* test-account.c: our own digest (RFC 7616), used where Sofia's cannot
 * carry the credentials (a colon in the user or the password)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>
#include <string.h>

#include "sipnat-account-private.h"

static char *
param (const char *header,
       const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s=", name);
  const char *p = strstr (header, key);
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (key);
  if (*p == '"')
    {
      end = strchr (p + 1, '"');
      return g_strndup (p + 1, end - p - 1);
    }
  end = p + strcspn (p, ",");
  return g_strndup (p, end - p);
}

/* RFC 7616 §3.9.1: the same request answered with MD5 and SHA-256. */
static void
test_rfc7616_example (void)
{
  const char *md5[] = {
    "realm=\"http-auth@example.org\"", "qop=\"auth, auth-int\"", "algorithm=MD5",
    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\"",
    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", NULL
  };
  const char *sha256[] = {
    "realm=\"http-auth@example.org\"", "qop=\"auth, auth-int\"", "algorithm=SHA-256",
    "nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\"",
    "opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"", NULL
  };
  const char *cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";
  g_autoptr(GError) error = NULL;
  g_autofree char *a = _sipnat_digest_authorization (md5, "GET", "/dir/index.html", "Mufasa",
                                                     "Circle of Life", cnonce, &error);
  g_autofree char *b = _sipnat_digest_authorization (sha256, "GET", "/dir/index.html", "Mufasa",
                                                     "Circle of Life", cnonce, &error);
  g_autofree char *ra = NULL;
  g_autofree char *rb = NULL;
  g_autofree char *opaque = NULL;

  g_assert_no_error (error);
  ra = param (a, "response");
  rb = param (b, "response");
  g_assert_cmpstr (ra, ==, "8ca523f5e9506fed4657c9700eebdbec");
  g_assert_cmpstr (rb, ==, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
  opaque = param (a, "opaque");
  g_assert_cmpstr (opaque, ==, "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS");
  g_assert_nonnull (strstr (a, "qop=auth, nc=00000001, cnonce=\"f2/wE4q"));
  g_assert_nonnull (strstr (b, "algorithm=SHA-256"));
}

/* RFC 2617 §3.5, and the same without qop (RFC 2069 style). */
static void
test_rfc2617_example (void)
{
  const char *with_qop[] = {
    "realm=\"testrealm@host.com\"", "qop=\"auth,auth-int\"",
    "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"",
    "opaque=\"5ccc069c403ebaf9f0171e9517f40e41\"", NULL
  };
  const char *without_qop[] = {
    "realm=\"testrealm@host.com\"", "nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\"", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *a = _sipnat_digest_authorization (with_qop, "GET", "/dir/index.html", "Mufasa",
                                                     "Circle Of Life", "0a4f113b", &error);
  g_autofree char *b = _sipnat_digest_authorization (without_qop, "GET", "/dir/index.html",
                                                     "Mufasa", "Circle Of Life", "0a4f113b",
                                                     &error);
  g_autofree char *ra = param (a, "response");
  g_autofree char *rb = param (b, "response");

  g_assert_no_error (error);
  g_assert_cmpstr (ra, ==, "6629fae49393a05397450978507c4ef1");
  g_assert_cmpstr (rb, ==, "670fd8c2df070c60b045671b8b24ff02");
  g_assert_null (strstr (b, "qop="));
}

/* Colons and quotes in the credentials survive: they are why this exists. */
static void
test_colons_and_quotes (void)
{
  const char *challenge[] = { "realm=\"sip.example.com\"", "nonce=\"abc\"", NULL };
  g_autoptr(GError) error = NULL;
  g_autofree char *header = _sipnat_digest_authorization (challenge, "REGISTER",
                                                          "sip:sip.example.com", "al:\"ice",
                                                          "pa:ss", "x", &error);
  g_autofree char *ha1 = g_compute_checksum_for_string (G_CHECKSUM_MD5,
                                                        "al:\"ice:sip.example.com:pa:ss", -1);
  g_autofree char *ha2 = g_compute_checksum_for_string (G_CHECKSUM_MD5,
                                                        "REGISTER:sip:sip.example.com", -1);
  g_autofree char *joined = g_strdup_printf ("%s:abc:%s", ha1, ha2);
  g_autofree char *expected = g_compute_checksum_for_string (G_CHECKSUM_MD5, joined, -1);
  g_autofree char *response = NULL;

  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (header, "Digest username=\"al:\\\"ice\""));
  response = param (header, "response");
  g_assert_cmpstr (response, ==, expected);
}

static void
test_unanswerable (void)
{
  const char *no_nonce[] = { "realm=\"r\"", NULL };
  const char *sess[] = { "realm=\"r\"", "nonce=\"n\"", "algorithm=MD5-sess", NULL };
  const char *int_only[] = { "realm=\"r\"", "nonce=\"n\"", "qop=\"auth-int\"", NULL };
  const char * const *cases[] = { no_nonce, sess, int_only };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *header = _sipnat_digest_authorization (cases[i], "REGISTER", "sip:r",
                                                              "u", "p", "c", &error);

      g_assert_null (header);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/account/digest/rfc7616", test_rfc7616_example);
  g_test_add_func ("/account/digest/rfc2617", test_rfc2617_example);
  g_test_add_func ("/account/digest/colons-and-quotes", test_colons_and_quotes);
  g_test_add_func ("/account/digest/unanswerable", test_unanswerable);

  return g_test_run ();
}
