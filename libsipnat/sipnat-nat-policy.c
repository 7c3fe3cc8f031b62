/* sipnat-nat-policy.c: the `nat` configuration section
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <glib/gi18n-lib.h>

#include "sipnat-enums.h"
#include "sipnat-error.h"
#include "sipnat-nat-policy-private.h"
#include "sipnat-util-private.h"

/**
 * SipnatNatPolicy:
 *
 * How an endpoint traverses NATs and firewalls: the Genesys SIP Endpoint SDK's `nat`
 * configuration section (`proxies.proxyN.nat.*`) as properties.
 *
 * Defaults: ICE off, no STUN or TURN server, both ports 3478
 * ([const@Sipnat.DEFAULT_STUN_PORT]), TURN relayed over UDP, a keep-alive
 * every 15 s ([const@Sipnat.DEFAULT_KEEPALIVE_INTERVAL]).
 *
 * A TURN server needs a user name and a password; call
 * [method@Sipnat.NatPolicy.validate] to check a policy as a whole.
 */

struct _SipnatNatPolicy
{
  GObject parent_instance;

  gboolean ice_enabled;
  char *stun_server;
  guint stun_server_port;
  char *turn_server;
  guint turn_server_port;
  char *turn_user_name;
  char *turn_password;
  SipnatRelayType turn_relay_type;
  guint keepalive_interval;
  gboolean force_relay;
  char *turn_tls_ca_file;
  gboolean keepalive_auto;

  SipnatNatPolicyWatch keepalive_watch;
  gpointer keepalive_watch_data;
};

