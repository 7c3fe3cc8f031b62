/* sipnat-scheduler.c: one timer queue per stack
 *
 * Every registration has timers of its own (the flow's keep-alive, the
 * retry after a failure). One GSource each makes every main loop
 * iteration walk all of them (g_main_context_prepare/check): at 10 000
 * registrations the loop spends its time there. Here they are kept in
 * one queue sorted by due time (a GSequence: O(log n) to add or
 * cancel), driven by ONE GSource whose ready time is the first due
 * time; the loop's cost per iteration no longer depends on how many
 * timers are pending.
 *
 * A dispatch runs at most MAX_PER_DISPATCH timers that are due, so a
 * burst of timers that fell due at once (a process that was stopped, a
 * clock jump) goes out paced over several iterations, with the socket's
 * answers read in between. Sofia's own timers (REGISTER refreshes,
 * transaction timers) are in su_root's heap already, and nua draws each
 * refresh in a range (nua_dialog_usage_set_refresh), so refreshes of
 * registrations made at once are spread by nua.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-scheduler-private.h"

/* Timers run per main loop iteration at most: about 1 ms of work each. */
#define MAX_PER_DISPATCH 256

struct _SipnatSchedulerTimer
{
  gint64 due;                   /* monotonic µs */
  guint64 seq;                  /* ties run in the order they were added */
  SipnatSchedulerFunc func;
  gpointer data;
  GSequenceIter *iter;
};

typedef struct
{
  GSource source;
  SipnatScheduler *scheduler;
} SchedulerSource;

struct _SipnatScheduler
{
  GSequence *queue;             /* of SipnatSchedulerTimer, by (due, seq) */
  GSource *source;
  guint64 next_seq;
};

static gint
compare_timers (gconstpointer a,
                gconstpointer b,
                gpointer      data)
{
  const SipnatSchedulerTimer *x = a;
  const SipnatSchedulerTimer *y = b;

  if (x->due != y->due)
    return x->due < y->due ? -1 : 1;
  if (x->seq != y->seq)
    return x->seq < y->seq ? -1 : 1;
  return 0;
}

static void
rearm (SipnatScheduler *self)
{
  GSequenceIter *first = g_sequence_get_begin_iter (self->queue);

  if (g_sequence_iter_is_end (first))
    g_source_set_ready_time (self->source, -1);
  else
    g_source_set_ready_time (self->source,
                             ((SipnatSchedulerTimer *) g_sequence_get (first))->due);
}

static gboolean
scheduler_dispatch (GSource     *source,
                    GSourceFunc  callback,
                    gpointer     data)
{
  SipnatScheduler *self = ((SchedulerSource *) source)->scheduler;
  gint64 now = g_source_get_time (source);

  for (guint i = 0; i < MAX_PER_DISPATCH; i++)
    {
      GSequenceIter *first = g_sequence_get_begin_iter (self->queue);
      SipnatSchedulerTimer *timer;
      SipnatSchedulerFunc func;
      gpointer func_data;

      if (g_sequence_iter_is_end (first))
        break;
      timer = g_sequence_get (first);
      if (timer->due > now)
        break;

      func = timer->func;
      func_data = timer->data;
      g_sequence_remove (first);   /* frees the timer */
      func (func_data);            /* may add and cancel timers */
    }

  rearm (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs scheduler_funcs = {
  .dispatch = scheduler_dispatch,
};

SipnatScheduler *
_sipnat_scheduler_new (GMainContext *context)
{
  SipnatScheduler *self = g_new0 (SipnatScheduler, 1);

  self->queue = g_sequence_new (g_free);
  self->source = g_source_new (&scheduler_funcs, sizeof (SchedulerSource));
  ((SchedulerSource *) self->source)->scheduler = self;
  g_source_set_static_name (self->source, "[sipnat] scheduler");
  g_source_set_ready_time (self->source, -1);
  g_source_attach (self->source, context);

  return self;
}

void
_sipnat_scheduler_free (SipnatScheduler *self)
{
  if (self == NULL)
    return;

  g_source_destroy (self->source);
  g_source_unref (self->source);
  g_sequence_free (self->queue);
  g_free (self);
}

/*
 * _sipnat_scheduler_add:
 * @delay_ms: from now
 *
 * Returns: (transfer none): the timer, valid until it runs or is
 *   cancelled
 */
SipnatSchedulerTimer *
_sipnat_scheduler_add (SipnatScheduler     *self,
                       guint                delay_ms,
                       SipnatSchedulerFunc  func,
                       gpointer             data)
{
  SipnatSchedulerTimer *timer = g_new0 (SipnatSchedulerTimer, 1);
  gboolean first;

  timer->due = g_get_monotonic_time () + (gint64) delay_ms * 1000;
  timer->seq = self->next_seq++;
  timer->func = func;
  timer->data = data;
  timer->iter = g_sequence_insert_sorted (self->queue, timer, compare_timers, NULL);

  first = g_sequence_iter_is_begin (timer->iter);
  if (first)
    rearm (self);

  return timer;
}

void
_sipnat_scheduler_cancel (SipnatScheduler      *self,
                          SipnatSchedulerTimer *timer)
{
  gboolean first;

  if (timer == NULL)
    return;

  first = g_sequence_iter_is_begin (timer->iter);
  g_sequence_remove (timer->iter);   /* frees it */
  if (first)
    rearm (self);
}

/* Cancels *@timer if set, and clears it. */
void
_sipnat_scheduler_clear (SipnatScheduler       *self,
                         SipnatSchedulerTimer **timer)
{
  SipnatSchedulerTimer *t = g_steal_pointer (timer);

  _sipnat_scheduler_cancel (self, t);
}

guint
_sipnat_scheduler_get_n_pending (SipnatScheduler *self)
{
  return (guint) g_sequence_get_length (self->queue);
}

/* A delay drawn between (100 - @percent) % of @ms and @ms, so that
 * timers started together do not fall due together (RFC 5626 §4.4.1
 * draws keep-alives between 80 and 100 % of the period). */
guint
_sipnat_scheduler_jitter (guint ms,
                          guint percent)
{
  guint low;

  percent = MIN (percent, 100);
  low = (guint) ((guint64) ms * (100 - percent) / 100);
  if (low >= ms)
    return ms;

  return (guint) g_random_int_range ((gint32) low, (gint32) MIN ((guint64) ms + 1, G_MAXINT32));
}
