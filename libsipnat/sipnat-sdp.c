/* sipnat-sdp.c: session descriptions of audio calls
 *
 * Offers and answers are written with GStreamer's SDP library
 * (GstSDPMessage), never by hand; the codecs of both sides are matched
 * here (RFC 3264). Remote text is read by sipnat-sdp-parse.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <gst/sdp/sdp.h>
#include <string.h>

#include "sipnat-debug-private.h"
#include "sipnat-sdp-private.h"
#include "sipnat-sip-syntax-private.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (GstSDPMedia, gst_sdp_media_free)

#define TELEPHONE_EVENT       "telephone-event"

/* ---- codecs ---------------------------------------------------------- */

/*
 * _sipnat_sdp_codec_new:
 * A codec as written in a=rtpmap (and a=fmtp when @fmtp is not %NULL).
 */
SipnatSdpCodec *
_sipnat_sdp_codec_new (const char *encoding,
                       guint       payload_type,
                       guint       clock_rate,
                       guint       channels,
                       const char *fmtp)
{
  SipnatSdpCodec *codec;

  g_return_val_if_fail (encoding != NULL, NULL);
  g_return_val_if_fail (payload_type <= 127, NULL);

  codec = g_new0 (SipnatSdpCodec, 1);
  codec->encoding = g_strdup (encoding);
  codec->payload_type = payload_type;
  codec->clock_rate = clock_rate;
  codec->channels = channels > 0 ? channels : 1;
  codec->fmtp = g_strdup (fmtp);
  return codec;
}

/* _sipnat_sdp_codec_copy: a deep copy of @codec. */
SipnatSdpCodec *
_sipnat_sdp_codec_copy (const SipnatSdpCodec *codec)
{
  g_return_val_if_fail (codec != NULL, NULL);

  return _sipnat_sdp_codec_new (codec->encoding, codec->payload_type,
                                codec->clock_rate, codec->channels, codec->fmtp);
}

/* _sipnat_sdp_codec_free: frees @codec (%NULL is fine). */
void
_sipnat_sdp_codec_free (SipnatSdpCodec *codec)
{
  if (codec == NULL)
    return;

  g_free (codec->encoding);
  g_free (codec->fmtp);
  g_free (codec);
}

/* _sipnat_sdp_codec_is_telephone_event: whether @codec carries RFC 4733
 * DTMF events rather than audio. */
gboolean
_sipnat_sdp_codec_is_telephone_event (const SipnatSdpCodec *codec)
{
  return g_ascii_strcasecmp (codec->encoding, TELEPHONE_EVENT) == 0;
}

static GPtrArray *
codec_array_new (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) _sipnat_sdp_codec_free);
}

/*
 * _sipnat_sdp_default_codecs:
 * What libsipnat offers and accepts, best first: opus/48000/2 (payload
 * type 111), PCMU/8000 (0) and telephone-event/8000 (101, events 0-15).
 *
 * Returns: (transfer full): an array of #SipnatSdpCodec
 */
GPtrArray *
_sipnat_sdp_default_codecs (void)
{
  GPtrArray *codecs = codec_array_new ();

  g_ptr_array_add (codecs, _sipnat_sdp_codec_new ("opus", 111, 48000, 2,
                                                  "minptime=10;useinbandfec=1"));
  g_ptr_array_add (codecs, _sipnat_sdp_codec_new ("PCMU", 0, 8000, 1, NULL));
  g_ptr_array_add (codecs, _sipnat_sdp_codec_new (TELEPHONE_EVENT, 101, 8000, 1, "0-15"));
  return codecs;
}

/* ---- descriptions ---------------------------------------------------- */

/*
 * _sipnat_sdp_description_new:
 * An empty description: no address, port 0, no codec, sendrecv, ptime 20,
 * no ICE, a random session id and version 1.
 */
SipnatSdpDescription *
_sipnat_sdp_description_new (void)
{
  SipnatSdpDescription *d = g_new0 (SipnatSdpDescription, 1);

  d->codecs = codec_array_new ();
  d->candidates = g_ptr_array_new_with_free_func (g_free);
  d->other_media = g_ptr_array_new_with_free_func (g_free);
  d->direction = SIPNAT_SDP_SENDRECV;
  d->ptime = 20;
  /* RFC 4566: the id only has to be unique; keep it below 2^62. */
  d->session_id = ((guint64) g_random_int_range (1, G_MAXINT32) << 30) ^ g_random_int ();
  d->session_version = 1;
  return d;
}

