/* sipnat-endpoint-batch-private.h: one operation on many registrations
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-registration.h"

G_BEGIN_DECLS

typedef void     (*SipnatBatchStartFunc)  (SipnatRegistration  *reg,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             data);
typedef gboolean (*SipnatBatchFinishFunc) (SipnatRegistration  *reg,
                                           GAsyncResult        *result,
                                           GError             **error);

void     _sipnat_batch_run    (GObject               *source,
                               GPtrArray             *registrations,
                               SipnatBatchStartFunc   start,
                               SipnatBatchFinishFunc  finish,
                               GCancellable          *cancellable,
                               GAsyncReadyCallback    callback,
                               gpointer               user_data);
gboolean _sipnat_batch_finish (GAsyncResult          *result,
                               GError               **error);

G_END_DECLS
