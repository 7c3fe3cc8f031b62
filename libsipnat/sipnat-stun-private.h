/* sipnat-stun-private.h: one STUN Binding transaction (RFC 5389) built
 * and checked with libnice's libstun
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>
#include <stun/stunagent.h>

G_BEGIN_DECLS

/* Answers longer than this are refused unread (a Binding answer is a
 * few dozen bytes). */
#define SIPNAT_STUN_MAX_ANSWER 548

typedef enum {
  SIPNAT_STUN_ANSWER_IGNORED,   /* not an answer to this transaction */
  SIPNAT_STUN_ANSWER_MAPPED,    /* a success answer with a mapped address */
  SIPNAT_STUN_ANSWER_REFUSED,   /* an error answer to this transaction */
} SipnatStunAnswer;

/* One transaction: its own agent, so that only an answer with its
 * transaction id is accepted. Initialise with _sipnat_stun_binding_init(),
 * no cleanup needed. */
typedef struct {
  StunAgent agent;
  uint8_t request[STUN_MAX_MESSAGE_SIZE_IPV4];
  gsize request_len;
} SipnatStunBinding;

gboolean         _sipnat_stun_binding_init   (SipnatStunBinding *binding,
                                              gboolean           fingerprint);
SipnatStunAnswer _sipnat_stun_binding_check  (SipnatStunBinding *binding,
                                              const uint8_t     *buf,
                                              gsize              len,
                                              char             **host,
                                              guint             *port);
gboolean         _sipnat_stun_looks_like     (const uint8_t     *buf,
                                              gsize              len);

G_END_DECLS
