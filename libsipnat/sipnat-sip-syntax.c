/* sipnat-sip-syntax.c: validators for what goes into SIP URIs and headers
 *
 * Every configured string that ends up in a request (the registrar in the
 * Request-URI, the user and domain in To, From and Contact, the display
 * name in From, the user agent and the instance ID in headers) is checked
 * here against RFC 3261's grammar before it is used. Nothing is escaped or
 * repaired silently: a value that would change the meaning of a request
 * (a `?` that starts URI headers, a `:` that starts a URI password, a line
 * break that starts a new header) is refused with the reason.
 *
 * The rules, explicitly:
 *
 * - host (RFC 3261 §25.1 `host`): a DNS name (labels of letters, digits
 *   and inner `-`, at most 63 bytes each, 253 in all, the last label
 *   starting with a letter, an optional final dot), an IPv4 address in
 *   dotted decimal, or an IPv6 address in brackets (`[2001:db8::1]`).
 * - server: one `host[:port]`, the port a decimal number from 1 to 65535;
 *   a server list is such entries separated by commas (spaces around the
 *   commas allowed).
 * - user (RFC 3261 `user`): the value is used in the URI as it is, so it
 *   may only hold `unreserved` and `user-unreserved` characters (letters,
 *   digits and `-_.!~*'()&=+$,;?/`) and `%HH` escapes; an escape of a
 *   control character is refused. Anything else (`:`, `@`, a space, `<`,
 *   `>`, `"`, a line break, non-ASCII) must be escaped by whoever writes
 *   the configuration, and is refused here with the reason.
 * - display name: any UTF-8 without control characters; it is sent as a
 *   quoted-string built by _sipnat_quote_display_name().
 *
 * Errors are %SIPNAT_ERROR_CONFIG and name the setting. A user's value is
 * never repeated in a message (a user written as `name:password` would
 * show the password).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sipnat-error.h"
#include "sipnat-sip-syntax-private.h"

#define MAX_HOST_LENGTH 253
#define MAX_LABEL_LENGTH 63
#define MAX_SHOWN_LENGTH 80

/* How a character is named in a message. */
static char *
describe_char (char c)
{
  guchar u = (guchar) c;

  if (c == ' ')
    return g_strdup (_("a space"));
  if (c == '\r' || c == '\n')
    return g_strdup (_("a line break"));
  if (c == '\t')
    return g_strdup (_("a tab"));
  if (u < 0x20 || u == 0x7f)
    return g_strdup_printf (_("a control character (0x%02X)"), u);
  if (u >= 0x80)
    return g_strdup (_("a non-ASCII character"));

  return g_strdup_printf ("“%c”", c);
}

/* A value as it may be shown in a message: control characters escaped,
 * long values cut, always valid UTF-8. */
static char *
shown (const char *value,
       gsize       len)
{
  g_autoptr(GString) out = g_string_sized_new (MIN (len, MAX_SHOWN_LENGTH) + 8);

  for (gsize i = 0; i < len && value[i] != '\0'; i++)
    {
      guchar u = (guchar) value[i];

      if (out->len >= MAX_SHOWN_LENGTH)
        {
          g_string_append (out, "…");
          break;
        }

      if (u < 0x20 || u == 0x7f)
        g_string_append_printf (out, "\\x%02X", u);
      else
        g_string_append_c (out, value[i]);
    }

  return g_utf8_make_valid (out->str, out->len);
}

static gboolean
is_ipv4 (const char *s,
         gsize       len)
{
  guint octets = 0;
  gsize i = 0;

  while (i < len)
    {
      guint value = 0;
      guint digits = 0;

      while (i < len && g_ascii_isdigit (s[i]))
        {
          value = value * 10 + (guint) (s[i] - '0');
          digits++;
          i++;
          if (digits > 3)
            return FALSE;
        }

      if (digits == 0 || value > 255)
        return FALSE;

      octets++;
      if (i == len)
        break;
      if (s[i] != '.' || octets == 4)
        return FALSE;
      i++;
      if (i == len)
        return FALSE;
    }

  return octets == 4;
}

static gboolean
only_digits_and_dots (const char *s,
                      gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]) && s[i] != '.')
        return FALSE;
    }

  return TRUE;
}

/* @inner: what is between the brackets */
static gboolean
is_ipv6 (const char *inner,
         gsize       len)
{
  g_autofree char *copy = NULL;
  gboolean colon = FALSE;

  if (len == 0 || len > 45)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      if (inner[i] == ':')
        colon = TRUE;
      else if (!g_ascii_isxdigit (inner[i]) && inner[i] != '.')
        return FALSE;
    }

  if (!colon)
    return FALSE;

  copy = g_strndup (inner, len);
  return g_hostname_is_ip_address (copy);
}

