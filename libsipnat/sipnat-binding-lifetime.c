/* sipnat-binding-lifetime.c: how long the NAT keeps an idle UDP binding
 *
 * See sipnat-binding-lifetime-private.h.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include "sipnat-binding-lifetime-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-stun-client-private.h"

/* The check of one binding: an answer comes at once or never. */
static const SipnatStunTiming check_timing = { 250, 3, 1500 };

guint *
_sipnat_binding_lifetime_steps (guint   first_ms,
                                double  ratio,
                                guint   last_ms,
                                guint  *n_steps)
{
  GArray *steps = g_array_new (FALSE, FALSE, sizeof (guint));

  g_return_val_if_fail (first_ms > 0 && ratio > 1.0, NULL);

  for (double ms = first_ms; ms <= last_ms; ms *= ratio)
    {
      guint step = (guint) (ms + 0.5);

      g_array_append_val (steps, step);
    }

  *n_steps = steps->len;
  return (guint *) g_array_free (steps, FALSE);
}

guint
_sipnat_keepalive_for_lifetime (gint64 lifetime_ms)
{
  gint64 period_s = lifetime_ms * 8 / 10 / 1000;

  return (guint) CLAMP (period_s, 1, 3600);
}

/* ------------------------------------------------------------ measure */

typedef struct _Measure Measure;

typedef struct {
  Measure *measure;
  GSocket *socket;
  guint idle_ms;
  guint16 port;                 /* its public port */
  GSource *timer;
  gboolean alive;
  gboolean done;
} Step;

struct _Measure {
  GTask *task;
  GInetSocketAddress *server;
  GInetAddress *local_ip;
  GSocket *control;
  Step *steps;
  guint n_steps;
  guint pending;
  gint64 first_dead_ms;
  GError *error;
  GSource *cancelled;
};

static void
measure_free (Measure *m)
{
  for (guint i = 0; i < m->n_steps; i++)
    {
      g_clear_object (&m->steps[i].socket);
      g_assert (m->steps[i].timer == NULL);
    }
  g_free (m->steps);
  g_clear_object (&m->server);
  g_clear_object (&m->local_ip);
  g_clear_object (&m->control);
  g_clear_error (&m->error);
  g_free (m);
}

/* The longest idle time seen alive below the first one seen dead (a
 * late answer after a lost one is noise), -1 if none. */
static gint64
longest_alive (Measure *m)
{
  gint64 longest = -1;

  for (guint i = 0; i < m->n_steps; i++)
    if (m->steps[i].alive && m->steps[i].idle_ms < m->first_dead_ms)
      longest = MAX (longest, (gint64) m->steps[i].idle_ms);
  return longest;
}

static void
measure_return (Measure *m)
{
  GTask *task = m->task;
  gint64 longest = longest_alive (m);

  if (m->cancelled != NULL)
    {
      g_source_destroy (m->cancelled);
      g_clear_pointer (&m->cancelled, g_source_unref);
    }

  if (g_task_return_error_if_cancelled (task))
    ;
  else if (m->error != NULL)
    g_task_return_error (task, g_steal_pointer (&m->error));
  else if (longest < 0)
    /* Not even the shortest idle time: a filter in the way rather than a
     * NAT that forgets in 2 s; a keep-alive every second would be wrong. */
    g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                             _("The binding lifetime could not be measured"));
  else
    {
      SIPNAT_NOTE (NAT, "binding lifetime: alive after %" G_GINT64_FORMAT " ms, "
                   "dead after %" G_GINT64_FORMAT " ms", longest, m->first_dead_ms);
      g_task_return_int (task, MAX (longest, 0));
    }
  g_object_unref (task);
}

static void
step_done (Step *step)
{
  Measure *m = step->measure;

  g_assert (!step->done);
  step->done = TRUE;
  g_clear_object (&step->socket);
  if (--m->pending == 0)
    measure_return (m);
}

/* Ends every step still waiting for its time (they cannot tell more). */
static void
stop_waiting (Measure *m,
              gint64   above_ms)
{
  for (guint i = 0; i < m->n_steps; i++)
    {
      Step *step = &m->steps[i];

      if (step->timer == NULL || step->idle_ms <= above_ms)
        continue;
      g_source_destroy (step->timer);
      g_clear_pointer (&step->timer, g_source_unref);
      step_done (step);
      if (m->pending == 0)
        return;      /* m is gone */
    }
}

static void
measure_fail (Measure *m,
              GError  *error)
{
  if (m->error == NULL)
    m->error = error;
  else
    g_error_free (error);
}

/* Stops the steps waiting longer than @limit_ms (-1: all) and ends @step;
 * the task (and so @step) lives on until then. */
static void
stop_after (Step   *step,
            gint64  limit_ms)
{
  Measure *m = step->measure;

  g_object_ref (m->task);
  stop_waiting (m, limit_ms);
  if (!step->done)
    step_done (step);
  g_object_unref (m->task);
}

