/* test-ice.c: the ICE session (SipnatIce) between two agents on loopback,
 * directly and through a real coturn over UDP, TCP and TLS
 *
 * Times measured (gathering, set_remote to CONNECTED) are printed with
 * g_test_message(); run with --verbose (or read the TAP comments).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <dlfcn.h>
#include <string.h>

#include "sipnat-ice-private.h"
#include "sipnat-test-coturn.h"
#include "sipnat-test-utils.h"

#define GATHER_TIMEOUT_MS sipnat_test_deadline_ms (SIPNAT_ICE_GATHER_TIMEOUT_MS)

/* ---- a coturn started once for the TURN cases, killed at exit ---- */

static SipnatTestCoturn *coturn;

/* FALSE with the test skipped when coturn is not installed (a failure
 * under SIPNAT_REQUIRE_NETNS=1). */
static gboolean
coturn_start (void)
{
  g_autoptr(GError) error = NULL;

  if (coturn != NULL)
    return TRUE;

  coturn = sipnat_test_coturn_start (&error);
  if (sipnat_test_skip_if_missing (error))
    return FALSE;
  g_assert_no_error (error);
  return TRUE;
}

/* ---- helpers ---- */

static SipnatNatPolicy *
policy_with_turn (SipnatRelayType  type,
                  const char      *password,
                  guint            port)
{
  SipnatNatPolicy *policy = sipnat_nat_policy_new ();

  sipnat_nat_policy_set_turn_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_turn_server_port (policy, port);
  sipnat_nat_policy_set_turn_user_name (policy, SIPNAT_TEST_TURN_USER);
  sipnat_nat_policy_set_turn_password (policy, password);
  sipnat_nat_policy_set_turn_relay_type (policy, type);
  return policy;
}

static SipnatIce *
new_ice (SipnatNatPolicy *policy,
         gboolean         controlling,
         gboolean         force_relay)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) plain = NULL;
  SipnatIce *ice;

  if (policy == NULL)
    policy = plain = sipnat_nat_policy_new ();
  ice = _sipnat_ice_new (NULL, policy, controlling, force_relay, 1, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ice);
  /* Longer under valgrind, where a TLS handshake takes seconds. */
  _sipnat_ice_set_gather_timeout (ice, GATHER_TIMEOUT_MS);
  g_assert_true (_sipnat_ice_add_local_address (ice, "127.0.0.1", &error));
  g_assert_no_error (error);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_NEW);
  return ice;
}

typedef struct {
  gboolean done;
  gboolean ok;
  GError *error;
} Result;

static void
gather_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Result *r = data;

  r->ok = _sipnat_ice_gather_finish (SIPNAT_ICE (source), result, &r->error);
  r->done = TRUE;
}

/* Gathers; returns the time it took in ms. */
static gint64
gather (SipnatIce  *ice,
        GError    **error)
{
  Result r = { 0 };
  gint64 start = g_get_monotonic_time ();

  _sipnat_ice_gather_async (ice, NULL, gather_cb, &r);
  sipnat_test_wait_flag (&r.done, GATHER_TIMEOUT_MS + 2000);
  g_assert_true (r.ok == (r.error == NULL));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return (g_get_monotonic_time () - start) / 1000;
}

static guint
count_candidates (SipnatIce  *ice,
                  const char *type)
{
  g_autoptr(GPtrArray) candidates = _sipnat_ice_dup_local_candidates (ice);
  g_autofree char *needle = g_strdup_printf (" typ %s", type);
  guint n = 0;

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *c = candidates->pdata[i];

      g_assert_true (g_str_has_prefix (c, "a=candidate:"));
      if (strstr (c, needle) != NULL)
        n++;
    }
  return n;
}

