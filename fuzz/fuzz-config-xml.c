/* fuzz-config-xml.c: the XML (SipEndpoint.config) configuration reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "fuzz-settings-common.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GError) error = NULL;

  fuzz_init_once ();

  settings = _sipnat_config_read_xml_data ((const char *) data, size, "fuzz.config", &error);
  if (settings == NULL)
    {
      fuzz_assert_config_error (error);
      g_assert_true (g_str_has_prefix (error->message, "fuzz.config:"));
      return 0;
    }

  g_assert_no_error (error);
  fuzz_check_settings (settings, size);
  fuzz_apply_settings (settings);
  return 0;
}
