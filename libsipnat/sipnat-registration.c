/* sipnat-registration.c: one registration with one registrar (a proxyN section)
 *
 * The GObject: properties, the async API, and the order in which the
 * application hears of things. Application code runs in our signal
 * handlers and callbacks and may drop anything there, so every entry
 * point (a nua event, a timer, a cancellable, an API call) runs inside a
 * guard: it holds the registration and its endpoint, changes all the
 * state first, and only then, as its last step, lets the property
 * notifications out, emits the signals and completes the tasks.
 *
 * How it starts and stops (register, unregister, cancel, removal) is in
 * sipnat-registration-lifecycle.c, the REGISTERs and their answers in
 * sipnat-registration-requests.c, the settings' getters and setters in
 * sipnat-registration-settings.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-debug-private.h"
#include "sipnat-enums.h"
#include "sipnat-error.h"
#include "sipnat-nat-policy-private.h"
#include "sipnat-registration-impl-private.h"

/**
 * SipnatRegistration:
 *
 * A registration of one user with one registrar: the Genesys SIP Endpoint SDK's `proxyN`
 * section. It sends REGISTER, answers digest challenges (401 and 407)
 * with its credentials, retries with the registrar's Min-Expires after a
 * 423, and refreshes the binding before it expires.
 *
 * ## The public binding
 *
 * Every REGISTER response tells where the registrar saw the request come
 * from: the `received` and `rport` parameters of the top Via (RFC 3581).
 * That is the endpoint's public binding, available as
 * [property@Sipnat.Registration:public-binding]; whenever its address or
 * port changes, [signal@Sipnat.Registration::public-binding-changed] is
 * emitted, the first time too. [property@Sipnat.Registration:nat-detected]
 * tells whether it differs from the local address.
 *
 * With [property@Sipnat.Registration:reg-match-received-rport] set, a
 * Contact that differs from the public binding (address or port) is
 * replaced at once: a new REGISTER carries the public Contact and removes
 * the stale one with `expires=0`. Without it the Contact is never
 * rewritten.
 *
 * ## Standalone mode
 *
 * A [property@Sipnat.Registration:reg-timeout] of 0 means standalone
 * mode: nothing is sent, and the state is
 * %SIPNAT_REGISTRATION_STATE_STANDALONE.
 *
 * ## Safe to drop from any handler
 *
 * Signal handlers and callbacks may drop the last reference to the
 * endpoint, remove the registration or close the endpoint: the
 * registration finishes its own step first and tells the application
 * last, the property notifications before the signals and the callbacks.
 */

G_DEFINE_FINAL_TYPE (SipnatRegistration, sipnat_registration, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENDPOINT,
  PROP_NAME,
  PROP_SERVER,
  PROP_ACTIVE_SERVER,
  PROP_TRANSPORT,
  PROP_TLS_CA_FILE,
  PROP_USER,
  PROP_PASSWORD,
  PROP_DISPLAY_NAME,
  PROP_DOMAIN,
  PROP_REG_TIMEOUT,
  PROP_REG_INTERVAL,
  PROP_REG_MATCH_RECEIVED_RPORT,
  PROP_OUTBOUND,
  PROP_OUTBOUND_ACTIVE,
  PROP_NAT_POLICY,
  PROP_STATE,
  PROP_STATE_REASON,
  PROP_STATUS_CODE,
  PROP_ERROR,
  PROP_PUBLIC_BINDING,
  PROP_LOCAL_BINDING,
  PROP_NAT_DETECTED,
  PROP_CONTACT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum {
  SIGNAL_PUBLIC_BINDING_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------- */
/* What the application hears of, once the step is done                   */

typedef struct {
  SipnatBinding *old_binding;
  SipnatBinding *new_binding;
} BindingChange;

static void
binding_change_free (gpointer data)
{
  BindingChange *change = data;

  sipnat_binding_free (change->old_binding);
  sipnat_binding_free (change->new_binding);
  g_free (change);
}

static void
emit_binding_change (GObject  *instance,
                     gpointer  data)
{
  BindingChange *change = data;

  g_signal_emit (instance, signals[SIGNAL_PUBLIC_BINDING_CHANGED], 0,
                 change->old_binding, change->new_binding);
}

void
_sipnat_registration_queue_binding_change (SipnatRegistration  *self,
                                           SipnatBinding       *old_binding,
                                           const SipnatBinding *new_binding)
{
  BindingChange *change = g_new0 (BindingChange, 1);

  change->old_binding = old_binding;
  change->new_binding = sipnat_binding_copy (new_binding);
  _sipnat_outbox_add_emission (self->outbox, emit_binding_change, change, binding_change_free);
}

/* Completes a pending operation, if any, once the step is done. */
void
_sipnat_registration_complete (SipnatRegistration  *self,
                               GTask              **task,
                               const GError        *error)
{
  if (*task == NULL)
    return;

  if (task == &self->register_task)
    _sipnat_clear_source (&self->cancel_source);
  else
    _sipnat_clear_source (&self->unregister_cancel_source);

  _sipnat_outbox_add_task (self->outbox, task, error);

  /* Those that joined the unregistration under way end with it. */
  while (task == &self->unregister_task && self->unregister_joiners->len > 0)
    {
      GTask *joiner = g_ptr_array_steal_index (self->unregister_joiners, 0);

      _sipnat_outbox_add_task (self->outbox, &joiner, error);
    }
}

/* ---------------------------------------------------------------------- */
/* State                                                                  */

void
_sipnat_registration_notify (SipnatRegistration *self,
                             const char         *property)
{
  g_object_notify (G_OBJECT (self), property);
}

void
_sipnat_registration_set_state (SipnatRegistration      *self,
                                SipnatRegistrationState  state,
                                const char              *reason)
{
  g_autofree char *status = NULL;

  /* Registered and unregistered say by which answer. */
  if (reason == NULL && self->status_code != 0 &&
      (state == SIPNAT_REGISTRATION_STATE_REGISTERED ||
       state == SIPNAT_REGISTRATION_STATE_UNREGISTERED))
    reason = status = g_strdup_printf ("%u %s", self->status_code, self->status_phrase);

  if (g_strcmp0 (self->state_reason, reason) != 0)
    {
      g_free (self->state_reason);
      self->state_reason = g_strdup (reason);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_REASON]);
    }

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
}

