/* sipnat-ice.c: one ICE session over libnice, built from a SipnatNatPolicy
 *
 * One NiceAgent (RFC 5245/8445 full ICE, regular nomination, consent
 * freshness) on the caller's GMainContext, one stream "audio" with one
 * component (RTP and RTCP muxed). Host candidates on the IPv4 addresses
 * of the host only (libnice would also gather IPv6 link-local ones, whose
 * STUN and TURN discoveries hold candidate-gathering-done back by about
 * 2 s), server-reflexive ones from the policy's STUN server, relayed ones
 * from its TURN server, with a fallback over the other TURN transports
 * (UDP, then TCP, then TLS) when the configured one gives no relayed
 * candidate (gathering in sipnat-ice-gather.c, checks of what the peer
 * sends in sipnat-ice-candidate.c, TURN over TLS in sipnat-ice-tls.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-candidate-pair-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-ice-impl-private.h"


G_DEFINE_FINAL_TYPE (SipnatIce, _sipnat_ice, G_TYPE_OBJECT)

enum {
  SIGNAL_STATE_CHANGED,
  SIGNAL_SELECTED_PAIR_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- small helpers ---- */

void
_sipnat_ice_clear_source (GSource **source)
{
  if (*source == NULL)
    return;

  g_source_destroy (*source);
  g_clear_pointer (source, g_source_unref);
}

GSource *
_sipnat_ice_add_timeout (SipnatIce   *self,
             guint        ms,
             GSourceFunc  func)
{
  GSource *source = g_timeout_source_new (ms);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, self->context);
  return source;
}

SipnatCandidateType
_sipnat_ice_candidate_type (NiceCandidateType type)
{
  switch (type)
    {
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE:
      return SIPNAT_CANDIDATE_TYPE_SERVER_REFLEXIVE;
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE:
      return SIPNAT_CANDIDATE_TYPE_PEER_REFLEXIVE;
    case NICE_CANDIDATE_TYPE_RELAYED:
      return SIPNAT_CANDIDATE_TYPE_RELAYED;
    case NICE_CANDIDATE_TYPE_HOST:
    default:
      return SIPNAT_CANDIDATE_TYPE_HOST;
    }
}

gboolean
_sipnat_ice_has_relay (SipnatIce *self)
{
  return self->turn_server != NULL;
}

char *
_sipnat_ice_relay_server_string (SipnatIce *self)
{
  return _sipnat_candidate_pair_format_address (self->turn_server, self->turn_port);
}

/* The TURN transport of a local relayed candidate: libnice puts the TURN
 * server's preference (its index in the order servers were added) in bits
 * 6-8 of the local preference (RFC 8445 section 5.1.2.1), i.e. bits 14-16
 * of the priority. */
static SipnatRelayType
relay_type_of (SipnatIce           *self,
               const NiceCandidate *candidate)
{
  guint index = (candidate->priority >> 14) & 0x7;

  if (index < self->n_relays)
    return self->relays[index];
  return self->turn_relay_type;
}

void
_sipnat_ice_set_state (SipnatIce      *self,
           SipnatIceState  state)
{
  if (self->state == state)
    return;

  SIPNAT_NOTE (NAT, "ICE %p: %s -> %s", self,
               _sipnat_ice_state_to_string (self->state),
               _sipnat_ice_state_to_string (state));
  self->state = state;
  if (state == SIPNAT_ICE_STATE_CONNECTED && self->connected_time == 0)
    self->connected_time = g_get_monotonic_time ();
  if (state != SIPNAT_ICE_STATE_CHECKING)
    _sipnat_ice_clear_source (&self->check_timeout);
}

/* Sets the state, then emits state-changed as the last thing. */
void
_sipnat_ice_emit_state_changed (SipnatIce *self)
{
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
  g_object_unref (self);
}

void
_sipnat_ice_change_state (SipnatIce      *self,
              SipnatIceState  state)
{
  if (self->state == state)
    return;

  _sipnat_ice_set_state (self, state);
  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
  g_object_unref (self);
}

