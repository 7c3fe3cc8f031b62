/* sipnat-flow.c: keep a registration's flow and NAT binding open
 *
 * On UDP, every interval a STUN Binding request goes to the registrar's
 * SIP address and port from the SIP socket itself (RFC 5626 §4.4.2;
 * sipnat-flow-stun.c), so it leaves by the same NAT binding as the
 * REGISTERs, and its XOR-MAPPED-ADDRESS is the binding the registrar
 * sees: a changed binding is seen at the next keep-alive, not at the
 * next REGISTER. 152 IP bytes a round trip with Kamailio (48 out, 104 in).
 *
 * Until the registrar has answered STUN once, each keep-alive also sends
 * an OPTIONS (a probe is answered as soon as before by any registrar). A
 * registrar that does not answer the first STUN transaction, or refuses
 * it, gets OPTIONS only, for as long as the flow lasts: an
 * OPTIONS with Max-Forwards 0, that the first proxy answers itself (483
 * Too Many Hops) with received/rport in the Via of the answer (about 800
 * bytes a round trip). A STUN keep-alive that goes unanswered after
 * STUN worked is followed at once by an OPTIONS probe, whose failure
 * tells the registration that the flow is gone; after
 * MAX_STUN_TIMEOUTS of them in a row the flow keeps to OPTIONS.
 *
 * On TCP the connection's own CRLF ping/pong keeps the flow (RFC 5626
 * §4.4.1), and OPTIONS go only as probes. On TLS, OPTIONS as on a UDP
 * flow without STUN: Sofia 1.12.11's TLS transport has no CRLF ping/pong
 * (its vtable has no keep-alive timer), and an OPTIONS that cannot go out
 * on a dead connection, or gets no answer, makes the registration refresh
 * on a new one.
 *
 * The period is the NAT policy's keep-alive interval, or the registrar's
 * Flow-Timer when it does outbound (RFC 5626 §4.4.1).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "sipnat-debug-private.h"
#include "sipnat-flow-private.h"
#include "sipnat-flow-stun-private.h"

typedef enum {
  KEEPALIVE_STUN_TRYING,    /* STUN sent, never answered yet */
  KEEPALIVE_STUN,           /* the registrar answers STUN */
  KEEPALIVE_OPTIONS,        /* it does not: OPTIONS until the flow restarts */
} KeepaliveKind;

struct _SipnatFlow
{
  SipnatHandleOwner owner;      /* of nh */
  SipnatStack *stack;
  SipnatFlowAnsweredFunc func;
  gpointer data;

  guint interval_s;             /* the policy's */
  gboolean outbound_active;
  guint flow_timer;             /* seconds, from the registrar; 0 if none */

  gboolean running;
  nua_handle_t *nh;             /* made at the first OPTIONS: STUN needs none */
  char *aor;
  char *registrar_url;
  SipnatTransport transport;
  SipnatSchedulerTimer *timer;   /* on the stack's scheduler */
  SipnatSchedulerTimer *probe_timer;   /* an OPTIONS probe put off */
  gboolean first_round;         /* the next keep-alive is the flow's first */
  gint64 last_sent;             /* monotonic µs of the last keep-alive (or the start) */
  gboolean in_flight;
  gboolean stream_claimed;

  SipnatFlowMappedFunc mapped_func;
  SipnatFlowStun *stun;         /* UDP only, while running */
  KeepaliveKind kind;
  guint stun_timeouts;          /* in a row, once STUN was answered */
  SipnatFlowCounts counts;      /* of the flows before the current one */
};

#define MAX_FLOW_TIMER_S 3600
/* STUN keep-alives unanswered in a row, each followed by an OPTIONS
 * probe, before the flow keeps to OPTIONS (a registrar that stopped
 * answering STUN but answers SIP). */
#define MAX_STUN_TIMEOUTS 2
/* Sofia 1.12.11 looks up the AOR of every request but REGISTER in a
 * list of all the stack's registrations (nua_client.c ->
 * nua_registration_add_contact_to_request -> nua_registration_by_aor,
 * an url_cmp each): an OPTIONS costs O(registrations), and a keep-alive
 * round with an OPTIONS per flow O(n^2), which saturated the loop at
 * 10 000. With more flows on the socket than this, the first STUN goes
 * alone and a registrar without STUN gets its OPTIONS when it times out
 * (2.5 s later). */
#define MAX_FLOWS_FOR_OPTIONS_ALONG 64
/* A STUN answer to another flow on the same socket stands for ours this
 * long: with thousands of registrations on a stack, one STUN
 * transaction a second keeps their common NAT binding and sees it
 * change, where one each made thousands a second. A rebinding is then
 * seen by a flow at most this much later than by its own keep-alive. */
