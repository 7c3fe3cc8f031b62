/* sipnat-ice-gather.c: gathering the local candidates of a SipnatIce,
 * with the TURN fallback (UDP, then TCP, then TLS) and a bound on time
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include <nice/interfaces.h>

#include "sipnat-debug-private.h"
#include "sipnat-error.h"
#include "sipnat-ice-impl-private.h"

static NiceRelayType
nice_relay_type (SipnatRelayType type)
{
  switch (type)
    {
    case SIPNAT_RELAY_TYPE_TCP:
      return NICE_RELAY_TYPE_TURN_TCP;
    case SIPNAT_RELAY_TYPE_TLS:
      return NICE_RELAY_TYPE_TURN_TLS;
    case SIPNAT_RELAY_TYPE_UDP:
    default:
      return NICE_RELAY_TYPE_TURN_UDP;
    }
}

static gboolean on_tls_failed (gpointer data);

static const char *
relay_type_name (SipnatRelayType type)
{
  switch (type)
    {
    case SIPNAT_RELAY_TYPE_TCP:
      return "TCP";
    case SIPNAT_RELAY_TYPE_TLS:
      return "TLS";
    case SIPNAT_RELAY_TYPE_UDP:
    default:
      return "UDP";
    }
}

/* ---- gathering ---- */

void
_sipnat_ice_stop_gathering (SipnatIce *self)
{
  _sipnat_ice_clear_source (&self->gather_timeout);
  _sipnat_ice_clear_source (&self->relay_timer);
  _sipnat_ice_clear_source (&self->cancel_source);
}

/* Gives libnice the TURN server over @type; over TLS through the tunnel
 * (see sipnat-ice-tls-private.h). */
static gboolean
add_relay (SipnatIce        *self,
           SipnatRelayType   type,
           GError          **error)
{
  const char *server = self->turn_server;
  guint port = self->turn_port;
  NiceRelayType nice_type = nice_relay_type (type);

  g_assert (self->n_tried < SIPNAT_ICE_N_RELAY_TYPES);
  self->tried[self->n_tried++] = type;
  if (type == SIPNAT_RELAY_TYPE_TLS)
    {
      if (self->tls_tunnel == NULL)
        self->tls_tunnel = _sipnat_tls_tunnel_new (self->context, self->turn_server,
                                                   self->turn_port, self->tls_database, error);
      if (self->tls_tunnel == NULL)
        return FALSE;
      _sipnat_tls_tunnel_set_failed_func (self->tls_tunnel, on_tls_failed, self);
      server = "127.0.0.1";
      port = _sipnat_tls_tunnel_get_port (self->tls_tunnel);
      nice_type = NICE_RELAY_TYPE_TURN_TCP;
    }

  g_assert (self->n_relays < SIPNAT_ICE_N_RELAY_TYPES);
  for (guint c = 1; c <= self->n_components; c++)
    {
      if (!nice_agent_set_relay_info (self->agent, self->stream_id, c,
                                      server, port, self->turn_user_name, self->turn_password,
                                      nice_type))
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED,
                       _("The TURN server %s was not accepted"), self->turn_server);
          return FALSE;
        }
    }
  self->relays[self->n_relays++] = type;
  return TRUE;
}

/* Gives libnice the next TURN transport not tried yet, in the order UDP,
 * TCP, TLS; FALSE when all three were given. */
static gboolean
try_next_relay (SipnatIce *self)
{
  static const SipnatRelayType order[] = {
    SIPNAT_RELAY_TYPE_UDP, SIPNAT_RELAY_TYPE_TCP, SIPNAT_RELAY_TYPE_TLS,
  };

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      gboolean tried = FALSE;

      for (guint j = 0; j < self->n_tried; j++)
        tried = tried || self->tried[j] == order[i];
      if (tried)
        continue;

      g_autoptr(GError) error = NULL;

      SIPNAT_NOTE (NAT, "ICE %p: no relayed candidate yet, trying TURN over %s",
                   self, relay_type_name (order[i]));
      if (!add_relay (self, order[i], &error))
        {
          SIPNAT_NOTE (NAT, "ICE %p: %s", self, error->message);
          continue;
        }
      self->nice_gathering = TRUE;
      return TRUE;
    }

  return FALSE;
}

