/* sipnat-endpoint.c: a SIP endpoint on the GLib main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "sipnat-call-private.h"
#include "sipnat-debug-private.h"
#include "sipnat-endpoint-impl-private.h"
#include "sipnat-enums.h"
#include "sipnat-error.h"
#include "sipnat-registration-impl-private.h"
#include "sipnat-registration-private.h"
#include "sipnat-stack-private.h"
#include "sipnat-util-private.h"

/**
 * SipnatEndpoint:
 *
 * A SIP user agent bound to local UDP and TCP ports, running on the
 * thread-default [struct@GLib.MainContext] of the thread that created it:
 * every signal, notification and async callback is delivered there, and
 * no other thread is started.
 *
 * An endpoint holds the [class@Sipnat.Registration]s (one per `proxyN`
 * section of a configuration) and a default [class@Sipnat.NatPolicy].
 * Create one with [ctor@Sipnat.Endpoint.new] or from a configuration file
 * with [ctor@Sipnat.Endpoint.new_from_file]; close it with
 * [method@Sipnat.Endpoint.close_async], which removes every registration
 * from its registrar before the SIP stack shuts down, and says which
 * could not be. Dropping the last reference without closing is safe too,
 * from any signal handler or callback: the stack shuts down in the
 * background, which removes established registrations without waiting
 * for the answers (a REGISTER still unanswered is not removed).
 */


static void sipnat_endpoint_initable_iface_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (SipnatEndpoint, sipnat_endpoint, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE,
                                                      sipnat_endpoint_initable_iface_init))

enum {
  PROP_0,
  PROP_LOCAL_ADDRESS,
  PROP_LOCAL_PORT,
  PROP_TRANSPORTS,
  PROP_USER_AGENT,
  PROP_SIP_TRANSACTION_TIMEOUT,
  PROP_PUBLIC_ADDRESS,
  PROP_IP_VERSIONS,
  PROP_TCP_FOR_LARGE_REQUESTS,
  PROP_INSTANCE_ID,
  PROP_CLOSE_TIMEOUT,
  PROP_NAT_POLICY,
  PROP_REGISTRATIONS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static void handle_incoming (gpointer              data,
                             const SipnatSipEvent *ev);

enum {
  SIGNAL_INCOMING_CALL,
  SIGNAL_NETWORK_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

#define DEFAULT_LOCAL_ADDRESS "0.0.0.0"

/* ---------------------------------------------------------------------- */
/* Requests nobody asked for                                              */

/* An INVITE becomes an incoming call of the registration it is for;
 * nua answers OPTIONS and MESSAGE itself. */
static void
incoming_invite (SipnatEndpoint       *self,
                 const SipnatSipEvent *ev)
{
  nua_t *nua = _sipnat_stack_get_nua (self->stack);
  SipnatRegistration *reg = _sipnat_endpoint_registration_for_request (self, ev->sip);
  g_autoptr(SipnatCall) call = NULL;

  if (reg == NULL || self->closed)
    {
      nua_respond (ev->nh, self->closed ? 480 : 404,
                   self->closed ? sip_480_Temporarily_unavailable : sip_404_Not_found,
                   NUTAG_WITH_THIS (nua), TAG_END ());
      nua_handle_destroy (ev->nh);
      return;
    }

  call = _sipnat_call_new_incoming (reg, ev);
  if (call == NULL)
    return;   /* refused (no usable offer): the call answered itself */

  g_object_ref (self);
  g_signal_emit (self, signals[SIGNAL_INCOMING_CALL], 0, call);
  g_object_unref (self);
}

static void
handle_incoming (gpointer              data,
                 const SipnatSipEvent *ev)
{
  SipnatEndpoint *self = data;

  if (ev->event == nua_i_invite)
    {
      incoming_invite (self, ev);
      return;
    }

  nua_handle_destroy (ev->nh);
}

/* ---------------------------------------------------------------------- */
/* Construction                                                           */

static gboolean
check_transports (SipnatEndpoint  *self,
                  GError         **error)
{
  if (self->transports == SIPNAT_TRANSPORT_FLAGS_NONE)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CONFIG,
                           _("No SIP transport is enabled"));
      return FALSE;
    }

  return TRUE;
}

static void
attach_registrations (SipnatEndpoint *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->registrations));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg =
        g_list_model_get_item (G_LIST_MODEL (self->registrations), i);

      _sipnat_registration_attach (reg, self->stack);
    }
}

