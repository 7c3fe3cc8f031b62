/* sipnat-config-value.c: a setting's text applied to a property
 *
 * The text of a setting becomes the GValue of the property of the same
 * name (`reg_timeout` → `reg-timeout`): numbers in range, booleans as the
 * product writes them (0/1, true/false, yes/no), enums and flags by nick,
 * string lists; the product's rule for reg_timeout. Errors name the
 * setting and show its value, never a password's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "sipnat-config-private.h"
#include "sipnat-error.h"

/* Applying a setting to a property */

/* An optional sign, then digits. */
static gboolean
is_integer (const char *s)
{
  if (*s == '+' || *s == '-')
    s++;

  if (*s == '\0')
    return FALSE;

  for (; *s != '\0'; s++)
    {
      if (!g_ascii_isdigit (*s))
        return FALSE;
    }

  return TRUE;
}

static gboolean
parse_boolean (GParamSpec  *pspec,
               const char  *setting_name,
               const char  *value,
               GValue      *out,
               GError     **error)
{
  g_autofree char *shown = NULL;
  static const char * const truths[] = { "1", "true", "yes", "on", NULL };
  static const char * const lies[] = { "0", "false", "no", "off", NULL };

  for (guint i = 0; truths[i] != NULL; i++)
    {
      if (g_ascii_strcasecmp (value, truths[i]) == 0)
        {
          g_value_set_boolean (out, TRUE);
          return TRUE;
        }
      if (g_ascii_strcasecmp (value, lies[i]) == 0)
        {
          g_value_set_boolean (out, FALSE);
          return TRUE;
        }
    }

  g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
               _("Invalid value “%s” for setting “%s”: expected 1, 0, true, false, yes, no, on or off"),
               (shown = _sipnat_config_display_value (setting_name, value)), setting_name);
  return FALSE;
}

static gboolean
parse_integer (GParamSpec  *pspec,
               const char  *setting_name,
               const char  *value,
               GValue      *out,
               GError     **error)
{
  g_autofree char *shown = NULL;
  GType type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_autofree char *min_str = NULL;
  g_autofree char *max_str = NULL;

  if (type == G_TYPE_INT || type == G_TYPE_LONG || type == G_TYPE_INT64)
    {
      gint64 min, max, v;

      if (type == G_TYPE_INT)
        {
          min = G_PARAM_SPEC_INT (pspec)->minimum;
          max = G_PARAM_SPEC_INT (pspec)->maximum;
        }
      else if (type == G_TYPE_LONG)
        {
          min = G_PARAM_SPEC_LONG (pspec)->minimum;
          max = G_PARAM_SPEC_LONG (pspec)->maximum;
        }
      else
        {
          min = G_PARAM_SPEC_INT64 (pspec)->minimum;
          max = G_PARAM_SPEC_INT64 (pspec)->maximum;
        }

      if (is_integer (value) &&
          g_ascii_string_to_signed (value, 10, min, max, &v, NULL))
        {
          if (type == G_TYPE_INT)
            g_value_set_int (out, (int) v);
          else if (type == G_TYPE_LONG)
            g_value_set_long (out, (long) v);
          else
            g_value_set_int64 (out, v);
          return TRUE;
        }

      min_str = g_strdup_printf ("%" G_GINT64_FORMAT, min);
      max_str = g_strdup_printf ("%" G_GINT64_FORMAT, max);
    }
  else
    {
      guint64 min, max, v;

      if (type == G_TYPE_UINT)
        {
          min = G_PARAM_SPEC_UINT (pspec)->minimum;
          max = G_PARAM_SPEC_UINT (pspec)->maximum;
        }
      else if (type == G_TYPE_ULONG)
        {
          min = G_PARAM_SPEC_ULONG (pspec)->minimum;
          max = G_PARAM_SPEC_ULONG (pspec)->maximum;
        }
      else
        {
          min = G_PARAM_SPEC_UINT64 (pspec)->minimum;
          max = G_PARAM_SPEC_UINT64 (pspec)->maximum;
        }

      if (is_integer (value) &&
          g_ascii_string_to_unsigned (value, 10, min, max, &v, NULL))
        {
          if (type == G_TYPE_UINT)
            g_value_set_uint (out, (guint) v);
          else if (type == G_TYPE_ULONG)
            g_value_set_ulong (out, (gulong) v);
          else
            g_value_set_uint64 (out, v);
          return TRUE;
        }

      min_str = g_strdup_printf ("%" G_GUINT64_FORMAT, min);
      max_str = g_strdup_printf ("%" G_GUINT64_FORMAT, max);
    }

  g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
               _("Invalid value “%s” for setting “%s”: expected a whole number from %s to %s"),
               (shown = _sipnat_config_display_value (setting_name, value)), setting_name, min_str, max_str);
  return FALSE;
}