static GError *
relay_error (SipnatIce *self)
{
  g_autofree char *server = _sipnat_ice_relay_server_string (self);
  g_autoptr(GString) tried = g_string_new (NULL);

  for (guint i = 0; i < self->n_tried; i++)
    {
      if (i > 0)
        g_string_append (tried, i + 1 == self->n_tried ? _(" or ") : ", ");
      g_string_append (tried, relay_type_name (self->tried[i]));
    }

  if (self->tls_tunnel != NULL && _sipnat_tls_tunnel_get_error (self->tls_tunnel) != NULL)
    return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED,
                        _("The TURN server %s gave no relayed address over %s "
                          "(TLS: %s)"),
                        server, tried->str, _sipnat_tls_tunnel_get_error (self->tls_tunnel));

  /* libnice does not tell why an allocation failed. */
  return g_error_new (SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED,
                      _("The TURN server %s gave no relayed address over %s "
                        "(unreachable, wrong credentials or transport refused)"),
                      server, tried->str);
}

/* Ends gathering: with what was gathered, or with an error when relaying
 * is forced and there is no relayed candidate. Emits state-changed, then
 * returns the task (if it was not cancelled) as the last thing. */
static void
finish_gathering (SipnatIce *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->gather_task);
  g_autoptr(GError) error = NULL;

  _sipnat_ice_stop_gathering (self);
  if (self->state != SIPNAT_ICE_STATE_GATHERING)
    return;

  SIPNAT_NOTE (NAT, "ICE %p: gathering ended after %" G_GINT64_FORMAT " ms%s", self,
               (g_get_monotonic_time () - self->gather_start) / 1000,
               self->nice_gathering ? " (bound reached)" : "");

  if (self->force_relay && !self->have_relay)
    {
      error = relay_error (self);
      _sipnat_ice_set_state (self, SIPNAT_ICE_STATE_FAILED);
    }
  else
    {
      _sipnat_ice_set_state (self, SIPNAT_ICE_STATE_GATHERED);
    }
  _sipnat_ice_cache_local_credentials (self);

  g_object_ref (self);
  _sipnat_ice_emit_state_changed (self);
  if (task != NULL && error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else if (task != NULL)
    g_task_return_boolean (task, TRUE);
  g_object_unref (self);
}

static void
maybe_finish_gathering (SipnatIce *self)
{
  if (self->nice_gathering)
    return;
  if (_sipnat_ice_has_relay (self) && !self->have_relay && try_next_relay (self))
    return;
  finish_gathering (self);
}

static gboolean
on_gather_timeout (gpointer data)
{
  SipnatIce *self = data;

  g_clear_pointer (&self->gather_timeout, g_source_unref);
  finish_gathering (self);
  return G_SOURCE_REMOVE;
}

/* The configured TURN transport gets 4/9 of the gathering bound (TLS
 * needs a TCP connection and a handshake before the allocation), each
 * fallback 5/18 of it: 2 s, then 1.25 s each, of 4.5 s. */
static guint
relay_window_ms (SipnatIce *self,
                 gboolean   first)
{
  return first ? self->gather_timeout_ms * 4 / 9 : self->gather_timeout_ms * 5 / 18;
}

static gboolean
on_relay_timer (gpointer data)
{
  SipnatIce *self = data;

  _sipnat_ice_clear_source (&self->relay_timer);
  if (!self->have_relay && try_next_relay (self))
    self->relay_timer = _sipnat_ice_add_timeout (self, relay_window_ms (self, FALSE),
                                                 on_relay_timer);
  return G_SOURCE_REMOVE;
}

/* A certificate refused, a handshake that failed: the next transport is
 * tried at once rather than at the end of the window. */
static gboolean
on_tls_failed (gpointer data)
{
  SipnatIce *self = data;

  if (self->relay_timer != NULL && !self->have_relay)
    on_relay_timer (self);
  return G_SOURCE_REMOVE;
}

static gboolean
on_gather_cancelled (GCancellable *cancellable,
                     gpointer      data)
{
  SipnatIce *self = data;
  g_autoptr(GTask) task = g_steal_pointer (&self->gather_task);

  /* libnice gathers on; its candidate-gathering-done (or the bound) ends
   * the GATHERING state. */
  g_clear_pointer (&self->cancel_source, g_source_unref);
  if (task != NULL)
    g_task_return_error_if_cancelled (task);
  return G_SOURCE_REMOVE;
}

void
_sipnat_ice_on_gathering_done (NiceAgent *agent,
                             guint      stream_id,
                             gpointer   data)
{
  SipnatIce *self = data;

  if (stream_id != self->stream_id)
    return;

  self->nice_gathering = FALSE;
  if (self->state == SIPNAT_ICE_STATE_GATHERING)
    maybe_finish_gathering (self);
}

