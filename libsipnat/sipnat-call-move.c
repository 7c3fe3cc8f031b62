/* sipnat-call-move.c: an active call that follows the endpoint to a new
 * SIP stack
 *
 * When the local address the endpoint's transports are bound to goes
 * away (Wi-Fi to a phone tether, say), the endpoint replaces its Sofia
 * stack (sipnat-endpoint-network.c): Sofia binds a socket per address,
 * and the old ones lead nowhere. An active call does not end then: its
 * dialog continues on the new stack, as a mobile handover does, with an
 * in-dialog re-INVITE that refreshes the target (RFC 3261 section
 * 12.2): same Call-ID, tags and route set, the next CSeq, a new Contact,
 * and an offer on a new media transport (sipnat-call-media-move.c).
 *
 * How nua is made to send it: a new handle on the new stack carries the
 * dialog in its tags (SIPTAG_CALL_ID, SIPTAG_FROM with our tag,
 * SIPTAG_TO with the peer's tag, SIPTAG_CSEQ with the last number we
 * used, NUTAG_URL with the peer's Contact) and the INVITE carries the
 * route set (SIPTAG_ROUTE_STR). nua_client_request_sendmsg() builds the
 * handle's leg with nta_leg_tcreate() from the request's Call-ID, From,
 * To and CSeq: the leg has both tags, nta_msg_request_complete() numbers
 * the request one past the CSeq given, and the handle owns the dialog
 * from then on: the peer's later requests, sent to the new Contact, find
 * that leg (Call-ID and tags) and reach the call.
 *
 * What nua does differently from a dialog it built itself (Sofia-SIP
 * 1.12/1.13, nua_dialog_uac_route() and nta's leg_route()): the 2xx of
 * the handle's first INVITE is taken as the one that sets the route set,
 * from its Record-Route. A proxy that does not record-route in-dialog
 * requests leaves the handle with an empty route set, and the ACK and
 * later requests of ours go straight to the peer's Contact. nua has no
 * way to keep the route set (nua_client_request_sendmsg() removes the
 * Route headers of an established dialog's requests). Where the peer is
 * reachable only through the proxy, the moved call then loses its ACK.
 *
 * The old handle is let go of without ending the dialog: destroying a
 * handle with an established session makes nua send a BYE
 * (nua_session_usage_shutdown()), and so does the old stack's
 * nua_shutdown(); that BYE would end the dialog we continue if the old
 * address still works. The old handle's next hop is set to a dead end
 * first (NUTAG_PROXY, which nua hands to nta as NTATAG_DEFAULT_PROXY and
 * which takes the place of the route's first hop): its BYE fails on the
 * spot and never leaves for the peer.
 *
 * A 491 (both sides re-INVITE at once) is retried after the delay of
 * RFC 3261 section 14.1, on a fresh handle (nua takes the handle's first
 * INVITE as the initial one, and its failure ends that handle's
 * session). Any other failure, or no media path on the new transport,
 * ends the call as before moves existed: "The network changed".
 *
 * A BYE where no handle has the session (the re-INVITE failed and nua
 * ended that handle's session with it, or the application hangs up while
 * the new transport gathers) goes as an extension request (nua_method()
 * with NUTAG_METHOD ("BYE")) on a fresh handle that carries the dialog:
 * nua builds no leg for it and sends what the tags say (Call-ID, tags,
 * CSeq, route set, target).
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

/* Bounds on what the peer and the proxies give us. */
#define MAX_HEADER_LENGTH 1024
#define MAX_ROUTES 16

#define MAX_GLARES 3

/* How long the re-INVITE waits for the registration to learn its Contact
 * on the new stack (its REGISTER from there), and how often it looks. */
#define CONTACT_WAIT_MS 3000
#define CONTACT_POLL_MS 50

/* Where the BYE of a handle let go of goes: nowhere (nothing listens on
 * the discard port; over TCP the refusal is immediate, and a stack
 * without TCP fails it at once too). */
#define DEAD_END_PROXY "sip:127.0.0.1:9;transport=tcp"

