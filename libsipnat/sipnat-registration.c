/* sipnat-registration.c: one registration with one registrar (a proxyN section)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-binding-tracker-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-endpoint-private.h"
#include "sipnat-keepalive-private.h"
#include "sipnat-enums.h"
#include "sipnat-error-private.h"
#include "sipnat-registration-private.h"
#include "sipnat-util-private.h"
#include "sipnat-via-private.h"

/**
 * SipnatRegistration:
 *
 * A registration of one user with one registrar: the product's `proxyN`
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
 */

struct _SipnatRegistration
{
  GObject parent_instance;

  SipnatEndpoint *endpoint;     /* weak */
  char *name;

  char *server;
  char **servers;                  /* server, split at commas */
  guint server_index;              /* the one in use */
  guint failovers;                 /* servers tried since the last success */
  SipnatTransport transport;
  char *user;
  char *password;
  char *display_name;
  char *domain;
  guint reg_timeout;
  guint reg_interval;
  gboolean reg_match_received_rport;
  gboolean outbound;
  guint reg_id;
  SipnatNatPolicy *nat_policy;

  SipnatRegistrationState state;
  char *state_reason;
  GError *error;

  SipnatBinding *public_binding;
  SipnatBinding *local_binding;
  gboolean nat_detected;
  gboolean outbound_active;
  guint flow_timer;                /* seconds, from the registrar; 0 if none */

  SipnatBinding *contact_binding;  /* what our Contact advertises */
  char *contact;
  char *stale_contact;             /* to remove with expires=0 */

  nua_handle_t *nh;
  gsize request_size;              /* about, of the last REGISTER */
  SipnatKeepalive *keepalive;
  SipnatBindingTracker *tracker;
  gboolean auth_sent;
  gboolean identity_changed;

  GTask *register_task;
  GTask *unregister_task;
  GSource *retry_source;
  GSource *apply_source;
  GSource *cancel_source;
};

G_DEFINE_FINAL_TYPE (SipnatRegistration, sipnat_registration, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ENDPOINT,
  PROP_NAME,
  PROP_SERVER,
  PROP_ACTIVE_SERVER,
  PROP_TRANSPORT,
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

#define NUA_OUTBOUND_OFF "no-natify no-validate no-options-keepalive use-rport"

static void send_register (SipnatRegistration *self);

/* ---------------------------------------------------------------------- */
/* State                                                                  */

static void
set_state (SipnatRegistration      *self,
           SipnatRegistrationState  state,
           const char              *reason)
{
  gboolean reason_changed = _sipnat_set_str (&self->state_reason, reason);

  g_object_freeze_notify (G_OBJECT (self));

  if (self->state != state)
    {
      self->state = state;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
  if (reason_changed)
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE_REASON]);

  g_object_thaw_notify (G_OBJECT (self));
}

static void
set_status_state (SipnatRegistration      *self,
                  SipnatRegistrationState  state,
                  int                      status,
                  const char              *phrase)
{
  g_autofree char *reason = g_strdup_printf ("%d %s", status, phrase ? phrase : "");

  set_state (self, state, reason);
}