void
_sipnat_ice_cache_local_credentials (SipnatIce *self)
{
  g_autofree char *ufrag = NULL;
  g_autofree char *pwd = NULL;

  if (!nice_agent_get_local_credentials (self->agent, self->stream_id, &ufrag, &pwd))
    return;

  g_free (self->local_ufrag);
  self->local_ufrag = g_steal_pointer (&ufrag);
  g_free (self->local_pwd);
  self->local_pwd = g_steal_pointer (&pwd);
}

/* Drops what arrives before the media bin's nicesrc replaces this
 * receiver: libnice reads a component's socket (and so answers
 * connectivity checks) only while a receiver is attached. */
static void
drop_received (NiceAgent *agent,
               guint      stream_id,
               guint      component_id,
               guint      len,
               gchar     *buf,
               gpointer   data)
{
}

/* ---- connectivity checks ---- */

static SipnatMediaTransport
media_transport (SipnatIce           *self,
                 const NiceCandidate *local)
{
  if (local->type == NICE_CANDIDATE_TYPE_RELAYED)
    {
      switch (relay_type_of (self, local))
        {
        case SIPNAT_RELAY_TYPE_TCP:
          return SIPNAT_MEDIA_TRANSPORT_TCP;
        case SIPNAT_RELAY_TYPE_TLS:
          return SIPNAT_MEDIA_TRANSPORT_TLS;
        case SIPNAT_RELAY_TYPE_UDP:
        default:
          return SIPNAT_MEDIA_TRANSPORT_UDP;
        }
    }
  return local->transport == NICE_CANDIDATE_TRANSPORT_UDP ?
         SIPNAT_MEDIA_TRANSPORT_UDP : SIPNAT_MEDIA_TRANSPORT_TCP;
}

static SipnatCandidatePair *
make_pair (SipnatIce           *self,
           const NiceCandidate *local,
           const NiceCandidate *remote)
{
  char local_ip[NICE_ADDRESS_STRING_LEN];
  char remote_ip[NICE_ADDRESS_STRING_LEN];
  g_autofree char *relay = NULL;

  nice_address_to_string (&local->addr, local_ip);
  nice_address_to_string (&remote->addr, remote_ip);
  if (local->type == NICE_CANDIDATE_TYPE_RELAYED)
    relay = _sipnat_ice_relay_server_string (self);

  return _sipnat_candidate_pair_new (_sipnat_ice_candidate_type (local->type), local_ip,
                                     nice_address_get_port (&local->addr),
                                     _sipnat_ice_candidate_type (remote->type), remote_ip,
                                     nice_address_get_port (&remote->addr),
                                     media_transport (self, local), relay);
}

static void
selected_pair_changed (SipnatIce           *self,
                       const NiceCandidate *local,
                       const NiceCandidate *remote)
{
  g_autoptr(SipnatCandidatePair) pair = NULL;

  if (self->state == SIPNAT_ICE_STATE_CLOSED)
    return;

  pair = make_pair (self, local, remote);
  if (sipnat_candidate_pair_equal (pair, self->selected_pair) && !self->reselecting)
    return;
  self->reselecting = FALSE;

  SIPNAT_NOTE (NAT, "ICE %p: selected pair %s %s <-> %s %s over %s", self,
               sipnat_candidate_type_to_string (sipnat_candidate_pair_get_local_type (pair)),
               sipnat_candidate_pair_get_local_address (pair),
               sipnat_candidate_type_to_string (sipnat_candidate_pair_get_remote_type (pair)),
               sipnat_candidate_pair_get_remote_address (pair),
               sipnat_media_transport_to_string (sipnat_candidate_pair_get_transport (pair)));
  g_clear_pointer (&self->selected_pair, sipnat_candidate_pair_free);
  self->selected_pair = g_steal_pointer (&pair);

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_SELECTED_PAIR_CHANGED], 0);
  g_object_unref (self);
}

