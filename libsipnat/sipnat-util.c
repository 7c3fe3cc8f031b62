/* sipnat-util.c: small helpers shared by the classes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-util-private.h"

/*
 * _sipnat_set_str:
 * @field: a string field
 * @value: (nullable): the new value
 *
 * Replaces *@field by a copy of @value unless they are equal
 * (g_set_str() of GLib 2.76).
 *
 * Returns: %TRUE if the field changed
 */
gboolean
_sipnat_set_str (char       **field,
                 const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;

  g_free (*field);
  *field = g_strdup (value);

  return TRUE;
}

/* Destroys and forgets a source, if any. */
void
_sipnat_clear_source (GSource **source)
{
  if (*source != NULL)
    g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}
