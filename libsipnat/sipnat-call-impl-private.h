/* sipnat-call-impl-private.h: what the parts of a call share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-account-private.h"
#include "sipnat-call-media-private.h"
#include "sipnat-call-private.h"
#include "sipnat-handle-owner-private.h"
#include "sipnat-outbox-private.h"
#include "sipnat-stack-private.h"

G_BEGIN_DECLS

typedef struct _SipnatCallDialog SipnatCallDialog;

struct _SipnatCall
{
  GObject parent_instance;

  SipnatHandleOwner owner;          /* of nh */
  SipnatRegistration *registration;
  SipnatEndpoint *endpoint;         /* weak: the endpoint ends its calls first */
  SipnatStack *stack;               /* NULL once ended */
  SipnatAccount *account;
  SipnatCallOrigin *origin;

  SipnatCallDirection direction;
  char *remote_uri;
  guint no_answer_timeout;

  SipnatCallState state;
  char *state_reason;
  guint status_code;
  GError *error;

  nua_handle_t *nh;
  guint auth_rounds;
  gboolean invite_sent;             /* outgoing: the INVITE left */
  gboolean answered;                /* a 2xx was sent or received */
  gboolean answer_wanted;           /* incoming: answer once prepared */
  gboolean acked;                   /* incoming: the ACK came */
  gboolean dialog_done;             /* nothing more to send or wait for */
  gboolean expect_no_challenge;     /* nua's 904 before our own digest */
  char *local_sdp;                  /* our last offer or answer */
  gint64 answer_time;               /* monotonic µs of the 2xx */
  gboolean reinvite_pending;        /* our ICE-restart re-INVITE awaits its answer */
  gboolean restart_wanted;          /* another restart once that one is over */
  guint restarts_sent;              /* ICE-restart re-INVITEs sent */
  GSource *glare_source;            /* the wait after a 491 */
  char *first_hop;                  /* the dialog's first hop, when over TCP or TLS */
  nua_handle_t *probe_nh;           /* an OPTIONS to it before the re-INVITE */
  GSource *probe_source;            /* how long the re-INVITE waits for it */
  SipnatCallDialog *dialog;         /* what a move to a new stack continues */
  gboolean moving;                  /* moved to a new stack, no media path yet */
  gboolean move_pending;            /* the move's re-INVITE awaits its answer */
  guint moves_sent;                 /* re-INVITEs from a new stack */
  GSource *move_glare_source;       /* the wait after a 491 */
  GSource *move_wait_source;        /* the wait for the registration's new Contact */
  char *move_old_contact;           /* its Contact when the move began */
  gint64 move_start_time;           /* monotonic µs */
  gint64 move_answer_time;          /* monotonic µs of the move's 2xx */

  SipnatCallMedia *media;
  GCancellable *media_cancellable;
  gboolean media_prepared;
  SipnatCandidatePair *selected_pair;

  GTask *task;                      /* dial or answer */
  GCancellable *task_cancellable;
  gulong task_cancelled_id;
  GSource *cancel_source;
  GSource *no_answer_source;

  SipnatOutbox *outbox;
};

/* Every entry point runs between these (sipnat-outbox-private.h). */
static inline void
_sipnat_call_enter (SipnatCall *self)
{
  _sipnat_outbox_enter (self->outbox, (GObject *) self->registration);
}

static inline void
_sipnat_call_leave (SipnatCall *self)
{
  _sipnat_outbox_leave (self->outbox);
}

/* sipnat-call.c */
void _sipnat_call_set_state     (SipnatCall      *self,
                                 SipnatCallState  state,
                                 const char      *reason);
void _sipnat_call_set_status    (SipnatCall      *self,
                                 guint            status);
void _sipnat_call_end           (SipnatCall      *self,
                                 const char      *reason,
                                 const GError    *error);
void _sipnat_call_complete_task (SipnatCall      *self,
                                 const GError    *error);
void _sipnat_call_check_active  (SipnatCall      *self);
void _sipnat_call_start_no_answer_timer (SipnatCall *self);

/* sipnat-call-signalling.c */
void _sipnat_call_handle_event  (SipnatHandleOwner    *owner,
                                 const SipnatSipEvent *event);
void _sipnat_call_send_invite   (SipnatCall           *self);
void _sipnat_call_send_answer   (SipnatCall           *self);
void _sipnat_call_send_reject   (SipnatCall           *self,
                                 guint                 status,
                                 const char           *phrase);
void _sipnat_call_send_ringing  (SipnatCall           *self);
void _sipnat_call_hangup_signalling (SipnatCall       *self);
void _sipnat_call_let_go        (SipnatCall           *self);
gboolean _sipnat_call_accept_offer (SipnatCall        *self,
                                    const SipnatSipEvent *event,
                                    GError           **error);

/* sipnat-call-restart.c */
void     _sipnat_call_restart_ice           (SipnatCall           *self);
guint    _sipnat_call_glare_delay_ms        (SipnatCall           *self);
gboolean _sipnat_call_handle_restart_answer (SipnatCall           *self,
                                             const SipnatSipEvent *event);
gboolean _sipnat_call_restart_glare         (SipnatCall           *self,
                                             const SipnatSipEvent *event);
void     _sipnat_call_restart_done_by_peer  (SipnatCall           *self);
void     _sipnat_call_restart_clear         (SipnatCall           *self);
void     _sipnat_call_restart_note_route    (SipnatCall           *self,
                                             const SipnatSipEvent *event);
gboolean _sipnat_call_restart_probe_event   (SipnatCall           *self,
                                             const SipnatSipEvent *event);

/* sipnat-call-move.c */
void     _sipnat_call_dialog_free           (SipnatCallDialog     *dialog);
void     _sipnat_call_move_note_dialog      (SipnatCall           *self,
                                             const SipnatSipEvent *event);
gboolean _sipnat_call_can_move              (SipnatCall           *self);
void     _sipnat_call_move_to_stack         (SipnatCall           *self,
                                             SipnatStack          *stack);
gboolean _sipnat_call_handle_move_answer    (SipnatCall           *self,
                                             const SipnatSipEvent *event);
void     _sipnat_call_move_media_connected  (SipnatCall           *self);
void     _sipnat_call_move_clear            (SipnatCall           *self);
gboolean _sipnat_call_move_hangup           (SipnatCall           *self);

G_END_DECLS