#define SHARED_MAPPING_MAX_AGE_MS 1000

static void
handle_event (SipnatHandleOwner    *owner,
              const SipnatSipEvent *ev)
{
  SipnatFlow *self = SIPNAT_HANDLE_OWNER_CONTAINER (owner, SipnatFlow, owner);

  if (ev->event != nua_r_options || ev->status < 200)
    return;

  self->in_flight = FALSE;
  SIPNAT_NOTE (NAT, "keep-alive answered: %d %s", ev->status, ev->phrase);
  self->func (self->data, ev);   /* last: it may free us */
}

SipnatFlow *
_sipnat_flow_new (SipnatStack            *stack,
                  SipnatFlowAnsweredFunc  func,
                  gpointer                data)
{
  SipnatFlow *self = g_new0 (SipnatFlow, 1);

  self->owner.handle_event = handle_event;
  self->stack = _sipnat_stack_ref (stack);
  self->func = func;
  self->data = data;

  return self;
}

void
_sipnat_flow_free (SipnatFlow *self)
{
  if (self == NULL)
    return;

  _sipnat_flow_stop (self);
  _sipnat_stack_unref (self->stack);
  g_free (self);
}

static guint
period (SipnatFlow *self)
{
  if (self->interval_s > 0 && self->outbound_active && self->flow_timer > 0)
    return self->flow_timer;

  return self->interval_s;
}

/* A transport with its own CRLF ping (Sofia's TCP, not its TLS). */
static gboolean
is_stream (SipnatFlow *self)
{
  return self->transport == SIPNAT_TRANSPORT_TCP;
}

/* A handle costs a few KiB in Sofia, times thousands of registrations
 * that keep alive with STUN or CRLF only: made when first needed. */
static gboolean
ensure_handle (SipnatFlow *self)
{
  nua_t *nua = _sipnat_stack_get_nua (self->stack);

  if (self->nh != NULL)
    return TRUE;
  if (!self->running || nua == NULL)
    return FALSE;

  self->nh = nua_handle (nua, &self->owner,
                         SIPTAG_TO_STR (self->aor),
                         SIPTAG_FROM_STR (self->aor),
                         NUTAG_MEDIA_ENABLE (0),
                         /* Keep-alives go out often: no more headers
                          * than they need. */
                         SIPTAG_ALLOW_STR ("OPTIONS"),
                         SIPTAG_SUPPORTED_STR (""),
                         TAG_END ());
  return self->running;
}

static void
send_options (SipnatFlow *self)
{
  if (self->in_flight || !ensure_handle (self))
    return;

  SIPNAT_NOTE (NAT, "keep-alive OPTIONS to %s", self->registrar_url);
  self->in_flight = TRUE;
  self->counts.options_sent++;
  nua_options (self->nh,
               NUTAG_URL (self->registrar_url),
               SIPTAG_MAX_FORWARDS_STR ("0"),
               TAG_END ());
}

static void
fall_back_to_options (SipnatFlow *self,
                      const char *reason)
{
  SIPNAT_NOTE (NAT, "keep-alive: %s; falling back to OPTIONS", reason);
  self->kind = KEEPALIVE_OPTIONS;
  self->counts.options_fallback = TRUE;
}

/* A keep-alive: STUN on UDP unless the registrar does not do it. Until
 * the registrar has answered STUN once, an OPTIONS goes along, so that a
 * probe is answered as fast as before by a registrar without STUN.
 * FALSE when it must wait: too many STUN answers pending on the socket. */
static gboolean
send_keepalive (SipnatFlow *self)
{
  SipnatFlowStunSend sent;

  if (self->stun == NULL || self->kind == KEEPALIVE_OPTIONS)
    {
      self->last_sent = g_get_monotonic_time ();
      send_options (self);
      return TRUE;
    }

  sent = _sipnat_flow_stun_send (self->stun);
  if (sent == SIPNAT_FLOW_STUN_BUSY)
    {
      self->counts.stun_deferred++;
      return FALSE;
    }

  self->last_sent = g_get_monotonic_time ();
  switch (sent)
    {
    case SIPNAT_FLOW_STUN_SENT:
      SIPNAT_NOTE (NAT, "keep-alive STUN to %s", self->registrar_url);
      if (self->kind == KEEPALIVE_STUN_TRYING &&
          _sipnat_flow_stun_get_n_flows (self->stun) <= MAX_FLOWS_FOR_OPTIONS_ALONG)
        send_options (self);
      break;
    case SIPNAT_FLOW_STUN_NOT_YET:
      send_options (self);
      break;
    case SIPNAT_FLOW_STUN_NEVER:
    case SIPNAT_FLOW_STUN_BUSY:
    default:
      fall_back_to_options (self, _sipnat_flow_stun_get_reason (self->stun));
      send_options (self);
      break;
    }

  return TRUE;
}

