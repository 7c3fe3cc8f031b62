/* sipnat-account-private.h: the credentials a registration and the calls
 * made through it answer challenges with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-sofia-private.h"

G_BEGIN_DECLS

typedef struct _SipnatAccount SipnatAccount;

SipnatAccount *_sipnat_account_new          (void);
SipnatAccount *_sipnat_account_ref          (SipnatAccount        *self);
void           _sipnat_account_unref        (SipnatAccount        *self);
void           _sipnat_account_set_user     (SipnatAccount        *self,
                                             const char           *user);
void           _sipnat_account_set_password (SipnatAccount        *self,
                                             const char           *password);
gboolean       _sipnat_account_answer       (SipnatAccount        *self,
                                             const SipnatSipEvent *event,
                                             const char           *method,
                                             const char           *request_uri,
                                             char                **header,
                                             GError              **error);

/* Pure: the Authorization header value answering a digest challenge
 * (RFC 7616 with MD5 or SHA-256, qop auth or none), from the challenge's
 * parameters ("name=value", NULL-terminated). NULL, with the reason, when
 * the challenge cannot be answered. */
char          *_sipnat_digest_authorization (const char * const   *params,
                                             const char           *method,
                                             const char           *uri,
                                             const char           *user,
                                             const char           *password,
                                             const char           *cnonce,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatAccount, _sipnat_account_unref)

G_END_DECLS