struct _SipnatCallDialog
{
  char *call_id;
  char *local;                      /* From, with our tag */
  char *remote;                     /* To, with the peer's tag */
  char *target;                     /* the peer's Contact URI */
  char *route;                      /* the route set, in order; NULL if empty */
  guint32 local_cseq;               /* the last CSeq we used; 0 if none yet */
  guint32 sent_cseq;                /* the move's last re-INVITE (if known) */
  gboolean route_set;
  gboolean route_ok;                /* FALSE: too long, or a hop we could not read */
};

void
_sipnat_call_dialog_free (SipnatCallDialog *dialog)
{
  if (dialog == NULL)
    return;

  g_free (dialog->call_id);
  g_free (dialog->local);
  g_free (dialog->remote);
  g_free (dialog->target);
  g_free (dialog->route);
  g_free (dialog);
}

/* ---------------------------------------------------------------------- */
/* What the dialog is (RFC 3261 sections 12.1.1 and 12.1.2)               */

static char *
header_string (const sip_header_t *header)
{
  su_home_t *home;
  char *text;
  char *copy = NULL;

  if (header == NULL)
    return NULL;

  home = su_home_new (sizeof (su_home_t));
  if (home == NULL)
    return NULL;
  text = sip_header_as_string (home, header);
  if (text != NULL && strlen (text) <= MAX_HEADER_LENGTH)
    copy = g_strdup (text);
  su_home_unref (home);
  return copy;
}

static char *
url_string (const url_t *url)
{
  su_home_t *home;
  char *text;
  char *copy = NULL;

  if (url == NULL)
    return NULL;

  home = su_home_new (sizeof (su_home_t));
  if (home == NULL)
    return NULL;
  text = url_as_string (home, url);
  if (text != NULL && strlen (text) <= MAX_HEADER_LENGTH)
    copy = g_strdup (text);
  su_home_unref (home);
  return copy;
}

/* The route set from Record-Route: as it came for the callee, reversed
 * for the caller. %FALSE when it is too long to keep (the call cannot
 * move then). */
static gboolean
route_set (const sip_record_route_t  *rr,
           gboolean                   reverse,
           char                     **out)
{
  g_autoptr(GPtrArray) hops = g_ptr_array_new_with_free_func (g_free);
  GString *route;

  *out = NULL;
  for (; rr != NULL; rr = rr->r_next)
    {
      char *url = hops->len < MAX_ROUTES ? url_string (rr->r_url) : NULL;

      if (url == NULL)
        return FALSE;
      g_ptr_array_add (hops, g_strdup_printf ("<%s>", url));
      g_free (url);
    }
  if (hops->len == 0)
    return TRUE;

  route = g_string_new (NULL);
  for (guint i = 0; i < hops->len; i++)
    {
      guint j = reverse ? hops->len - 1 - i : i;

      if (route->len > 0)
        g_string_append (route, ", ");
      g_string_append (route, g_ptr_array_index (hops, j));
    }
  *out = g_string_free (route, FALSE);
  return TRUE;
}

static SipnatCallDialog *
dialog_of (SipnatCall *self)
{
  if (self->dialog == NULL)
    self->dialog = g_new0 (SipnatCallDialog, 1);
  return self->dialog;
}

static void
set_string (char       **field,
            char        *value)    /* (transfer full) */
{
  if (value == NULL)
    return;
  g_free (*field);
  *field = value;
}

static void
note_target (SipnatCall  *self,
             const sip_t *sip)
{
  if (sip->sip_contact != NULL)
    set_string (&dialog_of (self)->target, url_string (sip->sip_contact->m_url));
}

/* The 2xx of our INVITE (or of a re-INVITE: the target only). */
static void
note_invite_answer (SipnatCall           *self,
                    const SipnatSipEvent *ev)
{
  SipnatCallDialog *dialog = dialog_of (self);
  const sip_t *sip = ev->sip;

  note_target (self, sip);
  if (dialog->remote != NULL || sip->sip_to == NULL || sip->sip_to->a_tag == NULL)
    return;

  set_string (&dialog->call_id, g_strdup (sip->sip_call_id ? sip->sip_call_id->i_id : NULL));
  set_string (&dialog->local, header_string ((const sip_header_t *) sip->sip_from));
  set_string (&dialog->remote, header_string ((const sip_header_t *) sip->sip_to));
  if (!dialog->route_set)
    {
      dialog->route_ok = route_set (sip->sip_record_route, TRUE, &dialog->route);
      dialog->route_set = TRUE;
    }
}

