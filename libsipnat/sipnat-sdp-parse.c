/* sipnat-sdp-parse.c: reading a remote session description
 *
 * Remote text is hostile: its size, its lines, its media, codecs and
 * candidates are bounded and checked (on the raw text first, then through
 * GstSDPMessage) before anything is kept, and each refusal is a
 * SIPNAT_ERROR_BAD_SDP that says what is wrong. Candidates are kept in the
 * form libnice reads and writes ("a=candidate:…", see
 * nice_agent_parse_remote_candidate_sdp() in libnice 0.1.21), re-joined
 * with single spaces so that libnice's plain split on " " reads them.
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

#define set_bad_sdp(error, ...) \
  g_set_error ((error), SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP, __VA_ARGS__)

#define MAX_ENCODING_LENGTH   32
#define MAX_CLOCK_RATE        1000000
#define MAX_CHANNELS          8
#define MAX_PTIME             1000
#define MIN_UFRAG_LENGTH      4
#define MIN_PWD_LENGTH        22
#define MAX_ICE_LENGTH        256
#define MAX_FOUNDATION_LENGTH 32
/* ---- checking the raw text ------------------------------------------- */

static gboolean
parse_decimal (const char *text,
               guint64     max,
               guint64    *value)
{
  if (text == NULL || !g_ascii_isdigit (*text) || strlen (text) > 20)
    return FALSE;

  return g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL);
}

/* "m=<media> <port>[/<count>] <proto> <fmt> …", in printable ASCII. */
static gboolean
check_media_line (const char  *value,
                  guint        line_number,
                  GError     **error)
{
  g_auto(GStrv) tokens = g_strsplit (value, " ", 0);
  g_auto(GStrv) port = NULL;
  guint64 number;
  guint n_tokens = g_strv_length (tokens);

  for (const char *p = value; *p; p++)
    if (!g_ascii_isprint (*p))
      {
        set_bad_sdp (error, _("Session description: line %u (m=) has a byte that is not printable ASCII"),
                     line_number);
        return FALSE;
      }
  if (n_tokens < 4)
    {
      set_bad_sdp (error, _("Session description: line %u (m=) has too few fields"), line_number);
      return FALSE;
    }
  if (n_tokens - 3 > SIPNAT_SDP_MAX_CODECS)
    {
      set_bad_sdp (error, _("Session description: a stream offers more than %u formats"),
                   SIPNAT_SDP_MAX_CODECS);
      return FALSE;
    }

  port = g_strsplit (tokens[1], "/", 2);
  if (!parse_decimal (port[0], G_MAXUINT16, &number) ||
      (port[1] != NULL && !parse_decimal (port[1], G_MAXUINT16, &number)))
    {
      g_autofree char *shown = _sipnat_text_for_message (tokens[1]);

      set_bad_sdp (error, _("Session description: the port “%s” of a stream is not a number from 0 to 65535"),
                   shown);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_line (const char  *line,
            guint        line_number,
            GError     **error)
{
  gsize length = strlen (line);

  if (length > SIPNAT_SDP_MAX_LINE)
    {
      set_bad_sdp (error, _("Session description: line %u is longer than %u bytes"),
                   line_number, SIPNAT_SDP_MAX_LINE);
      return FALSE;
    }
  if (length < 2 || !g_ascii_islower (line[0]) || line[1] != '=')
    {
      set_bad_sdp (error, _("Session description: line %u is not of the form “x=value”"),
                   line_number);
      return FALSE;
    }
  for (const char *p = line; *p; p++)
    if (g_ascii_iscntrl (*p) && *p != '\t')
      {
        set_bad_sdp (error, _("Session description: line %u has a control character"),
                     line_number);
        return FALSE;
      }
  if (line[0] == 'm')
    return check_media_line (line + 2, line_number, error);
  return TRUE;
}

/* Splits @text (NUL-terminated) into lines without their CRLF or LF and
 * checks each; empty lines are dropped. */
static gboolean
check_lines (const char  *text,
             GError     **error)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", 0);
  guint n_media = 0;
  gboolean first = TRUE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize length = strlen (line);

      if (length > 0 && line[length - 1] == '\r')
        line[--length] = '\0';
      if (length == 0)
        continue;
      if (first && strcmp (line, "v=0") != 0)
        {
          set_bad_sdp (error, _("This is not a session description: it does not start with “v=0”"));
          return FALSE;
        }
      first = FALSE;
      if (!check_line (line, i + 1, error))
        return FALSE;
      if (line[0] == 'm' && ++n_media > SIPNAT_SDP_MAX_MEDIA)
        {
          set_bad_sdp (error, _("Session description: more than %u streams"),
                       SIPNAT_SDP_MAX_MEDIA);
          return FALSE;
        }
    }
  if (first)
    {
      set_bad_sdp (error, _("The session description is empty"));
      return FALSE;
    }
  return TRUE;
}

