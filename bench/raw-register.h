/* raw-register.h: the reference for the registration benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A minimal REGISTER client on a plain socket (no SIP stack, no timers
 * beyond one retransmission clock, no state kept after a user is done):
 * what the registrar absorbs, against which libsipnat's rate is compared.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *address;      /* the registrar's IPv4 address */
  guint16     port;
  gboolean    tcp;          /* else UDP */
  guint       count;        /* users 1..count, named by user_format */
  const char *user_format;  /* printf format with one %u */
  gboolean    auth;         /* answer 401s; the password is the user name + "pw" */
  guint       window;       /* REGISTERs in flight at most (0: 200) */
  guint       expires;      /* 0: unregister */
} RawRegisterOptions;

typedef struct {
  double   seconds;         /* first send to last final answer */
  double   per_second;      /* users done per second */
  guint    sent;            /* REGISTERs sent, retransmissions included */
  guint    retransmitted;
  guint    failed;          /* a final answer other than 200, or no answer */
} RawRegisterResult;

gboolean raw_register_run (const RawRegisterOptions  *options,
                           RawRegisterResult         *result,
                           GError                   **error);

G_END_DECLS
