/* sipnat-test-utils.h: helpers shared by the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sipnat.h>

G_BEGIN_DECLS

typedef gboolean (*SipnatTestPredicate) (gpointer data);

/* Iterates the thread-default context until @done returns TRUE; fails the
 * test after @timeout_ms. */
void     sipnat_test_wait_until (SipnatTestPredicate done,
                                 gpointer            data,
                                 guint               timeout_ms);
void     sipnat_test_wait_flag  (gboolean           *flag,
                                 guint               timeout_ms);
/* Iterates the context for @ms whatever happens. */
void     sipnat_test_run_for    (guint               ms);

/* The outcome of an async call, filled in by the callbacks below. */
typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} SipnatTestResult;

/* GAsyncReadyCallbacks for register_async and unregister_async that fill
 * in the SipnatTestResult passed as user data. */
void     sipnat_test_register_cb   (GObject      *source,
                                    GAsyncResult *result,
                                    gpointer      data);
void     sipnat_test_unregister_cb (GObject      *source,
                                    GAsyncResult *result,
                                    gpointer      data);

/* Appends "old -> new" (old "NULL" the first time) to @changes at each
 * public-binding-changed of @registration. */
void     sipnat_test_record_binding_changes (SipnatRegistration *registration,
                                             GPtrArray          *changes);

/* Synchronous wrappers for the async API, for the tests only. */
gboolean sipnat_test_register   (SipnatRegistration *registration,
                                 GError            **error);
gboolean sipnat_test_unregister (SipnatRegistration *registration,
                                 GError            **error);
gboolean sipnat_test_close      (SipnatEndpoint     *endpoint,
                                 GError            **error);

/* Skips (77) when the server cannot run here, unless SIPNAT_REQUIRE_NETNS
 * is set, then the test fails. Returns TRUE when skipped. */
gboolean sipnat_test_skip_if_missing (GError *error);

G_END_DECLS