static const GEnumValue *
find_enum_value (GEnumClass *klass,
                 const char *value)
{
  for (guint i = 0; i < klass->n_values; i++)
    {
      if (g_ascii_strcasecmp (value, klass->values[i].value_nick) == 0 ||
          g_ascii_strcasecmp (value, klass->values[i].value_name) == 0)
        return &klass->values[i];
    }

  return NULL;
}

static const GFlagsValue *
find_flags_value (GFlagsClass *klass,
                  const char  *value)
{
  for (guint i = 0; i < klass->n_values; i++)
    {
      if (g_ascii_strcasecmp (value, klass->values[i].value_nick) == 0 ||
          g_ascii_strcasecmp (value, klass->values[i].value_name) == 0)
        return &klass->values[i];
    }

  return NULL;
}

static gboolean
parse_enum (GParamSpec  *pspec,
            const char  *setting_name,
            const char  *value,
            GValue      *out,
            GError     **error)
{
  g_autofree char *shown = NULL;
  GEnumClass *klass = G_PARAM_SPEC_ENUM (pspec)->enum_class;
  const GEnumValue *found = find_enum_value (klass, value);
  g_autoptr(GString) allowed = NULL;

  if (found != NULL)
    {
      g_value_set_enum (out, found->value);
      return TRUE;
    }

  allowed = g_string_new (NULL);
  for (guint i = 0; i < klass->n_values; i++)
    g_string_append_printf (allowed, "%s%s", i > 0 ? ", " : "", klass->values[i].value_nick);

  g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
               _("Invalid value “%s” for setting “%s”: expected one of %s"),
               (shown = _sipnat_config_display_value (setting_name, value)), setting_name, allowed->str);
  return FALSE;
}

/* Flags: nicks separated by commas or "|"; empty means none. */
static gboolean
parse_flags (GParamSpec  *pspec,
             const char  *setting_name,
             const char  *value,
             GValue      *out,
             GError     **error)
{
  g_autofree char *shown = NULL;
  GFlagsClass *klass = G_PARAM_SPEC_FLAGS (pspec)->flags_class;
  g_auto(GStrv) parts = g_strsplit_set (value, ",|", -1);
  g_autoptr(GString) allowed = NULL;
  guint flags = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);
      const GFlagsValue *found;

      if (*part == '\0')
        continue;

      found = find_flags_value (klass, part);
      if (found == NULL)
        {
          allowed = g_string_new (NULL);
          for (guint j = 0; j < klass->n_values; j++)
            g_string_append_printf (allowed, "%s%s", j > 0 ? ", " : "",
                                    klass->values[j].value_nick);

          g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                       _("Invalid value “%s” for setting “%s”: expected a comma-separated "
                         "list of %s"),
                       (shown = _sipnat_config_display_value (setting_name, value)), setting_name, allowed->str);
          return FALSE;
        }

      flags |= found->value;
    }

  g_value_set_flags (out, flags);
  return TRUE;
}

/* A string list: comma-separated, empty items dropped; empty means NULL. */
static void
parse_strv (const char *value,
            GValue     *out)
{
  g_auto(GStrv) parts = g_strsplit (value, ",", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) result = NULL;
  guint n = 0;

  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *part = g_strstrip (parts[i]);

      if (*part == '\0')
        continue;

      g_strv_builder_add (builder, part);
      n++;
    }

  if (n > 0)
    {
      result = g_strv_builder_end (builder);
      g_value_take_boxed (out, g_steal_pointer (&result));
    }
}

