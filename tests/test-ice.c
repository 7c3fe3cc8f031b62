/* test-ice.c: the ICE session (SipnatIce) between two agents on loopback
 * (through coturn: test-ice-relay.c)
 *
 * Times measured (gathering, set_remote to CONNECTED) are printed with
 * g_test_message(); run with --verbose (or read the TAP comments).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <dlfcn.h>
#include <string.h>

#include "sipnat-test-ice.h"
#include "sipnat-test-utils.h"

/* ---- helpers ---- */

typedef struct {
  SipnatIce *ice;
  SipnatIceState state;
} StateWait;

static gboolean
state_is (gpointer data)
{
  StateWait *w = data;
  return _sipnat_ice_get_state (w->ice) == w->state;
}

static void
wait_state (SipnatIce      *ice,
            SipnatIceState  state,
            guint           ms)
{
  StateWait w = { ice, state };
  g_autofree char *what = g_strdup_printf ("ICE state %s",
                                           _sipnat_ice_state_to_string (state));

  sipnat_test_wait_until_full (state_is, &w, ms, what);
}

/* ---- cases ---- */

/* libnice and Sofia-SIP both export stun_message_length(); libnice's own
 * calls go to whichever comes first in the lookup order. Sofia's first
 * breaks every connectivity check, so libnice must come first, in this
 * program and in libsipnat-1.so (which applications load). */
