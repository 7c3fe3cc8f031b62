/* sipnat-stun-client-private.h: STUN Binding transactions on a GSocket
 *
 * One request (built and checked by libnice's libstun), retransmitted as
 * RFC 5389 §7.2.1 says, until an answer arrives, the deadline passes or
 * the cancellable fires; everything runs on the thread-default main
 * context of the caller. Used by the media socket (its public address)
 * and by the NAT probe (RFC 5780: CHANGE-REQUEST, RESPONSE-PORT,
 * PADDING, OTHER-ADDRESS, RESPONSE-ORIGIN; hairpinning).
 *
 * Anything may arrive on the socket: datagrams are read into a bounded
 * buffer, and only a well-formed answer carrying the transaction id of
 * our own request ends the transaction (an answer to a CHANGE-REQUEST
 * comes from another address, so the source is not what is checked).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <stun/stunagent.h>

G_BEGIN_DECLS

/* Datagrams up to this size are read whole (an answer padded to an
 * Ethernet MTU by RFC 5780's PADDING is about 1.6 kB); longer ones are
 * cut and refused. */
#define SIPNAT_STUN_RECV_SIZE 2048

/* RFC 5780 §7.2 CHANGE-REQUEST flags. */
typedef enum {
  SIPNAT_STUN_CHANGE_NONE = 0,
  SIPNAT_STUN_CHANGE_PORT = 0x2,
  SIPNAT_STUN_CHANGE_IP   = 0x4,
} SipnatStunChange;

/* What goes into the Binding request besides the usual. */
typedef struct {
  SipnatStunChange change;
  guint16 response_port;      /* RESPONSE-PORT (RFC 5780 §7.5); 0: none */
  gboolean padding;           /* PADDING: ask for an answer of MTU size */
} SipnatStunOptions;

/* Retransmission schedule: sends at 0, rto, 3 rto, 7 rto... (the RTO
 * doubles) up to max_sends, then waits until deadline_ms. */
typedef struct {
  guint rto_ms;
  guint max_sends;
  guint deadline_ms;
} SipnatStunTiming;

/* RFC 5389's first RTO, three sends, given up after 3 s. */
extern const SipnatStunTiming sipnat_stun_default_timing;

typedef struct {
  GInetSocketAddress *mapped;           /* XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
  GInetSocketAddress *other_address;    /* OTHER-ADDRESS, or NULL */
  GInetSocketAddress *response_origin;  /* RESPONSE-ORIGIN, or NULL */
  GInetSocketAddress *source;           /* where the answer came from */
  gsize size;                           /* bytes of the answer datagram */
} SipnatStunAnswer;

void              _sipnat_stun_answer_clear    (SipnatStunAnswer   *answer);
void              _sipnat_stun_answer_free     (SipnatStunAnswer   *answer);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (SipnatStunAnswer, _sipnat_stun_answer_clear)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatStunAnswer, _sipnat_stun_answer_free)

gboolean          _sipnat_stun_looks_like      (const uint8_t      *buf,
                                                gsize               len);

typedef enum {
  SIPNAT_STUN_PARSE_IGNORED,   /* not an answer to our request: keep waiting */
  SIPNAT_STUN_PARSE_SUCCESS,
  SIPNAT_STUN_PARSE_ERROR,     /* an error answer to our request */
} SipnatStunParse;

/* Pure helpers (no socket), for the tests. An agent with @fingerprint
 * adds a FINGERPRINT to its requests and requires one in answers. */
StunAgent       *_sipnat_stun_agent_new          (gboolean                 fingerprint);
gsize            _sipnat_stun_build_binding      (StunAgent               *agent,
                                                  const SipnatStunOptions *options,
                                                  uint8_t                 *buf,
                                                  gsize                    size);
SipnatStunParse  _sipnat_stun_parse_answer       (StunAgent               *agent,
                                                  const uint8_t           *buf,
                                                  gsize                    len,
                                                  SipnatStunAnswer        *answer,
                                                  int                     *error_code);

/* A Binding request sent from @socket to @server; the answer is read on
 * @receive_socket (NULL: @socket; another socket when RESPONSE-PORT
 * sends it there). A timeout is SIPNAT_ERROR_TIMEOUT, a socket that
 * cannot send SIPNAT_ERROR_UNREACHABLE, an error answer
 * SIPNAT_ERROR_REJECTED. @timing NULL: sipnat_stun_default_timing. */
void              _sipnat_stun_binding_async   (GSocket                 *socket,
                                                GSocket                 *receive_socket,
                                                GInetSocketAddress      *server,
                                                const SipnatStunOptions *options,
                                                const SipnatStunTiming  *timing,
                                                GCancellable            *cancellable,
                                                GAsyncReadyCallback      callback,
                                                gpointer                 user_data);
SipnatStunAnswer *_sipnat_stun_binding_finish  (GAsyncResult            *result,
                                                GError                 **error);

/* RFC 5780 §4.5: a Binding request sent from @socket to its own public
 * address @mapped; TRUE when the request itself comes back to @socket
 * through the NAT. FALSE (no error) when it does not arrive in time. */
void              _sipnat_stun_hairpin_async   (GSocket                 *socket,
                                                GInetSocketAddress      *mapped,
                                                const SipnatStunTiming  *timing,
                                                GCancellable            *cancellable,
                                                GAsyncReadyCallback      callback,
                                                gpointer                 user_data);
gboolean          _sipnat_stun_hairpin_finish  (GAsyncResult            *result,
                                                GError                 **error);

G_END_DECLS
