/* sipnat-endpoint-batch.c: an endpoint's operations on all its
 * registrations: register_all and close
 *
 * Many registrations at once are started a few at a time: a burst of a
 * thousand REGISTERs overflows socket buffers (and Sofia queues at most
 * 64 messages on a TCP connection being set up). The result names every
 * registration that failed, and why; once the cancellable is cancelled
 * no more are started.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-debug-private.h"
#include "sipnat-endpoint-impl-private.h"
#include "sipnat-error.h"
#include "sipnat-registration-private.h"
#include "sipnat-stack-private.h"
#include "sipnat-util-private.h"

#define MAX_IN_FLIGHT 32
/* Names in an error message at most: the count is always exact. */
#define MAX_NAMED 100

typedef void     (*BatchStartFunc)  (SipnatRegistration  *reg,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             data);
typedef gboolean (*BatchFinishFunc) (SipnatRegistration  *reg,
                                     GAsyncResult        *result,
                                     GError             **error);

typedef struct {
  GPtrArray *registrations;
  guint next;
  guint in_flight;
  BatchStartFunc start;
  BatchFinishFunc finish;
  GHashTable *in_flight_set;   /* registrations started, not done */
  GError *first_error;
  GString *failures;     /* "name: message" for the first MAX_NAMED */
  guint n_failed;
} Batch;

static void
batch_free (gpointer data)
{
  Batch *batch = data;

  g_ptr_array_unref (batch->registrations);
  g_hash_table_unref (batch->in_flight_set);
  g_clear_error (&batch->first_error);
  g_string_free (batch->failures, TRUE);
  g_free (batch);
}

static void
record_failure (Batch              *batch,
                SipnatRegistration *reg,
                GError             *error)   /* (transfer full) */
{
  if (batch->n_failed++ < MAX_NAMED)
    g_string_append_printf (batch->failures, "%s%s: %s", batch->failures->len ? "; " : "",
                            sipnat_registration_get_name (reg), error->message);
  if (batch->first_error == NULL)
    batch->first_error = error;
  else
    g_error_free (error);
}

/* How many failed, and which (the first MAX_NAMED by name). */
static GError *
batch_build_error (Batch *batch)
{
  g_autoptr(GString) message = g_string_new (NULL);

  if (batch->first_error == NULL)
    return NULL;
  if (batch->n_failed == 1)
    return g_error_copy (batch->first_error);

  g_string_printf (message, g_dngettext (GETTEXT_PACKAGE, "%u of %u registration failed: %s",
                                         "%u of %u registrations failed: %s",
                                         batch->registrations->len),
                   batch->n_failed, batch->registrations->len, batch->failures->str);
  if (batch->n_failed > MAX_NAMED)
    g_string_append_printf (message, g_dngettext (GETTEXT_PACKAGE, "; and %u more",
                                                  "; and %u more", batch->n_failed - MAX_NAMED),
                            batch->n_failed - MAX_NAMED);

  return g_error_new_literal (batch->first_error->domain, batch->first_error->code, message->str);
}

static void
batch_return (GTask *task)
{
  Batch *batch = g_task_get_task_data (task);
  GError *error = batch_build_error (batch);

  if (error == NULL)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* Given up (cancelled, or the close's deadline): every registration in
 * flight or not started yet counts as failed, with @why. */
static void
batch_give_up (Batch      *batch,
               const char *why)
{
  GHashTableIter iter;
  gpointer reg;

  g_hash_table_iter_init (&iter, batch->in_flight_set);
  while (g_hash_table_iter_next (&iter, &reg, NULL))
    record_failure (batch, reg, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, why));
  g_hash_table_remove_all (batch->in_flight_set);

  for (; batch->next < batch->registrations->len; batch->next++)
    record_failure (batch, g_ptr_array_index (batch->registrations, batch->next),
                    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, why));
}

static void one_done (GObject *source, GAsyncResult *result, gpointer data);

static void
batch_step (GTask *task)   /* (transfer full) */
{
  Batch *batch = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  while (batch->in_flight < MAX_IN_FLIGHT && batch->next < batch->registrations->len &&
         !g_cancellable_is_cancelled (cancellable))
    {
      SipnatRegistration *reg = g_ptr_array_index (batch->registrations, batch->next++);

      batch->in_flight++;
      g_hash_table_add (batch->in_flight_set, reg);
      batch->start (reg, cancellable, one_done, g_object_ref (task));
    }

  if (batch->in_flight == 0)
    {
      /* Cancelled: the ones never started are named too. */
      batch_give_up (batch, _("not attempted: cancelled"));
      batch_return (task);
    }

  g_object_unref (task);
}

