/* sipnat-call.c: one audio call, its signalling and its media
 *
 * The GObject: properties, the public API and the order in which the
 * application hears of things. As in a registration, every entry point
 * (a nua event, a media event, a timer, a cancellable, an API call) runs
 * between _sipnat_call_enter() and _sipnat_call_leave(): it changes the
 * state first and lets the notifications, signals and task completions
 * out last, holding the call and its registration.
 *
 * The INVITEs and their answers are in sipnat-call-signalling.c, the
 * media (ICE, the RTP socket, the GStreamer bin, the SDP) in
 * sipnat-call-media.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-call-impl-private.h"
#include "sipnat-call-stats-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-endpoint-private.h"
#include "sipnat-enums.h"
#include "sipnat-error.h"
#include "sipnat-util-private.h"

/**
 * SipnatCall:
 *
 * One audio call: its SIP signalling (INVITE, CANCEL, BYE, re-INVITE,
 * digest challenges answered with the registration's credentials) and its
 * media: ICE through libnice with the registration's
 * [class@Sipnat.NatPolicy] (STUN, TURN over UDP, TCP or TLS, forced
 * relay), or symmetric RTP with a STUN-learned address when ICE is off.
 *
 * An outgoing call comes from [method@Sipnat.Registration.create_call]
 * and is placed with [method@Sipnat.Call.dial_async]; an incoming one is
 * announced by [signal@Sipnat.Endpoint::incoming-call] and answered with
 * [method@Sipnat.Call.answer_async] or refused with
 * [method@Sipnat.Call.reject]. Either ends with
 * [method@Sipnat.Call.hangup] or when the other side hangs up:
 * [property@Sipnat.Call:state] is then %SIPNAT_CALL_STATE_ENDED, with the
 * reason, the SIP status and, when it failed, an error.
 *
 * ## Media
 *
 * [property@Sipnat.Call:media] is a #GstElement (a bin) to put into the
 * application's pipeline: what it receives on its `sink` pad (raw audio)
 * is encoded with the negotiated codec (Opus or PCMU, 20 ms packets) and
 * sent; what arrives comes out decoded on its `src` pad.
 *
 * ## The media path, observable
 *
 * [property@Sipnat.Call:selected-pair] tells which candidate pair carries
 * the audio (host, server-reflexive, peer-reflexive or relayed on each
 * side, addresses and transport), and
 * [signal@Sipnat.Call::selected-pair-changed] when it changes: whether a
 * call goes through the TURN relay is never a guess.
 *
 * ## Safe to drop from any handler
 *
 * Handlers and callbacks may hang up, drop the call, remove its
 * registration or close the endpoint: the call finishes its own step
 * first and tells the application last.
 */

G_DEFINE_FINAL_TYPE (SipnatCall, sipnat_call, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_REGISTRATION,
  PROP_DIRECTION,
  PROP_REMOTE_URI,
  PROP_STATE,
  PROP_STATE_REASON,
  PROP_STATUS_CODE,
  PROP_ERROR,
  PROP_NO_ANSWER_TIMEOUT,
  PROP_MEDIA,
  PROP_SELECTED_PAIR,
  N_PROPS
};

enum {
  SIGNAL_SELECTED_PAIR_CHANGED,
  N_SIGNALS
};

static GParamSpec *props[N_PROPS];
static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------- */
/* State                                                                  */

static void
notify (SipnatCall *self,
        guint       prop)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

void
_sipnat_call_set_state (SipnatCall      *self,
                        SipnatCallState  state,
                        const char      *reason)
{
  if (self->state == state && g_strcmp0 (self->state_reason, reason) == 0)
    return;

  SIPNAT_NOTE (SIP, "call to/from %s: state %d (%s)", self->remote_uri, state,
               reason ? reason : "");
  if (g_strcmp0 (self->state_reason, reason) != 0)
    {
      g_free (self->state_reason);
      self->state_reason = g_strdup (reason);
      notify (self, PROP_STATE_REASON);
    }
  if (self->state != state)
    {
      self->state = state;
      notify (self, PROP_STATE);
    }
}

void
_sipnat_call_set_status (SipnatCall *self,
                         guint       status)
{
  if (self->status_code == status)
    return;

  self->status_code = status;
  notify (self, PROP_STATUS_CODE);
}

