/* sipnat-process-sockets-private.h: the sockets of this process that
 * Sofia-SIP keeps to itself
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* Called with each socket of the asked type; FALSE stops the walk. */
typedef gboolean (*SipnatSocketFunc) (int      fd,
                                      gpointer data);

gboolean _sipnat_socket_is_type          (int                    fd,
                                          int                    type);
gboolean _sipnat_sockaddr_equal          (const struct sockaddr *a,
                                          socklen_t              a_len,
                                          const struct sockaddr *b,
                                          socklen_t              b_len);
void     _sipnat_process_sockets_foreach (int                    type,
                                          SipnatSocketFunc       func,
                                          gpointer               data);

G_END_DECLS