static char *
checked_copy (const char  *text,
              gsize        length,
              GError     **error)
{
  g_autofree char *copy = NULL;

  if (length == 0)
    {
      set_bad_sdp (error, _("The session description is empty"));
      return NULL;
    }
  if (length > SIPNAT_SDP_MAX_LENGTH)
    {
      set_bad_sdp (error, _("The session description is larger than %u bytes"),
                   SIPNAT_SDP_MAX_LENGTH);
      return NULL;
    }
  if (memchr (text, '\0', length) != NULL)
    {
      set_bad_sdp (error, _("The session description has a NUL byte: it is binary data"));
      return NULL;
    }

  copy = g_strndup (text, length);
  if (!check_lines (copy, error))
    return NULL;
  return g_steal_pointer (&copy);
}

/* ---- reading attributes ---------------------------------------------- */

/* The value of the first attribute @key in @attributes (of a message or a
 * media), "" for a flag, %NULL when absent. */
static const char *
attribute_value (const GArray *attributes,
                 const char   *key)
{
  for (guint i = 0; i < attributes->len; i++)
    {
      const GstSDPAttribute *a = &g_array_index (attributes, GstSDPAttribute, i);

      if (g_strcmp0 (a->key, key) == 0)
        return a->value != NULL ? a->value : "";
    }
  return NULL;
}

/* The media-level value, else the session-level one. */
static const char *
media_or_session_value (const GstSDPMessage *msg,
                        const GstSDPMedia   *media,
                        const char          *key)
{
  const char *value = attribute_value (media->attributes, key);

  return value != NULL ? value : attribute_value (msg->attributes, key);
}

/* The part after "<pt> " of the first @key attribute ("rtpmap", "fmtp")
 * about @payload_type; %NULL when absent or empty. */
static const char *
payload_type_value (const GstSDPMedia *media,
                    const char        *key,
                    guint              payload_type)
{
  for (guint i = 0; i < media->attributes->len; i++)
    {
      const GstSDPAttribute *a = &g_array_index (media->attributes, GstSDPAttribute, i);
      char *end = NULL;

      if (g_strcmp0 (a->key, key) != 0 || a->value == NULL || !g_ascii_isdigit (a->value[0]))
        continue;
      if (g_ascii_strtoull (a->value, &end, 10) != payload_type || *end != ' ')
        continue;
      while (*end == ' ')
        end++;
      return *end != '\0' ? end : NULL;
    }
  return NULL;
}

static gboolean
direction_of (const GArray       *attributes,
              SipnatSdpDirection *direction)
{
  static const SipnatSdpDirection directions[] = {
    SIPNAT_SDP_SENDRECV, SIPNAT_SDP_SENDONLY, SIPNAT_SDP_RECVONLY, SIPNAT_SDP_INACTIVE,
  };

  for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
    if (attribute_value (attributes, _sipnat_sdp_direction_to_string (directions[i])) != NULL)
      {
        *direction = directions[i];
        return TRUE;
      }
  return FALSE;
}

/* ---- reading the description ----------------------------------------- */

