/* test-settings.c: configuration files and settings by dotted key
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <glib/gstdio.h>
#include <sipnat.h>

#include "sipnat-fake-registrar.h"
#include "sipnat-test-utils.h"

/* The files of this run, apart from those of other runs. */
static char *config_dir;

static char *
write_config (const char *name,
              const char *contents)
{
  g_autoptr(GError) error = NULL;
  char *path = g_build_filename (config_dir, name, NULL);

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

/* `transport = tls` alone turns TLS on (the transports not named);
 * tls_ca_file is the registration's. */
static void
test_settings_tls (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatTestEndpoint) endpoint = NULL;
  g_autoptr(SipnatTestEndpoint) named = NULL;
  g_autofree char *path = write_config ("tls.conf",
    "[policy.endpoint]\n"
    "local_address = 127.0.0.1\n"
    "[proxies.proxy0]\n"
    "server = 127.0.0.1\n"
    "transport = TLS\n"
    "tls_ca_file = /etc/example/ca.pem\n");
  g_autofree char *named_path = write_config ("tls-named.conf",
    "[policy.endpoint]\n"
    "local_address = 127.0.0.1\n"
    "transports = udp\n"
    "[proxies.proxy0]\n"
    "server = 127.0.0.1\n"
    "transport = tls\n");

  endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_endpoint_get_transports (endpoint), ==,
                   SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP |
                   SIPNAT_TRANSPORT_FLAGS_TLS);
  assert_setting (endpoint, "proxies.proxy0.transport", "tls");
  assert_setting (endpoint, "proxies.proxy0.tls_ca_file", "/etc/example/ca.pem");

  /* Transports named in the file stay as they are. */
  named = sipnat_endpoint_new_from_file (named_path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (sipnat_endpoint_get_transports (named), ==, SIPNAT_TRANSPORT_FLAGS_UDP);

  g_unlink (path);
  g_unlink (named_path);
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

  /* Values that end up in SIP requests (issue: a hostile or mistyped
   * configuration must not reach the wire). */
  { "server-injection", "[proxies.proxy0]\nuser = alice\nserver = 127.0.0.1:5060?X-Injected-Srv=1\n",
    { "server-injection.conf:3:", "proxies.proxy0.server", "“?”" } },
  { "server-port-zero", "[proxies.proxy0]\nserver = 127.0.0.1:0\n",
    { "server-port-zero.conf:2:", "proxies.proxy0.server", "1 to 65535" } },
  { "server-port-too-big", "[proxies.proxy0]\n\nserver = 127.0.0.1:65536\n",
    { "server-port-too-big.conf:3:", "proxies.proxy0.server", "1 to 65535" } },
  { "server-port-abc", "[proxies.proxy0]\nserver = sip.example.com:abc\n",
    { "server-port-abc.conf:2:", "proxies.proxy0.server", "not a number" } },
  { "server-list-port", "[proxies.proxy0]\nserver = a.example, b.example:0\n",
    { "server-list-port.conf:2:", "proxies.proxy0.server", "1 to 65535" } },
  { "server-ipv6-open", "[proxies.proxy0]\nserver = [::1\n",
    { "server-ipv6-open.conf:2:", "proxies.proxy0.server", "“]”" } },
  { "user-password", "[proxies.proxy0]\nserver = 127.0.0.1\nuser = alice:evil\n",
    { "user-password.conf:3:", "proxies.proxy0.user", "password" } },
  { "user-quote", "[proxies.proxy0]\nserver = 127.0.0.1\nuser = al\"ice\n",
    { "user-quote.conf:3:", "proxies.proxy0.user", "“\"”" } },
  { "user-space", "[proxies.proxy0]\nserver = 127.0.0.1\nuser = al ice\n",
    { "user-space.conf:3:", "proxies.proxy0.user", "a space" } },
  { "user-angle", "[proxies.proxy0]\nserver = 127.0.0.1\nuser = alice>\n",
    { "user-angle.conf:3:", "proxies.proxy0.user", "“>”" } },
  { "user-cr", "[proxies.proxy0]\nserver = 127.0.0.1\nuser = al\rice\n",
    { "user-cr.conf:3:", "proxies.proxy0.user", "line break" } },
  { "domain", "[proxies.proxy0]\nserver = 127.0.0.1\ndomain = example.com>\n",
    { "domain.conf:3:", "proxies.proxy0.domain", "“>”" } },
  { "display-name", "[proxies.proxy0]\nserver = 127.0.0.1\ndisplay_name = Al\x01ice\n",
    { "display-name.conf:3:", "proxies.proxy0.display_name", "U+0001" } },
  { "public-address", "[policy.endpoint]\npublic_address = 203.0.113.7;x=1\n",
    { "public-address.conf:2:", "policy.endpoint.public_address", "“;”" } },
  { "user-agent", "[policy.endpoint]\nuser_agent = agent\x1b\n",
    { "user-agent.conf:2:", "policy.endpoint.user_agent", "U+001B" } },
  { "instance-id", "[policy.endpoint]\ninstance_id = urn:uuid:x\">\n",
    { "instance-id.conf:2:", "policy.endpoint.instance_id", "“\"”" } },

  /* The same in the XML form, where entities can carry line breaks. */
  { "xml-server",
    "<Container>\n<Container name=\"Basic\">\n"
    "<Connectivity user=\"alice\" server=\"127.0.0.1:5060?X-Injected-Srv=1\"/>\n"
    "</Container>\n</Container>\n",
    { "xml-server.conf:3:", "proxies.proxy0.server", "“?”" } },
  { "xml-user",
    "<Container>\n<Container name=\"Basic\">\n"
    "<Connectivity user=\"alice:evil\" server=\"127.0.0.1\"/>\n"
    "</Container>\n</Container>\n",
    { "xml-user.conf:3:", "proxies.proxy0.user", "password" } },
  { "xml-display-name",
    "<Container>\n<Container name=\"Basic\">\n"
    "<Connectivity user=\"alice\" server=\"127.0.0.1\"/>\n</Container>\n"
    "<Container name=\"Genesys\"><domain name=\"proxies\"><section name=\"proxy0\">\n"
    "<setting name=\"display_name\" value=\"Alice&#13;&#10;X-Injected: 1\"/>\n"
    "</section></domain></Container>\n</Container>\n",
    { "xml-display-name.conf:6:", "proxies.proxy0.display_name", "line break" } },
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
        path = g_build_filename (config_dir, file, NULL);

      endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
      g_test_message ("%s: %s", c->name, error ? error->message : "(no error)");
      g_assert_null (endpoint);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      for (guint j = 0; j < G_N_ELEMENTS (c->needles) && c->needles[j]; j++)
        g_assert_nonnull (strstr (error->message, c->needles[j]));
      /* A hostile value cannot forge a second line in a log. */
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strchr (error->message, '\r'));
      g_assert_null (strstr (error->message, "evil"));

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