static void
give_remote (SipnatIce *to,
             SipnatIce *from)
{
  g_autoptr(GPtrArray) candidates = _sipnat_ice_dup_local_candidates (from);
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (candidates->len, >, 0);
  g_assert_true (_sipnat_ice_set_remote (to, _sipnat_ice_get_local_ufrag (from),
                                         _sipnat_ice_get_local_pwd (from),
                                         candidates, &error));
  g_assert_no_error (error);
}

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

static gboolean
both_connected (gpointer data)
{
  SipnatIce **pair = data;

  return _sipnat_ice_get_state (pair[0]) == SIPNAT_ICE_STATE_CONNECTED &&
         _sipnat_ice_get_state (pair[1]) == SIPNAT_ICE_STATE_CONNECTED &&
         _sipnat_ice_get_connected_time (pair[0]) != 0;
}

/* Exchanges candidates; returns ms from the first set_remote until both
 * are CONNECTED. */
static gint64
connect_pair (SipnatIce *a,
              SipnatIce *b)
{
  SipnatIce *pair[2] = { a, b };
  gint64 start = g_get_monotonic_time ();

  give_remote (a, b);
  give_remote (b, a);
  g_assert_cmpint (_sipnat_ice_get_state (a), ==, SIPNAT_ICE_STATE_CHECKING);
  sipnat_test_wait_until_full (both_connected, pair, 5000, "both agents CONNECTED");
  /* The time CONNECTED was first reached. */
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), >, 0);
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), <=, g_get_monotonic_time ());
  g_assert_cmpint (_sipnat_ice_get_connected_time (b), >, 0);
  return (g_get_monotonic_time () - start) / 1000;
}

static gboolean
is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closes and drops @ice, then waits until its agent is gone (its close
 * completed): nothing of one test runs inside the next. */
static void
drop_ice (SipnatIce **ice)
{
  NiceAgent *agent = _sipnat_ice_get_agent (*ice);

  g_assert_nonnull (agent);
  g_object_add_weak_pointer (G_OBJECT (agent), (gpointer *) &agent);
  _sipnat_ice_close (*ice);
  _sipnat_ice_close (*ice);
  g_assert_cmpint (_sipnat_ice_get_state (*ice), ==, SIPNAT_ICE_STATE_CLOSED);
  g_clear_object (ice);
  sipnat_test_wait_until_full (is_null, &agent, 5000, "the NiceAgent is finalized");
}

static void
count_cb (NiceAgent *agent,
          guint      stream_id,
          guint      component_id,
          guint      len,
          gchar     *buf,
          gpointer   data)
{
  if (len == 5 && memcmp (buf, "hello", 5) == 0)
    (*(guint *) data)++;
}

static gboolean
counted_all (gpointer data)
{
  guint *counts = data;
  return counts[0] >= 5 && counts[1] >= 5;
}

/* Sends 5 datagrams each way over the selected pair and waits until they
 * arrive. */
static void
exchange_datagrams (SipnatIce *a,
                    SipnatIce *b)
{
  guint counts[2] = { 0, 0 };
  SipnatIce *ices[2] = { a, b };

  for (int i = 0; i < 2; i++)
    nice_agent_attach_recv (_sipnat_ice_get_agent (ices[i]), _sipnat_ice_get_stream_id (ices[i]),
                            SIPNAT_ICE_COMPONENT, NULL, count_cb, &counts[i]);
  for (int n = 0; n < 5; n++)
    {
      for (int i = 0; i < 2; i++)
        g_assert_cmpint (nice_agent_send (_sipnat_ice_get_agent (ices[i]),
                                          _sipnat_ice_get_stream_id (ices[i]),
                                          SIPNAT_ICE_COMPONENT, 5, "hello"), ==, 5);
    }
  sipnat_test_wait_until_full (counted_all, counts, 3000, "5 datagrams each way");
  g_assert_cmpuint (counts[0], ==, 5);
  g_assert_cmpuint (counts[1], ==, 5);
  for (int i = 0; i < 2; i++)
    nice_agent_attach_recv (_sipnat_ice_get_agent (ices[i]), _sipnat_ice_get_stream_id (ices[i]),
                            SIPNAT_ICE_COMPONENT, NULL, NULL, NULL);
}

