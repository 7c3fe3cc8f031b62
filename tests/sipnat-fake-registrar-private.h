/* sipnat-fake-registrar-private.h: the parts of the fake registrar
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The fake (sipnat-fake-registrar.h) is four files:
 *   sipnat-fake-registrar.c          sockets, dispatch, lifecycle, what it recorded
 *   sipnat-fake-registrar-message.c  parsing SIP messages (no sockets)
 *   sipnat-fake-registrar-answers.c  the scripted responses: queue, building, INVITE/CANCEL
 *   sipnat-fake-registrar-calls.c    the fake's own requests: its call, hanging up
 * Only they include this header.
 */

#pragma once

#include "sipnat-fake-registrar.h"

G_BEGIN_DECLS

#define MAX_STREAM_BUFFER (1024 * 1024)

/* A response waiting in the queue, owning its strings */
typedef struct {
  char *method;
  guint status;
  char *reason;
  char *received;
  char *rport;
  char *via_override;
  char *extra_headers;
  gboolean echo_contact;
  char *body;
  char *content_type;
} Scripted;

/* A parsed request: header names are canonical and lower case */
typedef struct {
  char *method;       /* NULL for a response */
  guint status;       /* of a response */
  GPtrArray *names;
  GPtrArray *values;
} Message;

/* The one call the fake places (sipnat_fake_registrar_send_invite()) */
typedef struct {
  char *call_id;
  char *from_tag;
  char *request_uri;
  char *invite_branch;
  char *to;                /* the To of the last final answer, with its tag */
  char *remote_target;     /* the Contact of the 2xx */
  guint invite_cseq;
  guint cseq;
  guint16 port;
} Dialog;

struct _SipnatFakeRegistrar {
  GMainContext *context;
  GSocket *udp;
  GSource *udp_source;
  GSocket *tcp;
  GSource *tcp_source;
  GList *connections;
  guint16 port;

  GQueue queue;
  GPtrArray *requests;
  GHashTable *counts;
  GPtrArray *register_contacts;   /* of GStrv, one per REGISTER */
  char *nonce;
  guint tag_serial;
  gboolean no_pongs;
  SipnatFakeStunMode stun_mode;
  char *stun_host;
  guint16 stun_port;

  char *recv_buffer;

  /* The fake as the remote party of calls */
  char *pending_invite;          /* the last INVITE not answered finally */
  GSocketAddress *pending_source;
  char *answered_invite;         /* the last INVITE answered 2xx */
  GSocketAddress *answered_source;
  GPtrArray *responses;          /* raw responses received */
  Dialog dialog;
  guint branch_serial;
};

/* sipnat-fake-registrar-message.c */
void        fake_message_free            (Message    *m);
Message    *fake_message_parse           (const char *data,
                                          gsize       len);
const char *fake_message_get             (Message    *m,
                                          const char *name);
GPtrArray  *fake_message_get_list        (Message    *m,
                                          const char *name);
GPtrArray  *fake_split_params            (const char *value);
gboolean    fake_param_is                (const char *param,
                                          const char *name);
const char *fake_header_params           (const char *value);
char       *fake_find_param              (const char *params,
                                          const char *name);
gsize       fake_stream_message_length   (const char *data,
                                          gsize       len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Message, fake_message_free)

/* sipnat-fake-registrar-answers.c */
void        fake_scripted_free           (Scripted            *s);
char       *fake_registrar_answer        (SipnatFakeRegistrar *self,
                                          Message             *request,
                                          const char          *data,
                                          gsize                len,
                                          GSocketAddress      *source);

/* sipnat-fake-registrar-calls.c */
void        fake_dialog_clear            (Dialog              *d);
void        fake_registrar_handle_response (SipnatFakeRegistrar *self,
                                            Message             *response,
                                            const char          *data,
                                            gsize                len);

/* sipnat-fake-registrar.c */
void        fake_registrar_send_udp      (SipnatFakeRegistrar *self,
                                          GSocketAddress      *to,
                                          const char          *data);

G_END_DECLS
