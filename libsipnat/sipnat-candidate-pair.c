/* sipnat-candidate-pair.c: the path media takes, as ICE selected it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "sipnat-candidate-pair-private.h"

/**
 * SipnatCandidatePair:
 *
 * The candidate pair ICE selected for a call's media: which local and
 * remote candidates (their types and addresses) the media goes between,
 * over which transport, and through which TURN server if the local
 * candidate is relayed. It tells whether the media is direct
 * ([enum@Sipnat.CandidateType.HOST] or
 * [enum@Sipnat.CandidateType.SERVER_REFLEXIVE] on both sides) or goes
 * through a TURN relay ([enum@Sipnat.CandidateType.RELAYED] on either
 * side).
 *
 * Immutable: a new pair is made each time ICE selects another one. Copy it
 * with [method@Sipnat.CandidatePair.copy]; it holds no counters.
 */
struct _SipnatCandidatePair {
  SipnatCandidateType local_type;
  SipnatCandidateType remote_type;
  char *local_host;
  char *remote_host;
  char *local_address;
  char *remote_address;
  guint16 local_port;
  guint16 remote_port;
  SipnatMediaTransport transport;
  char *relay_server;
};

G_DEFINE_BOXED_TYPE (SipnatCandidatePair, sipnat_candidate_pair,
                     sipnat_candidate_pair_copy, sipnat_candidate_pair_free)

char *
_sipnat_candidate_pair_format_address (const char *host,
                                       guint16     port)
{
  if (strchr (host, ':') != NULL)
    return g_strdup_printf ("[%s]:%u", host, port);
  return g_strdup_printf ("%s:%u", host, port);
}

SipnatCandidatePair *
_sipnat_candidate_pair_new (SipnatCandidateType   local_type,
                            const char           *local_host,
                            guint16               local_port,
                            SipnatCandidateType   remote_type,
                            const char           *remote_host,
                            guint16               remote_port,
                            SipnatMediaTransport  transport,
                            const char           *relay_server)
{
  SipnatCandidatePair *self;

  g_return_val_if_fail (local_host != NULL, NULL);
  g_return_val_if_fail (remote_host != NULL, NULL);

  self = g_new0 (SipnatCandidatePair, 1);
  self->local_type = local_type;
  self->remote_type = remote_type;
  self->local_host = g_strdup (local_host);
  self->remote_host = g_strdup (remote_host);
  self->local_port = local_port;
  self->remote_port = remote_port;
  self->local_address = _sipnat_candidate_pair_format_address (local_host, local_port);
  self->remote_address = _sipnat_candidate_pair_format_address (remote_host, remote_port);
  self->transport = transport;
  self->relay_server = g_strdup (relay_server);

  return self;
}

/**
 * sipnat_candidate_pair_copy:
 * @pair: a candidate pair
 *
 * Copies a candidate pair.
 *
 * Returns: (transfer full): a copy of @pair
 */
SipnatCandidatePair *
sipnat_candidate_pair_copy (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, NULL);

  return _sipnat_candidate_pair_new (pair->local_type, pair->local_host, pair->local_port,
                                     pair->remote_type, pair->remote_host, pair->remote_port,
                                     pair->transport, pair->relay_server);
}

/**
 * sipnat_candidate_pair_free:
 * @pair: (nullable): a candidate pair
 *
 * Frees a candidate pair.
 */
void
sipnat_candidate_pair_free (SipnatCandidatePair *pair)
{
  if (pair == NULL)
    return;

  g_free (pair->local_host);
  g_free (pair->remote_host);
  g_free (pair->local_address);
  g_free (pair->remote_address);
  g_free (pair->relay_server);
  g_free (pair);
}

/**
 * sipnat_candidate_pair_get_local_type:
 * @pair: a candidate pair
 *
 * Gets the type of the local candidate: [enum@Sipnat.CandidateType.RELAYED]
 * when this endpoint sends its media through its TURN server.
 *
 * Returns: the type of the local candidate
 */
SipnatCandidateType
sipnat_candidate_pair_get_local_type (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, SIPNAT_CANDIDATE_TYPE_HOST);
  return pair->local_type;
}

/**
 * sipnat_candidate_pair_get_remote_type:
 * @pair: a candidate pair
 *
 * Gets the type of the remote candidate: [enum@Sipnat.CandidateType.RELAYED]
 * when the peer receives its media through its own TURN server.
 *
 * Returns: the type of the remote candidate
 */
SipnatCandidateType
sipnat_candidate_pair_get_remote_type (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, SIPNAT_CANDIDATE_TYPE_HOST);
  return pair->remote_type;
}

/**
 * sipnat_candidate_pair_get_local_address:
 * @pair: a candidate pair
 *
 * Gets the address of the local candidate as `IP:PORT`, with brackets
 * around an IPv6 address (`[2001:db8::1]:40000`). For a relayed candidate
 * this is the address allocated on the TURN server.
 *
 * Returns: the local candidate's transport address
 */
const char *
sipnat_candidate_pair_get_local_address (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, NULL);
  return pair->local_address;
}