static void
set_error (SipnatCall   *self,
           const GError *error)
{
  if (error == NULL || self->error != NULL)
    return;

  self->error = g_error_copy (error);
  notify (self, PROP_ERROR);
}

void
_sipnat_call_complete_task (SipnatCall   *self,
                            const GError *error)
{
  if (self->task == NULL)
    return;

  if (self->task_cancellable != NULL)
    g_cancellable_disconnect (self->task_cancellable, self->task_cancelled_id);
  self->task_cancelled_id = 0;
  g_clear_object (&self->task_cancellable);
  _sipnat_clear_source (&self->cancel_source);
  _sipnat_outbox_add_task (self->outbox, &self->task, error);
}

static void
emit_selected_pair_changed (GObject  *instance,
                            gpointer  data)
{
  g_signal_emit (instance, signals[SIGNAL_SELECTED_PAIR_CHANGED], 0, data);
}

static void
close_media (SipnatCall *self)
{
  g_cancellable_cancel (self->media_cancellable);
  if (self->media != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->media, self);
      _sipnat_call_media_close (self->media);
    }
}

/* Ends the call: every timer and the media stop, the handle is let go
 * of (the caller has sent what had to be sent), the endpoint forgets the
 * call, and a pending dial or answer fails. */
void
_sipnat_call_end (SipnatCall   *self,
                  const char   *reason,
                  const GError *error)
{
  g_autoptr(GError) ended = NULL;

  if (self->state == SIPNAT_CALL_STATE_ENDED)
    return;

  _sipnat_clear_source (&self->no_answer_source);
  _sipnat_call_restart_clear (self);
  close_media (self);
  _sipnat_call_let_go (self);
  g_clear_pointer (&self->stack, _sipnat_stack_unref);

  set_error (self, error);
  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_ENDED, reason);

  if (error == NULL)
    ended = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CALL_ENDED, _("The call ended: %s"), reason);
  _sipnat_call_complete_task (self, error ? error : ended);

  if (self->endpoint != NULL)
    _sipnat_endpoint_forget_call (self->endpoint, self);
}

/* Answered and media connected: the call is active. */
void
_sipnat_call_check_active (SipnatCall *self)
{
  if (self->state != SIPNAT_CALL_STATE_CONNECTING || !self->answered)
    return;
  if (_sipnat_call_media_get_state (self->media) != SIPNAT_CALL_MEDIA_CONNECTED)
    return;

  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_ACTIVE, NULL);
  _sipnat_call_complete_task (self, NULL);
}

/* ---------------------------------------------------------------------- */
/* Timers and cancellation                                                */

static gboolean
no_answer_elapsed (gpointer data)
{
  SipnatCall *self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *reason = NULL;

  _sipnat_call_enter (self);
  g_clear_pointer (&self->no_answer_source, g_source_unref);

  reason = g_strdup_printf (_("No answer within %u s"), self->no_answer_timeout);
  error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_TIMEOUT, _("%s: %s"), self->remote_uri, reason);
  if (self->direction == SIPNAT_CALL_DIRECTION_INCOMING)
    _sipnat_call_send_reject (self, 480, "No Answer");
  else
    _sipnat_call_hangup_signalling (self);
  _sipnat_call_end (self, reason, error);

  _sipnat_call_leave (self);
  return G_SOURCE_REMOVE;
}

void
_sipnat_call_start_no_answer_timer (SipnatCall *self)
{
  _sipnat_clear_source (&self->no_answer_source);
  if (self->no_answer_timeout == 0)
    return;

  self->no_answer_source = g_timeout_source_new_seconds (self->no_answer_timeout);
  g_source_set_callback (self->no_answer_source, no_answer_elapsed, self, NULL);
  g_source_attach (self->no_answer_source,
                   _sipnat_stack_get_context (self->origin->stack));
}

static gboolean
cancelled_idle (gpointer data)
{
  SipnatCall *self = data;

  _sipnat_call_enter (self);
  g_clear_pointer (&self->cancel_source, g_source_unref);
  if (self->task != NULL)
    {
      g_autoptr(GError) error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                                     _("The call was cancelled"));

      _sipnat_call_complete_task (self, error);
      sipnat_call_hangup (self);
    }
  _sipnat_call_leave (self);
  return G_SOURCE_REMOVE;
}

