/* sipnat-config-private.h: the configuration reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * SipnatSetting:
 * @key: the normalised key, `domain.section[.subsection].setting`, e.g.
 *   `proxies.proxy0.nat.ice_enabled`
 * @value: the value, trimmed, never %NULL (an empty value is "")
 * @line: the line of the file it came from, counting from 1
 *
 * One setting read from a configuration file.
 */
typedef struct {
  char *key;
  char *value;
  guint line;
} SipnatSetting;

void       _sipnat_setting_free               (SipnatSetting  *s);

GPtrArray *_sipnat_config_read_file           (const char     *path,
                                               GError        **error);
GPtrArray *_sipnat_config_read_data           (const char     *data,
                                               gssize          len,
                                               const char     *origin,
                                               GError        **error);
GPtrArray *_sipnat_config_read_key_file_data  (const char     *data,
                                               gssize          len,
                                               const char     *origin,
                                               GError        **error);
GPtrArray *_sipnat_config_read_xml_data       (const char     *data,
                                               gssize          len,
                                               const char     *origin,
                                               GError        **error);

char      *_sipnat_config_normalize_key       (const char     *key,
                                               GError        **error);

gboolean   _sipnat_config_set_property        (GObject        *object,
                                               const char     *setting_name,
                                               const char     *value,
                                               GError        **error);

GParamSpec *_sipnat_config_find_pspec          (GObjectClass   *klass,
                                               const char     *setting_name);
gboolean   _sipnat_config_parse_value         (GParamSpec     *pspec,
                                               const char     *setting_name,
                                               const char     *value,
                                               GValue         *out,
                                               GError        **error);
char      *_sipnat_config_format_value        (const GValue   *value);
char      *_sipnat_config_display_value       (const char     *setting_name,
                                               const char     *value);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SipnatSetting, _sipnat_setting_free)

G_END_DECLS
