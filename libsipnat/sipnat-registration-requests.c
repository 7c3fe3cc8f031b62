/* sipnat-registration-requests.c: the REGISTERs of a registration and
 * their answers
 *
 * One nua handle per registration carries its REGISTERs; nua refreshes
 * it before it expires. Each answer's Via tells the public binding
 * (sipnat-binding-follower.c); a 401/407 is answered with the account's
 * credentials (sipnat-account.c); a failure moves on to the next server
 * (sipnat-server-list.c) or retries later; a 2xx starts the keep-alives
 * on the flow (sipnat-flow.c).
 *
 * Every function here runs between _sipnat_registration_enter() and
 * _sipnat_registration_leave() (sipnat-outbox-private.h): it changes
 * state and queues what the application must hear of, and leaving tells
 * it once everything is consistent.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-debug-private.h"
#include "sipnat-dns-private.h"
#include "sipnat-error-private.h"
#include "sipnat-register-request-private.h"
#include "sipnat-registration-impl-private.h"
#include "sipnat-via-private.h"

/* What a registrar may grant: shorter means a refresh storm, longer an
 * overflow in nua's refresh timer (and a binding nobody would notice
 * lost for days). */
#define MIN_GRANTED_EXPIRES_S 10
#define MAX_GRANTED_EXPIRES_S (7 * 24 * 3600)

const char *
_sipnat_registration_active_server (SipnatRegistration *self)
{
  return _sipnat_server_list_get_active (self->servers);
}

/* The domain's NAPTR chose the transport (wait_for_naptr()). */
static gboolean
naptr_applies (SipnatRegistration *self)
{
  return self->naptr_chose && self->transport == SIPNAT_TRANSPORT_UDP &&
         g_strcmp0 (self->naptr_server, _sipnat_registration_active_server (self)) == 0;
}

/* The transport of our Contact: the registration's, or the one DNS
 * chose for it (adopt_dns_transport()). */
static SipnatTransport
contact_transport (SipnatRegistration *self)
{
  return self->contact_binding ? self->contact_binding->transport : self->transport;
}

static SipnatRegisterIdentity
identity (SipnatRegistration *self)
{
  return (SipnatRegisterIdentity) {
    .user = self->user,
    .domain = self->domain,
    .display_name = self->display_name,
    .first_server = _sipnat_server_list_get_first (self->servers),
  };
}

/* ---------------------------------------------------------------------- */
/* The handle                                                             */

/* Stops using the current nua handle. A handle with a registration on it
 * is unbound and unregistered in the background; the stack destroys it
 * when the answer comes. */
void
_sipnat_registration_drop_handle (SipnatRegistration *self,
                                  gboolean            unregister)
{
  nua_handle_t *nh = g_steal_pointer (&self->nh);

  self->register_in_flight = FALSE;
  g_clear_pointer (&self->auth_header, g_free);
  _sipnat_registration_cancel_tls_check (self);
  g_clear_pointer (&self->dns_probe, _sipnat_dns_probe_free);
  if (nh == NULL || self->stack == NULL || _sipnat_stack_get_nua (self->stack) == NULL)
    return;   /* once the stack is gone, so are its handles */

  nua_handle_bind (nh, NULL);
  if (unregister)
    nua_unregister (nh, TAG_IF (self->registrar_url != NULL, NUTAG_URL (self->registrar_url)),
                    TAG_END ());
  else
    nua_handle_destroy (nh);
}

static gboolean
ensure_handle (SipnatRegistration *self)
{
  nua_t *nua = self->stack ? _sipnat_stack_get_nua (self->stack) : NULL;
  SipnatRegisterIdentity id = identity (self);
  g_autofree char *aor = NULL;
  g_autofree char *from = NULL;

  if (self->nh != NULL)
    return TRUE;
  if (nua == NULL)
    return FALSE;

  aor = _sipnat_register_build_aor (&id);
  from = _sipnat_register_build_from (&id);
  self->nh = nua_handle (nua, &self->owner,
                         SIPTAG_TO_STR (aor),
                         SIPTAG_FROM_STR (from),
                         TAG_END ());
  return self->nh != NULL;
}