/* A stack with the endpoint's settings on @port, taking its requests. */
SipnatStack *
_sipnat_endpoint_new_stack (SipnatEndpoint  *self,
                            guint            port,
                            GError         **error)
{
  SipnatStackOptions options = {
    .local_address = self->local_address,
    .local_port = port,
    .transports = self->transports,
    .user_agent = self->user_agent,
    .transaction_timeout = self->transaction_timeout,
    .tcp_for_large_requests = self->tcp_for_large_requests,
  };
  SipnatStack *stack = _sipnat_stack_new (self->context, &options, error);

  if (stack != NULL)
    _sipnat_stack_set_incoming_handler (stack, handle_incoming, self);
  return stack;
}

/* The bound port, once known. */
void
_sipnat_endpoint_update_local_port (SipnatEndpoint *self)
{
  if (self->local_port != _sipnat_stack_get_port (self->stack))
    {
      self->local_port = _sipnat_stack_get_port (self->stack);
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_LOCAL_PORT]);
    }
}

static gboolean
sipnat_endpoint_initable_init (GInitable     *initable,
                               GCancellable  *cancellable,
                               GError       **error)
{
  SipnatEndpoint *self = SIPNAT_ENDPOINT (initable);

  if (self->closed)
    {
      g_set_error_literal (error, SIPNAT_ERROR, SIPNAT_ERROR_CLOSED,
                           _("The endpoint is closed"));
      return FALSE;
    }

  if (self->stack != NULL)
    return TRUE;

  if (g_cancellable_set_error_if_cancelled (cancellable, error) ||
      !check_transports (self, error))
    return FALSE;

  self->stack = _sipnat_endpoint_new_stack (self, self->local_port, error);
  if (self->stack == NULL)
    return FALSE;

  attach_registrations (self);
  _sipnat_endpoint_start_network_monitor (self);
  _sipnat_endpoint_update_local_port (self);

  return TRUE;
}

static void
sipnat_endpoint_initable_iface_init (GInitableIface *iface)
{
  iface->init = sipnat_endpoint_initable_init;
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                */

void
_sipnat_endpoint_detach_registrations (SipnatEndpoint *self,
                      gboolean        unregister)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->registrations));

  for (guint i = 0; i < n; i++)
    {
      g_autoptr(SipnatRegistration) reg =
        g_list_model_get_item (G_LIST_MODEL (self->registrations), i);

      _sipnat_registration_detach (reg, unregister);
    }
}

static void
sipnat_endpoint_dispose (GObject *object)
{
  SipnatEndpoint *self = SIPNAT_ENDPOINT (object);

  /* Dropped without close: nothing waits, but the stack still shuts down
   * in order, in the background (Sofia removes established registrations
   * as it destroys their handles). */
  if (self->calls != NULL)
    _sipnat_endpoint_terminate_calls (self, NULL, _("The endpoint was dropped"));
  if (self->stack != NULL)
    {
      _sipnat_endpoint_detach_registrations (self, FALSE);
      _sipnat_stack_shutdown (g_steal_pointer (&self->stack), NULL, NULL);
    }

  g_clear_pointer (&self->network_monitor, _sipnat_network_monitor_free);
  _sipnat_clear_source (&self->close_deadline);
  g_clear_object (&self->close_cancellable);
  g_clear_error (&self->close_error);
  if (self->registrations_by_name != NULL)
    g_hash_table_remove_all (self->registrations_by_name);
  if (self->registrations != NULL)
    g_list_store_remove_all (self->registrations);
  g_clear_object (&self->nat_policy);

  G_OBJECT_CLASS (sipnat_endpoint_parent_class)->dispose (object);
}

static void
sipnat_endpoint_finalize (GObject *object)
{
  SipnatEndpoint *self = SIPNAT_ENDPOINT (object);

  g_clear_pointer (&self->registrations_by_name, g_hash_table_unref);
  g_clear_object (&self->registrations);
  g_clear_pointer (&self->calls, g_ptr_array_unref);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->local_address);
  g_free (self->user_agent);
  g_free (self->public_address);
  g_free (self->ip_versions);
  g_free (self->instance_id);

  G_OBJECT_CLASS (sipnat_endpoint_parent_class)->finalize (object);
}