static void
test_settings_passwords_not_readable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  const char *keys[] = {
    "proxies.proxy0.password",
    "proxies.proxy0.nat.turn_password",
    "proxies:proxy0:nat:turn_password",
  };
  SipnatRegistration *reg;

  g_assert_no_error (error);
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.server", "127.0.0.1", &error));
  g_assert_no_error (error);

  /* Not set yet, then set: never read back, the same error either way. */
  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          g_autofree char *value = sipnat_endpoint_get_setting (endpoint, keys[i], &error);

          g_test_message ("%s → %s", keys[i], error ? error->message : value);
          g_assert_null (value);
          g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
          g_assert_nonnull (strstr (error->message, "password"));
          g_assert_null (strstr (error->message, "hunter2"));
          g_clear_error (&error);
        }

      g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.password", "hunter2", &error));
      g_assert_no_error (error);
      g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.nat.turn_password", "hunter2", &error));
      g_assert_no_error (error);
    }

  /* A key that swallowed a password is not repeated either. */
  g_assert_false (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.nat.turn_password:hunter2",
                                               "x", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_null (strstr (error->message, "hunter2"));
  g_clear_error (&error);
  g_assert_false (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.password hunter2",
                                               "x", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_null (strstr (error->message, "hunter2"));
  g_clear_error (&error);

  /* The password was really set: only reading it back is refused. */
  reg = g_list_model_get_item (sipnat_endpoint_get_registrations (endpoint), 0);
  g_object_unref (reg);
  g_assert_cmpstr (sipnat_nat_policy_get_turn_password (sipnat_registration_get_nat_policy (reg)),
                   ==, "hunter2");
  /* Other settings of the same objects still read back. */
  assert_setting (endpoint, "proxies.proxy0.server", "127.0.0.1");
  assert_setting (endpoint, "proxies.proxy0.nat.turn_relay_type", "udp");
}

static void
test_settings_set_checks_values (void)
{
  static const struct {
    const char *key;
    const char *value;
    const char *reason;
  } cases[] = {
    { "proxies.proxy0.server", "127.0.0.1:5060?X-Injected-Srv=1", "“?”" },
    { "proxies.proxy0.server", "127.0.0.1:0", "1 to 65535" },
    { "proxies.proxy0.server", "127.0.0.1:65536", "1 to 65535" },
    { "proxies.proxy0.server", "127.0.0.1\r\nX-Injected: 1", "line break" },
    { "proxies.proxy0.user", "alice:evil", "password" },
    { "proxies.proxy0.user", "al\"ice", "“\"”" },
    { "proxies.proxy0.user", "alice\r\n", "line break" },
    { "proxies.proxy0.domain", "example.com?x", "“?”" },
    { "proxies.proxy0.display_name", "Alice\r\nX-Injected: 1", "line break" },
    { "policy.endpoint.public_address", "203.0.113.7\r\n", "line break" },
    { "policy.endpoint.instance_id", "urn:x\">", "“\"”" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);
  SipnatRegistration *reg;

  g_assert_no_error (error);
  reg = sipnat_endpoint_add_registration (endpoint, "127.0.0.1:5060", "alice");
  g_assert_cmpstr (sipnat_registration_get_name (reg), ==, "proxy0");

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *before = get_setting (endpoint, cases[i].key);
      g_autofree char *after = NULL;

      g_assert_false (sipnat_endpoint_set_setting (endpoint, cases[i].key, cases[i].value, &error));
      g_test_message ("%s → %s", cases[i].key, error->message);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, cases[i].reason));
      g_clear_error (&error);

      /* Nothing changed. */
      after = get_setting (endpoint, cases[i].key);
      g_assert_cmpstr (after, ==, before);
    }

  /* Valid values go through; empty means unset. */
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.server",
                                              "[::1]:5060, 127.0.0.1:5070", &error));
  g_assert_no_error (error);
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.display_name",
                                              "Al \"The Boss\" <x>", &error));
  g_assert_no_error (error);
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.domain", "", &error));
  g_assert_no_error (error);
  g_assert_null (sipnat_registration_get_domain (reg));
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.transport", "tcp", &error));
  g_assert_no_error (error);
}

