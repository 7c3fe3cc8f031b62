/* sipnat-call-media-impl-private.h: what the parts of a call's media share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-call-media-private.h"
#include "sipnat-ice-private.h"
#include "sipnat-rtp-socket-private.h"
#include "sipnat-sdp-private.h"

G_BEGIN_DECLS

struct _SipnatCallMedia
{
  GObject parent_instance;

  GMainContext *context;
  SipnatNatPolicy *policy;
  char *local_host;                 /* for a description without ICE */
  char *public_hint;                /* the SIP flow's public address, if any */
  gboolean controlling;
  gboolean use_ice;

  SipnatCallMediaState state;
  GError *error;

  SipnatIce *ice;
  SipnatRtpSocket *socket;
  char *public_host;                /* without ICE: STUN-learned, else local */
  guint public_port;
  GstElement *bin;

  GPtrArray *codecs;                /* offered, then negotiated */
  SipnatSdpDescription *remote;     /* the last remote description */
  SipnatSdpDirection direction;     /* ours */
  guint64 session_id;
  guint64 session_version;
  gint64 connected_time;
  gboolean codec_set;

  GTask *prepare_task;
  GTask *move_task;                 /* sipnat-call-media-move.c */
};

/* sipnat-call-media.c */
SipnatIce            *_sipnat_call_media_new_ice           (SipnatCallMedia             *self,
                                                            GError                     **error);
void                  _sipnat_call_media_watch_ice         (SipnatCallMedia             *self,
                                                            SipnatIce                   *ice);
void                  _sipnat_call_media_watch_socket      (SipnatCallMedia             *self,
                                                            SipnatRtpSocket             *socket);
gboolean              _sipnat_call_media_check_audio       (const SipnatSdpDescription  *remote,
                                                            GError                     **error);
SipnatSdpDescription *_sipnat_call_media_local_description (SipnatCallMedia             *self);
gboolean              _sipnat_call_media_apply_remote      (SipnatCallMedia             *self,
                                                            GError                     **error);

G_END_DECLS