static void
clear_source (GSource **source)
{
  if (*source != NULL)
    g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

static void
clear_sources (SipnatRegistration *self)
{
  clear_source (&self->retry_source);
  clear_source (&self->cancel_source);
}

/* Completes a pending operation, if any. */
static void
complete_task (GTask        **pending,
               const GError  *error)
{
  g_autoptr(GTask) task = g_steal_pointer (pending);

  if (task == NULL)
    return;

  if (error != NULL)
    g_task_return_error (task, g_error_copy (error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
complete_register (SipnatRegistration *self,
                   const GError       *error)
{
  clear_source (&self->cancel_source);
  complete_task (&self->register_task, error);
}

static void
complete_unregister (SipnatRegistration *self,
                     const GError       *error)
{
  complete_task (&self->unregister_task, error);
}

/* Stops using the current nua handle. A handle with a registration on it
 * is unbound and unregistered; the endpoint destroys it when the answer
 * comes. */
static void
drop_handle (SipnatRegistration *self,
             gboolean            unregister)
{
  nua_handle_t *nh = g_steal_pointer (&self->nh);

  if (nh == NULL)
    return;

  nua_handle_bind (nh, NULL);
  if (unregister)
    nua_unregister (nh, TAG_END ());
  else
    nua_handle_destroy (nh);
}

static void
stop_keepalive (SipnatRegistration *self)
{
  if (self->keepalive != NULL)
    _sipnat_keepalive_stop (self->keepalive);
  if (self->tracker != NULL)
    _sipnat_binding_tracker_reset (self->tracker);
  if (self->transport != SIPNAT_TRANSPORT_UDP && self->endpoint != NULL)
    _sipnat_endpoint_update_stream_keepalive (self->endpoint);
}

/* ---------------------------------------------------------------------- */
/* Building the request                                                   */

static char *
server_host (const char *server)
{
  const char *colon;

  if (server[0] == '[')
    {
      const char *end = strchr (server, ']');
      return end ? g_strndup (server, end - server + 1) : g_strdup (server);
    }

  colon = strchr (server, ':');
  return colon ? g_strndup (server, colon - server) : g_strdup (server);
}

static const char *
active_server (SipnatRegistration *self)
{
  if (self->servers == NULL || self->servers[0] == NULL)
    return NULL;

  return self->servers[self->server_index];
}

/* The address of record stays the same on every server: its domain is
 * the first server's host unless configured. */
static char *
build_aor (SipnatRegistration *self)
{
  g_autofree char *host = NULL;

  if (self->domain != NULL)
    return g_strdup_printf ("sip:%s@%s", self->user, self->domain);

  host = server_host (self->servers[0]);
  return g_strdup_printf ("sip:%s@%s", self->user, host);
}

static char *
build_registrar_url (SipnatRegistration *self)
{
  if (self->transport == SIPNAT_TRANSPORT_UDP)
    return g_strdup_printf ("sip:%s", active_server (self));

  return g_strdup_printf ("sip:%s;transport=%s", active_server (self),
                          sipnat_transport_to_string (self->transport));
}

static char *
build_contact (SipnatRegistration  *self,
               const SipnatBinding *binding)
{
  gboolean ipv6 = strchr (binding->host, ':') != NULL;
  g_autofree char *user = g_uri_escape_string (self->user, "!$&'()*+,;=?/", FALSE);

  /* The scheme stays sip: and the transport parameter is kept as is: a
   * Contact is never turned into sips: (RFC 3261 §19.1). */
  return g_strdup_printf ("sip:%s@%s%s%s:%u%s%s",
                          user,
                          ipv6 ? "[" : "", binding->host, ipv6 ? "]" : "",
                          binding->port,
                          binding->transport == SIPNAT_TRANSPORT_UDP ? "" : ";transport=",
                          binding->transport == SIPNAT_TRANSPORT_UDP ? "" :
                          sipnat_transport_to_string (binding->transport));
}

static void
set_contact_binding (SipnatRegistration  *self,
                     const SipnatBinding *binding)
{
  g_autofree char *contact = NULL;

  sipnat_binding_free (self->contact_binding);
  self->contact_binding = sipnat_binding_copy (binding);

  contact = build_contact (self, binding);
  if (_sipnat_set_str (&self->contact, contact))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_CONTACT]);
}

static void
ensure_contact (SipnatRegistration *self)
{
  g_autoptr(SipnatBinding) local = NULL;

  if (self->contact_binding != NULL && !self->identity_changed)
    return;

  local = sipnat_binding_new (_sipnat_endpoint_get_contact_host (self->endpoint),
                              sipnat_endpoint_get_local_port (self->endpoint),
                              self->transport);
  set_contact_binding (self, local);
}

/* RFC 5626 §4.2: the instance and the flow, so that an outbound
 * registrar keeps one binding per flow and replaces it on a new one. */
static char *
outbound_params (SipnatRegistration *self)
{
  if (!self->outbound)
    return g_strdup ("");

  return g_strdup_printf (";+sip.instance=\"<%s>\";reg-id=%u",
                          sipnat_endpoint_get_instance_id (self->endpoint), self->reg_id);
}

static char *
build_contact_header (SipnatRegistration *self)
{
  g_autofree char *params = outbound_params (self);

  if (self->stale_contact != NULL)
    return g_strdup_printf ("<%s>%s, <%s>;expires=0", self->contact, params, self->stale_contact);

  return g_strdup_printf ("<%s>%s", self->contact, params);
}

static gboolean
ensure_handle (SipnatRegistration *self)
{
  nua_t *nua = _sipnat_endpoint_get_nua (self->endpoint);
  g_autofree char *aor = NULL;
  g_autofree char *from = NULL;

  if (self->nh != NULL)
    return TRUE;
  if (nua == NULL)
    return FALSE;

  aor = build_aor (self);
  if (self->display_name != NULL)
    from = g_strdup_printf ("\"%s\" <%s>", self->display_name, aor);
  else
    from = g_strdup_printf ("<%s>", aor);

  self->nh = nua_handle (nua, self,
                         SIPTAG_TO_STR (aor),
                         SIPTAG_FROM_STR (from),
                         NUTAG_MEDIA_ENABLE (0),
                         TAG_END ());
  return self->nh != NULL;
}

/* ---------------------------------------------------------------------- */
/* Failure and retry                                                      */

static gboolean
retry_cb (gpointer data)
{
  SipnatRegistration *self = data;

  g_clear_pointer (&self->retry_source, g_source_unref);
  SIPNAT_NOTE (REGISTRATION, "%s: retrying", self->name);
  send_register (self);

  return G_SOURCE_REMOVE;
}

static gboolean
is_retryable (const GError *error)
{
  return !g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED) &&
         !g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG) &&
         !g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED);
}

/* The server did not answer or could not be reached, or failed itself
 * (5xx, 6xx): another server may do better. */
static gboolean
is_failover_error (const GError *error)
{
  return g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT) ||
         g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE) ||
         g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED);
}

static void
schedule_retry (SipnatRegistration *self,
                guint               delay_ms)
{
  if (self->retry_source != NULL)
    return;

  self->retry_source = g_timeout_source_new (delay_ms);
  g_source_set_callback (self->retry_source, retry_cb, self, NULL);
  g_source_attach (self->retry_source, _sipnat_endpoint_get_context (self->endpoint));
}

/* The product's rule: over TCP the next server is tried at once, over UDP
 * after reg-interval seconds, and only if that is above 0. */
static gboolean
fail_over (SipnatRegistration *self,
           const GError       *error)
{
  guint n = g_strv_length (self->servers);

  if (n < 2 || !is_failover_error (error) || self->failovers + 1 >= n ||
      (self->transport == SIPNAT_TRANSPORT_UDP && self->reg_interval == 0))
    return FALSE;

  self->failovers++;
  self->server_index = (self->server_index + 1) % n;
  g_clear_pointer (&self->contact_binding, sipnat_binding_free);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ACTIVE_SERVER]);

  SIPNAT_NOTE (REGISTRATION, "%s: failing over to %s", self->name, active_server (self));
  set_state (self, SIPNAT_REGISTRATION_STATE_RETRYING, error->message);
  schedule_retry (self, self->transport == SIPNAT_TRANSPORT_UDP
                        ? (guint) MIN (self->reg_interval, G_MAXUINT / 1000) * 1000 : 0);
  return TRUE;
}

static void
fail (SipnatRegistration *self,
      GError             *error)   /* (transfer full) */
{
  gboolean retry = self->reg_interval > 0 && is_retryable (error) &&
                   _sipnat_endpoint_get_nua (self->endpoint) != NULL;

  SIPNAT_NOTE (REGISTRATION, "%s: failed: %s", self->name, error->message);

  drop_handle (self, FALSE);
  stop_keepalive (self);
  g_clear_pointer (&self->stale_contact, g_free);

  g_clear_error (&self->error);
  self->error = error;

  /* A pending register_async waits for the other servers. */
  if (_sipnat_endpoint_get_nua (self->endpoint) != NULL && fail_over (self, error))
    return;

  self->failovers = 0;
  set_state (self,
             retry ? SIPNAT_REGISTRATION_STATE_RETRYING : SIPNAT_REGISTRATION_STATE_FAILED,
             error->message);

  if (retry)
    schedule_retry (self, (guint) MIN (self->reg_interval, G_MAXUINT / 1000) * 1000);

  complete_register (self, error);
}

