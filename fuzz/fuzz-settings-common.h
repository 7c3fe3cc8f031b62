/* fuzz-settings-common.h: checks shared by the configuration fuzz targets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <string.h>

#include <sipnat.h>

#include "sipnat-config-private.h"
#include "fuzz-common.h"

/* At most this many settings of an input are applied to an endpoint. */
#define FUZZ_MAX_APPLIED 64

/* An endpoint that is constructed but not initialised: no socket, no
 * Sofia stack, only its settings and registrations. */
static inline SipnatEndpoint *
fuzz_endpoint_new (void)
{
  return g_object_new (SIPNAT_TYPE_ENDPOINT, "local-address", "127.0.0.1", NULL);
}

/* Sets @key to @value as sipnat_endpoint_set_setting() would, and checks
 * what users rely on: an error is a configuration error; a setting that
 * was set reads back (unless it is a password), and what it reads back
 * can be set again. */
static inline void
fuzz_set_setting (SipnatEndpoint *endpoint,
                  const char     *key,
                  const char     *value)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *read_back = NULL;

  if (!sipnat_endpoint_set_setting (endpoint, key, value, &error))
    {
      fuzz_assert_config_error (error);
      return;
    }

  read_back = sipnat_endpoint_get_setting (endpoint, key, &error);
  if (strstr (key, "password") != NULL)
    {
      g_assert_null (read_back);
      fuzz_assert_config_error (error);
      return;
    }

  if (read_back == NULL)
    {
      /* Write-only settings exist; nothing else may fail here. */
      fuzz_assert_config_error (error);
      g_assert_nonnull (strstr (error->message, "cannot be read"));
      return;
    }

  g_assert_no_error (error);
  if (!sipnat_endpoint_set_setting (endpoint, key, read_back, &error))
    g_error ("“%s” read back as “%s”, which cannot be set again: %s",
             key, read_back, error->message);
}

/* What a reader returned: keys normalised, lines from 1, values valid. */
static inline void
fuzz_check_settings (GPtrArray *settings,
                     gsize      size)
{
  for (guint i = 0; i < settings->len; i++)
    {
      SipnatSetting *s = g_ptr_array_index (settings, i);
      g_autofree char *normal = NULL;

      g_assert_nonnull (s->key);
      g_assert_nonnull (s->value);
      normal = _sipnat_config_normalize_key (s->key, NULL);
      g_assert_cmpstr (normal, ==, s->key);
      g_assert_true (g_utf8_validate (s->value, -1, NULL));
      g_assert_cmpuint (s->line, >=, 1);
      g_assert_cmpuint (s->line, <=, size + 1);
    }
}

/* Applies what a reader returned, as sipnat_endpoint_new_from_file() does
 * after construction. */
static inline void
fuzz_apply_settings (GPtrArray *settings)
{
  g_autoptr(SipnatEndpoint) endpoint = fuzz_endpoint_new ();

  for (guint i = 0; i < settings->len && i < FUZZ_MAX_APPLIED; i++)
    {
      SipnatSetting *s = g_ptr_array_index (settings, i);

      fuzz_set_setting (endpoint, s->key, s->value);
    }
}
