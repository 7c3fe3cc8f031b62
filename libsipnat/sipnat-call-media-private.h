/* sipnat-call-media-private.h: the media of one call
 *
 * What a call's signalling needs from its media: local candidates (ICE
 * through libnice, or a plain RTP socket with its STUN-learned address
 * when ICE is off), the session descriptions of the offer/answer
 * exchange, and the GStreamer bin that carries the audio.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "sipnat-candidate-pair.h"
#include "sipnat-nat-policy.h"

G_BEGIN_DECLS

typedef enum {
  SIPNAT_CALL_MEDIA_NEW,
  SIPNAT_CALL_MEDIA_PREPARING,
  SIPNAT_CALL_MEDIA_PREPARED,      /* local candidates known */
  SIPNAT_CALL_MEDIA_CONNECTING,    /* remote description applied, checks running */
  SIPNAT_CALL_MEDIA_CONNECTED,
  SIPNAT_CALL_MEDIA_FAILED,
  SIPNAT_CALL_MEDIA_CLOSED,
} SipnatCallMediaState;

typedef struct {
  guint64 rtp_packets_sent;
  guint64 rtp_bytes_sent;
  guint64 rtp_packets_received;
  guint64 rtp_bytes_received;
  gint64 connected_time;            /* monotonic µs; 0 = not yet */
  gint64 first_rtp_time;            /* monotonic µs; 0 = not yet */
} SipnatCallMediaStats;

#define SIPNAT_TYPE_CALL_MEDIA (_sipnat_call_media_get_type ())
G_DECLARE_FINAL_TYPE (SipnatCallMedia, _sipnat_call_media, SIPNAT, CALL_MEDIA, GObject)

/* Signals: "state-changed" and "selected-pair-changed", no arguments. */

SipnatCallMedia      *_sipnat_call_media_new            (GMainContext        *context,
                                                          SipnatNatPolicy     *policy,
                                                          const char          *local_host,
                                                          gboolean             controlling);
void                  _sipnat_call_media_set_public_hint (SipnatCallMedia *self,
                                                           const char      *host);
void                  _sipnat_call_media_prepare_async  (SipnatCallMedia     *self,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
gboolean              _sipnat_call_media_prepare_finish (SipnatCallMedia     *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);
gboolean              _sipnat_call_media_take_offer     (SipnatCallMedia     *self,
                                                          const char          *text,
                                                          gsize                length,
                                                          GError             **error);
char                 *_sipnat_call_media_build_local    (SipnatCallMedia     *self,
                                                          const char          *origin_user,
                                                          GError             **error);
gboolean              _sipnat_call_media_take_answer    (SipnatCallMedia     *self,
                                                          const char          *text,
                                                          gsize                length,
                                                          GError             **error);
char                 *_sipnat_call_media_update         (SipnatCallMedia     *self,
                                                          const char          *offer,
                                                          gsize                length,
                                                          const char          *origin_user,
                                                          GError             **error);
char                 *_sipnat_call_media_restart_offer  (SipnatCallMedia     *self,
                                                          const char          *origin_user,
                                                          GError             **error);
gboolean              _sipnat_call_media_take_restart_answer (SipnatCallMedia *self,
                                                               const char      *text,
                                                               gsize            length,
                                                               GError         **error);
/* sipnat-call-media-move.c */
void                  _sipnat_call_media_move_async     (SipnatCallMedia     *self,
                                                          const char          *local_host,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
char                 *_sipnat_call_media_move_finish    (SipnatCallMedia     *self,
                                                          GAsyncResult        *result,
                                                          const char          *origin_user,
                                                          GError             **error);
gboolean              _sipnat_call_media_take_move_answer (SipnatCallMedia   *self,
                                                            const char        *text,
                                                            gsize              length,
                                                            GError           **error);

SipnatCallMediaState  _sipnat_call_media_get_state      (SipnatCallMedia     *self);
const GError         *_sipnat_call_media_get_error      (SipnatCallMedia     *self);
GstElement           *_sipnat_call_media_get_bin        (SipnatCallMedia     *self);
SipnatCandidatePair  *_sipnat_call_media_dup_selected_pair (SipnatCallMedia  *self);
void                  _sipnat_call_media_get_stats      (SipnatCallMedia     *self,
                                                          SipnatCallMediaStats *stats);
void                  _sipnat_call_media_close          (SipnatCallMedia     *self);

G_END_DECLS
