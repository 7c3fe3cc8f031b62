/* sipnat-call-restart.c: a call that follows a network change
 *
 * When the network under an active call changes (a new router, a new
 * public address) and the call's signalling stack stays, the call
 * restarts ICE (RFC 8445 section 9) with a re-INVITE on its dialog: new
 * local credentials, the peer answers with its own, the checks run again
 * and a new pair is selected (RFC 8839 section 4.4.1.1.1).
 *
 * Two re-INVITEs that cross (glare) are each refused with 491; each side
 * tries again after a random delay (RFC 3261 section 14.1): 2.1 to 4 s
 * for the side that owns the Call-ID (the caller), 0 to 2 s for the
 * other. An ICE restart from the peer while ours waits does the work of
 * ours.
 *
 * Every function here runs inside a call's entry point (between
 * _sipnat_call_enter() and _sipnat_call_leave()), except the timer.
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

/* RFC 3261 section 14.1, in ms (drawn in units of 10 ms). */
#define GLARE_OWNER_MIN_MS 2100
#define GLARE_OWNER_MAX_MS 4000
#define GLARE_OTHER_MAX_MS 2000

static gboolean
can_reinvite (SipnatCall *self)
{
  if (self->state == SIPNAT_CALL_STATE_ENDED || self->nh == NULL || self->dialog_done ||
      !self->answered)
    return FALSE;
  /* An incoming call's dialog is confirmed once the ACK came. */
  return self->direction == SIPNAT_CALL_DIRECTION_OUTGOING || self->acked;
}

/* The Contact of the re-INVITE: where the registration is reached now
 * (its public binding may have changed with the network). */
static void
refresh_contact (SipnatCall *self)
{
  g_autoptr(SipnatCallOrigin) origin = NULL;

  if (self->registration == NULL)
    return;
  origin = _sipnat_registration_dup_call_origin (self->registration, NULL);
  if (origin == NULL || origin->stack != self->origin->stack)
    return;

  g_free (self->origin->contact);
  self->origin->contact = g_steal_pointer (&origin->contact);
}

static void
fail_restart (SipnatCall   *self,
              const GError *error)
{
  SIPNAT_NOTE (SIP, "call %s: ICE restart failed: %s", self->remote_uri, error->message);
  if (self->nh != NULL && !self->dialog_done)
    nua_bye (self->nh, TAG_END ());
  _sipnat_call_end (self, error->message, error);
}

static void send_restart_now (SipnatCall *self);

/* The first hop of the dialog over TCP or TLS: Sofia reuses the
 * connection it had before the change, which may lead through a NAT
 * binding that is gone, and a re-INVITE that fails ends the dialog (nua
 * says BYE by itself). A small OPTIONS to that hop goes first: on a dead
 * connection it fails (and Sofia drops the connection), on a live one it
 * is answered; the re-INVITE then goes. */
#define PROBE_TIMEOUT_MS 2000

static void
end_probe (SipnatCall *self)
{
  nua_handle_t *nh = g_steal_pointer (&self->probe_nh);

  _sipnat_clear_source (&self->probe_source);
  /* Without a stack, its handles went with it. */
  if (nh != NULL && self->stack != NULL && _sipnat_stack_get_nua (self->stack) != NULL)
    {
      nua_handle_bind (nh, NULL);
      nua_handle_destroy (nh);
    }
}

static gboolean
probe_elapsed (gpointer data)
{
  SipnatCall *self = data;

  _sipnat_call_enter (self);
  g_clear_pointer (&self->probe_source, g_source_unref);
  end_probe (self);
  if (can_reinvite (self))
    send_restart_now (self);
  _sipnat_call_leave (self);
  return G_SOURCE_REMOVE;
}

/*
 * _sipnat_call_restart_probe_event:
 *
 * Returns: %TRUE when @ev is about the probe (and was handled here)
 */
gboolean
_sipnat_call_restart_probe_event (SipnatCall           *self,
                                  const SipnatSipEvent *ev)
{
  if (self->probe_nh == NULL || ev->nh != self->probe_nh)
    return FALSE;
  if (ev->event != nua_r_options || ev->status < 200)
    return TRUE;

  SIPNAT_NOTE (SIP, "call %s: first hop %s answered %d before the re-INVITE", self->remote_uri,
               self->first_hop, ev->status);
  end_probe (self);
  if (can_reinvite (self))
    send_restart_now (self);
  return TRUE;
}

/*
 * _sipnat_call_restart_note_route:
 *
 * Keeps the dialog's first hop from the Record-Route of the INVITE (we
 * answer) or of its 2xx (we called), when it is over TCP or TLS.
 */
