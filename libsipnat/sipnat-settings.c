/* sipnat-settings.c: the product's settings, addressed by dotted key
 *
 * Keys are `domain.section[.subsection].setting`, as in the Genesys SIP Endpoint SDK:
 *
 *   policy.endpoint.<setting>      → the SipnatEndpoint
 *   proxies.proxyN.<setting>       → the SipnatRegistration named proxyN
 *   proxies.proxyN.nat.<setting>   → that registration's SipnatNatPolicy
 *
 * A setting name is the property name with underscores for dashes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sipnat-config-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-endpoint-private.h"
#include "sipnat-enums.h"
#include "sipnat-error.h"
#include "sipnat-registration.h"
#include "sipnat-sip-syntax-private.h"

typedef struct {
  GObject *object;            /* (transfer none) */
  char *name;                 /* the setting's name */
} Target;

static void
target_clear (Target *target)
{
  g_clear_pointer (&target->name, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Target, target_clear)

static gboolean
is_proxy_name (const char *section)
{
  const char *digits;

  if (!g_str_has_prefix (section, "proxy"))
    return FALSE;

  digits = section + strlen ("proxy");
  if (*digits == '\0')
    return FALSE;

  for (const char *p = digits; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;

  return TRUE;
}

static SipnatRegistration *
find_registration (SipnatEndpoint *self,
                   const char     *name,
                   gboolean        create)
{
  SipnatRegistration *reg = _sipnat_endpoint_find_registration (self, name);

  if (reg == NULL && create)
    reg = _sipnat_endpoint_add_named_registration (self, name);

  return reg;
}

/* Finds the object a key addresses. On failure, *unknown tells whether
 * the key names nothing libsipnat knows (a warning when loading a file). */
static gboolean
resolve (SipnatEndpoint  *self,
         const char      *key,
         gboolean         create,
         Target          *target,
         gboolean        *unknown,
         GError         **error)
{
  g_autofree char *normal = _sipnat_config_normalize_key (key, error);
  g_auto(GStrv) parts = NULL;
  guint n;

  *unknown = FALSE;
  if (normal == NULL)
    return FALSE;

  parts = g_strsplit (normal, ".", 0);
  n = g_strv_length (parts);

  if (n == 3 && g_str_equal (parts[0], "policy") && g_str_equal (parts[1], "endpoint"))
    target->object = G_OBJECT (self);
  else if ((n == 3 || (n == 4 && g_str_equal (parts[2], "nat"))) &&
           g_str_equal (parts[0], "proxies") && is_proxy_name (parts[1]))
    {
      SipnatRegistration *reg = find_registration (self, parts[1], create);

      if (reg == NULL)
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                       _("There is no registration “%s”"), parts[1]);
          return FALSE;
        }
      target->object = n == 3 ? G_OBJECT (reg) : G_OBJECT (sipnat_registration_get_nat_policy (reg));
    }
  else
    target->object = NULL;

  if (target->object == NULL ||
      _sipnat_config_find_pspec (G_OBJECT_GET_CLASS (target->object), parts[n - 1]) == NULL)
    {
      *unknown = TRUE;
      /* "turn_password:hunter2 = x" must not show hunter2 in a warning. */
      if (strstr (normal, "password") != NULL)
        g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                             _("Unknown setting (the key is not shown: it names a password)"));
      else
        g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                     _("Unknown setting “%s”"), normal);
      return FALSE;
    }

  target->name = g_strdup (parts[n - 1]);
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* Values that end up in SIP requests                                     */

typedef gboolean (*ValueCheck) (const char  *value,
                                GError     **error);

typedef struct {
  const char *property;   /* the property's name */
  ValueCheck check;
} SettingCheck;

static const SettingCheck registration_checks[] = {
  { "server", _sipnat_check_server_list },
  { "user", _sipnat_check_user },
  { "domain", _sipnat_check_domain },
  { "display-name", _sipnat_check_display_name },
};

static const SettingCheck endpoint_checks[] = {
  { "public-address", _sipnat_check_public_address },
  { "user-agent", _sipnat_check_user_agent },
  { "instance-id", _sipnat_check_instance_id },
};

/* Refuses a value that would not fit where it goes in a SIP request (a
 * header injection, a URI password, a port out of range). An empty value
 * means "not set" and is always accepted. */