static gboolean
is_integer_type (GType type)
{
  return type == G_TYPE_INT || type == G_TYPE_UINT ||
         type == G_TYPE_LONG || type == G_TYPE_ULONG ||
         type == G_TYPE_INT64 || type == G_TYPE_UINT64;
}

/* The product's rule: an empty or non-numeric reg_timeout means 0, that is
 * standalone mode without registration. */
static gboolean
reg_timeout_rule (GParamSpec *pspec,
                  const char *setting_name,
                  const char *value,
                  GValue     *out)
{
  g_autofree char *shown = NULL;
  GValue zero = G_VALUE_INIT;
  gboolean applies;

  if (!g_str_equal (pspec->name, "reg-timeout") ||
      !is_integer_type (G_PARAM_SPEC_VALUE_TYPE (pspec)) ||
      is_integer (value))
    return FALSE;

  g_value_init (&zero, G_PARAM_SPEC_VALUE_TYPE (pspec));
  applies = !g_param_value_validate (pspec, &zero);
  if (applies)
    {
      g_warning ("Setting %s has the non-numeric value “%s”: using 0, "
                 "which means no registration (standalone mode)",
                 setting_name, (shown = _sipnat_config_display_value (setting_name, value)));
      g_value_copy (&zero, out);
    }
  g_value_unset (&zero);

  return applies;
}

/*
 * _sipnat_config_find_pspec:
 * @klass: an object class
 * @setting_name: the product's name of a setting, e.g. `reg_timeout`
 *
 * Returns: (nullable): the property for the setting (same name, dashes
 *   for underscores), or %NULL if the class has none
 */
GParamSpec *
_sipnat_config_find_pspec (GObjectClass *klass,
                           const char   *setting_name)
{
  g_autofree char *property_name = g_strdelimit (g_strdup (setting_name), "_", '-');

  return g_object_class_find_property (klass, property_name);
}

/*
 * _sipnat_config_format_value:
 * @value: a property value
 *
 * Formats a value as it would be written in a configuration file: the
 * inverse of _sipnat_config_parse_value().
 *
 * Returns: (transfer full): the text
 */
char *
_sipnat_config_format_value (const GValue *value)
{
  GType type = G_VALUE_TYPE (value);

  if (type == G_TYPE_STRING)
    return g_strdup (g_value_get_string (value) ? g_value_get_string (value) : "");
  if (type == G_TYPE_BOOLEAN)
    return g_strdup (g_value_get_boolean (value) ? "1" : "0");
  if (type == G_TYPE_STRV)
    return g_value_get_boxed (value) ? g_strjoinv (",", g_value_get_boxed (value)) : g_strdup ("");
  if (G_TYPE_IS_ENUM (type))
    {
      GEnumClass *klass = g_type_class_peek (type);
      GEnumValue *v = g_enum_get_value (klass, g_value_get_enum (value));
      return g_strdup (v ? v->value_nick : "");
    }
  if (G_TYPE_IS_FLAGS (type))
    {
      GFlagsClass *klass = g_type_class_peek (type);
      g_autoptr(GPtrArray) nicks = g_ptr_array_new ();
      guint flags = g_value_get_flags (value);

      for (guint i = 0; i < klass->n_values; i++)
        if (klass->values[i].value != 0 && (flags & klass->values[i].value) == klass->values[i].value)
          g_ptr_array_add (nicks, (gpointer) klass->values[i].value_nick);
      g_ptr_array_add (nicks, NULL);
      return g_strjoinv (",", (char **) nicks->pdata);
    }

  {
    g_auto(GValue) text = G_VALUE_INIT;

    g_value_init (&text, G_TYPE_STRING);
    if (g_value_transform (value, &text))
      return g_value_dup_string (&text);
  }

  return g_strdup ("");
}

/*
 * _sipnat_config_parse_value:
 * @pspec: the property the value is for
 * @setting_name: the product's name of the setting, for messages
 * @value: the value as written in the configuration
 * @out: an uninitialised #GValue that receives the parsed value
 * @error: return location for a #GError
 *
 * Converts a configuration value to the property's type, checking it
 * against the property's range, nicks or flags.
 *
 * Returns: %TRUE on success; %FALSE with a %SIPNAT_ERROR_CONFIG error
 */
