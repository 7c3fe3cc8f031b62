/* sipnat-registration-lifecycle.c: how a registration starts and stops
 *
 * Made by its endpoint, attached to the endpoint's stack; registered and
 * unregistered by the application (cancellable both ways); detached when
 * removed or when the endpoint goes; a setting that changes while
 * registered applied at once.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-error.h"
#include "sipnat-keepalive-auto-private.h"
#include "sipnat-registration-impl-private.h"
#include "sipnat-sip-syntax-private.h"

/* ---------------------------------------------------------------------- */
/* Life with the endpoint                                                  */


/* Only an endpoint makes registrations; @reg_id is its flow's (RFC
 * 5626), never used before on the endpoint. */
SipnatRegistration *
_sipnat_registration_new (SipnatEndpoint *endpoint,
                          const char     *name,
                          guint           reg_id)
{
  SipnatRegistration *self = g_object_new (SIPNAT_TYPE_REGISTRATION, NULL);

  self->endpoint = endpoint;
  g_object_add_weak_pointer (G_OBJECT (endpoint), (gpointer *) &self->endpoint);
  self->name = g_strdup (name);
  self->reg_id = reg_id;
  _sipnat_binding_follower_free (self->follower);
  self->follower = _sipnat_binding_follower_new (name);

  return self;
}

/* The endpoint's stack, once it has one. */
void
_sipnat_registration_attach (SipnatRegistration *self,
                             SipnatStack        *stack)
{
  g_return_if_fail (self->stack == NULL);

  self->stack = _sipnat_stack_ref (stack);
  self->flow = _sipnat_flow_new (stack, _sipnat_registration_flow_answered, self);
  _sipnat_flow_set_mapped_func (self->flow, _sipnat_registration_flow_mapped);
  _sipnat_flow_set_interval (self->flow, sipnat_nat_policy_get_keepalive_interval (self->nat_policy));
}

gboolean
_sipnat_registration_is_active (SipnatRegistration *self)
{
  return self->nh != NULL || self->retry_timer != NULL || self->bound;
}

/* The endpoint is closing: no keep-alive until the registration is
 * registered again (it will not be). */
void
_sipnat_registration_stop_keepalives (SipnatRegistration *self)
{
  _sipnat_registration_stop_flow (self);
}

/* Removed, or the endpoint is going away: nothing is sent from now on
 * (but the un-REGISTER when asked for, in the background), every timer is
 * gone, and pending operations fail. */
void
_sipnat_registration_detach (SipnatRegistration *self,
                             gboolean            unregister)
{
  g_autoptr(GError) error = NULL;
  gboolean had_handle = self->nh != NULL;

  _sipnat_registration_enter (self);
  if (unregister)
    error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                         _("The registration “%s” was removed from its endpoint"), self->name);
  else
    error = g_error_new_literal (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, _("The endpoint was closed"));

  /* An un-REGISTER already under way is not sent twice. */
  _sipnat_registration_clear_sources (self);
  _sipnat_registration_drop_handle (self, unregister &&
                                    self->state != SIPNAT_REGISTRATION_STATE_UNREGISTERING);
  g_clear_pointer (&self->flow, _sipnat_flow_free);
  g_clear_pointer (&self->stack, _sipnat_stack_unref);
  self->detached = TRUE;

  if (had_handle || self->state == SIPNAT_REGISTRATION_STATE_RETRYING)
    _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED, error->message);
  _sipnat_registration_complete (self, &self->register_task, error);
  _sipnat_registration_complete (self, &self->unregister_task, error);

  _sipnat_registration_leave (self);
}

/* ---------------------------------------------------------------------- */
/* Settings that change while registered take effect at once               */

static gboolean
apply_changes_cb (gpointer data)
{
  SipnatRegistration *self = data;
  _sipnat_registration_enter (self);

  g_clear_pointer (&self->apply_source, g_source_unref);
  _sipnat_registration_apply_changes (self);

  _sipnat_registration_leave (self);
  return G_SOURCE_REMOVE;
}

