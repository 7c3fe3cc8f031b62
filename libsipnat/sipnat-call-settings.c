/* sipnat-call-settings.c: a call's properties, read and set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-call-impl-private.h"
#include "sipnat-call-media-private.h"
#include "sipnat-call-stats-private.h"

/**
 * sipnat_call_get_registration:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:registration].
 *
 * Returns: (transfer none): the registration the call belongs to
 */
SipnatRegistration *
sipnat_call_get_registration (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);
  return self->registration;
}

/**
 * sipnat_call_get_direction:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:direction].
 *
 * Returns: who placed the call
 */
SipnatCallDirection
sipnat_call_get_direction (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), SIPNAT_CALL_DIRECTION_OUTGOING);
  return self->direction;
}

/**
 * sipnat_call_get_remote_uri:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:remote-uri].
 *
 * Returns: the other party's URI
 */
const char *
sipnat_call_get_remote_uri (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);
  return self->remote_uri;
}

/**
 * sipnat_call_get_state:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:state].
 *
 * Returns: where the call stands
 */
SipnatCallState
sipnat_call_get_state (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), SIPNAT_CALL_STATE_ENDED);
  return self->state;
}

/**
 * sipnat_call_get_state_reason:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:state-reason].
 *
 * Returns: (nullable): why the call is in its state, mostly why it ended
 */
const char *
sipnat_call_get_state_reason (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);
  return self->state_reason;
}

/**
 * sipnat_call_get_status_code:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:status-code].
 *
 * Returns: the last SIP status of the INVITE, 0 before any
 */
guint
sipnat_call_get_status_code (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), 0);
  return self->status_code;
}

/**
 * sipnat_call_get_error:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:error].
 *
 * Returns: (nullable) (transfer none): why the call failed
 */
const GError *
sipnat_call_get_error (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);
  return self->error;
}

/**
 * sipnat_call_get_no_answer_timeout:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:no-answer-timeout].
 *
 * Returns: seconds
 */
guint
sipnat_call_get_no_answer_timeout (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), 0);
  return self->no_answer_timeout;
}

/**
 * sipnat_call_set_no_answer_timeout:
 * @self: a #SipnatCall
 * @seconds: how long a call may ring, 0 for no limit
 *
 * Sets [property@Sipnat.Call:no-answer-timeout]. A call already ringing
 * (an incoming one in [signal@Sipnat.Endpoint::incoming-call], say) rings
 * @seconds more from now; 0 stops the timer.
 */
void
sipnat_call_set_no_answer_timeout (SipnatCall *self,
                                   guint       seconds)
{
  g_return_if_fail (SIPNAT_IS_CALL (self));

  if (self->no_answer_timeout == seconds)
    return;

  self->no_answer_timeout = seconds;
  if (self->no_answer_source != NULL)
    _sipnat_call_start_no_answer_timer (self);   /* from now on, with the new length */
  g_object_notify (G_OBJECT (self), "no-answer-timeout");
}

/**
 * sipnat_call_get_media:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:media].
 *
 * Returns: (transfer none) (nullable): the bin carrying the call's audio
 */
GstElement *
sipnat_call_get_media (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);
  return self->media ? _sipnat_call_media_get_bin (self->media) : NULL;
}

/**
 * sipnat_call_get_selected_pair:
 * @self: a #SipnatCall
 *
 * Gets [property@Sipnat.Call:selected-pair].
 *
 * Returns: (transfer none) (nullable): the candidate pair carrying the
 *   media, %NULL before one is selected
 */
const SipnatCandidatePair *
sipnat_call_get_selected_pair (SipnatCall *self)
{
  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);
  return self->selected_pair;
}

/**
 * sipnat_call_get_stats:
 * @self: a #SipnatCall
 *
 * Takes a snapshot of the call's media counters.
 *
 * Returns: (transfer full): RTP packets and bytes sent and received, and
 *   how long the media path took to connect
 */
SipnatCallStats *
sipnat_call_get_stats (SipnatCall *self)
{
  SipnatCallMediaStats stats = { 0 };

  g_return_val_if_fail (SIPNAT_IS_CALL (self), NULL);

  if (self->media != NULL)
    _sipnat_call_media_get_stats (self->media, &stats);
  return _sipnat_call_stats_new (&stats, self->answer_time);
}
