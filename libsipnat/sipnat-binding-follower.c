/* sipnat-binding-follower.c: the bindings a registration learns from the
 * Via of every answer, and whether its Contact should follow
 *
 * Every answer's top Via tells where the registrar saw the request come
 * from (`received`/`rport`, RFC 3581): the public binding. The sent-by is
 * the local one. Whether they differ says whether a NAT is on the path,
 * by what means a NAT on each transport: on UDP the address or the port;
 * on TCP the address only, since a connection's source port is never the
 * listening port of the sent-by.
 *
 * The follower only reads and decides; the registration applies what it
 * decided and tells the application afterwards.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-binding-follower-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-via-private.h"

struct _SipnatBindingFollower
{
  char *name;                   /* for the logs */
  SipnatBinding *public_binding;
  SipnatBinding *local_binding;
  gboolean nat_detected;
  SipnatBindingTracker *tracker;
};

SipnatBindingFollower *
_sipnat_binding_follower_new (const char *name)
{
  SipnatBindingFollower *self = g_new0 (SipnatBindingFollower, 1);

  self->name = g_strdup (name);
  self->tracker = _sipnat_binding_tracker_new ();

  return self;
}

void
_sipnat_binding_follower_free (SipnatBindingFollower *self)
{
  if (self == NULL)
    return;

  g_free (self->name);
  sipnat_binding_free (self->public_binding);
  sipnat_binding_free (self->local_binding);
  _sipnat_binding_tracker_free (self->tracker);
  g_free (self);
}

/* A new registration cycle: what was confirmed and deferred is forgotten,
 * the bindings are kept. */
void
_sipnat_binding_follower_reset (SipnatBindingFollower *self,
                                gint64                 cycle_us)
{
  _sipnat_binding_tracker_reset (self->tracker);
  _sipnat_binding_tracker_set_cycle (self->tracker, cycle_us);
}

static gboolean
behind_nat (const SipnatBinding *public,
            const SipnatBinding *local)
{
  if (public == NULL || local == NULL)
    return FALSE;

  if (public->transport != SIPNAT_TRANSPORT_UDP)
    return g_ascii_strcasecmp (public->host, local->host) != 0;

  return !sipnat_binding_equal (public, local);
}

static void
log_change (SipnatBindingFollower *self,
            const SipnatBinding   *old,
            const SipnatBinding   *new)
{
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  if (!SIPNAT_NOTE_ENABLED (NAT))
    return;

  a = old ? sipnat_binding_to_string (old) : g_strdup ("(none)");
  b = sipnat_binding_to_string (new);
  SIPNAT_NOTE (NAT, "%s: public binding %s -> %s", self->name, a, b);
}

/* Takes @local (NULL: unchanged) and @public. */
static SipnatBindingChanges
update (SipnatBindingFollower  *self,
        SipnatBinding          *local,
        SipnatBinding          *public,
        SipnatBinding         **old_public)
{
  SipnatBindingChanges changes = SIPNAT_BINDING_CHANGED_NONE;
  gboolean nat;

  if (local != NULL && !sipnat_binding_equal (self->local_binding, local))
    {
      sipnat_binding_free (self->local_binding);
      self->local_binding = g_steal_pointer (&local);
      changes |= SIPNAT_BINDING_CHANGED_LOCAL;
    }
  sipnat_binding_free (local);

  if (!sipnat_binding_equal (self->public_binding, public))
    {
      log_change (self, self->public_binding, public);
      *old_public = g_steal_pointer (&self->public_binding);
      self->public_binding = g_steal_pointer (&public);
      changes |= SIPNAT_BINDING_CHANGED_PUBLIC;
    }
  sipnat_binding_free (public);

  nat = behind_nat (self->public_binding, self->local_binding);
  if (nat != self->nat_detected)
    {
      self->nat_detected = nat;
      changes |= SIPNAT_BINDING_CHANGED_NAT_DETECTED;
    }

  return changes;
}

/*
 * _sipnat_binding_follower_observe:
 * @via: the top Via of an answer that came from the network
 * @transport: the registration's transport
 * @old_public: (out) (transfer full): the previous public binding when it
 *   changed, or %NULL
 *
 * Returns: what changed. A malformed Via changes nothing (and is logged);
 * neither does an answer that came over another transport (a large
 * request sent over TCP says nothing of the UDP binding).
 */
SipnatBindingChanges
_sipnat_binding_follower_observe (SipnatBindingFollower  *self,
                                  const sip_via_t        *via,
                                  SipnatTransport         transport,
                                  SipnatBinding         **old_public)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(SipnatBinding) local = NULL;
  g_autoptr(SipnatBinding) public = NULL;

  *old_public = NULL;

  local = _sipnat_via_get_sent_by (via, &error);
  if (local != NULL)
    public = _sipnat_via_get_public_binding (via, &error);
  if (public == NULL)
    {
      g_warning ("%s: ignoring an answer with a malformed Via: %s", self->name, error->message);
      return SIPNAT_BINDING_CHANGED_NONE;
    }

  if (public->transport != transport)
    {
      SIPNAT_NOTE (NAT, "%s: answer over %s, binding not updated", self->name,
                   sipnat_transport_to_string (public->transport));
      return SIPNAT_BINDING_CHANGED_NONE;
    }

  return update (self, g_steal_pointer (&local), g_steal_pointer (&public), old_public);
}

/*
 * _sipnat_binding_follower_observe_mapped:
 * @public: the public binding a STUN keep-alive on the flow was answered
 *   with (XOR-MAPPED-ADDRESS)
 * @old_public: (out) (transfer full): as for
 *   _sipnat_binding_follower_observe()
 *
 * The same as an answer's Via, with the local binding unchanged.
 */
SipnatBindingChanges
_sipnat_binding_follower_observe_mapped (SipnatBindingFollower  *self,
                                         const SipnatBinding    *public,
                                         SipnatBinding         **old_public)
{
  *old_public = NULL;

  return update (self, NULL, sipnat_binding_copy (public), old_public);
}

const SipnatBinding *
_sipnat_binding_follower_get_public (SipnatBindingFollower *self)
{
  return self->public_binding;
}

const SipnatBinding *
_sipnat_binding_follower_get_local (SipnatBindingFollower *self)
{
  return self->local_binding;
}

gboolean
_sipnat_binding_follower_get_nat_detected (SipnatBindingFollower *self)
{
  return self->nat_detected;
}

/* Whether a Contact that differs from the public binding should follow
 * it now, after one more probe, or not yet (see the binding tracker). */
SipnatBindingAction
_sipnat_binding_follower_decide (SipnatBindingFollower *self,
                                 const SipnatBinding   *contact,
                                 const char            *registrar_host)
{
  if (self->public_binding == NULL || contact == NULL)
    return SIPNAT_BINDING_ACTION_NONE;

  return _sipnat_binding_tracker_observe (self->tracker, self->public_binding, contact,
                                          registrar_host, g_get_monotonic_time ());
}

void
_sipnat_binding_follower_rewrote (SipnatBindingFollower *self,
                                  const SipnatBinding   *old_contact)
{
  _sipnat_binding_tracker_rewrote (self->tracker, old_contact, g_get_monotonic_time ());
}