void
_sipnat_call_restart_note_route (SipnatCall           *self,
                                 const SipnatSipEvent *ev)
{
  const sip_record_route_t *rr;
  const url_t *url;
  const char *transport;
  char *host;

  if (ev->sip == NULL || ev->sip->sip_record_route == NULL)
    return;

  rr = ev->sip->sip_record_route;
  if (self->direction == SIPNAT_CALL_DIRECTION_OUTGOING)
    while (rr->r_next != NULL)
      rr = rr->r_next;
  url = rr->r_url;
  if (url->url_host == NULL || strlen (url->url_host) > 255)
    return;

  transport = url->url_type == url_sips ? "tls" : NULL;
  if (transport == NULL && url->url_params != NULL)
    {
      if (url_has_param (url, "transport=tcp"))
        transport = "tcp";
      else if (url_has_param (url, "transport=tls"))
        transport = "tls";
    }
  if (transport == NULL)
    return;

  host = url->url_port != NULL && strlen (url->url_port) <= 5
         ? g_strdup_printf ("sip:%s:%s;transport=%s", url->url_host, url->url_port, transport)
         : g_strdup_printf ("sip:%s;transport=%s", url->url_host, transport);
  g_free (self->first_hop);
  self->first_hop = host;
}

static void
send_restart (SipnatCall *self)
{
  nua_t *nua = _sipnat_stack_get_nua (self->stack);

  if (self->first_hop == NULL || nua == NULL)
    {
      send_restart_now (self);
      return;
    }

  end_probe (self);
  self->restart_wanted = FALSE;
  self->reinvite_pending = TRUE;   /* a glare is ours from now */
  self->probe_nh = nua_handle (nua, &self->owner,
                               NUTAG_URL (self->first_hop),
                               SIPTAG_TO_STR (self->first_hop),
                               SIPTAG_FROM_STR (self->origin->from),
                               TAG_END ());
  nua_options (self->probe_nh, TAG_END ());
  self->probe_source = g_timeout_source_new (PROBE_TIMEOUT_MS);
  g_source_set_callback (self->probe_source, probe_elapsed, self, NULL);
  g_source_attach (self->probe_source, _sipnat_stack_get_context (self->origin->stack));
}

static void
send_restart_now (SipnatCall *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *offer = NULL;

  self->restart_wanted = FALSE;
  offer = _sipnat_call_media_restart_offer (self->media, self->origin->user, &error);
  if (offer == NULL)
    {
      fail_restart (self, error);
      return;
    }

  refresh_contact (self);
  g_free (self->local_sdp);
  self->local_sdp = g_steal_pointer (&offer);
  self->reinvite_pending = TRUE;
  self->restarts_sent++;
  SIPNAT_NOTE (SIP, "call %s: re-INVITE with an ICE restart (ufrag changed)", self->remote_uri);
  nua_invite (self->nh,
              SIPTAG_CONTACT_STR (self->origin->contact),
              SIPTAG_CONTENT_TYPE_STR (SDP_TYPE),
              SIPTAG_PAYLOAD_STR (self->local_sdp),
              TAG_END ());
}

/*
 * _sipnat_call_restart_ice:
 *
 * The network changed under the call: restart ICE with a re-INVITE now,
 * or once the re-INVITE under way (or the wait after a glare) is over.
 */
void
_sipnat_call_restart_ice (SipnatCall *self)
{
  _sipnat_call_enter (self);

  if (self->moving)
    SIPNAT_NOTE (SIP, "call %s: no ICE restart (the call moves to new transports)",
                 self->remote_uri);
  else if (!can_reinvite (self) ||
           _sipnat_call_media_get_state (self->media) == SIPNAT_CALL_MEDIA_FAILED)
    SIPNAT_NOTE (SIP, "call %s: no ICE restart (the call is not established)", self->remote_uri);
  else if (self->reinvite_pending || self->glare_source != NULL)
    self->restart_wanted = TRUE;
  else
    send_restart (self);

  _sipnat_call_leave (self);
}

static gboolean
glare_elapsed (gpointer data)
{
  SipnatCall *self = data;

  _sipnat_call_enter (self);
  g_clear_pointer (&self->glare_source, g_source_unref);
  if (can_reinvite (self))
    send_restart (self);
  _sipnat_call_leave (self);
  return G_SOURCE_REMOVE;
}

/*
 * _sipnat_call_glare_delay_ms:
 *
 * Returns: how long to wait before a re-INVITE that met another (491),
 *   as RFC 3261 section 14.1 says: 2.1-4 s for the side that chose the
 *   Call-ID, 0-2 s for the other
 */
