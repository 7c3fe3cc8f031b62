/* test-sip-syntax.c: validators for what goes into SIP URIs and headers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include <sipnat.h>

#include "sipnat-sip-syntax-private.h"

typedef gboolean (*CheckFunc) (const char *value, GError **error);

typedef struct {
  const char *value;
  const char *reason;   /* NULL: valid; otherwise a part of the error message */
} Case;

static void
run_cases (const char *what,
           CheckFunc   check,
           const Case *cases,
           gsize       n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *escaped = g_strescape (cases[i].value, NULL);
      gboolean ok;

      ok = check (cases[i].value, &error);
      g_test_message ("%s “%s” → %s", what, escaped, error ? error->message : "valid");

      if (cases[i].reason == NULL)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          continue;
        }

      g_assert_false (ok);
      g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      /* A message is one line: the value's line breaks never reach a log. */
      g_assert_null (strchr (error->message, '\n'));
      g_assert_null (strchr (error->message, '\r'));
      if (*cases[i].reason != '\0')
        g_assert_nonnull (strstr (error->message, cases[i].reason));
    }
}

static void
test_server (void)
{
  static const Case cases[] = {
    { "sip.example.com", NULL },
    { "sip.example.com.", NULL },
    { "sip.example.com:5060", NULL },
    { "localhost", NULL },
    { "a-b.example", NULL },
    { "127.0.0.1", NULL },
    { "127.0.0.1:1", NULL },
    { "127.0.0.1:65535", NULL },
    { "[::1]", NULL },
    { "[::1]:5060", NULL },
    { "[2001:db8::7]:5061", NULL },
    { "[::ffff:192.0.2.1]:5060", NULL },

    /* header injection, in every place where it could hide */
    { "127.0.0.1:5060?X-Injected-Srv=1", "“?”" },
    { "127.0.0.1?X-Injected-Srv=1", "“?”" },
    { "127.0.0.1:5060;transport=tcp", "“;”" },
    { "127.0.0.1:5060\r\nX-Injected: 1", "a line break" },
    { "127.0.0.1\n", "a line break" },
    { "alice@127.0.0.1", "“@”" },
    { "sip.example .com", "a space" },
    { " sip.example.com", "a space" },
    { "sip.exa\tmple.com", "a tab" },
    { "sip.\x01.com", "control character" },
    { "s\xc3\xadp.example.com", "non-ASCII" },
    { "sip:sip.example.com", "sip:" },
    { "SIPS:sip.example.com", "sip:" },
    { "sip.example.com,other", "“,”" },
    { "<sip.example.com>", "“<”" },
    { "\"sip.example.com\"", "“\"”" },

    /* ports */
    { "127.0.0.1:0", "1 to 65535" },
    { "127.0.0.1:65536", "1 to 65535" },
    { "127.0.0.1:99999999999999999999", "1 to 65535" },
    { "127.0.0.1:abc", "not a number" },
    { "127.0.0.1:-1", "not a number" },
    { "127.0.0.1:", "missing" },
    { "[::1]:", "missing" },
    { "[::1]:0", "1 to 65535" },

    /* hosts */
    { "", "empty" },
    { ":5060", "empty" },
    { "[::1", "“]”" },
    { "[::1]x", "only “:port”" },
    { "[]", "not an IPv6" },
    { "[127.0.0.1]", "not an IPv6" },
    { "[fe80::1]]", "only “:port”" },
    { "[[::1]]", "only “:port”" },
    { "[:::]", "not an IPv6" },
    { "::1", "brackets" },
    { "2001:db8::1:5060", "brackets" },
    { "256.0.0.1", "IPv4" },
    { "1.2.3", "IPv4" },
    { "1.2.3.4.5", "IPv4" },
    { "1..2.3", "IPv4" },
    { "sip..example.com", "empty label" },
    { ".example.com", "empty label" },
    { "-sip.example.com", "“-”" },
    { "sip-.example.com", "“-”" },
    { "sip.123", "letter" },
    { "sip_example.com", "“_”" },
  };

  run_cases ("server", _sipnat_check_server, cases, G_N_ELEMENTS (cases));
}

