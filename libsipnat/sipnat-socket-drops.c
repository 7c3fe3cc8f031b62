/* sipnat-socket-drops.c: datagrams the kernel dropped at the stack's UDP
 * socket, in the debug output
 *
 * A receive queue that overflows (a keep-alive round answered faster than
 * the loop reads) loses datagrams without a word: Sofia reads its socket
 * with recvmsg() and no SO_RXQ_OVFL. The kernel counts them anyway, in
 * the last column ("drops") of /proc/net/udp and /proc/net/udp6, per
 * socket. With SIPNAT_DEBUG=sip or nat, the stack's socket is looked at
 * every second and a growing count is noted ("[SIP] UDP port 5060: 12
 * datagrams dropped, 12 in all").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sipnat-debug-private.h"
#include "sipnat-socket-drops-private.h"

#define CHECK_INTERVAL_MS 1000
#define MAX_TABLE_SIZE    (8 * 1024 * 1024)

struct _SipnatSocketDrops
{
  SipnatScheduler *scheduler;
  SipnatSchedulerTimer *timer;
  guint port;
  guint64 last;
};

/* Adds the drops of the sockets bound to @port in one table. */
static gboolean
add_from_table (const char *path,
                guint       port,
                guint64    *drops)
{
  g_autofree char *table = NULL;
  gsize len = 0;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents (path, &table, &len, NULL) || len > MAX_TABLE_SIZE)
    return FALSE;

  lines = g_strsplit (table, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)   /* line 0: the header */
    {
      g_auto(GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
      g_autoptr(GPtrArray) words = g_ptr_array_new ();
      const char *colon;

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);
      /* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
       * inode ref pointer drops */
      if (words->len < 13)
        continue;
      colon = strrchr (g_ptr_array_index (words, 1), ':');
      if (colon == NULL || g_ascii_strtoull (colon + 1, NULL, 16) != port)
        continue;
      *drops += g_ascii_strtoull (g_ptr_array_index (words, 12), NULL, 10);
    }

  return TRUE;
}

/*
 * _sipnat_socket_drops_read:
 * @port: a local UDP port of this process
 * @drops: (out): datagrams dropped at the sockets bound to it, IPv4 and
 *   IPv6, since they were opened
 *
 * Returns: whether a table could be read (Linux only)
 */
gboolean
_sipnat_socket_drops_read (guint    port,
                           guint64 *drops)
{
  gboolean v4, v6;

  *drops = 0;
  v4 = add_from_table ("/proc/net/udp", port, drops);
  v6 = add_from_table ("/proc/net/udp6", port, drops);
  return v4 || v6;
}

static void
check_cb (gpointer data)
{
  SipnatSocketDrops *self = data;
  guint64 drops = 0;

  self->timer = NULL;   /* the scheduler is done with it */
  if (_sipnat_socket_drops_read (self->port, &drops) && drops != self->last)
    {
      SIPNAT_NOTE (SIP, "UDP port %u: %" G_GUINT64_FORMAT " datagrams dropped, %"
                   G_GUINT64_FORMAT " in all", self->port, drops - self->last, drops);
      SIPNAT_NOTE (NAT, "UDP port %u: %" G_GUINT64_FORMAT " datagrams dropped, %"
                   G_GUINT64_FORMAT " in all", self->port, drops - self->last, drops);
      self->last = drops;
    }
  self->timer = _sipnat_scheduler_add (self->scheduler, CHECK_INTERVAL_MS, check_cb, self);
}

/*
 * _sipnat_socket_drops_new:
 *
 * Watches the UDP sockets bound to @port while SIPNAT_DEBUG has sip or
 * nat on; NULL (nothing to do) otherwise.
 */
SipnatSocketDrops *
_sipnat_socket_drops_new (SipnatScheduler *scheduler,
                          guint            port)
{
  SipnatSocketDrops *self;

  if (port == 0 || !(SIPNAT_NOTE_ENABLED (SIP) || SIPNAT_NOTE_ENABLED (NAT)))
    return NULL;

  self = g_new0 (SipnatSocketDrops, 1);
  self->scheduler = scheduler;
  self->port = port;
  _sipnat_socket_drops_read (port, &self->last);
  self->timer = _sipnat_scheduler_add (scheduler, CHECK_INTERVAL_MS, check_cb, self);
  return self;
}

void
_sipnat_socket_drops_free (SipnatSocketDrops *self)
{
  guint64 drops = 0;

  if (self == NULL)
    return;

  if (_sipnat_socket_drops_read (self->port, &drops))
    SIPNAT_NOTE (SIP, "UDP port %u: %" G_GUINT64_FORMAT " datagrams dropped in all",
                 self->port, drops);
  _sipnat_scheduler_clear (self->scheduler, &self->timer);
  g_free (self);
}