/**
 * sipnat_candidate_pair_get_remote_address:
 * @pair: a candidate pair
 *
 * Gets the address of the remote candidate as `IP:PORT`, with brackets
 * around an IPv6 address.
 *
 * Returns: the remote candidate's transport address
 */
const char *
sipnat_candidate_pair_get_remote_address (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, NULL);
  return pair->remote_address;
}

/**
 * sipnat_candidate_pair_get_local_host:
 * @pair: a candidate pair
 *
 * Gets the IP address of the local candidate, without brackets or port.
 *
 * Returns: the local candidate's IP address
 */
const char *
sipnat_candidate_pair_get_local_host (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, NULL);
  return pair->local_host;
}

/**
 * sipnat_candidate_pair_get_local_port:
 * @pair: a candidate pair
 *
 * Gets the port of the local candidate.
 *
 * Returns: the local candidate's port
 */
guint16
sipnat_candidate_pair_get_local_port (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, 0);
  return pair->local_port;
}

/**
 * sipnat_candidate_pair_get_remote_host:
 * @pair: a candidate pair
 *
 * Gets the IP address of the remote candidate, without brackets or port.
 *
 * Returns: the remote candidate's IP address
 */
const char *
sipnat_candidate_pair_get_remote_host (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, NULL);
  return pair->remote_host;
}

/**
 * sipnat_candidate_pair_get_remote_port:
 * @pair: a candidate pair
 *
 * Gets the port of the remote candidate.
 *
 * Returns: the remote candidate's port
 */
guint16
sipnat_candidate_pair_get_remote_port (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, 0);
  return pair->remote_port;
}

/**
 * sipnat_candidate_pair_get_transport:
 * @pair: a candidate pair
 *
 * Gets the transport the media leaves this endpoint on: for a relayed local
 * candidate the transport to the TURN server (UDP, TCP or TLS), otherwise
 * the candidate's own transport (UDP, or TCP for ICE-TCP).
 *
 * Returns: the transport of the media from this endpoint
 */
SipnatMediaTransport
sipnat_candidate_pair_get_transport (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, SIPNAT_MEDIA_TRANSPORT_UDP);
  return pair->transport;
}

/**
 * sipnat_candidate_pair_get_relay_server:
 * @pair: a candidate pair
 *
 * Gets the TURN server the media goes through when the local candidate is
 * relayed, as `HOST:PORT` the way the NAT policy names it (brackets around
 * an IPv6 address).
 *
 * Returns: (nullable): the TURN server, or %NULL when the local candidate
 *   is not relayed
 */
const char *
sipnat_candidate_pair_get_relay_server (const SipnatCandidatePair *pair)
{
  g_return_val_if_fail (pair != NULL, NULL);
  return pair->relay_server;
}

/**
 * sipnat_candidate_pair_equal:
 * @a: (nullable): a candidate pair
 * @b: (nullable): another candidate pair
 *
 * Compares two candidate pairs: equal when every field is the same, or when
 * both are %NULL.
 *
 * Returns: %TRUE if @a and @b describe the same path
 */
gboolean
sipnat_candidate_pair_equal (const SipnatCandidatePair *a,
                             const SipnatCandidatePair *b)
{
  if (a == NULL || b == NULL)
    return a == b;

  return a->local_type == b->local_type &&
         a->remote_type == b->remote_type &&
         a->local_port == b->local_port &&
         a->remote_port == b->remote_port &&
         a->transport == b->transport &&
         g_strcmp0 (a->local_host, b->local_host) == 0 &&
         g_strcmp0 (a->remote_host, b->remote_host) == 0 &&
         g_strcmp0 (a->relay_server, b->relay_server) == 0;
}

/**
 * sipnat_candidate_type_to_string:
 * @type: a candidate type
 *
 * Gets the name SDP gives @type (RFC 8839): `host`, `srflx`, `prflx` or
 * `relay`.
 *
 * Returns: the name of @type
 */
const char *
sipnat_candidate_type_to_string (SipnatCandidateType type)
{
  switch (type)
    {
    case SIPNAT_CANDIDATE_TYPE_HOST:
      return "host";
    case SIPNAT_CANDIDATE_TYPE_SERVER_REFLEXIVE:
      return "srflx";
    case SIPNAT_CANDIDATE_TYPE_PEER_REFLEXIVE:
      return "prflx";
    case SIPNAT_CANDIDATE_TYPE_RELAYED:
      return "relay";
    default:
      g_return_val_if_reached ("host");
    }
}

/**
 * sipnat_media_transport_to_string:
 * @transport: a media transport
 *
 * Gets the lower-case name of @transport: `udp`, `tcp` or `tls`.
 *
 * Returns: the name of @transport
 */
const char *
sipnat_media_transport_to_string (SipnatMediaTransport transport)
{
  switch (transport)
    {
    case SIPNAT_MEDIA_TRANSPORT_UDP:
      return "udp";
    case SIPNAT_MEDIA_TRANSPORT_TCP:
      return "tcp";
    case SIPNAT_MEDIA_TRANSPORT_TLS:
      return "tls";
    default:
      g_return_val_if_reached ("udp");
    }
}
