/* sipnat-call-signalling.c: a call's INVITEs, CANCELs, BYEs and answers
 *
 * nua runs with its media layer off: the session descriptions are ours
 * (sipnat-call-media.c), carried as the bodies of the INVITE and its 2xx.
 * Every function here runs inside a call's entry point (between
 * _sipnat_call_enter() and _sipnat_call_leave()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-call-impl-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-util-private.h"

#define SDP_TYPE "application/sdp"
#define MAX_AUTH_ROUNDS 2

/* ---------------------------------------------------------------------- */
/* The handle                                                             */

/* Stops listening to the handle. One whose dialog is over is destroyed;
 * one still waiting for the answer to our BYE or CANCEL is destroyed by
 * the stack when that answer comes. */
void
_sipnat_call_let_go (SipnatCall *self)
{
  nua_handle_t *nh = g_steal_pointer (&self->nh);

  if (nh == NULL || self->stack == NULL || _sipnat_stack_get_nua (self->stack) == NULL)
    return;

  nua_handle_bind (nh, NULL);
  if (self->dialog_done)
    nua_handle_destroy (nh);
}

static const char *
body_of (const sip_t *sip,
         gsize       *length)
{
  if (sip == NULL || sip->sip_payload == NULL || sip->sip_payload->pl_len == 0)
    return NULL;
  if (sip->sip_content_type != NULL && sip->sip_content_type->c_type != NULL &&
      g_ascii_strcasecmp (sip->sip_content_type->c_type, SDP_TYPE) != 0)
    return NULL;

  *length = sip->sip_payload->pl_len;
  return sip->sip_payload->pl_data;
}

/* ---------------------------------------------------------------------- */
/* Outgoing                                                               */

static void
invite (SipnatCall *self,
        const char *auth_header)
{
  const SipnatCallOrigin *origin = self->origin;

  nua_invite (self->nh,
              TAG_IF (origin->route != NULL, NUTAG_INITIAL_ROUTE_STR (origin->route)),
              SIPTAG_CONTACT_STR (origin->contact),
              SIPTAG_CONTENT_TYPE_STR (SDP_TYPE),
              SIPTAG_PAYLOAD_STR (self->local_sdp),
              TAG_IF (auth_header != NULL, SIPTAG_AUTHORIZATION (SIP_NONE)),
              TAG_IF (auth_header != NULL, SIPTAG_PROXY_AUTHORIZATION (SIP_NONE)),
              TAG_IF (auth_header != NULL, SIPTAG_HEADER_STR (auth_header)),
              TAG_END ());
}

/* Media prepared: the offer goes out. */
void
_sipnat_call_send_invite (SipnatCall *self)
{
  g_autoptr(GError) error = NULL;
  nua_t *nua = self->stack ? _sipnat_stack_get_nua (self->stack) : NULL;

  self->local_sdp = _sipnat_call_media_build_local (self->media, self->origin->user, &error);
  if (self->local_sdp == NULL || nua == NULL)
    {
      if (error == NULL)
        error = g_error_new_literal (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, _("The endpoint is closed"));
      _sipnat_call_end (self, error->message, error);
      return;
    }

  self->nh = nua_handle (nua, &self->owner,
                         SIPTAG_TO_STR (self->remote_uri),
                         SIPTAG_FROM_STR (self->origin->from),
                         NUTAG_MEDIA_ENABLE (0),
                         TAG_END ());
  SIPNAT_NOTE (SIP, "INVITE %s via %s", self->remote_uri,
               self->origin->route ? self->origin->route : "(direct)");
  invite (self, NULL);
  self->invite_sent = TRUE;
  _sipnat_call_start_no_answer_timer (self);
}

static GError *
failure_error (SipnatCall           *self,
               const SipnatSipEvent *ev)
{
  SipnatError code = SIPNAT_ERROR_REJECTED;

  /* nua's own 904 (no matching challenge) and 900 (cannot add
   * credentials): the server challenged the credentials again. */
  if (!ev->from_network && (ev->status == 900 || ev->status == 904))
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED,
                        _("%s: authentication failed: the credentials were refused (%d %s)"),
                        self->remote_uri, ev->status, ev->phrase);
  if (!ev->from_network)
    code = ev->status == 408 ? SIPNAT_ERROR_TIMEOUT : SIPNAT_ERROR_TRANSPORT;
  else if (ev->status == 488 || ev->status == 606)
    code = SIPNAT_ERROR_NO_COMMON_CODEC;
  else if (ev->status == 408)
    code = SIPNAT_ERROR_TIMEOUT;
  else if (ev->status == 401 || ev->status == 407)
    code = SIPNAT_ERROR_AUTH_FAILED;

  return g_error_new (SIPNAT_ERROR, code, _("%s: %d %s"), self->remote_uri, ev->status,
                      ev->phrase);
}