/* ---------------------------------------------------------------------- */
/* Sending REGISTER                                                       */

/* The headers that Sofia adds take about this much (Via, Call-ID, CSeq,
 * Max-Forwards, Expires, Allow, Supported, Content-Length...). */
#define FIXED_HEADER_BYTES 400
#define UDP_SIZE_LIMIT 1300

static gsize
estimate_request_size (SipnatRegistration *self,
                       const char         *registrar,
                       const char         *contacts)
{
  g_autofree char *aor = build_aor (self);

  return FIXED_HEADER_BYTES + strlen (registrar) + strlen (contacts) + 2 * strlen (aor) +
         (self->display_name ? strlen (self->display_name) : 0) +
         strlen (sipnat_endpoint_get_user_agent (self->endpoint));
}

/* A large REGISTER that got no answer: Sofia tried TCP, which did not
 * work, then UDP, whose fragments were lost on the way. Say so, rather
 * than a bare timeout. */
static GError *
explain_failure (SipnatRegistration *self,
                 GError             *error)   /* (transfer full) */
{
  GError *explained;

  if (!g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT) ||
      self->transport != SIPNAT_TRANSPORT_UDP || self->request_size <= UDP_SIZE_LIMIT)
    return error;

  if (sipnat_endpoint_get_tcp_for_large_requests (self->endpoint))
    explained = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                             _("No answer to a request of about %zu bytes: too large for UDP "
                               "through NATs that drop IP fragments, and TCP did not work (%s)"),
                             self->request_size, error->message);
  else
    explained = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                             _("No answer to a request of about %zu bytes: too large for UDP "
                               "through NATs that drop IP fragments, and TCP for large requests "
                               "is turned off (%s)"),
                             self->request_size, error->message);
  g_error_free (error);
  return explained;
}

static void
send_register (SipnatRegistration *self)
{
  g_autofree char *registrar = NULL;
  g_autofree char *contacts = NULL;
  g_autofree char *expires = NULL;

  if (!ensure_handle (self))
    {
      fail (self, g_error_new_literal (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                                       _("The endpoint is closed")));
      return;
    }

  ensure_contact (self);
  self->identity_changed = FALSE;
  self->auth_sent = FALSE;

  registrar = build_registrar_url (self);
  contacts = build_contact_header (self);
  expires = g_strdup_printf ("%u", self->reg_timeout);
  if (self->transport != SIPNAT_TRANSPORT_UDP)
    _sipnat_endpoint_update_stream_keepalive (self->endpoint);
  self->request_size = estimate_request_size (self, registrar, contacts);

  SIPNAT_NOTE (REGISTRATION, "%s: REGISTER %s Contact %s Expires %s",
               self->name, registrar, contacts, expires);

  nua_register (self->nh,
                NUTAG_REGISTRAR (registrar),
                SIPTAG_CONTACT_STR (contacts),
                SIPTAG_EXPIRES_STR (expires),
                TAG_IF (self->outbound, SIPTAG_SUPPORTED_STR ("outbound")),
                NUTAG_OUTBOUND (NUA_OUTBOUND_OFF),
                TAG_END ());

  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED)
    set_state (self, SIPNAT_REGISTRATION_STATE_REGISTERING, NULL);
}

/* ---------------------------------------------------------------------- */
/* Responses                                                              */

static void
set_public_binding (SipnatRegistration *self,
                    SipnatBinding      *binding)   /* (transfer full) */
{
  g_autoptr(SipnatBinding) old = NULL;

  if (sipnat_binding_equal (self->public_binding, binding))
    {
      sipnat_binding_free (binding);
      return;
    }

  old = g_steal_pointer (&self->public_binding);
  self->public_binding = binding;

  if (SIPNAT_NOTE_ENABLED (NAT))
    {
      g_autofree char *a = old ? sipnat_binding_to_string (old) : g_strdup ("(none)");
      g_autofree char *b = sipnat_binding_to_string (binding);
      SIPNAT_NOTE (NAT, "%s: public binding %s -> %s", self->name, a, b);
    }

  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_PUBLIC_BINDING]);
  g_signal_emit (self, signals[SIGNAL_PUBLIC_BINDING_CHANGED], 0, old, self->public_binding);
}

static void
update_bindings (SipnatRegistration *self,
                 const sip_via_t    *via)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatBinding) local = _sipnat_via_get_sent_by (via, &error);
  SipnatBinding *public;
  gboolean nat_detected;

  if (local == NULL)
    {
      g_warning ("%s: ignoring a response with a malformed Via: %s", self->name, error->message);
      return;
    }

  public = _sipnat_via_get_public_binding (via, &error);
  if (public == NULL)
    {
      g_warning ("%s: ignoring a malformed received/rport: %s", self->name, error->message);
      return;
    }

  /* A large request went over TCP although the registration uses UDP:
   * that connection's binding says nothing about the UDP one. */
  if (public->transport != self->transport)
    {
      SIPNAT_NOTE (NAT, "%s: response over %s, binding not updated", self->name,
                   sipnat_transport_to_string (public->transport));
      sipnat_binding_free (public);
      return;
    }

  g_object_freeze_notify (G_OBJECT (self));

  if (!sipnat_binding_equal (self->local_binding, local))
    {
      sipnat_binding_free (self->local_binding);
      self->local_binding = g_steal_pointer (&local);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOCAL_BINDING]);
    }

  set_public_binding (self, public);

  nat_detected = !sipnat_binding_equal (self->public_binding, self->local_binding);
  if (self->nat_detected != nat_detected)
    {
      self->nat_detected = nat_detected;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_NAT_DETECTED]);
    }

  g_object_thaw_notify (G_OBJECT (self));
}

