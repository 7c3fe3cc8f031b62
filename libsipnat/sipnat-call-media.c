/* sipnat-call-media.c: the media of one call
 *
 * Glue between the offer/answer exchange (sipnat-sdp.c), the transport
 * (ICE through libnice in sipnat-ice.c, or a plain RTP socket with
 * symmetric RTP and a STUN-learned address in sipnat-rtp-socket.c when
 * ICE is off or the other side has none) and the GStreamer bin that
 * carries the audio (sipnat-media.c).
 *
 * The bin exists from the start, so the application can link it before
 * dialling; its receiving side is attached to the transport as soon as
 * the transport exists, before any connectivity check.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-call-media-impl-private.h"
#include "sipnat-candidate-pair-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-ice-private.h"
#include "sipnat-media-private.h"
#include "sipnat-rtp-socket-private.h"
#include "sipnat-sdp-private.h"


G_DEFINE_FINAL_TYPE (SipnatCallMedia, _sipnat_call_media, G_TYPE_OBJECT)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_SELECTED_PAIR_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---------------------------------------------------------------------- */
/* State                                                                  */

static void
set_state (SipnatCallMedia      *self,
           SipnatCallMediaState  state)
{
  if (self->state == state || self->state == SIPNAT_CALL_MEDIA_CLOSED)
    return;

  self->state = state;
  if (state == SIPNAT_CALL_MEDIA_CONNECTED && self->connected_time == 0)
    self->connected_time = g_get_monotonic_time ();
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
}

static void
fail (SipnatCallMedia *self,
      GError          *error)     /* (transfer full) */
{
  if (self->error == NULL)
    self->error = error;
  else
    g_error_free (error);
  set_state (self, SIPNAT_CALL_MEDIA_FAILED);
}

/* ---------------------------------------------------------------------- */
/* ICE                                                                    */

static void
ice_state_changed (SipnatIce       *ice,
                   SipnatCallMedia *self)
{
  switch (_sipnat_ice_get_state (ice))
    {
    case SIPNAT_ICE_STATE_CONNECTED:
      self->connected_time = _sipnat_ice_get_connected_time (ice);
      _sipnat_media_set_sending (self->bin, TRUE);
      set_state (self, SIPNAT_CALL_MEDIA_CONNECTED);
      break;
    case SIPNAT_ICE_STATE_FAILED:
      if (self->state == SIPNAT_CALL_MEDIA_CONNECTING || self->state == SIPNAT_CALL_MEDIA_CONNECTED)
        fail (self, g_error_new_literal (SIPNAT_ERROR, SIPNAT_ERROR_ICE_FAILED,
                                         _("No candidate pair passed the ICE connectivity "
                                           "checks: the media path could not be set up")));
      break;
    default:
      break;
    }
}

static void
ice_pair_changed (SipnatIce       *ice,
                  SipnatCallMedia *self)
{
  g_signal_emit (self, signals[SIGNAL_SELECTED_PAIR_CHANGED], 0);
}

static void
gathered (GObject      *source,
          GAsyncResult *result,
          gpointer      data)
{
  g_autoptr(SipnatCallMedia) self = data;
  g_autoptr(GTask) task = g_steal_pointer (&self->prepare_task);
  GError *error = NULL;

  if (task == NULL)
    return;   /* closed meanwhile: the task failed then */

  if (!_sipnat_ice_gather_finish (SIPNAT_ICE (source), result, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  set_state (self, SIPNAT_CALL_MEDIA_PREPARED);
  g_task_return_boolean (task, TRUE);
}

/* RTCP is multiplexed on the RTP component (RFC 5761) whenever the peer
 * does it. An offer cannot know: it carries RTCP candidates too, for a
 * peer that keeps RTCP on its own port (baresip's default). An answer
 * follows the offer. */
static guint
rtcp_components (SipnatCallMedia *self)
{
  if (self->remote != NULL && self->remote->rtcp_mux)
    return 1;
  return 2;
}

static gboolean
set_tls_database (SipnatCallMedia  *self,
                  SipnatIce        *ice,
                  GError          **error)
{
  const char *path = sipnat_nat_policy_get_turn_tls_ca_file (self->policy);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) local = NULL;

  if (path == NULL || *path == '\0')
    return TRUE;

  database = g_tls_file_database_new (path, &local);
  if (database == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Cannot read the TURN server’s certificate authorities from %s: %s"),
                   path, local->message);
      return FALSE;
    }

  _sipnat_ice_set_tls_database (ice, database);
  return TRUE;
}

