/* sipnat-call.h: one audio call, its signalling and its media
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <gio/gio.h>
#include <gst/gst.h>

#include "sipnat-call-stats.h"
#include "sipnat-candidate-pair.h"
#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SipnatCallState:
 * @SIPNAT_CALL_STATE_IDLE: an outgoing call not dialled yet
 * @SIPNAT_CALL_STATE_CALLING: the INVITE is on its way (candidates are
 *   gathered first)
 * @SIPNAT_CALL_STATE_RINGING: the remote party is alerted (outgoing), or
 *   the call waits to be answered or rejected (incoming)
 * @SIPNAT_CALL_STATE_ANSWERING: an incoming call is being answered
 * @SIPNAT_CALL_STATE_CONNECTING: answered; the media path is being set up
 *   (ICE connectivity checks)
 * @SIPNAT_CALL_STATE_ACTIVE: answered, and media can flow both ways
 * @SIPNAT_CALL_STATE_ENDED: the call is over; see
 *   [property@Sipnat.Call:state-reason], [property@Sipnat.Call:status-code]
 *   and [property@Sipnat.Call:error]
 *
 * Where a [class@Sipnat.Call] stands.
 */
typedef enum {
  SIPNAT_CALL_STATE_IDLE,
  SIPNAT_CALL_STATE_CALLING,
  SIPNAT_CALL_STATE_RINGING,
  SIPNAT_CALL_STATE_ANSWERING,
  SIPNAT_CALL_STATE_CONNECTING,
  SIPNAT_CALL_STATE_ACTIVE,
  SIPNAT_CALL_STATE_ENDED,
} SipnatCallState;

/**
 * SipnatCallDirection:
 * @SIPNAT_CALL_DIRECTION_OUTGOING: the application placed the call
 * @SIPNAT_CALL_DIRECTION_INCOMING: the call came in from the network
 *
 * Who placed a [class@Sipnat.Call].
 */
typedef enum {
  SIPNAT_CALL_DIRECTION_OUTGOING,
  SIPNAT_CALL_DIRECTION_INCOMING,
} SipnatCallDirection;

/**
 * SIPNAT_DEFAULT_NO_ANSWER_TIMEOUT:
 *
 * The default of [property@Sipnat.Call:no-answer-timeout], in seconds.
 */
#define SIPNAT_DEFAULT_NO_ANSWER_TIMEOUT 60

#define SIPNAT_TYPE_CALL (sipnat_call_get_type ())

SIPNAT_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (SipnatCall, sipnat_call, SIPNAT, CALL, GObject)

typedef struct _SipnatRegistration SipnatRegistration;

SIPNAT_AVAILABLE_IN_ALL
SipnatRegistration  *sipnat_call_get_registration       (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatCallDirection  sipnat_call_get_direction          (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_call_get_remote_uri         (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatCallState      sipnat_call_get_state              (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
const char          *sipnat_call_get_state_reason       (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
guint                sipnat_call_get_status_code        (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
const GError        *sipnat_call_get_error              (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
guint                sipnat_call_get_no_answer_timeout  (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
void                 sipnat_call_set_no_answer_timeout  (SipnatCall           *self,
                                                         guint                 seconds);
SIPNAT_AVAILABLE_IN_ALL
GstElement          *sipnat_call_get_media              (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
const SipnatCandidatePair *sipnat_call_get_selected_pair (SipnatCall          *self);
SIPNAT_AVAILABLE_IN_ALL
SipnatCallStats     *sipnat_call_get_stats              (SipnatCall           *self);
SIPNAT_AVAILABLE_IN_ALL
void                 sipnat_call_dial_async             (SipnatCall           *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
gboolean             sipnat_call_dial_finish            (SipnatCall           *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
SIPNAT_AVAILABLE_IN_ALL
void                 sipnat_call_answer_async           (SipnatCall           *self,
                                                         GCancellable         *cancellable,
                                                         GAsyncReadyCallback   callback,
                                                         gpointer              user_data);
SIPNAT_AVAILABLE_IN_ALL
gboolean             sipnat_call_answer_finish          (SipnatCall           *self,
                                                         GAsyncResult         *result,
                                                         GError              **error);
SIPNAT_AVAILABLE_IN_ALL
void                 sipnat_call_reject                 (SipnatCall           *self,
                                                         guint                 status_code);
SIPNAT_AVAILABLE_IN_ALL
void                 sipnat_call_hangup                 (SipnatCall           *self);

G_END_DECLS