/* reg-match-received-rport: after a 2xx or a keep-alive answer, a Contact
 * that differs from the public binding in address or port is replaced,
 * once the binding tracker trusts the change (see there). */
static void
follow_binding (SipnatRegistration *self)
{
  g_autofree char *registrar_host = NULL;
  gint64 now = g_get_monotonic_time ();

  if (!self->reg_match_received_rport || self->public_binding == NULL ||
      self->contact_binding == NULL || self->state != SIPNAT_REGISTRATION_STATE_REGISTERED)
    return;

  registrar_host = server_host (active_server (self));
  switch (_sipnat_binding_tracker_observe (self->tracker, self->public_binding,
                                           self->contact_binding, registrar_host, now))
    {
    case SIPNAT_BINDING_ACTION_NONE:
      return;

    case SIPNAT_BINDING_ACTION_CONFIRM:
      SIPNAT_NOTE (NAT, "%s: public binding differs from the Contact; confirming", self->name);
      _sipnat_keepalive_probe (self->keepalive);
      return;

    case SIPNAT_BINDING_ACTION_DEFER:
      SIPNAT_NOTE (NAT, "%s: the binding flips back within a cycle; waiting", self->name);
      return;

    case SIPNAT_BINDING_ACTION_REWRITE:
      SIPNAT_NOTE (NAT, "%s: Contact %s follows the public binding", self->name, self->contact);
      _sipnat_binding_tracker_rewrote (self->tracker, self->contact_binding, now);
      g_free (self->stale_contact);
      self->stale_contact = g_strdup (self->contact);
      set_contact_binding (self, self->public_binding);
      send_register (self);
      return;
    }
}

/* The keep-alive period: the registrar's Flow-Timer when it does
 * outbound (RFC 5626 §4.4.1), the policy's interval otherwise. */
static guint
keepalive_interval (SipnatRegistration *self)
{
  guint interval = sipnat_nat_policy_get_keepalive_interval (self->nat_policy);

  if (interval > 0 && self->outbound_active && self->flow_timer > 0)
    return self->flow_timer;

  return interval;
}

/* Sofia gives a TCP connection a copy of the transport parameters when a
 * registration first succeeds on it: the keep-alive must be set before
 * the REGISTER that opens the connection, and applies to new connections
 * only. */
guint
_sipnat_registration_get_stream_keepalive_ms (SipnatRegistration *self)
{
  if (self->transport == SIPNAT_TRANSPORT_UDP || self->nh == NULL)
    return 0;

  return keepalive_interval (self) * 1000;
}

/* On UDP, OPTIONS keep-alives that also tell the binding; on TCP, the
 * stream's own CRLF keep-alive, and OPTIONS only as probes. */
static void
start_keepalive (SipnatRegistration *self)
{
  g_autofree char *registrar = NULL;
  g_autofree char *aor = NULL;
  gboolean stream = self->transport != SIPNAT_TRANSPORT_UDP;

  if (_sipnat_keepalive_is_running (self->keepalive))
    return;

  registrar = build_registrar_url (self);
  aor = build_aor (self);
  _sipnat_binding_tracker_set_cycle (self->tracker,
                                     (gint64) MAX (self->reg_timeout / 2, 1) * G_USEC_PER_SEC);
  _sipnat_keepalive_start (self->keepalive, _sipnat_endpoint_get_nua (self->endpoint), self,
                           registrar, aor, stream ? 0 : keepalive_interval (self));
}

static void
set_outbound_active (SipnatRegistration *self,
                     const sip_t        *sip)
{
  gboolean active = sip_has_feature (sip->sip_require, "outbound");
  guint flow_timer = 0;

  for (const msg_unknown_t *u = sip->sip_unknown; u != NULL; u = u->un_next)
    if (u->un_name != NULL && g_ascii_strcasecmp (u->un_name, "Flow-Timer") == 0 && u->un_value)
      flow_timer = (guint) g_ascii_strtoull (u->un_value, NULL, 10);

  if (self->flow_timer != flow_timer && _sipnat_keepalive_is_running (self->keepalive))
    stop_keepalive (self);   /* restarted with the new period */
  self->flow_timer = MIN (flow_timer, 3600);

  if (self->outbound_active != active)
    {
      self->outbound_active = active;
      SIPNAT_NOTE (NAT, "%s: outbound %s, Flow-Timer %u", self->name,
                   active ? "on" : "off", self->flow_timer);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_OUTBOUND_ACTIVE]);
    }
}

static void
keepalive_answered (gpointer     data,
                    int          status,
                    const char  *phrase,
                    const sip_t *sip)
{
  SipnatRegistration *self = data;

  if (_sipnat_sip_is_from_network (sip))
    {
      if (sip->sip_via != NULL)
        update_bindings (self, sip->sip_via);
      follow_binding (self);
      return;
    }

  /* No answer at all: the flow or the registrar may be gone. A refresh
   * finds out, and fails into the retry path if so. */
  if (self->state == SIPNAT_REGISTRATION_STATE_REGISTERED)
    {
      SIPNAT_NOTE (NAT, "%s: keep-alive failed (%d %s); refreshing", self->name, status, phrase);
      send_register (self);
    }
}

static void
keepalive_interval_changed_cb (SipnatNatPolicy    *policy,
                               GParamSpec         *pspec,
                               SipnatRegistration *self)
{
  if (!_sipnat_keepalive_is_running (self->keepalive))
    return;

  _sipnat_keepalive_stop (self->keepalive);
  start_keepalive (self);
}

static void
handle_challenge (SipnatRegistration *self,
                  int                 status,
                  const char         *phrase,
                  const sip_t        *sip)
{
  const msg_auth_t *challenge = sip->sip_www_authenticate ?
                                sip->sip_www_authenticate : sip->sip_proxy_authenticate;
  const char *realm = challenge ? msg_params_find (challenge->au_params, "realm=") : NULL;
  const char *scheme = challenge ? challenge->au_scheme : NULL;
  g_autofree char *credentials = NULL;

  if (self->auth_sent || self->password == NULL || realm == NULL || scheme == NULL)
    {
      fail (self, _sipnat_error_new_from_status (status, phrase, TRUE));
      return;
    }

  /* The realm keeps its quotes, as nua wants it. */
  credentials = g_strdup_printf ("%s:%s:%s:%s", scheme, realm, self->user, self->password);
  self->auth_sent = TRUE;
  nua_authenticate (self->nh, NUTAG_AUTH (credentials), TAG_END ());
}

