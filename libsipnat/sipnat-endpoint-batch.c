/* sipnat-endpoint-batch.c: one operation on many registrations
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

#include "sipnat-endpoint-batch-private.h"

#define MAX_IN_FLIGHT 32

typedef struct {
  GPtrArray *registrations;
  guint next;
  guint in_flight;
  SipnatBatchStartFunc start;
  SipnatBatchFinishFunc finish;
  GError *first_error;
  GString *failures;     /* "name: message" for each */
  guint n_failed;
} Batch;

static void
batch_free (gpointer data)
{
  Batch *batch = data;

  g_ptr_array_unref (batch->registrations);
  g_clear_error (&batch->first_error);
  g_string_free (batch->failures, TRUE);
  g_free (batch);
}

static void
batch_return (GTask *task)
{
  Batch *batch = g_task_get_task_data (task);

  if (batch->first_error == NULL)
    g_task_return_boolean (task, TRUE);
  else if (batch->n_failed == 1)
    g_task_return_error (task, g_steal_pointer (&batch->first_error));
  else
    g_task_return_new_error (task, batch->first_error->domain, batch->first_error->code,
                             g_dngettext (GETTEXT_PACKAGE, "%u of %u registration failed: %s",
                                          "%u of %u registrations failed: %s",
                                          batch->registrations->len),
                             batch->n_failed, batch->registrations->len, batch->failures->str);
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
      batch->in_flight++;
      batch->start (g_ptr_array_index (batch->registrations, batch->next++),
                    cancellable, one_done, g_object_ref (task));
    }

  if (batch->in_flight == 0)
    {
      if (batch->next < batch->registrations->len)
        {
          g_autoptr(GError) error = NULL;

          g_cancellable_set_error_if_cancelled (cancellable, &error);
          g_task_return_error (task, g_steal_pointer (&error));
        }
      else
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
    {
      batch->n_failed++;
      g_string_append_printf (batch->failures, "%s%s: %s", batch->failures->len ? "; " : "",
                              sipnat_registration_get_name (reg), error->message);
      if (batch->first_error == NULL)
        batch->first_error = g_steal_pointer (&error);
    }

  batch->in_flight--;
  batch_step (task);
}

/*
 * _sipnat_batch_run:
 * @registrations: (transfer full): what to run @start on
 *
 * Runs @start on each registration, at most MAX_IN_FLIGHT at a time.
 */
void
_sipnat_batch_run (GObject               *source,
                   GPtrArray             *registrations,
                   SipnatBatchStartFunc   start,
                   SipnatBatchFinishFunc  finish,
                   GCancellable          *cancellable,
                   GAsyncReadyCallback    callback,
                   gpointer               user_data)
{
  GTask *task = g_task_new (source, cancellable, callback, user_data);
  Batch *batch = g_new0 (Batch, 1);

  g_task_set_source_tag (task, _sipnat_batch_run);
  batch->registrations = registrations;
  batch->start = start;
  batch->finish = finish;
  batch->failures = g_string_new (NULL);
  g_task_set_task_data (task, batch, batch_free);

  batch_step (task);
}

gboolean
_sipnat_batch_finish (GAsyncResult  *result,
                      GError       **error)
{
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _sipnat_batch_run, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