/* The cancellable may fire in any thread: the call hangs up on its own. */
static void
task_cancelled (GCancellable *cancellable,
                SipnatCall   *self)
{
  GSource *source = g_idle_source_new ();

  g_source_set_callback (source, cancelled_idle, g_object_ref (self), g_object_unref);
  g_source_attach (source, _sipnat_stack_get_context (self->origin->stack));
  g_source_unref (source);
}

/* Starts a dial or an answer task; FALSE (and the task failed) when one
 * cannot start now. */
static gboolean
start_task (SipnatCall          *self,
            gpointer             source_tag,
            SipnatCallState      wanted,
            GCancellable        *cancellable,
            GAsyncReadyCallback  callback,
            gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, source_tag);
  g_task_set_check_cancellable (task, FALSE);

  if (self->state != wanted || self->task != NULL)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                               self->state == SIPNAT_CALL_STATE_ENDED
                               ? _("The call has ended")
                               : _("The call cannot do that in its current state"));
      return FALSE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, NULL))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _("The call was cancelled"));
      return FALSE;
    }

  self->task = g_steal_pointer (&task);
  if (cancellable != NULL)
    {
      self->task_cancellable = g_object_ref (cancellable);
      self->task_cancelled_id = g_cancellable_connect (cancellable, G_CALLBACK (task_cancelled),
                                                       self, NULL);
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Media events                                                           */

static void
media_state_changed (SipnatCallMedia *media,
                     SipnatCall      *self)
{
  SipnatCallMediaState state = _sipnat_call_media_get_state (media);

  _sipnat_call_enter (self);

  if (state == SIPNAT_CALL_MEDIA_FAILED && self->state != SIPNAT_CALL_STATE_ENDED &&
      self->media_prepared)
    {
      const GError *error = _sipnat_call_media_get_error (media);

      if (self->answered)
        _sipnat_call_hangup_signalling (self);
      else if (self->direction == SIPNAT_CALL_DIRECTION_OUTGOING && self->invite_sent)
        nua_cancel (self->nh, TAG_END ());
      else if (self->direction == SIPNAT_CALL_DIRECTION_INCOMING)
        _sipnat_call_send_reject (self, 488, "Not Acceptable Here");
      /* No path on the transport of a call that moved: it ends as calls
       * did before they could move. */
      if (self->moving)
        _sipnat_call_end (self, _("The network changed"), error);
      else
        _sipnat_call_end (self, error ? error->message : _("The media failed"), error);
    }
  else
    _sipnat_call_check_active (self);

  _sipnat_call_leave (self);
}

static void
media_pair_changed (SipnatCallMedia *media,
                    SipnatCall      *self)
{
  g_autoptr(SipnatCandidatePair) pair = _sipnat_call_media_dup_selected_pair (media);

  _sipnat_call_enter (self);
  g_clear_pointer (&self->selected_pair, sipnat_candidate_pair_free);
  self->selected_pair = pair ? sipnat_candidate_pair_copy (pair) : NULL;
  if (pair != NULL)
    _sipnat_call_move_media_connected (self);
  notify (self, PROP_SELECTED_PAIR);
  if (pair != NULL)
    _sipnat_outbox_add_emission (self->outbox, emit_selected_pair_changed,
                                 g_steal_pointer (&pair),
                                 (GDestroyNotify) sipnat_candidate_pair_free);
  _sipnat_call_leave (self);
}

static void
media_prepared (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(SipnatCall) self = data;
  g_autoptr(GError) error = NULL;

  if (!_sipnat_call_media_prepare_finish (SIPNAT_CALL_MEDIA (source), result, &error) &&
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;   /* the call ended */

  _sipnat_call_enter (self);
  if (error != NULL)
    {
      if (self->direction == SIPNAT_CALL_DIRECTION_INCOMING)
        _sipnat_call_send_reject (self, 488, "Not Acceptable Here");
      _sipnat_call_end (self, error->message, error);
    }
  else
    {
      self->media_prepared = TRUE;
      if (self->direction == SIPNAT_CALL_DIRECTION_OUTGOING)
        _sipnat_call_send_invite (self);
      else if (self->answer_wanted)
        _sipnat_call_send_answer (self);
    }
  _sipnat_call_leave (self);
}

static void
start_media (SipnatCall *self)
{
  /* Taken now: the registration may have found its NAT since the call
   * was made. */
  g_autofree char *hint = _sipnat_registration_dup_public_host (self->registration);

  _sipnat_call_media_set_public_hint (self->media, hint);
  _sipnat_call_media_prepare_async (self->media, self->media_cancellable,
                                    media_prepared, g_object_ref (self));
}

/* ---------------------------------------------------------------------- */
/* Construction                                                           */

static SipnatCall *
call_new (SipnatRegistration  *registration,
          SipnatCallDirection  direction,
          const char          *remote_uri,
          SipnatCallOrigin    *origin)      /* (transfer full) */
{
  SipnatCall *self = g_object_new (SIPNAT_TYPE_CALL, NULL);

  self->registration = g_object_ref (registration);
  self->endpoint = sipnat_registration_get_endpoint (registration);
  self->origin = origin;
  self->stack = _sipnat_stack_ref (origin->stack);
  self->account = _sipnat_account_ref (origin->account);
  self->direction = direction;
  self->remote_uri = g_strdup (remote_uri);
  self->media = _sipnat_call_media_new (_sipnat_stack_get_context (origin->stack),
                                        origin->nat_policy,
                                        _sipnat_stack_get_contact_host (origin->stack),
                                        direction == SIPNAT_CALL_DIRECTION_OUTGOING);
  g_signal_connect (self->media, "state-changed", G_CALLBACK (media_state_changed), self);
  g_signal_connect (self->media, "selected-pair-changed", G_CALLBACK (media_pair_changed), self);
  if (self->endpoint != NULL)
    _sipnat_endpoint_add_call (self->endpoint, self);
  return self;
}

/* An outgoing call whose origin cannot be had (a detached registration)
 * exists, ended, so that the application gets its error from dial. */
SipnatCall *
_sipnat_call_new_outgoing (SipnatRegistration *registration,
                           const char         *uri)
{
  g_autoptr(GError) error = NULL;
  SipnatCallOrigin *origin = _sipnat_registration_dup_call_origin (registration, &error);
  SipnatCall *self;

  if (origin == NULL)
    {
      self = g_object_new (SIPNAT_TYPE_CALL, NULL);
      self->registration = g_object_ref (registration);
      self->remote_uri = g_strdup (uri);
      self->state = SIPNAT_CALL_STATE_ENDED;
      self->state_reason = g_strdup (error->message);
      self->error = g_steal_pointer (&error);
      return self;
    }

  return call_new (registration, SIPNAT_CALL_DIRECTION_OUTGOING, uri, origin);
}

/* Takes the INVITE's handle; NULL (the INVITE answered) when the offer
 * cannot be used. The caller announces the call. */
SipnatCall *
_sipnat_call_new_incoming (SipnatRegistration   *registration,
                           const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;
  SipnatCallOrigin *origin = _sipnat_registration_dup_call_origin (registration, &error);
  g_autofree char *from = NULL;
  g_autoptr(SipnatCall) self = NULL;

  if (origin == NULL)
    return NULL;

  from = url_as_string (NULL, ev->sip->sip_from->a_url);
  self = call_new (registration, SIPNAT_CALL_DIRECTION_INCOMING, from, origin);
  self->nh = ev->nh;
  nua_handle_bind (self->nh, &self->owner);

  if (!_sipnat_call_accept_offer (self, ev, &error))
    {
      _sipnat_call_end (self, error->message, error);
      return NULL;
    }

  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_RINGING, NULL);
  _sipnat_call_send_ringing (self);
  _sipnat_call_start_no_answer_timer (self);
  start_media (self);    /* gathering while it rings: answering is quicker */
  return g_steal_pointer (&self);
}

/* The endpoint closes or the registration goes: the call hangs up. */
void
_sipnat_call_terminate (SipnatCall *self,
                        const char *reason)
{
  g_autoptr(GError) error = NULL;

  _sipnat_call_enter (self);
  if (self->state != SIPNAT_CALL_STATE_ENDED)
    {
      error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, "%s", reason);
      _sipnat_call_hangup_signalling (self);
      _sipnat_call_end (self, reason, error);
    }
  self->endpoint = NULL;
  _sipnat_call_leave (self);
}

