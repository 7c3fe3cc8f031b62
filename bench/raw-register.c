/* raw-register.c: the reference for the registration benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One non-blocking socket (UDP, or one TCP connection), a window of
 * REGISTERs in flight, a 401 answered once with RFC 2617 digest (MD5, with
 * or without qop=auth), UDP retransmissions at T1 doubling (RFC 3261
 * §17.1.2.2, six sends at most), and nothing else: the fastest a client
 * can register on this machine against this registrar.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "raw-register.h"

#define T1_USEC       (500 * G_USEC_PER_SEC / 1000)
#define MAX_SENDS     6
#define TICK_MS       10
#define RECV_SIZE     65536
#define DEFAULT_WINDOW 200

typedef struct {
  guint cseq;
  gint64 sent_at;           /* of the last send */
  gint64 rto;
  guint sends;              /* of the current request */
  guint slot;               /* index in Raw.flight */
  char *authorization;      /* for the next request, or NULL */
  gboolean challenged;
} User;

typedef struct {
  const RawRegisterOptions *o;
  RawRegisterResult *r;
  int fd;
  guint16 local_port;
  User *users;              /* users[0] is user 1 */
  guint *flight;            /* user indexes in flight */
  guint in_flight;
  guint next;               /* the next user to start */
  guint finished;
  guint window;
  GString *stream;          /* TCP bytes not parsed yet */
  guint32 tag;              /* this run's, in Call-IDs */
} Raw;

/* ---------------------------------------------------------------------- */
/* Digest (RFC 2617)                                                      */

static char *
md5_hex (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_MD5, text, -1);
}

/* The value of @name="..." or @name=token in a challenge, or NULL. */
static char *
challenge_param (const char *challenge,
                 const char *name)
{
  gsize len = strlen (name);

  for (const char *p = challenge; (p = strstr (p, name)) != NULL; p += len)
    {
      const char *v = p + len;

      if ((p != challenge && p[-1] != ' ' && p[-1] != ',') || *v != '=')
        continue;
      v++;
      if (*v == '"')
        {
          const char *end = strchr (v + 1, '"');

          return end ? g_strndup (v + 1, end - v - 1) : NULL;
        }
      return g_strndup (v, strcspn (v, ", \r\n"));
    }
  return NULL;
}

static char *
user_name (const Raw *raw,
           guint      index)
{
  return g_strdup_printf (raw->o->user_format, index + 1);
}

static char *
request_uri (const Raw *raw)
{
  return g_strdup_printf ("sip:%s:%u", raw->o->address, raw->o->port);
}

static char *
authorization (const Raw  *raw,
               guint       index,
               const char *challenge)
{
  g_autofree char *realm = challenge_param (challenge, "realm");
  g_autofree char *nonce = challenge_param (challenge, "nonce");
  g_autofree char *qop = challenge_param (challenge, "qop");
  g_autofree char *opaque = challenge_param (challenge, "opaque");
  g_autofree char *user = user_name (raw, index);
  g_autofree char *uri = request_uri (raw);
  g_autofree char *a1 = NULL, *ha1 = NULL, *a2 = NULL, *ha2 = NULL, *kd = NULL, *response = NULL;
  g_autofree char *cnonce = g_strdup_printf ("%08x", g_random_int ());
  gboolean use_qop = qop != NULL && strstr (qop, "auth") != NULL;
  GString *value;

  if (realm == NULL || nonce == NULL)
    return NULL;

  a1 = g_strdup_printf ("%s:%s:%spw", user, realm, user);
  ha1 = md5_hex (a1);
  a2 = g_strdup_printf ("REGISTER:%s", uri);
  ha2 = md5_hex (a2);
  kd = use_qop ? g_strdup_printf ("%s:%s:00000001:%s:auth:%s", ha1, nonce, cnonce, ha2)
               : g_strdup_printf ("%s:%s:%s", ha1, nonce, ha2);
  response = md5_hex (kd);

  value = g_string_new (NULL);
  g_string_append_printf (value, "Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", "
                          "uri=\"%s\", response=\"%s\", algorithm=MD5",
                          user, realm, nonce, uri, response);
  if (use_qop)
    g_string_append_printf (value, ", qop=auth, nc=00000001, cnonce=\"%s\"", cnonce);
  if (opaque != NULL)
    g_string_append_printf (value, ", opaque=\"%s\"", opaque);
  return g_string_free (value, FALSE);
}

/* ---------------------------------------------------------------------- */
/* Sending                                                                */

static gboolean
send_all (Raw         *raw,
          const char  *data,
          gsize        len,
          GError     **error)
{
  while (len > 0)
    {
      ssize_t n = send (raw->fd, data, len, MSG_NOSIGNAL);

      if (n < 0 && (errno == EAGAIN || errno == EINTR) && raw->o->tcp)
        {
          struct pollfd pfd = { .fd = raw->fd, .events = POLLOUT };

          poll (&pfd, 1, 100);
          continue;
        }
      if (n < 0 && errno == EAGAIN)
        return TRUE;    /* a UDP datagram lost here is retransmitted */
      if (n < 0)
        {
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                       "send: %s", g_strerror (errno));
          return FALSE;
        }
      data += n;
      len -= n;
    }
  return TRUE;
}

