/* sipnat-keepalive-private.h: keep a registration's NAT binding open
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "sipnat-sofia-private.h"

G_BEGIN_DECLS

typedef struct _SipnatKeepalive SipnatKeepalive;

/* Called with every answer to a keep-alive, including the ones nta makes
 * up itself when nothing came back (408, 503). */
typedef void (*SipnatKeepaliveFunc) (gpointer     data,
                                     int          status,
                                     const char  *phrase,
                                     const sip_t *sip);

SipnatKeepalive *_sipnat_keepalive_new             (GMainContext        *context,
                                                    SipnatKeepaliveFunc  func,
                                                    gpointer             data);
void             _sipnat_keepalive_free            (SipnatKeepalive     *self);
void             _sipnat_keepalive_start           (SipnatKeepalive     *self,
                                                    nua_t               *nua,
                                                    nua_hmagic_t        *hmagic,
                                                    const char          *registrar_url,
                                                    const char          *aor,
                                                    guint                interval_s);
void             _sipnat_keepalive_stop            (SipnatKeepalive     *self);
gboolean         _sipnat_keepalive_is_running      (SipnatKeepalive     *self);
void             _sipnat_keepalive_probe           (SipnatKeepalive     *self);
gboolean         _sipnat_keepalive_owns            (SipnatKeepalive     *self,
                                                    nua_handle_t        *nh);
void             _sipnat_keepalive_handle_response (SipnatKeepalive     *self,
                                                    int                  status,
                                                    const char          *phrase,
                                                    const sip_t         *sip);

G_END_DECLS
