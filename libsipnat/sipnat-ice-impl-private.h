/* sipnat-ice-impl-private.h: the fields of a SipnatIce and what its
 * files (sipnat-ice.c, sipnat-ice-gather.c) share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-ice-private.h"
#include "sipnat-ice-tls-private.h"

G_BEGIN_DECLS

/* UDP, TCP, TLS */
#define SIPNAT_ICE_N_RELAY_TYPES 3

struct _SipnatIce {
  GObject parent_instance;

  GMainContext *context;
  NiceAgent *agent;
  guint stream_id;
  guint n_components;              /* 1 (rtcp-mux) or 2 (RTCP on its own) */
  gboolean force_relay;

  /* From the policy, read once at construction. */
  char *turn_server;
  guint turn_port;
  char *turn_user_name;
  char *turn_password;
  SipnatRelayType turn_relay_type;

  /* The TURN transports given to libnice, in order: libnice's TURN
   * preference of a relayed candidate is its index here. */
  SipnatRelayType relays[SIPNAT_ICE_N_RELAY_TYPES];
  guint n_relays;
  /* The TURN transports tried, in order (given to libnice or not). */
  SipnatRelayType tried[SIPNAT_ICE_N_RELAY_TYPES];
  guint n_tried;

  SipnatTlsTunnel *tls_tunnel;  /* TURN over TLS, made when first needed */
  GTlsDatabase *tls_database;

  GPtrArray *local_addresses;   /* (element-type utf8) set by the caller */

  SipnatIceState state;
  char *local_ufrag;
  char *local_pwd;

  GTask *gather_task;
  GSource *gather_timeout;
  GSource *relay_timer;
  GSource *cancel_source;
  GSource *check_timeout;
  guint check_timeout_ms;
  guint gather_timeout_ms;
  gboolean nice_gathering;      /* libnice has not said gathering-done */
  gboolean have_relay;
  gint64 gather_start;

  SipnatCandidatePair *selected_pair;
  gboolean reselecting;             /* restarted: the next pair is news even if the same */
  gint64 connected_time;
};

/* sipnat-ice.c */
void                _sipnat_ice_clear_source            (GSource        **source);
GSource            *_sipnat_ice_add_timeout             (SipnatIce       *self,
                                                         guint            ms,
                                                         GSourceFunc      func);
/* Sets the state without a signal. */
void                _sipnat_ice_set_state               (SipnatIce       *self,
                                                         SipnatIceState   state);
/* Emits state-changed with a reference held. */
void                _sipnat_ice_emit_state_changed      (SipnatIce       *self);
/* Sets the state, then emits state-changed if it changed. */
void                _sipnat_ice_change_state            (SipnatIce       *self,
                                                         SipnatIceState   state);
void                _sipnat_ice_cache_local_credentials (SipnatIce       *self);
gboolean            _sipnat_ice_has_relay               (SipnatIce       *self);
char               *_sipnat_ice_relay_server_string     (SipnatIce       *self);
SipnatCandidateType _sipnat_ice_candidate_type          (NiceCandidateType type);

/* sipnat-ice-gather.c */
void                _sipnat_ice_stop_gathering          (SipnatIce       *self);
void                _sipnat_ice_on_gathering_done       (NiceAgent       *agent,
                                                         guint            stream_id,
                                                         gpointer         data);
void                _sipnat_ice_on_new_candidate        (NiceAgent       *agent,
                                                         NiceCandidate   *candidate,
                                                         gpointer         data);

G_END_DECLS
