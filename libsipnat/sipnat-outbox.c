/* sipnat-outbox.c: what the application hears of, once a step is done
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-outbox-private.h"

struct _SipnatOutbox
{
  GObject *instance;      /* not a reference: the outbox is its */
  guint depth;
  GPtrArray *held;        /* what each level holds, in pairs */
  GQueue items;
};

typedef struct {
  GTask *task;            /* a task to complete, or else an emission */
  GError *error;
  SipnatOutboxFunc func;
  gpointer data;
  GDestroyNotify destroy;
} Item;

static void
item_free (Item *item)
{
  g_clear_object (&item->task);
  g_clear_error (&item->error);
  if (item->destroy != NULL)
    item->destroy (item->data);
  g_free (item);
}

SipnatOutbox *
_sipnat_outbox_new (GObject *instance)
{
  SipnatOutbox *self = g_new0 (SipnatOutbox, 1);

  self->instance = instance;
  self->held = g_ptr_array_new ();
  g_queue_init (&self->items);

  return self;
}

void
_sipnat_outbox_free (SipnatOutbox *self)
{
  if (self == NULL)
    return;

  g_warn_if_fail (self->depth == 0);
  g_queue_clear_full (&self->items, (GDestroyNotify) item_free);
  g_ptr_array_unref (self->held);
  g_free (self);
}

/* Holds the instance and its @owner (the endpoint; nullable) until the
 * matching leave, and holds back its property notifications. */
void
_sipnat_outbox_enter (SipnatOutbox *self,
                      GObject      *owner)
{
  g_ptr_array_add (self->held, g_object_ref (self->instance));
  g_ptr_array_add (self->held, owner ? g_object_ref (owner) : NULL);
  self->depth++;
  g_object_freeze_notify (self->instance);
}

static void
deliver (SipnatOutbox *self,
         Item         *item)
{
  if (item->task == NULL)
    item->func (self->instance, item->data);
  else if (item->error != NULL)
    g_task_return_error (item->task, g_steal_pointer (&item->error));
  else
    g_task_return_boolean (item->task, TRUE);
}

/* The last step of an entry point: at the outermost level, the
 * notifications, then the queued items in order. What the application
 * does there cannot free the instance before this returns. */
void
_sipnat_outbox_leave (SipnatOutbox *self)
{
  GObject *instance = g_ptr_array_steal_index (self->held, self->held->len - 2);
  GObject *owner = g_ptr_array_steal_index (self->held, self->held->len - 1);

  self->depth--;
  g_object_thaw_notify (instance);

  while (self->depth == 0 && !g_queue_is_empty (&self->items))
    {
      Item *item = g_queue_pop_head (&self->items);

      deliver (self, item);
      item_free (item);
    }

  g_clear_object (&owner);
  g_object_unref (instance);   /* may free self */
}

void
_sipnat_outbox_add_emission (SipnatOutbox     *self,
                             SipnatOutboxFunc  func,
                             gpointer          data,
                             GDestroyNotify    destroy)
{
  Item *item = g_new0 (Item, 1);

  item->func = func;
  item->data = data;
  item->destroy = destroy;
  g_queue_push_tail (&self->items, item);
}

/* Steals *@task, if any, and completes it with @error (copied) or
 * success once the step is done. */
void
_sipnat_outbox_add_task (SipnatOutbox  *self,
                         GTask        **task,
                         const GError  *error)
{
  Item *item;

  if (*task == NULL)
    return;

  item = g_new0 (Item, 1);
  item->task = g_steal_pointer (task);
  item->error = error ? g_error_copy (error) : NULL;
  g_queue_push_tail (&self->items, item);
}