guint
_sipnat_call_glare_delay_ms (SipnatCall *self)
{
  if (self->direction == SIPNAT_CALL_DIRECTION_OUTGOING)   /* we chose the Call-ID */
    return 10 * g_random_int_range (GLARE_OWNER_MIN_MS / 10, GLARE_OWNER_MAX_MS / 10 + 1);

  return 10 * g_random_int_range (0, GLARE_OTHER_MAX_MS / 10 + 1);
}

static void
retry_after_glare (SipnatCall *self)
{
  guint ms = _sipnat_call_glare_delay_ms (self);

  SIPNAT_NOTE (SIP, "call %s: re-INVITE glare (491), again in %u ms", self->remote_uri, ms);
  _sipnat_clear_source (&self->glare_source);
  self->glare_source = g_timeout_source_new (ms);
  g_source_set_callback (self->glare_source, glare_elapsed, self, NULL);
  g_source_attach (self->glare_source, _sipnat_stack_get_context (self->origin->stack));
}

static void
take_restart_answer (SipnatCall           *self,
                     const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;
  const char *body = NULL;
  gsize length = 0;

  if (ev->sip != NULL && ev->sip->sip_payload != NULL && ev->sip->sip_payload->pl_len > 0)
    {
      body = ev->sip->sip_payload->pl_data;
      length = ev->sip->sip_payload->pl_len;
    }
  if (body == NULL)
    error = g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                         _("%s answered the ICE restart without a session description"),
                         self->remote_uri);
  if (error != NULL ||
      !_sipnat_call_media_take_restart_answer (self->media, body, length, &error))
    {
      fail_restart (self, error);
      return;
    }

  SIPNAT_NOTE (SIP, "call %s: ICE restart answered, checks again", self->remote_uri);
  if (self->restart_wanted)
    send_restart (self);
}

/*
 * _sipnat_call_handle_restart_answer:
 *
 * Returns: %TRUE when @ev answers our re-INVITE (and was handled here)
 */
gboolean
_sipnat_call_handle_restart_answer (SipnatCall           *self,
                                    const SipnatSipEvent *ev)
{
  g_autoptr(GError) error = NULL;

  if (!self->reinvite_pending)
    return FALSE;
  if (ev->status < 200)
    return TRUE;

  self->reinvite_pending = FALSE;
  if (ev->status < 300)
    {
      take_restart_answer (self, ev);
      return TRUE;
    }
  if (ev->status == 491)
    {
      retry_after_glare (self);
      return TRUE;
    }

  /* 481/408 end the dialog (RFC 3261 section 14.1); any other refusal
   * leaves our ICE restarted and the peer on the old credentials: no
   * media either way (and nua ends the session with a BYE of its own on
   * most failures of a re-INVITE, RFC 5057). */
  error = g_error_new (SIPNAT_ERROR,
                       ev->status == 408 ? SIPNAT_ERROR_TIMEOUT : SIPNAT_ERROR_ICE_FAILED,
                       _("%s: the ICE restart after a network change was refused (%d %s)"),
                       self->remote_uri, ev->status, ev->phrase);
  if (ev->status == 481 || ev->status == 408)
    self->dialog_done = TRUE;
  fail_restart (self, error);
  return TRUE;
}

/*
 * _sipnat_call_restart_glare:
 *
 * A re-INVITE from the peer while ours waits for its answer: refused with
 * 491 (RFC 3261 section 14.2).
 *
 * Returns: %TRUE when @ev was refused here
 */
gboolean
_sipnat_call_restart_glare (SipnatCall           *self,
                            const SipnatSipEvent *ev)
{
  if (!self->reinvite_pending)
    return FALSE;

  SIPNAT_NOTE (SIP, "call %s: re-INVITE while ours is pending: 491", self->remote_uri);
  nua_respond (ev->nh, SIP_491_REQUEST_PENDING,
               NUTAG_WITH_THIS (_sipnat_stack_get_nua (self->stack)), TAG_END ());
  return TRUE;
}

/*
 * _sipnat_call_restart_done_by_peer:
 *
 * The peer restarted ICE itself: a restart of ours that waits after a
 * glare is not needed any more.
 */
void
_sipnat_call_restart_done_by_peer (SipnatCall *self)
{
  if (self->glare_source == NULL)
    return;

  SIPNAT_NOTE (SIP, "call %s: the peer restarted ICE; ours is dropped", self->remote_uri);
  _sipnat_clear_source (&self->glare_source);
  self->restart_wanted = FALSE;
}

void
_sipnat_call_restart_clear (SipnatCall *self)
{
  _sipnat_call_move_clear (self);
  end_probe (self);
  _sipnat_clear_source (&self->glare_source);
  self->restart_wanted = FALSE;
  self->reinvite_pending = FALSE;
}
