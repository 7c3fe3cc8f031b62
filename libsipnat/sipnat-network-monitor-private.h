/* sipnat-network-monitor-private.h: noticing that the network under an
 * endpoint changed
 *
 * GNetworkMonitor says "something changed" often (every route change,
 * several netlink messages per move); this module waits for a burst to
 * settle, then compares what matters to SIP before and after: the local
 * addresses, the address each destination (a registrar) is reached from,
 * and whether the network is available at all. Only a real difference
 * reaches the owner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SipnatNetworkMonitor SipnatNetworkMonitor;

/* The network changed; @available is FALSE when there is no route out.
 * Called last: the owner may free the monitor in it. */
typedef void    (*SipnatNetworkChangedFunc)  (gpointer data,
                                              gboolean available);
/* The hosts (IP address literals; others are ignored) whose route
 * matters, as a new NULL-terminated array. */
typedef char ** (*SipnatNetworkDestinationsFunc) (gpointer data);

/* How long a burst of events must be quiet before the comparison, and
 * the longest a flapping network may delay it. */
#define SIPNAT_NETWORK_DEBOUNCE_MS 200
#define SIPNAT_NETWORK_MAX_DELAY_MS 1000

SipnatNetworkMonitor *_sipnat_network_monitor_new     (GMainContext                  *context,
                                                       SipnatNetworkChangedFunc       changed,
                                                       SipnatNetworkDestinationsFunc  destinations,
                                                       gpointer                       data);
void      _sipnat_network_monitor_free          (SipnatNetworkMonitor *self);
gboolean  _sipnat_network_monitor_get_available (SipnatNetworkMonitor *self);
void      _sipnat_network_monitor_kick          (SipnatNetworkMonitor *self);
char     *_sipnat_network_monitor_dup_route_source (SipnatNetworkMonitor *self,
                                                    const char           *destination);
gboolean  _sipnat_network_monitor_is_pending    (SipnatNetworkMonitor *self);
char    **_sipnat_network_monitor_dup_addresses (SipnatNetworkMonitor *self);

/* For tests, on the monitor's context: from now on the monitor sees
 * @addresses and @available instead of the system's (routes: each
 * destination from the first address), and an event comes in as from
 * GNetworkMonitor. */
void      _sipnat_network_monitor_inject        (SipnatNetworkMonitor *self,
                                                 const char * const   *addresses,
                                                 gboolean              available);

/* Pure helpers */
char    **_sipnat_network_list_addresses        (void);
char     *_sipnat_network_route_source          (const char           *destination);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatNetworkMonitor, _sipnat_network_monitor_free)

G_END_DECLS
