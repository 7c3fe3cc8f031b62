/* sipnat-version.c: run-time version information
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-version.h"

/**
 * sipnat_get_major_version:
 *
 * Gets the major version of the libsipnat in use (run time, not the headers).
 *
 * Returns: the major version of the libsipnat library in use.
 */
guint
sipnat_get_major_version (void)
{
  return SIPNAT_MAJOR_VERSION;
}

/**
 * sipnat_get_minor_version:
 *
 * Gets the minor version of the libsipnat in use (run time, not the headers).
 *
 * Returns: the minor version of the libsipnat library in use.
 */
guint
sipnat_get_minor_version (void)
{
  return SIPNAT_MINOR_VERSION;
}

/**
 * sipnat_get_micro_version:
 *
 * Gets the micro version of the libsipnat in use (run time, not the headers).
 *
 * Returns: the micro version of the libsipnat library in use.
 */
guint
sipnat_get_micro_version (void)
{
  return SIPNAT_MICRO_VERSION;
}
