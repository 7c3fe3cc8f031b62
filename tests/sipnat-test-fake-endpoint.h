/* sipnat-test-fake-endpoint.h: the start of the fixtures that register
 * with the fake registrar
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sipnat.h>

#include "sipnat-fake-registrar.h"

G_BEGIN_DECLS

/* A fresh fake registrar, and in *@endpoint an endpoint bound to @address
 * (any port) to register with it; *@server (when @server is not NULL) gets
 * the fake's address for sipnat_endpoint_add_registration(). Fails the test
 * when either cannot start. */
SipnatFakeRegistrar *sipnat_test_fake_endpoint_new (const char      *address,
                                                    SipnatEndpoint **endpoint,
                                                    char           **server);

G_END_DECLS
