/* sipnat-test-utils.h: helpers shared by the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sipnat.h>

G_BEGIN_DECLS

typedef gboolean (*SipnatTestPredicate) (gpointer data);

/* Deadlines: @ms as given, ten times that under valgrind, three times under the sanitizers
 * (SIPNAT_UNDER_VALGRIND, SIPNAT_UNDER_SANITIZER: set by the test setups). */
guint    sipnat_test_deadline_ms (guint              ms);

/* Iterates the thread-default context until @done returns TRUE; fails the
 * test (with @what in the message) when the deadline passes first. @done is
 * checked after every iteration and at least every 50 ms, so it may poll
 * something outside the context (a Kamailio statistic). */
void     sipnat_test_wait_until_full (SipnatTestPredicate  done,
                                      gpointer             data,
                                      guint                timeout_ms,
                                      const char          *what);
#define  sipnat_test_wait_until(done, data, timeout_ms) \
  sipnat_test_wait_until_full ((done), (data), (timeout_ms), G_STRINGIFY (done))
void     sipnat_test_wait_flag  (gboolean           *flag,
                                 guint               timeout_ms);
/* Waits until @registration is in @state. */
void     sipnat_test_wait_state (SipnatRegistration      *registration,
                                 SipnatRegistrationState  state,
                                 guint                    timeout_ms);

/* Iterates the context for @ms whatever happens. Only to show that
 * something does NOT happen, where no later event on the same path can
 * prove that the time passed: say so in a comment where it is used. Never
 * to wait for something that must happen (wait for it with a deadline). */
void     sipnat_test_run_for    (guint               ms);

/* Drops the test's reference to *@endpoint (if any) and waits until the
 * endpoint is finalised and its stack has shut down (its ports are free
 * again), then runs what is left pending on the context: no test's
 * shutdown runs inside the next test. Every test ends its endpoints with
 * this, directly or through g_autoptr(SipnatTestEndpoint). */
void     sipnat_test_drop_endpoint (SipnatEndpoint **endpoint);

/* The ports fake registrars script as a NAT's public port (rport) are
 * taken from this range, which the endpoints of those tests never have as
 * their local port: a public binding equal to the local one is no NAT. */
#define SIPNAT_TEST_PUBLIC_PORT_MIN 40000
#define SIPNAT_TEST_PUBLIC_PORT_MAX 41999

/* A new endpoint on @address, its ports chosen by the system but outside
 * SIPNAT_TEST_PUBLIC_PORT_MIN..MAX. Asserts that it could be made. */
SipnatEndpoint *sipnat_test_local_endpoint_new (const char *address);

/* An endpoint that g_autoptr() ends with sipnat_test_drop_endpoint(). */
typedef SipnatEndpoint SipnatTestEndpoint;
void     sipnat_test_endpoint_free (SipnatTestEndpoint *endpoint);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatTestEndpoint, sipnat_test_endpoint_free)

/* An answer or offer without ICE, PCMU only */
#define SIPNAT_TEST_PLAIN_SDP \
  "v=0\r\n" \
  "o=- 1 1 IN IP4 127.0.0.1\r\n" \
  "s=-\r\n" \
  "c=IN IP4 127.0.0.1\r\n" \
  "t=0 0\r\n" \
  "m=audio 40000 RTP/AVP 0\r\n" \
  "a=rtpmap:0 PCMU/8000\r\n"

/* The outcome of an async call, filled in by the callbacks below. */
typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} SipnatTestResult;

/* Defines the GAsyncReadyCallback @name: it stores what @finish (a
 * gboolean _finish function whose object is cast with @CAST) returns, and
 * its error, in the SipnatTestResult passed as user data, then sets its
 * done flag. */
#define SIPNAT_TEST_DEFINE_RESULT_CB(name, CAST, finish) \
  void \
  name (GObject      *source, \
        GAsyncResult *result, \
        gpointer      data) \
  { \
    SipnatTestResult *r_ = data; \
    \
    r_->ok = finish (CAST (source), result, &r_->error); \
    r_->done = TRUE; \
  }

/* GAsyncReadyCallbacks for register_async and unregister_async that fill
 * in the SipnatTestResult passed as user data. */
void     sipnat_test_register_cb   (GObject      *source,
                                    GAsyncResult *result,
                                    gpointer      data);
void     sipnat_test_close_cb      (GObject      *source,
                                    GAsyncResult *result,
                                    gpointer      data);
void     sipnat_test_register_all_cb (GObject    *source,
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

/* Calls: GAsyncReadyCallbacks for dial_async and answer_async that fill
 * in a SipnatTestResult, and the call's media bin in a playing pipeline
 * (audiotestsrc ! media ! fakesink), its receiving side attached before
 * any connectivity check as an application does it. */
void        sipnat_test_dial_cb       (GObject      *source,
                                       GAsyncResult *result,
                                       gpointer      data);
void        sipnat_test_answer_cb     (GObject      *source,
                                       GAsyncResult *result,
                                       gpointer      data);
GstElement *sipnat_test_call_pipeline (SipnatCall   *call);
guint64     sipnat_test_rtp_received  (SipnatCall   *call);
/* The value of a=ice-ufrag in @sdp (which must have one). */
char       *sipnat_test_sdp_ufrag     (const char   *sdp);

/* Skips (77) when the server cannot run here, unless SIPNAT_REQUIRE_NETNS
 * is set, then the test fails. Returns TRUE when skipped. */
gboolean sipnat_test_skip_if_missing (GError *error);

void     sipnat_test_send_to         (GSocket        *from,
                                      GSocketAddress *to,
                                      const guint8   *buf,
                                      gsize           len);
GSocket *sipnat_test_loopback_socket (void);
guint    sipnat_test_socket_port     (GSocket        *socket);
guint    sipnat_test_free_port       (void);
void     sipnat_test_remove_tree     (const char     *path);

G_END_DECLS
