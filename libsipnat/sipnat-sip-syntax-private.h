/* sipnat-sip-syntax-private.h: validators for what goes into SIP URIs and headers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean _sipnat_check_server            (const char  *server,
                                          GError     **error);
gboolean _sipnat_check_server_list       (const char  *servers,
                                          GError     **error);
gboolean _sipnat_check_user              (const char  *user,
                                          GError     **error);
gboolean _sipnat_check_domain            (const char  *domain,
                                          GError     **error);
gboolean _sipnat_check_display_name      (const char  *display_name,
                                          GError     **error);
gboolean _sipnat_check_public_address    (const char  *address,
                                          GError     **error);
gboolean _sipnat_check_user_agent        (const char  *user_agent,
                                          GError     **error);
gboolean _sipnat_check_instance_id       (const char  *instance_id,
                                          GError     **error);

char    *_sipnat_quote_display_name      (const char  *display_name);
char    *_sipnat_text_for_message        (const char  *text);
char    *_sipnat_normalize_target_uri    (const char  *uri,
                                          const char  *default_host,
                                          GError     **error);

G_END_DECLS