static void
component_state_changed (SipnatIce *self,
                         guint      state)
{
  if (self->state == SIPNAT_ICE_STATE_CLOSED)
    return;

  SIPNAT_NOTE (NAT, "ICE %p: component %s", self, nice_component_state_to_string (state));

  /* Before the remote candidates are set, gathering is ours to report. */
  if (self->state != SIPNAT_ICE_STATE_CHECKING &&
      self->state != SIPNAT_ICE_STATE_CONNECTED &&
      self->state != SIPNAT_ICE_STATE_FAILED)
    return;

  switch (state)
    {
    case NICE_COMPONENT_STATE_CONNECTING:
      if (self->state != SIPNAT_ICE_STATE_CONNECTED)
        _sipnat_ice_change_state (self, SIPNAT_ICE_STATE_CHECKING);
      break;
    case NICE_COMPONENT_STATE_CONNECTED:
    case NICE_COMPONENT_STATE_READY:
      _sipnat_ice_change_state (self, SIPNAT_ICE_STATE_CONNECTED);
      break;
    case NICE_COMPONENT_STATE_FAILED:
      _sipnat_ice_change_state (self, SIPNAT_ICE_STATE_FAILED);
      break;
    default:
      break;
    }
}

/* libnice emits its signals from whichever thread drives the component:
 * the main context until the media bin plays, nicesrc's streaming thread
 * afterwards. The session (and the call above it) only ever runs on its
 * context: an event from another thread is carried over. */
typedef struct {
  SipnatIce *self;
  gboolean is_pair;
  guint state;
  NiceCandidate *local;
  NiceCandidate *remote;
} IceEvent;

static void
ice_event_free (IceEvent *ev)
{
  g_object_unref (ev->self);
  g_clear_pointer (&ev->local, nice_candidate_free);
  g_clear_pointer (&ev->remote, nice_candidate_free);
  g_free (ev);
}

static gboolean
ice_event_run (gpointer data)
{
  IceEvent *ev = data;

  if (ev->is_pair)
    selected_pair_changed (ev->self, ev->local, ev->remote);
  else
    component_state_changed (ev->self, ev->state);
  return G_SOURCE_REMOVE;
}

static void
dispatch_event (SipnatIce *self,
                IceEvent  *ev)       /* (transfer full) */
{
  GSource *source;

  if (g_main_context_is_owner (self->context))
    {
      ice_event_run (ev);
      ice_event_free (ev);
      return;
    }

  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, ice_event_run, ev, (GDestroyNotify) ice_event_free);
  g_source_attach (source, self->context);
  g_source_unref (source);
}

static void
on_new_selected_pair (NiceAgent     *agent,
                      guint          stream_id,
                      guint          component_id,
                      NiceCandidate *local,
                      NiceCandidate *remote,
                      gpointer       data)
{
  SipnatIce *self = data;
  IceEvent *ev;

  if (stream_id != self->stream_id || component_id != SIPNAT_ICE_COMPONENT)
    return;

  ev = g_new0 (IceEvent, 1);
  ev->self = g_object_ref (self);
  ev->is_pair = TRUE;
  ev->local = nice_candidate_copy (local);
  ev->remote = nice_candidate_copy (remote);
  dispatch_event (self, ev);
}

static void
on_component_state_changed (NiceAgent *agent,
                            guint      stream_id,
                            guint      component_id,
                            guint      state,
                            gpointer   data)
{
  SipnatIce *self = data;
  IceEvent *ev;

  if (stream_id != self->stream_id || component_id != SIPNAT_ICE_COMPONENT)
    return;

  ev = g_new0 (IceEvent, 1);
  ev->self = g_object_ref (self);
  ev->state = state;
  dispatch_event (self, ev);
}

static gboolean
on_check_timeout (gpointer data)
{
  SipnatIce *self = data;

  g_clear_pointer (&self->check_timeout, g_source_unref);
  SIPNAT_NOTE (NAT, "ICE %p: no pair connected in %u ms", self, self->check_timeout_ms);
  _sipnat_ice_change_state (self, SIPNAT_ICE_STATE_FAILED);
  return G_SOURCE_REMOVE;
}


