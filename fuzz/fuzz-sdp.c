/* fuzz-sdp.c: a remote session description
 *
 * The input is parsed as an offer or answer by
 * _sipnat_sdp_description_parse(); what parses is written back as our
 * answer (the layout of the offer kept, the codecs negotiated) and parsed
 * again, and every candidate kept must be one that libnice's parser may
 * see (the ICE module's check accepts or refuses it without crashing).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-error.h"
#include "sipnat-ice-private.h"
#include "sipnat-sdp-private.h"
#include "fuzz-common.h"

static void
answer (const SipnatSdpDescription *offer)
{
  g_autoptr(SipnatSdpDescription) local = _sipnat_sdp_description_new ();
  g_autoptr(GPtrArray) ours = _sipnat_sdp_default_codecs ();
  g_autoptr(SipnatSdpDescription) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;

  g_ptr_array_unref (local->codecs);
  local->codecs = _sipnat_sdp_negotiate (offer->codecs, ours);
  if (local->codecs->len == 0)
    return;   /* 488 */
  local->address = g_strdup ("192.0.2.1");
  local->port = 40000;
  _sipnat_sdp_description_match_layout (local, offer);

  text = _sipnat_sdp_description_to_string (local, "fuzz");
  g_assert_nonnull (text);
  again = _sipnat_sdp_description_parse (text, strlen (text), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->port, ==, 40000);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatSdpDescription) offer = NULL;

  fuzz_init_once ();

  offer = _sipnat_sdp_description_parse ((const char *) data, size, &error);
  if (offer == NULL)
    {
      g_assert_true (error != NULL && error->domain == SIPNAT_ERROR);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }

  g_assert_no_error (error);
  g_assert_cmpuint (offer->candidates->len, <=, SIPNAT_SDP_MAX_CANDIDATES);
  for (guint i = 0; i < offer->candidates->len; i++)
    g_free (_sipnat_ice_candidate_check (offer->candidates->pdata[i]));
  if (offer->port != 0)
    answer (offer);

  return 0;
}