/* A new agent with the policy's servers, before its gathering; a call
 * that moves to other addresses takes one too (sipnat-call-media-move.c). */
SipnatIce *
_sipnat_call_media_new_ice (SipnatCallMedia  *self,
                            GError          **error)
{
  g_autoptr(SipnatIce) ice = _sipnat_ice_new (self->context, self->policy, self->controlling,
                                              sipnat_nat_policy_get_force_relay (self->policy),
                                              rtcp_components (self), error);

  if (ice == NULL || !set_tls_database (self, ice, error))
    return NULL;
  return g_steal_pointer (&ice);
}

void
_sipnat_call_media_watch_ice (SipnatCallMedia *self,
                              SipnatIce       *ice)
{
  g_signal_connect (ice, "state-changed", G_CALLBACK (ice_state_changed), self);
  g_signal_connect (ice, "selected-pair-changed", G_CALLBACK (ice_pair_changed), self);
}

static gboolean
start_ice (SipnatCallMedia  *self,
           GError          **error)
{
  self->ice = _sipnat_call_media_new_ice (self, error);
  if (self->ice == NULL)
    return FALSE;

  _sipnat_call_media_watch_ice (self, self->ice);
  _sipnat_media_set_sending (self->bin, FALSE);
  _sipnat_media_set_transport_nice (self->bin, _sipnat_ice_get_agent (self->ice),
                                    _sipnat_ice_get_stream_id (self->ice), SIPNAT_ICE_COMPONENT);
  _sipnat_ice_gather_async (self->ice, g_task_get_cancellable (self->prepare_task),
                            gathered, g_object_ref (self));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Without ICE                                                            */

/* The socket joins the media only now: a udpsrc reading it during the
 * discovery would take the STUN server's answer for itself. */
static void
socket_prepared (SipnatCallMedia *self,
                 GTask           *task)
{
  _sipnat_media_set_transport_socket (self->bin, self->socket);
  set_state (self, SIPNAT_CALL_MEDIA_PREPARED);
  g_task_return_boolean (task, TRUE);
}

static void
discovered (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(SipnatCallMedia) self = data;
  g_autoptr(GTask) task = g_steal_pointer (&self->prepare_task);
  g_autoptr(GError) error = NULL;
  g_autofree char *host = NULL;
  guint port = 0;

  if (task == NULL)
    return;

  /* An unreachable STUN server leaves the local address: symmetric RTP
   * still lets a peer behind no NAT reach us once we send. */
  if (_sipnat_rtp_socket_discover_finish (SIPNAT_RTP_SOCKET (source), result, &host, &port,
                                          &error))
    {
      g_free (self->public_host);
      self->public_host = g_steal_pointer (&host);
      self->public_port = port;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  else if (self->public_hint != NULL)
    {
      /* Most NATs keep the port, and the SIP flow's public address is the
       * same NAT's: a better guess than a private address. */
      SIPNAT_NOTE (SIP, "media: STUN discovery failed (%s), offering the SIP flow's public "
                   "address %s", error->message, self->public_hint);
      g_free (self->public_host);
      self->public_host = g_strdup (self->public_hint);
    }
  else
    SIPNAT_NOTE (SIP, "media: STUN discovery failed, offering the local address: %s",
                 error->message);

  socket_prepared (self, task);
}

/* Symmetric RTP: the path is where the peer's packets come from. */
static void
socket_latched (SipnatRtpSocket *socket,
                const char      *address,
                guint            port,
                SipnatCallMedia *self)
{
  g_signal_emit (self, signals[SIGNAL_SELECTED_PAIR_CHANGED], 0);
}

void
_sipnat_call_media_watch_socket (SipnatCallMedia *self,
                                 SipnatRtpSocket *socket)
{
  g_signal_connect (socket, "latched", G_CALLBACK (socket_latched), self);
}

static gboolean
start_socket (SipnatCallMedia  *self,
              GError          **error)
{
  const char *stun = sipnat_nat_policy_get_stun_server (self->policy);

  self->socket = _sipnat_rtp_socket_new (NULL, error);
  if (self->socket == NULL)
    return FALSE;

  _sipnat_call_media_watch_socket (self, self->socket);
  self->public_host = g_strdup (self->local_host);
  self->public_port = _sipnat_rtp_socket_get_port (self->socket);

  if (stun == NULL || *stun == '\0')
    {
      g_autoptr(GTask) task = g_steal_pointer (&self->prepare_task);

      socket_prepared (self, task);
      return TRUE;
    }

  _sipnat_rtp_socket_discover_async (self->socket, stun,
                                     sipnat_nat_policy_get_stun_server_port (self->policy),
                                     g_task_get_cancellable (self->prepare_task),
                                     discovered, g_object_ref (self));
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Preparing                                                              */

/*
 * _sipnat_call_media_prepare_async:
 *
 * Gathers the local candidates (ICE), or opens the RTP socket and learns
 * its public address from the STUN server (no ICE). A caller prepares
 * before its offer, a callee as soon as the offer is taken, so that
 * answering does not wait.
 */
void
_sipnat_call_media_prepare_async (SipnatCallMedia     *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr(GError) error = NULL;
  gboolean started;

  g_task_set_source_tag (task, _sipnat_call_media_prepare_async);
  if (self->state != SIPNAT_CALL_MEDIA_NEW)
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                               _("The media is already prepared"));
      return;
    }

  set_state (self, SIPNAT_CALL_MEDIA_PREPARING);
  self->prepare_task = g_steal_pointer (&task);
  started = self->use_ice ? start_ice (self, &error) : start_socket (self, &error);
  if (!started)
    {
      task = g_steal_pointer (&self->prepare_task);
      fail (self, g_error_copy (error));
      g_task_return_error (task, g_steal_pointer (&error));
    }
}

gboolean
_sipnat_call_media_prepare_finish (SipnatCallMedia  *self,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---------------------------------------------------------------------- */
/* Descriptions                                                           */

gboolean
_sipnat_call_media_check_audio (const SipnatSdpDescription  *remote,
                                GError                     **error)
{
  if (remote->port == 0)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC,
                           _("The other side refused the audio stream (port 0)"));
      return FALSE;
    }

  return TRUE;
}