/* The problem with a DNS name, or NULL. */
static char *
hostname_problem (const char *host,
                  gsize       len)
{
  gsize label_start = 0;
  gsize last_label = 0;

  if (len > 0 && host[len - 1] == '.')
    len--;   /* a fully qualified name's final dot */

  if (len == 0)
    return g_strdup (_("the host is empty"));
  if (len > MAX_HOST_LENGTH)
    return g_strdup_printf (_("a host name has at most %u characters"), MAX_HOST_LENGTH);

  for (gsize i = 0; i <= len; i++)
    {
      if (i == len || host[i] == '.')
        {
          gsize label_len = i - label_start;

          if (label_len == 0)
            return g_strdup (_("the host name has an empty label (two dots in a row, "
                               "or a dot at the start)"));
          if (label_len > MAX_LABEL_LENGTH)
            return g_strdup_printf (_("a label of a host name has at most %u characters"),
                                    MAX_LABEL_LENGTH);
          if (host[label_start] == '-' || host[i - 1] == '-')
            return g_strdup (_("a label of a host name cannot start or end with “-”"));

          last_label = label_start;
          label_start = i + 1;
        }
      else if (!g_ascii_isalnum (host[i]) && host[i] != '-')
        {
          g_autofree char *what = describe_char (host[i]);

          return g_strdup_printf (_("%s is not allowed in a host name"), what);
        }
    }

  if (!g_ascii_isalpha (host[last_label]))
    return g_strdup (_("the last label of a host name must start with a letter "
                       "(or write a complete IPv4 address)"));

  return NULL;
}

/* Characters that may appear somewhere in `host[:port]`. */
static gboolean
is_hostport_char (char c)
{
  return g_ascii_isalnum (c) || c == '-' || c == '.' || c == ':' || c == '[' || c == ']';
}

/* The problem with a host (name, IPv4 or [IPv6]), or NULL if it is fine. */
static char *
host_problem (const char *host,
              gsize       len)
{
  const char *colon;

  if (len == 0)
    return g_strdup (_("the host is empty"));

  for (gsize i = 0; i < len; i++)
    {
      if (!is_hostport_char (host[i]))
        {
          g_autofree char *what = describe_char (host[i]);

          return g_strdup_printf (_("%s is not allowed in a host"), what);
        }
    }

  if (host[0] == '[')
    {
      if (len < 2 || host[len - 1] != ']')
        return g_strdup (_("an IPv6 address that opens with “[” must close with “]”"));
      if (!is_ipv6 (host + 1, len - 2))
        return g_strdup (_("what is between “[” and “]” is not an IPv6 address"));
      return NULL;
    }

  colon = memchr (host, ':', len);
  if (colon != NULL)
    {
      if (memchr (colon + 1, ':', len - (colon + 1 - host)) == NULL)
        return g_strdup (_("a port is not allowed here"));
      return g_strdup (_("an IPv6 address must be written in brackets, e.g. “[2001:db8::1]”"));
    }

  if (only_digits_and_dots (host, len))
    {
      if (!is_ipv4 (host, len))
        return g_strdup (_("it is not a valid IPv4 address (four numbers from 0 to 255 "
                           "separated by dots)"));
      return NULL;
    }

  return hostname_problem (host, len);
}

/* The problem with a port, or NULL. */
static char *
port_problem (const char *port,
              gsize       len)
{
  guint value = 0;

  if (len == 0)
    return g_strdup (_("the port after “:” is missing"));

  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (port[i]))
        return g_strdup (_("the port is not a number"));
      if (value <= G_MAXUINT16)
        value = value * 10 + (guint) (port[i] - '0');
    }

  if (value == 0 || value > G_MAXUINT16)
    return g_strdup (_("the port must be from 1 to 65535"));

  return NULL;
}