/* Hands each component its candidates: the RTP ones always, the RTCP
 * ones when the stream has a second component (the peer does not
 * multiplex); others are dropped. Returns how many RTP candidates were
 * added (those decide whether there is a media path at all). */
static int
set_remote_candidates (SipnatIce *self,
                       GSList    *list)
{
  int rtp = 0;

  for (guint c = 1; c <= self->n_components; c++)
    {
      GSList *mine = NULL;
      int added;

      for (GSList *l = list; l != NULL; l = l->next)
        if (((NiceCandidate *) l->data)->component_id == c)
          mine = g_slist_prepend (mine, l->data);
      mine = g_slist_reverse (mine);
      added = mine ? nice_agent_set_remote_candidates (self->agent, self->stream_id, c, mine) : 0;
      g_slist_free (mine);
      if (c == SIPNAT_ICE_COMPONENT)
        rtp = added;
    }

  return rtp;
}

/**
 * _sipnat_ice_set_remote:
 *
 * Sets the peer's credentials and candidates (a=candidate values, with or
 * without "a="), then starts the connectivity checks. Unusable candidates
 * are skipped; SIPNAT_ERROR_BAD_SDP when the credentials are malformed or
 * no candidate is usable. Once gathered (GATHERED, or later for new
 * candidates or after a restart).
 */
gboolean
_sipnat_ice_set_remote (SipnatIce   *self,
                        const char  *ufrag,
                        const char  *pwd,
                        GPtrArray   *candidates,
                        GError     **error)
{
  GSList *list = NULL;
  guint usable = 0;
  int added;

  g_return_val_if_fail (SIPNAT_IS_ICE (self), FALSE);

  if (self->state == SIPNAT_ICE_STATE_NEW || self->state == SIPNAT_ICE_STATE_GATHERING ||
      self->state == SIPNAT_ICE_STATE_CLOSED)
    {
      g_set_error (error, SIPNAT_ERROR,
                   self->state == SIPNAT_ICE_STATE_CLOSED ? SIPNAT_ERROR_CLOSED :
                   SIPNAT_ERROR_FAILED,
                   _("The remote ICE candidates were given before gathering ended"));
      return FALSE;
    }
  /* RFC 8839: ufrag 4 to 256 ice-chars, pwd 22 to 256; older peers send
   * shorter ones, which work with libnice. */
  if (ufrag == NULL || pwd == NULL ||
      !_sipnat_ice_credential_is_valid (ufrag) ||
      !_sipnat_ice_credential_is_valid (pwd))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                   _("The remote ICE user fragment or password is missing or malformed"));
      return FALSE;
    }

  /* Bounded work whatever the peer sends: at most four times as many
   * lines looked at as candidates kept. */
  for (guint i = 0; candidates != NULL && i < candidates->len &&
       i < 4 * SIPNAT_ICE_MAX_REMOTE_CANDIDATES &&
       usable < SIPNAT_ICE_MAX_REMOTE_CANDIDATES; i++)
    {
      g_autofree char *line = _sipnat_ice_candidate_check (candidates->pdata[i]);
      NiceCandidate *candidate = NULL;

      if (line != NULL)
        candidate = nice_agent_parse_remote_candidate_sdp (self->agent, self->stream_id, line);

      if (candidate == NULL)
        {
          SIPNAT_NOTE (NAT, "ICE %p: remote candidate %u skipped", self, i);
          continue;
        }
      list = g_slist_prepend (list, candidate);
      usable++;
    }

  if (usable == 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                   _("No usable ICE candidate in the remote session description "
                     "(%u given)"), candidates != NULL ? candidates->len : 0);
      return FALSE;
    }

  list = g_slist_reverse (list);
  nice_agent_set_remote_credentials (self->agent, self->stream_id, ufrag, pwd);
  added = set_remote_candidates (self, list);
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
  if (added <= 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_BAD_SDP,
                   _("No usable ICE candidate in the remote session description "
                     "(%u given)"), candidates->len);
      return FALSE;
    }

  SIPNAT_NOTE (NAT, "ICE %p: %d remote candidates, checks start", self, added);
  if (self->state == SIPNAT_ICE_STATE_GATHERED || self->state == SIPNAT_ICE_STATE_FAILED)
    {
      _sipnat_ice_clear_source (&self->check_timeout);
      _sipnat_ice_set_state (self, SIPNAT_ICE_STATE_CHECKING);
      self->check_timeout = _sipnat_ice_add_timeout (self, self->check_timeout_ms, on_check_timeout);
      g_object_ref (self);
      g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0);
      g_object_unref (self);
    }
  return TRUE;
}