void
_sipnat_registration_stop_flow (SipnatRegistration *self)
{
  if (self->flow != NULL)
    _sipnat_flow_stop (self->flow);
}

/* ---------------------------------------------------------------------- */
/* Sending REGISTER                                                       */

static void
set_contact_binding (SipnatRegistration  *self,
                     const SipnatBinding *binding)
{
  g_autofree char *contact = _sipnat_register_build_contact (self->user, binding);

  sipnat_binding_free (self->contact_binding);
  self->contact_binding = sipnat_binding_copy (binding);

  if (g_strcmp0 (self->contact, contact) != 0)
    {
      g_free (self->contact);
      self->contact = g_steal_pointer (&contact);
      _sipnat_registration_notify (self, "contact");
    }
}

static void
ensure_contact (SipnatRegistration *self)
{
  const char *public_address = self->endpoint ? sipnat_endpoint_get_public_address (self->endpoint)
                                              : NULL;
  SipnatTransport transport = naptr_applies (self) ? self->naptr_transport : self->transport;
  g_autoptr(SipnatBinding) local = NULL;

  if (self->contact_binding != NULL && !self->identity_changed)
    return;

  local = sipnat_binding_new (public_address ? public_address
                                             : _sipnat_stack_get_contact_host (self->stack),
                              _sipnat_stack_get_transport_port (self->stack, transport),
                              transport);
  set_contact_binding (self, local);
}

static char *
contact_header (SipnatRegistration *self)
{
  const char *instance = NULL;

  if (self->outbound && self->endpoint != NULL)
    instance = sipnat_endpoint_get_instance_id (self->endpoint);

  return _sipnat_register_build_contact_header (self->contact, instance, self->reg_id,
                                                self->stale_contact);
}

/* nua builds each REGISTER from the tags of its last call, and resends
 * that for its refreshes: every call gives them all. The registrar goes in
 * as the request's target (NUTAG_URL), not as a handle parameter
 * (NUTAG_REGISTRAR), and outbound and media are the stack's defaults: a
 * handle given no parameter of its own shares the stack's, and saves 0.2 KiB
 * (measured, 1 000 registrations over TCP, 12.72 -> 12.51 KiB malloc'd a
 * registration). */
static void
issue_register (SipnatRegistration *self)
{
  g_autofree char *expires = g_strdup_printf ("%u", self->reg_timeout);
  gboolean own_digest = self->auth_header != NULL;

  self->register_in_flight = TRUE;
  nua_register (self->nh,
                NUTAG_URL (self->registrar_url),
                SIPTAG_CONTACT_STR (self->contacts_header),
                SIPTAG_EXPIRES_STR (expires),
                TAG_IF (self->outbound, SIPTAG_SUPPORTED_STR ("outbound")),
                TAG_IF (own_digest, SIPTAG_AUTHORIZATION (SIP_NONE)),
                TAG_IF (own_digest, SIPTAG_PROXY_AUTHORIZATION (SIP_NONE)),
                TAG_IF (own_digest, SIPTAG_HEADER_STR (self->auth_header)),
                TAG_END ());
}

/* The DNS probe (sipnat-dns-probe.c) answered. No DNS server at all:
 * nta would wait for minutes, fail now. A REGISTER that waited for the
 * domain's NAPTR goes out with the transport it chose. */