static void
handle_register_response (SipnatRegistration *self,
                          int                 status,
                          const char         *phrase,
                          const sip_t        *sip)
{
  if ((status == 401 || status == 407) && _sipnat_sip_is_from_network (sip))
    {
      handle_challenge (self, status, phrase, sip);
      return;
    }

  if (status >= 300)
    {
      fail (self, explain_failure (self, _sipnat_error_new_from_status (status, phrase,
                                                                        _sipnat_sip_is_from_network (sip))));
      return;
    }

  self->auth_sent = FALSE;
  self->failovers = 0;
  g_clear_pointer (&self->stale_contact, g_free);
  g_clear_error (&self->error);
  set_status_state (self, SIPNAT_REGISTRATION_STATE_REGISTERED, status, phrase);
  set_outbound_active (self, sip);
  complete_register (self, NULL);

  start_keepalive (self);
  if (self->public_binding == NULL)
    _sipnat_keepalive_probe (self->keepalive);   /* the 2xx came over another transport */
  follow_binding (self);
}

static void
handle_unregister_response (SipnatRegistration *self,
                            int                 status,
                            const char         *phrase,
                            const sip_t        *sip)
{
  g_autoptr(GError) error = NULL;

  if (status >= 300)
    error = _sipnat_error_new_from_status (status, phrase, _sipnat_sip_is_from_network (sip));

  drop_handle (self, FALSE);
  stop_keepalive (self);
  set_status_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED, status, phrase);
  complete_unregister (self, error);
}

void
_sipnat_registration_handle_response (SipnatRegistration *self,
                                      nua_event_t         event,
                                      int                 status,
                                      const char         *phrase,
                                      const sip_t        *sip)
{
  g_autoptr(SipnatRegistration) hold = g_object_ref (self);

  SIPNAT_NOTE (REGISTRATION, "%s: %s %d %s", self->name, nua_event_name (event), status, phrase);

  if (status < 200)
    return;

  if (_sipnat_sip_is_from_network (sip) && sip->sip_via != NULL)
    update_bindings (self, sip->sip_via);

  if (event == nua_r_unregister)
    handle_unregister_response (self, status, phrase, sip);
  else if (self->state != SIPNAT_REGISTRATION_STATE_UNREGISTERING)
    handle_register_response (self, status, phrase, sip);
}

void
_sipnat_registration_handle_options_response (SipnatRegistration *self,
                                              nua_handle_t       *nh,
                                              int                 status,
                                              const char         *phrase,
                                              const sip_t        *sip)
{
  g_autoptr(SipnatRegistration) hold = g_object_ref (self);

  if (_sipnat_keepalive_owns (self->keepalive, nh))
    _sipnat_keepalive_handle_response (self->keepalive, status, phrase, sip);
}

gboolean
_sipnat_registration_is_active (SipnatRegistration *self)
{
  return self->nh != NULL || self->retry_source != NULL;
}

/* The endpoint is going away: forget the handle and stop retrying. */
void
_sipnat_registration_detach (SipnatRegistration *self)
{
  g_autoptr(GError) error = NULL;

  clear_sources (self);
  drop_handle (self, FALSE);
  stop_keepalive (self);

  error = g_error_new_literal (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, _("The endpoint was closed"));
  complete_register (self, error);
  complete_unregister (self, error);
}

/* ---------------------------------------------------------------------- */
/* Settings that change while registered take effect at once               */

static gboolean
apply_changes_cb (gpointer data)
{
  SipnatRegistration *self = data;

  g_clear_pointer (&self->apply_source, g_source_unref);

  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED &&
      self->state != SIPNAT_REGISTRATION_STATE_REGISTERING)
    return G_SOURCE_REMOVE;

  /* Another AOR or registrar: unregister the old handle, start afresh. */
  if (self->identity_changed)
    {
      drop_handle (self, TRUE);
      stop_keepalive (self);
      g_clear_pointer (&self->contact_binding, sipnat_binding_free);
    }

  if (self->reg_timeout == 0)
    {
      drop_handle (self, TRUE);
      stop_keepalive (self);
      set_state (self, SIPNAT_REGISTRATION_STATE_STANDALONE, NULL);
      return G_SOURCE_REMOVE;
    }

  send_register (self);
  return G_SOURCE_REMOVE;
}

static void
setting_changed (SipnatRegistration *self,
                 gboolean            identity)
{
  self->identity_changed |= identity;

  if (self->apply_source != NULL || self->endpoint == NULL ||
      (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED &&
       self->state != SIPNAT_REGISTRATION_STATE_REGISTERING))
    return;

  self->apply_source = g_idle_source_new ();
  g_source_set_callback (self->apply_source, apply_changes_cb, self, NULL);
  g_source_attach (self->apply_source, _sipnat_endpoint_get_context (self->endpoint));
}

static void
set_string_setting (SipnatRegistration  *self,
                    char               **field,
                    const char          *value,
                    guint                prop,
                    gboolean             identity)
{
  if (value != NULL && *value == '\0')
    value = NULL;

  if (!_sipnat_set_str (field, value))
    return;

  if (prop != PROP_PASSWORD)
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
  setting_changed (self, identity);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
sipnat_registration_constructed (GObject *object)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  G_OBJECT_CLASS (sipnat_registration_parent_class)->constructed (object);

  if (self->endpoint == NULL)
    {
      g_critical ("A SipnatRegistration needs an endpoint");
      return;
    }

  /* One flow per registration: reg-id counts from 1. */
  self->reg_id = g_list_model_get_n_items (sipnat_endpoint_get_registrations (self->endpoint)) + 1;
  if (self->name == NULL)
    self->name = g_strdup_printf ("proxy%u", self->reg_id - 1);

  self->keepalive = _sipnat_keepalive_new (_sipnat_endpoint_get_context (self->endpoint),
                                           keepalive_answered, self);
  self->tracker = _sipnat_binding_tracker_new ();
  g_signal_connect_object (self->nat_policy, "notify::keepalive-interval",
                           G_CALLBACK (keepalive_interval_changed_cb), self, 0);

  _sipnat_endpoint_adopt_registration (self->endpoint, self);
}

