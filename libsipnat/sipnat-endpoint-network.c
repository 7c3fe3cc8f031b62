/* sipnat-endpoint-network.c: an endpoint when the network under it
 * changes
 *
 * The endpoint watches the network (sipnat-network-monitor.c): the local
 * addresses, the route to each registrar, whether there is a network at
 * all. When that changes, the stack advertises its new address, every
 * registration re-registers from it at once, active calls are told, and
 * then the application hears of it (SipnatEndpoint::network-changed).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-call-impl-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-endpoint-impl-private.h"
#include "sipnat-register-request-private.h"
#include "sipnat-registration-private.h"

/* The registrars' hosts: the route to each is part of what is compared. */
static char **
registrar_hosts (gpointer data)
{
  SipnatEndpoint *self = data;
  GListModel *list = G_LIST_MODEL (self->registrations);
  g_autoptr(GPtrArray) hosts = g_ptr_array_new ();
  guint n = g_list_model_get_n_items (list);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);
      const char *server = sipnat_registration_get_active_server (reg);
      char *host = server ? _sipnat_server_host (server) : NULL;

      if (host != NULL)
        g_ptr_array_add (hosts, host);
    }

  g_ptr_array_add (hosts, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&hosts), FALSE);
}

static GPtrArray *
copy_registrations (SipnatEndpoint *self)
{
  GListModel *list = G_LIST_MODEL (self->registrations);
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);
  guint n = g_list_model_get_n_items (list);

  for (guint i = 0; i < n; i++)
    g_ptr_array_add (copy, g_list_model_get_item (list, i));

  return copy;
}

/* Where the first registrar given as an address is reached from. */
static char *
preferred_host (SipnatEndpoint *self)
{
  g_auto(GStrv) hosts = registrar_hosts (self);

  for (guint i = 0; hosts[i] != NULL; i++)
    if (g_hostname_is_ip_address (hosts[i]))
      return _sipnat_network_monitor_dup_route_source (self->network_monitor, hosts[i]);

  return NULL;
}

/* The calls whose signalling goes through @old move to @stack with a
 * re-INVITE (sipnat-call-move.c); those that cannot (not established
 * yet) end. */
static void
move_calls_from_stack (SipnatEndpoint *self,
                       SipnatStack    *old,
                       SipnatStack    *stack)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->calls->len; i++)
    {
      SipnatCall *call = g_ptr_array_index (self->calls, i);

      if (call->stack == old)
        g_ptr_array_add (calls, g_object_ref (call));
    }

  /* Handlers may drop the endpoint: it has its stack already. */
  for (guint i = 0; i < calls->len; i++)
    {
      SipnatCall *call = g_ptr_array_index (calls, i);

      if (self->stack == stack && _sipnat_call_can_move (call))
        _sipnat_call_move_to_stack (call, stack);
      else
        _sipnat_call_terminate (call, _("The network changed"));
    }
}

/* The calls whose signalling stays on @stack restart ICE: the network
 * under their media changed. */
static void
restart_calls_on_stack (SipnatEndpoint *self,
                        SipnatStack    *stack)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; i < self->calls->len; i++)
    {
      SipnatCall *call = g_ptr_array_index (self->calls, i);

      if (call->stack == stack)
        g_ptr_array_add (calls, g_object_ref (call));
    }

  for (guint i = 0; i < calls->len; i++)
    _sipnat_call_restart_ice (g_ptr_array_index (calls, i));
}

/* Sofia's sockets of a stack bound to all interfaces are bound to each
 * address there was: when one is gone, or requests would now leave from
 * a new one, the stack is replaced by one bound to the addresses of now
 * (on the same port if it is free already, else another). Active calls
 * on the old stack move to the new one; the others end. */
static void
replace_stack (SipnatEndpoint *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) registrations = NULL;
  SipnatStack *stack;
  SipnatStack *old;

  stack = _sipnat_endpoint_new_stack (self, self->local_port, NULL);
  if (stack == NULL)
    stack = _sipnat_endpoint_new_stack (self, 0, &error);
  if (stack == NULL)
    {
      g_warning ("The SIP transports could not follow the network change: %s", error->message);
      return;
    }

  SIPNAT_NOTE (NAT, "network changed: new SIP transports on port %u",
               _sipnat_stack_get_port (stack));

  /* The endpoint is on the new stack before anyone hears of anything:
   * handlers may close it, or place calls. */
  old = g_steal_pointer (&self->stack);
  self->stack = stack;
  registrations = copy_registrations (self);
  for (guint i = 0; i < registrations->len; i++)
    _sipnat_registration_move_to_stack (g_ptr_array_index (registrations, i), stack);

  move_calls_from_stack (self, old, stack);
  _sipnat_stack_shutdown (old, NULL, NULL);
  if (self->stack != NULL)
    _sipnat_endpoint_update_local_port (self);
}

static void
follow_network (SipnatEndpoint *self)
{
  g_autofree char *preferred = preferred_host (self);
  g_auto(GStrv) addresses = _sipnat_network_monitor_dup_addresses (self->network_monitor);

  if (!_sipnat_stack_serves (self->stack, (const char * const *) addresses, preferred))
    replace_stack (self);
  _sipnat_stack_refresh_contact_host (self->stack, preferred);
}

static void
network_changed (gpointer data,
                 gboolean available)
{
  SipnatEndpoint *self = g_object_ref (data);

  if (self->stack != NULL && !self->closed)
    {
      g_autoptr(GPtrArray) registrations = NULL;

      if (available)
        follow_network (self);
      SIPNAT_NOTE (NAT, "network %s; advertising %s", available ? "changed" : "down",
                   _sipnat_stack_get_contact_host (self->stack));

      if (available && self->stack != NULL)
        restart_calls_on_stack (self, self->stack);

      /* Handlers of the registrations' signals may remove them. */
      registrations = copy_registrations (self);
      for (guint i = 0; i < registrations->len && self->stack != NULL; i++)
        _sipnat_registration_network_changed (g_ptr_array_index (registrations, i), available);
    }

  if (self->stack != NULL)
    _sipnat_endpoint_emit_network_changed (self, available);
  g_object_unref (self);
}

/*
 * _sipnat_endpoint_start_network_monitor:
 *
 * Starts watching once the stack is up; the monitor goes with the
 * endpoint's dispose.
 */
void
_sipnat_endpoint_start_network_monitor (SipnatEndpoint *self)
{
  if (self->network_monitor != NULL)
    return;

  self->network_monitor = _sipnat_network_monitor_new (self->context, network_changed,
                                                       registrar_hosts, self);
}

/* For tests: the endpoint's monitor (sipnat-network-monitor-private.h
 * has the way to inject a change). */
SipnatNetworkMonitor *
_sipnat_endpoint_get_network_monitor (SipnatEndpoint *self)
{
  return self->network_monitor;
}