/* Found by fuzz/fuzz-set-setting: a key or a value that is not UTF-8,
 * or holds control characters, came back as is in the error message. */
static void
test_settings_messages_are_text (void)
{
  static const struct {
    const char *key;
    const char *value;
  } cases[] = {
    { "proxie'.\x86roxy0.display_name", "Al" },
    { "proxies.proxy0.displ\xc3y_name", "Al" },
    { "proxies.proxy0.reg\x01timeout", "60" },
    { "proxies\n.proxy0.reg_timeout", "60" },
    { "proxies..proxy0\x86", "60" },
    { "proxies.proxy0.reg_interval", "6\x86" "0" },
    { "proxies.proxy0.outbound", "yes\r\nX-Injected: 1" },
    { "proxies.proxy0.transport", "udp\x86" },
    { "proxies.proxy0.nat.turn_relay_type", "\x1b[31mred" },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = sipnat_endpoint_new ("127.0.0.1", 0, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (sipnat_endpoint_set_setting (endpoint, "proxies.proxy0.server", "127.0.0.1", &error));
  g_assert_no_error (error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_assert_false (sipnat_endpoint_set_setting (endpoint, cases[i].key, cases[i].value, &error));
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      for (const char *c = error->message; *c != '\0'; c++)
        g_assert_cmpint ((guchar) *c, >=, 0x20);
      g_clear_error (&error);
    }
}

static void
test_settings_construct_key_twice (gconstpointer data)
{
  gboolean xml = GPOINTER_TO_INT (data);
  guint16 port = sipnat_test_free_port ();
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatEndpoint) endpoint = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *path = NULL;

  /* G_DEBUG=fatal-criticals: a GLib-GObject-CRITICAL aborts the test. */
  if (xml)
    contents = g_strdup_printf (
      "<Container>\n"
      "<Container name=\"Genesys\"><domain name=\"policy\"><section name=\"endpoint\">\n"
      "<setting name=\"local_address\" value=\"127.0.0.1\"/>\n"
      "<setting name=\"local_port\" value=\"0\"/>\n"
      "<setting name=\"user_agent\" value=\"first/1\"/>\n"
      "<setting name=\"local_port\" value=\"%u\"/>\n"
      "<setting name=\"user_agent\" value=\"second/2\"/>\n"
      "</section></domain></Container>\n"
      "</Container>\n", port);
  else
    contents = g_strdup_printf (
      "[policy.endpoint]\n"
      "local_address = 127.0.0.1\n"
      "local_port = 0\n"
      "user_agent = first/1\n"
      "local_port = %u\n"
      "[policy:endpoint]\n"
      "user_agent = second/2\n", port);

  path = write_config (xml ? "twice.config" : "twice.conf", contents);
  endpoint = sipnat_endpoint_new_from_file (path, NULL, &error);
  g_assert_no_error (error);

  /* The later value wins, as the documentation says. */
  g_assert_cmpuint (sipnat_endpoint_get_local_port (endpoint), ==, port);
  g_assert_cmpstr (sipnat_endpoint_get_user_agent (endpoint), ==, "second/2");
  assert_setting (endpoint, "policy.endpoint.local_address", "127.0.0.1");
  g_unlink (path);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/settings/key-file", test_settings_key_file);
  g_test_add_func ("/settings/xml", test_settings_xml);
  g_test_add_func ("/settings/tls", test_settings_tls);
  g_test_add_func ("/settings/examples", test_settings_examples);
  g_test_add_func ("/settings/bad-files", test_settings_bad_files);
  g_test_add_func ("/settings/unknown-key-warns", test_settings_unknown_key_warns);
  g_test_add_func ("/settings/set-get", test_settings_set_get);
  g_test_add_func ("/settings/dynamic-change", test_settings_dynamic_change);
  g_test_add_func ("/settings/passwords-not-readable", test_settings_passwords_not_readable);
  g_test_add_func ("/settings/set-checks-values", test_settings_set_checks_values);
  g_test_add_func ("/settings/messages-are-text", test_settings_messages_are_text);
  g_test_add_data_func ("/settings/construct-key-twice/key-file", GINT_TO_POINTER (FALSE),
                        test_settings_construct_key_twice);
  g_test_add_data_func ("/settings/construct-key-twice/xml", GINT_TO_POINTER (TRUE),
                        test_settings_construct_key_twice);

  config_dir = g_dir_make_tmp ("test-settings-XXXXXX", NULL);
  g_assert_nonnull (config_dir);
  status = g_test_run ();
  g_rmdir (config_dir);
  g_free (config_dir);

  return status;
}