static void
on_checked (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  Step *step = data;
  Measure *m = step->measure;
  g_autoptr(SipnatStunAnswer) answer = NULL;
  GError *error = NULL;

  answer = _sipnat_stun_binding_finish (result, &error);
  SIPNAT_NOTE (NAT, "binding lifetime: after %u ms idle, port %u: %s", step->idle_ms,
               step->port, answer != NULL ? "alive" : error->message);
  if (answer != NULL)
    {
      step->alive = TRUE;
      step_done (step);
      return;
    }

  if (g_error_matches (error, SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT))
    {
      /* Dead: every longer idle time would be too. */
      g_error_free (error);
      m->first_dead_ms = MIN (m->first_dead_ms, (gint64) step->idle_ms);
      stop_after (step, m->first_dead_ms);
      return;
    }

  /* Refused (no RESPONSE-PORT) or cancelled: nothing to measure. */
  measure_fail (m, error);
  stop_after (step, -1);
}

static gboolean
on_time (gpointer data)
{
  Step *step = data;
  Measure *m = step->measure;
  SipnatStunOptions options = { SIPNAT_STUN_CHANGE_NONE, step->port, FALSE };

  g_clear_pointer (&step->timer, g_source_unref);
  /* From another socket, answered to this one's public port. */
  _sipnat_stun_binding_async (m->control, step->socket, m->server, &options, &check_timing,
                              g_task_get_cancellable (m->task), on_checked, step);
  return G_SOURCE_REMOVE;
}

static void
on_opened (GObject      *source,
           GAsyncResult *result,
           gpointer      data)
{
  Step *step = data;
  Measure *m = step->measure;
  g_autoptr(SipnatStunAnswer) answer = NULL;
  GError *error = NULL;

  answer = _sipnat_stun_binding_finish (result, &error);
  if (answer == NULL || m->error != NULL)
    {
      if (error != NULL)
        measure_fail (m, error);
      g_object_ref (m->task);
      stop_waiting (m, -1);
      step_done (step);
      g_object_unref (m->task);
      return;
    }

  /* The idle time starts now: the answer was the last packet. */
  step->port = g_inet_socket_address_get_port (answer->mapped);
  step->timer = g_timeout_source_new (step->idle_ms);
  g_source_set_callback (step->timer, on_time, step, NULL);
  g_source_set_static_name (step->timer, "[sipnat] binding lifetime step");
  g_source_attach (step->timer, g_task_get_context (m->task));
}

static gboolean
on_cancelled (GCancellable *cancellable,
              gpointer      data)
{
  Measure *m = data;

  g_clear_pointer (&m->cancelled, g_source_unref);
  g_object_ref (m->task);
  stop_waiting (m, -1);
  g_object_unref (m->task);
  return G_SOURCE_REMOVE;
}

static GSocket *
bound_socket (GInetAddress  *local_ip,
              GError       **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) local = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_blocking (socket, FALSE);
  if (local_ip != NULL)
    local = g_inet_socket_address_new (local_ip, 0);
  else
    local = g_inet_socket_address_new_from_string ("0.0.0.0", 0);
  if (!g_socket_bind (socket, local, FALSE, error))
    return NULL;
  return g_steal_pointer (&socket);
}

void
_sipnat_binding_lifetime_async (GInetSocketAddress  *server,
                                GInetAddress        *local_ip,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);
  Measure *m = g_new0 (Measure, 1);
  g_autofree guint *steps = NULL;
  GError *error = NULL;

  g_task_set_source_tag (task, _sipnat_binding_lifetime_async);
  g_task_set_task_data (task, m, (GDestroyNotify) measure_free);
  m->task = task;
  m->server = g_object_ref (server);
  m->local_ip = local_ip != NULL ? g_object_ref (local_ip) : NULL;
  m->first_dead_ms = G_MAXINT64;

  m->control = bound_socket (local_ip, &error);
  if (m->control == NULL)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT, "%s", error->message);
      g_error_free (error);
      g_object_unref (task);
      return;
    }

  steps = _sipnat_binding_lifetime_steps (SIPNAT_BINDING_LIFETIME_FIRST_MS,
                                          SIPNAT_BINDING_LIFETIME_RATIO,
                                          SIPNAT_BINDING_LIFETIME_LAST_MS, &m->n_steps);
  m->steps = g_new0 (Step, m->n_steps);
  m->pending = m->n_steps + 1;   /* + this function */

  if (cancellable != NULL)
    {
      m->cancelled = g_cancellable_source_new (cancellable);
      g_source_set_callback (m->cancelled, G_SOURCE_FUNC (on_cancelled), m, NULL);
      g_source_attach (m->cancelled, g_task_get_context (task));
    }

  for (guint i = 0; i < m->n_steps; i++)
    {
      Step *step = &m->steps[i];

      step->measure = m;
      step->idle_ms = steps[i];
      step->socket = bound_socket (local_ip, NULL);
      if (step->socket == NULL)
        {
          step_done (step);
          continue;
        }
      _sipnat_stun_binding_async (step->socket, NULL, server, NULL, NULL, cancellable,
                                  on_opened, step);
    }

  if (--m->pending == 0)
    measure_return (m);
}

gint64
_sipnat_binding_lifetime_finish (GAsyncResult  *result,
                                 GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), -1);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        _sipnat_binding_lifetime_async, -1);

  return g_task_propagate_int (G_TASK (result), error);
}