/* ---------------------------------------------------------------------- */
/* Public API                                                             */

/**
 * sipnat_call_dial_async:
 * @self: an outgoing #SipnatCall in the state %SIPNAT_CALL_STATE_IDLE
 * @cancellable: (nullable): cancels the call (CANCEL, or BYE once
 *   answered)
 * @callback: called when the call is active or has failed
 * @user_data: data for @callback
 *
 * Places the call: gathers the media candidates, sends the INVITE with
 * the offer, answers digest challenges, and sets up the media path once
 * the remote party answers. Completes when the call is
 * %SIPNAT_CALL_STATE_ACTIVE, or fails: %SIPNAT_ERROR_REJECTED with the
 * remote status (busy, declined, not found...), %SIPNAT_ERROR_TIMEOUT when
 * nobody answers within [property@Sipnat.Call:no-answer-timeout],
 * %SIPNAT_ERROR_NO_COMMON_CODEC, %SIPNAT_ERROR_ICE_FAILED,
 * %SIPNAT_ERROR_RELAY_FAILED, %SIPNAT_ERROR_AUTH_FAILED,
 * %SIPNAT_ERROR_CALL_ENDED when it was hung up first.
 */
void
sipnat_call_dial_async (SipnatCall          *self,
                        GCancellable        *cancellable,
                        GAsyncReadyCallback  callback,
                        gpointer             user_data)
{
  g_return_if_fail (SIPNAT_IS_CALL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (self->direction == SIPNAT_CALL_DIRECTION_OUTGOING && self->error != NULL &&
      self->state == SIPNAT_CALL_STATE_ENDED && self->origin == NULL)
    {
      g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, sipnat_call_dial_async);
      g_task_return_error (task, g_error_copy (self->error));
      return;
    }
  if (!start_task (self, sipnat_call_dial_async, SIPNAT_CALL_STATE_IDLE,
                   cancellable, callback, user_data))
    return;

  _sipnat_call_enter (self);
  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_CALLING, NULL);
  start_media (self);
  _sipnat_call_leave (self);
}

