/* sipnat-fake-registrar.h: a scriptable fake SIP registrar for unit tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fake listens on 127.0.0.1 with an ephemeral port, over UDP and over
 * TCP on the same port number, and runs on the thread-default GMainContext
 * of the thread that created it: iterate that context to let it answer.
 * It shares no code with the library under test (no Sofia-SIP).
 *
 * Each request takes the first response queued for its method, or the
 * default one: a 200 OK with the real received/rport and, for REGISTER,
 * the request's Contacts echoed back. ACK is never answered.
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _SipnatFakeRegistrar SipnatFakeRegistrar;

/**
 * SipnatFakeResponse:
 * @status: the status code, e.g. 200, 401, 423, 500; 0 drops the request
 *   (no answer at all)
 * @reason: the reason phrase; %NULL for the standard one
 * @received: the `received` parameter put in the top Via; %NULL for the
 *   real source address, "" to leave it out, anything else verbatim
 * @rport: the `rport` value put in the top Via; %NULL for the real source
 *   port if the request asked for it with `;rport` (RFC 3581) and nothing
 *   otherwise, "" to leave it out, anything else ("abc", "0", "70000")
 *   verbatim
 * @via_override: if not %NULL, the whole top Via value, verbatim (received
 *   and rport are then ignored; "${branch}" stands for the request's branch
 *   parameter); "" leaves the top Via out
 * @extra_headers: header lines appended verbatim, each ending in CRLF, e.g.
 *   "Min-Expires: 60\r\n"
 * @echo_contact: list the request's Contacts, each with `;expires=N` taken
 *   from its own expires parameter or the request's Expires (3600 if
 *   neither); Contacts with an expiry of 0 and `*` are left out
 * @body: (nullable): the body, e.g. an SDP answer for a 200 to an INVITE
 * @content_type: (nullable): its type, "application/sdp" when %NULL
 *
 * A scripted response. The From, To (given a tag), Call-ID, CSeq and all
 * the Vias of the request are always copied into it, as RFC 3261 requires.
 * The strings are copied by sipnat_fake_registrar_push().
 *
 * Responses to an INVITE get one To tag per Call-ID (the 180 and the 200
 * of a call form one dialog) and, from 101 to 299, a Contact pointing at
 * the fake unless @extra_headers has one: the fake is then the remote
 * party of the call, and gets its ACK and BYE. A CANCEL answered 2xx also
 * answers the INVITE it cancels with 487 (over UDP).
 */
typedef struct {
  guint status;
  const char *reason;
  const char *received;
  const char *rport;
  const char *via_override;
  const char *extra_headers;
  gboolean echo_contact;
  const char *body;
  const char *content_type;
} SipnatFakeResponse;

/* CRLF keep-alives (RFC 5626) are counted under this pseudo-method, and a
 * double CRLF over TCP is answered with a single one. */
#define SIPNAT_FAKE_REGISTRAR_KEEPALIVE "CRLF"
/* The count of STUN Binding requests received on UDP. */
#define SIPNAT_FAKE_REGISTRAR_STUN "STUN"

/* What the fake does with a STUN Binding request on its UDP port. */
typedef enum {
  SIPNAT_FAKE_STUN_IGNORE,     /* nothing (the default): a registrar without STUN */
  SIPNAT_FAKE_STUN_ANSWER,     /* a success answer with XOR-MAPPED-ADDRESS */
  SIPNAT_FAKE_STUN_WRONG_ID,   /* the same, but with another transaction id */
} SipnatFakeStunMode;

SipnatFakeRegistrar *sipnat_fake_registrar_new              (GError                   **error);
void                 sipnat_fake_registrar_free             (SipnatFakeRegistrar       *self);
/* "127.0.0.1:PORT", as a registration's server (transfer full) */
char                *sipnat_fake_registrar_dup_server       (SipnatFakeRegistrar       *self);
guint16              sipnat_fake_registrar_get_port         (SipnatFakeRegistrar       *self);

void                 sipnat_fake_registrar_push             (SipnatFakeRegistrar       *self,
                                                             const SipnatFakeResponse  *response);
void                 sipnat_fake_registrar_push_for         (SipnatFakeRegistrar       *self,
                                                             const char                *method,
                                                             const SipnatFakeResponse  *response);
void                 sipnat_fake_registrar_push_challenge   (SipnatFakeRegistrar       *self,
                                                             const char                *received,
                                                             const char                *rport);