/* The codecs both sides have, in the offer's order. */
static GPtrArray *
common_codecs (const SipnatSdpDescription  *offer,
               GError                     **error)
{
  g_autoptr(GPtrArray) ours = _sipnat_sdp_default_codecs ();
  g_autoptr(GPtrArray) common = _sipnat_sdp_negotiate (offer->codecs, ours);
  SipnatSdpDescription probe = { .codecs = common };

  if (_sipnat_sdp_first_audio_codec (&probe) == NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_NO_COMMON_CODEC,
                           _("No audio codec in common: libsipnat speaks Opus and PCMU"));
      return NULL;
    }

  return g_steal_pointer (&common);
}

static gboolean
use_codec (SipnatCallMedia  *self,
           GError          **error)
{
  SipnatSdpDescription probe = { .codecs = self->codecs };
  const SipnatSdpCodec *codec = _sipnat_sdp_first_audio_codec (&probe);

  if (self->codec_set)
    return TRUE;
  if (!_sipnat_media_set_codec (self->bin, codec->encoding, codec->payload_type,
                                codec->clock_rate, codec->channels, error))
    return FALSE;

  self->codec_set = TRUE;
  return TRUE;
}

/* The remote description's transport side: ICE candidates, or where to
 * send without ICE. Checks start here. */