static void
one_done (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  GTask *task = data;
  Batch *batch = g_task_get_task_data (task);
  SipnatRegistration *reg = SIPNAT_REGISTRATION (source);
  g_autoptr(GError) error = NULL;

  if (!batch->finish (reg, result, &error))
    record_failure (batch, reg, g_steal_pointer (&error));

  g_hash_table_remove (batch->in_flight_set, reg);
  batch->in_flight--;
  batch_step (task);
}

/*
 * batch_run:
 * @registrations: (transfer full): what to run @start on
 *
 * Runs @start on each registration, at most MAX_IN_FLIGHT at a time.
 */
static Batch *
batch_run (GObject               *source,
                   GPtrArray             *registrations,
                   BatchStartFunc   start,
                   BatchFinishFunc  finish,
                   GCancellable          *cancellable,
                   GAsyncReadyCallback    callback,
                   gpointer               user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);
  Batch *batch = g_new0 (Batch, 1);

  g_task_set_source_tag (task, batch_run);
  g_task_set_check_cancellable (task, FALSE);   /* each failure is named */
  batch->registrations = registrations;
  batch->start = start;
  batch->finish = finish;
  batch->failures = g_string_new (NULL);
  batch->in_flight_set = g_hash_table_new (NULL, NULL);
  g_task_set_task_data (task, batch, batch_free);

  batch_step (task);
  return batch;   /* valid until the callback has run */
}

static gboolean
batch_finish (GAsyncResult  *result,
              GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == batch_run, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------------------- */
/* Registering and unregistering everything                               */

/* The registrations, or only those that @keep accepts. */
static GPtrArray *
list_registrations (SipnatEndpoint *self,
                    gboolean        (*keep) (SipnatRegistration *))
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->registrations));

  for (guint i = 0; i < n; i++)
    {
      SipnatRegistration *reg = g_list_model_get_item (G_LIST_MODEL (self->registrations), i);

      if (keep == NULL || keep (reg))
        g_ptr_array_add (list, reg);
      else
        g_object_unref (reg);
    }

  return list;
}

static void
register_all_done (GObject      *source,
                   GAsyncResult *result,
                   gpointer      data)
{
  g_autoptr(GTask) task = data;
  g_autoptr(GError) error = NULL;

  if (batch_finish (result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, g_steal_pointer (&error));
}

/**
 * sipnat_endpoint_register_all_async:
 * @self: an endpoint
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when every registration has an outcome
 * @user_data: data for @callback
 *
 * Starts [method@Sipnat.Registration.register_async] on every
 * registration of the endpoint, a few dozen at a time. It fails when any
 * failed, and the error names each that did and why; once @cancellable is
 * cancelled no more are started.
 */
void
sipnat_endpoint_register_all_async (SipnatEndpoint      *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sipnat_endpoint_register_all_async);
  g_task_set_check_cancellable (task, FALSE);   /* the error names what was given up */

  batch_run (G_OBJECT (self), list_registrations (self, NULL),
                     sipnat_registration_register_async, sipnat_registration_register_finish,
                     cancellable, register_all_done, task);
}

/**
 * sipnat_endpoint_register_all_finish:
 * @self: an endpoint
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Endpoint.register_all_async].
 *
 * Returns: %TRUE if every registration succeeded
 */
gboolean
sipnat_endpoint_register_all_finish (SipnatEndpoint  *self,
                                     GAsyncResult    *result,
                                     GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sipnat_endpoint_register_all_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Closing: unregister what is registered, until the close timeout at
 * most; then abandon what is left, shut the stack down and complete,
 * whether or not the stack finished by then (it does in the background). */

static void
finish_close (SipnatEndpoint *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->close_task);

  if (task == NULL)
    return;

  _sipnat_clear_source (&self->close_deadline);
  g_cancellable_disconnect (g_task_get_cancellable (task), self->close_cancelled_id);
  self->close_cancelled_id = 0;
  g_cancellable_cancel (self->close_cancellable);
  g_clear_object (&self->close_cancellable);

  if (self->close_error != NULL)
    g_task_return_error (task, g_steal_pointer (&self->close_error));
  else
    g_task_return_boolean (task, TRUE);
}

static void
stack_done_cb (gpointer data)
{
  g_autoptr(SipnatEndpoint) self = data;

  finish_close (self);
}

static void
shut_down (SipnatEndpoint *self)
{
  _sipnat_endpoint_detach_registrations (self, FALSE);

  if (self->stack == NULL)
    {
      finish_close (self);
      return;
    }

  _sipnat_stack_shutdown (g_steal_pointer (&self->stack), stack_done_cb, g_object_ref (self));

  /* Given up (cancelled): the stack finishes in the background. */
  if (g_cancellable_is_cancelled (self->close_cancellable))
    finish_close (self);
}