const char          *sipnat_fake_registrar_get_nonce        (SipnatFakeRegistrar       *self);
guint                sipnat_fake_registrar_get_queued       (SipnatFakeRegistrar       *self);

guint                sipnat_fake_registrar_count            (SipnatFakeRegistrar       *self,
                                                             const char                *method);
GPtrArray           *sipnat_fake_registrar_get_requests     (SipnatFakeRegistrar       *self);
const char          *sipnat_fake_registrar_get_last_request (SipnatFakeRegistrar       *self);
char               **sipnat_fake_registrar_get_last_contacts (SipnatFakeRegistrar      *self);
char               **sipnat_fake_registrar_get_contacts     (SipnatFakeRegistrar       *self,
                                                             guint                      n);

/* Queues @response @times times for @method ("REGISTER" if NULL). */
void                 sipnat_fake_registrar_push_times       (SipnatFakeRegistrar       *self,
                                                             const char                *method,
                                                             const SipnatFakeResponse  *response,
                                                             guint                      times);

/* Stops listening on TCP: connections to the port are refused. */
void                 sipnat_fake_registrar_close_tcp        (SipnatFakeRegistrar       *self);

/* Whether TCP keep-alive pings (double CRLF) get their pong (default). */
void                 sipnat_fake_registrar_set_pongs        (SipnatFakeRegistrar       *self,
                                                             gboolean                   answer);

/* STUN on the SIP port: @mapped_host and @mapped_port are the address
 * the answers give (NULL and 0: the real source of the request). */
void                 sipnat_fake_registrar_set_stun         (SipnatFakeRegistrar       *self,
                                                             SipnatFakeStunMode         mode,
                                                             const char                *mapped_host,
                                                             guint16                    mapped_port);

/* Iterates the thread-default context until @count requests of @method
 * arrived; returns FALSE after @timeout_ms. */
gboolean             sipnat_fake_registrar_wait             (SipnatFakeRegistrar       *self,
                                                             const char                *method,
                                                             guint                      count,
                                                             guint                      timeout_ms);

/* Queues a 401 (WWW-Authenticate) or 407 (Proxy-Authenticate) Digest
 * challenge, realm "fake", for the next request of @method. */
void                 sipnat_fake_registrar_push_challenge_for (SipnatFakeRegistrar     *self,
                                                               const char              *method,
                                                               guint                    status);

/* The fake as a caller, over UDP, one call at a time: an INVITE from
 * sip:carol@127.0.0.1:<fake port> to sip:USER@127.0.0.1:PORT (@user, @port) (@body
 * NULL: an offerless INVITE). Every final answer to it is ACKed; CANCEL,
 * BYE and a re-INVITE (new offer @body) go in the same call. The
 * responses that come back are recorded. */
#define SIPNAT_FAKE_REGISTRAR_CALLER "carol"
void                 sipnat_fake_registrar_send_invite      (SipnatFakeRegistrar       *self,
                                                             guint16                    port,
                                                             const char                *user,
                                                             const char                *content_type,
                                                             const char                *body);
void                 sipnat_fake_registrar_send_cancel      (SipnatFakeRegistrar       *self);
void                 sipnat_fake_registrar_send_bye         (SipnatFakeRegistrar       *self);
void                 sipnat_fake_registrar_send_reinvite    (SipnatFakeRegistrar       *self,
                                                             const char                *body);

/* As the remote party of a call it answered 2xx (the last such INVITE
 * received), the fake hangs up: BYE to the caller's Contact. */
void                 sipnat_fake_registrar_hang_up_answered (SipnatFakeRegistrar       *self);

/* Responses received (to the fake's requests): @status 0 for any, @method
 * (the CSeq method) NULL for any. */
guint                sipnat_fake_registrar_count_responses  (SipnatFakeRegistrar       *self,
                                                             guint                      status,
                                                             const char                *method);
const char          *sipnat_fake_registrar_get_last_response (SipnatFakeRegistrar      *self,
                                                              guint                     status,
                                                              const char               *method);
/* The status of the last final (>= 200) response to @method, 0 if none */
guint                sipnat_fake_registrar_get_final_status (SipnatFakeRegistrar       *self,
                                                             const char                *method);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatFakeRegistrar, sipnat_fake_registrar_free)

G_END_DECLS
