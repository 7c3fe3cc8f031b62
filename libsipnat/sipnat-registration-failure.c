/* sipnat-registration-failure.c: what a registration does when a
 * REGISTER fails
 *
 * The error names the server and says whether the failure was ours (no
 * answer, no route, a request too large for UDP through a NAT that drops
 * fragments) or the server's answer; then the next server
 * (sipnat-server-list.c), a retry after a back-off on the stack's
 * scheduler (RFC 5626 section 4.5), or failed for good (credentials,
 * configuration, certificate, a definite no).
 *
 * Like sipnat-registration-requests.c, everything here runs between
 * _sipnat_registration_enter() and _sipnat_registration_leave().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-debug-private.h"
#include "sipnat-dns-private.h"
#include "sipnat-error-private.h"
#include "sipnat-registration-impl-private.h"

/* ---------------------------------------------------------------------- */
/* Failure and retry                                                      */

static void
retry_cb (gpointer data)
{
  SipnatRegistration *self = data;
  _sipnat_registration_enter (self);

  self->retry_timer = NULL;   /* the scheduler is done with it */
  g_clear_pointer (&self->retry_stack, _sipnat_stack_unref);
  SIPNAT_NOTE (REGISTRATION, "%s: retrying", self->name);
  _sipnat_registration_send (self);

  _sipnat_registration_leave (self);
}

/* Retries go on the stack's one scheduler, not a GSource each. */
static void
schedule_retry (SipnatRegistration *self,
                guint               delay_ms)
{
  if (self->retry_timer != NULL || self->stack == NULL)
    return;

  self->retry_stack = _sipnat_stack_ref (self->stack);
  self->retry_timer = _sipnat_scheduler_add (_sipnat_stack_get_scheduler (self->stack),
                                             delay_ms, retry_cb, self);
}

void
_sipnat_registration_cancel_retry (SipnatRegistration *self)
{
  if (self->retry_timer == NULL)
    return;

  _sipnat_scheduler_clear (_sipnat_stack_get_scheduler (self->retry_stack), &self->retry_timer);
  g_clear_pointer (&self->retry_stack, _sipnat_stack_unref);
}

/* What waiting cannot mend is not retried: credentials, configuration,
 * a closed endpoint, and a registrar's definite no (a 4xx other than
 * the temporary 408, 429 and 480). */
static gboolean
is_retryable (SipnatRegistration *self,
              const GError       *error)
{
  guint status = self->status_code;

  if (g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_REJECTED) &&
      status >= 400 && status < 500)
    return status == 408 || status == 429 || status == 480;

  return !g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED) &&
         !g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG) &&
         !g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_CERTIFICATE) &&
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

static gboolean
stack_alive (SipnatRegistration *self)
{
  return self->stack != NULL && _sipnat_stack_get_nua (self->stack) != NULL;
}

static gboolean
fail_over (SipnatRegistration *self,
           const GError       *error)
{
  guint delay_ms = 0;

  if (!is_failover_error (error) ||
      !_sipnat_server_list_fail_over (self->servers, self->transport, self->reg_interval, &delay_ms))
    return FALSE;

  g_clear_pointer (&self->contact_binding, sipnat_binding_free);
  _sipnat_registration_notify (self, "active-server");
  SIPNAT_NOTE (REGISTRATION, "%s: failing over to %s", self->name, _sipnat_registration_active_server (self));
  _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_RETRYING, error->message);
  schedule_retry (self, delay_ms);
  return TRUE;
}

/* A failed REGISTER: the next server, or a retry after a back-off
 * (RFC 5626 §4.5), or failed for good (credentials, configuration). */
void
_sipnat_registration_fail (SipnatRegistration *self,
                           GError             *error)   /* (transfer full) */
{
  g_autoptr(GError) owned = error;
  gboolean retry = is_retryable (self, error) && stack_alive (self);

  SIPNAT_NOTE (REGISTRATION, "%s: failed: %s", self->name, error->message);

  _sipnat_registration_drop_handle (self, FALSE);
  _sipnat_registration_stop_flow (self);
  g_clear_pointer (&self->stale_contact, g_free);
  _sipnat_registration_set_error (self, error);

  /* A pending register_async waits for the other servers. */
  if (stack_alive (self) && fail_over (self, error))
    return;

  _sipnat_registration_set_state (self,
                                  retry ? SIPNAT_REGISTRATION_STATE_RETRYING
                                        : SIPNAT_REGISTRATION_STATE_FAILED,
                                  error->message);
  if (retry)
    schedule_retry (self, _sipnat_server_list_retry_delay_ms (self->servers, self->reg_interval));

  _sipnat_registration_complete (self, &self->register_task, error);
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
      self->transport != SIPNAT_TRANSPORT_UDP || self->request_size <= SIPNAT_REGISTRATION_UDP_SIZE_LIMIT)
    return error;

  if (_sipnat_stack_get_tcp_for_large_requests (self->stack))
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

/* The error for a final failure, naming the server and saying whether
 * the failure was ours (no answer, no route) or the server's answer. */
GError *
_sipnat_registration_failure_error (SipnatRegistration   *self,
                                    const SipnatSipEvent *ev)
{
  g_autoptr(GError) base = _sipnat_error_new_from_status (ev->status, ev->phrase,
                                                          ev->from_network);
  GError *error = _sipnat_dns_failure_new (_sipnat_registration_active_server (self), ev->status, ev->phrase,
                                           ev->from_network);

  if (error != NULL)
    return error;
  if (ev->from_network)
    error = g_error_new (base->domain, base->code, _("%s: %s"), _sipnat_registration_active_server (self),
                         base->message);
  else
    error = g_error_new (base->domain, base->code, _("%s over %s: %s"), _sipnat_registration_active_server (self),
                         sipnat_transport_to_string (self->transport), base->message);

  return explain_failure (self, error);
}