static gboolean
parse_origin (const GstSDPMessage   *msg,
              SipnatSdpDescription  *d,
              GError               **error)
{
  const GstSDPOrigin *origin = gst_sdp_message_get_origin (msg);

  if (!parse_decimal (origin->sess_id, G_MAXUINT64, &d->session_id) ||
      !parse_decimal (origin->sess_version, G_MAXUINT64, &d->session_version))
    {
      set_bad_sdp (error, _("Session description: the origin (o=) line is missing or has no numeric session id and version"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
is_plain_rtp (const char *proto)
{
  return g_ascii_strcasecmp (proto, "RTP/AVP") == 0 || g_ascii_strcasecmp (proto, "RTP/AVPF") == 0;
}

/* The first m=audio over plain RTP with a port, else the first one with
 * port 0; encrypted-only audio is refused. */
static const GstSDPMedia *
find_audio_media (const GstSDPMessage  *msg,
                  guint                *index,
                  GError              **error)
{
  gboolean saw_srtp = FALSE;
  gint refused = -1;

  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);

      if (g_strcmp0 (media->media, "audio") != 0 || media->proto == NULL)
        continue;
      if (!is_plain_rtp (media->proto))
        saw_srtp |= strstr (media->proto, "SAVP") != NULL;
      else if (media->port != 0)
        {
          *index = i;
          return media;
        }
      else if (refused < 0)
        refused = i;
    }

  if (refused >= 0)
    {
      *index = refused;
      return gst_sdp_message_get_media (msg, refused);
    }
  if (saw_srtp)
    set_bad_sdp (error, _("Session description: encrypted media (SRTP) is not supported"));
  else
    set_bad_sdp (error, _("Session description: there is no audio stream over RTP"));
  return NULL;
}

static gboolean
parse_address (const GstSDPMessage   *msg,
               const GstSDPMedia     *media,
               SipnatSdpDescription  *d,
               GError               **error)
{
  const char *address = msg->connection.address;

  if (gst_sdp_media_connections_len (media) > 0)
    address = gst_sdp_media_get_connection (media, 0)->address;

  if (address == NULL || *address == '\0')
    {
      set_bad_sdp (error, _("Session description: the audio stream has no connection address (c=)"));
      return FALSE;
    }
  if (!g_hostname_is_ip_address (address))
    {
      g_autofree char *shown = _sipnat_text_for_message (address);

      set_bad_sdp (error, _("Session description: the connection address “%s” is not an IP address"),
                   shown);
      return FALSE;
    }
  d->address = g_strdup (address);
  return TRUE;
}

/* RFC 3551 table 4: the static audio payload types. */
static SipnatSdpCodec *
static_codec (guint payload_type)
{
  static const struct {
    guint pt;
    const char *encoding;
    guint clock_rate;
    guint channels;
  } table[] = {
    { 0, "PCMU", 8000, 1 }, { 3, "GSM", 8000, 1 }, { 4, "G723", 8000, 1 },
    { 5, "DVI4", 8000, 1 }, { 6, "DVI4", 16000, 1 }, { 7, "LPC", 8000, 1 },
    { 8, "PCMA", 8000, 1 }, { 9, "G722", 8000, 1 }, { 10, "L16", 44100, 2 },
    { 11, "L16", 44100, 1 }, { 12, "QCELP", 8000, 1 }, { 13, "CN", 8000, 1 },
    { 14, "MPA", 90000, 1 }, { 15, "G728", 8000, 1 }, { 16, "DVI4", 11025, 1 },
    { 17, "DVI4", 22050, 1 }, { 18, "G729", 8000, 1 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (table[i].pt == payload_type)
      return _sipnat_sdp_codec_new (table[i].encoding, payload_type,
                                    table[i].clock_rate, table[i].channels, NULL);
  return NULL;
}

static gboolean
is_encoding_name (const char *name)
{
  gsize length = strlen (name);

  if (length == 0 || length > MAX_ENCODING_LENGTH)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && strchr ("-_.+", *p) == NULL)
      return FALSE;
  return TRUE;
}

/* "<encoding>/<clock rate>[/<channels>]" */
static SipnatSdpCodec *
codec_from_rtpmap (guint       payload_type,
                   const char *rtpmap)
{
  g_auto(GStrv) parts = g_strsplit (rtpmap, "/", 0);
  guint n_parts = g_strv_length (parts);
  guint64 clock_rate;
  guint64 channels = 1;

  if (n_parts < 2 || n_parts > 3 || !is_encoding_name (parts[0]))
    return NULL;
  g_strchomp (parts[n_parts - 1]);
  if (!parse_decimal (parts[1], MAX_CLOCK_RATE, &clock_rate) || clock_rate == 0)
    return NULL;
  if (n_parts == 3 && (!parse_decimal (parts[2], MAX_CHANNELS, &channels) || channels == 0))
    return NULL;

  return _sipnat_sdp_codec_new (parts[0], payload_type, clock_rate, channels, NULL);
}

/* The codec of one m= format: from its a=rtpmap, else the static table.
 * *@codec is %NULL for an unknown dynamic payload type (skipped). */
static gboolean
parse_codec (const GstSDPMedia  *media,
             const char         *format,
             SipnatSdpCodec    **codec,
             GError            **error)
{
  const char *rtpmap;
  guint64 pt;

  if (!parse_decimal (format, 127, &pt))
    {
      g_autofree char *shown = _sipnat_text_for_message (format);

      set_bad_sdp (error, _("Session description: the audio payload type “%s” is not a number from 0 to 127"),
                   shown);
      return FALSE;
    }

  rtpmap = payload_type_value (media, "rtpmap", pt);
  *codec = rtpmap != NULL ? codec_from_rtpmap (pt, rtpmap) : static_codec (pt);
  if (rtpmap != NULL && *codec == NULL)
    {
      set_bad_sdp (error, _("Session description: the rtpmap of payload type %u is malformed"),
                   (guint) pt);
      return FALSE;
    }
  if (*codec != NULL)
    (*codec)->fmtp = g_strdup (payload_type_value (media, "fmtp", pt));
  else
    SIPNAT_NOTE (SIP, "SDP: payload type %u has no rtpmap, skipped", (guint) pt);
  return TRUE;
}

static gboolean
parse_codecs (const GstSDPMedia     *media,
              SipnatSdpDescription  *d,
              GError               **error)
{
  for (guint i = 0; i < gst_sdp_media_formats_len (media); i++)
    {
      SipnatSdpCodec *codec = NULL;

      if (!parse_codec (media, gst_sdp_media_get_format (media, i), &codec, error))
        return FALSE;
      if (codec != NULL)
        g_ptr_array_add (d->codecs, codec);
    }
  return TRUE;
}

/* RFC 8839 ice-char: ALPHA / DIGIT / "+" / "/" */
static gboolean
is_ice_chars (const char *text,
              gsize       min_length,
              gsize       max_length)
{
  gsize length = strlen (text);

  if (length < min_length || length > max_length)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '+' && *p != '/')
      return FALSE;
  return TRUE;
}

static gboolean
parse_ice_credentials (const GstSDPMessage   *msg,
                       const GstSDPMedia     *media,
                       SipnatSdpDescription  *d,
                       GError               **error)
{
  const char *ufrag = media_or_session_value (msg, media, "ice-ufrag");
  const char *pwd = media_or_session_value (msg, media, "ice-pwd");

  if ((ufrag == NULL) != (pwd == NULL))
    {
      set_bad_sdp (error, _("Session description: a=ice-ufrag and a=ice-pwd must come together"));
      return FALSE;
    }
  if (ufrag == NULL)
    return TRUE;
  if (!is_ice_chars (ufrag, MIN_UFRAG_LENGTH, MAX_ICE_LENGTH))
    {
      set_bad_sdp (error, _("Session description: the ICE user fragment must be %u to %u letters, digits, “+” or “/”"),
                   MIN_UFRAG_LENGTH, MAX_ICE_LENGTH);
      return FALSE;
    }
  if (!is_ice_chars (pwd, MIN_PWD_LENGTH, MAX_ICE_LENGTH))
    {
      set_bad_sdp (error, _("Session description: the ICE password must be %u to %u letters, digits, “+” or “/”"),
                   MIN_PWD_LENGTH, MAX_ICE_LENGTH);
      return FALSE;
    }
  d->ice_ufrag = g_strdup (ufrag);
  d->ice_pwd = g_strdup (pwd);
  return TRUE;
}

static gboolean
is_candidate_type (const char *type)
{
  return g_strcmp0 (type, "host") == 0 || g_strcmp0 (type, "srflx") == 0 ||
         g_strcmp0 (type, "prflx") == 0 || g_strcmp0 (type, "relay") == 0;
}

/* The extension pairs after "typ <type>": raddr must be an IP, rport a
 * port; TCP needs a tcptype that libnice knows. */
static gboolean
candidate_extensions_usable (GPtrArray *tokens,
                             gboolean   tcp)
{
  gboolean has_tcptype = FALSE;
  guint64 number;

  for (guint i = 8; i + 1 < tokens->len; i += 2)
    {
      const char *name = tokens->pdata[i];
      const char *value = tokens->pdata[i + 1];

      if (strcmp (name, "raddr") == 0 && !g_hostname_is_ip_address (value))
        return FALSE;
      if (strcmp (name, "rport") == 0 && !parse_decimal (value, G_MAXUINT16, &number))
        return FALSE;
      if (strcmp (name, "tcptype") == 0)
        {
          if (g_ascii_strcasecmp (value, "active") != 0 && g_ascii_strcasecmp (value, "passive") != 0 &&
              g_ascii_strcasecmp (value, "so") != 0)
            return FALSE;
          has_tcptype = TRUE;
        }
    }
  return !tcp || has_tcptype;
}

/* RFC 8839 §5.1: foundation component transport priority address port
 * "typ" type *(name value), and only what libnice 0.1.21 reads safely. */
static gboolean
candidate_usable (GPtrArray *tokens)
{
  const char **t = (const char **) tokens->pdata;
  guint64 number;
  gboolean tcp;

  if (tokens->len < 8 || tokens->len % 2 != 0)
    return FALSE;
  if (!is_ice_chars (t[0], 1, MAX_FOUNDATION_LENGTH) || strlen (t[1]) > 3 ||
      !parse_decimal (t[1], 256, &number) || number == 0)
    return FALSE;
  tcp = g_ascii_strcasecmp (t[2], "TCP") == 0;
  if (!tcp && g_ascii_strcasecmp (t[2], "UDP") != 0)
    return FALSE;
  if (strlen (t[3]) > 10 || !parse_decimal (t[3], G_MAXUINT32, &number) || number == 0)
    return FALSE;
  if (!g_hostname_is_ip_address (t[4]) || !parse_decimal (t[5], G_MAXUINT16, &number))
    return FALSE;
  if (strcmp (t[6], "typ") != 0 || !is_candidate_type (t[7]))
    return FALSE;
  return candidate_extensions_usable (tokens, tcp);
}

/* "a=candidate:" and the fields of @value joined by single spaces, or
 * %NULL when libnice could not use it (FQDN or mDNS address, unknown
 * transport or type, malformed). */
static char *
candidate_line (const char *value)
{
  g_auto(GStrv) fields = g_strsplit_set (value, " \t", 0);
  g_autoptr(GPtrArray) tokens = g_ptr_array_new ();
  g_autofree char *joined = NULL;

  for (guint i = 0; fields[i] != NULL; i++)
    if (*fields[i] != '\0')
      g_ptr_array_add (tokens, fields[i]);

  if (!candidate_usable (tokens))
    return NULL;

  g_ptr_array_add (tokens, NULL);
  joined = g_strjoinv (" ", (char **) tokens->pdata);
  return g_strconcat (SIPNAT_SDP_CANDIDATE_PREFIX, joined, NULL);
}

static gboolean
parse_candidates (const GstSDPMedia     *media,
                  SipnatSdpDescription  *d,
                  GError               **error)
{
  guint count = 0;

  for (guint i = 0; i < media->attributes->len; i++)
    {
      const GstSDPAttribute *a = &g_array_index (media->attributes, GstSDPAttribute, i);
      const char *value;
      char *line;

      if (g_strcmp0 (a->key, "candidate") != 0)
        continue;
      if (++count > SIPNAT_SDP_MAX_CANDIDATES)
        {
          set_bad_sdp (error, _("Session description: the audio stream has more than %u ICE candidates"),
                       SIPNAT_SDP_MAX_CANDIDATES);
          return FALSE;
        }
      value = a->value != NULL ? a->value : "";
      line = candidate_line (value);
      if (line != NULL)
        g_ptr_array_add (d->candidates, line);
      else
        SIPNAT_NOTE (SIP, "SDP: unusable candidate skipped: %.200s", value);
    }
  return TRUE;
}

static void
parse_flags (const GstSDPMessage  *msg,
             const GstSDPMedia    *media,
             SipnatSdpDescription *d)
{
  const char *ptime = media_or_session_value (msg, media, "ptime");
  guint64 value;

  d->direction = SIPNAT_SDP_SENDRECV;
  if (!direction_of (media->attributes, &d->direction))
    direction_of (msg->attributes, &d->direction);

  d->ptime = 0;
  if (ptime != NULL && parse_decimal (ptime, MAX_PTIME, &value))
    d->ptime = value;

  d->rtcp_mux = attribute_value (media->attributes, "rtcp-mux") != NULL;
  d->ice_lite = attribute_value (msg->attributes, "ice-lite") != NULL;
  d->end_of_candidates = media_or_session_value (msg, media, "end-of-candidates") != NULL;
}

/* "<media> <proto> <fmt>…" of every m= line but the audio one. */
static void
parse_other_media (const GstSDPMessage  *msg,
                   SipnatSdpDescription *d)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (msg); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (msg, i);
      GString *spec;

      if (i == d->audio_index)
        continue;

      spec = g_string_new (media->media);
      g_string_append_printf (spec, " %s", media->proto);
      for (guint f = 0; f < gst_sdp_media_formats_len (media); f++)
        g_string_append_printf (spec, " %s", gst_sdp_media_get_format (media, f));
      g_ptr_array_add (d->other_media, g_string_free (spec, FALSE));
    }
}