static gboolean
check_value (GType        owner,
             GParamSpec  *pspec,
             const char  *value,
             GError     **error)
{
  const SettingCheck *checks;
  gsize n_checks;

  if (value == NULL || *value == '\0')
    return TRUE;

  if (g_type_is_a (owner, SIPNAT_TYPE_REGISTRATION))
    {
      checks = registration_checks;
      n_checks = G_N_ELEMENTS (registration_checks);
    }
  else if (g_type_is_a (owner, SIPNAT_TYPE_ENDPOINT))
    {
      checks = endpoint_checks;
      n_checks = G_N_ELEMENTS (endpoint_checks);
    }
  else
    return TRUE;

  for (gsize i = 0; i < n_checks; i++)
    {
      if (g_str_equal (pspec->name, checks[i].property))
        return checks[i].check (value, error);
    }

  return TRUE;
}

static gboolean
apply_setting (SipnatEndpoint  *self,
               const char      *key,
               const char      *value,
               gboolean        *unknown,
               GError         **error)
{
  g_auto(Target) target = { 0 };
  GParamSpec *pspec;

  if (!resolve (self, key, TRUE, &target, unknown, error))
    return FALSE;

  /* Checked before it is logged: a line break cannot forge a log line. */
  pspec = _sipnat_config_find_pspec (G_OBJECT_GET_CLASS (target.object), target.name);
  if (!check_value (G_OBJECT_TYPE (target.object), pspec, value, error))
    return FALSE;

  SIPNAT_NOTE (CONFIG, "%s = %s", key, strstr (key, "password") ? "(hidden)" : value);
  return _sipnat_config_set_property (target.object, target.name, value, error);
}

/**
 * sipnat_endpoint_set_setting:
 * @self: an endpoint
 * @key: a setting's key, e.g. "proxies.proxy0.reg_timeout"; dots and
 *   colons are interchangeable
 * @value: the new value, as it would be written in a configuration file
 * @error: return location for a #GError
 *
 * Changes a setting by its product key: the Genesys SIP Endpoint SDK's dynamic
 * reconfiguration. A registration setting takes effect at the
 * registration's next REGISTER, which goes out at once when it is
 * registered. A new `proxyN` name creates a registration.
 *
 * Values that go into SIP requests are checked as in a configuration
 * file: `server` is one or more `host[:port]` (port 1 to 65535), `user`
 * holds only the characters RFC 3261 allows in a SIP URI's user part (or
 * `%HH` escapes), `domain` is a host, `display_name` has no control
 * characters.
 *
 * Returns: %TRUE on success; %FALSE with a %SIPNAT_ERROR_CONFIG error for
 *   an unknown key or an invalid value
 */
gboolean
sipnat_endpoint_set_setting (SipnatEndpoint  *self,
                             const char      *key,
                             const char      *value,
                             GError         **error)
{
  gboolean unknown;

  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return apply_setting (self, key, value, &unknown, error);
}

/**
 * sipnat_endpoint_get_setting:
 * @self: an endpoint
 * @key: a setting's key, e.g. "proxies.proxy0.reg_timeout"
 * @error: return location for a #GError
 *
 * Reads a setting by its product key, formatted as in a configuration
 * file (booleans as 1 or 0).
 *
 * Passwords cannot be read back: for every setting whose name contains
 * `password` (`password`, `nat.turn_password`), this returns %NULL with a
 * %SIPNAT_ERROR_CONFIG error, whether a password is set or not.
 *
 * Returns: (transfer full) (nullable): the value, or %NULL with a
 *   %SIPNAT_ERROR_CONFIG error
 */
char *
sipnat_endpoint_get_setting (SipnatEndpoint  *self,
                             const char      *key,
                             GError         **error)
{
  g_auto(Target) target = { 0 };
  g_auto(GValue) value = G_VALUE_INIT;
  GParamSpec *pspec;
  gboolean unknown;

  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!resolve (self, key, FALSE, &target, &unknown, error))
    return NULL;

  if (strstr (target.name, "password") != NULL)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The setting “%s” cannot be read: passwords are never read back"), key);
      return NULL;
    }

  pspec = _sipnat_config_find_pspec (G_OBJECT_GET_CLASS (target.object), target.name);
  if ((pspec->flags & G_PARAM_READABLE) == 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The setting “%s” cannot be read"), key);
      return NULL;
    }

  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (target.object, pspec->name, &value);
  return _sipnat_config_format_value (&value);
}