gboolean
_sipnat_call_media_apply_remote (SipnatCallMedia  *self,
                                 GError          **error)
{
  const SipnatSdpDescription *remote = self->remote;

  if (self->use_ice)
    {
      if (remote->ice_ufrag == NULL)
        {
          g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                               _("The answer has no ICE attributes, but the offer had"));
          return FALSE;
        }
      if (!_sipnat_ice_set_remote (self->ice, remote->ice_ufrag, remote->ice_pwd,
                                   remote->candidates, error))
        return FALSE;
      set_state (self, SIPNAT_CALL_MEDIA_CONNECTING);
      return TRUE;
    }

  if (strchr (remote->address, ':') != NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                           _("Media without ICE to an IPv6 address is not supported"));
      return FALSE;
    }
  _sipnat_rtp_socket_set_remote (self->socket, remote->address, remote->port);
  set_state (self, SIPNAT_CALL_MEDIA_CONNECTING);
  set_state (self, SIPNAT_CALL_MEDIA_CONNECTED);
  g_signal_emit (self, signals[SIGNAL_SELECTED_PAIR_CHANGED], 0);
  return TRUE;
}

static SipnatSdpDirection
answer_direction (SipnatSdpDirection offered)
{
  switch (offered)
    {
    case SIPNAT_SDP_SENDONLY:
      return SIPNAT_SDP_RECVONLY;
    case SIPNAT_SDP_RECVONLY:
      return SIPNAT_SDP_SENDONLY;
    case SIPNAT_SDP_INACTIVE:
      return SIPNAT_SDP_INACTIVE;
    case SIPNAT_SDP_SENDRECV:
    default:
      return SIPNAT_SDP_SENDRECV;
    }
}

/*
 * _sipnat_call_media_take_offer:
 *
 * Reads an incoming call's offer: the codecs in common (none:
 * %SIPNAT_ERROR_NO_COMMON_CODEC), and whether the caller does ICE (if
 * not, neither do we: a plain socket and symmetric RTP).
 */
gboolean
_sipnat_call_media_take_offer (SipnatCallMedia  *self,
                               const char       *text,
                               gsize             length,
                               GError          **error)
{
  g_autoptr(SipnatSdpDescription) offer = _sipnat_sdp_description_parse (text, length, error);
  GPtrArray *codecs;

  if (offer == NULL || !_sipnat_call_media_check_audio (offer, error))
    return FALSE;
  codecs = common_codecs (offer, error);
  if (codecs == NULL)
    return FALSE;

  g_clear_pointer (&self->codecs, g_ptr_array_unref);
  self->codecs = codecs;
  self->direction = answer_direction (offer->direction);
  if (offer->ice_ufrag == NULL)
    self->use_ice = FALSE;
  g_clear_pointer (&self->remote, _sipnat_sdp_description_free);
  self->remote = g_steal_pointer (&offer);
  return TRUE;
}

static void
fill_transport (SipnatCallMedia      *self,
                SipnatSdpDescription *local)
{
  if (self->use_ice)
    {
      _sipnat_ice_get_default_candidate (self->ice, &local->address, &local->port);
      local->ice_ufrag = g_strdup (_sipnat_ice_get_local_ufrag (self->ice));
      local->ice_pwd = g_strdup (_sipnat_ice_get_local_pwd (self->ice));
      g_ptr_array_unref (local->candidates);
      local->candidates = _sipnat_ice_dup_local_candidates (self->ice);
      local->end_of_candidates = TRUE;
      if (_sipnat_ice_get_n_components (self->ice) == 2)
        _sipnat_ice_get_default_candidate_of (self->ice, 2, &local->rtcp_address,
                                              &local->rtcp_port);
    }
  else
    {
      local->address = g_strdup (self->public_host);
      local->port = self->public_port;
    }
}