static void
test_ice_link_order (void)
{
  const char *build_root = g_getenv ("SIPNAT_BUILD_ROOT");
  g_autofree char *readelf_path = g_find_program_in_path ("readelf");
  g_autofree char *library = NULL;
  g_autofree char *out = NULL;
  g_autoptr(GSubprocess) readelf = NULL;
  g_autoptr(GError) error = NULL;
  void *symbol = dlsym (RTLD_DEFAULT, "stun_message_length");
  Dl_info info;
  const char *nice, *sofia;

  g_assert_nonnull (symbol);
  g_assert_true (dladdr (symbol, &info) != 0);
  g_assert_nonnull (strstr (info.dli_fname, "libnice"));

  if (build_root == NULL || readelf_path == NULL)
    {
      g_test_skip ("no SIPNAT_BUILD_ROOT or readelf to check libsipnat-1.so");
      return;
    }
  library = g_build_filename (build_root, "libsipnat", "libsipnat-1.so", NULL);
  readelf = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, readelf_path, "-d",
                              library, NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (readelf, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  nice = strstr (out, "[libnice.so");
  sofia = strstr (out, "[libsofia-sip-ua.so");
  g_assert_nonnull (nice);
  g_assert_nonnull (sofia);
  g_assert_true (nice < sofia);
}

/* Two agents on loopback, host candidates only: both CONNECTED, the pair
 * host <-> host over UDP, datagrams both ways. */
static void
test_ice_host_loopback (void)
{
  g_autoptr(GError) error = NULL;
  SipnatIce *a = sipnat_test_ice_new (NULL, TRUE, FALSE);
  SipnatIce *b = sipnat_test_ice_new (NULL, FALSE, FALSE);
  g_autoptr(SipnatCandidatePair) pair = NULL;
  g_autoptr(SipnatCandidatePair) other = NULL;
  g_autofree char *address = NULL;
  guint port = 0;
  guint states = 0, pairs = 0;
  gint64 ms;

  g_signal_connect (a, "state-changed", G_CALLBACK (sipnat_test_ice_count_signal), &states);
  g_signal_connect (a, "selected-pair-changed", G_CALLBACK (sipnat_test_ice_count_signal), &pairs);

  ms = sipnat_test_ice_gather (a, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, host candidates only: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  sipnat_test_ice_gather (b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_sipnat_ice_get_state (a), ==, SIPNAT_ICE_STATE_GATHERED);
  g_assert_cmpuint (states, ==, 2);    /* GATHERING, GATHERED */
  g_assert_cmpuint (sipnat_test_ice_count_candidates (a, "host"), ==, 1);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (a, "srflx")
                    + sipnat_test_ice_count_candidates (a, "relay"), ==, 0);
  g_assert_cmpuint (strlen (_sipnat_ice_get_local_ufrag (a)), >=, 4);
  g_assert_cmpuint (strlen (_sipnat_ice_get_local_pwd (a)), >=, 22);
  g_assert_cmpstr (_sipnat_ice_get_local_ufrag (a), !=, _sipnat_ice_get_local_ufrag (b));

  _sipnat_ice_get_default_candidate (a, &address, &port);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (port, >, 0);
  g_assert_null (_sipnat_ice_dup_selected_pair (a));
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), ==, 0);

  ms = sipnat_test_ice_connect_pair (a, b);
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), >=, g_get_monotonic_time () - ms * 1000 - 1000);
  g_test_message ("measured: set_remote to CONNECTED (host, loopback): %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpuint (pairs, >=, 1);

  pair = _sipnat_ice_dup_selected_pair (a);
  g_assert_nonnull (pair);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  g_assert_cmpint (sipnat_candidate_pair_get_remote_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  g_assert_cmpint (sipnat_candidate_pair_get_transport (pair), ==, SIPNAT_MEDIA_TRANSPORT_UDP);
  g_assert_null (sipnat_candidate_pair_get_relay_server (pair));
  g_assert_cmpstr (sipnat_candidate_pair_get_local_host (pair), ==, "127.0.0.1");
  g_assert_cmpuint (sipnat_candidate_pair_get_local_port (pair), ==, port);
  {
    g_autofree char *local = g_strdup_printf ("127.0.0.1:%u", port);
    g_assert_cmpstr (sipnat_candidate_pair_get_local_address (pair), ==, local);
  }
  other = _sipnat_ice_dup_selected_pair (b);
  g_assert_nonnull (other);
  g_assert_cmpstr (sipnat_candidate_pair_get_remote_address (other), ==,
                   sipnat_candidate_pair_get_local_address (pair));
  g_assert_cmpstr (sipnat_candidate_pair_get_local_address (other), ==,
                   sipnat_candidate_pair_get_remote_address (pair));

  sipnat_test_ice_exchange_datagrams (a, b);

  sipnat_test_ice_drop (&a);
  sipnat_test_ice_drop (&b);
}

/* Without any local address given, the host's IPv4 addresses are used
 * (no IPv6 link-local), and gathering is quick. */
static void
test_ice_host_addresses (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  SipnatIce *ice = _sipnat_ice_new (NULL, policy, TRUE, FALSE, 1, &error);
  g_autoptr(GPtrArray) candidates = NULL;
  gint64 ms;

  g_assert_no_error (error);
  ms = sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering on the host's IPv4 addresses: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  candidates = _sipnat_ice_dup_local_candidates (ice);
  g_assert_cmpuint (candidates->len, >, 0);
  for (guint i = 0; i < candidates->len; i++)
    {
      g_auto(GStrv) tokens = g_strsplit (candidates->pdata[i], " ", 0);

      g_test_message ("candidate %s", (char *) candidates->pdata[i]);
      g_assert_cmpuint (g_strv_length (tokens), >=, 8);
      g_assert_null (strchr (tokens[4], ':'));   /* IPv4 */
      g_assert_cmpstr (tokens[4], !=, "127.0.0.1");
    }
  sipnat_test_ice_drop (&ice);
}

/* A STUN server that does not answer: gathering completes in bounded time
 * with the host candidate and no error. */
static void
test_ice_stun_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  SipnatIce *ice;
  gint64 ms;

  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, sipnat_test_free_port ());
  ice = sipnat_test_ice_new (policy, TRUE, FALSE);
  ms = sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering with an unreachable STUN server: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <=, SIPNAT_TEST_ICE_GATHER_TIMEOUT_MS + 500);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_GATHERED);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (ice, "host"), ==, 1);
  sipnat_test_ice_drop (&ice);
}