static void
sipnat_registration_dispose (GObject *object)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  clear_sources (self);
  clear_source (&self->apply_source);
  drop_handle (self, FALSE);
  g_clear_pointer (&self->keepalive, _sipnat_keepalive_free);
  g_clear_pointer (&self->tracker, _sipnat_binding_tracker_free);

  if (self->endpoint != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->endpoint), (gpointer *) &self->endpoint);
  self->endpoint = NULL;

  g_clear_object (&self->nat_policy);

  G_OBJECT_CLASS (sipnat_registration_parent_class)->dispose (object);
}

static void
sipnat_registration_finalize (GObject *object)
{
  SipnatRegistration *self = SIPNAT_REGISTRATION (object);

  g_free (self->name);
  g_free (self->server);
  g_strfreev (self->servers);
  g_free (self->user);
  g_free (self->password);
  g_free (self->display_name);
  g_free (self->domain);
  g_free (self->state_reason);
  g_clear_error (&self->error);
  sipnat_binding_free (self->public_binding);
  sipnat_binding_free (self->local_binding);
  sipnat_binding_free (self->contact_binding);
  g_free (self->contact);
  g_free (self->stale_contact);

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
      g_value_set_string (value, active_server (self));
      break;
    case PROP_TRANSPORT:
      g_value_set_enum (value, self->transport);
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
      g_value_set_boolean (value, self->outbound_active);
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
    case PROP_PUBLIC_BINDING:
      g_value_set_boxed (value, self->public_binding);
      break;
    case PROP_LOCAL_BINDING:
      g_value_set_boxed (value, self->local_binding);
      break;
    case PROP_NAT_DETECTED:
      g_value_set_boolean (value, self->nat_detected);
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
    case PROP_ENDPOINT:
      self->endpoint = g_value_get_object (value);
      if (self->endpoint != NULL)
        g_object_add_weak_pointer (G_OBJECT (self->endpoint), (gpointer *) &self->endpoint);
      break;
    case PROP_NAME:
      self->name = g_value_dup_string (value);
      break;
    case PROP_SERVER:
      sipnat_registration_set_server (self, g_value_get_string (value));
      break;
    case PROP_TRANSPORT:
      sipnat_registration_set_transport (self, g_value_get_enum (value));
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

  object_class->constructed = sipnat_registration_constructed;
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
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatRegistration:name:
   *
   * The name of the registration's configuration section, e.g. "proxy0";
   * by default "proxyN" with N its position among the endpoint's
   * registrations.
   */
  props[PROP_NAME] =
    string_param ("name", G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY);

  /**
   * SipnatRegistration:server:
   *
   * The registrar, as `host[:port]` (`server`); or several, separated by
   * commas, to fail over between when one does not answer, cannot be
   * reached or fails: over TCP the next is tried at once, over UDP after
   * [property@Sipnat.Registration:reg-interval] seconds (and not at all if
   * that is 0), as in the product. The address of record's domain is the
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
   * Seconds before a failed registration is tried again (`reg_interval`);
   * 0 (the default) means no retry. Authentication failures are never
   * retried.
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
  self->reg_timeout = SIPNAT_DEFAULT_REG_TIMEOUT;
  self->transport = SIPNAT_TRANSPORT_UDP;
  self->outbound = TRUE;
  self->nat_policy = sipnat_nat_policy_new ();
}

/* ---------------------------------------------------------------------- */
/* Public API: settings                                                    */

/**
 * sipnat_registration_get_endpoint:
 * @self: a registration
 *
 * Returns: (transfer none) (nullable): the endpoint, %NULL once it is gone
 */
SipnatEndpoint *
sipnat_registration_get_endpoint (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->endpoint;
}

/**
 * sipnat_registration_get_name:
 * @self: a registration
 *
 * Returns: the name of the registration's configuration section, e.g. "proxy0"
 */
const char *
sipnat_registration_get_name (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->name;
}

/**
 * sipnat_registration_get_server:
 * @self: a registration
 *
 * Returns: (nullable): the registrar
 */
const char *
sipnat_registration_get_server (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->server;
}

/**
 * sipnat_registration_set_server:
 * @self: a registration
 * @server: (nullable): the registrar as `host[:port]`, or several,
 *   separated by commas, to fail over between
 *
 * Sets [property@Sipnat.Registration:server]. While registered, the old
 * binding is removed and the new registrar is registered with at once.
 */
void
sipnat_registration_set_server (SipnatRegistration *self,
                                const char         *server)
{
  g_auto(GStrv) parts = NULL;
  GStrvBuilder *builder;

  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  builder = g_strv_builder_new ();
  parts = g_strsplit (server ? server : "", ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (*parts[i] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  g_strfreev (self->servers);
  self->servers = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  self->server_index = 0;
  self->failovers = 0;

  set_string_setting (self, &self->server, server, PROP_SERVER, TRUE);
}

/**
 * sipnat_registration_get_active_server:
 * @self: a registration
 *
 * Returns: (nullable): the server of [property@Sipnat.Registration:server]
 *   in use now
 */
const char *
sipnat_registration_get_active_server (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return active_server (self);
}

/**
 * sipnat_registration_get_transport:
 * @self: a registration
 *
 * Returns: the transport to the registrar
 */
SipnatTransport
sipnat_registration_get_transport (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), SIPNAT_TRANSPORT_UDP);
  return self->transport;
}

/**
 * sipnat_registration_set_transport:
 * @self: a registration
 * @transport: the transport to the registrar
 *
 * Sets [property@Sipnat.Registration:transport].
 */
void
sipnat_registration_set_transport (SipnatRegistration *self,
                                   SipnatTransport     transport)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  g_return_if_fail (transport <= SIPNAT_TRANSPORT_TLS);

  if (self->transport == transport)
    return;

  self->transport = transport;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TRANSPORT]);
  setting_changed (self, TRUE);
}

