/* sipnat-tls-check-private.h: why a server's TLS certificate is refused,
 * as GIO sees it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void                 _sipnat_tls_check_async  (const char           *host,
                                               guint16               port,
                                               const char           *ca_file,
                                               guint                 timeout_ms,
                                               GCancellable         *cancellable,
                                               GAsyncReadyCallback   callback,
                                               gpointer              user_data);
GTlsCertificateFlags _sipnat_tls_check_finish (GAsyncResult         *result,
                                               GTlsCertificate     **peer,
                                               GError              **error);
gboolean             _sipnat_tls_sofia_names (GTlsCertificate      *certificate,
                                              const char           *host);
GError              *_sipnat_tls_certificate_error (const char           *server,
                                                    const char           *host,
                                                    GTlsCertificateFlags  flags);

G_END_DECLS
