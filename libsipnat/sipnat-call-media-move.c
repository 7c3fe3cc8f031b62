/* sipnat-call-media-move.c: the media of a call that moves to other
 * local addresses
 *
 * When the endpoint replaces its SIP stack (the address it was bound to
 * is gone, sipnat-endpoint-network.c), an active call moves with it
 * (sipnat-call-move.c), and so does its media: libnice gathers a stream
 * once and ties each host socket to its interface (IP_UNICAST_IF), and a
 * plain RTP socket is bound where it was. The call takes a new transport
 * on the addresses of now:
 *
 * - with ICE, a new agent gathers again (host, server-reflexive from the
 *   policy's STUN server, relayed from its TURN server), with new
 *   credentials: for the peer, the re-INVITE's offer is an ICE restart
 *   (RFC 8445 section 9);
 * - without ICE, a new RTP socket learns its public address from the
 *   STUN server, and the offer carries it in c= and m=.
 *
 * The GStreamer bin stays (the application's pipeline does not see the
 * move): its transport elements are replaced (sipnat-media.c). The old
 * agent or socket closes once the new one is in place.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-call-media-impl-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-media-private.h"

typedef struct {
  SipnatIce *ice;
  SipnatRtpSocket *socket;
  char *local_host;
  char *public_host;
  guint public_port;
} Move;

static void
move_free (gpointer data)
{
  Move *move = data;

  if (move->ice != NULL)
    _sipnat_ice_close (move->ice);
  g_clear_object (&move->ice);
  g_clear_object (&move->socket);
  g_free (move->local_host);
  g_free (move->public_host);
  g_free (move);
}

static void
move_gathered (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (!_sipnat_ice_gather_finish (SIPNAT_ICE (source), result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
move_discovered (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  g_autoptr(GTask) task = data;
  Move *move = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  guint port = 0;

  if (_sipnat_rtp_socket_discover_finish (SIPNAT_RTP_SOCKET (source), result, &host, &port,
                                          &error))
    {
      g_free (move->public_host);
      move->public_host = g_steal_pointer (&host);
      move->public_port = port;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  else
    SIPNAT_NOTE (SIP, "media move: STUN discovery failed, offering %s: %s",
                 move->public_host, error->message);

  g_task_return_boolean (task, TRUE);
}

static gboolean
start_socket (SipnatCallMedia  *self,
              GTask            *task,
              Move             *move,
              GError          **error)
{
  const char *stun = sipnat_nat_policy_get_stun_server (self->policy);

  move->socket = _sipnat_rtp_socket_new (NULL, error);
  if (move->socket == NULL)
    return FALSE;

  move->public_host = g_strdup (move->local_host);
  move->public_port = _sipnat_rtp_socket_get_port (move->socket);
  if (stun == NULL || *stun == '\0')
    {
      g_task_return_boolean (task, TRUE);
      return TRUE;
    }

  _sipnat_rtp_socket_discover_async (move->socket, stun,
                                     sipnat_nat_policy_get_stun_server_port (self->policy),
                                     g_task_get_cancellable (task),
                                     move_discovered, g_object_ref (task));
  return TRUE;
}

/*
 * _sipnat_call_media_move_async:
 * @local_host: the address a description without ICE gives now
 *
 * Gathers a new transport on the addresses of now, beside the one the
 * media uses (which stays until _sipnat_call_media_move_finish()).
 */