/* The peer's INVITE (the first: the dialog; a later one: the target). */
static void
note_invite (SipnatCall           *self,
             const SipnatSipEvent *ev)
{
  SipnatCallDialog *dialog = dialog_of (self);
  const sip_t *sip = ev->sip;

  note_target (self, sip);
  if (dialog->route_set)
    return;

  set_string (&dialog->call_id, g_strdup (sip->sip_call_id ? sip->sip_call_id->i_id : NULL));
  set_string (&dialog->remote, header_string ((const sip_header_t *) sip->sip_from));
  dialog->route_ok = route_set (sip->sip_record_route, FALSE, &dialog->route);
  dialog->route_set = TRUE;
}

/*
 * _sipnat_call_move_note_dialog:
 *
 * Keeps what a move needs of the dialog from each event on the call's
 * handle: the Call-ID, both tags, the route set, the peer's target and
 * our last CSeq.
 */
void
_sipnat_call_move_note_dialog (SipnatCall           *self,
                               const SipnatSipEvent *ev)
{
  const sip_t *sip = ev->sip;

  if (sip == NULL || ev->nh != self->nh || !ev->from_network)
    return;

  /* Any answer to a request of ours on the dialog: its number is used. */
  if (ev->event >= nua_r_set_params && ev->event < nua_i_network_changed && sip->sip_cseq != NULL &&
      sip->sip_cseq->cs_seq > dialog_of (self)->local_cseq)
    dialog_of (self)->local_cseq = sip->sip_cseq->cs_seq;

  switch (ev->event)
    {
    case nua_r_invite:
      if (ev->status >= 200 && ev->status < 300)
        note_invite_answer (self, ev);
      break;
    case nua_i_invite:
      note_invite (self, ev);
      break;
    case nua_i_ack:
      /* The ACK carries our tag in its To. */
      if (dialog_of (self)->local == NULL && sip->sip_to != NULL && sip->sip_to->a_tag != NULL)
        set_string (&dialog_of (self)->local, header_string ((const sip_header_t *) sip->sip_to));
      break;
    default:
      break;
    }
}

static gboolean
dialog_known (SipnatCall *self)
{
  const SipnatCallDialog *dialog = self->dialog;

  return dialog != NULL && dialog->call_id != NULL && dialog->local != NULL &&
         dialog->remote != NULL && dialog->target != NULL && dialog->route_ok;
}

/*
 * _sipnat_call_can_move:
 *
 * Whether the call is established and its dialog known: it can follow
 * the endpoint to a new stack.
 */
gboolean
_sipnat_call_can_move (SipnatCall *self)
{
  if (self->state == SIPNAT_CALL_STATE_ENDED || self->nh == NULL || self->dialog_done ||
      !self->answered || self->registration == NULL)
    return FALSE;
  if (self->direction == SIPNAT_CALL_DIRECTION_INCOMING && !self->acked)
    return FALSE;
  if (_sipnat_call_media_get_state (self->media) == SIPNAT_CALL_MEDIA_FAILED)
    return FALSE;
  return dialog_known (self);
}

/* ---------------------------------------------------------------------- */
/* Failing                                                                */

/* @dialog_over: nothing more can be sent on the dialog (else the caller
 * said BYE, and the handle goes once it is answered). */
static void
fail_move (SipnatCall   *self,
           const GError *cause,
           gboolean      dialog_over)
{
  g_autoptr(GError) error = NULL;

  SIPNAT_NOTE (SIP, "call %s: the move to the new transports failed: %s", self->remote_uri,
               cause ? cause->message : "?");
  error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, "%s", _("The network changed"));
  self->move_pending = FALSE;
  self->moving = FALSE;
  if (dialog_over)
    self->dialog_done = TRUE;
  _sipnat_call_end (self, _("The network changed"), error);
}

/* ---------------------------------------------------------------------- */
/* The re-INVITE                                                          */

/* A BYE on the dialog from the call's stack, with no session to end in
 * nua (see the top of the file); the handle goes with its answer. */