/**
 * sipnat_registration_get_user:
 * @self: a registration
 *
 * Returns: (nullable): the user name
 */
const char *
sipnat_registration_get_user (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->user;
}

/**
 * sipnat_registration_set_user:
 * @self: a registration
 * @user: (nullable): the user name
 *
 * Sets [property@Sipnat.Registration:user].
 */
void
sipnat_registration_set_user (SipnatRegistration *self,
                              const char         *user)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  set_string_setting (self, &self->user, user, PROP_USER, TRUE);
}

/**
 * sipnat_registration_set_password:
 * @self: a registration
 * @password: (nullable): the password
 *
 * Sets [property@Sipnat.Registration:password].
 */
void
sipnat_registration_set_password (SipnatRegistration *self,
                                  const char         *password)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  set_string_setting (self, &self->password, password, PROP_PASSWORD, TRUE);
}

/**
 * sipnat_registration_get_display_name:
 * @self: a registration
 *
 * Returns: (nullable): the display name
 */
const char *
sipnat_registration_get_display_name (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->display_name;
}

/**
 * sipnat_registration_set_display_name:
 * @self: a registration
 * @display_name: (nullable): the display name
 *
 * Sets [property@Sipnat.Registration:display-name].
 */
void
sipnat_registration_set_display_name (SipnatRegistration *self,
                                      const char         *display_name)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  set_string_setting (self, &self->display_name, display_name, PROP_DISPLAY_NAME, TRUE);
}

/**
 * sipnat_registration_get_domain:
 * @self: a registration
 *
 * Returns: (nullable): the domain
 */
const char *
sipnat_registration_get_domain (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->domain;
}

/**
 * sipnat_registration_set_domain:
 * @self: a registration
 * @domain: (nullable): the domain of the address of record
 *
 * Sets [property@Sipnat.Registration:domain].
 */
void
sipnat_registration_set_domain (SipnatRegistration *self,
                                const char         *domain)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  set_string_setting (self, &self->domain, domain, PROP_DOMAIN, TRUE);
}

/**
 * sipnat_registration_get_reg_timeout:
 * @self: a registration
 *
 * Returns: the registration expiry in seconds, 0 for standalone mode
 */
guint
sipnat_registration_get_reg_timeout (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), 0);
  return self->reg_timeout;
}

/**
 * sipnat_registration_set_reg_timeout:
 * @self: a registration
 * @seconds: the expiry, 0 for standalone mode
 *
 * Sets [property@Sipnat.Registration:reg-timeout]. While registered, a
 * REGISTER with the new expiry goes out at once.
 */
void
sipnat_registration_set_reg_timeout (SipnatRegistration *self,
                                     guint               seconds)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  if (self->reg_timeout == seconds)
    return;

  self->reg_timeout = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REG_TIMEOUT]);
  setting_changed (self, FALSE);
}

/**
 * sipnat_registration_get_reg_interval:
 * @self: a registration
 *
 * Returns: the retry interval in seconds
 */
guint
sipnat_registration_get_reg_interval (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), 0);
  return self->reg_interval;
}

/**
 * sipnat_registration_set_reg_interval:
 * @self: a registration
 * @seconds: the retry interval, 0 for none
 *
 * Sets [property@Sipnat.Registration:reg-interval].
 */
void
sipnat_registration_set_reg_interval (SipnatRegistration *self,
                                      guint               seconds)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  if (self->reg_interval == seconds)
    return;

  self->reg_interval = seconds;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REG_INTERVAL]);
}

/**
 * sipnat_registration_get_reg_match_received_rport:
 * @self: a registration
 *
 * Returns: whether the Contact follows the public binding
 */
gboolean
sipnat_registration_get_reg_match_received_rport (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->reg_match_received_rport;
}

/**
 * sipnat_registration_set_reg_match_received_rport:
 * @self: a registration
 * @match: whether the Contact follows the public binding
 *
 * Sets [property@Sipnat.Registration:reg-match-received-rport]; it takes
 * effect at the next REGISTER response.
 */
void
sipnat_registration_set_reg_match_received_rport (SipnatRegistration *self,
                                                  gboolean            match)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  match = !!match;
  if (self->reg_match_received_rport == match)
    return;

  self->reg_match_received_rport = match;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_REG_MATCH_RECEIVED_RPORT]);
}

/**
 * sipnat_registration_get_outbound:
 * @self: a registration
 *
 * Returns: whether SIP outbound is asked for
 */
gboolean
sipnat_registration_get_outbound (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->outbound;
}

/**
 * sipnat_registration_set_outbound:
 * @self: a registration
 * @outbound: whether to ask for SIP outbound
 *
 * Sets [property@Sipnat.Registration:outbound]; it applies from the next
 * REGISTER.
 */
void
sipnat_registration_set_outbound (SipnatRegistration *self,
                                  gboolean            outbound)
{
  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  outbound = !!outbound;
  if (self->outbound == outbound)
    return;

  self->outbound = outbound;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_OUTBOUND]);
}

/**
 * sipnat_registration_get_outbound_active:
 * @self: a registration
 *
 * Returns: whether the registrar does outbound for this registration
 */
gboolean
sipnat_registration_get_outbound_active (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->outbound_active;
}

/**
 * sipnat_registration_get_nat_policy:
 * @self: a registration
 *
 * Returns: (transfer none): the registration's NAT policy
 */
SipnatNatPolicy *
sipnat_registration_get_nat_policy (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->nat_policy;
}

/**
 * sipnat_registration_get_state:
 * @self: a registration
 *
 * Returns: the state
 */
SipnatRegistrationState
sipnat_registration_get_state (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), SIPNAT_REGISTRATION_STATE_NONE);
  return self->state;
}

/**
 * sipnat_registration_get_state_reason:
 * @self: a registration
 *
 * Returns: (nullable): why the state is what it is
 */
const char *
sipnat_registration_get_state_reason (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->state_reason;
}

