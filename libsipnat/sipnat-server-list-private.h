/* sipnat-server-list-private.h: a registration's registrars, failover
 * between them and the delay before the next attempt
 *
 * Pure: no Sofia, no timers. Unit tested in tests/test-server-list.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "sipnat-transport.h"

G_BEGIN_DECLS

typedef struct _SipnatServerList SipnatServerList;

SipnatServerList *_sipnat_server_list_new        (const char       *servers);
void              _sipnat_server_list_free       (SipnatServerList *self);
guint             _sipnat_server_list_get_length (SipnatServerList *self);
const char       *_sipnat_server_list_get_active (SipnatServerList *self);
const char       *_sipnat_server_list_get_first  (SipnatServerList *self);
gboolean          _sipnat_server_list_fail_over  (SipnatServerList *self,
                                                  SipnatTransport   transport,
                                                  guint             reg_interval_s,
                                                  guint            *delay_ms);
void              _sipnat_server_list_succeeded  (SipnatServerList *self);
guint             _sipnat_server_list_retry_delay_ms (SipnatServerList *self,
                                                      guint             reg_interval_s);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatServerList, _sipnat_server_list_free)

G_END_DECLS
