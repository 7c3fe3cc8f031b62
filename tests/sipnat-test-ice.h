/* sipnat-test-ice.h: ICE sessions for the tests (test-ice, test-ice-relay)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-ice-private.h"
#include "sipnat-test-utils.h"

G_BEGIN_DECLS

/* g_test_init(), and warnings made fatal. */
void       sipnat_test_ice_init               (int             *argc,
                                               char          ***argv);

/* The gathering bound, ten times longer under valgrind, three times
 * under the sanitizers (sipnat_test_deadline_ms()). */
#define SIPNAT_TEST_ICE_GATHER_TIMEOUT_MS sipnat_test_deadline_ms (SIPNAT_ICE_GATHER_TIMEOUT_MS)

/* A session with one local address, 127.0.0.1, in state NEW (@policy NULL:
 * no STUN, no TURN). */
SipnatIce *sipnat_test_ice_new                (SipnatNatPolicy *policy,
                                               gboolean         controlling,
                                               gboolean         force_relay);
/* A GAsyncReadyCallback for _sipnat_ice_gather_async() that fills in the
 * SipnatTestResult passed as user data. */
void       sipnat_test_ice_gather_cb          (GObject         *source,
                                               GAsyncResult    *result,
                                               gpointer         data);
/* Gathers; returns the time it took in ms. */
gint64     sipnat_test_ice_gather             (SipnatIce       *ice,
                                               GError         **error);
/* How many local candidates of @type ("host", "srflx", "relay") */
guint      sipnat_test_ice_count_candidates   (SipnatIce       *ice,
                                               const char      *type);
/* Gives @to the credentials and the candidates of @from. */
void       sipnat_test_ice_give_remote        (SipnatIce       *to,
                                               SipnatIce       *from);
/* Exchanges candidates; returns ms from the first set_remote until both
 * are CONNECTED. */
gint64     sipnat_test_ice_connect_pair       (SipnatIce       *a,
                                               SipnatIce       *b);
/* A SipnatTestPredicate: *@data is NULL (a weak pointer cleared). */
gboolean   sipnat_test_ice_is_null            (gpointer         data);
/* Closes and drops *@ice, then waits until its agent is finalized. */
void       sipnat_test_ice_drop               (SipnatIce      **ice);
/* Sends 5 datagrams each way over the selected pair and waits until they
 * arrive. */
void       sipnat_test_ice_exchange_datagrams (SipnatIce       *a,
                                               SipnatIce       *b);
/* A signal handler that counts its emissions in *@count. */
void       sipnat_test_ice_count_signal       (gpointer         instance,
                                               guint           *count);

G_END_DECLS