static void
count_signal (gpointer  instance,
              guint    *count)
{
  (*count)++;
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
  SipnatIce *a = new_ice (NULL, TRUE, FALSE);
  SipnatIce *b = new_ice (NULL, FALSE, FALSE);
  g_autoptr(SipnatCandidatePair) pair = NULL;
  g_autoptr(SipnatCandidatePair) other = NULL;
  g_autofree char *address = NULL;
  guint port = 0;
  guint states = 0, pairs = 0;
  gint64 ms;

  g_signal_connect (a, "state-changed", G_CALLBACK (count_signal), &states);
  g_signal_connect (a, "selected-pair-changed", G_CALLBACK (count_signal), &pairs);

  ms = gather (a, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, host candidates only: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  gather (b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (_sipnat_ice_get_state (a), ==, SIPNAT_ICE_STATE_GATHERED);
  g_assert_cmpuint (states, ==, 2);    /* GATHERING, GATHERED */
  g_assert_cmpuint (count_candidates (a, "host"), ==, 1);
  g_assert_cmpuint (count_candidates (a, "srflx") + count_candidates (a, "relay"), ==, 0);
  g_assert_cmpuint (strlen (_sipnat_ice_get_local_ufrag (a)), >=, 4);
  g_assert_cmpuint (strlen (_sipnat_ice_get_local_pwd (a)), >=, 22);
  g_assert_cmpstr (_sipnat_ice_get_local_ufrag (a), !=, _sipnat_ice_get_local_ufrag (b));

  _sipnat_ice_get_default_candidate (a, &address, &port);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (port, >, 0);
  g_assert_null (_sipnat_ice_dup_selected_pair (a));
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), ==, 0);

  ms = connect_pair (a, b);
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

  exchange_datagrams (a, b);

  drop_ice (&a);
  drop_ice (&b);
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
  ms = gather (ice, &error);
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
  drop_ice (&ice);
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
  ice = new_ice (policy, TRUE, FALSE);
  ms = gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering with an unreachable STUN server: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <=, GATHER_TIMEOUT_MS + 500);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_GATHERED);
  g_assert_cmpuint (count_candidates (ice, "host"), ==, 1);
  drop_ice (&ice);
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
  SipnatIce *ice = new_ice (NULL, TRUE, FALSE);

  /* Before gathering: refused. */
  g_assert_false (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                          candidates, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
  g_clear_error (&error);

  gather (ice, &error);
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
  drop_ice (&ice);
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
  SipnatIce *ice = new_ice (NULL, TRUE, FALSE);
  gint64 start, ms;

  gather (ice, &error);
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
  drop_ice (&ice);
}

/* Restart: new credentials, and the two connect again. */
static void
test_ice_restart (void)
{
  g_autoptr(GError) error = NULL;
  SipnatIce *a = new_ice (NULL, TRUE, FALSE);
  SipnatIce *b = new_ice (NULL, FALSE, FALSE);
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;

  g_assert_false (_sipnat_ice_restart (a, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED);
  g_clear_error (&error);

  gather (a, &error);
  g_assert_no_error (error);
  gather (b, &error);
  g_assert_no_error (error);
  connect_pair (a, b);

  ufrag = g_strdup (_sipnat_ice_get_local_ufrag (a));
  pwd = g_strdup (_sipnat_ice_get_local_pwd (a));
  g_assert_true (_sipnat_ice_restart (a, &error));
  g_assert_no_error (error);
  g_assert_true (_sipnat_ice_restart (b, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (_sipnat_ice_get_local_ufrag (a), !=, ufrag);
  g_assert_cmpstr (_sipnat_ice_get_local_pwd (a), !=, pwd);
  g_assert_cmpint (_sipnat_ice_get_state (a), ==, SIPNAT_ICE_STATE_GATHERED);

  connect_pair (a, b);
  exchange_datagrams (a, b);
  drop_ice (&a);
  drop_ice (&b);
}

/* Closing while gathering fails the gather with SIPNAT_ERROR_CLOSED;
 * closing and dropping at once (agent still closing) warns nothing. */
static void
test_ice_close_while_gathering (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  Result r = { 0 };
  SipnatIce *ice;

  /* A silent STUN server keeps gathering going. */
  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, sipnat_test_free_port ());
  ice = new_ice (policy, FALSE, FALSE);
  _sipnat_ice_gather_async (ice, NULL, gather_cb, &r);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_GATHERING);
  drop_ice (&ice);
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
  Result r = { 0 };
  SipnatIce *ice;

  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, sipnat_test_free_port ());
  ice = new_ice (policy, FALSE, FALSE);
  _sipnat_ice_gather_async (ice, cancellable, gather_cb, &r);
  g_cancellable_cancel (cancellable);
  sipnat_test_wait_flag (&r.done, 500);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r.error);
  wait_state (ice, SIPNAT_ICE_STATE_GATHERED, GATHER_TIMEOUT_MS + 1000);
  drop_ice (&ice);
}