/* ---------------------------------------------------------------------- */
/* Loading a file                                                         */

static gboolean
is_endpoint_construct_setting (const SipnatSetting *setting,
                               GParamSpec         **pspec)
{
  const char *name;

  if (!g_str_has_prefix (setting->key, "policy.endpoint."))
    return FALSE;

  name = setting->key + strlen ("policy.endpoint.");
  *pspec = _sipnat_config_find_pspec (g_type_class_peek (SIPNAT_TYPE_ENDPOINT), name);

  return *pspec != NULL && ((*pspec)->flags & G_PARAM_CONSTRUCT_ONLY) != 0;
}

static gboolean
setting_error (GError             **error,
               GError              *local,     /* (transfer full) */
               const char          *path,
               const SipnatSetting *setting)
{
  g_prefix_error (&local, "%s:%u: %s: ", path, setting->line, setting->key);
  g_propagate_error (error, local);
  return FALSE;
}

/* Takes @value. A key given twice keeps its place and takes the later
 * value: the later one wins, as everywhere in a file, and GObject refuses
 * a construct property named twice. */
static void
add_construct_value (GPtrArray  *names,
                     GArray     *values,
                     GParamSpec *pspec,
                     GValue     *value)
{
  guint index;

  if (g_ptr_array_find_with_equal_func (names, pspec->name, g_str_equal, &index))
    {
      GValue *old = &g_array_index (values, GValue, index);

      g_value_unset (old);
      *old = *value;
    }
  else
    {
      g_ptr_array_add (names, (gpointer) pspec->name);
      g_array_append_vals (values, value, 1);
    }

  *value = (GValue) G_VALUE_INIT;
}

/* A proxy over TLS in a file that does not name the transports: the
 * default ones and TLS, so that `transport = tls` alone works. */
static void
add_tls_transport (GPtrArray *settings,
                   GPtrArray *names,
                   GArray    *values)
{
  GParamSpec *pspec = g_object_class_find_property (g_type_class_peek (SIPNAT_TYPE_ENDPOINT),
                                                    "transports");
  gboolean tls = FALSE;
  GValue value = G_VALUE_INIT;

  if (g_ptr_array_find_with_equal_func (names, pspec->name, g_str_equal, NULL))
    return;

  for (guint i = 0; !tls && i < settings->len; i++)
    {
      const SipnatSetting *setting = g_ptr_array_index (settings, i);
      g_autofree char *stripped = g_strstrip (g_strdup (setting->value));
      SipnatTransport transport;

      tls = g_str_has_prefix (setting->key, "proxies.") &&
            g_str_has_suffix (setting->key, ".transport") &&
            sipnat_transport_from_string (stripped, &transport) &&
            transport == SIPNAT_TRANSPORT_TLS;
    }
  if (!tls)
    return;

  g_value_init (&value, SIPNAT_TYPE_TRANSPORT_FLAGS);
  g_value_set_flags (&value, G_PARAM_SPEC_FLAGS (pspec)->default_value |
                             SIPNAT_TRANSPORT_FLAGS_TLS);
  add_construct_value (names, values, pspec, &value);
}

/* Local address, port, transports and user agent are fixed when the
 * endpoint is constructed: take them from the file first. */
