/* sipnat-test-fake-endpoint.c: the start of the fixtures that register
 * with the fake registrar
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-test-fake-endpoint.h"
#include "sipnat-test-utils.h"

SipnatFakeRegistrar *
sipnat_test_fake_endpoint_new (const char      *address,
                               SipnatEndpoint **endpoint,
                               char           **server)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);

  g_assert_no_error (error);
  *endpoint = sipnat_test_local_endpoint_new (address);
  if (server != NULL)
    *server = sipnat_fake_registrar_dup_server (fake);
  return g_steal_pointer (&fake);
}