static gboolean
send_register (Raw     *raw,
               guint    index,
               GError **error)
{
  User *u = &raw->users[index];
  g_autofree char *user = user_name (raw, index);
  g_autofree char *uri = request_uri (raw);
  const char *proto = raw->o->tcp ? "TCP" : "UDP";
  g_autoptr(GString) msg = g_string_new (NULL);

  g_string_append_printf (msg,
                          "REGISTER %s SIP/2.0\r\n"
                          "Via: SIP/2.0/%s 127.0.0.1:%u;branch=z9hG4bK-raw-%x-%u-%u;rport\r\n"
                          "Max-Forwards: 70\r\n"
                          "From: <sip:%s@%s>;tag=r%u\r\n"
                          "To: <sip:%s@%s>\r\n"
                          "Call-ID: raw-%x-%u@bench\r\n"
                          "CSeq: %u REGISTER\r\n",
                          uri, proto, raw->local_port, raw->tag, index, u->cseq,
                          user, raw->o->address, index,
                          user, raw->o->address,
                          raw->tag, index,
                          u->cseq);
  /* Unregistering removes every binding of the user (RFC 3261 §10.2.2):
   * this run's socket is not the one that registered. */
  if (raw->o->expires == 0)
    g_string_append (msg, "Contact: *\r\nExpires: 0\r\n");
  else
    g_string_append_printf (msg, "Contact: <sip:%s@127.0.0.1:%u;transport=%s>\r\n"
                            "Expires: %u\r\n", user, raw->local_port,
                            raw->o->tcp ? "tcp" : "udp", raw->o->expires);
  if (u->authorization != NULL)
    g_string_append_printf (msg, "Authorization: %s\r\n", u->authorization);
  g_string_append (msg, "Content-Length: 0\r\n\r\n");

  u->sent_at = g_get_monotonic_time ();
  u->sends++;
  raw->r->sent++;
  return send_all (raw, msg->str, msg->len, error);
}

static gboolean
start_user (Raw     *raw,
            guint    index,
            GError **error)
{
  User *u = &raw->users[index];

  u->cseq = 1;
  u->sends = 0;
  u->rto = T1_USEC;
  u->slot = raw->in_flight;
  raw->flight[raw->in_flight++] = index;
  return send_register (raw, index, error);
}

static void
finish_user (Raw      *raw,
             guint     index,
             gboolean  ok)
{
  User *u = &raw->users[index];
  guint last = raw->flight[--raw->in_flight];

  raw->flight[u->slot] = last;
  raw->users[last].slot = u->slot;
  g_clear_pointer (&u->authorization, g_free);
  if (!ok)
    raw->r->failed++;
  raw->finished++;
}

/* ---------------------------------------------------------------------- */
/* Receiving                                                              */

/* The value of header @name (or its compact form @compact) in @msg. */
static char *
header_value (const char *msg,
              const char *name,
              const char *compact)
{
  const char *names[] = { name, compact };

  for (const char *line = strstr (msg, "\r\n"); line != NULL && line[2] != '\r';
       line = strstr (line + 2, "\r\n"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (names); i++)
        {
          gsize len = names[i] ? strlen (names[i]) : 0;
          const char *v = line + 2 + len;

          if (len == 0 || g_ascii_strncasecmp (line + 2, names[i], len) != 0)
            continue;
          while (*v == ' ' || *v == '\t')
            v++;
          if (*v != ':')
            continue;
          v++;
          while (*v == ' ' || *v == '\t')
            v++;
          return g_strndup (v, strcspn (v, "\r\n"));
        }
    }
  return NULL;
}

static gboolean
handle_response (Raw         *raw,
                 const char  *msg,
                 GError     **error)
{
  g_autofree char *call_id = header_value (msg, "Call-ID", "i");
  g_autofree char *cseq = header_value (msg, "CSeq", NULL);
  guint status = 0, tag = 0, index = 0;
  User *u;

  if (sscanf (msg, "SIP/2.0 %u", &status) != 1 || call_id == NULL || cseq == NULL ||
      sscanf (call_id, "raw-%x-%u@bench", &tag, &index) != 2 ||
      tag != raw->tag || index >= raw->o->count)
    return TRUE;
  u = &raw->users[index];
  if (u->sends == 0 || strtoul (cseq, NULL, 10) != u->cseq || status < 200)
    return TRUE;    /* not in flight, a stale answer, or provisional */

  if (status == 401 && raw->o->auth && !u->challenged)
    {
      g_autofree char *challenge = header_value (msg, "WWW-Authenticate", NULL);

      u->challenged = TRUE;
      u->authorization = challenge ? authorization (raw, index, challenge) : NULL;
      if (u->authorization != NULL)
        {
          u->cseq++;
          u->sends = 0;
          u->rto = T1_USEC;
          return send_register (raw, index, error);
        }
    }
  finish_user (raw, index, status >= 200 && status < 300);
  u->sends = 0;
  return TRUE;
}