static void
probe_cb (gpointer data)
{
  SipnatFlow *self = data;

  self->probe_timer = NULL;   /* the scheduler is done with it */
  send_options (self);
}

/* The OPTIONS probe after a STUN timeout. With many flows on the socket
 * their timeouts come together (an overloaded loop answers late), and an
 * OPTIONS costs O(registrations) in Sofia: at once they would feed the
 * overload that caused them. So it waits a random part of the period. */
static void
probe_after_timeout (SipnatFlow *self)
{
  SipnatScheduler *scheduler = _sipnat_stack_get_scheduler (self->stack);
  guint ms = period (self) * 1000;

  if (self->stun == NULL || ms == 0 ||
      _sipnat_flow_stun_get_n_flows (self->stun) <= MAX_FLOWS_FOR_OPTIONS_ALONG)
    {
      send_options (self);
      return;
    }

  if (self->probe_timer == NULL)
    self->probe_timer = _sipnat_scheduler_add (scheduler, g_random_int_range (0, (gint32) ms),
                                               probe_cb, self);
}

static void
stun_answered (gpointer             data,
               SipnatFlowStunResult result,
               const char          *host,
               guint                port)
{
  SipnatFlow *self = data;

  switch (result)
    {
    case SIPNAT_FLOW_STUN_MAPPED:
      if (self->kind == KEEPALIVE_STUN_TRYING)
        SIPNAT_NOTE (NAT, "keep-alive: the registrar answers STUN on its SIP port");
      self->kind = KEEPALIVE_STUN;
      self->stun_timeouts = 0;
      SIPNAT_NOTE (NAT, "keep-alive answered: STUN mapped %s:%u", host, port);
      if (self->mapped_func != NULL)
        self->mapped_func (self->data, host, port);   /* last: it may free us */
      return;

    case SIPNAT_FLOW_STUN_REFUSED:
      fall_back_to_options (self, "the registrar refused STUN");
      send_options (self);   /* nothing if one went along and is in flight */
      return;

    case SIPNAT_FLOW_STUN_TIMEOUT:
    default:
      /* The registrar answered others on this socket meanwhile: the same
       * NAT binding is alive, ours was lost or late. No probe, no
       * fall-back: that would multiply the traffic that made it late. */
      if (_sipnat_flow_stun_registrar_alive (self->stun))
        {
          self->counts.stun_timeouts_excused++;
          SIPNAT_NOTE (NAT, "keep-alive: STUN unanswered, but the registrar answers others "
                       "on the same socket: no probe");
          return;
        }
      if (self->kind == KEEPALIVE_STUN_TRYING)
        {
          fall_back_to_options (self, "no STUN answer from the registrar");
          if (_sipnat_flow_stun_get_n_flows (self->stun) > MAX_FLOWS_FOR_OPTIONS_ALONG)
            probe_after_timeout (self);   /* none went along */
          return;
        }
      if (++self->stun_timeouts >= MAX_STUN_TIMEOUTS)
        fall_back_to_options (self, "the registrar stopped answering STUN");
      else
        SIPNAT_NOTE (NAT, "keep-alive: STUN unanswered; probing with OPTIONS");
      probe_after_timeout (self);
      return;
    }
}

static void start_timer (SipnatFlow *self);

static void tick_cb (gpointer data);

/* Answers pending on the socket: the keep-alive again in a moment. */
static void
retry_soon (SipnatFlow *self)
{
  SipnatScheduler *scheduler = _sipnat_stack_get_scheduler (self->stack);

  _sipnat_scheduler_clear (scheduler, &self->timer);
  self->timer = _sipnat_scheduler_add (scheduler, (guint) g_random_int_range (20, 200),
                                       tick_cb, self);
}

/* The mapping another flow on the same socket learnt from the same
 * registrar at most SHARED_MAPPING_MAX_AGE_MS ago, instead of a STUN
 * keep-alive of our own: same socket, same registrar address, so the
 * same 5-tuple and NAT binding, which that keep-alive refreshed. */