static SipnatEndpoint *
construct_endpoint (GPtrArray     *settings,
                    const char    *path,
                    GCancellable  *cancellable,
                    GError       **error)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GArray) values = g_array_new (FALSE, TRUE, sizeof (GValue));
  SipnatEndpoint *endpoint = NULL;
  gboolean ok = TRUE;

  g_array_set_clear_func (values, (GDestroyNotify) g_value_unset);
  g_type_class_ref (SIPNAT_TYPE_ENDPOINT);

  for (guint i = 0; ok && i < settings->len; i++)
    {
      const SipnatSetting *setting = g_ptr_array_index (settings, i);
      GValue value = G_VALUE_INIT;
      GParamSpec *pspec;
      GError *local = NULL;

      if (!is_endpoint_construct_setting (setting, &pspec))
        continue;

      if (!check_value (SIPNAT_TYPE_ENDPOINT, pspec, setting->value, &local) ||
          !_sipnat_config_parse_value (pspec, setting->key + strlen ("policy.endpoint."),
                                       setting->value, &value, &local))
        ok = setting_error (error, local, path, setting);
      else
        add_construct_value (names, values, pspec, &value);
    }

  if (ok)
    add_tls_transport (settings, names, values);

  if (ok)
    {
      endpoint = SIPNAT_ENDPOINT (g_object_new_with_properties (SIPNAT_TYPE_ENDPOINT, names->len,
                                                                (const char **) names->pdata,
                                                                (const GValue *) values->data));
      if (!g_initable_init (G_INITABLE (endpoint), cancellable, error))
        g_clear_object (&endpoint);
    }

  g_type_class_unref (g_type_class_peek (SIPNAT_TYPE_ENDPOINT));
  return endpoint;
}

static gboolean
apply_settings (SipnatEndpoint  *self,
                GPtrArray       *settings,
                const char      *path,
                GError         **error)
{
  for (guint i = 0; i < settings->len; i++)
    {
      const SipnatSetting *setting = g_ptr_array_index (settings, i);
      GError *local = NULL;
      GParamSpec *pspec;
      gboolean unknown;

      if (is_endpoint_construct_setting (setting, &pspec))
        continue;

      if (apply_setting (self, setting->key, setting->value, &unknown, &local))
        continue;

      if (unknown)
        {
          g_warning ("%s:%u: %s", path, setting->line, local->message);
          g_clear_error (&local);
          continue;
        }

      return setting_error (error, local, path, setting);
    }

  return TRUE;
}

static gboolean
check_registrations (SipnatEndpoint  *self,
                     const char      *path,
                     GError         **error)
{
  GListModel *list = sipnat_endpoint_get_registrations (self);
  guint n = g_list_model_get_n_items (list);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg = g_list_model_get_item (list, i);

      if (sipnat_registration_get_server (reg) == NULL)
        {
          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                       _("%s: proxies.%s has no server"), path, sipnat_registration_get_name (reg));
          return FALSE;
        }

      if (!sipnat_nat_policy_validate (sipnat_registration_get_nat_policy (reg), error))
        {
          g_prefix_error (error, "%s: proxies.%s.nat: ", path, sipnat_registration_get_name (reg));
          return FALSE;
        }
    }

  return TRUE;
}

/**
 * sipnat_endpoint_new_from_file:
 * @path: (type filename): a configuration file
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates an endpoint from a configuration file: either a key file whose
 * groups are the Genesys SIP Endpoint SDK's `domain.section[.subsection]` names
 * (`[proxies.proxy0]`, `[proxies.proxy0.nat]`, `[policy.endpoint]`), or
 * the Genesys SIP Endpoint SDK's XML `SipEndpoint.config`. Each `proxyN` section becomes a
 * [class@Sipnat.Registration]; nothing is registered until
 * [method@Sipnat.Registration.register_async] (or
 * [method@Sipnat.Endpoint.register_all_async]) is called.
 *
 * Unknown settings are warned about and ignored. Everything else that is
 * wrong (a missing file, bad syntax, an unknown transport, a port out of
 * range, a proxy without server) is a %SIPNAT_ERROR_CONFIG error whose
 * message names the file, the line where known, and the key.
 *
 * Returns: (transfer full): a new endpoint, or %NULL with @error set
 */
SipnatEndpoint *
sipnat_endpoint_new_from_file (const char    *path,
                               GCancellable  *cancellable,
                               GError       **error)
{
  g_autoptr(GPtrArray) settings = NULL;
  g_autoptr(SipnatEndpoint) endpoint = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  settings = _sipnat_config_read_file (path, error);
  if (settings == NULL)
    return NULL;

  endpoint = construct_endpoint (settings, path, cancellable, error);
  if (endpoint == NULL)
    return NULL;

  if (!apply_settings (endpoint, settings, path, error) ||
      !check_registrations (endpoint, path, error))
    return NULL;

  return g_steal_pointer (&endpoint);
}
