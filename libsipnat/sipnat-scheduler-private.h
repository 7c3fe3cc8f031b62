/* sipnat-scheduler-private.h: one timer queue per stack for the
 * per-registration timers (keep-alives, retries)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SipnatScheduler SipnatScheduler;
typedef struct _SipnatSchedulerTimer SipnatSchedulerTimer;

/* Runs once; the timer is gone when it is called (do not cancel it). */
typedef void (*SipnatSchedulerFunc) (gpointer data);

SipnatScheduler      *_sipnat_scheduler_new      (GMainContext        *context);
void                  _sipnat_scheduler_free     (SipnatScheduler     *self);
SipnatSchedulerTimer *_sipnat_scheduler_add      (SipnatScheduler     *self,
                                                  guint                delay_ms,
                                                  SipnatSchedulerFunc  func,
                                                  gpointer             data);
void                  _sipnat_scheduler_cancel   (SipnatScheduler     *self,
                                                  SipnatSchedulerTimer *timer);
void                  _sipnat_scheduler_clear    (SipnatScheduler      *self,
                                                  SipnatSchedulerTimer **timer);
guint                 _sipnat_scheduler_get_n_pending (SipnatScheduler *self);

guint                 _sipnat_scheduler_jitter   (guint                ms,
                                                  guint                percent);

G_END_DECLS