static char *
take_shared_mapping (SipnatFlow *self,
                     guint      *port)
{
  char *host;

  if (self->stun == NULL || self->kind == KEEPALIVE_OPTIONS)
    return NULL;

  host = _sipnat_flow_stun_get_shared_mapping (self->stun, SHARED_MAPPING_MAX_AGE_MS, port);
  if (host != NULL)
    {
      self->counts.stun_shared++;
      self->last_sent = g_get_monotonic_time ();
    }

  return host;
}

static void
tick_cb (gpointer data)
{
  SipnatFlow *self = data;
  g_autofree char *shared_host = NULL;
  guint shared_port = 0;

  self->timer = NULL;   /* the scheduler is done with it */
  shared_host = take_shared_mapping (self, &shared_port);
  if (shared_host == NULL && !send_keepalive (self))
    {
      retry_soon (self);
      return;
    }
  self->first_round = FALSE;
  start_timer (self);   /* a fresh random interval */
  if (shared_host != NULL)
    stun_answered (self, SIPNAT_FLOW_STUN_MAPPED, shared_host, shared_port);   /* last */
}

static void
stop_timer (SipnatFlow *self)
{
  _sipnat_scheduler_clear (_sipnat_stack_get_scheduler (self->stack), &self->timer);
}

static void
stop_probe_timer (SipnatFlow *self)
{
  _sipnat_scheduler_clear (_sipnat_stack_get_scheduler (self->stack), &self->probe_timer);
}

/* RFC 5626 §4.4.1: each interval is drawn between 80 % and 100 % of the
 * period, so that many flows do not send in bursts. Streams have their
 * own ping. The interval counts from the last keep-alive: a period made
 * shorter (keepalive_interval = auto) must not leave a gap longer than
 * the old one. The first one of a flow comes between 10 % and 100 % of
 * the period: thousands of registrations made at once then keep alive
 * evenly over the period, not in a burst at its end. */
static void
start_timer (SipnatFlow *self)
{
  guint ms = period (self) * 1000;
  gint64 elapsed_ms;
  guint interval_ms;

  stop_timer (self);
  if (ms == 0 || is_stream (self) || !self->running)
    return;

  if (self->first_round)
    interval_ms = (guint) g_random_int_range ((gint32) (ms / 10), (gint32) ms + 1);
  else
    interval_ms = _sipnat_scheduler_jitter (ms, 20);
  elapsed_ms = (g_get_monotonic_time () - self->last_sent) / 1000;
  self->timer = _sipnat_scheduler_add (_sipnat_stack_get_scheduler (self->stack),
                                       elapsed_ms >= interval_ms ? 0 : interval_ms - elapsed_ms,
                                       tick_cb, self);
}

/* Sofia gives a TCP connection a copy of the transport parameters when a
 * registration first succeeds on it: the ping period must be set before
 * the REGISTER that opens the connection, and applies to new connections
 * only. */
void
_sipnat_flow_claim_stream (SipnatFlow *self)
{
  self->stream_claimed = TRUE;
  _sipnat_stack_set_stream_keepalive (self->stack, self, period (self) * 1000);
}

static void
release_stream (SipnatFlow *self)
{
  if (!self->stream_claimed)
    return;

  self->stream_claimed = FALSE;
  _sipnat_stack_set_stream_keepalive (self->stack, self, 0);
}

static void
restart (SipnatFlow *self)
{
  if (self->stream_claimed)
    _sipnat_flow_claim_stream (self);
  if (self->running)
    start_timer (self);
}

void
_sipnat_flow_set_interval (SipnatFlow *self,
                           guint       interval_s)
{
  if (self->interval_s == interval_s)
    return;

  self->interval_s = interval_s;
  restart (self);
}

/* From a 2xx to REGISTER: whether the registrar does outbound for us
 * (Require: outbound) and its Flow-Timer. TRUE if outbound-active
 * changed. */
gboolean
_sipnat_flow_update_outbound (SipnatFlow  *self,
                              const sip_t *sip)
{
  gboolean active = sip_has_feature (sip->sip_require, "outbound");
  gboolean changed = active != self->outbound_active;
  guint flow_timer = 0;

  for (const msg_unknown_t *u = sip->sip_unknown; u != NULL; u = u->un_next)
    if (u->un_name != NULL && g_ascii_strcasecmp (u->un_name, "Flow-Timer") == 0 && u->un_value)
      flow_timer = (guint) MIN (g_ascii_strtoull (u->un_value, NULL, 10), MAX_FLOW_TIMER_S);

  if (!changed && flow_timer == self->flow_timer)
    return FALSE;

  self->outbound_active = active;
  self->flow_timer = flow_timer;
  SIPNAT_NOTE (NAT, "outbound %s, Flow-Timer %u", active ? "on" : "off", flow_timer);
  restart (self);

  return changed;
}