static char *
server_problem (const char *server,
                gsize       len)
{
  const char *port = NULL;
  gsize host_len = len;
  g_autofree char *host_reason = NULL;

  if (len == 0)
    return g_strdup (_("the server is empty"));

  if (g_ascii_strncasecmp (server, "sip:", 4) == 0 || g_ascii_strncasecmp (server, "sips:", 5) == 0)
    return g_strdup (_("write the server as host[:port], without “sip:”"));

  for (gsize i = 0; i < len; i++)
    {
      if (!is_hostport_char (server[i]))
        {
          g_autofree char *what = describe_char (server[i]);

          return g_strdup_printf (_("%s is not allowed in a server address, which is "
                                    "host[:port] and nothing else"), what);
        }
    }

  if (server[0] == '[')
    {
      const char *close = memchr (server, ']', len);

      if (close == NULL)
        return g_strdup (_("an IPv6 address that opens with “[” must close with “]”"));

      host_len = close - server + 1;
      if (host_len < len)
        {
          if (server[host_len] != ':')
            return g_strdup (_("only “:port” may follow the “]” of an IPv6 address"));
          port = server + host_len + 1;
        }
    }
  else
    {
      const char *colon = memchr (server, ':', len);

      if (colon != NULL)
        {
          if (memchr (colon + 1, ':', len - (colon + 1 - server)) != NULL)
            return g_strdup (_("an IPv6 address must be written in brackets, "
                               "e.g. “[2001:db8::1]:5060”"));
          host_len = colon - server;
          port = colon + 1;
        }
    }

  host_reason = host_problem (server, host_len);
  if (host_reason != NULL)
    return g_steal_pointer (&host_reason);

  if (port != NULL)
    return port_problem (port, len - (port - server));

  return NULL;
}

/*
 * _sipnat_check_server:
 * @server: one registrar address, `host[:port]`
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @server is a host (see _sipnat_check_domain()) with an
 *   optional port from 1 to 65535 and nothing else; %FALSE with a
 *   %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
_sipnat_check_server (const char  *server,
                      GError     **error)
{
  g_autofree char *reason = NULL;

  g_return_val_if_fail (server != NULL, FALSE);

  reason = server_problem (server, strlen (server));
  if (reason != NULL)
    {
      g_autofree char *value = shown (server, strlen (server));

      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Invalid server “%s”: %s"), value, reason);
      return FALSE;
    }

  return TRUE;
}

static gboolean
is_blank (char c)
{
  return c == ' ' || c == '\t';
}

/*
 * _sipnat_check_server_list:
 * @servers: one or more `host[:port]` separated by commas
 * @error: return location for a #GError
 *
 * Spaces and tabs around the commas are allowed; an empty entry is not.
 *
 * Returns: %TRUE if every entry passes _sipnat_check_server(); %FALSE with
 *   a %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
_sipnat_check_server_list (const char  *servers,
                           GError     **error)
{
  const char *p;
  guint n = 0;

  g_return_val_if_fail (servers != NULL, FALSE);

  p = servers;
  do
    {
      const char *comma = strchr (p, ',');
      const char *end = comma != NULL ? comma : p + strlen (p);
      g_autofree char *entry = NULL;
      g_autofree char *reason = NULL;

      n++;
      while (p < end && is_blank (*p))
        p++;
      while (end > p && is_blank (end[-1]))
        end--;

      if (p == end)
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                       _("Invalid server list: server %u of the comma-separated list is empty"), n);
          return FALSE;
        }

      reason = server_problem (p, end - p);
      if (reason != NULL)
        {
          entry = shown (p, end - p);
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                       _("Invalid server “%s”: %s"), entry, reason);
          return FALSE;
        }

      p = comma != NULL ? comma + 1 : NULL;
    }
  while (p != NULL);

  return TRUE;
}

/* RFC 3261: unreserved = alphanum / mark; user-unreserved. */
static gboolean
is_user_char (char c)
{
  return g_ascii_isalnum (c) || strchr ("-_.!~*'()&=+$,;?/", c) != NULL;
}

static int
hex_value (char c)
{
  return g_ascii_isxdigit (c) ? g_ascii_xdigit_value (c) : -1;
}

static char *
user_problem (const char *user)
{
  if (*user == '\0')
    return g_strdup (_("it is empty"));

  for (const char *p = user; *p != '\0'; p++)
    {
      g_autofree char *what = NULL;

      if (is_user_char (*p))
        continue;

      if (*p == '%')
        {
          int high = hex_value (p[1]);
          int low = high >= 0 ? hex_value (p[2]) : -1;

          if (high < 0 || low < 0)
            return g_strdup (_("“%” must start an escape of two hexadecimal digits, such as %3A"));
          if (high < 2 || (high == 7 && low == 15))
            return g_strdup (_("an escape (%HH) of a control character is not allowed"));
          p += 2;
          continue;
        }

      if (*p == ':')
        return g_strdup (_("“:” would start a password in the SIP URI; write %3A if the "
                           "user name contains a colon"));
      if (*p == '@')
        return g_strdup (_("“@” would end the user part; set the domain with the “domain” "
                           "setting, or write %40 if the user name contains it"));

      what = describe_char (*p);
      return g_strdup_printf (_("%s is not allowed in the user part of a SIP URI; RFC 3261 "
                                "allows letters, digits, -_.!~*'()&=+$,;?/ and %%HH escapes"),
                              what);
    }

  return NULL;
}