static void
dns_probe_cb (gpointer                    data,
              const SipnatDnsProbeResult *result)
{
  SipnatRegistration *self = data;
  gboolean waiting = self->naptr_pending;
  _sipnat_registration_enter (self);

  g_clear_pointer (&self->dns_probe, _sipnat_dns_probe_free);
  self->naptr_pending = FALSE;

  if (!result->answered)
    {
      SIPNAT_NOTE (REGISTRATION, "%s: no DNS server answered for %s", self->name,
                   _sipnat_registration_active_server (self));
      _sipnat_registration_fail (self, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_UNREACHABLE,
                               _("%s: no DNS server answered within %u s, so the server could "
                                 "not be found"),
                               _sipnat_registration_active_server (self), SIPNAT_DNS_PROBE_TIMEOUT_MS / 1000));
    }
  else if (waiting && self->state != SIPNAT_REGISTRATION_STATE_UNREGISTERING)
    {
      g_free (self->naptr_server);
      self->naptr_server = g_strdup (_sipnat_registration_active_server (self));
      self->naptr_chose = result->has_transport;
      self->naptr_transport = result->transport;
      if (result->has_transport)
        SIPNAT_NOTE (REGISTRATION, "%s: NAPTR of %s chose %s", self->name, _sipnat_registration_active_server (self),
                     sipnat_transport_to_string (result->transport));
      _sipnat_registration_send (self);
    }

  _sipnat_registration_leave (self);
}

static void
start_dns_probe (SipnatRegistration *self)
{
  SipnatTransportFlags transports = self->endpoint ? sipnat_endpoint_get_transports (self->endpoint)
                                                   : SIPNAT_TRANSPORT_FLAGS_UDP;

  g_clear_pointer (&self->dns_probe, _sipnat_dns_probe_free);
  self->naptr_pending = FALSE;
  self->dns_probe = _sipnat_dns_probe_start (_sipnat_stack_get_context (self->stack),
                                             _sipnat_registration_active_server (self), transports,
                                             SIPNAT_DNS_PROBE_TIMEOUT_MS, dns_probe_cb, self);
}

/* RFC 3263 §4.1: a domain's NAPTR records choose the transport when
 * `transport` is udp (the default, which names none in the URI) and the
 * endpoint has another. nta would choose in the wrong order
 * (sipnat-dns.c): wait for our own answer, once per server entry (a
 * new `server`, or failing over to the next entry, asks again). */
static gboolean
wait_for_naptr (SipnatRegistration *self)
{
  SipnatTransportFlags transports = self->endpoint ? sipnat_endpoint_get_transports (self->endpoint)
                                                   : SIPNAT_TRANSPORT_FLAGS_UDP;

  if (self->transport != SIPNAT_TRANSPORT_UDP ||
      (transports & ~SIPNAT_TRANSPORT_FLAGS_UDP) == 0 ||
      !_sipnat_dns_server_uses_srv (_sipnat_registration_active_server (self)) ||
      g_strcmp0 (self->naptr_server, _sipnat_registration_active_server (self)) == 0)
    return FALSE;

  self->naptr_chose = FALSE;
  start_dns_probe (self);
  if (self->dns_probe == NULL)
    return FALSE;

  self->naptr_pending = TRUE;
  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED)
    _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_REGISTERING, NULL);
  return TRUE;
}

static char *
registrar_url (SipnatRegistration *self)
{
  /* The chosen transport, named: nta asks its SRV name only. */
  if (naptr_applies (self))
    return g_strdup_printf ("sip:%s;transport=%s", _sipnat_registration_active_server (self),
                            sipnat_transport_to_string (self->naptr_transport));

  return _sipnat_register_build_registrar_url (_sipnat_registration_active_server (self), self->transport);
}

void
_sipnat_registration_send (SipnatRegistration *self)
{
  SipnatRegisterIdentity id = identity (self);

  /* Over TLS, GIO checks the certificate before a new connection. */
  if (_sipnat_registration_check_tls_first (self))
    return;

  if (!ensure_handle (self))
    {
      _sipnat_registration_fail (self, g_error_new_literal (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                                       _("The endpoint is closed")));
      return;
    }
  if (wait_for_naptr (self))
    return;

  ensure_contact (self);
  self->identity_changed = FALSE;
  self->auth_rounds = 0;
  g_clear_pointer (&self->auth_header, g_free);

  g_free (self->registrar_url);
  self->registrar_url = registrar_url (self);
  g_free (self->contacts_header);
  self->contacts_header = contact_header (self);
  if (contact_transport (self) == SIPNAT_TRANSPORT_TCP)
    _sipnat_flow_claim_stream (self->flow);
  self->request_size = _sipnat_register_estimate_size (&id, self->registrar_url,
                                                       self->contacts_header,
                                                       self->endpoint
                                                       ? sipnat_endpoint_get_user_agent (self->endpoint)
                                                       : NULL);

  SIPNAT_NOTE (REGISTRATION, "%s: REGISTER %s Contact %s Expires %u",
               self->name, self->registrar_url, self->contacts_header, self->reg_timeout);
  issue_register (self);
  if (self->dns_probe == NULL)
    start_dns_probe (self);

  self->stale_sent = self->stale_contact != NULL;
  g_clear_pointer (&self->stale_contact, g_free);

  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED)
    _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_REGISTERING, NULL);
}

