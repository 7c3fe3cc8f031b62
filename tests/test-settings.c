/* test-settings.c: configuration files and settings by dotted key
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-utils.h"

static char *
write_config (const char *name,
              const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (g_get_tmp_dir (), name, NULL);

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static char *
get_setting (SipnatEndpoint *endpoint,
             const char     *key)
{
  g_autoptr(GError) error = NULL;
  char *value = sipnat_endpoint_get_setting (endpoint, key, &error);

  g_assert_no_error (error);
  return value;
}

#define assert_setting(endpoint, key, expected) \
  G_STMT_START { \
    g_autofree char *_v = get_setting ((endpoint), (key)); \
    g_assert_cmpstr (_v, ==, (expected)); \
  } G_STMT_END

static void
test_settings_key_file (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *path = write_config ("basic.conf",
    "[policy.endpoint]\n"
    "local_address = 127.0.0.1\n"
    "transports = udp\n"
    "sip_transaction_timeout = 4000\n"
    "\n"
    "[proxies.proxy0]\n"
    "server = 127.0.0.1:5060\n"
    "user = alice\n"
    "password = secret\n"
    "reg_timeout = 120\n"
    "reg_match_received_rport = 1\n"
    "transport = TCP\n"
    "[proxies.proxy0.nat]\n"
    "stun_server = stun.example.net\n"
    "stun_server_port = 3479\n"
    "turn_relay_type = tls\n"
    "[proxies.proxy1]\n"
    "server = 127.0.0.1:5070\n"
    "user = bob\n"
    "reg_timeout = abc\n");
  SipnatRegistration *proxy0;
  SipnatRegistration *proxy1;
  GListModel *list;

  /* The product's rule: a non-numeric reg_timeout means 0, with a warning. */
  g_test_expect_message ("Sipnat", G_LOG_LEVEL_WARNING, "*reg_timeout*abc*");
  endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);

  g_assert_cmpstr (sipnat_endpoint_get_local_address (endpoint), ==, "127.0.0.1");
  g_assert_cmpuint (sipnat_endpoint_get_local_port (endpoint), >, 0);
  g_assert_cmpint (sipnat_endpoint_get_transports (endpoint), ==, SIPNAT_TRANSPORT_FLAGS_UDP);
  g_assert_cmpuint (sipnat_endpoint_get_transaction_timeout (endpoint), ==, 4000);

  list = sipnat_endpoint_get_registrations (endpoint);
  g_assert_cmpuint (g_list_model_get_n_items (list), ==, 2);
  proxy0 = g_list_model_get_item (list, 0);
  proxy1 = g_list_model_get_item (list, 1);
  g_object_unref (proxy0);
  g_object_unref (proxy1);

  g_assert_cmpstr (sipnat_registration_get_name (proxy0), ==, "proxy0");
  g_assert_cmpstr (sipnat_registration_get_server (proxy0), ==, "127.0.0.1:5060");
  g_assert_cmpstr (sipnat_registration_get_user (proxy0), ==, "alice");
  g_assert_cmpuint (sipnat_registration_get_reg_timeout (proxy0), ==, 120);
  g_assert_true (sipnat_registration_get_reg_match_received_rport (proxy0));
  g_assert_cmpint (sipnat_registration_get_transport (proxy0), ==, SIPNAT_TRANSPORT_TCP);
  g_assert_cmpstr (sipnat_nat_policy_get_stun_server (sipnat_registration_get_nat_policy (proxy0)),
                   ==, "stun.example.net");
  g_assert_cmpuint (sipnat_nat_policy_get_stun_server_port (sipnat_registration_get_nat_policy (proxy0)),
                    ==, 3479);
  g_assert_cmpuint (sipnat_registration_get_reg_timeout (proxy1), ==, 0);

  /* The same values by key, as written in a file. */
  assert_setting (endpoint, "proxies.proxy0.reg_timeout", "120");
  assert_setting (endpoint, "proxies:proxy0:reg_match_received_rport", "1");
  assert_setting (endpoint, "proxies.proxy0.transport", "tcp");
  assert_setting (endpoint, "proxies.proxy0.nat.turn_relay_type", "tls");
  assert_setting (endpoint, "proxies.proxy0.nat.ice_enabled", "0");
  assert_setting (endpoint, "policy.endpoint.sip_transaction_timeout", "4000");
  assert_setting (endpoint, "policy.endpoint.transports", "udp");

  g_unlink (path);
}