static void
send_bye_outside_session (SipnatCall *self)
{
  SipnatCallDialog *dialog = self->dialog;
  nua_t *nua = self->stack ? _sipnat_stack_get_nua (self->stack) : NULL;
  g_autofree char *cseq = NULL;
  guint32 last;
  nua_handle_t *nh;

  if (nua == NULL || !dialog_known (self))
    return;

  last = MAX (dialog->local_cseq, dialog->sent_cseq);
  if (last > 0)
    cseq = g_strdup_printf ("%u BYE", last + 1);
  nh = nua_handle (nua, NULL,
                   SIPTAG_CALL_ID_STR (dialog->call_id),
                   SIPTAG_FROM_STR (dialog->local),
                   SIPTAG_TO_STR (dialog->remote),
                   TAG_IF (cseq != NULL, SIPTAG_CSEQ_STR (cseq)),
                   TAG_END ());
  SIPNAT_NOTE (SIP, "call %s: BYE from the new transports, outside any session",
               self->remote_uri);
  nua_method (nh,
              NUTAG_METHOD ("BYE"),
              NUTAG_URL (dialog->target),
              TAG_IF (dialog->route != NULL, SIPTAG_ROUTE_STR (dialog->route)),
              TAG_END ());
}

/*
 * _sipnat_call_move_hangup:
 *
 * Hangs up a call whose session has no handle (the new transport is
 * still gathering).
 *
 * Returns: %TRUE when that was the case (and the BYE went)
 */
gboolean
_sipnat_call_move_hangup (SipnatCall *self)
{
  /* No handle while the new transport gathers; one whose INVITE failed
   * with 491 while the retry waits. */
  if (!self->moving || (self->nh != NULL && self->move_glare_source == NULL) ||
      self->dialog_done)
    return FALSE;

  send_bye_outside_session (self);
  self->dialog_done = TRUE;
  return TRUE;
}

/* Lets go of a handle without a BYE reaching the peer. */
static void
retire_handle (SipnatCall   *self,
               nua_handle_t *nh)
{
  if (nh == NULL)
    return;
  nua_handle_bind (nh, NULL);
  nua_set_hparams (nh, NUTAG_PROXY (DEAD_END_PROXY), TAG_END ());
  nua_handle_destroy (nh);
}

static void
send_move_invite (SipnatCall *self)
{
  SipnatCallDialog *dialog = self->dialog;
  nua_t *nua = self->stack ? _sipnat_stack_get_nua (self->stack) : NULL;
  g_autofree char *cseq = NULL;

  if (nua == NULL)
    {
      fail_move (self, NULL, TRUE);
      return;
    }

  /* nta numbers the request one past the CSeq the leg starts with. */
  if (dialog->local_cseq > 0)
    cseq = g_strdup_printf ("%u INVITE", dialog->local_cseq);

  retire_handle (self, g_steal_pointer (&self->nh));
  self->nh = nua_handle (nua, &self->owner,
                         NUTAG_URL (dialog->target),
                         SIPTAG_CALL_ID_STR (dialog->call_id),
                         SIPTAG_FROM_STR (dialog->local),
                         SIPTAG_TO_STR (dialog->remote),
                         TAG_IF (cseq != NULL, SIPTAG_CSEQ_STR (cseq)),
                         NUTAG_MEDIA_ENABLE (0),
                         TAG_END ());
  self->move_pending = TRUE;
  self->moves_sent++;
  dialog->sent_cseq = dialog->local_cseq > 0 ? dialog->local_cseq + 1 : 0;
  SIPNAT_NOTE (SIP, "call %s: re-INVITE from the new transports, Contact %s", self->remote_uri,
               self->origin->contact);
  nua_invite (self->nh,
              TAG_IF (dialog->route != NULL, SIPTAG_ROUTE_STR (dialog->route)),
              SIPTAG_CONTACT_STR (self->origin->contact),
              SIPTAG_CONTENT_TYPE_STR (SDP_TYPE),
              SIPTAG_PAYLOAD_STR (self->local_sdp),
              TAG_END ());
}

/* The Contact of the re-INVITE: the registration's on the new stack. It
 * has it once its first REGISTER from there went (or, behind a NAT, once
 * the registrar told it its new public address); until then it still
 * gives the old one, which leads to the old stack. After a while the
 * registration's Contact goes, whatever it is. */