/*
 * _sipnat_registration_start_unregister:
 *
 * Sends the un-REGISTER: on the registration's handle, or, when a failed
 * refresh took that away while the registrar may still hold our Contact,
 * on a new one naming that Contact.
 *
 * Returns: %TRUE if it went out; %FALSE with @error unset when there was
 *   nothing to remove, with @error set when it could not be sent
 */
gboolean
_sipnat_registration_start_unregister (SipnatRegistration  *self,
                                       GError             **error)
{
  g_autofree char *contact = NULL;

  if (self->nh == NULL && !self->bound)
    return FALSE;

  g_clear_pointer (&self->dns_probe, _sipnat_dns_probe_free);
  self->naptr_pending = FALSE;
  _sipnat_registration_stop_flow (self);
  if (self->nh != NULL)
    {
      _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERING, NULL);
      /* nua resends our digest, if any */
      nua_unregister (self->nh,
                      TAG_IF (self->registrar_url != NULL, NUTAG_URL (self->registrar_url)),
                      TAG_END ());
      return TRUE;
    }

  if (!ensure_handle (self) || self->contact == NULL || self->registrar_url == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                   _("The registration “%s” was not removed: the endpoint is closed"),
                   self->name);
      return FALSE;
    }

  contact = g_strdup_printf ("<%s>", self->contact);
  _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERING, NULL);
  nua_unregister (self->nh,
                  NUTAG_URL (self->registrar_url),
                  SIPTAG_CONTACT_STR (contact),
                  TAG_END ());
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The public binding                                                     */

static void
notify_binding_changes (SipnatRegistration   *self,
                        SipnatBindingChanges  changes,
                        SipnatBinding        *old)
{
  if (changes & SIPNAT_BINDING_CHANGED_LOCAL)
    _sipnat_registration_notify (self, "local-binding");
  if (changes & SIPNAT_BINDING_CHANGED_NAT_DETECTED)
    _sipnat_registration_notify (self, "nat-detected");
  if (changes & SIPNAT_BINDING_CHANGED_PUBLIC)
    {
      _sipnat_registration_notify (self, "public-binding");
      _sipnat_registration_queue_binding_change (self, old,
                                                 _sipnat_binding_follower_get_public (self->follower));
    }
}

static void
observe_via (SipnatRegistration   *self,
             const SipnatSipEvent *ev)
{
  SipnatBinding *old = NULL;
  SipnatBindingChanges changes;

  if (!ev->from_network || ev->sip->sip_via == NULL)
    return;

  changes = _sipnat_binding_follower_observe (self->follower, ev->sip->sip_via,
                                              contact_transport (self), &old);
  notify_binding_changes (self, changes, old);
}

/* reg-match-received-rport: after a 2xx or a keep-alive answer, a Contact
 * that differs from the public binding in address or port is replaced,
 * once the binding tracker trusts the change. */