/* _sipnat_sdp_description_free: frees @d and all it holds (%NULL is fine). */
void
_sipnat_sdp_description_free (SipnatSdpDescription *d)
{
  if (d == NULL)
    return;

  g_free (d->address);
  g_free (d->rtcp_address);
  g_ptr_array_unref (d->codecs);
  g_free (d->ice_ufrag);
  g_free (d->ice_pwd);
  g_ptr_array_unref (d->candidates);
  g_ptr_array_unref (d->other_media);
  g_free (d);
}

/*
 * _sipnat_sdp_description_match_layout:
 * Gives @answer the m= lines of @offer (RFC 3264 §6): the audio stream at
 * the same position and every other stream of the offer, declined.
 */
void
_sipnat_sdp_description_match_layout (SipnatSdpDescription       *answer,
                                      const SipnatSdpDescription *offer)
{
  g_return_if_fail (answer != NULL && offer != NULL);

  answer->audio_index = offer->audio_index;
  g_ptr_array_set_size (answer->other_media, 0);
  for (guint i = 0; i < offer->other_media->len; i++)
    g_ptr_array_add (answer->other_media, g_strdup (offer->other_media->pdata[i]));
}

/* ---- writing --------------------------------------------------------- */

/* The attribute of @direction (also read by sipnat-sdp-parse.c). */
const char *
_sipnat_sdp_direction_to_string (SipnatSdpDirection direction)
{
  switch (direction)
    {
    case SIPNAT_SDP_SENDONLY:
      return "sendonly";
    case SIPNAT_SDP_RECVONLY:
      return "recvonly";
    case SIPNAT_SDP_INACTIVE:
      return "inactive";
    case SIPNAT_SDP_SENDRECV:
    default:
      return "sendrecv";
    }
}

static const char *
address_type (const char *address)
{
  return strchr (address, ':') != NULL ? "IP6" : "IP4";
}

/* A value we write must not break out of its line. */
static gboolean
is_line_safe (const char *value)
{
  return value == NULL || strpbrk (value, "\r\n") == NULL;
}

static gboolean
is_origin_user (const char *user)
{
  if (user == NULL || *user == '\0' || strlen (user) > 64)
    return FALSE;

  for (const char *p = user; *p; p++)
    if (!g_ascii_isgraph (*p))
      return FALSE;

  return TRUE;
}

static void
add_codec (GstSDPMedia          *media,
           const SipnatSdpCodec *codec)
{
  g_autofree char *pt = g_strdup_printf ("%u", codec->payload_type);
  g_autofree char *rtpmap = NULL;

  if (codec->channels > 1)
    rtpmap = g_strdup_printf ("%u %s/%u/%u", codec->payload_type, codec->encoding,
                              codec->clock_rate, codec->channels);
  else
    rtpmap = g_strdup_printf ("%u %s/%u", codec->payload_type, codec->encoding,
                              codec->clock_rate);

  gst_sdp_media_add_format (media, pt);
  gst_sdp_media_add_attribute (media, "rtpmap", rtpmap);
  if (codec->fmtp != NULL)
    {
      g_autofree char *fmtp = g_strdup_printf ("%u %s", codec->payload_type, codec->fmtp);

      gst_sdp_media_add_attribute (media, "fmtp", fmtp);
    }
}

static void
add_ice (GstSDPMedia                *media,
         const SipnatSdpDescription *d)
{
  if (d->ice_ufrag == NULL)
    return;

  gst_sdp_media_add_attribute (media, "ice-ufrag", d->ice_ufrag);
  gst_sdp_media_add_attribute (media, "ice-pwd", d->ice_pwd);
  for (guint i = 0; i < d->candidates->len; i++)
    {
      const char *line = d->candidates->pdata[i];

      /* GstSDP writes "a=candidate:" itself. */
      gst_sdp_media_add_attribute (media, "candidate", line + strlen (SIPNAT_SDP_CANDIDATE_PREFIX));
    }
  if (d->end_of_candidates)
    gst_sdp_media_add_attribute (media, "end-of-candidates", NULL);
}

