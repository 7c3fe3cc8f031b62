/* sipnat-error.h: the SIPNAT_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(SIPNAT_INSIDE) && !defined(SIPNAT_COMPILATION)
#error "Only <sipnat.h> can be included directly."
#endif

#include <glib.h>

#include "sipnat-version.h"

G_BEGIN_DECLS

/**
 * SIPNAT_ERROR:
 *
 * The error domain of libsipnat. Errors in this domain are from the
 * [error@Sipnat.Error] enumeration.
 */
#define SIPNAT_ERROR (sipnat_error_quark ())

/**
 * SipnatError:
 * @SIPNAT_ERROR_FAILED: a failure that fits no other code
 * @SIPNAT_ERROR_CONFIG: a configuration file or setting is invalid
 * @SIPNAT_ERROR_AUTH_FAILED: the server refused the credentials
 * @SIPNAT_ERROR_TIMEOUT: the server did not answer in time
 * @SIPNAT_ERROR_TRANSPORT: a message could not be sent on the transport
 * @SIPNAT_ERROR_REJECTED: the server answered with a final failure status
 * @SIPNAT_ERROR_UNREACHABLE: the server could not be reached or refused the connection
 * @SIPNAT_ERROR_CLOSED: the endpoint was closed while the operation was pending
 * @SIPNAT_ERROR_BAD_SDP: a session description is malformed or unusable
 * @SIPNAT_ERROR_NO_COMMON_CODEC: the two sides share no audio codec (488)
 * @SIPNAT_ERROR_ICE_FAILED: no candidate pair passed the connectivity checks
 * @SIPNAT_ERROR_RELAY_FAILED: the TURN server could not be reached, refused
 *   the credentials or the transport
 * @SIPNAT_ERROR_CALL_ENDED: the call ended before the operation completed
 * @SIPNAT_ERROR_CERTIFICATE: the server's TLS certificate was refused: not
 *   signed by a trusted certificate authority, expired or not valid yet,
 *   or not for the server's name; the message names the reason
 *
 * Error codes of the [error@Sipnat.Error] domain.
 */
typedef enum {
  SIPNAT_ERROR_FAILED,
  SIPNAT_ERROR_CONFIG,
  SIPNAT_ERROR_AUTH_FAILED,
  SIPNAT_ERROR_TIMEOUT,
  SIPNAT_ERROR_TRANSPORT,
  SIPNAT_ERROR_REJECTED,
  SIPNAT_ERROR_UNREACHABLE,
  SIPNAT_ERROR_CLOSED,
  SIPNAT_ERROR_BAD_SDP,
  SIPNAT_ERROR_NO_COMMON_CODEC,
  SIPNAT_ERROR_ICE_FAILED,
  SIPNAT_ERROR_RELAY_FAILED,
  SIPNAT_ERROR_CALL_ENDED,
  SIPNAT_ERROR_CERTIFICATE,
} SipnatError;

SIPNAT_AVAILABLE_IN_ALL
GQuark sipnat_error_quark (void);

G_END_DECLS