static void
follow_binding (SipnatRegistration *self)
{
  g_autofree char *registrar_host = NULL;

  if (!self->reg_match_received_rport || self->contact_binding == NULL ||
      self->state != SIPNAT_REGISTRATION_STATE_REGISTERED)
    return;

  registrar_host = _sipnat_server_host (_sipnat_registration_active_server (self));
  switch (_sipnat_binding_follower_decide (self->follower, self->contact_binding, registrar_host))
    {
    case SIPNAT_BINDING_ACTION_NONE:
      return;

    case SIPNAT_BINDING_ACTION_CONFIRM:
      SIPNAT_NOTE (NAT, "%s: public binding differs from the Contact; confirming", self->name);
      _sipnat_flow_probe (self->flow);
      return;

    case SIPNAT_BINDING_ACTION_DEFER:
      SIPNAT_NOTE (NAT, "%s: the binding flips back within a cycle; waiting", self->name);
      return;

    case SIPNAT_BINDING_ACTION_REWRITE:
      SIPNAT_NOTE (NAT, "%s: Contact %s follows the public binding", self->name, self->contact);
      _sipnat_binding_follower_rewrote (self->follower, self->contact_binding);
      g_free (self->stale_contact);
      self->stale_contact = g_strdup (self->contact);
      set_contact_binding (self, _sipnat_binding_follower_get_public (self->follower));
      _sipnat_registration_send (self);
      return;
    }
}

/* A final answer to a REGISTER of ours: none in flight any more; a 2xx
 * ends the back-off of refreshes for failed keep-alives. */
static void
note_register_answered (SipnatRegistration   *self,
                        const SipnatSipEvent *ev)
{
  self->register_in_flight = FALSE;
  if (ev->event == nua_r_register && ev->status >= 200 && ev->status < 300)
    {
      self->keepalive_backoff_s = 0;
      self->keepalive_refresh_after = 0;
    }
}

/* Under overload keep-alive answers come late: each timeout must not add
 * a REGISTER to those already late (a 408 storm). None while one is in
 * flight, and after each, a back-off doubling from
 * KEEPALIVE_BACKOFF_MIN_S to KEEPALIVE_BACKOFF_MAX_S until a 2xx. */
#define KEEPALIVE_BACKOFF_MIN_S 4
#define KEEPALIVE_BACKOFF_MAX_S 128

static gboolean
may_refresh_for_keepalive (SipnatRegistration *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->register_in_flight)
    {
      SIPNAT_NOTE (NAT, "%s: keep-alive failed; a REGISTER is in flight already", self->name);
      return FALSE;
    }
  if (now < self->keepalive_refresh_after)
    {
      SIPNAT_NOTE (NAT, "%s: keep-alive failed; backing off", self->name);
      return FALSE;
    }

  self->keepalive_backoff_s = CLAMP (self->keepalive_backoff_s * 2,
                                     KEEPALIVE_BACKOFF_MIN_S, KEEPALIVE_BACKOFF_MAX_S);
  self->keepalive_refresh_after = now + (gint64) _sipnat_scheduler_jitter (self->keepalive_backoff_s * 1000, 50) * 1000;
  return TRUE;
}

static void
start_flow (SipnatRegistration *self)
{
  SipnatRegisterIdentity id = identity (self);
  g_autofree char *aor = NULL;

  if (_sipnat_flow_is_running (self->flow))
    return;

  aor = _sipnat_register_build_aor (&id);
  _sipnat_binding_follower_reset (self->follower,
                                  (gint64) MAX (self->reg_timeout / 2, 1) * G_USEC_PER_SEC);
  _sipnat_flow_start (self->flow, self->registrar_url, aor, contact_transport (self));
}

void
_sipnat_registration_flow_answered (gpointer              data,
                                    const SipnatSipEvent *ev)
{
  SipnatRegistration *self = data;
  _sipnat_registration_enter (self);

  if (ev->from_network)
    {
      observe_via (self, ev);
      follow_binding (self);
    }
  else if (self->state == SIPNAT_REGISTRATION_STATE_REGISTERED && self->register_task == NULL &&
           self->auth_rounds == 0 && may_refresh_for_keepalive (self))
    {
      /* No answer at all: the flow or the registrar may be gone. A
       * refresh finds out, and fails into the retry path if so. One at a
       * time: a REGISTER under way already does. */
      SIPNAT_NOTE (NAT, "%s: keep-alive failed (%d %s); refreshing", self->name,
                   ev->status, ev->phrase);
      self->tls_checked = FALSE;   /* a new connection: checked again */
      _sipnat_registration_send (self);
    }

  _sipnat_registration_leave (self);
}