G_DEFINE_FINAL_TYPE (SipnatNatPolicy, sipnat_nat_policy, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ICE_ENABLED,
  PROP_STUN_SERVER,
  PROP_STUN_SERVER_PORT,
  PROP_TURN_SERVER,
  PROP_TURN_SERVER_PORT,
  PROP_TURN_USER_NAME,
  PROP_TURN_PASSWORD,
  PROP_TURN_RELAY_TYPE,
  PROP_KEEPALIVE_INTERVAL,
  PROP_FORCE_RELAY,
  PROP_TURN_TLS_CA_FILE,
  PROP_KEEPALIVE_AUTO,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void
set_string (SipnatNatPolicy  *self,
            char            **field,
            const char       *value,
            guint             prop)
{
  /* An empty string means "not set", as in the product's configuration. */
  if (value != NULL && *value == '\0')
    value = NULL;

  if (_sipnat_set_str (field, value))
    g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
set_port (SipnatNatPolicy *self,
          guint           *field,
          guint            value,
          guint            prop)
{
  g_return_if_fail (value > 0 && value <= G_MAXUINT16);

  if (*field == value)
    return;

  *field = value;
  g_object_notify_by_pspec (G_OBJECT (self), props[prop]);
}

static void
sipnat_nat_policy_finalize (GObject *object)
{
  SipnatNatPolicy *self = SIPNAT_NAT_POLICY (object);

  g_free (self->stun_server);
  g_free (self->turn_server);
  g_free (self->turn_user_name);
  g_free (self->turn_password);
  g_free (self->turn_tls_ca_file);

  G_OBJECT_CLASS (sipnat_nat_policy_parent_class)->finalize (object);
}

static void
sipnat_nat_policy_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  SipnatNatPolicy *self = SIPNAT_NAT_POLICY (object);

  switch (prop_id)
    {
    case PROP_ICE_ENABLED:
      g_value_set_boolean (value, self->ice_enabled);
      break;
    case PROP_STUN_SERVER:
      g_value_set_string (value, self->stun_server);
      break;
    case PROP_STUN_SERVER_PORT:
      g_value_set_uint (value, self->stun_server_port);
      break;
    case PROP_TURN_SERVER:
      g_value_set_string (value, self->turn_server);
      break;
    case PROP_TURN_SERVER_PORT:
      g_value_set_uint (value, self->turn_server_port);
      break;
    case PROP_TURN_USER_NAME:
      g_value_set_string (value, self->turn_user_name);
      break;
    case PROP_TURN_PASSWORD:
      g_value_set_string (value, self->turn_password);
      break;
    case PROP_TURN_RELAY_TYPE:
      g_value_set_enum (value, self->turn_relay_type);
      break;
    case PROP_KEEPALIVE_INTERVAL:
      g_value_set_uint (value, self->keepalive_interval);
      break;
    case PROP_FORCE_RELAY:
      g_value_set_boolean (value, self->force_relay);
      break;
    case PROP_KEEPALIVE_AUTO:
      g_value_set_boolean (value, self->keepalive_auto);
      break;
    case PROP_TURN_TLS_CA_FILE:
      g_value_set_string (value, self->turn_tls_ca_file);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sipnat_nat_policy_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  SipnatNatPolicy *self = SIPNAT_NAT_POLICY (object);

  switch (prop_id)
    {
    case PROP_ICE_ENABLED:
      sipnat_nat_policy_set_ice_enabled (self, g_value_get_boolean (value));
      break;
    case PROP_STUN_SERVER:
      sipnat_nat_policy_set_stun_server (self, g_value_get_string (value));
      break;
    case PROP_STUN_SERVER_PORT:
      sipnat_nat_policy_set_stun_server_port (self, g_value_get_uint (value));
      break;
    case PROP_TURN_SERVER:
      sipnat_nat_policy_set_turn_server (self, g_value_get_string (value));
      break;
    case PROP_TURN_SERVER_PORT:
      sipnat_nat_policy_set_turn_server_port (self, g_value_get_uint (value));
      break;
    case PROP_TURN_USER_NAME:
      sipnat_nat_policy_set_turn_user_name (self, g_value_get_string (value));
      break;
    case PROP_TURN_PASSWORD:
      sipnat_nat_policy_set_turn_password (self, g_value_get_string (value));
      break;
    case PROP_TURN_RELAY_TYPE:
      sipnat_nat_policy_set_turn_relay_type (self, g_value_get_enum (value));
      break;
    case PROP_KEEPALIVE_INTERVAL:
      sipnat_nat_policy_set_keepalive_interval (self, g_value_get_uint (value));
      break;
    case PROP_FORCE_RELAY:
      sipnat_nat_policy_set_force_relay (self, g_value_get_boolean (value));
      break;
    case PROP_KEEPALIVE_AUTO:
      sipnat_nat_policy_set_keepalive_auto (self, g_value_get_boolean (value));
      break;
    case PROP_TURN_TLS_CA_FILE:
      sipnat_nat_policy_set_turn_tls_ca_file (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
port_param (const char *name)
{
  return g_param_spec_uint (name, NULL, NULL, 1, G_MAXUINT16, SIPNAT_DEFAULT_STUN_PORT,
                            G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static GParamSpec *
string_param (const char *name)
{
  return g_param_spec_string (name, NULL, NULL, NULL,
                              G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
}

static void
sipnat_nat_policy_class_init (SipnatNatPolicyClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = sipnat_nat_policy_finalize;
  object_class->get_property = sipnat_nat_policy_get_property;
  object_class->set_property = sipnat_nat_policy_set_property;

  /**
   * SipnatNatPolicy:ice-enabled:
   *
   * Whether media uses ICE (RFC 8445) to find a path through NATs. The
   * product's `ice_enabled` setting.
   */
  props[PROP_ICE_ENABLED] =
    g_param_spec_boolean ("ice-enabled", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatNatPolicy:stun-server:
   *
   * Host name or address of the STUN server (`stun_server`), or %NULL.
   */
  props[PROP_STUN_SERVER] = string_param ("stun-server");

  /**
   * SipnatNatPolicy:stun-server-port:
   *
   * Port of the STUN server (`stun_server_port`), 1 to 65535.
   */
  props[PROP_STUN_SERVER_PORT] = port_param ("stun-server-port");

  /**
   * SipnatNatPolicy:turn-server:
   *
   * Host name or address of the TURN server (`turn_server`), or %NULL.
   */
  props[PROP_TURN_SERVER] = string_param ("turn-server");

  /**
   * SipnatNatPolicy:turn-server-port:
   *
   * Port of the TURN server (`turn_server_port`), 1 to 65535.
   */
  props[PROP_TURN_SERVER_PORT] = port_param ("turn-server-port");

  /**
   * SipnatNatPolicy:turn-user-name:
   *
   * User name for the TURN server's long-term credentials (`turn_user_name`).
   */
  props[PROP_TURN_USER_NAME] = string_param ("turn-user-name");

  /**
   * SipnatNatPolicy:turn-password:
   *
   * Password for the TURN server's long-term credentials (`turn_password`).
   * It is never logged.
   */
  props[PROP_TURN_PASSWORD] = string_param ("turn-password");

  /**
   * SipnatNatPolicy:turn-relay-type:
   *
   * The transport to the TURN server (`turn_relay_type`).
   */
  props[PROP_TURN_RELAY_TYPE] =
    g_param_spec_enum ("turn-relay-type", NULL, NULL,
                       SIPNAT_TYPE_RELAY_TYPE, SIPNAT_RELAY_TYPE_UDP,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatNatPolicy:keepalive-interval:
   *
   * Seconds between keep-alives on each registration's flow
   * (`keepalive_interval`); 0 turns them off, leaving only the REGISTER
   * refresh. Each keep-alive is an OPTIONS with Max-Forwards 0 that the
   * registrar answers itself; its answer also tells whether the public
   * binding changed. Keep it below the NAT's UDP binding timeout.
   */
  props[PROP_KEEPALIVE_INTERVAL] =
    g_param_spec_uint ("keepalive-interval", NULL, NULL, 0, 3600,
                       SIPNAT_DEFAULT_KEEPALIVE_INTERVAL,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatNatPolicy:force-relay:
   *
   * Whether media goes only through the TURN relay (`force_relay`): only
   * relayed candidates are offered and checked, so the other side never
   * learns this host's addresses. Needs
   * [property@Sipnat.NatPolicy:turn-server]; a call fails with
   * %SIPNAT_ERROR_RELAY_FAILED when no relay can be allocated.
   */
  props[PROP_FORCE_RELAY] =
    g_param_spec_boolean ("force-relay", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatNatPolicy:turn-tls-ca-file:
   *
   * A PEM file of the certificate authorities to trust, instead of the
   * system's, for the TURN server's certificate when the relay runs over
   * TLS (`turn_tls_ca_file`); %NULL for the system's. The certificate
   * must name the TURN server either way.
   */
  props[PROP_TURN_TLS_CA_FILE] = string_param ("turn-tls-ca-file");

  /**
   * SipnatNatPolicy:keepalive-auto:
   *
   * Whether the keep-alive period follows the NAT (`keepalive_interval =
   * auto`): when a registration that uses the policy starts, the UDP
   * binding lifetime of the NAT is measured in the background with the
   * [property@Sipnat.NatPolicy:stun-server] (RFC 5780, which needs a
   * server with an alternate address that supports RESPONSE-PORT, as
   * coturn with two listening addresses), and
   * [property@Sipnat.NatPolicy:keepalive-interval] becomes 80 % of it.
   * Until then, and when it cannot be measured, the interval stays as it
   * is (15 s by default). The measurement takes up to 1.4 times the
   * lifetime, and runs once per policy.
   */
  props[PROP_KEEPALIVE_AUTO] =
    g_param_spec_boolean ("keepalive-auto", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
sipnat_nat_policy_init (SipnatNatPolicy *self)
{
  self->stun_server_port = SIPNAT_DEFAULT_STUN_PORT;
  self->turn_server_port = SIPNAT_DEFAULT_STUN_PORT;
  self->turn_relay_type = SIPNAT_RELAY_TYPE_UDP;
  self->keepalive_interval = SIPNAT_DEFAULT_KEEPALIVE_INTERVAL;
}

/**
 * sipnat_nat_policy_new:
 *
 * Creates a policy with the defaults: no ICE, no STUN, no TURN.
 *
 * Returns: (transfer full): a new policy
 */
SipnatNatPolicy *
sipnat_nat_policy_new (void)
{
  return g_object_new (SIPNAT_TYPE_NAT_POLICY, NULL);
}

/**
 * sipnat_nat_policy_get_ice_enabled:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:ice-enabled].
 *
 * Returns: whether ICE is enabled
 */
gboolean
sipnat_nat_policy_get_ice_enabled (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), FALSE);
  return self->ice_enabled;
}

/**
 * sipnat_nat_policy_set_ice_enabled:
 * @self: a policy
 * @ice_enabled: whether to use ICE
 *
 * Sets [property@Sipnat.NatPolicy:ice-enabled].
 */
void
sipnat_nat_policy_set_ice_enabled (SipnatNatPolicy *self,
                                   gboolean         ice_enabled)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));

  ice_enabled = !!ice_enabled;
  if (self->ice_enabled == ice_enabled)
    return;

  self->ice_enabled = ice_enabled;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ICE_ENABLED]);
}

/**
 * sipnat_nat_policy_get_stun_server:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:stun-server].
 *
 * Returns: (nullable): the STUN server
 */
const char *
sipnat_nat_policy_get_stun_server (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), NULL);
  return self->stun_server;
}

/**
 * sipnat_nat_policy_set_stun_server:
 * @self: a policy
 * @stun_server: (nullable): a host name or address; %NULL or empty for none
 *
 * Sets [property@Sipnat.NatPolicy:stun-server].
 */
void
sipnat_nat_policy_set_stun_server (SipnatNatPolicy *self,
                                   const char      *stun_server)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  set_string (self, &self->stun_server, stun_server, PROP_STUN_SERVER);
}

/**
 * sipnat_nat_policy_get_stun_server_port:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:stun-server-port].
 *
 * Returns: the STUN server's port
 */
guint
sipnat_nat_policy_get_stun_server_port (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), 0);
  return self->stun_server_port;
}

/**
 * sipnat_nat_policy_set_stun_server_port:
 * @self: a policy
 * @port: a port, 1 to 65535
 *
 * Sets [property@Sipnat.NatPolicy:stun-server-port].
 */
void
sipnat_nat_policy_set_stun_server_port (SipnatNatPolicy *self,
                                        guint            port)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  set_port (self, &self->stun_server_port, port, PROP_STUN_SERVER_PORT);
}

/**
 * sipnat_nat_policy_get_turn_server:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:turn-server].
 *
 * Returns: (nullable): the TURN server
 */
const char *
sipnat_nat_policy_get_turn_server (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), NULL);
  return self->turn_server;
}