SipnatSdpDescription *
_sipnat_call_media_local_description (SipnatCallMedia *self)
{
  SipnatSdpDescription *local = _sipnat_sdp_description_new ();

  fill_transport (self, local);
  g_ptr_array_unref (local->codecs);
  local->codecs = g_ptr_array_ref (self->codecs);
  local->ptime = 20;
  local->direction = self->direction;
  /* An offer proposes multiplexing; an answer accepts it when offered. */
  local->rtcp_mux = self->remote == NULL || self->remote->rtcp_mux;
  local->session_id = self->session_id;
  local->session_version = self->session_version++;
  if (self->remote != NULL)
    _sipnat_sdp_description_match_layout (local, self->remote);
  return local;
}

/*
 * _sipnat_call_media_build_local:
 *
 * Our offer, or our answer once an offer was taken (the checks start
 * then).
 *
 * Returns: (transfer full) (nullable): the SDP text
 */
char *
_sipnat_call_media_build_local (SipnatCallMedia  *self,
                                const char       *origin_user,
                                GError          **error)
{
  g_autoptr(SipnatSdpDescription) local = NULL;

  if (self->state != SIPNAT_CALL_MEDIA_PREPARED)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                           _("The media is not prepared"));
      return NULL;
    }

  local = _sipnat_call_media_local_description (self);
  if (self->remote != NULL && (!use_codec (self, error) || !_sipnat_call_media_apply_remote (self, error)))
    {
      fail (self, g_error_copy (*error));
      return NULL;
    }

  return _sipnat_sdp_description_to_string (local, origin_user);
}

/*
 * _sipnat_call_media_take_answer:
 *
 * Reads the answer to our offer and starts the checks.
 */
gboolean
_sipnat_call_media_take_answer (SipnatCallMedia  *self,
                                const char       *text,
                                gsize             length,
                                GError          **error)
{
  g_autoptr(SipnatSdpDescription) answer = _sipnat_sdp_description_parse (text, length, error);
  GPtrArray *codecs;

  if (answer == NULL || !_sipnat_call_media_check_audio (answer, error))
    goto failed;
  codecs = common_codecs (answer, error);
  if (codecs == NULL)
    goto failed;

  g_clear_pointer (&self->codecs, g_ptr_array_unref);
  self->codecs = codecs;
  g_clear_pointer (&self->remote, _sipnat_sdp_description_free);
  self->remote = g_steal_pointer (&answer);
  if (use_codec (self, error) && _sipnat_call_media_apply_remote (self, error))
    return TRUE;

failed:
  fail (self, g_error_copy (*error));
  return FALSE;
}

/*
 * _sipnat_call_media_update:
 *
 * A re-INVITE's offer: hold and resume (the direction), an ICE restart
 * (new ufrag and password: checks again, with new local credentials).
 * The codec stays the one negotiated first.
 *
 * Returns: (transfer full) (nullable): our answer
 */
char *
_sipnat_call_media_update (SipnatCallMedia  *self,
                           const char       *text,
                           gsize             length,
                           const char       *origin_user,
                           GError          **error)
{
  g_autoptr(SipnatSdpDescription) offer = _sipnat_sdp_description_parse (text, length, error);
  g_autoptr(SipnatSdpDescription) local = NULL;
  g_autoptr(GPtrArray) common = NULL;
  gboolean restart;

  if (offer == NULL || !_sipnat_call_media_check_audio (offer, error) ||
      (common = common_codecs (offer, error)) == NULL)
    return NULL;

  restart = self->use_ice && _sipnat_sdp_ice_restart (self->remote, offer);
  if (self->use_ice != (offer->ice_ufrag != NULL))
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                           _("A re-INVITE cannot turn ICE on or off"));
      return NULL;
    }

  self->direction = answer_direction (offer->direction);
  g_clear_pointer (&self->remote, _sipnat_sdp_description_free);
  self->remote = g_steal_pointer (&offer);
  if (restart && !_sipnat_ice_restart (self->ice, error))
    return NULL;

  local = _sipnat_call_media_local_description (self);
  if ((restart || !self->use_ice) && !_sipnat_call_media_apply_remote (self, error))
    return NULL;

  return _sipnat_sdp_description_to_string (local, origin_user);
}

