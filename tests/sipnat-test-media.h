/* sipnat-test-media.h: one side of a call's media for the tests
 * (test-media, test-media-input)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gst/gst.h>

#include "sipnat-media-private.h"

G_BEGIN_DECLS

/* Groups of GStreamer elements a case needs */
typedef enum {
  SIPNAT_TEST_ELEMENTS_BASE = 1 << 0,   /* source, sink, conversion, jitter buffer */
  SIPNAT_TEST_ELEMENTS_PCMU = 1 << 1,
  SIPNAT_TEST_ELEMENTS_OPUS = 1 << 2,
  SIPNAT_TEST_ELEMENTS_NICE = 1 << 3,   /* nicesrc, nicesink */
  SIPNAT_TEST_ELEMENTS_UDP = 1 << 4,    /* udpsrc, multiudpsink */
} SipnatTestElements;

/* Skips the test (fails it under SIPNAT_REQUIRE_NETNS) unless every
 * GStreamer element of the groups in @needed is installed. */
gboolean sipnat_test_have_elements (SipnatTestElements needed);

/* One side of a call: audiotestsrc is-live=true ! media ! fakesink. */
typedef struct {
  GstElement *pipeline;
  GstElement *source;
  GstElement *media;
  gint decoded;                   /* atomic: buffers at the fakesink */
  gint eos_sent;                  /* atomic: EOS went into the transport */

  /* What went into the transport, until eos_sent (streaming thread). */
  guint expected_size;            /* 0: any */
  guint expected_step;            /* RTP timestamp units per packet */
  guint packets;
  guint wrong_size;
  guint right_step;
  guint32 last_timestamp;
} SipnatTestSide;

/* Builds the bin in a pipeline, linked but neither transport nor codec
 * set. */
void             sipnat_test_side_init      (SipnatTestSide *side);
void             sipnat_test_side_play      (SipnatTestSide *side);
void             sipnat_test_side_clear     (SipnatTestSide *side);
/* Fails the test on an error message of the pipeline. */
void             sipnat_test_side_check_bus (SipnatTestSide *side);
SipnatMediaStats sipnat_test_side_stats     (SipnatTestSide *side);

/* Writes a PCMU-sized RTP packet (mu-law silence) into @buf, which holds
 * 12 + 160 bytes; returns its length. */
gssize           sipnat_test_make_rtp       (guint8         *buf,
                                             guint           payload_type,
                                             guint16         seq);

G_END_DECLS
