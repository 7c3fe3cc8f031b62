/* sipnat-test-media.c: one side of a call's media for the tests
 * (test-media, test-media-input)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include <string.h>

#include "sipnat-test-media.h"
#include "sipnat-test-utils.h"

/* Skips the test (fails it under SIPNAT_REQUIRE_NETNS) unless every
 * GStreamer element of @names is installed. */
static gboolean
have_elements (const char *const *names)
{
  for (guint i = 0; names[i] != NULL; i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (names[i]);
      g_autoptr(GError) error = NULL;

      if (factory != NULL)
        continue;
      error = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "GStreamer element %s is not installed", names[i]);
      sipnat_test_skip_if_missing (error);
      return FALSE;
    }

  return TRUE;
}

static const char *const base_elements[] = {
  "audiotestsrc", "fakesink", "audioconvert", "audioresample", "capsfilter",
  "rtpjitterbuffer", NULL
};
static const char *const pcmu_elements[] = {
  "mulawenc", "mulawdec", "rtppcmupay", "rtppcmudepay", NULL
};
static const char *const opus_elements[] = {
  "opusenc", "opusdec", "rtpopuspay", "rtpopusdepay", NULL
};
static const char *const nice_elements[] = { "nicesrc", "nicesink", NULL };
static const char *const udp_elements[] = { "udpsrc", "multiudpsink", NULL };

/* In the order of the SipnatTestElements bits */
static const char *const *const element_groups[] = {
  base_elements, pcmu_elements, opus_elements, nice_elements, udp_elements,
};

gboolean
sipnat_test_have_elements (SipnatTestElements needed)
{
  for (guint bit = 0; bit < G_N_ELEMENTS (element_groups); bit++)
    if ((needed & (1u << bit)) != 0 && !have_elements (element_groups[bit]))
      return FALSE;

  return TRUE;
}

static void
on_handoff (GstElement *sink,
            GstBuffer  *buffer,
            GstPad     *pad,
            gpointer    data)
{
  SipnatTestSide *side = data;

  g_atomic_int_inc (&side->decoded);
}

void
sipnat_test_side_init (SipnatTestSide *side)
{
  GstElement *sink;

  side->pipeline = gst_pipeline_new (NULL);
  side->source = gst_element_factory_make ("audiotestsrc", NULL);
  g_object_set (side->source, "is-live", TRUE, NULL);
  side->media = _sipnat_media_new ();
  g_assert_nonnull (side->media);
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), side);

  gst_bin_add_many (GST_BIN (side->pipeline), side->source, side->media, sink, NULL);
  /* The bin links with neither transport nor codec known yet. */
  g_assert_true (gst_element_link_many (side->source, side->media, sink, NULL));
}

void
sipnat_test_side_play (SipnatTestSide *side)
{
  g_assert_cmpint (gst_element_set_state (side->pipeline, GST_STATE_PLAYING),
                   !=, GST_STATE_CHANGE_FAILURE);
}

void
sipnat_test_side_clear (SipnatTestSide *side)
{
  if (side->pipeline == NULL)
    return;
  gst_element_set_state (side->pipeline, GST_STATE_NULL);
  gst_clear_object (&side->pipeline);
}

/* Fails the test on an error message of the pipeline. */
void
sipnat_test_side_check_bus (SipnatTestSide *side)
{
  g_autoptr(GstBus) bus = gst_element_get_bus (side->pipeline);
  g_autoptr(GstMessage) message = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR);

  if (message != NULL)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (message, &error, &debug);
      g_test_message ("%s", debug ? debug : "");
      g_assert_no_error (error);
    }
}

SipnatMediaStats
sipnat_test_side_stats (SipnatTestSide *side)
{
  SipnatMediaStats stats;

  _sipnat_media_get_stats (side->media, &stats);
  return stats;
}

gssize
sipnat_test_make_rtp (guint8  *buf,
                      guint    payload_type,
                      guint16  seq)
{
  memset (buf, 0xff, 12 + 160);   /* mu-law silence */
  buf[0] = 0x80;
  buf[1] = payload_type;
  buf[2] = seq >> 8;
  buf[3] = seq & 0xff;
  buf[4] = buf[5] = 0;
  buf[6] = (seq * 160) >> 8;
  buf[7] = (seq * 160) & 0xff;
  buf[8] = 0x12; buf[9] = 0x34; buf[10] = 0x56; buf[11] = 0x78;

  return 12 + 160;
}
