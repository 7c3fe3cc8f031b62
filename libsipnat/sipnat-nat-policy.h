/* sipnat-nat-policy.h: the `nat` configuration section
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <glib-object.h>

#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SipnatRelayType:
 * @SIPNAT_RELAY_TYPE_UDP: TURN over UDP
 * @SIPNAT_RELAY_TYPE_TCP: TURN over TCP
 * @SIPNAT_RELAY_TYPE_TLS: TURN over TLS
 *
 * The transport used to reach the TURN server.
 */
typedef enum {
  SIPNAT_RELAY_TYPE_UDP,
  SIPNAT_RELAY_TYPE_TCP,
  SIPNAT_RELAY_TYPE_TLS,
} SipnatRelayType;

/**
 * SIPNAT_DEFAULT_STUN_PORT:
 *
 * The default port of STUN and TURN servers (RFC 8489).
 */
#define SIPNAT_DEFAULT_STUN_PORT 3478

/**
 * SIPNAT_DEFAULT_KEEPALIVE_INTERVAL:
 *
 * The default keep-alive interval in seconds: short enough to keep a NAT
 * binding with a 30 s UDP timeout open.
 */
#define SIPNAT_DEFAULT_KEEPALIVE_INTERVAL 15

#define SIPNAT_TYPE_NAT_POLICY (sipnat_nat_policy_get_type ())

SIPNAT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SipnatNatPolicy, sipnat_nat_policy, SIPNAT, NAT_POLICY, GObject)

SIPNAT_AVAILABLE_IN_ALL
SipnatNatPolicy *sipnat_nat_policy_new                  (void);
SIPNAT_AVAILABLE_IN_ALL
gboolean         sipnat_nat_policy_get_ice_enabled      (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_ice_enabled      (SipnatNatPolicy  *self,
                                                         gboolean          ice_enabled);
SIPNAT_AVAILABLE_IN_ALL
const char      *sipnat_nat_policy_get_stun_server      (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_stun_server      (SipnatNatPolicy  *self,
                                                         const char       *stun_server);
SIPNAT_AVAILABLE_IN_ALL
guint            sipnat_nat_policy_get_stun_server_port (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_stun_server_port (SipnatNatPolicy  *self,
                                                         guint             port);
SIPNAT_AVAILABLE_IN_ALL
const char      *sipnat_nat_policy_get_turn_server      (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_turn_server      (SipnatNatPolicy  *self,
                                                         const char       *turn_server);
SIPNAT_AVAILABLE_IN_ALL
guint            sipnat_nat_policy_get_turn_server_port (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_turn_server_port (SipnatNatPolicy  *self,
                                                         guint             port);
SIPNAT_AVAILABLE_IN_ALL
const char      *sipnat_nat_policy_get_turn_user_name   (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_turn_user_name   (SipnatNatPolicy  *self,
                                                         const char       *user_name);
SIPNAT_AVAILABLE_IN_ALL
const char      *sipnat_nat_policy_get_turn_password    (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_turn_password    (SipnatNatPolicy  *self,
                                                         const char       *password);
SIPNAT_AVAILABLE_IN_ALL
SipnatRelayType  sipnat_nat_policy_get_turn_relay_type  (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_turn_relay_type  (SipnatNatPolicy  *self,
                                                         SipnatRelayType   relay_type);
SIPNAT_AVAILABLE_IN_ALL
guint            sipnat_nat_policy_get_keepalive_interval (SipnatNatPolicy *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_keepalive_interval (SipnatNatPolicy *self,
                                                           guint            seconds);
SIPNAT_AVAILABLE_IN_ALL
gboolean         sipnat_nat_policy_get_force_relay      (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_force_relay      (SipnatNatPolicy  *self,
                                                         gboolean          force_relay);
SIPNAT_AVAILABLE_IN_ALL
const char      *sipnat_nat_policy_get_turn_tls_ca_file (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_turn_tls_ca_file (SipnatNatPolicy  *self,
                                                         const char       *path);
SIPNAT_AVAILABLE_IN_ALL
gboolean         sipnat_nat_policy_get_keepalive_auto   (SipnatNatPolicy  *self);
SIPNAT_AVAILABLE_IN_ALL
void             sipnat_nat_policy_set_keepalive_auto   (SipnatNatPolicy  *self,
                                                         gboolean          keepalive_auto);
SIPNAT_AVAILABLE_IN_ALL
gboolean         sipnat_nat_policy_validate             (SipnatNatPolicy  *self,
                                                         GError          **error);

G_END_DECLS