/* A STUN keep-alive's answer: the public binding, as a Via would say. */
void
_sipnat_registration_flow_mapped (gpointer    data,
                                  const char *host,
                                  guint       port)
{
  SipnatRegistration *self = data;
  g_autoptr(SipnatBinding) mapped = NULL;
  SipnatBinding *old = NULL;
  SipnatBindingChanges changes;

  if (port == 0 || port > G_MAXUINT16)
    return;

  _sipnat_registration_enter (self);
  mapped = sipnat_binding_new (host, (guint16) port, SIPNAT_TRANSPORT_UDP);
  changes = _sipnat_binding_follower_observe_mapped (self->follower, mapped, &old);
  notify_binding_changes (self, changes, old);
  follow_binding (self);
  _sipnat_registration_leave (self);
}

/* ---------------------------------------------------------------------- */
/* Answers                                                                */

/* Our own digest (credentials with a colon): nua waits for credentials
 * it could use; credentials for no realm end that wait (a 904 we expect),
 * then the request goes again with our header, which replaces any
 * earlier one. nua keeps it for its refreshes. */
static void
resend_with_header (SipnatRegistration *self,
                    char               *header,   /* (transfer full) */
                    gboolean            unregister)
{
  g_free (self->auth_header);
  self->auth_header = header;
  self->expect_no_challenge = TRUE;
  nua_authenticate (self->nh, NUTAG_AUTH ("Digest:\"\":-:-"), TAG_END ());
  if (!unregister)
    issue_register (self);
  else
    nua_unregister (self->nh,
                    NUTAG_URL (self->registrar_url),
                    SIPTAG_AUTHORIZATION (SIP_NONE),
                    SIPTAG_PROXY_AUTHORIZATION (SIP_NONE),
                    SIPTAG_HEADER_STR (self->auth_header),
                    TAG_END ());
}

/* Answers a 401/407 once per request. FALSE with @error when it cannot. */
static gboolean
answer_challenge (SipnatRegistration    *self,
                  const SipnatSipEvent  *ev,
                  GError               **error)
{
  g_autofree char *header = NULL;

  if (self->auth_rounds > 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED,
                   _("%s: authentication failed: the server refused the credentials of “%s” "
                     "(%d %s)"),
                   _sipnat_registration_active_server (self), self->user, ev->status, ev->phrase);
      return FALSE;
    }

  if (!_sipnat_account_answer (self->account, ev, "REGISTER", self->registrar_url,
                               &header, error))
    {
      g_prefix_error (error, "%s: ", _sipnat_registration_active_server (self));
      return FALSE;
    }

  self->auth_rounds++;
  if (header != NULL)
    resend_with_header (self, g_steal_pointer (&header), ev->event == nua_r_unregister);

  return TRUE;
}

static void
handle_challenge (SipnatRegistration   *self,
                  const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;

  if (!answer_challenge (self, ev, &error))
    _sipnat_registration_fail (self, g_steal_pointer (&error));
}

static gboolean
is_our_contact (SipnatRegistration *self,
                const url_t        *url)
{
  const SipnatBinding *ours = self->contact_binding;
  g_autofree char *host = NULL;
  guint64 port = 5060;

  if (ours == NULL || url == NULL || url->url_host == NULL)
    return FALSE;

  host = g_strdup (url->url_host);
  if (host[0] == '[')
    {
      g_autofree char *inner = g_strndup (host + 1, strcspn (host + 1, "]"));
      g_free (host);
      host = g_steal_pointer (&inner);
    }
  if (url->url_port != NULL && !g_ascii_string_to_unsigned (url->url_port, 10, 1, G_MAXUINT16,
                                                            &port, NULL))
    return FALSE;

  return g_ascii_strcasecmp (host, ours->host) == 0 && port == ours->port;
}