/**
 * sipnat_nat_policy_set_turn_server:
 * @self: a policy
 * @turn_server: (nullable): a host name or address; %NULL or empty for none
 *
 * Sets [property@Sipnat.NatPolicy:turn-server].
 */
void
sipnat_nat_policy_set_turn_server (SipnatNatPolicy *self,
                                   const char      *turn_server)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  set_string (self, &self->turn_server, turn_server, PROP_TURN_SERVER);
}

/**
 * sipnat_nat_policy_get_turn_server_port:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:turn-server-port].
 *
 * Returns: the TURN server's port
 */
guint
sipnat_nat_policy_get_turn_server_port (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), 0);
  return self->turn_server_port;
}

/**
 * sipnat_nat_policy_set_turn_server_port:
 * @self: a policy
 * @port: a port, 1 to 65535
 *
 * Sets [property@Sipnat.NatPolicy:turn-server-port].
 */
void
sipnat_nat_policy_set_turn_server_port (SipnatNatPolicy *self,
                                        guint            port)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  set_port (self, &self->turn_server_port, port, PROP_TURN_SERVER_PORT);
}

/**
 * sipnat_nat_policy_get_turn_user_name:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:turn-user-name].
 *
 * Returns: (nullable): the TURN user name
 */
const char *
sipnat_nat_policy_get_turn_user_name (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), NULL);
  return self->turn_user_name;
}