/**
 * _sipnat_ice_restart:
 *
 * Restarts ICE (RFC 8445 section 9): new local ufrag and pwd, the remote
 * candidates and checks forgotten; the local candidates stay. The state
 * goes back to GATHERED until _sipnat_ice_set_remote(); the selected pair
 * stays until the checks select one again, and that selection is
 * announced (selected-pair-changed) even when it is the same pair.
 */
gboolean
_sipnat_ice_restart (SipnatIce  *self,
                     GError    **error)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), FALSE);

  if (self->state == SIPNAT_ICE_STATE_NEW || self->state == SIPNAT_ICE_STATE_GATHERING ||
      self->state == SIPNAT_ICE_STATE_CLOSED)
    {
      g_set_error (error, SIPNAT_ERROR,
                   self->state == SIPNAT_ICE_STATE_CLOSED ? SIPNAT_ERROR_CLOSED :
                   SIPNAT_ERROR_FAILED,
                   _("ICE can restart only once candidates are gathered"));
      return FALSE;
    }
  if (!nice_agent_restart_stream (self->agent, self->stream_id))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED, _("ICE could not restart"));
      return FALSE;
    }

  _sipnat_ice_cache_local_credentials (self);
  self->reselecting = TRUE;
  _sipnat_ice_change_state (self, SIPNAT_ICE_STATE_GATHERED);
  return TRUE;
}

/* ---- getters ---- */

const char *
_sipnat_ice_get_local_ufrag (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), NULL);
  return self->local_ufrag;
}

const char *
_sipnat_ice_get_local_pwd (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), NULL);
  return self->local_pwd;
}

static gint
compare_priority (gconstpointer a,
                  gconstpointer b)
{
  const NiceCandidate *ca = a;
  const NiceCandidate *cb = b;

  return ca->priority < cb->priority ? 1 : ca->priority > cb->priority ? -1 : 0;
}

static GSList *
sorted_local_candidates (SipnatIce *self)
{
  GSList *list;

  if (self->agent == NULL)
    return NULL;
  list = NULL;
  for (guint c = 1; c <= self->n_components; c++)
    list = g_slist_concat (list, nice_agent_get_local_candidates (self->agent, self->stream_id, c));
  return g_slist_sort (list, compare_priority);
}

GPtrArray *
_sipnat_ice_dup_local_candidates (SipnatIce *self)
{
  GPtrArray *result;
  GSList *list;

  g_return_val_if_fail (SIPNAT_IS_ICE (self), NULL);

  result = g_ptr_array_new_with_free_func (g_free);
  list = sorted_local_candidates (self);
  for (GSList *l = list; l != NULL; l = l->next)
    {
      g_autofree char *line = nice_agent_generate_local_candidate_sdp (self->agent, l->data);

      if (line != NULL && g_str_has_prefix (line, "a=candidate:"))
        g_ptr_array_add (result, g_steal_pointer (&line));
    }
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);

  return result;
}

void
_sipnat_ice_get_default_candidate (SipnatIce  *self,
                                   char      **address,
                                   guint      *port)
{
  _sipnat_ice_get_default_candidate_of (self, SIPNAT_ICE_COMPONENT, address, port);
}

/* The same for @component (2: RTCP, for a=rtcp when not multiplexed);
 * NULL/0 when the stream has no such component. */
