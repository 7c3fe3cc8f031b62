/* test-config.c: the configuration reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <glib/gstdio.h>

#include <sipnat.h>

#include "sipnat-config-private.h"

#define UTF8_BOM_FOR_TEST "\xEF\xBB\xBF"

/* A test object for the property conversions that SipnatNatPolicy lacks. */

#define TEST_TYPE_SETTINGS (test_settings_get_type ())
G_DECLARE_FINAL_TYPE (TestSettings, test_settings, TEST, SETTINGS, GObject)

struct _TestSettings
{
  GObject parent_instance;

  guint reg_timeout;
  int offset;
  gint64 big;
  SipnatTransport transport;
  SipnatTransportFlags transports;
  char **ip_versions;
  guint password_retries;
  char *name;
};

G_DEFINE_FINAL_TYPE (TestSettings, test_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_REG_TIMEOUT,
  PROP_OFFSET,
  PROP_BIG,
  PROP_TRANSPORT,
  PROP_TRANSPORTS,
  PROP_IP_VERSIONS,
  PROP_PASSWORD_RETRIES,
  PROP_NAME,
  PROP_STATE,
  N_PROPS
};

static void
test_settings_finalize (GObject *object)
{
  TestSettings *self = TEST_SETTINGS (object);

  g_strfreev (self->ip_versions);
  g_free (self->name);

  G_OBJECT_CLASS (test_settings_parent_class)->finalize (object);
}

static void
test_settings_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  TestSettings *self = TEST_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_string (value, "idle");
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }

  (void) self;
}