/**
 * sipnat_nat_policy_set_turn_user_name:
 * @self: a policy
 * @user_name: (nullable): the TURN user name
 *
 * Sets [property@Sipnat.NatPolicy:turn-user-name].
 */
void
sipnat_nat_policy_set_turn_user_name (SipnatNatPolicy *self,
                                      const char      *user_name)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  set_string (self, &self->turn_user_name, user_name, PROP_TURN_USER_NAME);
}

/**
 * sipnat_nat_policy_get_turn_password:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:turn-password].
 *
 * Returns: (nullable): the TURN password
 */
const char *
sipnat_nat_policy_get_turn_password (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), NULL);
  return self->turn_password;
}

/**
 * sipnat_nat_policy_set_turn_password:
 * @self: a policy
 * @password: (nullable): the TURN password
 *
 * Sets [property@Sipnat.NatPolicy:turn-password].
 */
void
sipnat_nat_policy_set_turn_password (SipnatNatPolicy *self,
                                     const char      *password)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  set_string (self, &self->turn_password, password, PROP_TURN_PASSWORD);
}

/**
 * sipnat_nat_policy_get_turn_relay_type:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:turn-relay-type].
 *
 * Returns: the transport to the TURN server
 */
SipnatRelayType
sipnat_nat_policy_get_turn_relay_type (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), SIPNAT_RELAY_TYPE_UDP);
  return self->turn_relay_type;
}

