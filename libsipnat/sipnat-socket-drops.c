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
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>

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

/* The inodes of this process's UDP sockets bound to @port: the tables
 * list every socket of the network namespace, other processes' too. */
static GHashTable *
own_socket_inodes (guint port)
{
  GHashTable *inodes = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      int fd = (int) g_ascii_strtoll (name, NULL, 10);
      struct sockaddr_storage ss;
      socklen_t len = sizeof ss;
      int type = 0;
      socklen_t type_len = sizeof type;
      struct stat st;
      guint bound = 0;

      if (fstat (fd, &st) != 0 || !S_ISSOCK (st.st_mode))
        continue;
      if (getsockopt (fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 || type != SOCK_DGRAM)
        continue;
      if (getsockname (fd, (struct sockaddr *) &ss, &len) != 0)
        continue;
      if (ss.ss_family == AF_INET)
        bound = g_ntohs (((struct sockaddr_in *) &ss)->sin_port);
      else if (ss.ss_family == AF_INET6)
        bound = g_ntohs (((struct sockaddr_in6 *) &ss)->sin6_port);
      if (bound == port)
        {
          gint64 *inode = g_new (gint64, 1);

          *inode = (gint64) st.st_ino;
          g_hash_table_add (inodes, inode);
        }
    }

  return inodes;
}

/* Adds the drops of the sockets in @inodes listed in one table. */
static gboolean
add_from_table (const char *path,
                GHashTable *inodes,
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
      gint64 inode;

      for (guint j = 0; fields[j] != NULL; j++)
        if (*fields[j] != '\0')
          g_ptr_array_add (words, fields[j]);
      /* sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout
       * inode ref pointer drops */
      if (words->len < 13)
        continue;
      inode = g_ascii_strtoll (g_ptr_array_index (words, 9), NULL, 10);
      if (!g_hash_table_contains (inodes, &inode))
        continue;
      *drops += g_ascii_strtoull (g_ptr_array_index (words, 12), NULL, 10);
    }

  return TRUE;
}

/*
 * _sipnat_socket_drops_read:
 * @port: a local UDP port of this process
 * @drops: (out): datagrams dropped at this process's sockets bound to it,
 *   IPv4 and IPv6, since they were opened
 *
 * Returns: whether a table could be read (Linux only)
 */
gboolean
_sipnat_socket_drops_read (guint    port,
                           guint64 *drops)
{
  g_autoptr(GHashTable) inodes = own_socket_inodes (port);
  gboolean v4, v6;

  *drops = 0;
  if (g_hash_table_size (inodes) == 0)
    return FALSE;
  v4 = add_from_table ("/proc/net/udp", inodes, drops);
  v6 = add_from_table ("/proc/net/udp6", inodes, drops);
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