void
_sipnat_ice_get_default_candidate_of (SipnatIce  *self,
                                      guint       component,
                                      char      **address,
                                      guint      *port)
{
  static const NiceCandidateType preference[] = {
    NICE_CANDIDATE_TYPE_RELAYED,
    NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE,
    NICE_CANDIDATE_TYPE_HOST,
  };
  GSList *list;
  const NiceCandidate *best = NULL;

  g_return_if_fail (SIPNAT_IS_ICE (self));

  list = sorted_local_candidates (self);
  for (guint i = 0; i < G_N_ELEMENTS (preference) && best == NULL; i++)
    {
      for (GSList *l = list; l != NULL && best == NULL; l = l->next)
        {
          const NiceCandidate *candidate = l->data;

          if (candidate->type == preference[i] && candidate->component_id == component &&
              candidate->transport == NICE_CANDIDATE_TRANSPORT_UDP)
            best = candidate;
        }
    }

  if (address != NULL)
    {
      char ip[NICE_ADDRESS_STRING_LEN];

      *address = NULL;
      if (best != NULL)
        {
          nice_address_to_string (&best->addr, ip);
          *address = g_strdup (ip);
        }
    }
  if (port != NULL)
    *port = best != NULL ? nice_address_get_port (&best->addr) : 0;
  g_slist_free_full (list, (GDestroyNotify) nice_candidate_free);
}

NiceAgent *
_sipnat_ice_get_agent (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), NULL);
  return self->agent;
}

guint
_sipnat_ice_get_stream_id (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), 0);
  return self->stream_id;
}

SipnatIceState
_sipnat_ice_get_state (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), SIPNAT_ICE_STATE_CLOSED);
  return self->state;
}

const char *
_sipnat_ice_state_to_string (SipnatIceState state)
{
  switch (state)
    {
    case SIPNAT_ICE_STATE_NEW:
      return "new";
    case SIPNAT_ICE_STATE_GATHERING:
      return "gathering";
    case SIPNAT_ICE_STATE_GATHERED:
      return "gathered";
    case SIPNAT_ICE_STATE_CHECKING:
      return "checking";
    case SIPNAT_ICE_STATE_CONNECTED:
      return "connected";
    case SIPNAT_ICE_STATE_FAILED:
      return "failed";
    case SIPNAT_ICE_STATE_CLOSED:
      return "closed";
    default:
      return "unknown";
    }
}

SipnatCandidatePair *
_sipnat_ice_dup_selected_pair (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), NULL);
  return self->selected_pair != NULL ? sipnat_candidate_pair_copy (self->selected_pair) : NULL;
}

gint64
_sipnat_ice_get_connected_time (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), 0);
  return self->connected_time;
}

gboolean
_sipnat_ice_add_local_address (SipnatIce   *self,
                               const char  *address,
                               GError     **error)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), FALSE);

  if (address == NULL || !g_hostname_is_ip_address (address))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("“%s” is not an IP address"), address != NULL ? address : "");
      return FALSE;
    }
  g_ptr_array_add (self->local_addresses, g_strdup (address));
  return TRUE;
}

void
_sipnat_ice_set_gather_timeout (SipnatIce *self,
                                guint      ms)
{
  g_return_if_fail (SIPNAT_IS_ICE (self));
  g_return_if_fail (ms >= SIPNAT_ICE_N_RELAY_TYPES);
  self->gather_timeout_ms = ms;
}

void
_sipnat_ice_set_check_timeout (SipnatIce *self,
                               guint      ms)
{
  g_return_if_fail (SIPNAT_IS_ICE (self));
  g_return_if_fail (ms > 0);
  self->check_timeout_ms = ms;
}

void
_sipnat_ice_set_tls_database (SipnatIce    *self,
                              GTlsDatabase *database)
{
  g_return_if_fail (SIPNAT_IS_ICE (self));
  g_return_if_fail (self->state == SIPNAT_ICE_STATE_NEW);
  g_set_object (&self->tls_database, database);
}

