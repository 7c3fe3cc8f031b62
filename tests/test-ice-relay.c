/* test-ice-relay.c: the ICE session (SipnatIce) between two agents on
 * loopback through a real coturn (STUN, and TURN over UDP, TCP and TLS)
 *
 * Times measured (gathering, set_remote to CONNECTED) are printed with
 * g_test_message(); run with --verbose (or read the TAP comments).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-test-coturn.h"
#include "sipnat-test-ice.h"
#include "sipnat-test-utils.h"

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
  a = sipnat_test_ice_new (policy, TRUE, TRUE);
  b = sipnat_test_ice_new (policy, FALSE, TRUE);
  trust_test_certificate (a);
  trust_test_certificate (b);

  ms = sipnat_test_ice_gather (a, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, relay only, TURN over %s: %" G_GINT64_FORMAT " ms",
                  sipnat_media_transport_to_string (transport), ms);
  sipnat_test_ice_gather (b, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (a, "relay"), >=, 1);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (a, "host"), ==, 0);
  _sipnat_ice_get_default_candidate (a, &address, &port);
  g_assert_cmpstr (address, ==, "127.0.0.1");
  g_assert_cmpuint (port, !=, turn_port_for (type));

  ms = sipnat_test_ice_connect_pair (a, b);
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

  sipnat_test_ice_exchange_datagrams (a, b);
  sipnat_test_ice_drop (&a);
  sipnat_test_ice_drop (&b);
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

/* Connects @a, gathered, with a session without STUN or TURN; returns
 * the pair @a selected, once that session is dropped. */
static SipnatCandidatePair *
connect_to_plain_peer (SipnatIce *a)
{
  g_autoptr(GError) error = NULL;
  SipnatIce *b = sipnat_test_ice_new (NULL, FALSE, FALSE);
  SipnatCandidatePair *pair;

  sipnat_test_ice_gather (b, &error);
  g_assert_no_error (error);
  sipnat_test_ice_connect_pair (a, b);
  pair = _sipnat_ice_dup_selected_pair (a);
  g_assert_nonnull (pair);
  sipnat_test_ice_drop (&b);
  return pair;
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
  SipnatIce *a;

  if (!coturn_start ())
    return;
  policy = policy_with_turn (SIPNAT_RELAY_TYPE_TLS, SIPNAT_TEST_TURN_PASSWORD, coturn->tls_port);
  a = sipnat_test_ice_new (policy, TRUE, TRUE);
  sipnat_test_ice_gather (a, &error);
  g_assert_no_error (error);
  pair = connect_to_plain_peer (a);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pair), ==, SIPNAT_CANDIDATE_TYPE_RELAYED);
  g_assert_cmpint (sipnat_candidate_pair_get_transport (pair), ==, SIPNAT_MEDIA_TRANSPORT_TCP);
  sipnat_test_ice_drop (&a);
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
  SipnatIce *a;
  gint64 ms;

  if (!coturn_start ())
    return;
  policy = policy_with_turn (SIPNAT_RELAY_TYPE_UDP, SIPNAT_TEST_TURN_PASSWORD, coturn->port);
  sipnat_nat_policy_set_stun_server (policy, "127.0.0.1");
  sipnat_nat_policy_set_stun_server_port (policy, coturn->port);
  a = sipnat_test_ice_new (policy, TRUE, FALSE);

  ms = sipnat_test_ice_gather (a, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, host + STUN + TURN/UDP: %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (a, "host"), ==, 1);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (a, "relay"), ==, 1);
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

  pair = connect_to_plain_peer (a);
  g_assert_cmpint (sipnat_candidate_pair_get_local_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  g_assert_cmpint (sipnat_candidate_pair_get_remote_type (pair), ==, SIPNAT_CANDIDATE_TYPE_HOST);
  sipnat_test_ice_drop (&a);
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
  ice = sipnat_test_ice_new (policy, TRUE, FALSE);
  ms = sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: gathering, host + STUN (coturn): %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpint (ms, <, 1000);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (ice, "host"), ==, 1);
  sipnat_test_ice_drop (&ice);
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
  SipnatIce *ice = sipnat_test_ice_new (policy, TRUE, TRUE);
  guint states = 0;
  gint64 ms;

  if (coturn->cert != NULL)
    trust_test_certificate (ice);
  g_signal_connect (ice, "state-changed", G_CALLBACK (sipnat_test_ice_count_signal), &states);
  ms = sipnat_test_ice_gather (ice, &error);
  g_test_message ("measured: relay failure reported after %" G_GINT64_FORMAT " ms: %s",
                  ms, error != NULL ? error->message : "(none)");
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED);
  g_assert_nonnull (strstr (error->message, server));
  g_assert_nonnull (strstr (error->message, "UDP, TCP or TLS"));
  g_assert_cmpint (ms, <=, SIPNAT_TEST_ICE_GATHER_TIMEOUT_MS + 500);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_FAILED);
  g_assert_cmpuint (states, ==, 2);   /* GATHERING, FAILED */
  sipnat_test_ice_drop (&ice);
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

  ice = sipnat_test_ice_new (NULL, TRUE, TRUE);
  sipnat_test_ice_gather (ice, &error);
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
  ice = sipnat_test_ice_new (policy, TRUE, TRUE);
  ms = sipnat_test_ice_gather (ice, &error);
  g_assert_no_error (error);
  g_test_message ("measured: relay found by fallback after %" G_GINT64_FORMAT " ms", ms);
  g_assert_cmpuint (sipnat_test_ice_count_candidates (ice, "relay"), >=, 1);
  sipnat_test_ice_drop (&ice);
}

int
main (int    argc,
      char **argv)
{
  int ret;

  sipnat_test_ice_init (&argc, &argv);

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