static gboolean
answer_challenge (SipnatCall            *self,
                  const SipnatSipEvent  *ev,
                  GError               **error)
{
  g_autofree char *header = NULL;

  if (self->auth_rounds >= MAX_AUTH_ROUNDS)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_AUTH_FAILED,
                   _("%s: authentication failed: the credentials were refused (%d %s)"),
                   self->remote_uri, ev->status, ev->phrase);
      return FALSE;
    }
  if (!_sipnat_account_answer (self->account, ev, "INVITE", self->remote_uri, &header, error))
    return FALSE;

  self->auth_rounds++;
  if (header != NULL)
    {
      /* Our own digest: nua's wait for credentials ends with a 904 that
       * we expect, and the INVITE goes again with our header. */
      self->expect_no_challenge = TRUE;
      nua_authenticate (self->nh, NUTAG_AUTH ("Digest:\"\":-:-"), TAG_END ());
      invite (self, header);
    }
  return TRUE;
}

static void
take_answer (SipnatCall           *self,
             const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;
  const char *body;
  gsize length = 0;

  self->answered = TRUE;
  self->answer_time = g_get_monotonic_time ();
  _sipnat_clear_source (&self->no_answer_source);
  _sipnat_call_restart_note_route (self, ev);

  body = body_of (ev->sip, &length);
  if (body == NULL)
    error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                         _("%s answered without a session description"), self->remote_uri);
  if (error != NULL || !_sipnat_call_media_take_answer (self->media, body, length, &error))
    {
      /* The media's failure may have ended the call already (its
       * state-changed handler sends the BYE): the handle is gone then. */
      if (self->state == SIPNAT_CALL_STATE_ENDED)
        return;
      nua_bye (self->nh, TAG_END ());
      _sipnat_call_end (self, error->message, error);
      return;
    }

  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_CONNECTING, NULL);
  _sipnat_call_check_active (self);
}

static void
handle_invite_answer (SipnatCall           *self,
                      const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;

  if (ev->status == 904 && self->expect_no_challenge)
    {
      self->expect_no_challenge = FALSE;
      return;
    }
  if (self->state == SIPNAT_CALL_STATE_ENDED || ev->status < 100)
    return;
  if (_sipnat_call_handle_move_answer (self, ev) ||
      _sipnat_call_handle_restart_answer (self, ev))
    return;

  /* nua's local statuses (9xx) are no SIP status of the INVITE. */
  if (ev->status < 700)
    _sipnat_call_set_status (self, ev->status);
  if (ev->status < 200)
    {
      if (ev->status == 180 || ev->status == 183)
        _sipnat_call_set_state (self, SIPNAT_CALL_STATE_RINGING, ev->phrase);
      return;
    }
  if (ev->status < 300)
    {
      if (!self->answered)
        take_answer (self, ev);
      return;
    }

  if ((ev->status == 401 || ev->status == 407) && ev->from_network &&
      answer_challenge (self, ev, &error))
    return;

  self->dialog_done = TRUE;
  if (error == NULL)
    error = failure_error (self, ev);
  _sipnat_call_end (self, ev->phrase, error);
}

/* ---------------------------------------------------------------------- */
/* Incoming                                                               */

/*
 * _sipnat_call_accept_offer:
 *
 * Takes the offer of an incoming INVITE; answers 488 and returns %FALSE
 * when it cannot be used (none, malformed, no common codec).
 */
gboolean
_sipnat_call_accept_offer (SipnatCall            *self,
                           const SipnatSipEvent  *ev,
                           GError               **error)
{
  gsize length = 0;
  const char *body = body_of (ev->sip, &length);

  if (body == NULL)
    g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                 _("%s called without a session description (offerless INVITEs are not "
                   "supported)"), self->remote_uri);
  if (body != NULL && _sipnat_call_media_take_offer (self->media, body, length, error))
    {
      _sipnat_call_restart_note_route (self, ev);
      _sipnat_call_move_note_dialog (self, ev);
      return TRUE;
    }

  SIPNAT_NOTE (SIP, "refusing the INVITE from %s: %s", self->remote_uri, (*error)->message);
  _sipnat_call_send_reject (self, 488, NULL);
  return FALSE;
}

void
_sipnat_call_send_ringing (SipnatCall *self)
{
  nua_respond (self->nh, SIP_180_RINGING,
               SIPTAG_CONTACT_STR (self->origin->contact),
               TAG_END ());
  _sipnat_call_set_status (self, 180);
}

/* Answered and prepared: the 200 with our answer goes out, and the
 * connectivity checks start. */