/* Our own bound on the checks, below libnice's: FAILED when it passes. */
static void
test_ice_check_timeout (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  SipnatIce *ice = new_ice (NULL, FALSE, FALSE);
  guint states = 0;
  gint64 start, ms;

  gather (ice, &error);
  g_assert_no_error (error);
  _sipnat_ice_set_check_timeout (ice, 1000);
  g_ptr_array_add (candidates, g_strdup_printf ("candidate:1 1 UDP 2130706431 127.0.0.1 %u typ host",
                                                sipnat_test_free_port ()));
  g_signal_connect (ice, "state-changed", G_CALLBACK (count_signal), &states);
  start = g_get_monotonic_time ();
  g_assert_true (_sipnat_ice_set_remote (ice, "abcd", "0123456789012345678901",
                                         candidates, &error));
  g_assert_no_error (error);
  wait_state (ice, SIPNAT_ICE_STATE_FAILED, 3000);
  ms = (g_get_monotonic_time () - start) / 1000;
  g_assert_cmpint (ms, >=, 1000);
  g_assert_cmpint (ms, <, 3000);
  g_assert_cmpuint (states, ==, 2);   /* CHECKING, FAILED */
  drop_ice (&ice);
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
  Result r = { 0 };
  SipnatIce *a, *b, *c;

  /* Dropped in state-changed to GATHERED: the gather callback still
   * gets its result. */
  watch_drop (&gathered, new_ice (NULL, TRUE, FALSE));
  gathered.drop_at = SIPNAT_ICE_STATE_GATHERED;
  g_signal_connect (gathered.ice, "state-changed", G_CALLBACK (drop_on_state), &gathered);
  _sipnat_ice_gather_async (gathered.ice, NULL, gather_cb, &r);
  sipnat_test_wait_flag (&r.done, 2000);
  g_assert_true (r.ok);
  g_assert_null (gathered.ice);
  sipnat_test_wait_until_full (is_null, &gathered.agent, 5000, "agent gone after a drop");

  /* Dropped in state-changed to CHECKING (inside set_remote), and in
   * selected-pair-changed (inside a libnice signal). */
  a = new_ice (NULL, TRUE, FALSE);
  b = new_ice (NULL, FALSE, FALSE);
  c = new_ice (NULL, FALSE, FALSE);
  gather (a, &error);
  g_assert_no_error (error);
  gather (b, &error);
  g_assert_no_error (error);
  gather (c, &error);
  g_assert_no_error (error);
  watch_drop (&checking, g_object_ref (c));
  checking.drop_at = SIPNAT_ICE_STATE_CHECKING;
  g_signal_connect (c, "state-changed", G_CALLBACK (drop_on_state), &checking);
  give_remote (c, a);
  g_assert_null (checking.ice);
  g_assert_cmpint (_sipnat_ice_get_state (c), ==, SIPNAT_ICE_STATE_CLOSED);
  g_clear_object (&c);
  sipnat_test_wait_until_full (is_null, &checking.agent, 5000, "agent gone after a drop");

  watch_drop (&paired, b);
  g_signal_connect (b, "selected-pair-changed", G_CALLBACK (drop_on_pair), &paired);
  give_remote (a, b);
  give_remote (b, a);
  sipnat_test_wait_until_full (is_null, &paired.agent, 5000, "agent gone after a drop");
  g_assert_null (paired.ice);
  drop_ice (&a);
}