/* Frames what TCP brought: headers, then Content-Length bytes. */
static gboolean
handle_stream (Raw     *raw,
               GError **error)
{
  for (;;)
    {
      char *end = strstr (raw->stream->str, "\r\n\r\n");
      g_autofree char *length = NULL;
      g_autofree char *msg = NULL;
      gsize total;

      if (end == NULL)
        return TRUE;
      msg = g_strndup (raw->stream->str, end + 2 - raw->stream->str);
      length = header_value (msg, "Content-Length", "l");
      total = (end + 4 - raw->stream->str) + (length ? strtoul (length, NULL, 10) : 0);
      if (total > raw->stream->len)
        return TRUE;
      g_string_erase (raw->stream, 0, total);
      if (!handle_response (raw, msg, error))
        return FALSE;
    }
}

static gboolean
receive (Raw     *raw,
         GError **error)
{
  static char buf[RECV_SIZE + 1];

  for (;;)
    {
      ssize_t n = recv (raw->fd, buf, RECV_SIZE, MSG_DONTWAIT);

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return TRUE;
      if (n <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "recv: %s",
                       n == 0 ? "connection closed" : g_strerror (errno));
          return FALSE;
        }
      buf[n] = '\0';
      if (raw->o->tcp)
        {
          g_string_append_len (raw->stream, buf, n);
          if (!handle_stream (raw, error))
            return FALSE;
        }
      else if (!handle_response (raw, buf, error))
        return FALSE;
    }
}

/* UDP: resends what is unanswered after its RTO; gives up after
 * MAX_SENDS sends. */
static gboolean
retransmit (Raw     *raw,
            GError **error)
{
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < raw->in_flight; i++)
    {
      guint index = raw->flight[i];
      User *u = &raw->users[index];

      if (now - u->sent_at < u->rto)
        continue;
      if (u->sends >= MAX_SENDS)
        {
          u->sends = 0;
          finish_user (raw, index, FALSE);
          i--;    /* the last one moved into this slot */
          continue;
        }
      u->rto = MIN (u->rto * 2, 4 * G_USEC_PER_SEC);
      raw->r->retransmitted++;
      if (!send_register (raw, index, error))
        return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------------- */
/* The run                                                                */

static gboolean
open_socket (Raw     *raw,
             GError **error)
{
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons (raw->o->port) };
  struct sockaddr_in local = { 0 };
  socklen_t len = sizeof local;
  int size = 4 * 1024 * 1024;

  raw->fd = socket (AF_INET, raw->o->tcp ? SOCK_STREAM : SOCK_DGRAM, 0);
  if (raw->fd < 0 || inet_pton (AF_INET, raw->o->address, &to.sin_addr) != 1 ||
      connect (raw->fd, (struct sockaddr *) &to, sizeof to) < 0 ||
      getsockname (raw->fd, (struct sockaddr *) &local, &len) < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "cannot reach %s:%u: %s", raw->o->address, raw->o->port, g_strerror (errno));
      return FALSE;
    }
  setsockopt (raw->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  raw->local_port = ntohs (local.sin_port);
  return TRUE;
}

gboolean
raw_register_run (const RawRegisterOptions  *options,
                  RawRegisterResult         *result,
                  GError                   **error)
{
  Raw raw = {
    .o = options,
    .r = result,
    .fd = -1,
    .window = options->window > 0 ? options->window : DEFAULT_WINDOW,
    .stream = g_string_new (NULL),
    .tag = g_random_int (),
  };
  gboolean ok = TRUE;
  gint64 start, last;

  memset (result, 0, sizeof *result);
  raw.users = g_new0 (User, options->count);
  raw.flight = g_new0 (guint, raw.window);

  if (!open_socket (&raw, error))
    ok = FALSE;

  start = last = g_get_monotonic_time ();
  while (ok && raw.finished < options->count)
    {
      struct pollfd pfd = { .fd = raw.fd, .events = POLLIN };

      while (ok && raw.in_flight < raw.window && raw.next < options->count)
        ok = start_user (&raw, raw.next++, error);
      if (!ok)
        break;
      if (poll (&pfd, 1, TICK_MS) > 0)
        ok = receive (&raw, error);
      if (ok && !options->tcp)
        ok = retransmit (&raw, error);
      last = g_get_monotonic_time ();
    }

  result->seconds = (double) (last - start) / G_USEC_PER_SEC;
  result->per_second = result->seconds > 0 ? options->count / result->seconds : 0;

  for (guint i = 0; i < options->count; i++)
    g_free (raw.users[i].authorization);
  g_free (raw.users);
  g_free (raw.flight);
  g_string_free (raw.stream, TRUE);
  if (raw.fd >= 0)
    close (raw.fd);
  return ok;
}