void
_sipnat_call_media_move_async (SipnatCallMedia     *self,
                               const char          *local_host,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  Move *move;

  g_task_set_source_tag (task, _sipnat_call_media_move_async);
  if (self->remote == NULL || self->state == SIPNAT_CALL_MEDIA_FAILED ||
      self->state == SIPNAT_CALL_MEDIA_CLOSED || self->state < SIPNAT_CALL_MEDIA_CONNECTING)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                               _("The media cannot move: it is not set up"));
      return;
    }

  move = g_new0 (Move, 1);
  move->local_host = g_strdup (local_host);
  g_task_set_task_data (task, move, move_free);

  if (!self->use_ice)
    {
      if (!start_socket (self, task, move, &error))
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The old agent's path is gone with its addresses: its failure is no
   * news any more. */
  if (self->ice != NULL)
    g_signal_handlers_disconnect_by_data (self->ice, self);
  move->ice = _sipnat_call_media_new_ice (self, &error);
  if (move->ice == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _sipnat_ice_gather_async (move->ice, cancellable, move_gathered, g_object_ref (task));
}

static void
take_ice (SipnatCallMedia *self,
          Move            *move)
{
  g_autoptr(SipnatIce) old = g_steal_pointer (&self->ice);

  g_signal_handlers_disconnect_by_data (old, self);
  self->ice = g_steal_pointer (&move->ice);
  _sipnat_call_media_watch_ice (self, self->ice);
  /* Until the new agent has a pair, RTP is dropped and not counted. */
  _sipnat_media_set_sending (self->bin, FALSE);
  _sipnat_media_move_transport_nice (self->bin, _sipnat_ice_get_agent (self->ice),
                                     _sipnat_ice_get_stream_id (self->ice),
                                     SIPNAT_ICE_COMPONENT);
  _sipnat_ice_close (old);
}

static void
take_socket (SipnatCallMedia *self,
             Move            *move)
{
  g_autoptr(SipnatRtpSocket) old = g_steal_pointer (&self->socket);

  g_signal_handlers_disconnect_by_data (old, self);
  self->socket = g_steal_pointer (&move->socket);
  _sipnat_call_media_watch_socket (self, self->socket);
  g_free (self->public_host);
  self->public_host = g_steal_pointer (&move->public_host);
  self->public_port = move->public_port;
  g_free (self->local_host);
  self->local_host = g_strdup (move->local_host);
  _sipnat_media_move_transport_socket (self->bin, self->socket);
}

/*
 * _sipnat_call_media_move_finish:
 *
 * The new transport takes the old one's place under the bin, and the
 * offer of the re-INVITE that moves the call is built on it. Its answer
 * goes to _sipnat_call_media_take_move_answer().
 *
 * Returns: (transfer full) (nullable): the offer
 */
char *
_sipnat_call_media_move_finish (SipnatCallMedia  *self,
                                GAsyncResult     *result,
                                const char       *origin_user,
                                GError          **error)
{
  g_autoptr(SipnatSdpDescription) local = NULL;
  Move *move;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _sipnat_call_media_move_async,
                        NULL);

  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  if (self->state == SIPNAT_CALL_MEDIA_FAILED || self->state == SIPNAT_CALL_MEDIA_CLOSED)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED, _("The media is closed"));
      return NULL;
    }

  move = g_task_get_task_data (G_TASK (result));
  if (move->ice != NULL)
    take_ice (self, move);
  else
    take_socket (self, move);

  SIPNAT_NOTE (SIP, "media: moved to a new %s", self->use_ice ? "ICE agent" : "RTP socket");
  local = _sipnat_call_media_local_description (self);
  return _sipnat_sdp_description_to_string (local, origin_user);
}

/*
 * _sipnat_call_media_take_move_answer:
 *
 * The answer to the offer of _sipnat_call_media_move_finish(): the
 * peer's candidates and credentials (ICE: checks on the new agent), or
 * its address (without ICE). The codec stays.
 */
gboolean
_sipnat_call_media_take_move_answer (SipnatCallMedia  *self,
                                     const char       *text,
                                     gsize             length,
                                     GError          **error)
{
  g_autoptr(SipnatSdpDescription) answer = _sipnat_sdp_description_parse (text, length, error);

  if (answer == NULL || !_sipnat_call_media_check_audio (answer, error))
    return FALSE;
  if (self->use_ice != (answer->ice_ufrag != NULL))
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                           _("The answer to a moved call cannot turn ICE on or off"));
      return FALSE;
    }

  g_clear_pointer (&self->remote, _sipnat_sdp_description_free);
  self->remote = g_steal_pointer (&answer);
  return _sipnat_call_media_apply_remote (self, error);
}