static void
add_audio_media (GstSDPMessage              *msg,
                 const SipnatSdpDescription *d)
{
  g_autoptr(GstSDPMedia) media = NULL;

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, "audio");
  gst_sdp_media_set_port_info (media, d->port, 0);
  gst_sdp_media_set_proto (media, "RTP/AVP");
  for (guint i = 0; i < d->codecs->len; i++)
    add_codec (media, d->codecs->pdata[i]);
  if (d->ptime > 0)
    {
      g_autofree char *ptime = g_strdup_printf ("%u", d->ptime);

      gst_sdp_media_add_attribute (media, "ptime", ptime);
    }
  gst_sdp_media_add_attribute (media, _sipnat_sdp_direction_to_string (d->direction), NULL);
  if (d->rtcp_port != 0 && d->rtcp_address != NULL)
    {
      /* RFC 3605: where RTCP goes when it is not multiplexed */
      g_autofree char *rtcp = g_strdup_printf ("%u IN %s %s", d->rtcp_port,
                                               address_type (d->rtcp_address), d->rtcp_address);

      gst_sdp_media_add_attribute (media, "rtcp", rtcp);
    }
  if (d->rtcp_mux)
    gst_sdp_media_add_attribute (media, "rtcp-mux", NULL);
  add_ice (media, d);
  gst_sdp_message_add_media (msg, media);
}

/* A stream we decline: "<media> <proto> <fmt>…" written with port 0. */
static void
add_declined_media (GstSDPMessage *msg,
                    const char    *spec)
{
  g_auto(GStrv) tokens = g_strsplit (spec, " ", 0);
  g_autoptr(GstSDPMedia) media = NULL;

  if (g_strv_length (tokens) < 3)
    return;

  gst_sdp_media_new (&media);
  gst_sdp_media_set_media (media, tokens[0]);
  gst_sdp_media_set_port_info (media, 0, 0);
  gst_sdp_media_set_proto (media, tokens[1]);
  for (guint i = 2; tokens[i] != NULL; i++)
    gst_sdp_media_add_format (media, tokens[i]);
  gst_sdp_message_add_media (msg, media);
}

static void
add_all_media (GstSDPMessage              *msg,
               const SipnatSdpDescription *d)
{
  guint audio_index = MIN (d->audio_index, d->other_media->len);
  guint other = 0;

  for (guint i = 0; i <= d->other_media->len; i++)
    {
      if (i == audio_index)
        add_audio_media (msg, d);
      else
        add_declined_media (msg, d->other_media->pdata[other++]);
    }
}

static gboolean
description_is_writable (const SipnatSdpDescription *d)
{
  if (d->address == NULL || !g_hostname_is_ip_address (d->address) || d->port > G_MAXUINT16)
    return FALSE;
  if ((d->ice_ufrag == NULL) != (d->ice_pwd == NULL))
    return FALSE;
  if (d->rtcp_address != NULL && !g_hostname_is_ip_address (d->rtcp_address))
    return FALSE;
  if (!is_line_safe (d->ice_ufrag) || !is_line_safe (d->ice_pwd))
    return FALSE;

  for (guint i = 0; i < d->codecs->len; i++)
    {
      const SipnatSdpCodec *codec = d->codecs->pdata[i];

      if (!is_line_safe (codec->encoding) || !is_line_safe (codec->fmtp))
        return FALSE;
    }
  for (guint i = 0; i < d->candidates->len; i++)
    {
      const char *line = d->candidates->pdata[i];

      if (!g_str_has_prefix (line, SIPNAT_SDP_CANDIDATE_PREFIX) || !is_line_safe (line))
        return FALSE;
    }
  for (guint i = 0; i < d->other_media->len; i++)
    if (!is_line_safe (d->other_media->pdata[i]))
      return FALSE;
  return TRUE;
}

/*
 * _sipnat_sdp_description_to_string:
 * @d: the local description
 * @origin_user: the o= user name (anything but a token gives "-")
 *
 * The text of an offer or answer with CRLF line ends: v=, o=, s=-, a
 * session-level c=, t=0 0, then the m=audio line (RTP/AVP) with a=rtpmap,
 * a=fmtp, a=ptime, the direction, a=rtcp-mux, and — only when @d has an ICE
 * user fragment — a=ice-ufrag, a=ice-pwd, a=candidate and
 * a=end-of-candidates (RFC 8839), at media level. Declined streams of
 * other_media keep their places with port 0.
 *
 * Returns: (transfer full): the text, or %NULL if @d cannot be written
 *   (a programming error: no address, a candidate not in libnice's form)
 */
