/* sipnat-server-list.c: a registration's registrars, failover between
 * them and the delay before the next attempt
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-server-list-private.h"

struct _SipnatServerList
{
  char **servers;         /* `server`, split at commas */
  guint active;           /* the one in use */
  guint failovers;        /* servers tried since the last success */
  guint failures;         /* consecutive failed attempts, for back-off */
};

SipnatServerList *
_sipnat_server_list_new (const char *servers)
{
  SipnatServerList *self = g_new0 (SipnatServerList, 1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) parts = g_strsplit (servers ? servers : "", ",", -1);

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  self->servers = g_strv_builder_end (builder);

  return self;
}

void
_sipnat_server_list_free (SipnatServerList *self)
{
  if (self == NULL)
    return;

  g_strfreev (self->servers);
  g_free (self);
}

guint
_sipnat_server_list_get_length (SipnatServerList *self)
{
  return g_strv_length (self->servers);
}

const char *
_sipnat_server_list_get_active (SipnatServerList *self)
{
  return self->servers[0] != NULL ? self->servers[self->active] : NULL;
}

const char *
_sipnat_server_list_get_first (SipnatServerList *self)
{
  return self->servers[0];
}

/* The product's rule: over TCP the next server is tried at once, over
 * UDP after reg-interval seconds, and only if that is above 0. Each
 * server once per round; FALSE when the round is over. */
gboolean
_sipnat_server_list_fail_over (SipnatServerList *self,
                               SipnatTransport   transport,
                               guint             reg_interval_s,
                               guint            *delay_ms)
{
  guint n = _sipnat_server_list_get_length (self);

  if (n < 2 || self->failovers + 1 >= n ||
      (transport == SIPNAT_TRANSPORT_UDP && reg_interval_s == 0))
    {
      self->failovers = 0;
      return FALSE;
    }

  self->failovers++;
  self->active = (self->active + 1) % n;
  *delay_ms = transport == SIPNAT_TRANSPORT_UDP ? MIN (reg_interval_s, G_MAXUINT / 1000) * 1000 : 0;
  return TRUE;
}

void
_sipnat_server_list_succeeded (SipnatServerList *self)
{
  self->failovers = 0;
  self->failures = 0;
}

/* RFC 5626 §4.5: wait-time = min (max-time, base-time × 2^failures),
 * drawn between 50 % and 100 % of it. The base is reg-interval when set
 * (the product's retry period), 30 s otherwise; at most 30 minutes. */
#define DEFAULT_BASE_S 30
#define MAX_WAIT_S     1800

guint
_sipnat_server_list_retry_delay_ms (SipnatServerList *self,
                                    guint             reg_interval_s)
{
  guint64 base = reg_interval_s > 0 ? reg_interval_s : DEFAULT_BASE_S;
  guint64 wait = MIN ((guint64) MAX_WAIT_S, base << MIN (self->failures, 16u));
  guint64 ms = MAX (wait, base > MAX_WAIT_S ? base : 0) * 1000;

  self->failures++;
  return (guint) g_random_double_range (ms / 2.0, ms + 1);
}