/**
 * sipnat_nat_policy_set_turn_relay_type:
 * @self: a policy
 * @relay_type: the transport to the TURN server
 *
 * Sets [property@Sipnat.NatPolicy:turn-relay-type].
 */
void
sipnat_nat_policy_set_turn_relay_type (SipnatNatPolicy *self,
                                       SipnatRelayType  relay_type)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  g_return_if_fail (relay_type <= SIPNAT_RELAY_TYPE_TLS);

  if (self->turn_relay_type == relay_type)
    return;

  self->turn_relay_type = relay_type;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TURN_RELAY_TYPE]);
}

/**
 * sipnat_nat_policy_get_keepalive_interval:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:keepalive-interval].
 *
 * Returns: seconds between keep-alives, 0 if off
 */
guint
sipnat_nat_policy_get_keepalive_interval (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), 0);
  return self->keepalive_interval;
}

/**
 * sipnat_nat_policy_set_keepalive_interval:
 * @self: a policy
 * @seconds: seconds between keep-alives, 0 to turn them off
 *
 * Sets [property@Sipnat.NatPolicy:keepalive-interval]; it applies from the
 * next registration.
 */
void
sipnat_nat_policy_set_keepalive_interval (SipnatNatPolicy *self,
                                          guint            seconds)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  g_return_if_fail (seconds <= 3600);

  if (self->keepalive_interval == seconds)
    return;

  self->keepalive_interval = seconds;
  if (self->keepalive_watch != NULL)
    self->keepalive_watch (self, self->keepalive_watch_data);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_KEEPALIVE_INTERVAL]);
}

void
_sipnat_nat_policy_set_keepalive_watch (SipnatNatPolicy      *self,
                                        SipnatNatPolicyWatch  watch,
                                        gpointer              data)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));
  g_return_if_fail (watch == NULL || self->keepalive_watch == NULL);

  self->keepalive_watch = watch;
  self->keepalive_watch_data = data;
}

