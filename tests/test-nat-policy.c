/* test-nat-policy.c: SipnatNatPolicy properties and validation
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <sipnat.h>

static void
count_notify (GObject    *object,
              GParamSpec *pspec,
              guint      *count)
{
  (*count)++;
}

static void
test_nat_policy_defaults (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();

  g_assert_false (sipnat_nat_policy_get_ice_enabled (policy));
  g_assert_null (sipnat_nat_policy_get_stun_server (policy));
  g_assert_cmpuint (sipnat_nat_policy_get_stun_server_port (policy), ==, 3478);
  g_assert_null (sipnat_nat_policy_get_turn_server (policy));
  g_assert_cmpuint (sipnat_nat_policy_get_turn_server_port (policy), ==, 3478);
  g_assert_cmpint (sipnat_nat_policy_get_turn_relay_type (policy), ==, SIPNAT_RELAY_TYPE_UDP);
  g_assert_true (sipnat_nat_policy_validate (policy, NULL));
}

static void
test_nat_policy_notify (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  guint count = 0;

  g_signal_connect (policy, "notify", G_CALLBACK (count_notify), &count);

  sipnat_nat_policy_set_stun_server (policy, "stun.example.net");
  g_assert_cmpuint (count, ==, 1);
  sipnat_nat_policy_set_stun_server (policy, "stun.example.net");
  g_assert_cmpuint (count, ==, 1);
  sipnat_nat_policy_set_stun_server (policy, "");
  g_assert_cmpuint (count, ==, 2);
  g_assert_null (sipnat_nat_policy_get_stun_server (policy));

  sipnat_nat_policy_set_turn_server_port (policy, 3478);
  g_assert_cmpuint (count, ==, 2);
  sipnat_nat_policy_set_turn_server_port (policy, 5349);
  g_assert_cmpuint (count, ==, 3);

  g_object_set (policy, "turn-relay-type", SIPNAT_RELAY_TYPE_TLS, "ice-enabled", TRUE, NULL);
  g_assert_cmpuint (count, ==, 5);
  g_object_set (policy, "turn-relay-type", SIPNAT_RELAY_TYPE_TLS, "ice-enabled", TRUE, NULL);
  g_assert_cmpuint (count, ==, 5);
}

static void
test_nat_policy_turn_needs_credentials (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  g_autoptr(GError) error = NULL;

  sipnat_nat_policy_set_turn_server (policy, "turn.example.net");
  g_assert_false (sipnat_nat_policy_validate (policy, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "turn.example.net"));
  g_clear_error (&error);

  sipnat_nat_policy_set_turn_user_name (policy, "alice");
  g_assert_false (sipnat_nat_policy_validate (policy, &error));
  g_clear_error (&error);

  sipnat_nat_policy_set_turn_password (policy, "secret");
  g_assert_true (sipnat_nat_policy_validate (policy, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/nat-policy/defaults", test_nat_policy_defaults);
  g_test_add_func ("/nat-policy/notify", test_nat_policy_notify);
  g_test_add_func ("/nat-policy/turn-needs-credentials", test_nat_policy_turn_needs_credentials);

  return g_test_run ();
}