void
_sipnat_registration_set_status (SipnatRegistration *self,
                                 guint               status,
                                 const char         *phrase)
{
  g_free (self->status_phrase);
  self->status_phrase = g_strdup (phrase ? phrase : "");

  if (self->status_code == status)
    return;

  self->status_code = status;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATUS_CODE]);
}

void
_sipnat_registration_set_error (SipnatRegistration *self,
                                const GError       *error)
{
  if (self->error == NULL && error == NULL)
    return;

  g_clear_error (&self->error);
  self->error = error ? g_error_copy (error) : NULL;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ERROR]);
}

void
_sipnat_registration_clear_sources (SipnatRegistration *self)
{
  _sipnat_registration_cancel_retry (self);
  _sipnat_clear_source (&self->cancel_source);
  _sipnat_clear_source (&self->apply_source);
  _sipnat_clear_source (&self->unregister_cancel_source);
  g_clear_pointer (&self->dns_probe, _sipnat_dns_probe_free);
  g_clear_pointer (&self->naptr_server, g_free);
}

static void
keepalive_interval_changed (SipnatNatPolicy *policy,
                            gpointer         data)
{
  SipnatRegistration *self = data;

  if (self->flow != NULL)
    _sipnat_flow_set_interval (self->flow, sipnat_nat_policy_get_keepalive_interval (policy));
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
sipnat_registration_dispose (GObject *object)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  _sipnat_registration_clear_sources (self);
  _sipnat_registration_drop_handle (self, FALSE);
  g_clear_pointer (&self->flow, _sipnat_flow_free);
  g_clear_pointer (&self->stack, _sipnat_stack_unref);

  if (self->endpoint != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->endpoint), (gpointer *) &self->endpoint);
  self->endpoint = NULL;

  if (self->nat_policy != NULL)
    _sipnat_nat_policy_set_keepalive_watch (self->nat_policy, NULL, NULL);
  g_clear_object (&self->nat_policy);
  _sipnat_registration_cancel_tls_check (self);

  G_OBJECT_CLASS (sipnat_registration_parent_class)->dispose (object);
}

static void
sipnat_registration_finalize (GObject *object)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  g_free (self->name);
  g_free (self->server);
  _sipnat_server_list_free (self->servers);
  g_free (self->user);
  _sipnat_account_unref (self->account);
  g_free (self->display_name);
  g_free (self->domain);
  g_free (self->tls_ca_file);
  g_free (self->state_reason);
  g_free (self->status_phrase);
  g_clear_error (&self->error);
  _sipnat_binding_follower_free (self->follower);
  sipnat_binding_free (self->contact_binding);
  g_free (self->contact);
  g_free (self->stale_contact);
  g_free (self->registrar_url);
  g_free (self->contacts_header);
  g_free (self->auth_header);
  _sipnat_outbox_free (self->outbox);
  g_ptr_array_unref (self->unregister_joiners);

  G_OBJECT_CLASS (sipnat_registration_parent_class)->finalize (object);
}