/* What the registrar granted our Contact in its 2xx: that Contact's
 * expires, or the Expires header, or what we asked for. 0 means it did
 * not keep us. */
static guint64
granted_expires (SipnatRegistration *self,
                 const sip_t        *sip)
{
  guint64 granted = sip->sip_expires ? sip->sip_expires->ex_delta : self->reg_timeout;

  for (const sip_contact_t *m = sip->sip_contact; m != NULL; m = m->m_next)
    if (is_our_contact (self, m->m_url) && m->m_expires != NULL)
      return g_ascii_strtoull (m->m_expires, NULL, 10);

  return granted;
}

/* A domain's NAPTR records chose another transport than the Contact's
 * (sipnat-dns.c): the REGISTER went over TCP with a UDP Contact. The
 * Contact takes the transport the request went over, and replaces the
 * old one at once. Not for a large request that went over TCP by
 * itself (nta's 1300-byte rule): that is no choice of DNS. */
static gboolean
adopt_dns_transport (SipnatRegistration   *self,
                     const SipnatSipEvent *ev)
{
  g_autoptr(SipnatBinding) sent_by = NULL;
  g_autoptr(SipnatBinding) contact = NULL;

  if (self->transport != SIPNAT_TRANSPORT_UDP || self->contact_binding == NULL ||
      self->request_size > SIPNAT_REGISTRATION_UDP_SIZE_LIMIT || ev->sip->sip_via == NULL ||
      !_sipnat_dns_server_uses_srv (_sipnat_registration_active_server (self)))
    return FALSE;

  sent_by = _sipnat_via_get_sent_by (ev->sip->sip_via, NULL);
  if (sent_by == NULL || sent_by->transport == self->contact_binding->transport)
    return FALSE;

  SIPNAT_NOTE (REGISTRATION, "%s: DNS chose %s for %s; the Contact follows", self->name,
               sipnat_transport_to_string (sent_by->transport), _sipnat_registration_active_server (self));
  contact = sipnat_binding_new (self->contact_binding->host, self->contact_binding->port,
                                sent_by->transport);
  g_free (self->stale_contact);
  self->stale_contact = g_strdup (self->contact);
  set_contact_binding (self, contact);
  _sipnat_registration_send (self);
  return TRUE;
}

static void
handle_success (SipnatRegistration   *self,
                const SipnatSipEvent *ev)
{
  guint64 granted = granted_expires (self, ev->sip);
  gboolean stale_sent = self->stale_sent;

  self->stale_sent = FALSE;
  if (granted == 0)
    {
      _sipnat_registration_fail (self, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                               _("%s: the server answered %d %s but did not keep the Contact "
                                 "(expires=0)"),
                               _sipnat_registration_active_server (self), ev->status, ev->phrase));
      return;
    }

  /* nua refreshes at half the grant, computed in 32 bits: a grant of a
   * second is a refresh storm, one near 2^32 s overflows into one. Such
   * a registrar is broken; retry it with a back-off, never in a loop. */
  if (granted < MIN (MIN_GRANTED_EXPIRES_S, self->reg_timeout) || granted > MAX_GRANTED_EXPIRES_S)
    {
      _sipnat_registration_fail (self, g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_REJECTED,
                               _("%s: the server granted an expiry of %" G_GUINT64_FORMAT
                                 " s for %u s asked, outside %u to %u s"),
                               _sipnat_registration_active_server (self), granted, self->reg_timeout,
                               MIN (MIN_GRANTED_EXPIRES_S, self->reg_timeout),
                               MAX_GRANTED_EXPIRES_S));
      return;
    }

  self->auth_rounds = 0;
  self->bound = TRUE;
  _sipnat_server_list_succeeded (self->servers);
  _sipnat_registration_set_error (self, NULL);
  if (_sipnat_flow_update_outbound (self->flow, ev->sip))
    _sipnat_registration_notify (self, "outbound-active");
  _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_REGISTERED, NULL);

  if (!stale_sent && adopt_dns_transport (self, ev))
    {
      _sipnat_registration_complete (self, &self->register_task, NULL);
      return;
    }

  start_flow (self);
  if (_sipnat_binding_follower_get_public (self->follower) == NULL)
    _sipnat_flow_probe (self->flow);   /* the 2xx came over another transport */

  /* nua refreshes by resending the last REGISTER as it was: one that
   * removed a stale Contact is replaced at once by one that does not. */
  if (stale_sent)
    _sipnat_registration_send (self);
  else
    follow_binding (self);

  _sipnat_registration_complete (self, &self->register_task, NULL);
}