static gboolean
contact_ready (SipnatCall *self)
{
  g_autoptr(SipnatCallOrigin) origin = NULL;
  gboolean waited;

  origin = _sipnat_registration_dup_call_origin (self->registration, NULL);
  if (origin == NULL || origin->stack != self->stack)
    return TRUE;   /* moved again or detached: the send fails or ends */

  waited = g_get_monotonic_time () - self->move_start_time >= CONTACT_WAIT_MS * G_TIME_SPAN_MILLISECOND;
  if (g_strcmp0 (origin->contact, self->move_old_contact) == 0 && !waited)
    return FALSE;

  g_free (self->origin->contact);
  self->origin->contact = g_steal_pointer (&origin->contact);
  return TRUE;
}

static gboolean
contact_poll (gpointer data)
{
  SipnatCall *self = data;

  _sipnat_call_enter (self);
  if (self->state != SIPNAT_CALL_STATE_ENDED && contact_ready (self))
    {
      g_clear_pointer (&self->move_wait_source, g_source_unref);
      send_move_invite (self);
      _sipnat_call_leave (self);
      return G_SOURCE_REMOVE;
    }
  _sipnat_call_leave (self);
  return G_SOURCE_CONTINUE;
}

static void
send_when_contact_ready (SipnatCall *self)
{
  if (contact_ready (self))
    {
      send_move_invite (self);
      return;
    }

  SIPNAT_NOTE (SIP, "call %s: the re-INVITE waits for the registration's new Contact",
               self->remote_uri);
  _sipnat_clear_source (&self->move_wait_source);
  self->move_wait_source = g_timeout_source_new (CONTACT_POLL_MS);
  g_source_set_callback (self->move_wait_source, contact_poll, self, NULL);
  g_source_attach (self->move_wait_source, _sipnat_stack_get_context (self->stack));
}

static void
media_moved (GObject      *source,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(SipnatCall) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = NULL;

  _sipnat_call_enter (self);
  if (self->state != SIPNAT_CALL_STATE_ENDED)
    {
      offer = _sipnat_call_media_move_finish (SIPNAT_CALL_MEDIA (source), result,
                                              self->origin->user, &error);
      if (offer == NULL)
        {
          /* The old handle is gone, the new one has no dialog yet. */
          send_bye_outside_session (self);
          fail_move (self, error, TRUE);
        }
      else
        {
          g_free (self->local_sdp);
          self->local_sdp = g_steal_pointer (&offer);
          send_when_contact_ready (self);
        }
    }
  _sipnat_call_leave (self);
}

/*
 * _sipnat_call_move_to_stack:
 * @stack: the endpoint's new stack (the call's registration is on it)
 *
 * The call continues on @stack: its media gathers on the addresses of
 * now, then a re-INVITE from @stack moves the dialog there. The handle
 * on the old stack is let go of at once, without a BYE to the peer.
 * Ends the call ("The network changed") when it cannot move.
 */
void
_sipnat_call_move_to_stack (SipnatCall  *self,
                            SipnatStack *stack)
{
  g_autoptr(SipnatCallOrigin) origin = NULL;

  _sipnat_call_enter (self);

  if (self->state == SIPNAT_CALL_STATE_ENDED)
    goto out;

  if (_sipnat_call_can_move (self))
    origin = _sipnat_registration_dup_call_origin (self->registration, NULL);
  if (origin == NULL || origin->stack != stack)
    {
      g_autoptr(GError) error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, "%s",
                                             _("The network changed"));

      /* As before calls could move: a BYE from the old stack, if it can. */
      SIPNAT_NOTE (SIP, "call %s: cannot follow the network change", self->remote_uri);
      _sipnat_call_hangup_signalling (self);
      _sipnat_call_end (self, _("The network changed"), error);
      goto out;
    }

  /* The old stack's handles and timers go now: it shuts down next. */
  _sipnat_call_restart_clear (self);
  retire_handle (self, g_steal_pointer (&self->nh));

  g_free (self->move_old_contact);
  self->move_old_contact = g_strdup (origin->contact);
  g_clear_pointer (&self->origin, _sipnat_call_origin_free);
  self->origin = g_steal_pointer (&origin);
  g_clear_pointer (&self->stack, _sipnat_stack_unref);
  self->stack = _sipnat_stack_ref (stack);
  g_clear_pointer (&self->first_hop, g_free);
  self->moving = TRUE;
  self->move_start_time = g_get_monotonic_time ();

  _sipnat_call_media_move_async (self->media, _sipnat_stack_get_contact_host (stack),
                                 self->media_cancellable, media_moved, g_object_ref (self));