/*
 * _sipnat_check_user:
 * @user: the user part of the address of record
 * @error: return location for a #GError
 *
 * See the top of this file for the characters a user may hold. The
 * message never repeats the value.
 *
 * Returns: %TRUE if @user may be put into a SIP URI as it is; %FALSE with
 *   a %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
_sipnat_check_user (const char  *user,
                    GError     **error)
{
  g_autofree char *reason = NULL;

  g_return_val_if_fail (user != NULL, FALSE);

  reason = user_problem (user);
  if (reason != NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, _("Invalid user: %s"), reason);
      return FALSE;
    }

  return TRUE;
}

/* A host (domain or address) checked, the error's @format naming the
 * setting: its first %s is the value as shown, its second the reason. */
static gboolean
check_host (const char  *host,
            const char  *format,
            GError     **error)
{
  g_autofree char *reason = host_problem (host, strlen (host));
  g_autofree char *value = NULL;

  if (reason == NULL)
    return TRUE;

  value = shown (host, strlen (host));
  g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, format, value, reason);
  return FALSE;
}

/*
 * _sipnat_check_domain:
 * @domain: the domain of the address of record
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @domain is a host (a DNS name, an IPv4 address or an
 *   IPv6 address in brackets) without a port; %FALSE with a
 *   %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
_sipnat_check_domain (const char  *domain,
                      GError     **error)
{
  g_return_val_if_fail (domain != NULL, FALSE);

  return check_host (domain, _("Invalid domain “%s”: %s"), error);
}

/*
 * _sipnat_check_public_address:
 * @address: the address advertised in Via and Contact
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @address is a host (a DNS name, an IPv4 address or an
 *   IPv6 address in brackets); %FALSE with a %SIPNAT_ERROR_CONFIG error
 *   otherwise
 */
gboolean
_sipnat_check_public_address (const char  *address,
                              GError     **error)
{
  g_return_val_if_fail (address != NULL, FALSE);

  return check_host (address, _("Invalid public address “%s”: %s"), error);
}

/* The problem with a text that goes into a header, or NULL. */
static char *
text_problem (const char *text)
{
  const char *end = NULL;

  if (!g_utf8_validate (text, -1, &end))
    return g_strdup (_("it is not valid UTF-8"));

  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c == '\r' || c == '\n')
        return g_strdup (_("a line break is not allowed"));
      if (g_unichar_iscntrl (c))
        return g_strdup_printf (_("a control character (U+%04X) is not allowed"), c);
    }

  return NULL;
}

/*
 * _sipnat_check_display_name:
 * @display_name: a display name
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @display_name is valid UTF-8 without line breaks or
 *   other control characters; %FALSE with a %SIPNAT_ERROR_CONFIG error
 *   otherwise
 */
gboolean
_sipnat_check_display_name (const char  *display_name,
                            GError     **error)
{
  g_autofree char *reason = NULL;

  g_return_val_if_fail (display_name != NULL, FALSE);

  reason = text_problem (display_name);
  if (reason != NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, _("Invalid display name: %s"), reason);
      return FALSE;
    }

  return TRUE;
}

/*
 * _sipnat_check_user_agent:
 * @user_agent: the User-Agent header's value
 * @error: return location for a #GError
 *
 * Returns: %TRUE if @user_agent is valid UTF-8 without line breaks or other
 *   control characters; %FALSE with a %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
_sipnat_check_user_agent (const char  *user_agent,
                          GError     **error)
{
  g_autofree char *reason = NULL;

  g_return_val_if_fail (user_agent != NULL, FALSE);

  reason = text_problem (user_agent);
  if (reason == NULL && *user_agent == '\0')
    reason = g_strdup (_("it is empty"));

  if (reason != NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG, _("Invalid user agent: %s"), reason);
      return FALSE;
    }

  return TRUE;
}

/*
 * _sipnat_check_instance_id:
 * @instance_id: the RFC 5626 instance ID, a URN
 * @error: return location for a #GError
 *
 * The instance ID goes into the Contact as `+sip.instance="<ID>"`: it may
 * hold printable ASCII except spaces, `"`, `<`, `>` and `\`.
 *
 * Returns: %TRUE if @instance_id can go there as it is; %FALSE with a
 *   %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
_sipnat_check_instance_id (const char  *instance_id,
                           GError     **error)
{
  g_return_val_if_fail (instance_id != NULL, FALSE);

  if (*instance_id == '\0')
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                           _("Invalid instance ID: it is empty"));
      return FALSE;
    }

  for (const char *p = instance_id; *p != '\0'; p++)
    {
      guchar u = (guchar) *p;

      if (u <= 0x20 || u >= 0x7f || strchr ("\"<>\\", *p) != NULL)
        {
          g_autofree char *what = describe_char (*p);

          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                       _("Invalid instance ID: %s is not allowed; write a URN such as "
                         "urn:uuid:00000000-0000-0000-0000-000000000000"), what);
          return FALSE;
        }
    }

  return TRUE;
}

/*
 * _sipnat_text_for_message:
 * @text: any bytes, nul-terminated
 *
 * Returns: (transfer full): @text as it may be shown in an error message:
 *   valid UTF-8 on one line, control characters written as `\xHH`, cut
 *   after 80 bytes
 */