void
_sipnat_registration_setting_changed (SipnatRegistration *self,
                                      gboolean            identity)
{
  self->identity_changed |= identity;

  if (self->apply_source != NULL || self->stack == NULL ||
      (self->state != SIPNAT_REGISTRATION_STATE_REGISTERED &&
       self->state != SIPNAT_REGISTRATION_STATE_REGISTERING))
    return;

  self->apply_source = g_idle_source_new ();
  g_source_set_callback (self->apply_source, apply_changes_cb, self, NULL);
  g_source_attach (self->apply_source, _sipnat_stack_get_context (self->stack));
}

/* ---------------------------------------------------------------------- */
/* Public API: register and unregister                                     */

static gboolean
check_usable (SipnatRegistration  *self,
              GError             **error)
{
  if (self->endpoint == NULL)
    g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, _("The endpoint is gone"));
  else if (self->detached)
    g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                 _("The registration “%s” was removed, or its endpoint closed"), self->name);
  else if (self->stack == NULL)
    g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                         _("The endpoint was not initialised: create it with "
                           "sipnat_endpoint_new() or call g_initable_init()"));
  else if (_sipnat_stack_get_nua (self->stack) == NULL)
    g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, _("The endpoint is closed"));
  else
    return TRUE;

  return FALSE;
}

static gboolean
check_settings (SipnatRegistration  *self,
                GError             **error)
{
  if (_sipnat_server_list_get_active (self->servers) == NULL)
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

  if (!_sipnat_check_server_list (self->server, error) ||
      !_sipnat_check_user (self->user, error) ||
      (self->domain != NULL && !_sipnat_check_domain (self->domain, error)) ||
      (self->display_name != NULL && !_sipnat_check_display_name (self->display_name, error)))
    {
      g_prefix_error (error, _("The registration “%s”: "), self->name);
      return FALSE;
    }

  if (!_sipnat_registration_check_tls (self, error))
    return FALSE;

  return sipnat_nat_policy_validate (self->nat_policy, error);
}

/* A task that fails at once; GTask calls back from the next iteration. */
static gboolean
return_early (GTask        *task,
              GCancellable *cancellable,
              GError       *error)   /* (transfer full) (nullable) */
{
  if (error == NULL && !g_cancellable_set_error_if_cancelled (cancellable, &error))
    return FALSE;

  g_task_return_error (task, error);
  return TRUE;
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      data)
{
  SipnatRegistration *self = data;
  g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                 _("Registration was cancelled"));

  _sipnat_registration_enter (self);

  /* Nothing more goes out: no failover or retry either. */
  g_clear_pointer (&self->cancel_source, g_source_unref);
  _sipnat_registration_cancel_retry (self);
  _sipnat_registration_drop_handle (self, TRUE);
  _sipnat_registration_stop_flow (self);
  _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_NONE, error->message);
  _sipnat_registration_complete (self, &self->register_task, error);

  _sipnat_registration_leave (self);
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
  g_source_attach (self->cancel_source, _sipnat_stack_get_context (self->stack));
}