/* ---- through coturn ---- */

static void
trust_test_certificate (SipnatIce *ice)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTlsDatabase) database = g_tls_file_database_new (coturn->cert, &error);

  g_assert_no_error (error);
  _sipnat_ice_set_tls_database (ice, database);
}

static guint
turn_port_for (SipnatRelayType type)
{
  return type == SIPNAT_RELAY_TYPE_TLS ? coturn->tls_port : coturn->port;
}

/* Both sides relay-only through coturn over @type: both CONNECTED on a
 * relayed local candidate, the pair's transport the TURN transport,
 * datagrams both ways. */
static void
relay_both_ways (SipnatRelayType       type,
                 SipnatMediaTransport  transport)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = NULL;
  g_autoptr(SipnatCandidatePair) pa = NULL;
  g_autoptr(SipnatCandidatePair) pb = NULL;
  g_autofree char *server = NULL;
  g_autofree char *address = NULL;
  guint port = 0;
  SipnatIce *a, *b;
  gint64 ms;

  if (!coturn_start ())
    return;
  policy = policy_with_turn (type, SIPNAT_TEST_TURN_PASSWORD, turn_port_for (type));
  server = g_strdup_printf ("127.0.0.1:%u", turn_port_for (type));
  a = new_ice (policy, TRUE, TRUE);
  b = new_ice (policy, FALSE, TRUE);
  trust_test_certificate (a);
  trust_test_certificate (b);

  ms = gather (a, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, relay only, TURN over %s: %" G_GINT64_FORMAT " ms",
                  sipnat_media_transport_to_string (transport), ms);
  gather (b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_candidates (a, "relay"), >=, 1);
  g_assert_cmpuint (count_candidates (a, "host"), ==, 0);
  _sipnat_ice_get_default_candidate (a, &address, &port);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (port, !=, turn_port_for (type));

  ms = connect_pair (a, b);
  g_test_message ("measured: set_remote to CONNECTED, relay <-> relay over %s: %" G_GINT64_FORMAT
                  " ms", sipnat_media_transport_to_string (transport), ms);

  pa = _sipnat_ice_dup_selected_pair (a);
  pb = _sipnat_ice_dup_selected_pair (b);
  g_assert_nonnull (pa);
  g_assert_nonnull (pb);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pa), ==, SIPNAT_CANDIDATE_TYPE_RELAYED);
  g_assert_cmpint (sipnat_candidate_pair_get_remote_type (pa), ==, SIPNAT_CANDIDATE_TYPE_RELAYED);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pb), ==, SIPNAT_CANDIDATE_TYPE_RELAYED);
  g_assert_cmpint (sipnat_candidate_pair_get_transport (pa), ==, transport);
  g_assert_cmpint (sipnat_candidate_pair_get_transport (pb), ==, transport);
  g_assert_cmpstr (sipnat_candidate_pair_get_relay_server (pa), ==, server);
  g_assert_cmpstr (sipnat_candidate_pair_get_relay_server (pb), ==, server);
  g_assert_cmpuint (sipnat_candidate_pair_get_local_port (pa), ==, port);

  exchange_datagrams (a, b);
  drop_ice (&a);
  drop_ice (&b);
}

static void
test_ice_relay_udp (void)
{
  relay_both_ways (SIPNAT_RELAY_TYPE_UDP, SIPNAT_MEDIA_TRANSPORT_UDP);
}