void
_sipnat_ice_on_new_candidate (NiceAgent     *agent,
                  NiceCandidate *candidate,
                  gpointer       data)
{
  SipnatIce *self = data;

  if (candidate->stream_id != self->stream_id)
    return;

  if (SIPNAT_NOTE_ENABLED (NAT))
    {
      char ip[NICE_ADDRESS_STRING_LEN];

      nice_address_to_string (&candidate->addr, ip);
      SIPNAT_NOTE (NAT, "ICE %p: local candidate %s %s:%u after %" G_GINT64_FORMAT " ms",
                   self, sipnat_candidate_type_to_string (_sipnat_ice_candidate_type (candidate->type)),
                   ip, nice_address_get_port (&candidate->addr),
                   (g_get_monotonic_time () - self->gather_start) / 1000);
    }

  if (candidate->type == NICE_CANDIDATE_TYPE_RELAYED)
    self->have_relay = TRUE;
}

/* The IPv4 addresses of the host's interfaces, without loopback (with it
 * when there is nothing else). */
static GPtrArray *
host_ipv4_addresses (void)
{
  GPtrArray *addresses = g_ptr_array_new_with_free_func (g_free);

  for (int loopback = 0; loopback < 2 && addresses->len == 0; loopback++)
    {
      GList *ips = nice_interfaces_get_local_ips (loopback);

      for (GList *l = ips; l != NULL; l = l->next)
        {
          g_autoptr(GInetAddress) address = g_inet_address_new_from_string (l->data);

          if (address != NULL &&
              g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV4 &&
              !g_ptr_array_find_with_equal_func (addresses, l->data, g_str_equal, NULL))
            g_ptr_array_add (addresses, g_strdup (l->data));
        }
      g_list_free_full (ips, g_free);
    }

  return addresses;
}

static gboolean
add_local_addresses (SipnatIce  *self,
                     GError    **error)
{
  g_autoptr(GPtrArray) addresses = NULL;
  guint added = 0;

  if (self->local_addresses->len > 0)
    addresses = g_ptr_array_ref (self->local_addresses);
  else
    addresses = host_ipv4_addresses ();

  for (guint i = 0; i < addresses->len; i++)
    {
      NiceAddress address;

      if (!nice_address_set_from_string (&address, addresses->pdata[i]))
        continue;
      if (nice_agent_add_local_address (self->agent, &address))
        added++;
    }

  if (added == 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                   _("No local IPv4 address to gather ICE candidates on"));
      return FALSE;
    }
  return TRUE;
}

/**
 * _sipnat_ice_gather_async:
 *
 * Gathers the local candidates. Completes on libnice's
 * candidate-gathering-done (after the relay fallback), or after
 * SIPNAT_ICE_GATHER_TIMEOUT_MS with what was gathered by then. Fails with
 * SIPNAT_ERROR_RELAY_FAILED when relaying is forced and no TURN transport
 * gave a relayed candidate. An unreachable STUN server is not an error.
 * Once only, from the NEW state.
 */
void
_sipnat_ice_gather_async (SipnatIce           *self,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (SIPNAT_IS_ICE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, _sipnat_ice_gather_async);

  if (self->state != SIPNAT_ICE_STATE_NEW)
    {
      g_task_return_new_error (task, SIPNAT_ERROR,
                               self->state == SIPNAT_ICE_STATE_CLOSED ?
                               SIPNAT_ERROR_CLOSED : SIPNAT_ERROR_FAILED,
                               _("ICE candidates can be gathered only once"));
      return;
    }
  if (self->force_relay && !_sipnat_ice_has_relay (self))
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_RELAY_FAILED,
                               _("Relaying is forced but no TURN server is configured"));
      return;
    }
  if (!add_local_addresses (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->gather_start = g_get_monotonic_time ();
  self->nice_gathering = TRUE;
  if (_sipnat_ice_has_relay (self) && !add_relay (self, self->turn_relay_type, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (!nice_agent_gather_candidates (self->agent, self->stream_id))
    {
      g_task_return_new_error (task, SIPNAT_ERROR, SIPNAT_ERROR_TRANSPORT,
                               _("Could not open a socket to gather ICE candidates on"));
      return;
    }

  self->gather_task = g_steal_pointer (&task);
  self->gather_timeout = _sipnat_ice_add_timeout (self, self->gather_timeout_ms, on_gather_timeout);
  if (_sipnat_ice_has_relay (self))
    self->relay_timer = _sipnat_ice_add_timeout (self, relay_window_ms (self, TRUE),
                                                 on_relay_timer);
  if (cancellable != NULL)
    {
      self->cancel_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (self->cancel_source, G_SOURCE_FUNC (on_gather_cancelled),
                             self, NULL);
      g_source_attach (self->cancel_source, self->context);
    }

  /* libnice may have finished already (host candidates only). */
  _sipnat_ice_change_state (self, SIPNAT_ICE_STATE_GATHERING);
  if (self->state == SIPNAT_ICE_STATE_GATHERING && !self->nice_gathering)
    maybe_finish_gathering (self);
}

gboolean
_sipnat_ice_gather_finish (SipnatIce     *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (SIPNAT_IS_ICE (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == _sipnat_ice_gather_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

