/* sipnat-handle-owner-private.h: whoever owns a nua handle
 *
 * Every nua handle the library creates is bound to an owner: a
 * registration, a keep-alive flow, a call. The stack hands each event on
 * a handle to its owner and knows nothing else about it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _SipnatHandleOwner SipnatHandleOwner;
typedef struct _SipnatSipEvent SipnatSipEvent;

/* Handles one nua event on one of the owner's handles. The owner may be
 * gone once this returns (it may drop itself), never during it: the
 * implementation holds what it needs. */
typedef void (*SipnatHandleEventFunc) (SipnatHandleOwner    *owner,
                                       const SipnatSipEvent *event);

/* Embedded in the owning object; the handle's magic points at it. */
struct _SipnatHandleOwner
{
  SipnatHandleEventFunc handle_event;
};

/* The object an owner is embedded in. */
#define SIPNAT_HANDLE_OWNER_CONTAINER(owner, type, member) \
  ((type *) (void *) ((char *) (owner) - G_STRUCT_OFFSET (type, member)))

G_END_DECLS