static void
sipnat_registration_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  switch (prop_id)
    {
    case PROP_ENDPOINT:
      g_value_set_object (value, self->endpoint);
      break;
    case PROP_NAME:
      g_value_set_string (value, self->name);
      break;
    case PROP_SERVER:
      g_value_set_string (value, self->server);
      break;
    case PROP_ACTIVE_SERVER:
      g_value_set_string (value, _sipnat_server_list_get_active (self->servers));
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
      break;
    case PROP_TLS_CA_FILE:
      g_value_set_string (value, self->tls_ca_file);
      break;
    case PROP_USER:
      g_value_set_string (value, self->user);
      break;
    case PROP_DISPLAY_NAME:
      g_value_set_string (value, self->display_name);
      break;
    case PROP_DOMAIN:
      g_value_set_string (value, self->domain);
      break;
    case PROP_REG_TIMEOUT:
      g_value_set_uint (value, self->reg_timeout);
      break;
    case PROP_REG_INTERVAL:
      g_value_set_uint (value, self->reg_interval);
      break;
    case PROP_REG_MATCH_RECEIVED_RPORT:
      g_value_set_boolean (value, self->reg_match_received_rport);
      break;
    case PROP_OUTBOUND:
      g_value_set_boolean (value, self->outbound);
      break;
    case PROP_OUTBOUND_ACTIVE:
      g_value_set_boolean (value, sipnat_registration_get_outbound_active (self));
      break;
    case PROP_NAT_POLICY:
      g_value_set_object (value, self->nat_policy);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_REASON:
      g_value_set_string (value, self->state_reason);
      break;
    case PROP_STATUS_CODE:
      g_value_set_uint (value, self->status_code);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_PUBLIC_BINDING:
      g_value_set_boxed (value, _sipnat_binding_follower_get_public (self->follower));
      break;
    case PROP_LOCAL_BINDING:
      g_value_set_boxed (value, _sipnat_binding_follower_get_local (self->follower));
      break;
    case PROP_NAT_DETECTED:
      g_value_set_boolean (value, _sipnat_binding_follower_get_nat_detected (self->follower));
      break;
    case PROP_CONTACT:
      g_value_set_string (value, self->contact);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sipnat_registration_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  switch (prop_id)
    {
    case PROP_SERVER:
      sipnat_registration_set_server (self, g_value_get_string (value));
      break;
    case PROP_TRANSPORT:
      sipnat_registration_set_transport (self, g_value_get_enum (value));
      break;
    case PROP_TLS_CA_FILE:
      sipnat_registration_set_tls_ca_file (self, g_value_get_string (value));
      break;
    case PROP_USER:
      sipnat_registration_set_user (self, g_value_get_string (value));
      break;
    case PROP_PASSWORD:
      sipnat_registration_set_password (self, g_value_get_string (value));
      break;
    case PROP_DISPLAY_NAME:
      sipnat_registration_set_display_name (self, g_value_get_string (value));
      break;
    case PROP_DOMAIN:
      sipnat_registration_set_domain (self, g_value_get_string (value));
      break;
    case PROP_REG_TIMEOUT:
      sipnat_registration_set_reg_timeout (self, g_value_get_uint (value));
      break;
    case PROP_REG_INTERVAL:
      sipnat_registration_set_reg_interval (self, g_value_get_uint (value));
      break;
    case PROP_REG_MATCH_RECEIVED_RPORT:
      sipnat_registration_set_reg_match_received_rport (self, g_value_get_boolean (value));
      break;
    case PROP_OUTBOUND:
      sipnat_registration_set_outbound (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
string_param (const char *name,
              GParamFlags extra)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY | extra);
}

static void
sipnat_registration_class_init (SipnatRegistrationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = sipnat_registration_dispose;
  object_class->finalize = sipnat_registration_finalize;
  object_class->get_property = sipnat_registration_get_property;
  object_class->set_property = sipnat_registration_set_property;

  /**
   * SipnatRegistration:endpoint:
   *
   * The endpoint this registration belongs to; it owns the registration.
   */
  props[PROP_ENDPOINT] =
    g_param_spec_object ("endpoint", NULL, NULL, SIPNAT_TYPE_ENDPOINT,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatRegistration:name:
   *
   * The name of the registration's configuration section, e.g. "proxy0";
   * for one added by [method@Sipnat.Endpoint.add_registration], "proxyN"
   * with N never used before on that endpoint (nor is its SIP outbound
   * reg-id), so that names and flows stay unique after removals.
   */
  props[PROP_NAME] =
    string_param ("name", G_PARAM_READABLE);

  /**
   * SipnatRegistration:server:
   *
   * The registrar, as `host[:port]` (`server`); or several, separated by
   * commas, to fail over between when one does not answer, cannot be
   * reached or fails: over TCP the next is tried at once, over UDP after
   * [property@Sipnat.Registration:reg-interval] seconds (and not at all if
   * that is 0), as in the Genesys SIP Endpoint SDK. The address of record's domain is the
   * first server's host unless [property@Sipnat.Registration:domain] is
   * set.
   */
  props[PROP_SERVER] = string_param ("server", G_PARAM_READWRITE);

  /**
   * SipnatRegistration:active-server:
   *
   * The server in use, one of [property@Sipnat.Registration:server].
   */
  props[PROP_ACTIVE_SERVER] = string_param ("active-server", G_PARAM_READABLE);

  /**
   * SipnatRegistration:transport:
   *
   * The transport to the registrar (`transport`); UDP by default.
   */
  props[PROP_TRANSPORT] =
    g_param_spec_enum ("transport", NULL, NULL, SIPNAT_TYPE_TRANSPORT,
                       SIPNAT_TRANSPORT_UDP, rw);

  /**
   * SipnatRegistration:tls-ca-file:
   *
   * A PEM file of certificate authorities to trust for the registrar's
   * TLS certificate besides the system's (`tls_ca_file`), for a private
   * CA; %NULL for the system's only. Used when
   * [property@Sipnat.Registration:transport] is TLS. Sofia keeps one
   * TLS context per endpoint: once added, these CAs are trusted for every
   * TLS registration of the endpoint, whose certificates must still name
   * their own registrar.
   */
  props[PROP_TLS_CA_FILE] = string_param ("tls-ca-file", G_PARAM_READWRITE);

  /**
   * SipnatRegistration:user:
   *
   * The user part of the address of record (`user`), also the
   * authentication user name.
   */
  props[PROP_USER] = string_param ("user", G_PARAM_READWRITE);

  /**
   * SipnatRegistration:password:
   *
   * The password for digest authentication (`password`). Write-only,
   * and never logged.
   */
  props[PROP_PASSWORD] = string_param ("password", G_PARAM_WRITABLE);

  /**
   * SipnatRegistration:display-name:
   *
   * The display name in the From header (`display_name`).
   */
  props[PROP_DISPLAY_NAME] = string_param ("display-name", G_PARAM_READWRITE);

  /**
   * SipnatRegistration:domain:
   *
   * The domain of the address of record; the server's host when %NULL.
   */
  props[PROP_DOMAIN] = string_param ("domain", G_PARAM_READWRITE);

  /**
   * SipnatRegistration:reg-timeout:
   *
   * The registration expiry in seconds (`reg_timeout`). 0 means
   * standalone mode: no REGISTER at all. Behind a NAT over UDP it should
   * be at most twice the NAT's binding timeout; the default, 60, makes
   * the refresh come every 30 s or so.
   */
  props[PROP_REG_TIMEOUT] =
    g_param_spec_uint ("reg-timeout", NULL, NULL, 0, G_MAXINT32,
                       SIPNAT_DEFAULT_REG_TIMEOUT, rw);

  /**
   * SipnatRegistration:reg-interval:
   *
   * Seconds before a failed registration is tried again, or moved on to
   * the next server over UDP (`reg_interval`). Retries back off (RFC 5626
   * §4.5): each waits between half and all of this base times 2 to the
   * number of failures in a row, at most 30 minutes. With 0 (the default)
   * the base is 30 s and UDP does not fail over. Failures a wait cannot
   * mend (credentials, configuration, a 4xx other than 408, 429 and 480)
   * are never retried.
   */
  props[PROP_REG_INTERVAL] =
    g_param_spec_uint ("reg-interval", NULL, NULL, 0, G_MAXINT32, 0, rw);

  /**
   * SipnatRegistration:reg-match-received-rport:
   *
   * Whether to replace the Contact by the public binding when the
   * registrar's `received`/`rport` differ from it
   * (`reg_match_received_rport`). Off by default: then the Contact is
   * never rewritten.
   */
  props[PROP_REG_MATCH_RECEIVED_RPORT] =
    g_param_spec_boolean ("reg-match-received-rport", NULL, NULL, FALSE, rw);

  /**
   * SipnatRegistration:outbound:
   *
   * Whether to ask for SIP outbound (RFC 5626): the Contact carries the
   * endpoint's `+sip.instance` and a `reg-id`, and the REGISTER says
   * `Supported: outbound` (`outbound`). On by default; registrars without
   * outbound ignore it.
   */
  props[PROP_OUTBOUND] =
    g_param_spec_boolean ("outbound", NULL, NULL, TRUE, rw);

  /**
   * SipnatRegistration:outbound-active:
   *
   * Whether the registrar does outbound for this registration (its 2xx
   * said `Require: outbound`); its `Flow-Timer`, if any, then sets the
   * keep-alive period.
   */
  props[PROP_OUTBOUND_ACTIVE] =
    g_param_spec_boolean ("outbound-active", NULL, NULL, FALSE, ro);

  /**
   * SipnatRegistration:nat-policy:
   *
   * The registration's NAT policy: the `proxyN.nat` section.
   */
  props[PROP_NAT_POLICY] =
    g_param_spec_object ("nat-policy", NULL, NULL, SIPNAT_TYPE_NAT_POLICY,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatRegistration:state:
   *
   * Where the registration is in its life cycle.
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SIPNAT_TYPE_REGISTRATION_STATE,
                       SIPNAT_REGISTRATION_STATE_NONE, ro);

  /**
   * SipnatRegistration:state-reason:
   *
   * Why the state is what it is: the SIP status and phrase of the last
   * response (e.g. "200 OK"), or an error message.
   */
  props[PROP_STATE_REASON] = string_param ("state-reason", G_PARAM_READABLE);

  /**
   * SipnatRegistration:status-code:
   *
   * The SIP status of the last final answer to a REGISTER, as the
   * registrar sent it or as the SIP stack made it up when nothing came
   * back (408, 503); 0 before the first.
   */
  props[PROP_STATUS_CODE] =
    g_param_spec_uint ("status-code", NULL, NULL, 0, 699, 0, ro);

  /**
   * SipnatRegistration:error:
   *
   * Why the last attempt failed, or %NULL while it did not.
   */
  props[PROP_ERROR] =
    g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);

  /**
   * SipnatRegistration:public-binding:
   *
   * Where the registrar last saw this endpoint (`received`/`rport`), or
   * %NULL before the first response.
   */
  props[PROP_PUBLIC_BINDING] =
    g_param_spec_boxed ("public-binding", NULL, NULL, SIPNAT_TYPE_BINDING, ro);

  /**
   * SipnatRegistration:local-binding:
   *
   * The local address requests are sent from (the Via sent-by), or %NULL
   * before the first response.
   */
  props[PROP_LOCAL_BINDING] =
    g_param_spec_boxed ("local-binding", NULL, NULL, SIPNAT_TYPE_BINDING, ro);

  /**
   * SipnatRegistration:nat-detected:
   *
   * Whether the public binding differs from the local one: a NAT is on
   * the path to the registrar.
   */
  props[PROP_NAT_DETECTED] =
    g_param_spec_boolean ("nat-detected", NULL, NULL, FALSE, ro);

  /**
   * SipnatRegistration:contact:
   *
   * The Contact URI registered (or being registered), or %NULL.
   */
  props[PROP_CONTACT] = string_param ("contact", G_PARAM_READABLE);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * SipnatRegistration::public-binding-changed:
   * @self: the registration
   * @old_binding: (nullable): the previous public binding, %NULL the first time
   * @new_binding: the new public binding
   *
   * Emitted when the address or the port at which the registrar sees this
   * endpoint changes, and when it is first learned. After a NAT rebinding
   * this is how the application hears of it.
   */
  signals[SIGNAL_PUBLIC_BINDING_CHANGED] =
    g_signal_new ("public-binding-changed",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2,
                  SIPNAT_TYPE_BINDING | G_SIGNAL_TYPE_STATIC_SCOPE,
                  SIPNAT_TYPE_BINDING | G_SIGNAL_TYPE_STATIC_SCOPE);
}

static void
sipnat_registration_init (SipnatRegistration *self)
{
  self->owner.handle_event = _sipnat_registration_handle_event;
  self->reg_timeout = SIPNAT_DEFAULT_REG_TIMEOUT;
  self->transport = SIPNAT_TRANSPORT_UDP;
  self->outbound = TRUE;
  self->servers = _sipnat_server_list_new (NULL);
  self->account = _sipnat_account_new ();
  self->follower = _sipnat_binding_follower_new (NULL);
  self->outbox = _sipnat_outbox_new (G_OBJECT (self));
  self->unregister_joiners = g_ptr_array_new_with_free_func (g_object_unref);
  self->nat_policy = sipnat_nat_policy_new ();
  _sipnat_nat_policy_set_keepalive_watch (self->nat_policy, keepalive_interval_changed, self);
}

