/* fuzz-via.c: the binding read from a Via header
 *
 * The input, up to its first NUL, is parsed as a Via header value by
 * Sofia's sip_via_make(); every Via it holds goes through
 * _sipnat_via_get_sent_by() and _sipnat_via_get_public_binding().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-via-private.h"
#include "fuzz-common.h"

#define MAX_VIAS 8

static void
check_binding (SipnatBinding *binding,
               GError        *error)
{
  g_autoptr(SipnatBinding) copy = NULL;
  g_autofree char *text = NULL;

  if (binding == NULL)
    {
      g_assert_nonnull (error);
      g_assert_true (error->domain == SIPNAT_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return;
    }

  g_assert_null (error);
  text = sipnat_binding_to_string (binding);
  g_assert_nonnull (text);
  g_assert_true (g_utf8_validate (text, -1, NULL));
  g_assert_null (strpbrk (text, "\r\n"));
  copy = sipnat_binding_copy (binding);
  g_assert_true (sipnat_binding_equal (binding, copy));
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(su_home_t) home = NULL;
  g_autofree char *text = g_strndup ((const char *) data, size);
  sip_via_t *via;
  guint n = 0;

  fuzz_init_once ();

  home = su_home_new (sizeof (su_home_t));
  via = sip_via_make (home, text);

  for (; via != NULL && n < MAX_VIAS; via = via->v_next, n++)
    {
      g_autoptr(GError) sent_by_error = NULL;
      g_autoptr(GError) public_error = NULL;
      g_autoptr(SipnatBinding) sent_by = _sipnat_via_get_sent_by (via, &sent_by_error);
      g_autoptr(SipnatBinding) public = _sipnat_via_get_public_binding (via, &public_error);

      check_binding (sent_by, sent_by_error);
      check_binding (public, public_error);
    }

  return 0;
}