/**
 * sipnat_registration_get_error:
 * @self: a registration
 *
 * Returns: (nullable) (transfer none): the error of the last failure, if
 *   the registration is failed or retrying
 */
const GError *
sipnat_registration_get_error (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->error;
}

/**
 * sipnat_registration_get_public_binding:
 * @self: a registration
 *
 * Returns: (nullable) (transfer none): the public binding
 */
const SipnatBinding *
sipnat_registration_get_public_binding (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->public_binding;
}

/**
 * sipnat_registration_get_local_binding:
 * @self: a registration
 *
 * Returns: (nullable) (transfer none): the local binding
 */
const SipnatBinding *
sipnat_registration_get_local_binding (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->local_binding;
}

/**
 * sipnat_registration_get_nat_detected:
 * @self: a registration
 *
 * Returns: whether a NAT was detected between this endpoint and the registrar
 */
gboolean
sipnat_registration_get_nat_detected (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), FALSE);
  return self->nat_detected;
}

/**
 * sipnat_registration_get_contact:
 * @self: a registration
 *
 * Returns: (nullable): the Contact URI registered or being registered
 */
const char *
sipnat_registration_get_contact (SipnatRegistration *self)
{
  g_return_val_if_fail (SIPNAT_IS_REGISTRATION (self), NULL);
  return self->contact;
}

/* ---------------------------------------------------------------------- */
/* Public API: register and unregister                                     */

static gboolean
check_settings (SipnatRegistration  *self,
                GError             **error)
{
  if (active_server (self) == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The registration “%s” has no server"), self->name);
      return FALSE;
    }

  if (self->user == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The registration “%s” has no user"), self->name);
      return FALSE;
    }

  return sipnat_nat_policy_validate (self->nat_policy, error);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  SipnatRegistration *self = data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Registration was cancelled"));

  /* Nothing more goes out: no failover or retry either. */
  clear_source (&self->retry_source);
  drop_handle (self, TRUE);
  stop_keepalive (self);
  self->failovers = 0;
  set_state (self, SIPNAT_REGISTRATION_STATE_NONE, error->message);
  complete_register (self, error);

  return G_SOURCE_REMOVE;
}

static void
watch_cancellable (SipnatRegistration *self,
                   GCancellable       *cancellable)
{
  if (cancellable == NULL)
    return;

  self->cancel_source = g_cancellable_source_new (cancellable);
  g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (cancelled_cb), self, NULL);
  g_source_attach (self->cancel_source, _sipnat_endpoint_get_context (self->endpoint));
}

/**
 * sipnat_registration_register_async:
 * @self: a registration
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the registration succeeded or failed
 * @user_data: data for @callback
 *
 * Registers with the registrar. The operation completes at the first
 * outcome: the registrar's 2xx, or a failure. Failures are
 * %SIPNAT_ERROR_AUTH_FAILED (wrong credentials, after one challenge
 * round), %SIPNAT_ERROR_TIMEOUT (no answer), %SIPNAT_ERROR_UNREACHABLE,
 * %SIPNAT_ERROR_REJECTED (any other final status) or
 * %SIPNAT_ERROR_CONFIG. With [property@Sipnat.Registration:reg-interval]
 * above 0 the registration keeps retrying in the background after a
 * failure; watch [property@Sipnat.Registration:state].
 *
 * In standalone mode (a reg-timeout of 0) it completes at once with
 * success and sends nothing.
 */
void
sipnat_registration_register_async (SipnatRegistration  *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sipnat_registration_register_async);

  if (self->register_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("A registration is already under way"));
      return;
    }

  if (self->endpoint == NULL)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                               _("The endpoint is gone"));
      return;
    }

  if (!_sipnat_endpoint_check_usable (self->endpoint, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (self->reg_timeout == 0)
    {
      set_state (self, SIPNAT_REGISTRATION_STATE_STANDALONE, _("reg_timeout is 0"));
      g_task_return_boolean (task, TRUE);
      return;
    }

  if (!check_settings (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  clear_sources (self);
  self->register_task = g_steal_pointer (&task);
  watch_cancellable (self, cancellable);

  if (self->state == SIPNAT_REGISTRATION_STATE_REGISTERED && self->nh != NULL)
    {
      complete_register (self, NULL);
      return;
    }

  send_register (self);
}

/**
 * sipnat_registration_register_finish:
 * @self: a registration
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Registration.register_async].
 *
 * Returns: %TRUE if registered (or standalone)
 */
gboolean
sipnat_registration_register_finish (SipnatRegistration  *self,
                                     GAsyncResult        *result,
                                     GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sipnat_registration_register_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sipnat_registration_unregister_async:
 * @self: a registration
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the binding is removed
 * @user_data: data for @callback
 *
 * Removes the registration's binding from the registrar (a REGISTER with
 * expiry 0) and stops refreshing and retrying. A pending
 * [method@Sipnat.Registration.register_async] fails with
 * %G_IO_ERROR_CANCELLED.
 */
void
sipnat_registration_unregister_async (SipnatRegistration  *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) cancelled = NULL;

  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sipnat_registration_unregister_async);

  if (self->unregister_task != NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               _("An unregistration is already under way"));
      return;
    }

  clear_sources (self);
  cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _("Registration was cancelled"));
  complete_register (self, cancelled);

  if (self->nh == NULL)
    {
      if (self->state != SIPNAT_REGISTRATION_STATE_NONE &&
          self->state != SIPNAT_REGISTRATION_STATE_STANDALONE)
        set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED, NULL);
      g_task_return_boolean (task, TRUE);
      return;
    }

  self->unregister_task = g_steal_pointer (&task);
  stop_keepalive (self);
  set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERING, NULL);
  nua_unregister (self->nh, TAG_END ());
}

/**
 * sipnat_registration_unregister_finish:
 * @self: a registration
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Registration.unregister_async].
 *
 * Returns: %TRUE if the registrar removed the binding (or there was none)
 */
gboolean
sipnat_registration_unregister_finish (SipnatRegistration  *self,
                                       GAsyncResult        *result,
                                       GError             **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sipnat_registration_unregister_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