/* ---- life cycle ---- */

static void
on_agent_closed (GObject      *source,
                 GAsyncResult *result,
                 gpointer      data)
{
  /* What _sipnat_ice_close() gave away: the agent's reference, and the
   * tunnel its TURN-over-TLS deallocation went through. */
  _sipnat_tls_tunnel_free (data);
  g_object_unref (source);
}

/**
 * _sipnat_ice_close:
 *
 * Closes the session: a pending gather fails with SIPNAT_ERROR_CLOSED,
 * the state becomes CLOSED (no state-changed signal), and the agent is
 * closed with nice_agent_close_async() (TURN allocations released) and
 * dropped once that completes, on the context, whether or not the
 * SipnatIce still exists. Twice is harmless.
 */
void
_sipnat_ice_close (SipnatIce *self)
{
  g_autoptr(GTask) task = NULL;
  NiceAgent *agent;

  g_return_if_fail (SIPNAT_IS_ICE (self));

  if (self->state == SIPNAT_ICE_STATE_CLOSED)
    return;

  task = g_steal_pointer (&self->gather_task);
  _sipnat_ice_stop_gathering (self);
  _sipnat_ice_set_state (self, SIPNAT_ICE_STATE_CLOSED);

  agent = g_steal_pointer (&self->agent);
  g_signal_handlers_disconnect_by_data (agent, self);
  nice_agent_close_async (agent, on_agent_closed, g_steal_pointer (&self->tls_tunnel));

  if (task != NULL)
    g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                             _("The ICE session was closed"));
}

static void
_sipnat_ice_dispose (GObject *object)
{
  SipnatIce *self = SIPNAT_ICE (object);

  if (self->agent != NULL)
    _sipnat_ice_close (self);

  G_OBJECT_CLASS (_sipnat_ice_parent_class)->dispose (object);
}

static void
_sipnat_ice_finalize (GObject *object)
{
  SipnatIce *self = SIPNAT_ICE (object);

  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->turn_server);
  g_free (self->turn_user_name);
  g_free (self->turn_password);
  g_ptr_array_unref (self->local_addresses);
  g_clear_object (&self->tls_database);
  g_free (self->local_ufrag);
  g_free (self->local_pwd);
  g_clear_pointer (&self->selected_pair, sipnat_candidate_pair_free);

  G_OBJECT_CLASS (_sipnat_ice_parent_class)->finalize (object);
}