static void
start_registering (SipnatRegistration *self,
                   GTask              *task,   /* (transfer full) */
                   GCancellable       *cancellable)
{
  _sipnat_registration_cancel_retry (self);
  self->register_task = task;
  watch_cancellable (self, cancellable);

  if (self->state == SIPNAT_REGISTRATION_STATE_REGISTERED && self->nh != NULL)
    _sipnat_registration_complete (self, &self->register_task, NULL);
  else
    _sipnat_registration_send (self);
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
 * %SIPNAT_ERROR_REJECTED (any other final status),
 * %SIPNAT_ERROR_CERTIFICATE (over TLS: the server's certificate was
 * refused; the message says why) or %SIPNAT_ERROR_CONFIG; the message
 * names the server. After a failure
 * other than of credentials, configuration or certificate the
 * registration keeps
 * retrying in the background, with a growing delay (RFC 5626 §4.5)
 * based on [property@Sipnat.Registration:reg-interval]; watch
 * [property@Sipnat.Registration:state].
 *
 * In standalone mode (a reg-timeout of 0) it completes at once with
 * success and sends nothing. A @cancellable cancelled already sends
 * nothing.
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
    error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PENDING,
                                 _("A registration is already under way"));
  else if (check_usable (self, &error) && self->reg_timeout > 0)
    check_settings (self, &error);
  if (return_early (task, cancellable, g_steal_pointer (&error)))
    return;

  _sipnat_registration_enter (self);
  if (self->reg_timeout == 0)
    {
      _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_STANDALONE,
                                      _("reg_timeout is 0"));
      g_task_return_boolean (task, TRUE);
    }
  else
    {
      /* keepalive_interval = auto: measured once per policy, meanwhile. */
      _sipnat_keepalive_auto_start (self->nat_policy, self->endpoint != NULL ?
                                    sipnat_endpoint_get_local_address (self->endpoint) : NULL);
      start_registering (self, g_steal_pointer (&task), cancellable);
    }
  _sipnat_registration_leave (self);
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

static gboolean
unregister_cancelled_cb (GCancellable *cancellable,
                         gpointer      data)
{
  SipnatRegistration *self = data;
  g_autoptr(GError) error = NULL;

  _sipnat_registration_enter (self);

  /* Given up: the registrar may still hold the binding. */
  g_clear_pointer (&self->unregister_cancel_source, g_source_unref);
  if (self->unregister_task != NULL)
    {
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                           _("The registration “%s” was not removed: cancelled"), self->name);
      _sipnat_registration_drop_handle (self, FALSE);
      _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED, error->message);
      _sipnat_registration_complete (self, &self->unregister_task, error);
    }

  _sipnat_registration_leave (self);
  return G_SOURCE_REMOVE;
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
 * %G_IO_ERROR_CANCELLED. Called while an unregistration is under way, it
 * completes with that one. It fails when the registrar did not confirm the
 * removal (no answer, a failure status) or @cancellable was cancelled
 * first: the registrar may then still hold the binding until it expires.
 */
void
sipnat_registration_unregister_async (SipnatRegistration  *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) cancelled = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SIPNAT_IS_REGISTRATION (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sipnat_registration_unregister_async);
  g_task_set_check_cancellable (task, FALSE);   /* the error says what was given up */

  if (return_early (task, cancellable, NULL))
    return;

  /* One under way already: this one completes with it. */
  if (self->unregister_task != NULL)
    {
      g_ptr_array_add (self->unregister_joiners, g_steal_pointer (&task));
      return;
    }

  _sipnat_registration_enter (self);
  _sipnat_registration_cancel_retry (self);
  cancelled = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                   _("Registration was cancelled"));
  _sipnat_registration_complete (self, &self->register_task, cancelled);

  if (_sipnat_registration_start_unregister (self, &error))
    {
      self->unregister_task = g_steal_pointer (&task);
      if (cancellable != NULL)
        {
          self->unregister_cancel_source = g_cancellable_source_new (cancellable);
          g_source_set_callback (self->unregister_cancel_source,
                                 G_SOURCE_FUNC (unregister_cancelled_cb), self, NULL);
          g_source_attach (self->unregister_cancel_source, _sipnat_stack_get_context (self->stack));
        }
    }
  else
    {
      if (self->state != SIPNAT_REGISTRATION_STATE_NONE &&
          self->state != SIPNAT_REGISTRATION_STATE_STANDALONE)
        _sipnat_registration_set_state (self, SIPNAT_REGISTRATION_STATE_UNREGISTERED,
                                        error ? error->message : NULL);
      if (error != NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_boolean (task, TRUE);
    }
  _sipnat_registration_leave (self);
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