/*
 * _sipnat_call_media_restart_offer:
 *
 * Our ICE restart (RFC 8445 section 9, RFC 8839 section 4.4.1.1.1), as a
 * re-INVITE's offer: new local ufrag and password, the checks of the old
 * credentials forgotten. The answer goes to
 * _sipnat_call_media_take_restart_answer().
 *
 * Returns: (transfer full) (nullable): our offer
 */
char *
_sipnat_call_media_restart_offer (SipnatCallMedia  *self,
                                  const char       *origin_user,
                                  GError          **error)
{
  g_autoptr(SipnatSdpDescription) local = NULL;

  if (!self->use_ice || self->ice == NULL || self->remote == NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                           _("ICE can restart only on a call that uses ICE"));
      return NULL;
    }
  if (self->state == SIPNAT_CALL_MEDIA_FAILED || self->state == SIPNAT_CALL_MEDIA_CLOSED)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                           _("The media is closed"));
      return NULL;
    }
  if (!_sipnat_ice_restart (self->ice, error))
    return NULL;

  local = _sipnat_call_media_local_description (self);
  return _sipnat_sdp_description_to_string (local, origin_user);
}

/*
 * _sipnat_call_media_take_restart_answer:
 *
 * The answer to our ICE restart: the peer's new credentials and
 * candidates; the checks start again. The codec stays.
 */
gboolean
_sipnat_call_media_take_restart_answer (SipnatCallMedia  *self,
                                        const char       *text,
                                        gsize             length,
                                        GError          **error)
{
  g_autoptr(SipnatSdpDescription) answer = _sipnat_sdp_description_parse (text, length, error);

  if (answer == NULL || !_sipnat_call_media_check_audio (answer, error))
    return FALSE;
  if (answer->ice_ufrag == NULL)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                           _("The answer to an ICE restart has no ICE attributes"));
      return FALSE;
    }
  if (!_sipnat_sdp_ice_restart (self->remote, answer))
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                           _("The answer to an ICE restart kept the old ICE credentials"));
      return FALSE;
    }

  g_clear_pointer (&self->remote, _sipnat_sdp_description_free);
  self->remote = g_steal_pointer (&answer);
  return _sipnat_call_media_apply_remote (self, error);
}

/* ---------------------------------------------------------------------- */
/* Getters                                                                */

SipnatCallMediaState
_sipnat_call_media_get_state (SipnatCallMedia *self)
{
  return self->state;
}

const GError *
_sipnat_call_media_get_error (SipnatCallMedia *self)
{
  return self->error;
}

GstElement *
_sipnat_call_media_get_bin (SipnatCallMedia *self)
{
  return self->bin;
}

static SipnatCandidatePair *
socket_pair (SipnatCallMedia *self)
{
  g_autofree char *latched = NULL;
  guint port = 0;

  latched = _sipnat_rtp_socket_dup_latched (self->socket, &port);
  return _sipnat_candidate_pair_new (SIPNAT_CANDIDATE_TYPE_HOST, self->local_host,
                                     _sipnat_rtp_socket_get_port (self->socket),
                                     SIPNAT_CANDIDATE_TYPE_HOST,
                                     latched ? latched : self->remote->address,
                                     latched ? port : self->remote->port,
                                     SIPNAT_MEDIA_TRANSPORT_UDP, NULL);
}