static gboolean
parse_audio (const GstSDPMessage   *msg,
             SipnatSdpDescription  *d,
             GError               **error)
{
  const GstSDPMedia *media = find_audio_media (msg, &d->audio_index, error);

  if (media == NULL)
    return FALSE;

  d->port = media->port;
  if (!parse_address (msg, media, d, error) ||
      !parse_codecs (media, d, error) ||
      !parse_ice_credentials (msg, media, d, error) ||
      !parse_candidates (media, d, error))
    return FALSE;

  parse_flags (msg, media, d);
  parse_other_media (msg, d);
  return TRUE;
}

/*
 * _sipnat_sdp_description_parse:
 * @text: the remote session description (need not be NUL-terminated)
 * @length: its length in bytes
 * @error: return location for a #GError
 *
 * Reads the first m=audio stream over RTP/AVP or RTP/AVPF with a port (or
 * the first one with port 0, which means refused: the caller decides).
 * Static payload types are known without a=rtpmap; the session-level c=,
 * ICE credentials and direction apply when the stream has none. Candidates
 * libnice cannot use (an FQDN or mDNS address, an unknown transport) are
 * skipped.
 *
 * Returns: (transfer full) (nullable): the description, or %NULL with a
 *   %SIPNAT_ERROR_BAD_SDP error saying what is wrong
 */
SipnatSdpDescription *
_sipnat_sdp_description_parse (const char  *text,
                               gsize        length,
                               GError     **error)
{
  g_autofree char *copy = NULL;
  g_autoptr(GstSDPMessage) msg = NULL;
  g_autoptr(SipnatSdpDescription) d = NULL;

  g_return_val_if_fail (text != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  copy = checked_copy (text, length, error);
  if (copy == NULL)
    return NULL;

  gst_sdp_message_new (&msg);
  if (gst_sdp_message_parse_buffer ((const guint8 *) copy, strlen (copy), msg) != GST_SDP_OK)
    {
      set_bad_sdp (error, _("The session description cannot be parsed"));
      return NULL;
    }

  d = _sipnat_sdp_description_new ();
  if (!parse_origin (msg, d, error) || !parse_audio (msg, d, error))
    return NULL;
  return g_steal_pointer (&d);
}