/* Garbage remote candidates: SIPNAT_ERROR_BAD_SDP, no crash; a usable one
 * among garbage is taken. */
static void
test_ice_bad_remote (void)
{
  static const char *garbage[] = {
    "", "candidate:", "candidate: 1 udp 1 127.0.0.1 9 typ host",
    "candidate:1 1 UDP", "candidate:1 1 UDP 2130706431 127.0.0.1 9 typ",
    "candidate:1 1 UDP 2130706431 127.0.0.1 9 typ bogus",
    "candidate:1 1 UDP 2130706431 999.0.0.1 9 typ host",
    "candidate:1 1 UDP 2130706431 host.example 9 typ host",
    "candidate:1 1 UDP 2130706431 abcd.local 9 typ host",
    "candidate:1 1 UDP 2130706431 127.0.0.1 99999 typ host",
    "candidate:1 1 UDP 99999999999 127.0.0.1 9 typ host",
    "candidate:1 2 UDP 2130706431 127.0.0.1 9 typ host",
    "candidate:1 1 TCP 2130706431 127.0.0.1 9 typ host tcptype",
    "candidate:1 1 TCP 2130706431 127.0.0.1 9 typ host",
    "candidate:1  1 UDP 2130706431 127.0.0.1 9 typ host",
    "candidate:1 1 UDP 2130706431 127.0.0.1 9 typ srflx raddr",
    "candidate:1 1 UDP 2130706431 127.0.0.1 9 typ srflx raddr x rport 1",
    "candidate:\xff\xfe 1 UDP 1 127.0.0.1 9 typ host",
    "a=candidate:1 1 UDP 1 127.0.0.1 -9 typ host",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *huge = NULL;
  SipnatIce *ice = sipnat_test_ice_new (NULL, TRUE, FALSE);

  /* Before gathering: refused. */
  g_assert_false (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                          candidates, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
  g_clear_error (&error);

  sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (garbage); i++)
    g_ptr_array_add (candidates, g_strdup (garbage[i]));
  huge = g_strnfill (100000, 'x');
  g_ptr_array_add (candidates, g_strconcat ("candidate:1 1 UDP 1 127.0.0.1 9 typ host ",
                                            huge, " x", NULL));
  g_assert_false (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                          candidates, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
  g_clear_error (&error);
  g_assert_false (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901", NULL, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
  g_clear_error (&error);

  /* Bad credentials. */
  g_ptr_array_add (candidates, g_strdup ("candidate:1 1 UDP 2130706431 127.0.0.1 9 typ host"));
  g_assert_false (_sipnat_ice_set_remote (ice, "ab cd", "0123456789012345678901",
                                          candidates, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
  g_clear_error (&error);
  g_assert_false (_sipnat_ice_set_remote (ice, "abcd", "", candidates, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
  g_clear_error (&error);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_GATHERED);

  /* Lines past the bound are not looked at. */
  {
    g_autoptr(GPtrArray) many = g_ptr_array_new_with_free_func (g_free);

    for (guint i = 0; i < 4 * SIPNAT_ICE_MAX_REMOTE_CANDIDATES; i++)
      g_ptr_array_add (many, g_strdup ("candidate:x"));
    g_ptr_array_add (many, g_strdup ("candidate:1 1 UDP 2130706431 127.0.0.1 9 typ host"));
    g_assert_false (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901", many, &error));
    g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP);
    g_clear_error (&error);
  }

  /* One usable candidate among the garbage is enough. */
  g_assert_true (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                         candidates, &error));
  g_assert_no_error (error);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_CHECKING);
  sipnat_test_ice_drop (&ice);
}

/* The pure checks: what is accepted comes back as the line libnice
 * parses. */
static void
test_ice_candidate_check (void)
{
  static const char *good = "candidate:Ab+/1 1 udp 2130706431 192.0.2.1 40000 typ srflx "
                            "raddr 10.0.0.1 rport 5000";
  g_autofree char *line = _sipnat_ice_candidate_check (good);
  g_autofree char *prefixed = NULL;
  g_autofree char *v6 = NULL;
  g_autofree char *a = g_strconcat ("a=", good, NULL);

  g_assert_cmpstr (line, ==, a);
  prefixed = _sipnat_ice_candidate_check (a);
  g_assert_cmpstr (prefixed, ==, a);
  v6 = _sipnat_ice_candidate_check ("candidate:1 1 UDP 1 2001:db8::1 9 typ host");
  g_assert_nonnull (v6);
  g_assert_null (_sipnat_ice_candidate_check (NULL));
  g_assert_null (_sipnat_ice_candidate_check ("candidate:1 1 UDP 1 192.0.2.1 9 typ host x"));
  g_assert_null (_sipnat_ice_candidate_check ("candidate:123456789012345678901234567890123 "
                                              "1 UDP 1 192.0.2.1 9 typ host"));

  g_assert_true (_sipnat_ice_credential_is_valid ("Ab+/"));
  g_assert_false (_sipnat_ice_credential_is_valid (NULL));
  g_assert_false (_sipnat_ice_credential_is_valid (""));
  g_assert_false (_sipnat_ice_credential_is_valid ("a=b"));
  {
    g_autofree char *long_one = g_strnfill (257, 'a');
    g_assert_false (_sipnat_ice_credential_is_valid (long_one));
    long_one[256] = '\0';
    g_assert_true (_sipnat_ice_credential_is_valid (long_one));
  }
}

/* A peer that never answers the checks: FAILED within a bound. */
static void
test_ice_no_answer (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  SipnatIce *ice = sipnat_test_ice_new (NULL, TRUE, FALSE);
  gint64 start, ms;

  sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);
  g_ptr_array_add (candidates, g_strdup_printf ("candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host",
                                                sipnat_test_free_port ()));
  start = g_get_monotonic_time ();
  g_assert_true (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                         candidates, &error));
  g_assert_no_error (error);
  wait_state (ice, SIPNAT_ICE_STATE_FAILED, SIPNAT_ICE_CHECK_TIMEOUT_MS + 2000);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_test_message ("measured: set_remote to FAILED, peer silent: %" G_GINT64_FORMAT " ms", ms);
  g_assert_null (_sipnat_ice_dup_selected_pair (ice));
  g_assert_cmpint (_sipnat_ice_get_connected_time (ice), ==, 0);
  sipnat_test_ice_drop (&ice);
}

/* Restart: new credentials, and the two connect again. */
static void
test_ice_restart (void)
{
  g_autoptr(GError) error = NULL;
  SipnatIce *a = sipnat_test_ice_new (NULL, TRUE, FALSE);
  SipnatIce *b = sipnat_test_ice_new (NULL, FALSE, FALSE);
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;

  g_assert_false (_sipnat_ice_restart (a, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
  g_clear_error (&error);

  sipnat_test_ice_gather (a, &error);
  g_assert_no_error (error);
  sipnat_test_ice_gather (b, &error);
  g_assert_no_error (error);
  sipnat_test_ice_connect_pair (a, b);

  ufrag = g_strdup (_sipnat_ice_get_local_ufrag (a));
  pwd = g_strdup (_sipnat_ice_get_local_pwd (a));
  g_assert_true (_sipnat_ice_restart (a, &error));
  g_assert_no_error (error);
  g_assert_true (_sipnat_ice_restart (b, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (_sipnat_ice_get_local_ufrag (a), !=, ufrag);
  g_assert_cmpstr (_sipnat_ice_get_local_pwd (a), !=, pwd);
  g_assert_cmpint (_sipnat_ice_get_state (a), ==, SIPNAT_ICE_STATE_GATHERED);

  sipnat_test_ice_connect_pair (a, b);
  sipnat_test_ice_exchange_datagrams (a, b);
  sipnat_test_ice_drop (&a);
  sipnat_test_ice_drop (&b);
}

/* Closing while gathering fails the gather with SIPNAT_ERROR_CLOSED;
 * closing and dropping at once (agent still closing) warns nothing. */
static void
test_ice_close_while_gathering (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  SipnatTestResult r = { 0 };
  SipnatIce *ice;

  /* A silent STUN server keeps gathering going. */
  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, sipnat_test_free_port ());
  ice = sipnat_test_ice_new (policy, FALSE, FALSE);
  _sipnat_ice_gather_async (ice, NULL, sipnat_test_ice_gather_cb, &r);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_GATHERING);
  sipnat_test_ice_drop (&ice);
  sipnat_test_wait_flag (&r.done, 1000);
  g_assert_false (r.ok);
  g_assert_error (r.error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
  g_clear_error (&r.error);
}

/* Cancelling a gather returns G_IO_ERROR_CANCELLED at once; the session
 * still ends in GATHERED. */
static void
test_ice_gather_cancelled (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  SipnatTestResult r = { 0 };
  SipnatIce *ice;

  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, sipnat_test_free_port ());
  ice = sipnat_test_ice_new (policy, FALSE, FALSE);
  _sipnat_ice_gather_async (ice, cancellable, sipnat_test_ice_gather_cb, &r);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 500);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  wait_state (ice, SIPNAT_ICE_STATE_GATHERED, SIPNAT_TEST_ICE_GATHER_TIMEOUT_MS + 1000);
  sipnat_test_ice_drop (&ice);
}

/* Our own bound on the checks, below libnice's: FAILED when it passes. */
static void
test_ice_check_timeout (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  SipnatIce *ice = sipnat_test_ice_new (NULL, FALSE, FALSE);
  guint states = 0;
  gint64 start, ms;

  sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);
  _sipnat_ice_set_check_timeout (ice, 1000);
  g_ptr_array_add (candidates, g_strdup_printf ("candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host",
                                                sipnat_test_free_port ()));
  g_signal_connect (ice, "state-changed", G_CALLBACK (sipnat_test_ice_count_signal), &states);
  start = g_get_monotonic_time ();
  g_assert_true (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                         candidates, &error));
  g_assert_no_error (error);
  wait_state (ice, SIPNAT_ICE_STATE_FAILED, 3000);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (ms, >=, 1000);
  g_assert_cmpint (ms, <, 3000);
  g_assert_cmpuint (states, ==, 2);   /* CHECKING, FAILED */
  sipnat_test_ice_drop (&ice);
}

/* Handlers may close and drop the session: the rest of the emission, the
 * gather callback and the agent's close all run safely. */
typedef struct {
  SipnatIce *ice;           /* the test's reference, dropped by a handler */
  NiceAgent *agent;         /* weak */
  SipnatIceState drop_at;
} Dropper;

static void
drop_on_state (SipnatIce *ice,
               Dropper   *d)
{
  if (_sipnat_ice_get_state (ice) != d->drop_at || d->ice == NULL)
    return;
  _sipnat_ice_close (ice);
  g_clear_object (&d->ice);
}

static void
drop_on_pair (SipnatIce *ice,
              Dropper   *d)
{
  g_autoptr(SipnatCandidatePair) pair = _sipnat_ice_dup_selected_pair (ice);

  g_assert_nonnull (pair);
  if (d->ice == NULL)
    return;
  _sipnat_ice_close (ice);
  g_clear_object (&d->ice);
}

static void
watch_drop (Dropper   *d,
            SipnatIce *ice)
{
  d->ice = ice;
  d->agent = _sipnat_ice_get_agent (ice);
  g_object_add_weak_pointer (G_OBJECT (d->agent), (gpointer *) &d->agent);
}

static void
test_ice_drop_in_handlers (void)
{
  g_autoptr(GError) error = NULL;
  Dropper gathered = { 0 }, checking = { 0 }, paired = { 0 };
  SipnatTestResult r = { 0 };
  SipnatIce *a, *b, *c;

  /* Dropped in state-changed to GATHERED: the gather callback still
   * gets its result. */
  watch_drop (&gathered, sipnat_test_ice_new (NULL, TRUE, FALSE));
  gathered.drop_at = SIPNAT_ICE_STATE_GATHERED;
  g_signal_connect (gathered.ice, "state-changed", G_CALLBACK (drop_on_state), &gathered);
  _sipnat_ice_gather_async (gathered.ice, NULL, sipnat_test_ice_gather_cb, &r);
  sipnat_test_wait_flag (&r.done, 2000);
  g_assert_true (r.ok);
  g_assert_null (gathered.ice);
  sipnat_test_wait_until_full (sipnat_test_ice_is_null, &gathered.agent, 5000,
                               "agent gone after a drop");

  /* Dropped in state-changed to CHECKING (inside set_remote), and in
   * selected-pair-changed (inside a libnice signal). */
  a = sipnat_test_ice_new (NULL, TRUE, FALSE);
  b = sipnat_test_ice_new (NULL, FALSE, FALSE);
  c = sipnat_test_ice_new (NULL, FALSE, FALSE);
  sipnat_test_ice_gather (a, &error);
  g_assert_no_error (error);
  sipnat_test_ice_gather (b, &error);
  g_assert_no_error (error);
  sipnat_test_ice_gather (c, &error);
  g_assert_no_error (error);
  watch_drop (&checking, g_object_ref (c));
  checking.drop_at = SIPNAT_ICE_STATE_CHECKING;
  g_signal_connect (c, "state-changed", G_CALLBACK (drop_on_state), &checking);
  sipnat_test_ice_give_remote (c, a);
  g_assert_null (checking.ice);
  g_assert_cmpint (_sipnat_ice_get_state (c), ==, SIPNAT_ICE_STATE_CLOSED);
  g_clear_object (&c);
  sipnat_test_wait_until_full (sipnat_test_ice_is_null, &checking.agent, 5000,
                               "agent gone after a drop");

  watch_drop (&paired, b);
  g_signal_connect (b, "selected-pair-changed", G_CALLBACK (drop_on_pair), &paired);
  sipnat_test_ice_give_remote (a, b);
  sipnat_test_ice_give_remote (b, a);
  sipnat_test_wait_until_full (sipnat_test_ice_is_null, &paired.agent, 5000,
                               "agent gone after a drop");
  g_assert_null (paired.ice);
  sipnat_test_ice_drop (&a);
}

int
main (int    argc,
      char **argv)
{
  sipnat_test_ice_init (&argc, &argv);

  g_test_add_func ("/ice/link/order", test_ice_link_order);
  g_test_add_func ("/ice/host/loopback", test_ice_host_loopback);
  g_test_add_func ("/ice/host/addresses", test_ice_host_addresses);
  g_test_add_func ("/ice/stun/unreachable", test_ice_stun_unreachable);
  g_test_add_func ("/ice/remote/candidate-check", test_ice_candidate_check);
  g_test_add_func ("/ice/remote/bad", test_ice_bad_remote);
  g_test_add_func ("/ice/remote/no-answer", test_ice_no_answer);
  g_test_add_func ("/ice/remote/check-timeout", test_ice_check_timeout);
  g_test_add_func ("/ice/restart", test_ice_restart);
  g_test_add_func ("/ice/close/while-gathering", test_ice_close_while_gathering);
  g_test_add_func ("/ice/reentrancy/drop-in-handlers", test_ice_drop_in_handlers);
  g_test_add_func ("/ice/gather/cancelled", test_ice_gather_cancelled);

  return g_test_run ();
}
