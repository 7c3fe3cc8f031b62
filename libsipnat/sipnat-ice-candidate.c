/* sipnat-ice-candidate.c: checks of what a peer sends for ICE
 * (RFC 8839 a=candidate values, ufrag and pwd), without sockets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sipnat-ice-private.h"

static gboolean
is_ice_chars (const char *s,
              gsize       min,
              gsize       max)
{
  gsize n = 0;

  for (; s[n] != '\0'; n++)
    {
      if (n >= max || !(g_ascii_isalnum (s[n]) || s[n] == '+' || s[n] == '/'))
        return FALSE;
    }
  return n >= min;
}

static gboolean
is_decimal (const char *s,
            guint64     max)
{
  guint64 value;

  return g_ascii_string_to_unsigned (s, 10, 0, max, &value, NULL);
}

/* What libnice's nice_agent_parse_remote_candidate_sdp() gets: it trusts
 * its input (a missing transport or address is a critical or a crash),
 * so everything it reads is checked here first. */
char *
_sipnat_ice_candidate_check (const char *value)
{
  g_auto(GStrv) tokens = NULL;
  guint n;

  if (value == NULL || strnlen (value, SIPNAT_ICE_MAX_CANDIDATE_LENGTH + 1) >
      SIPNAT_ICE_MAX_CANDIDATE_LENGTH)
    return NULL;
  if (g_str_has_prefix (value, "a="))
    value += 2;
  if (!g_str_has_prefix (value, "candidate:") || !g_str_is_ascii (value))
    return NULL;

  tokens = g_strsplit (value + strlen ("candidate:"), " ", 0);
  n = g_strv_length (tokens);
  if (n < 8 || n % 2 != 0)
    return NULL;
  for (guint i = 0; i < n; i++)
    {
      if (tokens[i][0] == '\0' || strpbrk (tokens[i], "\t\r\n") != NULL)
        return NULL;
    }
  if (!is_ice_chars (tokens[0], 1, 32) ||
      (g_strcmp0 (tokens[1], "1") != 0 && g_strcmp0 (tokens[1], "2") != 0) ||
      g_ascii_strcasecmp (tokens[2], "udp") != 0 ||
      !is_decimal (tokens[3], G_MAXUINT32) ||
      !g_hostname_is_ip_address (tokens[4]) ||
      !is_decimal (tokens[5], G_MAXUINT16) ||
      g_strcmp0 (tokens[6], "typ") != 0)
    return NULL;

  return g_strconcat ("a=", value, NULL);
}

gboolean
_sipnat_ice_credential_is_valid (const char *value)
{
  return value != NULL && is_ice_chars (value, 1, SIPNAT_ICE_MAX_CREDENTIAL_LENGTH);
}