/**
 * sipnat_call_dial_finish:
 * @self: a #SipnatCall
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Call.dial_async].
 *
 * Returns: %TRUE when the call became active
 */
gboolean
sipnat_call_dial_finish (SipnatCall    *self,
                         GAsyncResult  *result,
                         GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sipnat_call_dial_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sipnat_call_answer_async:
 * @self: an incoming #SipnatCall in the state %SIPNAT_CALL_STATE_RINGING
 * @cancellable: (nullable): cancels the answer (the call is declined, or
 *   hung up once answered)
 * @callback: called when the call is active or has failed
 * @user_data: data for @callback
 *
 * Answers the call: 200 OK with the answer to the caller's offer, then
 * the media path is set up. Completes when the call is
 * %SIPNAT_CALL_STATE_ACTIVE, or fails (%SIPNAT_ERROR_ICE_FAILED,
 * %SIPNAT_ERROR_RELAY_FAILED, %SIPNAT_ERROR_CALL_ENDED when the caller
 * cancelled or hung up first).
 */
void
sipnat_call_answer_async (SipnatCall          *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_return_if_fail (SIPNAT_IS_CALL (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  if (!start_task (self, sipnat_call_answer_async, SIPNAT_CALL_STATE_RINGING,
                   cancellable, callback, user_data))
    return;

  _sipnat_call_enter (self);
  _sipnat_clear_source (&self->no_answer_source);
  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_ANSWERING, NULL);
  self->answer_wanted = TRUE;
  if (self->media_prepared)
    _sipnat_call_send_answer (self);
  _sipnat_call_leave (self);
}

/**
 * sipnat_call_answer_finish:
 * @self: a #SipnatCall
 * @result: the result given to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@Sipnat.Call.answer_async].
 *
 * Returns: %TRUE when the call became active
 */
gboolean
sipnat_call_answer_finish (SipnatCall    *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == sipnat_call_answer_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * sipnat_call_reject:
 * @self: an incoming #SipnatCall not answered yet
 * @status_code: the final status, from 300 to 699; 0 for 486 Busy Here
 *
 * Refuses an incoming call. Does nothing once the call is answered or
 * ended (use [method@Sipnat.Call.hangup] then).
 */
void
sipnat_call_reject (SipnatCall *self,
                    guint       status_code)
{
  g_autofree char *reason = NULL;

  g_return_if_fail (SIPNAT_IS_CALL (self));
  g_return_if_fail (status_code == 0 || (status_code >= 300 && status_code <= 699));

  if (self->direction != SIPNAT_CALL_DIRECTION_INCOMING || self->answered ||
      self->state == SIPNAT_CALL_STATE_ENDED)
    return;

  if (status_code == 0)
    status_code = 486;

  _sipnat_call_enter (self);
  reason = g_strdup_printf (_("Rejected with %u"), status_code);
  _sipnat_call_send_reject (self, status_code, NULL);
  _sipnat_call_end (self, reason, NULL);
  _sipnat_call_leave (self);
}

/**
 * sipnat_call_hangup:
 * @self: a #SipnatCall
 *
 * Ends the call whatever its state: an outgoing call not answered yet is
 * cancelled (CANCEL), an incoming one not answered is declined (603), an
 * answered one gets a BYE. The state becomes %SIPNAT_CALL_STATE_ENDED at
 * once; a pending dial or answer fails with %SIPNAT_ERROR_CALL_ENDED.
 */
void
sipnat_call_hangup (SipnatCall *self)
{
  g_return_if_fail (SIPNAT_IS_CALL (self));

  if (self->state == SIPNAT_CALL_STATE_ENDED)
    return;

  _sipnat_call_enter (self);
  _sipnat_call_hangup_signalling (self);
  _sipnat_call_end (self, _("Hung up"), NULL);
  _sipnat_call_leave (self);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

static void
sipnat_call_dispose (GObject *object)
{
  SipnatCall *self = SIPNAT_CALL (object);

  /* Only an ended call loses its last reference: the endpoint holds the
   * others. */
  _sipnat_clear_source (&self->no_answer_source);
  _sipnat_clear_source (&self->cancel_source);
  _sipnat_call_restart_clear (self);
  close_media (self);
  g_clear_object (&self->media);
  _sipnat_call_let_go (self);

  G_OBJECT_CLASS (sipnat_call_parent_class)->dispose (object);
}

static void
sipnat_call_finalize (GObject *object)
{
  SipnatCall *self = SIPNAT_CALL (object);

  g_clear_pointer (&self->stack, _sipnat_stack_unref);
  g_clear_pointer (&self->account, _sipnat_account_unref);
  g_clear_pointer (&self->origin, _sipnat_call_origin_free);
  g_clear_pointer (&self->first_hop, g_free);
  g_clear_pointer (&self->dialog, _sipnat_call_dialog_free);
  g_clear_pointer (&self->move_old_contact, g_free);
  g_clear_object (&self->registration);
  g_clear_object (&self->media_cancellable);
  g_clear_pointer (&self->selected_pair, sipnat_candidate_pair_free);
  g_free (self->remote_uri);
  g_free (self->local_sdp);
  g_free (self->state_reason);
  g_clear_error (&self->error);
  _sipnat_outbox_free (self->outbox);

  G_OBJECT_CLASS (sipnat_call_parent_class)->finalize (object);
}

static void
sipnat_call_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  SipnatCall *self = SIPNAT_CALL (object);

  switch (prop_id)
    {
    case PROP_REGISTRATION:
      g_value_set_object (value, self->registration);
      break;
    case PROP_DIRECTION:
      g_value_set_enum (value, self->direction);
      break;
    case PROP_REMOTE_URI:
      g_value_set_string (value, self->remote_uri);
      break;
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_STATE_REASON:
      g_value_set_string (value, self->state_reason);
      break;
    case PROP_STATUS_CODE:
      g_value_set_uint (value, self->status_code);
      break;
    case PROP_ERROR:
      g_value_set_boxed (value, self->error);
      break;
    case PROP_NO_ANSWER_TIMEOUT:
      g_value_set_uint (value, self->no_answer_timeout);
      break;
    case PROP_MEDIA:
      g_value_set_object (value, sipnat_call_get_media (self));
      break;
    case PROP_SELECTED_PAIR:
      g_value_set_boxed (value, self->selected_pair);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sipnat_call_set_property (GObject      *object,
                          guint         prop_id,
                          const GValue *value,
                          GParamSpec   *pspec)
{
  SipnatCall *self = SIPNAT_CALL (object);

  switch (prop_id)
    {
    case PROP_NO_ANSWER_TIMEOUT:
      sipnat_call_set_no_answer_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sipnat_call_class_init (SipnatCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = sipnat_call_dispose;
  object_class->finalize = sipnat_call_finalize;
  object_class->get_property = sipnat_call_get_property;
  object_class->set_property = sipnat_call_set_property;

  /**
   * SipnatCall:registration:
   *
   * The registration the call belongs to: its identity, credentials,
   * flow and NAT policy.
   */
  props[PROP_REGISTRATION] =
    g_param_spec_object ("registration", NULL, NULL, SIPNAT_TYPE_REGISTRATION, ro);

  /**
   * SipnatCall:direction:
   *
   * Whether the application placed the call or it came in.
   */
  props[PROP_DIRECTION] =
    g_param_spec_enum ("direction", NULL, NULL, SIPNAT_TYPE_CALL_DIRECTION,
                       SIPNAT_CALL_DIRECTION_OUTGOING, ro);

  /**
   * SipnatCall:remote-uri:
   *
   * The other party: the URI called, or the caller's From URI.
   */
  props[PROP_REMOTE_URI] = g_param_spec_string ("remote-uri", NULL, NULL, NULL, ro);

  /**
   * SipnatCall:state:
   *
   * Where the call stands.
   */
  props[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, SIPNAT_TYPE_CALL_STATE, SIPNAT_CALL_STATE_IDLE, ro);

  /**
   * SipnatCall:state-reason:
   *
   * Why the call is in its state, in words: mostly why it ended ("Busy
   * Here", "No answer within 60 s", "Hung up", "The remote party hung
   * up"...). Notified before [property@Sipnat.Call:state].
   */
  props[PROP_STATE_REASON] = g_param_spec_string ("state-reason", NULL, NULL, NULL, ro);

  /**
   * SipnatCall:status-code:
   *
   * The last SIP status of the INVITE, sent or received; 0 before any.
   */
  props[PROP_STATUS_CODE] =
    g_param_spec_uint ("status-code", NULL, NULL, 0, 699, 0, ro);

  /**
   * SipnatCall:error:
   *
   * Why the call failed, in the %SIPNAT_ERROR domain; %NULL when it did
   * not fail (it may still have ended normally).
   */
  props[PROP_ERROR] = g_param_spec_boxed ("error", NULL, NULL, G_TYPE_ERROR, ro);

  /**
   * SipnatCall:no-answer-timeout:
   *
   * How long a call may ring before it ends with %SIPNAT_ERROR_TIMEOUT
   * (an outgoing one is cancelled, an incoming one answered with 480),
   * in seconds; 0 for no limit.
   */
  props[PROP_NO_ANSWER_TIMEOUT] =
    g_param_spec_uint ("no-answer-timeout", NULL, NULL, 0, G_MAXUINT,
                       SIPNAT_DEFAULT_NO_ANSWER_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatCall:media:
   *
   * The #GstBin carrying the call's audio: raw audio linked to its `sink`
   * pad is sent, received audio comes out decoded on its `src` pad. Put it
   * into a pipeline and link it before dialling or answering.
   */
  props[PROP_MEDIA] = g_param_spec_object ("media", NULL, NULL, GST_TYPE_ELEMENT, ro);

  /**
   * SipnatCall:selected-pair:
   *
   * The candidate pair carrying the media, %NULL before ICE selects one.
   */
  props[PROP_SELECTED_PAIR] =
    g_param_spec_boxed ("selected-pair", NULL, NULL, SIPNAT_TYPE_CANDIDATE_PAIR, ro);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * SipnatCall::selected-pair-changed:
   * @self: the call
   * @pair: the pair now carrying the media
   *
   * Emitted when ICE selects a candidate pair, and whenever it selects
   * another one (an ICE restart, a better pair nominated).
   */
  signals[SIGNAL_SELECTED_PAIR_CHANGED] =
    g_signal_new ("selected-pair-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SIPNAT_TYPE_CANDIDATE_PAIR);
}

static void
sipnat_call_init (SipnatCall *self)
{
  self->owner.handle_event = _sipnat_call_handle_event;
  self->no_answer_timeout = SIPNAT_DEFAULT_NO_ANSWER_TIMEOUT;
  self->media_cancellable = g_cancellable_new ();
  self->outbox = _sipnat_outbox_new (G_OBJECT (self));
}
