/* sipnat-process-sockets.c: the sockets of this process that Sofia-SIP
 * keeps to itself
 *
 * Sofia-SIP gives away none of its sockets; the STUN keep-alive needs
 * its UDP socket (sipnat-flow-stun.c) and the receive-buffer clamp its
 * connections (sipnat-stream-clamp.c). Both find them among the
 * process's descriptors (/proc/self/fd, Linux only) by type and address.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <netinet/in.h>

#include "sipnat-process-sockets-private.h"

/* Whether @fd is a socket of @type (SOCK_DGRAM, SOCK_STREAM). */
gboolean
_sipnat_socket_is_type (int fd,
                        int type)
{
  int found = 0;
  socklen_t len = sizeof found;

  return getsockopt (fd, SOL_SOCKET, SO_TYPE, &found, &len) == 0 && found == type;
}

/* Whether two IPv4 or IPv6 socket addresses have the same address and port. */
gboolean
_sipnat_sockaddr_equal (const struct sockaddr *a,
                        socklen_t              a_len,
                        const struct sockaddr *b,
                        socklen_t              b_len)
{
  if (a->sa_family != b->sa_family)
    return FALSE;

  if (a->sa_family == AF_INET && a_len >= sizeof (struct sockaddr_in) &&
      b_len >= sizeof (struct sockaddr_in))
    {
      const struct sockaddr_in *x = (const struct sockaddr_in *) a;
      const struct sockaddr_in *y = (const struct sockaddr_in *) b;

      return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
  if (a->sa_family == AF_INET6 && a_len >= sizeof (struct sockaddr_in6) &&
      b_len >= sizeof (struct sockaddr_in6))
    {
      const struct sockaddr_in6 *x = (const struct sockaddr_in6 *) a;
      const struct sockaddr_in6 *y = (const struct sockaddr_in6 *) b;

      return x->sin6_port == y->sin6_port &&
             memcmp (&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }

  return FALSE;
}

/* Calls @func with each descriptor of this process that is a socket of
 * @type, until it returns FALSE. */
void
_sipnat_process_sockets_foreach (int              type,
                                 SipnatSocketFunc func,
                                 gpointer         data)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  const char *name;

  if (dir == NULL)
    return;

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      guint64 fd;

      if (!g_ascii_string_to_unsigned (name, 10, 0, G_MAXINT, &fd, NULL) ||
          !_sipnat_socket_is_type ((int) fd, type))
        continue;
      if (!func ((int) fd, data))
        return;
    }
}
