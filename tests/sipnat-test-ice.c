/* sipnat-test-ice.c: ICE sessions for the tests (test-ice, test-ice-relay)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-test-ice.h"
#include "sipnat-test-utils.h"

SipnatIce *
sipnat_test_ice_new (SipnatNatPolicy *policy,
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
  _sipnat_ice_set_gather_timeout (ice, SIPNAT_TEST_ICE_GATHER_TIMEOUT_MS);
  g_assert_true (_sipnat_ice_add_local_address (ice, "127.0.0.1", &error));
  g_assert_no_error (error);
  g_assert_cmpint (_sipnat_ice_get_state (ice), ==, SIPNAT_ICE_STATE_NEW);
  return ice;
}

SIPNAT_TEST_DEFINE_RESULT_CB (sipnat_test_ice_gather_cb, SIPNAT_ICE, _sipnat_ice_gather_finish)

/* Gathers; returns the time it took in ms. */
gint64
sipnat_test_ice_gather (SipnatIce  *ice,
                        GError    **error)
{
  SipnatTestResult r = { 0 };
  gint64 start = g_get_monotonic_time ();

  _sipnat_ice_gather_async (ice, NULL, sipnat_test_ice_gather_cb, &r);
  sipnat_test_wait_flag (&r.done, SIPNAT_TEST_ICE_GATHER_TIMEOUT_MS + 2000);
  g_assert_true (r.ok == (r.error == NULL));
  if (r.error != NULL)
    g_propagate_error (error, r.error);
  return (g_get_monotonic_time () - start) / 1000;
}

guint
sipnat_test_ice_count_candidates (SipnatIce  *ice,
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

void
sipnat_test_ice_give_remote (SipnatIce *to,
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
gint64
sipnat_test_ice_connect_pair (SipnatIce *a,
                              SipnatIce *b)
{
  SipnatIce *pair[2] = { a, b };
  gint64 start = g_get_monotonic_time ();

  sipnat_test_ice_give_remote (a, b);
  sipnat_test_ice_give_remote (b, a);
  g_assert_cmpint (_sipnat_ice_get_state (a), ==, SIPNAT_ICE_STATE_CHECKING);
  sipnat_test_wait_until_full (both_connected, pair, 5000, "both agents CONNECTED");
  /* The time CONNECTED was first reached. */
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), >, 0);
  g_assert_cmpint (_sipnat_ice_get_connected_time (a), <=, g_get_monotonic_time ());
  g_assert_cmpint (_sipnat_ice_get_connected_time (b), >, 0);
  return (g_get_monotonic_time () - start) / 1000;
}

gboolean
sipnat_test_ice_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

/* Closes and drops @ice, then waits until its agent is gone (its close
 * completed): nothing of one test runs inside the next. */
void
sipnat_test_ice_drop (SipnatIce **ice)
{
  NiceAgent *agent = _sipnat_ice_get_agent (*ice);

  g_assert_nonnull (agent);
  g_object_add_weak_pointer (G_OBJECT (agent), (gpointer *) &agent);
  _sipnat_ice_close (*ice);
  _sipnat_ice_close (*ice);
  g_assert_cmpint (_sipnat_ice_get_state (*ice), ==, SIPNAT_ICE_STATE_CLOSED);
  g_clear_object (ice);
  sipnat_test_wait_until_full (sipnat_test_ice_is_null, &agent, 5000,
                               "the NiceAgent is finalized");
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
void
sipnat_test_ice_exchange_datagrams (SipnatIce *a,
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

void
sipnat_test_ice_count_signal (gpointer  instance,
                              guint    *count)
{
  (*count)++;
}

void
sipnat_test_ice_init (int    *argc,
                      char ***argv)
{
  g_test_init (argc, argv, NULL);

  /* A warning (libnice's about TURN refreshes left at shutdown, say)
   * fails the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
}
