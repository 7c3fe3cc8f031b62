/* sipnat-test-coturn.h: a real coturn on 127.0.0.1 for the tests
 *
 *   g_autoptr(GError) error = NULL;
 *   g_autoptr(SipnatTestCoturn) coturn = sipnat_test_coturn_start (&error);
 *   if (sipnat_test_skip_if_missing (error))
 *     return;
 *   g_assert_no_error (error);
 *
 * STUN and TURN on coturn->port (UDP and TCP), TURN over TLS on
 * coturn->tls_port with a self-signed certificate for 127.0.0.1
 * (coturn->cert, PEM); long-term credentials SIPNAT_TEST_TURN_USER /
 * SIPNAT_TEST_TURN_PASSWORD in realm SIPNAT_TEST_TURN_REALM; relaying to
 * loopback peers allowed. turnserver is found in SIPNAT_TURNSERVER, PATH
 * or /usr/bin; a missing turnserver or openssl is G_IO_ERROR_NOT_FOUND.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define SIPNAT_TEST_TURN_USER "natlab"
#define SIPNAT_TEST_TURN_PASSWORD "natlabpw"
#define SIPNAT_TEST_TURN_REALM "natlab.test"

typedef struct {
  GSubprocess *process;
  char *dir;           /* its files: certificate, key, user database, log */
  guint port;          /* UDP and TCP */
  guint tls_port;
  char *cert;
} SipnatTestCoturn;

SipnatTestCoturn *sipnat_test_coturn_start (GError          **error);
void              sipnat_test_coturn_stop  (SipnatTestCoturn *coturn);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatTestCoturn, sipnat_test_coturn_stop)

G_END_DECLS