out:
  _sipnat_call_leave (self);
}

/* ---------------------------------------------------------------------- */
/* Its answer                                                             */

static gboolean
glare_elapsed (gpointer data)
{
  SipnatCall *self = data;

  _sipnat_call_enter (self);
  g_clear_pointer (&self->move_glare_source, g_source_unref);
  if (self->state != SIPNAT_CALL_STATE_ENDED)
    send_move_invite (self);
  _sipnat_call_leave (self);
  return G_SOURCE_REMOVE;
}

static void
retry_after_glare (SipnatCall *self)
{
  guint ms = _sipnat_call_glare_delay_ms (self);

  SIPNAT_NOTE (SIP, "call %s: the move's re-INVITE met another (491), again in %u ms",
               self->remote_uri, ms);
  _sipnat_clear_source (&self->move_glare_source);
  self->move_glare_source = g_timeout_source_new (ms);
  g_source_set_callback (self->move_glare_source, glare_elapsed, self, NULL);
  g_source_attach (self->move_glare_source, _sipnat_stack_get_context (self->stack));
}

static void
take_answer (SipnatCall           *self,
             const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;
  const sip_payload_t *payload = ev->sip ? ev->sip->sip_payload : NULL;

  if (payload == NULL || payload->pl_len == 0)
    error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                         _("%s answered the moved call without a session description"),
                         self->remote_uri);
  if (error != NULL ||
      !_sipnat_call_media_take_move_answer (self->media, payload->pl_data, payload->pl_len,
                                            &error))
    {
      /* The dialog is on the new handle now: it can say BYE. */
      nua_bye (self->nh, TAG_END ());
      fail_move (self, error, FALSE);
      return;
    }

  self->move_answer_time = g_get_monotonic_time ();
  SIPNAT_NOTE (SIP, "call %s: moved to the new transports in %.0f ms, checks again",
               self->remote_uri, (self->move_answer_time - self->move_start_time) / 1000.0);
}

/*
 * _sipnat_call_handle_move_answer:
 *
 * Returns: %TRUE when @ev answers the move's re-INVITE (and was handled
 *   here)
 */
gboolean
_sipnat_call_handle_move_answer (SipnatCall           *self,
                                 const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;

  if (!self->move_pending)
    return FALSE;
  if (ev->status < 200)
    return TRUE;

  self->move_pending = FALSE;
  if (ev->status < 300)
    {
      take_answer (self, ev);
      return TRUE;
    }
  if (ev->status == 491 && self->moves_sent <= MAX_GLARES)
    {
      retry_after_glare (self);
      return TRUE;
    }

  error = g_error_new (SIPNAT_ERROR,
                       ev->status == 408 ? SIPNAT_ERROR_TIMEOUT : SIPNAT_ERROR_REJECTED,
                       _("%s: the re-INVITE from the new transports failed (%d %s)"),
                       self->remote_uri, ev->status, ev->phrase);
  /* nua took it as the handle's initial INVITE: its session is over,
   * and it cannot say BYE. Unless the dialog is gone (RFC 3261 section
   * 14.1), the peer still has it: a BYE outside the session ends it. */
  if (ev->status != 481 && ev->status != 408)
    send_bye_outside_session (self);
  fail_move (self, error, TRUE);
  return TRUE;
}

/*
 * _sipnat_call_move_media_connected:
 *
 * A pair was selected on the moved media: the move is over.
 */
void
_sipnat_call_move_media_connected (SipnatCall *self)
{
  if (!self->moving || self->move_pending || self->move_answer_time == 0)
    return;

  self->moving = FALSE;
  SIPNAT_NOTE (SIP, "call %s: media again %.0f ms after the move", self->remote_uri,
               (g_get_monotonic_time () - self->move_start_time) / 1000.0);
}

void
_sipnat_call_move_clear (SipnatCall *self)
{
  _sipnat_clear_source (&self->move_glare_source);
  _sipnat_clear_source (&self->move_wait_source);
  self->move_pending = FALSE;
}
