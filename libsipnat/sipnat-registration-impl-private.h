/* sipnat-registration-impl-private.h: what the parts of a registration
 * share
 *
 * sipnat-registration.c is the GObject: properties, state, and the order
 * in which the application hears of things; -settings.c its settings;
 * -lifecycle.c how it starts and stops (the async API, detaching);
 * -requests.c sends the REGISTERs and handles their answers: challenges,
 * failover, retry, refresh, the public binding.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-account-private.h"
#include "sipnat-binding-follower-private.h"
#include "sipnat-dns-probe-private.h"
#include "sipnat-flow-private.h"
#include "sipnat-outbox-private.h"
#include "sipnat-registration-private.h"
#include "sipnat-server-list-private.h"
#include "sipnat-stack-private.h"
#include "sipnat-util-private.h"

G_BEGIN_DECLS

struct _SipnatRegistration
{
  GObject parent_instance;

  SipnatHandleOwner owner;         /* of nh */
  SipnatEndpoint *endpoint;        /* weak */
  SipnatStack *stack;              /* NULL until attached and once detached */
  gboolean detached;
  char *name;
  guint reg_id;

  /* Settings */
  char *server;
  SipnatServerList *servers;
  SipnatTransport transport;
  char *user;
  SipnatAccount *account;
  char *display_name;
  char *domain;
  guint reg_timeout;
  guint reg_interval;
  gboolean reg_match_received_rport;
  gboolean outbound;
  SipnatNatPolicy *nat_policy;
  char *tls_ca_file;

  /* Where it stands */
  SipnatRegistrationState state;
  char *state_reason;
  guint status_code;
  char *status_phrase;
  GError *error;
  SipnatBindingFollower *follower;
  SipnatFlow *flow;
  SipnatBinding *contact_binding;  /* what our Contact advertises */
  char *contact;
  char *stale_contact;             /* to remove with expires=0 */
  gboolean bound;                  /* the registrar may hold our Contact */
  gboolean stale_sent;             /* the last REGISTER removed one */

  /* The REGISTER under way */
  nua_handle_t *nh;
  char *registrar_url;
  char *contacts_header;           /* of the last REGISTER */
  gsize request_size;              /* about */
  guint auth_rounds;
  char *auth_header;               /* our own digest, when Sofia's cannot */
  gboolean expect_no_challenge;    /* nua's 904 before it goes out */
  gboolean identity_changed;
  SipnatDnsProbe *dns_probe;       /* sipnat-dns-probe.c: is DNS silent? */
  gboolean naptr_pending;          /* the REGISTER waits for the probe */
  char *naptr_server;              /* the server entry whose NAPTR we know */
  gboolean naptr_chose;            /* and it chose naptr_transport */
  SipnatTransport naptr_transport;

  GTask *register_task;
  GTask *unregister_task;
  GPtrArray *unregister_joiners;   /* more unregister_async calls meanwhile */
  SipnatSchedulerTimer *retry_timer;   /* on retry_stack's scheduler */
  SipnatStack *retry_stack;
  gboolean register_in_flight;   /* a REGISTER of ours awaits its final answer */
  gint64 keepalive_refresh_after; /* monotonic µs: no refresh for a failed keep-alive before */
  guint keepalive_backoff_s;     /* doubles with each such refresh until a 2xx */
  GSource *apply_source;
  GSource *cancel_source;
  GSource *unregister_cancel_source;

  SipnatOutbox *outbox;
  GCancellable *tls_check;         /* GIO's look at the certificate (-tls.c) */
  gboolean tls_checked;            /* GIO accepted it since the last failure */
};

/* Every entry point runs between these (sipnat-outbox-private.h). */
static inline void
_sipnat_registration_enter (SipnatRegistration *self)
{
  _sipnat_outbox_enter (self->outbox, (GObject *) self->endpoint);
}

static inline void
_sipnat_registration_leave (SipnatRegistration *self)
{
  _sipnat_outbox_leave (self->outbox);
}

/* sipnat-registration.c */
void _sipnat_registration_clear_sources  (SipnatRegistration      *self);
void _sipnat_registration_set_state      (SipnatRegistration      *self,
                                          SipnatRegistrationState  state,
                                          const char              *reason);
void _sipnat_registration_set_status     (SipnatRegistration      *self,
                                          guint                    status,
                                          const char              *phrase);
void _sipnat_registration_set_error      (SipnatRegistration      *self,
                                          const GError            *error);
void _sipnat_registration_notify         (SipnatRegistration      *self,
                                          const char              *property);
void _sipnat_registration_queue_binding_change (SipnatRegistration  *self,
                                                SipnatBinding       *old_binding,
                                                const SipnatBinding *new_binding);
void _sipnat_registration_complete       (SipnatRegistration      *self,
                                          GTask                  **task,
                                          const GError            *error);
void _sipnat_registration_clear_source   (GSource                **source);

/* sipnat-registration-requests.c */
void _sipnat_registration_handle_event   (SipnatHandleOwner       *owner,
                                          const SipnatSipEvent    *event);
void _sipnat_registration_flow_mapped    (gpointer                 data,
                                          const char              *host,
                                          guint                    port);
void _sipnat_registration_flow_answered  (gpointer                 data,
                                          const SipnatSipEvent    *event);
void _sipnat_registration_send           (SipnatRegistration      *self);
void _sipnat_registration_drop_handle    (SipnatRegistration      *self,
                                          gboolean                 unregister);
void _sipnat_registration_stop_flow      (SipnatRegistration      *self);
gboolean _sipnat_registration_start_unregister (SipnatRegistration *self,
                                                GError            **error);
void _sipnat_registration_setting_changed (SipnatRegistration     *self,
                                           gboolean                identity);
void _sipnat_registration_apply_changes  (SipnatRegistration      *self);
const char *_sipnat_registration_active_server (SipnatRegistration *self);

/* sipnat-registration-failure.c */

/* Above this, a REGISTER over UDP may be fragmented. */
#define SIPNAT_REGISTRATION_UDP_SIZE_LIMIT 1300

void _sipnat_registration_fail           (SipnatRegistration      *self,
                                          GError                  *error);
GError *_sipnat_registration_failure_error (SipnatRegistration   *self,
                                            const SipnatSipEvent *event);
void _sipnat_registration_cancel_retry   (SipnatRegistration      *self);

/* sipnat-registration-tls.c */
gboolean _sipnat_registration_check_tls  (SipnatRegistration      *self,
                                          GError                 **error);
gboolean _sipnat_registration_explain_tls_failure (SipnatRegistration *self,
                                                   GError             *error);
gboolean _sipnat_registration_check_tls_first (SipnatRegistration *self);
void _sipnat_registration_cancel_tls_check (SipnatRegistration    *self);

G_END_DECLS