static void
test_server_lengths (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *label63 = g_strnfill (63, 'a');
  g_autofree char *label64 = g_strnfill (64, 'a');
  g_autofree char *ok63 = g_strconcat (label63, ".example", NULL);
  g_autofree char *bad64 = g_strconcat (label64, ".example", NULL);
  g_autoptr(GString) long_name = g_string_new (NULL);

  g_assert_true (_sipnat_check_server (ok63, &error));
  g_assert_no_error (error);
  g_assert_false (_sipnat_check_server (bad64, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_clear_error (&error);

  /* 4 × (63 + 1) = 256 characters: longer than a DNS name may be. */
  for (guint i = 0; i < 4; i++)
    g_string_append_printf (long_name, "%s%s", i ? "." : "", label63);
  g_assert_false (_sipnat_check_server (long_name->str, &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_nonnull (strstr (error->message, "253"));
  /* A long value is cut in the message. */
  g_assert_cmpuint (strlen (error->message), <, 250);
}

static void
test_server_list (void)
{
  static const Case cases[] = {
    { "sip.example.com", NULL },
    { "sip1.example.com:5060,sip2.example.com:5070", NULL },
    { "sip1.example.com , [::1]:5060,\t127.0.0.1", NULL },
    { "", "server 1" },
    { "sip1.example.com,", "server 2" },
    { ",sip1.example.com", "server 1" },
    { "a.example,,b.example", "server 2" },
    { "a.example, ", "server 2" },
    { "a.example,127.0.0.1:5060?X-Injected-Srv=1", "“?”" },
    { "a.example,127.0.0.1:0", "1 to 65535" },
    { "a.example\r\n,b.example", "line break" },
    { "a.example;b.example", "“;”" },
  };

  run_cases ("server list", _sipnat_check_server_list, cases, G_N_ELEMENTS (cases));
}

static void
test_user (void)
{
  static const Case cases[] = {
    { "alice", NULL },
    { "5001", NULL },
    { "+1-212-555-1212", NULL },
    { "a-_.!~*'()b", NULL },
    { "a&b=c+d$e,f;g?h/i", NULL },
    { "al%3Aice", NULL },
    { "al%3aice", NULL },
    { "%22quoted%22", NULL },

    { "", "empty" },
    { "alice:evil", "password" },
    { "alice@example.com", "domain" },
    { "al ice", "a space" },
    { "al<ice", "“<”" },
    { "al>ice", "“>”" },
    { "al\"ice", "“\"”" },
    { "alice\r", "a line break" },
    { "alice\nX-Injected: 1", "a line break" },
    { "al\x01ice", "control character" },
    { "al\x7fice", "control character" },
    { "al\tice", "a tab" },
    { "al\\ice", "“\\”" },
    { "al#ice", "“#”" },
    { "al[ice]", "“[”" },
    { "ren\xc3\xa9", "non-ASCII" },
    { "al%", "two hexadecimal digits" },
    { "al%3", "two hexadecimal digits" },
    { "al%zz", "two hexadecimal digits" },
    { "al%0D%0Aice", "control character" },
    { "al%00ice", "control character" },
    { "al%7Fice", "control character" },
  };

  run_cases ("user", _sipnat_check_user, cases, G_N_ELEMENTS (cases));
}

static void
test_user_not_echoed (void)
{
  g_autoptr(GError) error = NULL;

  /* A user written as "name:password" must not show the password. */
  g_assert_false (_sipnat_check_user ("alice:hunter2", &error));
  g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
  g_assert_null (strstr (error->message, "hunter2"));
  g_assert_null (strstr (error->message, "alice"));
}

static void
test_domain (void)
{
  static const Case cases[] = {
    { "example.com", NULL },
    { "EXAMPLE.com.", NULL },
    { "192.0.2.1", NULL },
    { "[2001:db8::1]", NULL },

    { "", "empty" },
    { "example.com:5060", "port is not allowed" },
    { "example.com?X-Injected=1", "“?”" },
    { "example.com\r\nX-Injected: 1", "a line break" },
    { "ex ample.com", "a space" },
    { "alice@example.com", "“@”" },
    { "example.com>", "“>”" },
    { "2001:db8::1", "brackets" },
    { "[2001:db8::1", "“]”" },
    { "300.1.1.1", "IPv4" },
  };

  run_cases ("domain", _sipnat_check_domain, cases, G_N_ELEMENTS (cases));
}

static void
test_public_address (void)
{
  static const Case cases[] = {
    { "203.0.113.7", NULL },
    { "[2001:db8::7]", NULL },
    { "nat.example.com", NULL },
    { "203.0.113.7:5060", "port is not allowed" },
    { "203.0.113.7;x=1", "“;”" },
    { "203.0.113.7\r\n", "a line break" },
  };

  run_cases ("public address", _sipnat_check_public_address, cases, G_N_ELEMENTS (cases));
}

static void
test_display_name (void)
{
  static const Case cases[] = {
    { "Alice Example", NULL },
    { "Ren\xc3\xa9 \xe5\xbc\xa0\xe4\xbc\x9f", NULL },
    { "Al \"The Boss\" <x> \\ ; : @ ?", NULL },
    { "", NULL },

    { "Alice\r\nX-Injected: 1", "line break" },
    { "Alice\n", "line break" },
    { "Al\tice", "U+0009" },
    { "Al\x1bice", "U+001B" },
    { "Al\x7fice", "U+007F" },
    { "Al\xc2\x85ice", "U+0085" },
    { "Ren\xe9", "UTF-8" },
  };

  run_cases ("display name", _sipnat_check_display_name, cases, G_N_ELEMENTS (cases));
}

static void
test_user_agent (void)
{
  static const Case cases[] = {
    { "libsipnat/1.0 (test)", NULL },
    { "", "empty" },
    { "agent\r\nX-Injected: 1", "line break" },
  };

  run_cases ("user agent", _sipnat_check_user_agent, cases, G_N_ELEMENTS (cases));
}

static void
test_instance_id (void)
{
  static const Case cases[] = {
    { "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6", NULL },
    { "", "empty" },
    { "urn:uuid:x\">;evil=1", "“\"”" },
    { "urn:uuid:x>", "“>”" },
    { "urn: uuid", "a space" },
    { "urn:uuid\r\n", "a line break" },
  };

  run_cases ("instance ID", _sipnat_check_instance_id, cases, G_N_ELEMENTS (cases));
}

static void
test_quote_display_name (void)
{
  static const struct {
    const char *name;
    const char *quoted;
  } cases[] = {
    { "Alice", "\"Alice\"" },
    { "", "\"\"" },
    { "Al \"The Boss\"", "\"Al \\\"The Boss\\\"\"" },
    { "back\\slash", "\"back\\\\slash\"" },
    { "\\\"", "\"\\\\\\\"\"" },
    { "Ren\xc3\xa9 <x>; @", "\"Ren\xc3\xa9 <x>; @\"" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *quoted = _sipnat_quote_display_name (cases[i].name);

      g_assert_cmpstr (quoted, ==, cases[i].quoted);
    }
}

static void
test_target_uri (void)
{
  static const struct {
    const char *uri;
    const char *expected;   /* NULL: refused */
  } cases[] = {
    { "bob", "sip:bob@example.net:5062" },
    { "bob@203.0.113.10", "sip:bob@203.0.113.10" },
    { "sip:bob@203.0.113.10:5060", "sip:bob@203.0.113.10:5060" },
    { "SIP:bob@example.net", "sip:bob@example.net" },
    { "sips:bob@example.net", "sips:bob@example.net" },
    { "sip:bob@example.net;transport=tcp", "sip:bob@example.net;transport=tcp" },
    { "sip:example.net", "sip:example.net" },
    { "sip:%2Bbob@[2001:db8::1]:5060", "sip:%2Bbob@[2001:db8::1]:5060" },
    { "sip:bob@example.net?Subject=hi", NULL },
    { "sip:bob@example.net;x=1?Route=%3Csip:evil%3E", NULL },
    { "sip:bob@example.net\r\nX-Injected: 1", NULL },
    { "bob\nX-Injected: 1", NULL },
    { "sip:b ob@example.net", NULL },
    { "sip:bob:secret@example.net", NULL },
    { "<sip:bob@example.net>", NULL },
    { "sip:bob@example.net>", NULL },
    { "\"bob\"", NULL },
    { "sip:bob@", NULL },
    { "sip:", NULL },
    { "", NULL },
    { "sip:bob@example.net:0", NULL },
    { "sip:bob@example.net:70000", NULL },
    { "sip:bob@exa_mple.net", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *uri = _sipnat_normalize_target_uri (cases[i].uri, "example.net:5062",
                                                          &error);

      g_test_message ("target %s", cases[i].uri);
      g_assert_cmpstr (uri, ==, cases[i].expected);
      if (cases[i].expected == NULL)
        {
          g_assert_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG);
          g_assert_true (g_str_has_prefix (error->message, "Invalid call target: "));
        }
      else
        g_assert_no_error (error);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/sip-syntax/target-uri", test_target_uri);
  g_test_add_func ("/sip-syntax/server", test_server);
  g_test_add_func ("/sip-syntax/server/lengths", test_server_lengths);
  g_test_add_func ("/sip-syntax/server-list", test_server_list);
  g_test_add_func ("/sip-syntax/user", test_user);
  g_test_add_func ("/sip-syntax/user/not-echoed", test_user_not_echoed);
  g_test_add_func ("/sip-syntax/domain", test_domain);
  g_test_add_func ("/sip-syntax/public-address", test_public_address);
  g_test_add_func ("/sip-syntax/display-name", test_display_name);
  g_test_add_func ("/sip-syntax/user-agent", test_user_agent);
  g_test_add_func ("/sip-syntax/instance-id", test_instance_id);
  g_test_add_func ("/sip-syntax/quote-display-name", test_quote_display_name);

  return g_test_run ();
}