static void
test_ice_relay_tcp (void)
{
  relay_both_ways (SIPNAT_RELAY_TYPE_TCP, SIPNAT_MEDIA_TRANSPORT_TCP);
}

static void
test_ice_relay_tls (void)
{
  relay_both_ways (SIPNAT_RELAY_TYPE_TLS, SIPNAT_MEDIA_TRANSPORT_TLS);
}

/* TURN over TLS with a certificate nobody vouches for: no TLS relay (the
 * certificate is checked, the connection is really TLS), the fallback
 * gets one over TCP instead. */
static void
test_ice_relay_tls_untrusted (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = NULL;
  g_autoptr(SipnatCandidatePair) pair = NULL;
  SipnatIce *a, *b;

  if (!coturn_start ())
    return;
  policy = policy_with_turn (SIPNAT_RELAY_TYPE_TLS, SIPNAT_TEST_TURN_PASSWORD, coturn->tls_port);
  a = new_ice (policy, TRUE, TRUE);
  b = new_ice (NULL, FALSE, FALSE);
  gather (a, &error);
  g_assert_no_error (error);
  gather (b, &error);
  g_assert_no_error (error);
  connect_pair (a, b);
  pair = _sipnat_ice_dup_selected_pair (a);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pair), ==, SIPNAT_CANDIDATE_TYPE_RELAYED);
  g_assert_cmpint (sipnat_candidate_pair_get_transport (pair), ==, SIPNAT_MEDIA_TRANSPORT_TCP);
  drop_ice (&a);
  drop_ice (&b);
}

/* TURN without force-relay: host and relayed candidates, the relayed one
 * the default (RFC 8445 section 5.1.4); the two connect host to host. */
static void
test_ice_relay_optional (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = NULL;
  g_autoptr(SipnatCandidatePair) pair = NULL;
  g_autofree char *address = NULL;
  guint port = 0;
  SipnatIce *a, *b;
  gint64 ms;

  if (!coturn_start ())
    return;
  policy = policy_with_turn (SIPNAT_RELAY_TYPE_UDP, SIPNAT_TEST_TURN_PASSWORD, coturn->port);
  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, coturn->port);
  a = new_ice (policy, TRUE, FALSE);
  b = new_ice (NULL, FALSE, FALSE);

  ms = gather (a, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, host + STUN + TURN/UDP: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  gather (b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (count_candidates (a, "host"), ==, 1);
  g_assert_cmpuint (count_candidates (a, "relay"), ==, 1);
  _sipnat_ice_get_default_candidate (a, &address, &port);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  {
    g_autoptr(GPtrArray) candidates = _sipnat_ice_dup_local_candidates (a);
    g_autofree char *needle = g_strdup_printf (" 127.0.0.1 %u typ relay", port);
    gboolean found = FALSE;

    for (guint i = 0; i < candidates->len; i++)
      found = found || strstr (candidates->pdata[i], needle) != NULL;
    g_assert_true (found);
  }

  connect_pair (a, b);
  pair = _sipnat_ice_dup_selected_pair (a);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  g_assert_cmpint (sipnat_candidate_pair_get_remote_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  drop_ice (&a);
  drop_ice (&b);
}

/* A STUN server that answers (coturn): gathering ends at once. On
 * loopback the server-reflexive address equals the host one, so libnice
 * keeps the host candidate only. */
static void
test_ice_stun_coturn (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  SipnatIce *ice;
  gint64 ms;

  if (!coturn_start ())
    return;
  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, coturn->port);
  ice = new_ice (policy, TRUE, FALSE);
  ms = gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, host + STUN (coturn): %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  g_assert_cmpuint (count_candidates (ice, "host"), ==, 1);
  drop_ice (&ice);
}

/* Relaying forced, and the TURN server refuses or is not there: the
 * gathering fails with SIPNAT_ERROR_RELAY_FAILED, naming the server,
 * within the bound (after trying UDP, TCP and TLS). */
static void
relay_fails (const char *password,
             guint       port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = policy_with_turn (SIPNAT_RELAY_TYPE_UDP, password, port);
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%u", port);
  SipnatIce *ice = new_ice (policy, TRUE, TRUE);
  guint states = 0;
  gint64 ms;

  if (coturn->cert != NULL)
    trust_test_certificate (ice);
  g_signal_connect (ice, "state-changed", G_CALLBACK (count_signal), &states);
  ms = gather (ice, &error);
  g_test_message ("measured: relay failure reported after %" G_GINT64_FORMAT " ms: %s",
                  ms, error != NULL ? error->message : "(none)");
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED);
  g_assert_nonnull (strstr (error->message, server));
  g_assert_nonnull (strstr (error->message, "UDP, TCP or TLS"));
  g_assert_cmpint (ms, <=, GATHER_TIMEOUT_MS + 500);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_FAILED);
  g_assert_cmpuint (states, ==, 2);   /* GATHERING, FAILED */
  drop_ice (&ice);
}

