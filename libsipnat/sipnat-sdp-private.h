/* sipnat-sdp-private.h: session descriptions of audio calls
 *
 * The call code builds its offers and answers, and reads the remote
 * party's, through this module only. It uses GStreamer's SDP library
 * (GstSDPMessage) for the text, and treats remote text as hostile.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

#include "sipnat-error.h"

G_BEGIN_DECLS

/* Bounds on what a remote description may hold. */
#define SIPNAT_SDP_MAX_LENGTH     (64 * 1024)
#define SIPNAT_SDP_MAX_LINE       4096
#define SIPNAT_SDP_MAX_MEDIA      16
#define SIPNAT_SDP_MAX_CODECS     32
#define SIPNAT_SDP_MAX_CANDIDATES 64

/* The prefix libnice wants on a candidate line, both ways. */
#define SIPNAT_SDP_CANDIDATE_PREFIX "a=candidate:"

typedef enum {
  SIPNAT_SDP_SENDRECV,
  SIPNAT_SDP_SENDONLY,
  SIPNAT_SDP_RECVONLY,
  SIPNAT_SDP_INACTIVE,
} SipnatSdpDirection;

typedef struct {
  char  *encoding;      /* as in a=rtpmap, case kept: "PCMU", "opus" */
  guint  payload_type;  /* 0..127 */
  guint  clock_rate;    /* 8000, 48000 */
  guint  channels;      /* 1; opus is always 2 in SDP (RFC 7587) */
  char  *fmtp;          /* the a=fmtp parameters, or NULL */
} SipnatSdpCodec;

typedef struct {
  char        *address;        /* c= of the audio stream, or of the session: an IP literal */
  guint        port;           /* m=audio port; 0 = stream refused or removed */
  GPtrArray   *codecs;         /* SipnatSdpCodec*, in order of preference */
  guint        ptime;          /* a=ptime in ms; 0 = absent */
  SipnatSdpDirection direction;
  gboolean     rtcp_mux;       /* a=rtcp-mux */
  guint        rtcp_port;      /* ours only: a=rtcp (RFC 3605) when non-zero */
  char        *rtcp_address;   /* ours only: the address of a=rtcp */
  char        *ice_ufrag;      /* a=ice-ufrag (media or session level), NULL when absent */
  char        *ice_pwd;        /* a=ice-pwd, NULL when absent */
  gboolean     ice_lite;       /* a=ice-lite (session level) */
  GPtrArray   *candidates;     /* char*: "a=candidate:<value>", the form that
                                * nice_agent_parse_remote_candidate_sdp() takes and
                                * nice_agent_generate_local_candidate_sdp() gives */
  gboolean     end_of_candidates; /* a=end-of-candidates (RFC 8839) */
  guint64      session_id;     /* o= sess-id */
  guint64      session_version;/* o= sess-version */
  guint        audio_index;    /* position of the audio m= line among all m= lines */
  GPtrArray   *other_media;    /* char*: "<media> <proto> <fmt>..." of every other
                                * m= line, in order; written back with port 0 */
} SipnatSdpDescription;

SipnatSdpCodec       *_sipnat_sdp_codec_new           (const char            *encoding,
                                                       guint                  payload_type,
                                                       guint                  clock_rate,
                                                       guint                  channels,
                                                       const char            *fmtp);
SipnatSdpCodec       *_sipnat_sdp_codec_copy          (const SipnatSdpCodec  *codec);
void                  _sipnat_sdp_codec_free          (SipnatSdpCodec        *codec);
gboolean              _sipnat_sdp_codec_is_telephone_event (const SipnatSdpCodec *codec);

GPtrArray            *_sipnat_sdp_default_codecs      (void);

SipnatSdpDescription *_sipnat_sdp_description_new     (void);
void                  _sipnat_sdp_description_free    (SipnatSdpDescription  *description);
void                  _sipnat_sdp_description_match_layout (SipnatSdpDescription       *answer,
                                                            const SipnatSdpDescription *offer);

const char           *_sipnat_sdp_direction_to_string (SipnatSdpDirection   direction);

char                 *_sipnat_sdp_description_to_string (const SipnatSdpDescription *description,
                                                         const char                 *origin_user);
SipnatSdpDescription *_sipnat_sdp_description_parse   (const char            *text,
                                                       gsize                  length,
                                                       GError               **error);

GPtrArray            *_sipnat_sdp_negotiate           (const GPtrArray       *offered,
                                                       const GPtrArray       *supported);
const SipnatSdpCodec *_sipnat_sdp_first_audio_codec   (const SipnatSdpDescription *description);
gboolean              _sipnat_sdp_ice_restart         (const SipnatSdpDescription *old_description,
                                                       const SipnatSdpDescription *new_description);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatSdpCodec, _sipnat_sdp_codec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatSdpDescription, _sipnat_sdp_description_free)

G_END_DECLS
