/* sipnat-outbox-private.h: what the application hears of, once a step is
 * done
 *
 * Application code runs in our signal handlers and task callbacks and may
 * drop anything there: the last reference to the object, its endpoint,
 * the endpoint's stack. An object therefore runs each of its entry points
 * (a SIP event, a timer, a cancellable, an API call) between
 * _sipnat_outbox_enter() and _sipnat_outbox_leave(): in between, it
 * changes all its state and queues the signals and the task completions;
 * leaving lets the property notifications out, then the queued items in
 * order, while holding the object and its owner.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SipnatOutbox SipnatOutbox;

/* A queued signal emission. */
typedef void (*SipnatOutboxFunc) (GObject  *instance,
                                  gpointer  data);

SipnatOutbox *_sipnat_outbox_new           (GObject         *instance);
void          _sipnat_outbox_free          (SipnatOutbox    *self);
void          _sipnat_outbox_enter         (SipnatOutbox    *self,
                                            GObject         *owner);
void          _sipnat_outbox_leave         (SipnatOutbox    *self);
void          _sipnat_outbox_add_emission  (SipnatOutbox    *self,
                                            SipnatOutboxFunc func,
                                            gpointer         data,
                                            GDestroyNotify   destroy);
void          _sipnat_outbox_add_task      (SipnatOutbox    *self,
                                            GTask          **task,
                                            const GError    *error);

G_END_DECLS