static void
test_settings_xml (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *path = write_config ("SipEndpoint.config",
    "<Container name=\"Application\">\n"
    "  <Container name=\"Basic\">\n"
    "    <Connectivity user=\"5001\" server=\"127.0.0.1:5060\" protocol=\"TCP\"/>\n"
    "  </Container>\n"
    "  <Container name=\"Genesys\">\n"
    "    <domain name=\"policy\">\n"
    "      <section name=\"endpoint\">\n"
    "        <setting name=\"local_address\" value=\"127.0.0.1\"/>\n"
    "      </section>\n"
    "    </domain>\n"
    "    <domain name=\"proxies\">\n"
    "      <section name=\"proxy0\">\n"
    "        <setting name=\"reg_timeout\" value=\"60\"/>\n"
    "        <setting name=\"reg_match_received_rport\" value=\"1\"/>\n"
    "        <section name=\"nat\">\n"
    "          <setting name=\"ice_enabled\" value=\"true\"/>\n"
    "        </section>\n"
    "      </section>\n"
    "    </domain>\n"
    "  </Container>\n"
    "</Container>\n");

  endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
  g_assert_no_error (error);

  assert_setting (endpoint, "proxies.proxy0.server", "127.0.0.1:5060");
  assert_setting (endpoint, "proxies.proxy0.user", "5001");
  assert_setting (endpoint, "proxies.proxy0.transport", "tcp");
  assert_setting (endpoint, "proxies.proxy0.reg_timeout", "60");
  assert_setting (endpoint, "proxies.proxy0.reg_match_received_rport", "1");
  assert_setting (endpoint, "proxies.proxy0.nat.ice_enabled", "1");
  g_unlink (path);
}

static void
test_settings_examples (void)
{
  const char *root = g_getenv ("SIPNAT_SOURCE_ROOT");
  const char *files[] = { "sipnat.conf", "SipEndpoint.config" };

  g_assert_nonnull (root);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *path = g_build_filename (root, "examples", files[i], NULL);
      g_autoptr(SipnatTestEndpoint) endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (g_list_model_get_n_items (sipnat_endpoint_get_registrations (endpoint)), >=, 1);
      assert_setting (endpoint, "proxies.proxy0.reg_timeout", "60");
    }
}

typedef struct {
  const char *name;
  const char *contents;     /* NULL: the file does not exist */
  const char *needles[3];   /* what the message must name */
} BadConfig;

static const BadConfig bad_configs[] = {
  { "missing", NULL, { "missing.conf" } },
  { "syntax", "[proxies.proxy0]\nserver = 127.0.0.1\nthis is not a setting\n",
    { "syntax.conf", ":3" } },
  { "unknown-transport", "[proxies.proxy0]\nserver = 127.0.0.1\ntransport = sctp\n",
    { "unknown-transport.conf", ":3", "transport" } },
  { "port-zero", "[proxies.proxy0]\nserver = 127.0.0.1\n[proxies.proxy0.nat]\nstun_server_port = 0\n",
    { "port-zero.conf", ":4", "stun_server_port" } },
  { "port-too-big", "[proxies.proxy0]\nserver = 127.0.0.1\n[proxies.proxy0.nat]\n\nturn_server_port = 65536\n",
    { "port-too-big.conf", ":5", "turn_server_port" } },
  { "no-server", "[proxies.proxy0]\nuser = alice\n", { "no-server.conf", "proxy0", "server" } },
  { "turn-without-credentials", "[proxies.proxy0]\nserver = 127.0.0.1\n[proxies.proxy0.nat]\nturn_server = 127.0.0.1\n",
    { "turn-without-credentials.conf", "TURN" } },
  { "bad-bool", "[proxies.proxy0]\nserver = 127.0.0.1\nreg_match_received_rport = maybe\n",
    { "bad-bool.conf", ":3", "reg_match_received_rport" } },
  { "bad-relay", "[proxies.proxy0]\nserver = x\n[proxies.proxy0.nat]\nturn_relay_type = carrier-pigeon\n",
    { "bad-relay.conf", ":4", "turn_relay_type" } },
  { "bad-timeout", "[policy.endpoint]\nsip_transaction_timeout = 40000\n",
    { "bad-timeout.conf", ":2", "sip_transaction_timeout" } },
  { "bad-xml", "<Container name=\"Basic\">\n<Connectivity user=\"a\"\n", { "bad-xml.conf" } },
  { "bad-local-port", "[policy.endpoint]\nlocal_port = 70000\n",
    { "bad-local-port.conf", ":2", "local_port" } },
};