/**
 * sipnat_nat_policy_get_keepalive_auto:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:keepalive-auto].
 *
 * Returns: whether the keep-alive period follows the measured binding lifetime
 */
gboolean
sipnat_nat_policy_get_keepalive_auto (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), FALSE);
  return self->keepalive_auto;
}

/**
 * sipnat_nat_policy_set_keepalive_auto:
 * @self: a policy
 * @keepalive_auto: whether the keep-alive period follows the measured
 *   binding lifetime
 *
 * Sets [property@Sipnat.NatPolicy:keepalive-auto]; the measurement starts
 * with the next registration that uses the policy.
 */
void
sipnat_nat_policy_set_keepalive_auto (SipnatNatPolicy *self,
                                      gboolean         keepalive_auto)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));

  keepalive_auto = !!keepalive_auto;
  if (self->keepalive_auto == keepalive_auto)
    return;

  self->keepalive_auto = keepalive_auto;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_KEEPALIVE_AUTO]);
}

/**
 * sipnat_nat_policy_validate:
 * @self: a policy
 * @error: return location for a #GError
 *
 * Checks the policy as a whole: a TURN server needs both a user name and a
 * password, and ICE needs a STUN or TURN server to learn anything a host
 * candidate does not already know (ICE without servers is allowed, but
 * only finds host candidates).
 *
 * Returns: %TRUE if the policy is usable, %FALSE with a
 *   %SIPNAT_ERROR_CONFIG error otherwise
 */
gboolean
sipnat_nat_policy_validate (SipnatNatPolicy  *self,
                            GError          **error)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (self->turn_server != NULL &&
      (self->turn_user_name == NULL || self->turn_password == NULL))
    {
      g_set_error (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                   _("The TURN server “%s” needs a user name and a password "
                     "(turn_user_name, turn_password)"),
                   self->turn_server);
      return FALSE;
    }

  return TRUE;
}

/**
 * sipnat_nat_policy_get_force_relay:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:force-relay].
 *
 * Returns: whether media goes only through the TURN relay
 */
gboolean
sipnat_nat_policy_get_force_relay (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), FALSE);

  return self->force_relay;
}

/**
 * sipnat_nat_policy_set_force_relay:
 * @self: a policy
 * @force_relay: whether media goes only through the TURN relay
 *
 * Sets [property@Sipnat.NatPolicy:force-relay].
 */
void
sipnat_nat_policy_set_force_relay (SipnatNatPolicy *self,
                                   gboolean         force_relay)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));

  force_relay = !!force_relay;
  if (self->force_relay == force_relay)
    return;

  self->force_relay = force_relay;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_FORCE_RELAY]);
}

/**
 * sipnat_nat_policy_get_turn_tls_ca_file:
 * @self: a policy
 *
 * Gets [property@Sipnat.NatPolicy:turn-tls-ca-file].
 *
 * Returns: (nullable) (type filename): the CA file, or %NULL
 */
const char *
sipnat_nat_policy_get_turn_tls_ca_file (SipnatNatPolicy *self)
{
  g_return_val_if_fail (SIPNAT_IS_NAT_POLICY (self), NULL);

  return self->turn_tls_ca_file;
}

/**
 * sipnat_nat_policy_set_turn_tls_ca_file:
 * @self: a policy
 * @path: (nullable) (type filename): a PEM file of certificate authorities
 *
 * Sets [property@Sipnat.NatPolicy:turn-tls-ca-file].
 */
void
sipnat_nat_policy_set_turn_tls_ca_file (SipnatNatPolicy *self,
                                        const char      *path)
{
  g_return_if_fail (SIPNAT_IS_NAT_POLICY (self));

  set_string (self, &self->turn_tls_ca_file, path, PROP_TURN_TLS_CA_FILE);
}