static void
test_settings_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  TestSettings *self = TEST_SETTINGS (object);

  switch (prop_id)
    {
    case PROP_REG_TIMEOUT:
      self->reg_timeout = g_value_get_uint (value);
      break;
    case PROP_OFFSET:
      self->offset = g_value_get_int (value);
      break;
    case PROP_BIG:
      self->big = g_value_get_int64 (value);
      break;
    case PROP_TRANSPORT:
      self->transport = g_value_get_enum (value);
      break;
    case PROP_TRANSPORTS:
      self->transports = g_value_get_flags (value);
      break;
    case PROP_IP_VERSIONS:
      g_strfreev (self->ip_versions);
      self->ip_versions = g_value_dup_boxed (value);
      break;
    case PROP_PASSWORD_RETRIES:
      self->password_retries = g_value_get_uint (value);
      break;
    case PROP_NAME:
      g_free (self->name);
      self->name = g_value_dup_string (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
test_settings_class_init (TestSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_WRITABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = test_settings_finalize;
  object_class->get_property = test_settings_get_property;
  object_class->set_property = test_settings_set_property;

  g_object_class_install_property (object_class, PROP_REG_TIMEOUT,
    g_param_spec_uint ("reg-timeout", NULL, NULL, 0, 86400, 0, flags));
  g_object_class_install_property (object_class, PROP_OFFSET,
    g_param_spec_int ("offset", NULL, NULL, -10, 10, 0, flags));
  g_object_class_install_property (object_class, PROP_BIG,
    g_param_spec_int64 ("big", NULL, NULL, G_MININT64, G_MAXINT64, 0, flags));
  g_object_class_install_property (object_class, PROP_TRANSPORT,
    g_param_spec_enum ("transport", NULL, NULL, SIPNAT_TYPE_TRANSPORT,
                       SIPNAT_TRANSPORT_UDP, flags));
  g_object_class_install_property (object_class, PROP_TRANSPORTS,
    g_param_spec_flags ("transports", NULL, NULL, SIPNAT_TYPE_TRANSPORT_FLAGS,
                        SIPNAT_TRANSPORT_FLAGS_UDP, flags));
  g_object_class_install_property (object_class, PROP_IP_VERSIONS,
    g_param_spec_boxed ("ip-versions", NULL, NULL, G_TYPE_STRV, flags));
  g_object_class_install_property (object_class, PROP_PASSWORD_RETRIES,
    g_param_spec_uint ("password-retries", NULL, NULL, 0, 5, 0, flags));
  g_object_class_install_property (object_class, PROP_NAME,
    g_param_spec_string ("name", NULL, NULL, NULL, flags | G_PARAM_CONSTRUCT_ONLY));
  g_object_class_install_property (object_class, PROP_STATE,
    g_param_spec_string ("state", NULL, NULL, NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
}

static void
test_settings_init (TestSettings *self)
{
}

/* Helpers */

typedef struct {
  const char *key;
  const char *value;
  guint line;
} Expected;

static void
assert_settings (GPtrArray      *settings,
                 const Expected *expected,
                 guint           n_expected)
{
  g_assert_nonnull (settings);

  for (guint i = 0; i < MIN (settings->len, n_expected); i++)
    {
      SipnatSetting *s = g_ptr_array_index (settings, i);

      g_test_message ("setting %u: %s = %s (line %u)", i, s->key, s->value, s->line);
      g_assert_cmpstr (s->key, ==, expected[i].key);
      g_assert_cmpstr (s->value, ==, expected[i].value);
      g_assert_cmpuint (s->line, ==, expected[i].line);
    }

  g_assert_cmpuint (settings->len, ==, n_expected);
}

static GHashTable *
settings_to_table (GPtrArray *settings)
{
  GHashTable *table = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < settings->len; i++)
    {
      SipnatSetting *s = g_ptr_array_index (settings, i);

      g_hash_table_insert (table, s->key, s->value);
    }

  return table;
}

/* The examples are found through SIPNAT_SOURCE_ROOT, which meson sets. */
static char *
example_path (const char *name)
{
  const char *root = g_getenv ("SIPNAT_SOURCE_ROOT");

  if (root == NULL)
    return g_test_build_filename (G_TEST_DIST, "..", "examples", name, NULL);

  return g_build_filename (root, "examples", name, NULL);
}

/* Key file */

static void
test_key_file_basic (void)
{
  static const char data[] =
    UTF8_BOM_FOR_TEST
    "# a comment\n"                              /* 1 */
    "; another comment\n"                        /* 2 */
    "\n"                                         /* 3 */
    "[policy.endpoint]\n"                        /* 4 */
    "sip_transaction_timeout=4000\n"             /* 5 */
    "  public_address   =   203.0.113.7  \r\n"  /* 6 */
    "\t[ proxies.proxy0 ]\n"                     /* 7 */
    "server = sip.example.com:5060\n"            /* 8 */
    "password = a#b;c = d\n"                     /* 9 */
    "display_name =\n"                           /* 10 */
    "reg_timeout = 30\n"                         /* 11 */
    "reg_timeout = 60\n"                         /* 12 */
    "[proxies.proxy0.nat]\n"                     /* 13 */
    "ice_enabled = 1\n"                          /* 14 */
    "   # indented comment\n"                    /* 15 */
    "stun_server = stun.example.com";            /* 16, no newline */
  static const Expected expected[] = {
    { "policy.endpoint.sip_transaction_timeout", "4000", 5 },
    { "policy.endpoint.public_address", "203.0.113.7", 6 },
    { "proxies.proxy0.server", "sip.example.com:5060", 8 },
    { "proxies.proxy0.password", "a#b;c = d", 9 },
    { "proxies.proxy0.display_name", "", 10 },
    { "proxies.proxy0.reg_timeout", "30", 11 },
    { "proxies.proxy0.reg_timeout", "60", 12 },
    { "proxies.proxy0.nat.ice_enabled", "1", 14 },
    { "proxies.proxy0.nat.stun_server", "stun.example.com", 16 },
  };
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = _sipnat_config_read_key_file_data (data, -1, "test.conf", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected, G_N_ELEMENTS (expected));

  /* Auto-detection picks the key file too; a length excludes the tail. */
  g_clear_pointer (&settings, g_ptr_array_unref);
  settings = _sipnat_config_read_data (data, strstr (data, "[proxies.proxy0.nat]") - data,
                                       "test.conf", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected, 7);
}

static void
test_key_file_empty (void)
{
  const char *inputs[] = { "", "\n\n", "# only a comment\n", "[proxies.proxy0]\n" };

  for (guint i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GPtrArray) settings = NULL;
      g_autoptr(GError) error = NULL;

      settings = _sipnat_config_read_data (inputs[i], -1, "empty.conf", &error);
      g_assert_no_error (error);
      g_assert_nonnull (settings);
      g_assert_cmpuint (settings->len, ==, 0);
    }
}

static void
test_key_file_colons (void)
{
  static const char data[] =
    "[proxies:proxy0]\n"
    "reg_timeout = 60\n"
    "[proxies:proxy0:nat]\n"
    "ice_enabled = true\n"
    "[proxies.proxy1]\n"
    "nat:turn_relay_type = tcp\n";
  static const Expected expected[] = {
    { "proxies.proxy0.reg_timeout", "60", 2 },
    { "proxies.proxy0.nat.ice_enabled", "true", 4 },
    { "proxies.proxy1.nat.turn_relay_type", "tcp", 6 },
  };
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = _sipnat_config_read_key_file_data (data, -1, "colons.conf", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected, G_N_ELEMENTS (expected));
}

static void
test_normalize_key (void)
{
  static const struct {
    const char *key;
    const char *expected;  /* NULL: an error */
  } cases[] = {
    { "proxies:proxy0:reg_timeout", "proxies.proxy0.reg_timeout" },
    { "proxies.proxy0.reg_timeout", "proxies.proxy0.reg_timeout" },
    { "proxies:proxy0.nat:ice_enabled", "proxies.proxy0.nat.ice_enabled" },
    { "reg_timeout", "reg_timeout" },
    { "", NULL },
    { ".", NULL },
    { ":", NULL },
    { "proxies..proxy0", NULL },
    { "proxies.:proxy0", NULL },
    { ".proxies.proxy0", NULL },
    { "proxies.proxy0:", NULL },
    { "proxies.proxy0.reg timeout", NULL },
    { "proxies.proxy0.reg\ttimeout", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *normalized = NULL;

      g_test_message ("key “%s”", cases[i].key);
      normalized = _sipnat_config_normalize_key (cases[i].key, &error);
      g_assert_cmpstr (normalized, ==, cases[i].expected);

      if (cases[i].expected == NULL)
        g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      else
        g_assert_no_error (error);
    }
}

/* XML */

static void
test_xml_basic (void)
{
  static const char data[] =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"                              /* 1 */
    "<Container name=\"Application\">\n"                                        /* 2 */
    "  <Container name=\"Basic\">\n"                                            /* 3 */
    "    <Connectivity user=\"5001\" server=\"sip.example.com:5060\" protocol=\"UDP\"/>\n" /* 4 */
    "    <Unknown user=\"x\"/>\n"                                               /* 5 */
    "    <Connectivity user=\"5002\" server=\"sip2.example.com:5061\" protocol=\"Tls\"/>\n" /* 6 */
    "  </Container>\n"                                                          /* 7 */
    "  <!-- a comment -->\n"                                                    /* 8 */
    "  <Container name=\"Genesys\">\n"                                          /* 9 */
    "    <domain name=\"policy\">\n"                                            /* 10 */
    "      <section name=\"endpoint\">\n"                                       /* 11 */
    "        <setting name=\"sip_transaction_timeout\" value=\"4000\"/>\n"      /* 12 */
    "      </section>\n"                                                        /* 13 */
    "    </domain>\n"                                                           /* 14 */
    "    <domain name=\"proxies\">\n"                                           /* 15 */
    "      <section name=\"proxy0\">\n"                                         /* 16 */
    "        <setting name=\"reg_timeout\" value=\" 60 \"/>\n"                  /* 17 */
    "        <setting name=\"display_name\"/>\n"                                /* 18 */
    "        <section name=\"nat\">\n"                                          /* 19 */
    "          <setting name=\"ice_enabled\" value=\"1\" comment=\"ignored\"/>\n" /* 20 */
    "          <unknown><setting name=\"ignored\" value=\"x\"/></unknown>\n"   /* 21 */
    "          <setting name=\"turn_password\"\n"                               /* 22 */
    "                   value=\"s&lt;cret\"></setting>\n"                       /* 23 */
    "        </section>\n"                                                      /* 24 */
    "      </section>\n"                                                        /* 25 */
    "    </domain>\n"                                                           /* 26 */
    "  </Container>\n"                                                          /* 27 */
    "  <Container name=\"Other\">\n"                                            /* 28 */
    "    <domain name=\"ignored\"><section name=\"x\"><setting name=\"y\" value=\"z\"/></section></domain>\n" /* 29 */
    "  </Container>\n"                                                          /* 30 */
    "</Container>\n";                                                           /* 31 */
  static const Expected expected[] = {
    { "proxies.proxy0.user", "5001", 4 },
    { "proxies.proxy0.server", "sip.example.com:5060", 4 },
    { "proxies.proxy0.transport", "udp", 4 },
    { "proxies.proxy1.user", "5002", 6 },
    { "proxies.proxy1.server", "sip2.example.com:5061", 6 },
    { "proxies.proxy1.transport", "tls", 6 },
    { "policy.endpoint.sip_transaction_timeout", "4000", 12 },
    { "proxies.proxy0.reg_timeout", "60", 17 },
    { "proxies.proxy0.display_name", "", 18 },
    { "proxies.proxy0.nat.ice_enabled", "1", 20 },
    /* A start tag over several lines counts from the line where it ends. */
    { "proxies.proxy0.nat.turn_password", "s<cret", 23 },
  };
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = _sipnat_config_read_xml_data (data, -1, "SipEndpoint.config", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected, G_N_ELEMENTS (expected));

  g_clear_pointer (&settings, g_ptr_array_unref);
  settings = _sipnat_config_read_data (data, -1, "SipEndpoint.config", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected, G_N_ELEMENTS (expected));
}

static void
test_xml_other_roots (void)
{
  static const char data[] =
    "\n  \n"
    "<Configuration>\n"
    "<Container name=\"Genesys\"><domain name=\"proxies\"><section name=\"proxy0\">"
    "<setting name=\"reg_timeout\" value=\"60\"/></section></domain></Container>\n"
    "</Configuration>\n";
  static const char genesys_root[] =
    "<Container name=\"Genesys\">\n"
    "<domain name=\"proxies\"><section name=\"proxy0\"><section name=\"nat\">\n"
    "<setting name=\"stun_server\" value=\"stun.example.com\"/>\n"
    "</section></section></domain></Container>";
  static const Expected expected[] = {
    { "proxies.proxy0.reg_timeout", "60", 4 },
  };
  static const Expected expected_genesys[] = {
    { "proxies.proxy0.nat.stun_server", "stun.example.com", 3 },
  };
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(GError) error = NULL;

  settings = _sipnat_config_read_data (data, -1, "other.config", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected, G_N_ELEMENTS (expected));

  g_clear_pointer (&settings, g_ptr_array_unref);
  settings = _sipnat_config_read_data (genesys_root, -1, "genesys.config", &error);
  g_assert_no_error (error);
  assert_settings (settings, expected_genesys, G_N_ELEMENTS (expected_genesys));
}

/* Bad files */

static void
test_bad_files (void)
{
  static const struct {
    const char *name;
    const char *contents;   /* NULL: the file does not exist */
    const char *where;      /* where the message says the problem is, or NULL */
  } cases[] = {
    { "missing.conf", NULL, NULL },
    { "garbage.conf", "[proxies.proxy0]\nreg_timeout = 60\nthis is garbage\n", "garbage.conf:3:" },
    { "nokey.conf", "[proxies.proxy0]\n = 60\n", "nokey.conf:2:" },
    { "before-group.conf", "# comment\nreg_timeout = 60\n[proxies.proxy0]\n", "before-group.conf:2:" },
    { "unterminated.conf", "\n[proxies.proxy0\nreg_timeout = 60\n", "unterminated.conf:2:" },
    { "trailing.conf", "[proxies.proxy0] x\n", "trailing.conf:1:" },
    { "empty-group.conf", "[]\n", "empty-group.conf:1:" },
    { "short-group.conf", "[proxies]\nreg_timeout = 60\n", "short-group.conf:1:" },
    { "bad-group.conf", "[proxies..proxy0]\n", "bad-group.conf:1:" },
    { "bad-key.conf", "[proxies.proxy0]\nreg timeout = 60\n", "bad-key.conf:2:" },
    { "utf8.conf", "[proxies.proxy0]\ndisplay_name = Ren\xe9\n", "utf8.conf:2:" },
    { "nul.conf", "[proxies.proxy0]\n\ndisplay_name = a\0b\n", "nul.conf:3:" },
    { "malformed.config",
      "<Configuration>\n<Container name=\"Genesys\">\n</Configuration>\n", "malformed.config:3:" },
    { "unclosed.config", "<Configuration>\n<Container name=\"Genesys\">\n", "unclosed.config:3:" },
    { "no-name.config",
      "<Configuration>\n<Container name=\"Genesys\">\n<domain name=\"proxies\">\n"
      "<section name=\"proxy0\">\n<setting value=\"60\"/>\n"
      "</section></domain></Container></Configuration>\n", "no-name.config:5:" },
    { "empty-name.config",
      "<Configuration>\n<Container name=\"Genesys\">\n<domain name=\"proxies\">\n"
      "<section name=\" \">\n</section></domain></Container></Configuration>\n",
      "empty-name.config:4:" },
    { "no-section.config",
      "<Configuration>\n<Container name=\"Genesys\">\n<domain name=\"proxies\">\n"
      "<setting name=\"reg_timeout\" value=\"60\"/>\n"
      "</domain></Container></Configuration>\n", "no-section.config:4:" },
    { "bad-setting-name.config",
      "<Configuration>\n<Container name=\"Genesys\">\n<domain name=\"proxies\">\n"
      "<section name=\"proxy0\">\n\n<setting name=\"reg::timeout\" value=\"60\"/>\n"
      "</section></domain></Container></Configuration>\n", "bad-setting-name.config:6:" },
    { "utf8.config", "<Configuration>\n<x a=\"\xff\"/>\n</Configuration>\n", "utf8.config:2:" },
  };
  g_autoptr(GError) dir_error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("sipnat-config-XXXXXX", &dir_error);

  g_assert_no_error (dir_error);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_build_filename (dir, cases[i].name, NULL);
      g_autoptr(GPtrArray) settings = NULL;
      g_autoptr(GError) error = NULL;

      g_test_message ("%s", cases[i].name);

      if (cases[i].contents != NULL)
        {
          /* The NUL case needs its real length. */
          gsize len = strlen (cases[i].contents);

          if (g_str_equal (cases[i].name, "nul.conf"))
            len += 1 + strlen (cases[i].contents + len + 1);

          g_assert_true (g_file_set_contents (path, cases[i].contents, len, NULL));
        }

      settings = _sipnat_config_read_file (path, &error);
      g_assert_null (settings);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_test_message ("→ %s", error->message);
      g_assert_nonnull (strstr (error->message, cases[i].name));
      if (cases[i].where != NULL)
        g_assert_nonnull (strstr (error->message, cases[i].where));

      if (cases[i].contents != NULL)
        g_assert_cmpint (g_remove (path), ==, 0);
    }

  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static void
test_bad_line_not_echoed (void)
{
  /* A line without "=", and a key that swallowed the password. */
  static const char * const data[] = {
    "[proxies.proxy0]\npassword hunter2\n",
    "[proxies.proxy0]\npassword hunter2 = x\n",
  };

  for (guint i = 0; i < G_N_ELEMENTS (data); i++)
    {
      g_autoptr(GPtrArray) settings = NULL;
      g_autoptr(GError) error = NULL;

      settings = _sipnat_config_read_key_file_data (data[i], -1, "secret.conf", &error);
      g_assert_null (settings);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_test_message ("→ %s", error->message);
      g_assert_true (g_str_has_prefix (error->message, "secret.conf:2:"));
      g_assert_null (strstr (error->message, "hunter2"));
    }
}

/* A malformed XML file whose mistake is in or next to a password: the
 * error says where, never what the text there is. */
static void
test_xml_error_hides_passwords (void)
{
  static const struct {
    const char *xml;
    guint line;
  } cases[] = {
    /* an unknown entity: GMarkup quotes its name */
    { "<setting name=\"password\" value=\"hunter2&secret;\"/>", 4 },
    /* a quote closed too early: the rest is read as an attribute name */
    { "<setting name=\"password\" value=\"hun\"ter2secret\"/>", 4 },
    /* an unquoted value: GMarkup quotes the character after "=" */
    { "<setting name=\"turn_password\" value=hunter2secret/>", 4 },
    { "<setting name=\"password\" value=\"hunter2secret\"/ >", 4 },
    /* (the stray "<" is noticed on the next line, where the next tag starts) */
    { "<setting name=\"password\" value=\"hunter2secret\" <", 5 },
    { "<setting name=\"password\" value=\"hunter2secret\"></settings>", 4 },
    { "<setting name=\"password\" value=\"hunter2secret\"><hunter2secret>", 0 },
    /* the file ends in the middle of the password */
    { "<setting name=\"password\" value=\"hunter2secret", 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *data = g_strconcat (
        "<Configuration>\n"
        "<Container name=\"Genesys\">\n"
        "<domain name=\"proxies\"><section name=\"proxy0\">\n",
        cases[i].xml, "\n"
        "</section></domain></Container></Configuration>\n", NULL);
      g_autofree char *where = g_strdup_printf ("leak.config:%u:", cases[i].line);
      g_autoptr(GPtrArray) settings = NULL;
      g_autoptr(GError) error = NULL;

      settings = _sipnat_config_read_xml_data (data, -1, "leak.config", &error);
      g_assert_null (settings);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_test_message ("%s\n→ %s", cases[i].xml, error->message);
      g_assert_true (g_str_has_prefix (error->message, "leak.config:"));
      if (cases[i].line != 0)
        g_assert_true (g_str_has_prefix (error->message, where));
      g_assert_nonnull (strstr (error->message, "XML"));
      g_assert_null (strstr (error->message, "hunter"));
      g_assert_null (strstr (error->message, "secret"));
      g_assert_null (strstr (error->message, "ter2"));
      g_assert_null (strstr (error->message, "“h”"));
    }
}

/* Setting properties */

static void
assert_set_fails (GObject    *object,
                  const char *setting,
                  const char *value,
                  const char *message_part)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("%s = “%s”", setting, value);
  g_assert_false (_sipnat_config_set_property (object, setting, value, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_test_message ("→ %s", error->message);
  g_assert_nonnull (strstr (error->message, setting));
  if (message_part != NULL)
    g_assert_nonnull (strstr (error->message, message_part));
}

static void
assert_set (GObject    *object,
            const char *setting,
            const char *value)
{
  g_autoptr(GError) error = NULL;

  g_test_message ("%s = “%s”", setting, value);
  g_assert_true (_sipnat_config_set_property (object, setting, value, &error));
  g_assert_no_error (error);
}

static void
test_set_property_nat_policy (void)
{
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  GObject *object = G_OBJECT (policy);
  static const struct {
    const char *value;
    gboolean expected;
  } booleans[] = {
    { "1", TRUE }, { "0", FALSE }, { "true", TRUE }, { "FALSE", FALSE },
    { "Yes", TRUE }, { "no", FALSE }, { "ON", TRUE }, { " off ", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (booleans); i++)
    {
      assert_set (object, "ice_enabled", booleans[i].value);
      g_assert_cmpint (sipnat_nat_policy_get_ice_enabled (policy), ==, booleans[i].expected);
    }
  assert_set_fails (object, "ice_enabled", "2", "on or off");
  assert_set_fails (object, "ice_enabled", "", NULL);
  assert_set_fails (object, "ice_enabled", "enabled", NULL);

  assert_set (object, "stun_server", "stun.example.com");
  g_assert_cmpstr (sipnat_nat_policy_get_stun_server (policy), ==, "stun.example.com");
  assert_set (object, "stun_server", "");
  g_assert_null (sipnat_nat_policy_get_stun_server (policy));

  assert_set (object, "stun_server_port", "5349");
  g_assert_cmpuint (sipnat_nat_policy_get_stun_server_port (policy), ==, 5349);
  assert_set (object, "stun_server_port", "65535");
  g_assert_cmpuint (sipnat_nat_policy_get_stun_server_port (policy), ==, 65535);
  assert_set (object, "stun_server_port", "1");
  g_assert_cmpuint (sipnat_nat_policy_get_stun_server_port (policy), ==, 1);
  assert_set_fails (object, "stun_server_port", "0", "from 1 to 65535");
  assert_set_fails (object, "stun_server_port", "65536", "from 1 to 65535");
  assert_set_fails (object, "stun_server_port", "abc", "from 1 to 65535");
  assert_set_fails (object, "stun_server_port", "-1", NULL);
  assert_set_fails (object, "stun_server_port", "0x10", NULL);
  assert_set_fails (object, "stun_server_port", "3478abc", NULL);
  assert_set_fails (object, "stun_server_port", "99999999999999999999999", NULL);
  assert_set_fails (object, "stun_server_port", "", NULL);
  g_assert_cmpuint (sipnat_nat_policy_get_stun_server_port (policy), ==, 1);

  assert_set (object, "turn_relay_type", "tcp");
  g_assert_cmpint (sipnat_nat_policy_get_turn_relay_type (policy), ==, SIPNAT_RELAY_TYPE_TCP);
  assert_set (object, "turn_relay_type", "TLS");
  g_assert_cmpint (sipnat_nat_policy_get_turn_relay_type (policy), ==, SIPNAT_RELAY_TYPE_TLS);
  assert_set (object, "turn_relay_type", "SIPNAT_RELAY_TYPE_UDP");
  g_assert_cmpint (sipnat_nat_policy_get_turn_relay_type (policy), ==, SIPNAT_RELAY_TYPE_UDP);
  assert_set_fails (object, "turn_relay_type", "sctp", "udp, tcp, tls");
  g_assert_cmpint (sipnat_nat_policy_get_turn_relay_type (policy), ==, SIPNAT_RELAY_TYPE_UDP);

  assert_set_fails (object, "stun_servers", "x", "unknown setting");
  assert_set_fails (object, "reg_timeout", "60", "unknown setting");

  /* The password is set, but never shown. */
  assert_set (object, "turn_password", "hunter2");
  g_assert_cmpstr (sipnat_nat_policy_get_turn_password (policy), ==, "hunter2");
}

static void
test_set_property_reg_timeout (void)
{
  g_autoptr(TestSettings) settings = g_object_new (TEST_TYPE_SETTINGS, NULL);
  GObject *object = G_OBJECT (settings);
  const char *non_numeric[] = { "", "abc", "  ", "1.5", NULL };

  assert_set (object, "reg_timeout", "60");
  g_assert_cmpuint (settings->reg_timeout, ==, 60);

  for (guint i = 0; non_numeric[i] != NULL; i++)
    {
      g_autofree char *stripped = g_strstrip (g_strdup (non_numeric[i]));
      g_autofree char *pattern = g_strdup_printf ("*reg_timeout*“%s”*", stripped);

      settings->reg_timeout = 60;
      g_test_expect_message ("Sipnat", G_LOG_LEVEL_WARNING, pattern);
      assert_set (object, "reg_timeout", non_numeric[i]);
      g_test_assert_expected_messages ();
      g_assert_cmpuint (settings->reg_timeout, ==, 0);
    }

  /* NULL is the same as empty. */
  settings->reg_timeout = 60;
  g_test_expect_message ("Sipnat", G_LOG_LEVEL_WARNING, "*reg_timeout*“”*");
  assert_set (object, "reg_timeout", NULL);
  g_test_assert_expected_messages ();
  g_assert_cmpuint (settings->reg_timeout, ==, 0);

  /* A number out of range stays an error. */
  settings->reg_timeout = 60;
  assert_set_fails (object, "reg_timeout", "86401", "from 0 to 86400");
  assert_set_fails (object, "reg_timeout", "-5", "from 0 to 86400");
  g_assert_cmpuint (settings->reg_timeout, ==, 60);

  assert_set (object, "reg_timeout", "0");
  g_assert_cmpuint (settings->reg_timeout, ==, 0);
}

static void
test_set_property_types (void)
{
  g_autoptr(TestSettings) settings = g_object_new (TEST_TYPE_SETTINGS, NULL);
  GObject *object = G_OBJECT (settings);
  g_autoptr(GError) error = NULL;

  assert_set (object, "offset", "-10");
  g_assert_cmpint (settings->offset, ==, -10);
  assert_set (object, "offset", "+7");
  g_assert_cmpint (settings->offset, ==, 7);
  assert_set_fails (object, "offset", "11", "from -10 to 10");
  assert_set_fails (object, "offset", "-11", "from -10 to 10");
  /* Only reg_timeout has the non-numeric rule. */
  assert_set_fails (object, "offset", "", NULL);

  assert_set (object, "big", "-9223372036854775808");
  g_assert_cmpint (settings->big, ==, G_MININT64);
  assert_set_fails (object, "big", "9223372036854775808", NULL);

  assert_set (object, "transport", "tls");
  g_assert_cmpint (settings->transport, ==, SIPNAT_TRANSPORT_TLS);
  assert_set (object, "transport", "UDP");
  g_assert_cmpint (settings->transport, ==, SIPNAT_TRANSPORT_UDP);
  assert_set_fails (object, "transport", "sctp", "udp, tcp, tls");

  assert_set (object, "transports", "udp, TCP|tls");
  g_assert_cmpint (settings->transports, ==,
                   SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP | SIPNAT_TRANSPORT_FLAGS_TLS);
  assert_set (object, "transports", "");
  g_assert_cmpint (settings->transports, ==, SIPNAT_TRANSPORT_FLAGS_NONE);
  assert_set_fails (object, "transports", "udp,sctp", "none, udp, tcp, tls");

  assert_set (object, "ip_versions", " ipv6 , ipv4,, ");
  g_assert_nonnull (settings->ip_versions);
  g_assert_cmpuint (g_strv_length (settings->ip_versions), ==, 2);
  g_assert_cmpstr (settings->ip_versions[0], ==, "ipv6");
  g_assert_cmpstr (settings->ip_versions[1], ==, "ipv4");
  assert_set (object, "ip_versions", "");
  g_assert_null (settings->ip_versions);

  /* The value of a setting named *password* never appears. */
  g_assert_false (_sipnat_config_set_property (object, "password_retries", "hunter2", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "password_retries"));
  g_assert_null (strstr (error->message, "hunter2"));
  g_clear_error (&error);
  assert_set (object, "password_retries", "3");
  g_assert_cmpuint (settings->password_retries, ==, 3);

  /* Read-only properties are not settings; construct-only ones cannot be set. */
  assert_set_fails (object, "state", "busy", "unknown setting");
  assert_set_fails (object, "name", "x", NULL);
  g_assert_null (settings->name);
}

/* The example files */

static void
test_examples (void)
{
  g_autofree char *conf_path = example_path ("sipnat.conf");
  g_autofree char *xml_path = example_path ("SipEndpoint.config");
  g_autoptr(GPtrArray) conf = NULL;
  g_autoptr(GPtrArray) xml = NULL;
  g_autoptr(GHashTable) conf_table = NULL;
  g_autoptr(GHashTable) xml_table = NULL;
  g_autoptr(SipnatNatPolicy) policy = sipnat_nat_policy_new ();
  g_autoptr(GError) error = NULL;
  GHashTableIter iter;
  gpointer key, value;

  conf = _sipnat_config_read_file (conf_path, &error);
  g_assert_no_error (error);
  xml = _sipnat_config_read_file (xml_path, &error);
  g_assert_no_error (error);

  conf_table = settings_to_table (conf);
  xml_table = settings_to_table (xml);

  g_assert_cmpstr (g_hash_table_lookup (conf_table, "policy.endpoint.sip_transaction_timeout"), ==, "4000");
  g_assert_cmpstr (g_hash_table_lookup (conf_table, "proxies.proxy0.server"), ==, "sip.example.com:5060");
  g_assert_cmpstr (g_hash_table_lookup (conf_table, "proxies.proxy0.reg_timeout"), ==, "60");
  g_assert_cmpstr (g_hash_table_lookup (conf_table, "proxies.proxy1.transport"), ==, "tcp");
  g_assert_cmpstr (g_hash_table_lookup (conf_table, "proxies.proxy0.nat.turn_relay_type"), ==, "udp");

  g_assert_cmpstr (g_hash_table_lookup (xml_table, "proxies.proxy0.transport"), ==, "udp");
  g_assert_cmpstr (g_hash_table_lookup (xml_table, "proxies.proxy1.server"), ==, "sip-backup.example.com:5060");
  g_assert_cmpstr (g_hash_table_lookup (xml_table, "proxies.proxy0.nat.ice_enabled"), ==, "1");

  /* Both forms say the same thing. */
  g_assert_cmpuint (g_hash_table_size (conf_table), ==, g_hash_table_size (xml_table));
  g_hash_table_iter_init (&iter, conf_table);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_test_message ("%s", (const char *) key);
      g_assert_cmpstr (g_hash_table_lookup (xml_table, key), ==, value);
    }

  /* Every nat setting applies to a SipnatNatPolicy, which is then valid. */
  for (guint i = 0; i < conf->len; i++)
    {
      SipnatSetting *s = g_ptr_array_index (conf, i);

      if (g_str_has_prefix (s->key, "proxies.proxy0.nat."))
        {
          g_assert_true (_sipnat_config_set_property (G_OBJECT (policy),
                                                      s->key + strlen ("proxies.proxy0.nat."),
                                                      s->value, &error));
          g_assert_no_error (error);
        }
    }

  g_assert_true (sipnat_nat_policy_get_ice_enabled (policy));
  g_assert_cmpstr (sipnat_nat_policy_get_turn_server (policy), ==, "turn.example.com");
  g_assert_true (sipnat_nat_policy_validate (policy, &error));
  g_assert_no_error (error);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/config/key-file/basic", test_key_file_basic);
  g_test_add_func ("/config/key-file/empty", test_key_file_empty);
  g_test_add_func ("/config/key-file/colons", test_key_file_colons);
  g_test_add_func ("/config/key-file/bad-line-not-echoed", test_bad_line_not_echoed);
  g_test_add_func ("/config/normalize-key", test_normalize_key);
  g_test_add_func ("/config/xml/basic", test_xml_basic);
  g_test_add_func ("/config/xml/other-roots", test_xml_other_roots);
  g_test_add_func ("/config/xml/error-hides-passwords", test_xml_error_hides_passwords);
  g_test_add_func ("/config/bad-files", test_bad_files);
  g_test_add_func ("/config/set-property/nat-policy", test_set_property_nat_policy);
  g_test_add_func ("/config/set-property/reg-timeout", test_set_property_reg_timeout);
  g_test_add_func ("/config/set-property/types", test_set_property_types);
  g_test_add_func ("/config/examples", test_examples);

  return g_test_run ();
}
