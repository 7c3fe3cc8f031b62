/* fuzz-set-setting.c: sipnat_endpoint_set_setting() with any key and value
 *
 * The input is split at its first NUL or newline: the key before, the
 * value after (cut at a second NUL). Several lines give several settings,
 * applied in order to one endpoint, so that one setting can meet the
 * state another left.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-settings-common.h"

#define MAX_PAIRS 16

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(SipnatEndpoint) endpoint = NULL;
  const char *p = (const char *) data;
  const char *end = p + size;

  fuzz_init_once ();
  endpoint = fuzz_endpoint_new ();

  /* KEY SEP VALUE [\n KEY SEP VALUE]..., SEP a NUL or a newline. */
  for (guint n = 0; p < end && n < MAX_PAIRS; n++)
    {
      const char *sep = p;
      const char *value_end;
      g_autofree char *key = NULL;
      g_autofree char *value = NULL;

      while (sep < end && *sep != '\0' && *sep != '\n')
        sep++;

      key = g_strndup (p, sep - p);
      p = sep < end ? sep + 1 : end;

      value_end = p;
      while (value_end < end && *value_end != '\0' && *value_end != '\n')
        value_end++;
      value = g_strndup (p, value_end - p);
      p = value_end < end ? value_end + 1 : end;

      fuzz_set_setting (endpoint, key, value);
    }

  return 0;
}