static void
sipnat_endpoint_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  SipnatEndpoint *self = SIPNAT_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_LOCAL_ADDRESS:
      g_value_set_string (value, self->local_address);
      break;
    case PROP_LOCAL_PORT:
      g_value_set_uint (value, self->local_port);
      break;
    case PROP_TRANSPORTS:
      g_value_set_flags (value, self->transports);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;
    case PROP_SIP_TRANSACTION_TIMEOUT:
      g_value_set_uint (value, self->transaction_timeout);
      break;
    case PROP_PUBLIC_ADDRESS:
      g_value_set_string (value, self->public_address);
      break;
    case PROP_IP_VERSIONS:
      g_value_set_string (value, self->ip_versions);
      break;
    case PROP_TCP_FOR_LARGE_REQUESTS:
      g_value_set_boolean (value, self->tcp_for_large_requests);
      break;
    case PROP_INSTANCE_ID:
      g_value_set_string (value, self->instance_id);
      break;
    case PROP_CLOSE_TIMEOUT:
      g_value_set_uint (value, self->close_timeout);
      break;
    case PROP_NAT_POLICY:
      g_value_set_object (value, self->nat_policy);
      break;
    case PROP_REGISTRATIONS:
      g_value_set_object (value, self->registrations);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
set_ip_versions (SipnatEndpoint *self,
                 const char     *ip_versions)
{
  if (_sipnat_set_str (&self->ip_versions, ip_versions))
    g_object_notify_by_pspec (G_OBJECT (self), props[PROP_IP_VERSIONS]);
}

