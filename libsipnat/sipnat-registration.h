/* sipnat-registration.h: one registration with one registrar (a proxyN section)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <gio/gio.h>

#include "sipnat-binding.h"
#include "sipnat-call.h"
#include "sipnat-endpoint.h"
#include "sipnat-nat-policy.h"
#include "sipnat-transport.h"
#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SipnatRegistrationState:
 * @SIPNAT_REGISTRATION_STATE_NONE: nothing was attempted yet
 * @SIPNAT_REGISTRATION_STATE_STANDALONE: `reg-timeout` is 0: standalone mode, no REGISTER is sent
 * @SIPNAT_REGISTRATION_STATE_REGISTERING: a REGISTER is under way
 * @SIPNAT_REGISTRATION_STATE_REGISTERED: the registrar accepted the binding; it is refreshed before it expires
 * @SIPNAT_REGISTRATION_STATE_RETRYING: the last attempt failed; another comes after `reg-interval` seconds
 * @SIPNAT_REGISTRATION_STATE_FAILED: registration failed and is not retried
 * @SIPNAT_REGISTRATION_STATE_UNREGISTERING: the binding is being removed
 * @SIPNAT_REGISTRATION_STATE_UNREGISTERED: the binding was removed
 *
 * The life cycle of a [class@Sipnat.Registration].
 */
typedef enum {
  SIPNAT_REGISTRATION_STATE_NONE,
  SIPNAT_REGISTRATION_STATE_STANDALONE,
  SIPNAT_REGISTRATION_STATE_REGISTERING,
  SIPNAT_REGISTRATION_STATE_REGISTERED,
  SIPNAT_REGISTRATION_STATE_RETRYING,
  SIPNAT_REGISTRATION_STATE_FAILED,
  SIPNAT_REGISTRATION_STATE_UNREGISTERING,
  SIPNAT_REGISTRATION_STATE_UNREGISTERED,
} SipnatRegistrationState;

/**
 * SIPNAT_DEFAULT_REG_TIMEOUT:
 *
 * The default registration expiry in seconds: the Genesys SIP Endpoint SDK's recommended
 * 60, so that a REGISTER refresh every 30 s keeps a NAT binding open.
 */
#define SIPNAT_DEFAULT_REG_TIMEOUT 60

#define SIPNAT_TYPE_REGISTRATION (sipnat_registration_get_type ())

SIPNAT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SipnatRegistration, sipnat_registration, SIPNAT, REGISTRATION, GObject)

SIPNAT_AVAILABLE_IN_ALL
SipnatEndpoint          *sipnat_registration_get_endpoint                 (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_name                     (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_server                   (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_server                   (SipnatRegistration   *self,
                                                                           const char           *server);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_active_server            (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatTransport          sipnat_registration_get_transport                (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_transport                (SipnatRegistration   *self,
                                                                           SipnatTransport       transport);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_tls_ca_file              (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_tls_ca_file              (SipnatRegistration   *self,
                                                                           const char           *path);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_user                     (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_user                     (SipnatRegistration   *self,
                                                                           const char           *user);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_password                 (SipnatRegistration   *self,
                                                                           const char           *password);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_display_name             (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_display_name             (SipnatRegistration   *self,
                                                                           const char           *display_name);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_domain                   (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_domain                   (SipnatRegistration   *self,
                                                                           const char           *domain);
SIPNAT_AVAILABLE_IN_ALL
guint                    sipnat_registration_get_reg_timeout              (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_reg_timeout              (SipnatRegistration   *self,
                                                                           guint                 seconds);
SIPNAT_AVAILABLE_IN_ALL
guint                    sipnat_registration_get_reg_interval             (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_reg_interval             (SipnatRegistration   *self,
                                                                           guint                 seconds);
SIPNAT_AVAILABLE_IN_ALL
gboolean                 sipnat_registration_get_reg_match_received_rport (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_reg_match_received_rport (SipnatRegistration   *self,
                                                                           gboolean              match);
SIPNAT_AVAILABLE_IN_ALL
gboolean                 sipnat_registration_get_outbound                 (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_set_outbound                 (SipnatRegistration   *self,
                                                                           gboolean              outbound);
SIPNAT_AVAILABLE_IN_ALL
gboolean                 sipnat_registration_get_outbound_active          (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatNatPolicy         *sipnat_registration_get_nat_policy               (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatRegistrationState  sipnat_registration_get_state                    (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_state_reason             (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const GError            *sipnat_registration_get_error                    (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
guint                    sipnat_registration_get_status_code              (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const SipnatBinding     *sipnat_registration_get_public_binding           (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const SipnatBinding     *sipnat_registration_get_local_binding            (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
gboolean                 sipnat_registration_get_nat_detected             (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
const char              *sipnat_registration_get_contact                  (SipnatRegistration   *self);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_register_async               (SipnatRegistration   *self,
                                                                           GCancellable         *cancellable,
                                                                           GAsyncReadyCallback   callback,
                                                                           gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
gboolean                 sipnat_registration_register_finish              (SipnatRegistration   *self,
                                                                           GAsyncResult         *result,
                                                                           GError              **error);
SIPNAT_AVAILABLE_IN_ALL
void                     sipnat_registration_unregister_async             (SipnatRegistration   *self,
                                                                           GCancellable         *cancellable,
                                                                           GAsyncReadyCallback   callback,
                                                                           gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
gboolean                 sipnat_registration_unregister_finish            (SipnatRegistration   *self,
                                                                           GAsyncResult         *result,
                                                                           GError              **error);

SIPNAT_AVAILABLE_IN_ALL
SipnatCall              *sipnat_registration_create_call                  (SipnatRegistration   *self,
                                                                           const char           *uri,
                                                                           GError              **error);

G_END_DECLS