static void
test_ice_relay_wrong_password (void)
{
  if (coturn_start ())
    relay_fails ("wrong-password", coturn->port);
}

static void
test_ice_relay_unreachable (void)
{
  relay_fails (SIPNAT_TEST_TURN_PASSWORD, sipnat_test_free_port ());
}

static void
test_ice_relay_no_server (void)
{
  g_autoptr(SipnatIce) ice = NULL;
  g_autoptr(GError) error = NULL;

  g_autoptr(SipnatNatPolicy) policy = policy_with_turn (SIPNAT_RELAY_TYPE_UDP, SIPNAT_TEST_TURN_PASSWORD,
                                                        SIPNAT_DEFAULT_STUN_PORT);

  ice = new_ice (NULL, TRUE, TRUE);
  gather (ice, &error);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED);
  g_clear_error (&error);

  /* A TURN server without credentials is a configuration error. */
  sipnat_nat_policy_set_turn_password (policy, NULL);
  g_assert_null (_sipnat_ice_new (NULL, policy, TRUE, FALSE, 1, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
}

/* The configured TURN transport gives nothing (UDP to a port where coturn
 * listens on TCP only): the fallback finds the relay over TCP. */
static void
test_ice_relay_fallback (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatNatPolicy) policy = NULL;
  SipnatIce *ice;
  gint64 ms;

  if (!coturn_start ())
    return;
  policy = policy_with_turn (SIPNAT_RELAY_TYPE_UDP, SIPNAT_TEST_TURN_PASSWORD, coturn->tls_port);
  ice = new_ice (policy, TRUE, TRUE);
  ms = gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: relay found by fallback after %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpuint (count_candidates (ice, "relay"), >=, 1);
  drop_ice (&ice);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);

  /* A warning (libnice's about TURN refreshes left at shutdown, say)
   * fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

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

  g_test_add_func ("/ice/stun/coturn", test_ice_stun_coturn);
  g_test_add_func ("/ice/relay/udp", test_ice_relay_udp);
  g_test_add_func ("/ice/relay/tcp", test_ice_relay_tcp);
  g_test_add_func ("/ice/relay/tls", test_ice_relay_tls);
  g_test_add_func ("/ice/relay/tls-untrusted", test_ice_relay_tls_untrusted);
  g_test_add_func ("/ice/relay/optional", test_ice_relay_optional);
  g_test_add_func ("/ice/relay/wrong-password", test_ice_relay_wrong_password);
  g_test_add_func ("/ice/relay/unreachable", test_ice_relay_unreachable);
  g_test_add_func ("/ice/relay/no-server", test_ice_relay_no_server);
  g_test_add_func ("/ice/relay/fallback", test_ice_relay_fallback);

  ret = g_test_run ();
  g_clear_pointer (&coturn, sipnat_test_coturn_stop);
  return ret;
}