static void
sipnat_endpoint_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  SipnatEndpoint *self = SIPNAT_ENDPOINT (object);

  switch (prop_id)
    {
    case PROP_LOCAL_ADDRESS:
      g_free (self->local_address);
      self->local_address = g_value_dup_string (value);
      if (self->local_address == NULL || *self->local_address == '\0')
        _sipnat_set_str (&self->local_address, DEFAULT_LOCAL_ADDRESS);
      break;
    case PROP_LOCAL_PORT:
      self->local_port = g_value_get_uint (value);
      break;
    case PROP_TRANSPORTS:
      self->transports = g_value_get_flags (value);
      break;
    case PROP_USER_AGENT:
      g_free (self->user_agent);
      self->user_agent = g_value_dup_string (value);
      if (self->user_agent == NULL)
        self->user_agent = g_strdup ("libsipnat/" PACKAGE_VERSION);
      break;
    case PROP_SIP_TRANSACTION_TIMEOUT:
      sipnat_endpoint_set_transaction_timeout (self, g_value_get_uint (value));
      break;
    case PROP_PUBLIC_ADDRESS:
      sipnat_endpoint_set_public_address (self, g_value_get_string (value));
      break;
    case PROP_IP_VERSIONS:
      set_ip_versions (self, g_value_get_string (value));
      break;
    case PROP_TCP_FOR_LARGE_REQUESTS:
      sipnat_endpoint_set_tcp_for_large_requests (self, g_value_get_boolean (value));
      break;
    case PROP_INSTANCE_ID:
      sipnat_endpoint_set_instance_id (self, g_value_get_string (value));
      break;
    case PROP_CLOSE_TIMEOUT:
      sipnat_endpoint_set_close_timeout (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
sipnat_endpoint_class_init (SipnatEndpointClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = sipnat_endpoint_dispose;
  object_class->finalize = sipnat_endpoint_finalize;
  object_class->get_property = sipnat_endpoint_get_property;
  object_class->set_property = sipnat_endpoint_set_property;

  /**
   * SipnatEndpoint:local-address:
   *
   * The local IP address the SIP transports bind to; "0.0.0.0" (the
   * default) binds all IPv4 interfaces, "::" all IPv6 ones.
   */
  props[PROP_LOCAL_ADDRESS] =
    g_param_spec_string ("local-address", NULL, NULL, DEFAULT_LOCAL_ADDRESS,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatEndpoint:local-port:
   *
   * The local port of the SIP transports: all enabled transports use the
   * same one. Set 0 (the default) for an ephemeral port; once the
   * endpoint is initialised this reads the port actually bound.
   */
  props[PROP_LOCAL_PORT] =
    g_param_spec_uint ("local-port", NULL, NULL, 0, G_MAXUINT16, 0,
                       G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS |
                       G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:transports:
   *
   * The enabled SIP transports; UDP and TCP by default.
   */
  props[PROP_TRANSPORTS] =
    g_param_spec_flags ("transports", NULL, NULL, SIPNAT_TYPE_TRANSPORT_FLAGS,
                        SIPNAT_TRANSPORT_FLAGS_UDP | SIPNAT_TRANSPORT_FLAGS_TCP,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatEndpoint:user-agent:
   *
   * The User-Agent header of every request; "libsipnat/VERSION" by default.
   */
  props[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatEndpoint:sip-transaction-timeout:
   *
   * How long a SIP transaction may wait for a final answer, in
   * milliseconds (64 × T1 of RFC 3261): 1 to 32000, default 32000. The
   * product recommends 4000 where registrars answer quickly. The
   * product's `policy.endpoint.sip_transaction_timeout`.
   */
  props[PROP_SIP_TRANSACTION_TIMEOUT] =
    g_param_spec_uint ("sip-transaction-timeout", NULL, NULL,
                       1, SIPNAT_DEFAULT_TRANSACTION_TIMEOUT, SIPNAT_DEFAULT_TRANSACTION_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:public-address:
   *
   * An address to advertise in the Contact of new registrations instead
   * of the local one (`policy.endpoint.public_address`), for a NAT with
   * a static port forward; %NULL (the default) to advertise the local
   * address.
   */
  props[PROP_PUBLIC_ADDRESS] =
    g_param_spec_string ("public-address", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:ip-versions:
   *
   * The IP versions to use, in order of preference, e.g. "ipv4,ipv6"
   * (`policy.endpoint.ip_versions`). Kept for configuration round trips;
   * the bound address decides today.
   */
  props[PROP_IP_VERSIONS] =
    g_param_spec_string ("ip-versions", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:tcp-for-large-requests:
   *
   * Whether a request of more than 1300 bytes is sent over TCP although
   * UDP is the transport (RFC 3261 §18.1.1), so that NATs and firewalls
   * that drop IP fragments cannot swallow it
   * (`policy.endpoint.tcp_for_large_requests`). On by default; with it on,
   * a TCP transport is bound even when only UDP is enabled. Smaller
   * requests keep going over UDP.
   */
  props[PROP_TCP_FOR_LARGE_REQUESTS] =
    g_param_spec_boolean ("tcp-for-large-requests", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:instance-id:
   *
   * The endpoint's instance identifier for SIP outbound (RFC 5626
   * `+sip.instance`), a URN such as `urn:uuid:…`. A random UUID by
   * default; set it (`policy.endpoint.instance_id`) to one that stays the
   * same across restarts, so that a registrar replaces the old flows
   * instead of adding new ones.
   */
  props[PROP_INSTANCE_ID] =
    g_param_spec_string ("instance-id", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:close-timeout:
   *
   * The longest [method@Sipnat.Endpoint.close_async] takes, in
   * milliseconds: unregistrations not answered by then are abandoned (and
   * the close reports them), so that an application can quit quickly even
   * when a registrar is gone. 4000 by default
   * (`policy.endpoint.close_timeout`).
   */
  props[PROP_CLOSE_TIMEOUT] =
    g_param_spec_uint ("close-timeout", NULL, NULL, 1, 600000, SIPNAT_DEFAULT_CLOSE_TIMEOUT,
                       G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

  /**
   * SipnatEndpoint:nat-policy:
   *
   * The endpoint's default NAT policy: every registration added
   * afterwards starts with a copy of its settings (STUN and TURN servers,
   * keep-alive interval...), which its own `proxyN.nat` section then
   * overrides. Set it once for all accounts before adding them.
   */
  props[PROP_NAT_POLICY] =
    g_param_spec_object ("nat-policy", NULL, NULL, SIPNAT_TYPE_NAT_POLICY,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  /**
   * SipnatEndpoint:registrations:
   *
   * The registrations, as a [iface@Gio.ListModel] of [class@Sipnat.Registration].
   */
  props[PROP_REGISTRATIONS] =
    g_param_spec_object ("registrations", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * SipnatEndpoint::incoming-call:
   * @self: the endpoint
   * @call: the call, in the state %SIPNAT_CALL_STATE_RINGING
   *
   * Emitted when an INVITE with a usable offer arrives for one of the
   * endpoint's registrations (the one whose user is in the Request-URI).
   * Answer it with [method@Sipnat.Call.answer_async], refuse it with
   * [method@Sipnat.Call.reject], or let it ring: it ends with 480 after
   * [property@Sipnat.Call:no-answer-timeout]. The endpoint holds the call
   * until it ends. Candidates are gathered while it rings, so answering
   * connects quickly.
   */
  signals[SIGNAL_INCOMING_CALL] =
    g_signal_new ("incoming-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, SIPNAT_TYPE_CALL);

  /**
   * SipnatEndpoint::network-changed:
   * @self: the endpoint
   * @available: whether there is a network: an interface with a route
   *   out and, if registrars are given as addresses, a route to one of them
   *
   * Emitted when the network under the endpoint changed in a way that
   * matters to SIP: a local address came or went, the route to a
   * registrar now leaves from another address, or the network went away
   * or came back (a laptop moving from Wi-Fi to a phone tether, a new
   * DHCP lease). Bursts of system events (a move comes as several) are
   * gathered first: the signal comes 0.2 s after the last of them, 1 s
   * after the first at most.
   *
   * Nothing needs doing. By the time this is emitted, an endpoint bound to
   * all interfaces (the default [property@Sipnat.Endpoint:local-address])
   * has new SIP transports if its old ones were bound to an address that
   * is gone or the registrars are now reached from another one (on the
   * same port if it is free, else another: see
   * [property@Sipnat.Endpoint:local-port]), and every registration that
   * was registered or trying to be has sent a REGISTER from the new
   * address that also removes its old Contact (its
   * [signal@Sipnat.Registration::public-binding-changed] follows with the
   * answer). Calls whose signalling went through the old transports have
   * ended. With @available %FALSE the registrations wait for the network
   * to come back. An endpoint bound to one address re-registers, but
   * keeps its transports: that address is the application's choice.
   */
  signals[SIGNAL_NETWORK_CHANGED] =
    g_signal_new ("network-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_BOOLEAN);

  _sipnat_debug_init ();
}

static void
sipnat_endpoint_init (SipnatEndpoint *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->transaction_timeout = SIPNAT_DEFAULT_TRANSACTION_TIMEOUT;
  self->close_timeout = SIPNAT_DEFAULT_CLOSE_TIMEOUT;
  self->tcp_for_large_requests = TRUE;
  self->instance_id = _sipnat_endpoint_random_instance_id ();
  self->nat_policy = sipnat_nat_policy_new ();
  self->registrations = g_list_store_new (SIPNAT_TYPE_REGISTRATION);
  self->registrations_by_name = g_hash_table_new (g_str_hash, g_str_equal);
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
}

/* ---------------------------------------------------------------------- */
/* Public API                                                             */

/**
 * sipnat_endpoint_new:
 * @local_address: (nullable): the local address to bind, %NULL for all IPv4 interfaces
 * @local_port: the local port, 0 for an ephemeral one
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError
 *
 * Creates an endpoint with UDP and TCP on the thread-default main context
 * and binds its transports: the bound port is known when this returns.
 *
 * Returns: (transfer full): a new endpoint, or %NULL with @error set
 *   (%SIPNAT_ERROR_TRANSPORT when the address cannot be bound)
 */
SipnatEndpoint *
sipnat_endpoint_new (const char    *local_address,
                     guint          local_port,
                     GCancellable  *cancellable,
                     GError       **error)
{
  g_return_val_if_fail (local_port <= G_MAXUINT16, NULL);

  return g_initable_new (SIPNAT_TYPE_ENDPOINT, cancellable, error,
                         "local-address", local_address,
                         "local-port", local_port,
                         NULL);
}

/**
 * sipnat_endpoint_add_registration:
 * @self: an endpoint
 * @server: (nullable): the registrar, as `host[:port]`
 * @user: (nullable): the user name
 *
 * Creates a registration on this endpoint, named "proxyN" with N unused
 * by the endpoint's other registrations. Configure it further through
 * its properties, then call [method@Sipnat.Registration.register_async].
 *
 * Returns: (transfer none): the new registration, owned by the endpoint
 */
SipnatRegistration *
sipnat_endpoint_add_registration (SipnatEndpoint *self,
                                  const char     *server,
                                  const char     *user)
{
  SipnatRegistration *reg;

  g_return_val_if_fail (SIPNAT_IS_ENDPOINT (self), NULL);

  reg = _sipnat_endpoint_add_named_registration (self, NULL);
  sipnat_registration_set_server (reg, server);
  sipnat_registration_set_user (reg, user);

  return reg;
}

/* The list holds the registrations in the order they were made, so by
 * increasing reg_id: a binary search, O(log^2 n) (g_list_store_find()
 * compares every item, which made removing n registrations O(n^2)). */
static gboolean
find_registration_position (SipnatEndpoint     *self,
                            SipnatRegistration *registration,
                            guint              *position)
{
  GListModel *list = G_LIST_MODEL (self->registrations);
  guint lo = 0, hi = g_list_model_get_n_items (list);

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      g_autoptr(SipnatRegistration) item = g_list_model_get_item (list, mid);

      if (item == registration)
        {
          *position = mid;
          return TRUE;
        }
      if (item->reg_id < registration->reg_id)
        lo = mid + 1;
      else
        hi = mid;
    }

  return FALSE;
}

/**
 * sipnat_endpoint_remove_registration:
 * @self: an endpoint
 * @registration: one of its registrations
 *
 * Removes a registration from the endpoint: it stops at once (no more
 * refreshes, keep-alives or retries; its state becomes
 * %SIPNAT_REGISTRATION_STATE_UNREGISTERED) and a binding it holds is
 * removed from the registrar in the background, without waiting for the
 * answer. Call [method@Sipnat.Registration.unregister_async] first to
 * know whether that worked. It may be called from any signal handler or
 * callback of the registration.
 */
void
sipnat_endpoint_remove_registration (SipnatEndpoint     *self,
                                     SipnatRegistration *registration)
{
  guint position;

  g_return_if_fail (SIPNAT_IS_ENDPOINT (self));
  g_return_if_fail (SIPNAT_IS_REGISTRATION (registration));

  if (!find_registration_position (self, registration, &position))
    return;

  g_object_ref (registration);
  _sipnat_endpoint_terminate_calls (self, registration, _("The registration was removed"));
  g_hash_table_remove (self->registrations_by_name, sipnat_registration_get_name (registration));
  g_list_store_remove (self->registrations, position);
  _sipnat_registration_detach (registration, TRUE);
  g_object_unref (registration);
}

/* ---------------------------------------------------------------------- */
/* Private API                                                            */

/* Last in sipnat-endpoint-network.c's handling, with a reference held. */
void
_sipnat_endpoint_emit_network_changed (SipnatEndpoint *self,
                                       gboolean        available)
{
  g_signal_emit (self, signals[SIGNAL_NETWORK_CHANGED], 0, available);
}

SipnatRegistration *
_sipnat_endpoint_find_registration (SipnatEndpoint *self,
                                    const char     *name)
{
  if (name == NULL)
    return NULL;

  return g_hash_table_lookup (self->registrations_by_name, name);   /* the list keeps it alive */
}

/* Every setting (readable and writable property) of @from into @to. */
static void
copy_settings (GObject *from,
               GObject *to)
{
  guint n = 0;
  g_autofree GParamSpec **pspecs = g_object_class_list_properties (G_OBJECT_GET_CLASS (from), &n);

  for (guint i = 0; i < n; i++)
    {
      g_auto(GValue) value = G_VALUE_INIT;

      if ((pspecs[i]->flags & G_PARAM_READWRITE) != G_PARAM_READWRITE ||
          (pspecs[i]->flags & G_PARAM_CONSTRUCT_ONLY))
        continue;

      g_value_init (&value, pspecs[i]->value_type);
      g_object_get_property (from, pspecs[i]->name, &value);
      g_object_set_property (to, pspecs[i]->name, &value);
    }
}

/* A registration named @name (the settings' proxyN), or a new name; its
 * reg-id comes from a counter that never repeats. */
SipnatRegistration *
_sipnat_endpoint_add_named_registration (SipnatEndpoint *self,
                                         const char     *name)
{
  g_autoptr(SipnatRegistration) reg = NULL;
  g_autofree char *generated = NULL;
  guint reg_id = ++self->last_reg_id;

  while (name == NULL)
    {
      generated = g_strdup_printf ("proxy%u", reg_id - 1);
      if (_sipnat_endpoint_find_registration (self, generated) == NULL)
        name = generated;
      else
        {
          g_clear_pointer (&generated, g_free);
          reg_id = ++self->last_reg_id;
        }
    }

  reg = _sipnat_registration_new (self, name, reg_id);
  copy_settings (G_OBJECT (self->nat_policy), G_OBJECT (sipnat_registration_get_nat_policy (reg)));
  if (self->stack != NULL)
    _sipnat_registration_attach (reg, self->stack);
  g_list_store_append (self->registrations, reg);
  g_hash_table_insert (self->registrations_by_name,
                       (gpointer) sipnat_registration_get_name (reg), reg);

  return reg;   /* the list holds it */
}