void
_sipnat_call_send_answer (SipnatCall *self)
{
  g_autoptr(GError) error = NULL;

  self->answer_wanted = FALSE;
  g_free (self->local_sdp);
  self->local_sdp = _sipnat_call_media_build_local (self->media, self->origin->user, &error);
  if (self->local_sdp == NULL)
    {
      _sipnat_call_send_reject (self, 488, NULL);
      _sipnat_call_end (self, error->message, error);
      return;
    }

  nua_respond (self->nh, SIP_200_OK,
               SIPTAG_CONTACT_STR (self->origin->contact),
               SIPTAG_CONTENT_TYPE_STR (SDP_TYPE),
               SIPTAG_PAYLOAD_STR (self->local_sdp),
               TAG_END ());
  _sipnat_call_set_status (self, 200);
  self->answered = TRUE;
  self->answer_time = g_get_monotonic_time ();
  _sipnat_call_set_state (self, SIPNAT_CALL_STATE_CONNECTING, NULL);
  _sipnat_call_check_active (self);
}

/* A final refusal of the INVITE; the dialog is then over. */
void
_sipnat_call_send_reject (SipnatCall *self,
                          guint       status,
                          const char *phrase)
{
  if (self->nh == NULL || self->answered || self->dialog_done)
    return;

  nua_respond (self->nh, status, phrase ? phrase : sip_status_phrase (status),
               TAG_END ());
  _sipnat_call_set_status (self, status);
  self->dialog_done = TRUE;
}

/* A re-INVITE: hold, resume, an ICE restart, a codec change. */
static void
handle_reinvite (SipnatCall           *self,
                 const SipnatSipEvent *ev)
{
  nua_t *nua = _sipnat_stack_get_nua (self->stack);
  g_autoptr(GError) error = NULL;
  g_autofree char *answer = NULL;
  gsize length = 0;
  const char *body = body_of (ev->sip, &length);

  if (_sipnat_call_restart_glare (self, ev))
    return;
  if (body != NULL)
    answer = _sipnat_call_media_update (self->media, body, length, self->origin->user, &error);
  else
    answer = g_strdup (self->local_sdp);   /* an offer wanted: ours again */

  if (answer == NULL)
    {
      SIPNAT_NOTE (SIP, "re-INVITE from %s refused: %s", self->remote_uri, error->message);
      nua_respond (ev->nh, SIP_488_NOT_ACCEPTABLE, NUTAG_WITH_THIS (nua), TAG_END ());
      return;
    }

  _sipnat_call_restart_done_by_peer (self);
  g_free (self->local_sdp);
  self->local_sdp = g_steal_pointer (&answer);
  nua_respond (ev->nh, SIP_200_OK,
               NUTAG_WITH_THIS (nua),
               SIPTAG_CONTACT_STR (self->origin->contact),
               SIPTAG_CONTENT_TYPE_STR (SDP_TYPE),
               SIPTAG_PAYLOAD_STR (self->local_sdp),
               TAG_END ());
}

/* ---------------------------------------------------------------------- */
/* Ending                                                                 */

/* What hanging up sends, in each state. */
void
_sipnat_call_hangup_signalling (SipnatCall *self)
{
  if (_sipnat_call_move_hangup (self))
    return;
  if (self->nh == NULL || self->dialog_done)
    return;

  if (self->answered)
    nua_bye (self->nh, TAG_END ());
  else if (self->direction == SIPNAT_CALL_DIRECTION_OUTGOING)
    nua_cancel (self->nh, TAG_END ());
  else
    _sipnat_call_send_reject (self, 603, NULL);
}

static void
remote_ended (SipnatCall *self,
              const char *reason)
{
  self->dialog_done = TRUE;
  _sipnat_call_end (self, reason, NULL);
}

static int
call_state_of (const SipnatSipEvent *ev)
{
  int state = -1;

  tl_gets (ev->tags, NUTAG_CALLSTATE_REF (state), TAG_END ());
  return state;
}

void
_sipnat_call_handle_event (SipnatHandleOwner    *owner,
                           const SipnatSipEvent *ev)
{
  SipnatCall *self = SIPNAT_HANDLE_OWNER_CONTAINER (owner, SipnatCall, owner);

  _sipnat_call_enter (self);

  if (_sipnat_call_restart_probe_event (self, ev))
    {
      _sipnat_call_leave (self);
      return;
    }
  _sipnat_call_move_note_dialog (self, ev);

  switch (ev->event)
    {
    case nua_r_invite:
      handle_invite_answer (self, ev);
      break;
    case nua_i_invite:
      if (self->answered)
        handle_reinvite (self, ev);
      break;
    case nua_i_ack:
      self->acked = TRUE;
      _sipnat_call_check_active (self);
      break;
    case nua_i_bye:
      remote_ended (self, _("The remote party hung up"));
      break;
    case nua_i_cancel:
      remote_ended (self, _("The caller cancelled"));
      break;
    case nua_i_state:
      if (call_state_of (ev) == nua_callstate_terminated)
        remote_ended (self, ev->phrase && *ev->phrase ? ev->phrase : _("The call ended"));
      break;
    default:
      SIPNAT_NOTE (SIP, "call %s: %s %d %s", self->remote_uri, nua_event_name (ev->event),
                   ev->status, ev->phrase);
      break;
    }

  _sipnat_call_leave (self);
}
