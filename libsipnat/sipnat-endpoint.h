/* sipnat-endpoint.h: a SIP endpoint on the GLib main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sipnat-nat-policy.h"
#include "sipnat-nat-report.h"
#include "sipnat-transport.h"
#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SIPNAT_DEFAULT_TRANSACTION_TIMEOUT:
 *
 * The default SIP transaction timeout in milliseconds (64 × T1, RFC 3261).
 */
#define SIPNAT_DEFAULT_TRANSACTION_TIMEOUT 32000

/**
 * SIPNAT_DEFAULT_CLOSE_TIMEOUT:
 *
 * The default [property@Sipnat.Endpoint:close-timeout], in milliseconds.
 */
#define SIPNAT_DEFAULT_CLOSE_TIMEOUT 4000

#define SIPNAT_TYPE_ENDPOINT (sipnat_endpoint_get_type ())

SIPNAT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SipnatEndpoint, sipnat_endpoint, SIPNAT, ENDPOINT, GObject)

typedef struct _SipnatRegistration SipnatRegistration;

SIPNAT_AVAILABLE_IN_ALL
SipnatEndpoint       *sipnat_endpoint_new                     (const char           *local_address,
                                                               guint                 local_port,
                                                               GCancellable         *cancellable,
                                                               GError              **error);
SIPNAT_AVAILABLE_IN_ALL
SipnatEndpoint       *sipnat_endpoint_new_from_file           (const char           *path,
                                                               GCancellable         *cancellable,
                                                               GError              **error);
SIPNAT_AVAILABLE_IN_ALL
const char           *sipnat_endpoint_get_local_address       (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
guint                 sipnat_endpoint_get_local_port          (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatTransportFlags  sipnat_endpoint_get_transports          (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
const char           *sipnat_endpoint_get_user_agent          (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
guint                 sipnat_endpoint_get_transaction_timeout (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_set_transaction_timeout (SipnatEndpoint       *self,
                                                               guint                 timeout_ms);
SIPNAT_AVAILABLE_IN_ALL
const char           *sipnat_endpoint_get_public_address      (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_set_public_address      (SipnatEndpoint       *self,
                                                               const char           *public_address);
SIPNAT_AVAILABLE_IN_ALL
gboolean              sipnat_endpoint_get_tcp_for_large_requests (SipnatEndpoint *self);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_set_tcp_for_large_requests (SipnatEndpoint *self,
                                                                  gboolean        enabled);
SIPNAT_AVAILABLE_IN_ALL
const char           *sipnat_endpoint_get_instance_id         (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_set_instance_id         (SipnatEndpoint       *self,
                                                               const char           *instance_id);
SIPNAT_AVAILABLE_IN_ALL
guint                 sipnat_endpoint_get_close_timeout       (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_set_close_timeout       (SipnatEndpoint       *self,
                                                               guint                 timeout_ms);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatPolicy      *sipnat_endpoint_get_nat_policy          (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
GListModel           *sipnat_endpoint_get_registrations       (SipnatEndpoint       *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatRegistration   *sipnat_endpoint_add_registration        (SipnatEndpoint       *self,
                                                               const char           *server,
                                                               const char           *user);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_remove_registration     (SipnatEndpoint       *self,
                                                               SipnatRegistration   *registration);
SIPNAT_AVAILABLE_IN_ALL
gboolean              sipnat_endpoint_set_setting             (SipnatEndpoint       *self,
                                                               const char           *key,
                                                               const char           *value,
                                                               GError              **error);
SIPNAT_AVAILABLE_IN_ALL
char                 *sipnat_endpoint_get_setting             (SipnatEndpoint       *self,
                                                               const char           *key,
                                                               GError              **error);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_register_all_async      (SipnatEndpoint       *self,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
gboolean              sipnat_endpoint_register_all_finish     (SipnatEndpoint       *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_close_async             (SipnatEndpoint       *self,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
gboolean              sipnat_endpoint_close_finish            (SipnatEndpoint       *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);
SIPNAT_AVAILABLE_IN_ALL
void                  sipnat_endpoint_probe_nat_async         (SipnatEndpoint       *self,
                                                               SipnatRegistration   *registration,
                                                               SipnatNatProbeFlags   flags,
                                                               GCancellable         *cancellable,
                                                               GAsyncReadyCallback   callback,
                                                               gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatReport      *sipnat_endpoint_probe_nat_finish        (SipnatEndpoint       *self,
                                                               GAsyncResult         *result,
                                                               GError              **error);

G_END_DECLS