static void
handle_register_answer (SipnatRegistration   *self,
                        const SipnatSipEvent *ev)
{
  if ((ev->status == 401 || ev->status == 407) && ev->from_network)
    handle_challenge (self, ev);
  else if (ev->status >= 300)
    {
      GError *error = _sipnat_registration_failure_error (self, ev);

      /* Sofia's own error over TLS: first find out whether the
       * certificate was the reason (sipnat-registration-tls.c). */
      if (ev->from_network || !_sipnat_registration_explain_tls_failure (self, error))
        _sipnat_registration_fail (self, error);
    }
  else
    handle_success (self, ev);
}

static void
handle_unregister_answer (SipnatRegistration   *self,
                          const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;

  if ((ev->status == 401 || ev->status == 407) && ev->from_network &&
      answer_challenge (self, ev, &error))
    return;

  if (error == NULL && ev->status >= 300)
    error = _sipnat_registration_failure_error (self, ev);
  if (error != NULL)
    g_prefix_error (&error, _("The registration “%s” was not removed: "), self->name);
  else
    self->bound = FALSE;

  _sipnat_registration_drop_handle (self, FALSE);
  _sipnat_registration_stop_flow (self);
  _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED, NULL);
  _sipnat_registration_complete (self, &self->unregister_task, error);
}

void
_sipnat_registration_handle_event (SipnatHandleOwner    *owner,
                                   const SipnatSipEvent *ev)
{
  SipnatRegistration *self = SIPNAT_HANDLE_OWNER_CONTAINER (owner, SipnatRegistration, owner);

  if ((ev->event != nua_r_register && ev->event != nua_r_unregister) || ev->status < 200)
    return;

  /* The end of nua's wait for credentials, before our own digest. */
  if (ev->status == 904 && self->expect_no_challenge)
    {
      self->expect_no_challenge = FALSE;
      return;
    }

  _sipnat_registration_enter (self);
  SIPNAT_NOTE (REGISTRATION, "%s: %s %d %s", self->name, nua_event_name (ev->event),
               ev->status, ev->phrase);
  note_register_answered (self, ev);

  _sipnat_registration_set_status (self, ev->status, ev->phrase);
  g_clear_pointer (&self->dns_probe, _sipnat_dns_probe_free);
  observe_via (self, ev);

  if (ev->event == nua_r_unregister)
    handle_unregister_answer (self, ev);
  else if (self->state != SIPNAT_REGISTRATION_STATE_UNREGISTERING)
    handle_register_answer (self, ev);

  _sipnat_registration_leave (self);
}

/* ---------------------------------------------------------------------- */
/* Settings that change while registered take effect at once               */

void
_sipnat_registration_apply_changes (SipnatRegistration *self)
{
  if (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED &&
      self->state != SIPNAT_REGISTRATION_STATE_REGISTERING)
    return;

  /* Another AOR or registrar: unregister the old handle, start afresh. */
  if (self->identity_changed)
    {
      _sipnat_registration_drop_handle (self, TRUE);
      _sipnat_registration_stop_flow (self);
      g_clear_pointer (&self->contact_binding, sipnat_binding_free);
    }

  if (self->reg_timeout == 0)
    {
      _sipnat_registration_drop_handle (self, TRUE);
      _sipnat_registration_stop_flow (self);
      _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_STANDALONE, NULL);
      return;
    }

  _sipnat_registration_send (self);
}