gboolean
_sipnat_flow_get_outbound_active (SipnatFlow *self)
{
  return self->outbound_active;
}

guint
_sipnat_flow_get_flow_timer (SipnatFlow *self)
{
  return self->flow_timer;
}

static void
start_stun (SipnatFlow *self)
{
  su_home_t home[1] = { SU_HOME_INIT (home) };
  url_t *url = url_make (home, self->registrar_url);
  const char *port = url != NULL ? url_port (url) : NULL;

  self->kind = KEEPALIVE_STUN_TRYING;
  self->stun_timeouts = 0;
  if (url == NULL || url->url_host == NULL || port == NULL || *port == '\0')
    fall_back_to_options (self, "the registrar URI has no host and port");
  else
    self->stun = _sipnat_flow_stun_new (_sipnat_stack_get_context (self->stack),
                                        _sipnat_stack_get_scheduler (self->stack),
                                        _sipnat_stack_get_port (self->stack),
                                        url->url_host,
                                        (guint) g_ascii_strtoull (port, NULL, 10),
                                        stun_answered, self);
  su_home_deinit (home);
}

static void
stop_stun (SipnatFlow *self)
{
  guint sent, answered, dropped;

  if (self->stun == NULL)
    return;

  _sipnat_flow_stun_get_counts (self->stun, &sent, &answered, &dropped);
  self->counts.stun_sent += sent;
  self->counts.stun_answered += answered;
  self->counts.stun_dropped += dropped;
  g_clear_pointer (&self->stun, _sipnat_flow_stun_free);
}

/*
 * _sipnat_flow_start:
 * @registrar_url: where the registration's REGISTERs go
 * @aor: the address of record (From and To)
 *
 * Starts keep-alives on the registration's flow, if not running; the
 * first goes out after one period. With a period of 0 nothing is sent by
 * itself, but _sipnat_flow_probe() still works.
 */
void
_sipnat_flow_start (SipnatFlow      *self,
                    const char      *registrar_url,
                    const char      *aor,
                    SipnatTransport  transport)
{
  nua_t *nua = _sipnat_stack_get_nua (self->stack);

  if (self->running || nua == NULL)
    return;

  self->running = TRUE;
  self->transport = transport;
  self->registrar_url = g_strdup (registrar_url);
  self->aor = g_strdup (aor);
  if (transport == SIPNAT_TRANSPORT_UDP)
    start_stun (self);
  self->last_sent = g_get_monotonic_time ();
  self->first_round = TRUE;
  start_timer (self);
}

/* Stops keep-alives, releases the flow's stream keep-alive and forgets
 * what the registrar said about outbound. */
void
_sipnat_flow_stop (SipnatFlow *self)
{
  stop_timer (self);
  stop_probe_timer (self);
  stop_stun (self);
  release_stream (self);

  /* Once the stack is gone, so are its handles. */
  if (self->nh != NULL && _sipnat_stack_get_nua (self->stack) != NULL)
    {
      nua_handle_bind (self->nh, NULL);
      nua_handle_destroy (self->nh);
    }
  self->nh = NULL;
  self->running = FALSE;

  g_clear_pointer (&self->registrar_url, g_free);
  g_clear_pointer (&self->aor, g_free);
  self->in_flight = FALSE;
}

gboolean
_sipnat_flow_is_running (SipnatFlow *self)
{
  return self->nh != NULL;
}

/* A keep-alive now (to confirm a binding), and the next one a period
 * later. */
void
_sipnat_flow_probe (SipnatFlow *self)
{
  if (!self->running)
    return;

  if (send_keepalive (self))
    start_timer (self);
  else
    retry_soon (self);
}

void
_sipnat_flow_set_mapped_func (SipnatFlow          *self,
                              SipnatFlowMappedFunc func)
{
  self->mapped_func = func;
}

/* What the keep-alives sent and got, over every flow so far. */
void
_sipnat_flow_get_counts (SipnatFlow       *self,
                         SipnatFlowCounts *counts)
{
  *counts = self->counts;
  if (self->stun != NULL)
    {
      guint sent, answered, dropped;

      _sipnat_flow_stun_get_counts (self->stun, &sent, &answered, &dropped);
      counts->stun_sent += sent;
      counts->stun_answered += answered;
      counts->stun_dropped += dropped;
    }
}