SipnatCandidatePair *
_sipnat_call_media_dup_selected_pair (SipnatCallMedia *self)
{
  if (self->ice != NULL)
    return _sipnat_ice_dup_selected_pair (self->ice);
  if (self->socket != NULL && self->remote != NULL)
    return socket_pair (self);
  return NULL;
}

void
_sipnat_call_media_get_stats (SipnatCallMedia      *self,
                              SipnatCallMediaStats *stats)
{
  SipnatMediaStats media = { 0 };

  _sipnat_media_get_stats (self->bin, &media);
  stats->rtp_packets_sent = media.rtp_packets_sent;
  stats->rtp_bytes_sent = media.rtp_bytes_sent;
  stats->rtp_packets_received = media.rtp_packets_received;
  stats->rtp_bytes_received = media.rtp_bytes_received;
  stats->first_rtp_time = media.first_rtp_received_time;
  stats->connected_time = self->connected_time;
}

/* ---------------------------------------------------------------------- */
/* Closing                                                                */

/* Stops the transport (the agent closes with nice_agent_close_async);
 * the bin stays, unlinked from any network. */
void
_sipnat_call_media_close (SipnatCallMedia *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->prepare_task);

  if (task != NULL)
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("The call ended"));

  if (self->ice != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->ice, self);
      _sipnat_ice_close (self->ice);
    }
  if (self->socket != NULL)
    g_signal_handlers_disconnect_by_data (self->socket, self);
  set_state (self, SIPNAT_CALL_MEDIA_CLOSED);
}

static void
_sipnat_call_media_dispose (GObject *object)
{
  SipnatCallMedia *self = SIPNAT_CALL_MEDIA (object);

  _sipnat_call_media_close (self);
  g_clear_object (&self->ice);
  g_clear_object (&self->socket);
  g_clear_object (&self->bin);

  G_OBJECT_CLASS (_sipnat_call_media_parent_class)->dispose (object);
}

static void
_sipnat_call_media_finalize (GObject *object)
{
  SipnatCallMedia *self = SIPNAT_CALL_MEDIA (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_clear_object (&self->policy);
  g_clear_pointer (&self->codecs, g_ptr_array_unref);
  g_clear_pointer (&self->remote, _sipnat_sdp_description_free);
  g_clear_error (&self->error);
  g_free (self->local_host);
  g_free (self->public_hint);
  g_free (self->public_host);

  G_OBJECT_CLASS (_sipnat_call_media_parent_class)->finalize (object);
}

static void
_sipnat_call_media_class_init (SipnatCallMediaClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _sipnat_call_media_dispose;
  object_class->finalize = _sipnat_call_media_finalize;

  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIGNAL_SELECTED_PAIR_CHANGED] =
    g_signal_new ("selected-pair-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
_sipnat_call_media_init (SipnatCallMedia *self)
{
  self->codecs = _sipnat_sdp_default_codecs ();
  self->direction = SIPNAT_SDP_SENDRECV;
  self->session_id = g_random_int ();
  self->session_version = 1;
}

/* Without ICE, when STUN cannot tell the media socket's public address:
 * the address the registrar sees the SIP flow come from. */
void
_sipnat_call_media_set_public_hint (SipnatCallMedia *self,
                                    const char      *host)
{
  g_free (self->public_hint);
  self->public_hint = g_strdup (host);
}

SipnatCallMedia *
_sipnat_call_media_new (GMainContext    *context,
                        SipnatNatPolicy *policy,
                        const char      *local_host,
                        gboolean         controlling)
{
  SipnatCallMedia *self = g_object_new (SIPNAT_TYPE_CALL_MEDIA, NULL);

  self->context = g_main_context_ref (context);
  self->policy = g_object_ref (policy);
  self->local_host = g_strdup (local_host);
  self->controlling = controlling;
  self->use_ice = sipnat_nat_policy_get_ice_enabled (policy);
  self->bin = gst_object_ref_sink (_sipnat_media_new ());
  return self;
}