static void
_sipnat_ice_class_init (SipnatIceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = _sipnat_ice_dispose;
  object_class->finalize = _sipnat_ice_finalize;

  /* SipnatIce::state-changed: the state changed; read it with
   * _sipnat_ice_get_state(). */
  signals[SIGNAL_STATE_CHANGED] =
    g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* SipnatIce::selected-pair-changed: ICE selected another candidate pair;
   * read it with _sipnat_ice_dup_selected_pair(). */
  signals[SIGNAL_SELECTED_PAIR_CHANGED] =
    g_signal_new ("selected-pair-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
_sipnat_ice_init (SipnatIce *self)
{
  self->local_addresses = g_ptr_array_new_with_free_func (g_free);
  self->check_timeout_ms = SIPNAT_ICE_CHECK_TIMEOUT_MS;
  self->gather_timeout_ms = SIPNAT_ICE_GATHER_TIMEOUT_MS;
}

static gboolean
read_policy (SipnatIce        *self,
             SipnatNatPolicy  *policy,
             const char      **stun_server,
             GError          **error)
{
  const char *turn = sipnat_nat_policy_get_turn_server (policy);
  const char *user = sipnat_nat_policy_get_turn_user_name (policy);
  const char *password = sipnat_nat_policy_get_turn_password (policy);

  *stun_server = sipnat_nat_policy_get_stun_server (policy);
  if (*stun_server != NULL && **stun_server == '\0')
    *stun_server = NULL;
  if (turn == NULL || *turn == '\0')
    return TRUE;

  if (user == NULL || password == NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The TURN server %s needs a user name and a password"), turn);
      return FALSE;
    }
  self->turn_server = g_strdup (turn);
  self->turn_port = sipnat_nat_policy_get_turn_server_port (policy);
  self->turn_user_name = g_strdup (user);
  self->turn_password = g_strdup (password);
  self->turn_relay_type = sipnat_nat_policy_get_turn_relay_type (policy);
  return TRUE;
}

/**
 * _sipnat_ice_new:
 *
 * Creates the agent and its stream, with a receiver that drops data
 * attached at once so that checks are answered before the media takes
 * the component over. STUN and TURN host names are resolved by libnice.
 */
SipnatIce *
_sipnat_ice_new (GMainContext     *context,
                 SipnatNatPolicy  *policy,
                 gboolean          controlling,
                 gboolean          force_relay,
                 guint             n_components,
                 GError          **error)
{
  g_autoptr(SipnatIce) self = NULL;
  const char *stun_server = NULL;

  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (policy), NULL);

  self = g_object_new (SIPNAT_TYPE_ICE, NULL);
  self->context = context != NULL ? g_main_context_ref (context) :
                  g_main_context_ref_thread_default ();
  self->force_relay = force_relay;
  if (!read_policy (self, policy, &stun_server, error))
    return NULL;

  self->agent = nice_agent_new_full (self->context, NICE_COMPATIBILITY_RFC5245,
                                     NICE_AGENT_OPTION_REGULAR_NOMINATION |
                                     NICE_AGENT_OPTION_CONSENT_FRESHNESS);
  g_object_set (self->agent,
                "controlling-mode", controlling,
                "force-relay", force_relay,
                "ice-tcp", FALSE,
                "ice-udp", TRUE,
                "upnp", FALSE,
                NULL);
  /* TURN over UDP gives the server-reflexive address too (the
   * XOR-MAPPED-ADDRESS of the Allocate answer); a Binding request to the
   * same server from the same socket is not needed, and coturn answers it
   * with something libnice ignores once the allocation exists (measured:
   * gathering then waits about 2 s for the Binding to time out). */
  if (stun_server != NULL && self->turn_server != NULL &&
      self->turn_relay_type == SIPNAT_RELAY_TYPE_UDP &&
      g_ascii_strcasecmp (stun_server, self->turn_server) == 0 &&
      sipnat_nat_policy_get_stun_server_port (policy) == self->turn_port)
    stun_server = NULL;
  if (stun_server != NULL)
    g_object_set (self->agent,
                  "stun-server", stun_server,
                  "stun-server-port", sipnat_nat_policy_get_stun_server_port (policy),
                  NULL);

  g_return_val_if_fail (n_components == 1 || n_components == 2, NULL);
  self->n_components = n_components;
  self->stream_id = nice_agent_add_stream (self->agent, n_components);
  if (self->stream_id == 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_FAILED,
                   _("Could not create the ICE media stream"));
      return NULL;
    }
  nice_agent_set_stream_name (self->agent, self->stream_id, "audio");

  g_signal_connect (self->agent, "candidate-gathering-done",
                    G_CALLBACK (_sipnat_ice_on_gathering_done), self);
  g_signal_connect (self->agent, "new-candidate-full", G_CALLBACK (_sipnat_ice_on_new_candidate), self);
  g_signal_connect (self->agent, "new-selected-pair-full",
                    G_CALLBACK (on_new_selected_pair), self);
  g_signal_connect (self->agent, "component-state-changed",
                    G_CALLBACK (on_component_state_changed), self);
  /* Every component answers checks from the start; RTCP (component 2)
   * is never read by the media bin: its datagrams are dropped here. */
  for (guint c = 1; c <= n_components; c++)
    nice_agent_attach_recv (self->agent, self->stream_id, c, self->context, drop_received, NULL);

  return g_steal_pointer (&self);
}

guint
_sipnat_ice_get_n_components (SipnatIce *self)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), 0);
  return self->n_components;
}