char *
_sipnat_sdp_description_to_string (const SipnatSdpDescription *d,
                                   const char                 *origin_user)
{
  g_autoptr(GstSDPMessage) msg = NULL;
  g_autofree char *id = NULL;
  g_autofree char *version = NULL;

  g_return_val_if_fail (d != NULL, NULL);
  g_return_val_if_fail (description_is_writable (d), NULL);

  id = g_strdup_printf ("%" G_GUINT64_FORMAT, d->session_id);
  version = g_strdup_printf ("%" G_GUINT64_FORMAT, d->session_version);

  gst_sdp_message_new (&msg);
  gst_sdp_message_set_version (msg, "0");
  gst_sdp_message_set_origin (msg, is_origin_user (origin_user) ? origin_user : "-",
                              id, version, "IN", address_type (d->address), d->address);
  gst_sdp_message_set_session_name (msg, "-");
  gst_sdp_message_set_connection (msg, "IN", address_type (d->address), d->address, 0, 0);
  gst_sdp_message_add_time (msg, "0", "0", NULL);
  if (d->ice_lite && d->ice_ufrag != NULL)
    gst_sdp_message_add_attribute (msg, "ice-lite", NULL);
  add_all_media (msg, d);

  return gst_sdp_message_as_text (msg);
}

/* ---- offer/answer ---------------------------------------------------- */

static gboolean
codecs_match (const SipnatSdpCodec *a,
              const SipnatSdpCodec *b)
{
  return g_ascii_strcasecmp (a->encoding, b->encoding) == 0 &&
         a->clock_rate == b->clock_rate && a->channels == b->channels;
}

static const SipnatSdpCodec *
find_codec (const GPtrArray      *codecs,
            const SipnatSdpCodec *wanted)
{
  for (guint i = 0; i < codecs->len; i++)
    if (codecs_match (codecs->pdata[i], wanted))
      return codecs->pdata[i];
  return NULL;
}

/*
 * _sipnat_sdp_negotiate:
 * @offered: the codecs of the offer
 * @supported: the codecs we can use (with our a=fmtp parameters)
 *
 * RFC 3264 §6.1: the codecs of the answer, in the offer's order and with
 * the offer's payload types, that we support too (same encoding, compared
 * without case, clock rate and channels). telephone-event is kept only
 * beside an audio codec.
 *
 * Returns: (transfer full): the common codecs; empty when there is no
 *   common audio codec (answer 488)
 */
GPtrArray *
_sipnat_sdp_negotiate (const GPtrArray *offered,
                       const GPtrArray *supported)
{
  GPtrArray *common = codec_array_new ();
  gboolean has_audio = FALSE;

  g_return_val_if_fail (offered != NULL && supported != NULL, common);

  for (guint i = 0; i < offered->len; i++)
    {
      const SipnatSdpCodec *offer = offered->pdata[i];
      const SipnatSdpCodec *ours = find_codec (supported, offer);

      if (ours == NULL)
        continue;
      has_audio |= !_sipnat_sdp_codec_is_telephone_event (offer);
      g_ptr_array_add (common, _sipnat_sdp_codec_new (offer->encoding, offer->payload_type,
                                                      offer->clock_rate, offer->channels,
                                                      ours->fmtp));
    }

  if (!has_audio)
    g_ptr_array_set_size (common, 0);
  return common;
}

/* _sipnat_sdp_first_audio_codec: the first codec of @d that carries
 * audio (not telephone-event), or %NULL. */
const SipnatSdpCodec *
_sipnat_sdp_first_audio_codec (const SipnatSdpDescription *d)
{
  g_return_val_if_fail (d != NULL, NULL);

  for (guint i = 0; i < d->codecs->len; i++)
    if (!_sipnat_sdp_codec_is_telephone_event (d->codecs->pdata[i]))
      return d->codecs->pdata[i];
  return NULL;
}

/* _sipnat_sdp_ice_restart: whether @new_description restarts ICE after
 * @old_description (RFC 8839 §4.4.1.1.1: both use ICE and the user
 * fragment or the password changed). */
gboolean
_sipnat_sdp_ice_restart (const SipnatSdpDescription *old_description,
                         const SipnatSdpDescription *new_description)
{
  g_return_val_if_fail (old_description != NULL && new_description != NULL, FALSE);

  if (old_description->ice_ufrag == NULL || new_description->ice_ufrag == NULL)
    return FALSE;

  return g_strcmp0 (old_description->ice_ufrag, new_description->ice_ufrag) != 0 ||
         g_strcmp0 (old_description->ice_pwd, new_description->ice_pwd) != 0;
}