static void
unregister_all_done (GObject      *source,
                     GAsyncResult *result,
                     gpointer      data)
{
  g_autoptr(SipnatEndpoint) self = data;
  g_autoptr(GError) error = NULL;

  self->close_batch = NULL;
  if (!batch_finish (result, &error))
    {
      SIPNAT_NOTE (REGISTRATION, "closing: %s", error->message);
      if (self->close_error == NULL)
        self->close_error = g_steal_pointer (&error);
    }

  shut_down (self);
}

static gboolean
close_deadline_cb (gpointer data)
{
  SipnatEndpoint *self = data;

  g_clear_pointer (&self->close_deadline, g_source_unref);
  if (self->close_batch != NULL)
    {
      /* Which were not removed: those that failed, were in flight or
       * were never started. The batch's own result comes later, to no
       * one (the close has completed by then). */
      Batch *batch = self->close_batch;
      g_autoptr(GError) failed = NULL;

      batch_give_up (batch, _("not done when the close timed out"));
      failed = batch_build_error (batch);
      g_clear_error (&self->close_error);
      self->close_error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                                       _("Closing took longer than %u ms: %s"),
                                       self->close_timeout, failed->message);
    }
  else if (self->close_error == NULL)
    self->close_error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT,
                                     _("Closing took longer than %u ms: abandoned what was left"),
                                     self->close_timeout);

  /* The unregistrations give up, then the stack shuts down; the close
   * completes now, whatever the stack still waits for. */
  g_cancellable_cancel (self->close_cancellable);
  finish_close (self);
  return G_SOURCE_REMOVE;
}

static void
close_cancelled_cb (GCancellable *cancellable,
                    GCancellable *ours)
{
  g_cancellable_cancel (ours);
}

/**
 * sipnat_endpoint_close_async:
 * @self: an endpoint
 * @cancellable: (nullable): a #GCancellable: cancelling it gives up the
 *   unregistrations under way
 * @callback: (scope async): called when the endpoint is closed
 * @user_data: data for @callback
 *
 * Unregisters every active registration, then shuts the SIP stack down
 * in order. Afterwards the endpoint sends nothing and its registrations
 * cannot register again. It takes at most
 * [property@Sipnat.Endpoint:close-timeout]: what is not done by then is
 * abandoned.
 *
 * The endpoint is closed whatever the result; the close fails when a
 * registration could not be removed from its registrar (no answer, a
 * failure, the timeout, @cancellable), and the error names each.
 */
void
sipnat_endpoint_close_async (SipnatEndpoint      *self,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  GPtrArray *registrations;

  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, sipnat_endpoint_close_async);
  /* A cancelled close still says which registrations it gave up on. */
  g_task_set_check_cancellable (task, FALSE);

  if (self->closed)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                               _("The endpoint is already closed"));
      return;
    }

  self->closed = TRUE;
  _sipnat_endpoint_terminate_calls (self, NULL, _("The endpoint was closed"));
  self->close_task = g_steal_pointer (&task);
  self->close_cancellable = g_cancellable_new ();
  if (cancellable != NULL)
    self->close_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (close_cancelled_cb),
                                                      g_object_ref (self->close_cancellable),
                                                      g_object_unref);
  self->close_deadline = g_timeout_source_new (self->close_timeout);
  g_source_set_callback (self->close_deadline, close_deadline_cb, self, NULL);
  g_source_attach (self->close_deadline, self->context);

  registrations = list_registrations (self, _sipnat_registration_is_active);
  /* Keep-alives of registrations about to go are work for nothing, and
   * at 30 000 a tenth of the close: they stop now, not each at its
   * un-REGISTER. */
  for (guint i = 0; i < registrations->len; i++)
    _sipnat_registration_stop_keepalives (g_ptr_array_index (registrations, i));
  self->close_batch =
    batch_run (G_OBJECT (self), registrations,
               sipnat_registration_unregister_async, sipnat_registration_unregister_finish,
               self->close_cancellable, unregister_all_done, g_object_ref (self));
}

/**
 * sipnat_endpoint_close_finish:
 * @self: an endpoint
 * @result: the result passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Endpoint.close_async].
 *
 * Returns: %TRUE if every registration was removed from its registrar
 */
gboolean
sipnat_endpoint_close_finish (SipnatEndpoint  *self,
                              GAsyncResult    *result,
                              GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        sipnat_endpoint_close_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