gboolean
_sipnat_config_parse_value (GParamSpec  *pspec,
                            const char  *setting_name,
                            const char  *value,
                            GValue      *out,
                            GError     **error)
{
  g_autofree char *stripped = NULL;
  GType type;
  gboolean ok = TRUE;

  if (value == NULL)
    value = "";

  type = G_PARAM_SPEC_VALUE_TYPE (pspec);
  g_value_init (out, type);
  stripped = g_strstrip (g_strdup (value));

  if (type == G_TYPE_STRING)
    g_value_set_string (out, *value != '\0' ? value : NULL);
  else if (type == G_TYPE_STRV)
    parse_strv (stripped, out);
  else if (type == G_TYPE_BOOLEAN)
    ok = parse_boolean (pspec, setting_name, stripped, out, error);
  else if (is_integer_type (type))
    ok = reg_timeout_rule (pspec, setting_name, stripped, out) ||
         parse_integer (pspec, setting_name, stripped, out, error);
  else if (G_TYPE_IS_ENUM (type))
    ok = parse_enum (pspec, setting_name, stripped, out, error);
  else if (G_TYPE_IS_FLAGS (type))
    ok = parse_flags (pspec, setting_name, stripped, out, error);
  else
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The setting “%s” cannot be given in a configuration file"), setting_name);
      ok = FALSE;
    }

  return ok;
}

/*
 * _sipnat_config_set_property:
 * @object: the object the setting belongs to
 * @setting_name: the product's name of the setting, e.g. `reg_timeout`
 * @value: (nullable): the setting's value as read from the file
 * @error: return location for a #GError
 *
 * Sets the property of @object that corresponds to @setting_name (the same
 * name with dashes for underscores) from the string @value:
 *
 * - strings: verbatim; empty means %NULL
 * - booleans: 1, 0, true, false, yes, no, on, off (any case)
 * - integers: decimal, within the property's range
 * - enumerations: a nick or name (any case)
 * - flags: nicks separated by commas
 * - string lists: items separated by commas
 *
 * As in the product, an empty or non-numeric `reg_timeout` means 0: this
 * logs a warning and is not an error.
 *
 * Messages never show the value of a setting whose name contains
 * "password".
 *
 * Returns: %TRUE if the property was set; %FALSE with a
 *   %SIPNAT_ERROR_CONFIG error otherwise. The message of an unknown setting
 *   contains "unknown setting", which callers may downgrade to a warning.
 */
gboolean
_sipnat_config_set_property (GObject     *object,
                             const char  *setting_name,
                             const char  *value,
                             GError     **error)
{
  g_auto(GValue) gvalue = G_VALUE_INIT;
  GParamSpec *pspec;

  g_return_val_if_fail (G_IS_OBJECT (object), FALSE);
  g_return_val_if_fail (setting_name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  pspec = _sipnat_config_find_pspec (G_OBJECT_GET_CLASS (object), setting_name);

  if (pspec == NULL || (pspec->flags & G_PARAM_WRITABLE) == 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("Ignoring unknown setting “%s”"), setting_name);
      return FALSE;
    }

  /* keepalive_interval = auto: the period follows the NAT's measured
   * binding lifetime (the interval keeps its safe default meanwhile). */
  if (g_str_equal (pspec->name, "keepalive-interval") && value != NULL &&
      g_object_class_find_property (G_OBJECT_GET_CLASS (object), "keepalive-auto") != NULL)
    {
      g_autofree char *word = g_strstrip (g_strdup (value));

      g_object_set (object, "keepalive-auto", g_ascii_strcasecmp (word, "auto") == 0, NULL);
      if (g_ascii_strcasecmp (word, "auto") == 0)
        return TRUE;
    }

  if ((pspec->flags & G_PARAM_CONSTRUCT_ONLY) != 0)
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The setting “%s” cannot be changed here"), setting_name);
      return FALSE;
    }

  if (!_sipnat_config_parse_value (pspec, setting_name, value, &gvalue, error))
    return FALSE;

  g_object_set_property (object, pspec->name, &gvalue);
  return TRUE;
}