static void
test_settings_bad_files (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_configs); i++)
    {
      const BadConfig *c = &bad_configs[i];
      g_autofree char *file = g_strconcat (c->name, ".conf", NULL);
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(SipnatTestEndpoint) endpoint = NULL;

      if (c->contents != NULL)
        path = write_config (file, c->contents);
      else
        path = g_build_filename (g_get_tmp_dir (), file, NULL);

      endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
      g_test_message ("%s: %s", c->name, error ? error->message : "(no error)");
      g_assert_null (endpoint);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      for (guint j = 0; j < G_N_ELEMENTS (c->needles) && c->needles[j]; j++)
        g_assert_nonnull (strstr (error->message, c->needles[j]));

      g_unlink (path);
    }
}

static void
test_settings_unknown_key_warns (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autofree char *path = write_config ("unknown.conf",
    "[policy.endpoint]\nlocal_address = 127.0.0.1\n"
    "[proxies.proxy0]\nserver = 127.0.0.1\nfavourite_colour = blue\n");

  g_test_expect_message ("Sipnat", G_LOG_LEVEL_WARNING, "*unknown.conf:5*favourite_colour*");
  endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
  g_test_assert_expected_messages ();
  g_assert_no_error (error);
  g_assert_nonnull (endpoint);
  g_unlink (path);
}

static void
test_settings_set_get (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_autofree char *value = NULL;

  g_assert_no_error (error);

  /* A new proxyN creates a registration. */
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies:proxy0:server", "127.0.0.1", &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (sipnat_endpoint_get_registrations (endpoint)), ==, 1);
  assert_setting (endpoint, "proxies.proxy0.server", "127.0.0.1");
  assert_setting (endpoint, "proxies.proxy0.reg_timeout", "60");

  /* Errors: unknown key, unknown proxy on read, bad value, password
   * not readable, construct-only. */
  g_assert_false (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.colour", "blue", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (sipnat_endpoint_set_setting (endpoint, "nonsense", "1", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);
  value = sipnat_endpoint_get_setting (endpoint, "proxies.proxy7.server", &error);
  g_assert_null (value);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.nat.turn_server_port", "0", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.password", "pw", &error));
  value = sipnat_endpoint_get_setting (endpoint, "proxies.proxy0.password", &error);
  g_assert_null (value);
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);
  g_assert_false (sipnat_endpoint_set_setting (endpoint, "policy.endpoint.local_port", "5060", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
}

static void
test_settings_dynamic_change (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatFakeRegistrar) fake = sipnat_fake_registrar_new (&error);
  g_autoptr(SipnatTestEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  g_autofree char *server = NULL;
  SipnatRegistration *reg;

  g_assert_no_error (error);
  server = sipnat_fake_registrar_dup_server (fake);
  reg = sipnat_endpoint_add_registration (endpoint, server, "alice");
  g_assert_true (sipnat_test_register (reg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (sipnat_fake_registrar_count (fake, "REGISTER"), ==, 1);
  g_assert_nonnull (strstr (sipnat_fake_registrar_get_last_request (fake), "Expires: 60"));

  /* Registered: the change goes out in a REGISTER at once. */
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.reg_timeout", "300", &error));
  g_assert_no_error (error);
  g_assert_true (sipnat_fake_registrar_wait (fake, "REGISTER", 2, 5000));
  g_assert_nonnull (strstr (sipnat_fake_registrar_get_last_request (fake), "Expires: 300"));
  g_assert_cmpint (sipnat_registration_get_state (reg), ==, SIPNAT_REGISTRATION_STATE_REGISTERED);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/settings/key-file", test_settings_key_file);
  g_test_add_func ("/settings/xml", test_settings_xml);
  g_test_add_func ("/settings/examples", test_settings_examples);
  g_test_add_func ("/settings/bad-files", test_settings_bad_files);
  g_test_add_func ("/settings/unknown-key-warns", test_settings_unknown_key_warns);
  g_test_add_func ("/settings/set-get", test_settings_set_get);
  g_test_add_func ("/settings/dynamic-change", test_settings_dynamic_change);

  return g_test_run ();
}
