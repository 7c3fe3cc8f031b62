/* sipnat-stun.c: one STUN Binding transaction (RFC 5389) built and
 * checked with libnice's libstun
 *
 * Used from any socket that needs its public address: a call's RTP
 * socket (sipnat-rtp-socket.c), and the SIP flow's own socket for the
 * keep-alive (sipnat-flow-stun.c). Everything given to
 * _sipnat_stun_binding_check() came from the network.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <stun/usages/bind.h>

#include "sipnat-stun-private.h"

#define STUN_HEADER_LEN   20
#define STUN_MAGIC_COOKIE 0x2112A442

static const uint16_t known_attributes[] = {
  STUN_ATTRIBUTE_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_XOR_MAPPED_ADDRESS,
  STUN_ATTRIBUTE_ERROR_CODE,
  STUN_ATTRIBUTE_UNKNOWN_ATTRIBUTES,
  STUN_ATTRIBUTE_ALTERNATE_SERVER,
  STUN_ATTRIBUTE_SOFTWARE,
  STUN_ATTRIBUTE_FINGERPRINT,
  0
};

/*
 * _sipnat_stun_binding_init:
 * @fingerprint: whether the request carries a FINGERPRINT, and answers
 *   must carry one too (a STUN server; a SIP registrar may answer
 *   without)
 *
 * Builds a new request with a new random transaction id.
 *
 * Returns: FALSE if libstun could not build it
 */
gboolean
_sipnat_stun_binding_init (SipnatStunBinding *binding,
                           gboolean           fingerprint)
{
  StunMessage msg;
  StunAgentUsageFlags flags = STUN_AGENT_USAGE_IGNORE_CREDENTIALS;

  if (fingerprint)
    flags |= STUN_AGENT_USAGE_USE_FINGERPRINT;

  stun_agent_init (&binding->agent, known_attributes, STUN_COMPATIBILITY_RFC5389, flags);
  binding->request_len = stun_usage_bind_create (&binding->agent, &msg, binding->request,
                                                 sizeof binding->request);

  return binding->request_len > 0;
}

/* The address as text, the port apart; NULL if not an IP address. */
static char *
mapped_to_string (const struct sockaddr_storage *mapped,
                  socklen_t                      mapped_len,
                  guint                         *port)
{
  g_autoptr(GSocketAddress) address = NULL;
  GInetSocketAddress *inet;

  address = g_socket_address_new_from_native ((gpointer) mapped, mapped_len);
  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return NULL;

  inet = G_INET_SOCKET_ADDRESS (address);
  *port = g_inet_socket_address_get_port (inet);
  if (*port == 0)
    return NULL;

  return g_inet_address_to_string (g_inet_socket_address_get_address (inet));
}

/*
 * _sipnat_stun_binding_check:
 * @buf: (array length=len): a datagram, anything at all
 * @host: (out) (transfer full): the mapped address, on
 *   %SIPNAT_STUN_ANSWER_MAPPED
 * @port: (out): the mapped port, idem
 *
 * Returns: what @buf is to this transaction. Anything but a well-formed
 * answer carrying this transaction's id is IGNORED.
 */
SipnatStunAnswer
_sipnat_stun_binding_check (SipnatStunBinding *binding,
                            const uint8_t     *buf,
                            gsize              len,
                            char             **host,
                            guint             *port)
{
  StunMessage msg;
  struct sockaddr_storage mapped;
  socklen_t mapped_len = sizeof mapped;
  struct sockaddr_storage alternate;
  socklen_t alternate_len = sizeof alternate;

  *host = NULL;
  *port = 0;

  if (len > SIPNAT_STUN_MAX_ANSWER || !_sipnat_stun_looks_like (buf, len))
    return SIPNAT_STUN_ANSWER_IGNORED;
  if (stun_agent_validate (&binding->agent, &msg, buf, len, NULL, NULL) != STUN_VALIDATION_SUCCESS)
    return SIPNAT_STUN_ANSWER_IGNORED;

  switch (stun_usage_bind_process (&msg, (struct sockaddr *) &mapped, &mapped_len,
                                   (struct sockaddr *) &alternate, &alternate_len))
    {
    case STUN_USAGE_BIND_RETURN_SUCCESS:
      *host = mapped_to_string (&mapped, mapped_len, port);
      return *host != NULL ? SIPNAT_STUN_ANSWER_MAPPED : SIPNAT_STUN_ANSWER_IGNORED;
    case STUN_USAGE_BIND_RETURN_ERROR:
    case STUN_USAGE_BIND_RETURN_ALTERNATE_SERVER:
      return SIPNAT_STUN_ANSWER_REFUSED;
    case STUN_USAGE_BIND_RETURN_INVALID:
    case STUN_USAGE_BIND_RETURN_TIMEOUT:
    default:
      return SIPNAT_STUN_ANSWER_IGNORED;
    }
}

/*
 * _sipnat_stun_looks_like:
 *
 * @buf: at least the 20 bytes of a header when @len >= 20 (only those
 *   are read)
 * @len: the length of the whole datagram
 *
 * Whether @buf has the shape of an RFC 5389 message: the two first bits
 * zero (a SIP message starts with a letter), the magic cookie, and a
 * length that is the rest of the datagram. Says nothing of its contents.
 */
gboolean
_sipnat_stun_looks_like (const uint8_t *buf,
                         gsize          len)
{
  guint32 cookie;
  guint16 body;

  if (len < STUN_HEADER_LEN || (buf[0] & 0xc0) != 0)
    return FALSE;

  cookie = ((guint32) buf[4] << 24) | ((guint32) buf[5] << 16) | ((guint32) buf[6] << 8) | buf[7];
  body = (guint16) (((guint16) buf[2] << 8) | buf[3]);

  return cookie == STUN_MAGIC_COOKIE && (body & 3) == 0 && (gsize) body + STUN_HEADER_LEN == len;
}
