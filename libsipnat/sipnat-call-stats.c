/* sipnat-call-stats.c: a snapshot of a call's media counters
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-call-stats-private.h"

/**
 * SipnatCallStats:
 *
 * What a call's media has done so far, taken by
 * [method@Sipnat.Call.get_stats]: RTP packets and bytes each way (counted
 * where they enter and leave the network, RTCP excluded), and how long
 * after the answer the media path connected and the first RTP packet
 * arrived.
 */

struct _SipnatCallStats
{
  SipnatCallMediaStats media;
  gint64 answer_time;
};

G_DEFINE_BOXED_TYPE (SipnatCallStats, sipnat_call_stats,
                     sipnat_call_stats_copy, sipnat_call_stats_free)

SipnatCallStats *
_sipnat_call_stats_new (const SipnatCallMediaStats *media,
                        gint64                      answer_time)
{
  SipnatCallStats *self = g_new0 (SipnatCallStats, 1);

  self->media = *media;
  self->answer_time = answer_time;
  return self;
}

/**
 * sipnat_call_stats_copy:
 * @self: a #SipnatCallStats
 *
 * Copies the snapshot.
 *
 * Returns: (transfer full): a copy
 */
SipnatCallStats *
sipnat_call_stats_copy (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_memdup2 (self, sizeof *self);
}

/**
 * sipnat_call_stats_free:
 * @self: a #SipnatCallStats
 *
 * Frees the snapshot.
 */
void
sipnat_call_stats_free (SipnatCallStats *self)
{
  g_free (self);
}

/**
 * sipnat_call_stats_get_rtp_packets_sent:
 * @self: a #SipnatCallStats
 *
 * Gets the number of RTP packets sent.
 *
 * Returns: RTP packets handed to the network
 */
guint64
sipnat_call_stats_get_rtp_packets_sent (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->media.rtp_packets_sent;
}

/**
 * sipnat_call_stats_get_rtp_bytes_sent:
 * @self: a #SipnatCallStats
 *
 * Gets the number of RTP bytes sent.
 *
 * Returns: bytes of the RTP packets sent, headers included
 */
guint64
sipnat_call_stats_get_rtp_bytes_sent (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->media.rtp_bytes_sent;
}

/**
 * sipnat_call_stats_get_rtp_packets_received:
 * @self: a #SipnatCallStats
 *
 * Gets the number of RTP packets received.
 *
 * Returns: RTP packets of the negotiated payload received
 */
guint64
sipnat_call_stats_get_rtp_packets_received (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->media.rtp_packets_received;
}

/**
 * sipnat_call_stats_get_rtp_bytes_received:
 * @self: a #SipnatCallStats
 *
 * Gets the number of RTP bytes received.
 *
 * Returns: bytes of the RTP packets received, headers included
 */
guint64
sipnat_call_stats_get_rtp_bytes_received (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->media.rtp_bytes_received;
}

static gint64
since_answer (const SipnatCallStats *self,
              gint64                 when)
{
  if (when == 0 || self->answer_time == 0)
    return -1;

  return MAX (when - self->answer_time, 0) / 1000;
}

/**
 * sipnat_call_stats_get_connect_time:
 * @self: a #SipnatCallStats
 *
 * Gets how long the media path took to connect after the answer.
 *
 * Returns: milliseconds from the answer (the 200 OK sent or received) to
 *   the media path connected (ICE completed, or the socket ready without
 *   ICE), or -1 when that has not happened
 */
gint64
sipnat_call_stats_get_connect_time (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return since_answer (self, self->media.connected_time);
}

/**
 * sipnat_call_stats_get_first_rtp_time:
 * @self: a #SipnatCallStats
 *
 * Gets how long the first RTP packet took to arrive after the answer.
 *
 * Returns: milliseconds from the answer to the first RTP packet received,
 *   or -1 when none has arrived
 */
gint64
sipnat_call_stats_get_first_rtp_time (const SipnatCallStats *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return since_answer (self, self->media.first_rtp_time);
}