char *
_sipnat_text_for_message (const char *text)
{
  g_return_val_if_fail (text != NULL, NULL);

  return shown (text, strlen (text));
}

/*
 * _sipnat_quote_display_name:
 * @display_name: a display name that passed _sipnat_check_display_name()
 *
 * Quotes a display name as an RFC 3261 quoted-string: between double
 * quotes, with `"` and `\` escaped as quoted-pairs.
 *
 * Returns: (transfer full): the quoted-string
 */
char *
_sipnat_quote_display_name (const char *display_name)
{
  GString *out;

  g_return_val_if_fail (display_name != NULL, NULL);

  out = g_string_sized_new (strlen (display_name) + 2);
  g_string_append_c (out, '"');
  for (const char *p = display_name; *p != '\0'; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (out, '\\');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');

  return g_string_free (out, FALSE);
}

static gboolean
is_param_char (char c)
{
  /* RFC 3261 §25.1 uri-parameters: paramchar, "=" and ";" */
  return g_ascii_isalnum (c) || strchr ("-_.!~*'()%[]/:&+$=;", c) != NULL;
}

static char *
params_problem (const char *params)
{
  for (const char *p = params; *p != '\0'; p++)
    {
      if (!is_param_char (*p))
        {
          g_autofree char *what = describe_char (*p);

          return g_strdup_printf (_("%s is not allowed in the parameters of a SIP URI "
                                    "(URI headers after “?” are not accepted)"), what);
        }
    }

  return NULL;
}

/* Splits `[user@]hostport[;params]` and checks each part. */
static char *
target_problem (const char  *user,
                const char  *hostport,
                char       **params)
{
  char *semicolon = strchr (hostport, ';');
  g_autofree char *host = NULL;
  char *reason;

  if (user != NULL && (reason = user_problem (user)) != NULL)
    return reason;

  host = semicolon ? g_strndup (hostport, semicolon - hostport) : g_strdup (hostport);
  *params = semicolon ? g_strdup (semicolon) : g_strdup ("");
  if ((reason = params_problem (*params)) != NULL)
    return reason;

  return server_problem (host, strlen (host));
}

/*
 * _sipnat_normalize_target_uri:
 * @uri: a `sip:`/`sips:` URI, `user@host` or a user alone
 * @default_host: the `host[:port]` of a user given alone
 * @error: return location for a #GError
 *
 * The URI a call is sent to, checked as the configured values are: a
 * user of RFC 3261 characters, a host with an optional port, URI
 * parameters; no URI headers, no password, no spaces, quotes, angle
 * brackets or line breaks.
 *
 * Returns: (transfer full) (nullable): the URI, or %NULL with a
 *   %SIPNAT_ERROR_CONFIG error
 */
char *
_sipnat_normalize_target_uri (const char  *uri,
                              const char  *default_host,
                              GError     **error)
{
  const char *scheme = "sip:";
  const char *rest = uri;
  const char *at;
  g_autofree char *user = NULL;
  g_autofree char *params = NULL;
  g_autofree char *reason = NULL;
  const char *hostport;

  if (g_ascii_strncasecmp (uri, "sips:", 5) == 0)
    scheme = "sips:", rest = uri + 5;
  else if (g_ascii_strncasecmp (uri, "sip:", 4) == 0)
    rest = uri + 4;

  at = strchr (rest, '@');
  if (at != NULL)
    {
      user = g_strndup (rest, at - rest);
      hostport = at + 1;
    }
  else if (rest == uri)
    {
      user = g_strdup (rest);
      hostport = default_host ? default_host : "";
    }
  else
    hostport = rest;

  reason = target_problem (user, hostport, &params);
  if (reason != NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Invalid call target: %s"), reason);
      return NULL;
    }

  return g_strdup_printf ("%s%s%s%.*s%s", scheme, user ? user : "", user ? "@" : "",
                          (int) strcspn (hostport, ";"), hostport, params);
}
