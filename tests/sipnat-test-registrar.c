/* sipnat-test-registrar.c: a real Kamailio registrar/proxy for the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "sipnat-test-registrar.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>

#define START_TIMEOUT_USEC   (10 * G_USEC_PER_SEC)
#define POLL_INTERVAL_USEC   (20 * 1000)
/* Kamailio stops all its processes on SIGTERM; on a busy machine that can
 * take seconds, so this is long, and only a safety net. */
#define TERM_TIMEOUT_USEC    (10 * G_USEC_PER_SEC)
#define START_ATTEMPTS       3
#define LOG_TAIL_LINES       30

struct _SipnatTestRegistrar
{
  GSubprocess *process;
  GPid         pid;
  char        *address;
  guint16      port;
  guint16      tls_port;      /* 0: no TLS */
  char        *tmpdir;
  char        *config_path;
  char        *log_path;
  char        *pid_path;
  char        *ctl_socket;
  char        *kamailio;
  char        *kamcmd;
};

/* ---------------------------------------------------------------- helpers */

static char *
find_program (const char *env_name,
              const char *name)
{
  static const char * const dirs[] = { "/usr/sbin", "/usr/local/sbin", "/sbin" };
  const char *override = g_getenv (env_name);
  char *path;

  if (override != NULL && *override != '\0')
    {
      if (g_path_is_absolute (override))
        return g_file_test (override, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (override) : NULL;
      return g_find_program_in_path (override);
    }

  path = g_find_program_in_path (name);
  if (path != NULL)
    return path;

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      path = g_build_filename (dirs[i], name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
        return path;
      g_clear_pointer (&path, g_free);
    }

  return NULL;
}

static char *
find_template (GError **error)
{
  const char *source_root = g_getenv ("SIPNAT_SOURCE_ROOT");
  const char *test_srcdir = g_getenv ("G_TEST_SRCDIR");
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);

  if (source_root != NULL && *source_root != '\0')
    g_ptr_array_add (candidates,
                     g_build_filename (source_root, "tests", "servers", "kamailio.cfg.in", NULL));
  if (test_srcdir != NULL && *test_srcdir != '\0')
    g_ptr_array_add (candidates,
                     g_build_filename (test_srcdir, "servers", "kamailio.cfg.in", NULL));
  if (g_test_initialized ())
    g_ptr_array_add (candidates,
                     g_build_filename (g_test_get_dir (G_TEST_DIST), "servers", "kamailio.cfg.in", NULL));

  for (guint i = 0; i < candidates->len; i++)
    {
      const char *path = g_ptr_array_index (candidates, i);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_strdup (path);
    }

  g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
               "tests/servers/kamailio.cfg.in not found; set SIPNAT_SOURCE_ROOT "
               "to the libsipnat source tree");
  return NULL;
}

/* The last @max_lines lines of the file at @path, or a note saying why not. */
static char *
read_tail (const char *path,
           guint       max_lines)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) lines = NULL;
  guint n, first;

  if (!g_file_get_contents (path, &contents, NULL, &error))
    return g_strdup_printf ("(no log: %s)", error->message);

  g_strchomp (contents);
  if (*contents == '\0')
    return g_strdup ("(empty log)");

  lines = g_strsplit (contents, "\n", -1);
  n = g_strv_length (lines);
  first = n > max_lines ? n - max_lines : 0;

  return g_strjoinv ("\n", lines + first);
}

static gboolean
process_running (SipnatTestRegistrar *self)
{
  if (self->process == NULL)
    return FALSE;

  /* GSubprocess reaps the child from the GLib worker thread and then
   * forgets its PID, so this needs no main loop. */
  return g_subprocess_get_identifier (self->process) != NULL;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK) || !g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_unlink (path);
      return;
    }

  dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
    }
  g_rmdir (path);
}

/* Binds UDP and TCP port 0 on @inet and returns a port that was free for
 * both. Kamailio binds it a moment later; start() retries on a clash. */
static guint16
pick_free_port (GInetAddress *inet,
                GError      **error)
{
  GSocketFamily family = g_inet_address_get_family (inet);
  g_autofree char *address = NULL;

  for (guint attempt = 0; attempt < 50; attempt++)
    {
      g_autoptr(GSocket) udp = NULL;
      g_autoptr(GSocket) tcp = NULL;
      g_autoptr(GSocketAddress) any = NULL;
      g_autoptr(GSocketAddress) local = NULL;
      g_autoptr(GSocketAddress) same = NULL;
      g_autoptr(GError) local_error = NULL;
      guint16 port;

      udp = g_socket_new (family, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, error);
      if (udp == NULL)
        return 0;
      any = g_inet_socket_address_new (inet, 0);
      if (!g_socket_bind (udp, any, FALSE, error))
        return 0;
      local = g_socket_get_local_address (udp, error);
      if (local == NULL)
        return 0;
      port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));

      tcp = g_socket_new (family, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, error);
      if (tcp == NULL)
        return 0;
      same = g_inet_socket_address_new (inet, port);
      if (g_socket_bind (tcp, same, FALSE, &local_error))
        return port;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return 0;
        }
    }

  address = g_inet_address_to_string (inet);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
               "no port free for both UDP and TCP on %s", address);
  return 0;
}

static gboolean
write_config (SipnatTestRegistrar              *self,
              const char                       *template_path,
              const SipnatTestRegistrarOptions *opts,
              GError                          **error)
{
  guint min_expires = opts->min_expires;
  guint max_expires = opts->max_expires;
  gboolean auth = opts->auth;
  gboolean outbound = opts->outbound;
  gboolean stun = !opts->no_stun;
  g_autofree char *contents = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *port = g_strdup_printf ("%u", self->port);
  g_autofree char *tls_port = g_strdup_printf ("%u", self->tls_port);
  g_autofree char *min = g_strdup_printf ("%u", min_expires);
  g_autofree char *max = g_strdup_printf ("%u", max_expires);
  g_autoptr(GString) config = NULL;
  g_autoptr(GRegex) leftover = NULL;
  g_autoptr(GMatchInfo) match = NULL;

  if (!g_file_get_contents (template_path, &contents, NULL, error))
    return FALSE;

  /* Kamailio wants IPv6 literals in brackets in listen=. */
  if (strchr (self->address, ':') != NULL)
    listen = g_strdup_printf ("[%s]", self->address);
  else
    listen = g_strdup (self->address);

  config = g_string_new (contents);
  g_string_replace (config, "@LISTEN_ADDRESS@", listen, 0);
  g_string_replace (config, "@PORT@", port, 0);
  g_string_replace (config, "@CTL_SOCKET@", self->ctl_socket, 0);
  g_string_replace (config, "@MIN_EXPIRES@", min, 0);
  g_string_replace (config, "@MAX_EXPIRES@", max, 0);
  g_string_replace (config, "@AUTH@", auth ? "#!define WITH_AUTH" : "#!undef WITH_AUTH", 0);
  g_string_replace (config, "@OUTBOUND@",
                    outbound ? "#!define WITH_OUTBOUND" : "#!undef WITH_OUTBOUND", 0);
  g_string_replace (config, "@TLS@", self->tls_port ? "#!define WITH_TLS" : "#!undef WITH_TLS", 0);
  g_string_replace (config, "@TLS_PORT@", tls_port, 0);
  g_string_replace (config, "@TLS_CERT@", opts->tls_certificate ? opts->tls_certificate : "", 0);
  g_string_replace (config, "@TLS_KEY@", opts->tls_key ? opts->tls_key : "", 0);
  g_string_replace (config, "@STUN@", stun ? "#!define WITH_STUN" : "#!undef WITH_STUN", 0);
  g_string_replace (config, "@ANY_USER@",
                    opts->any_user ? "#!define WITH_ANY_USER" : "#!undef WITH_ANY_USER", 0);

  leftover = g_regex_new ("@[A-Z_]+@", 0, 0, NULL);
  if (g_regex_match (leftover, config->str, 0, &match))
    {
      g_autofree char *name = g_match_info_fetch (match, 0);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "%s: unknown placeholder %s", template_path, name);
      return FALSE;
    }

  return g_file_set_contents (self->config_path, config->str, config->len, error);
}

/* Runs in the forked child, before exec: only async-signal-safe calls. */
static void
child_setup (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  /* Own process group (= Kamailio's main PID), so that stop() can kill
   * stray Kamailio children by that group and nothing else. */
  setpgid (0, 0);
  /* Kamailio goes when the test process goes, even on SIGKILL/abort. Its
   * main process then terminates its own children. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
  if (getppid () != parent)
    _exit (127);
}

static gboolean
launch (SipnatTestRegistrar *self,
        GError             **error)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  const char *identifier;

  g_unlink (self->log_path);
  g_unlink (self->pid_path);
  g_unlink (self->ctl_socket);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, self->log_path);
  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER (getpid ()), NULL);
  g_subprocess_launcher_set_cwd (launcher, self->tmpdir);
  /* The test environment's malloc debugging is not for Kamailio. */
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_CHECK_");
  g_subprocess_launcher_unsetenv (launcher, "MALLOC_PERTURB_");

  self->process = g_subprocess_launcher_spawn (launcher, error,
                                               self->kamailio,
                                               "-DD", "-E",
                                               "-f", self->config_path,
                                               "-Y", self->tmpdir,
                                               "-P", self->pid_path,
                                               "-w", self->tmpdir,
                                               NULL);
  if (self->process == NULL)
    return FALSE;

  identifier = g_subprocess_get_identifier (self->process);
  self->pid = identifier != NULL ? (GPid) g_ascii_strtoll (identifier, NULL, 10) : 0;
  return TRUE;
}

/* Sends one OPTIONS to the server itself and waits up to POLL_INTERVAL_USEC
 * for the 200. */
static gboolean
probe_options (SipnatTestRegistrar *self,
               GSocket             *socket,
               guint                sequence)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *host = NULL;
  g_autofree char *request = NULL;
  char reply[2048];
  gssize n;

  local = g_socket_get_local_address (socket, NULL);
  if (local == NULL)
    return FALSE;

  if (strchr (self->address, ':') != NULL)
    host = g_strdup_printf ("[%s]", self->address);
  else
    host = g_strdup (self->address);

  request = g_strdup_printf ("OPTIONS sip:%s:%u SIP/2.0\r\n"
                             "Via: SIP/2.0/UDP %s:%u;rport;branch=z9hG4bK-sipnat-probe-%u-%u\r\n"
                             "Max-Forwards: 70\r\n"
                             "From: <sip:probe@%s>;tag=sipnat-probe\r\n"
                             "To: <sip:%s:%u>\r\n"
                             "Call-ID: sipnat-probe-%u-%u@%s\r\n"
                             "CSeq: %u OPTIONS\r\n"
                             "Content-Length: 0\r\n"
                             "\r\n",
                             host, self->port,
                             host,
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)),
                             (guint) getpid (), sequence,
                             host,
                             host, self->port,
                             (guint) getpid (), sequence, host,
                             sequence + 1);

  if (g_socket_send (socket, request, strlen (request), NULL, NULL) < 0)
    return FALSE;

  if (!g_socket_condition_timed_wait (socket, G_IO_IN, POLL_INTERVAL_USEC, NULL, NULL))
    return FALSE;

  /* ECONNREFUSED (ICMP port unreachable) while Kamailio is not up yet. */
  n = g_socket_receive (socket, reply, sizeof reply - 1, NULL, NULL);
  if (n <= 0)
    return FALSE;
  reply[n] = '\0';

  return g_str_has_prefix (reply, "SIP/2.0 200 ");
}

static gboolean
wait_until_ready (SipnatTestRegistrar *self,
                  GError             **error)
{
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string (self->address);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (inet, 0);
  g_autoptr(GSocketAddress) server = g_inet_socket_address_new (inet, self->port);
  g_autoptr(GSocket) socket = NULL;
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_USEC;
  gboolean sip_ready = FALSE;

  socket = g_socket_new (g_inet_address_get_family (inet), G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_UDP, error);
  if (socket == NULL)
    return FALSE;
  g_socket_set_blocking (socket, FALSE);
  if (!g_socket_bind (socket, any, FALSE, error) ||
      !g_socket_connect (socket, server, NULL, error))
    return FALSE;

  for (guint sequence = 0; ; sequence++)
    {
      gint64 started = g_get_monotonic_time ();
      gint64 spent;

      if (!process_running (self))
        {
          g_autofree char *tail = read_tail (self->log_path, LOG_TAIL_LINES);
          g_autoptr(GError) exit_error = NULL;

          g_subprocess_wait_check (self->process, NULL, &exit_error);
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                       "kamailio exited during start-up (%s); its output ends with:\n%s",
                       exit_error != NULL ? exit_error->message : "exit status 0", tail);
          return FALSE;
        }

      if (!sip_ready)
        sip_ready = probe_options (self, socket, sequence);

      if (sip_ready)
        {
          g_autofree char *version = sipnat_test_registrar_kamcmd (self, NULL, "core.version", NULL);

          if (version != NULL)
            return TRUE;
        }

      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *tail = read_tail (self->log_path, LOG_TAIL_LINES);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "kamailio did not answer %s on %s:%u/udp and %s within %d s; "
                       "its output ends with:\n%s",
                       sip_ready ? "kamcmd" : "OPTIONS",
                       self->address, self->port, self->ctl_socket,
                       (int) (START_TIMEOUT_USEC / G_USEC_PER_SEC), tail);
          return FALSE;
        }

      spent = g_get_monotonic_time () - started;
      if (spent < POLL_INTERVAL_USEC)
        g_usleep (POLL_INTERVAL_USEC - spent);
    }
}

/* Says something about the server without failing the test: in tests,
 * g_warning() is fatal, and this program's stdout is its protocol. */
static void
report (const char *format,
        ...) G_GNUC_PRINTF (1, 2);

static void
report (const char *format,
        ...)
{
  g_autofree char *message = NULL;
  va_list ap;

  va_start (ap, format);
  message = g_strdup_vprintf (format, ap);
  va_end (ap);

  if (g_test_initialized ())
    g_test_message ("%s", message);
  else
    g_debug ("%s", message);
}

/* Terminates the Kamailio we started, by its PID (and its own process
 * group for leftovers), and reaps it. */
static void
terminate (SipnatTestRegistrar *self)
{
  gint64 deadline;

  if (self->process == NULL)
    return;

  if (process_running (self))
    {
      gint64 start = g_get_monotonic_time ();

      g_subprocess_send_signal (self->process, SIGTERM);
      deadline = start + TERM_TIMEOUT_USEC;
      while (process_running (self) && g_get_monotonic_time () < deadline)
        g_usleep (POLL_INTERVAL_USEC);

      if (process_running (self))
        {
          report ("kamailio (pid %d) still running %d s after SIGTERM, sending SIGKILL",
                  (int) self->pid, (int) (TERM_TIMEOUT_USEC / G_USEC_PER_SEC));
          g_subprocess_force_exit (self->process);
          if (self->pid > 0)
            kill (-self->pid, SIGKILL);
        }
    }

  g_subprocess_wait (self->process, NULL, NULL);

  /* The main process normally waits for its children; anything left in its
   * process group is a straggler. */
  if (self->pid > 0 && kill (-self->pid, 0) == 0)
    {
      deadline = g_get_monotonic_time () + TERM_TIMEOUT_USEC;
      while (kill (-self->pid, 0) == 0 && g_get_monotonic_time () < deadline)
        g_usleep (POLL_INTERVAL_USEC);
      if (kill (-self->pid, 0) == 0)
        {
          report ("kamailio children of pid %d still running, sending SIGKILL", (int) self->pid);
          kill (-self->pid, SIGKILL);
        }
    }

  g_clear_object (&self->process);
}

/* -------------------------------------------------------------------- API */

SipnatTestRegistrar *
sipnat_test_registrar_start (const SipnatTestRegistrarOptions *options,
                             GError                          **error)
{
  g_autoptr(SipnatTestRegistrar) self = NULL;
  g_autoptr(GInetAddress) inet = NULL;
  g_autofree char *template_path = NULL;
  SipnatTestRegistrarOptions opts = { "127.0.0.1", 10, 3600, FALSE, FALSE, NULL, NULL };
  const char *address;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options != NULL)
    {
      if (options->listen_address != NULL)
        opts.listen_address = options->listen_address;
      if (options->min_expires > 0)
        opts.min_expires = options->min_expires;
      if (options->max_expires > 0)
        opts.max_expires = options->max_expires;
      opts.auth = options->auth;
      opts.outbound = options->outbound;
      opts.tls_certificate = options->tls_certificate;
      opts.tls_key = options->tls_key;
      opts.no_stun = options->no_stun;
      opts.any_user = options->any_user;
    }
  address = opts.listen_address;

  inet = g_inet_address_new_from_string (address);
  if (inet == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "listen address “%s” is not an IP address", address);
      return NULL;
    }

  self = g_new0 (SipnatTestRegistrar, 1);
  self->address = g_inet_address_to_string (inet);

  self->kamailio = find_program ("SIPNAT_KAMAILIO", "kamailio");
  self->kamcmd = find_program ("SIPNAT_KAMCMD", "kamcmd");
  if (self->kamailio == NULL || self->kamcmd == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "%s not installed (Debian: apt-get install kamailio)",
                   self->kamailio == NULL ? "kamailio" : "kamcmd");
      return NULL;
    }

  template_path = find_template (error);
  if (template_path == NULL)
    return NULL;

  self->tmpdir = g_dir_make_tmp ("sipnat-kamailio-XXXXXX", error);
  if (self->tmpdir == NULL)
    return NULL;
  self->config_path = g_build_filename (self->tmpdir, "kamailio.cfg", NULL);
  self->log_path = g_build_filename (self->tmpdir, "kamailio.log", NULL);
  self->pid_path = g_build_filename (self->tmpdir, "kamailio.pid", NULL);
  self->ctl_socket = g_build_filename (self->tmpdir, "ctl.sock", NULL);

  for (guint attempt = 1; ; attempt++)
    {
      g_autoptr(GError) local_error = NULL;
      g_autofree char *tail = NULL;

      self->port = pick_free_port (inet, error);
      if (self->port == 0)
        return NULL;
      if (opts.tls_certificate != NULL && opts.tls_key != NULL)
        {
          self->tls_port = pick_free_port (inet, error);
          if (self->tls_port == 0)
            return NULL;
        }

      if (!write_config (self, template_path, &opts, error))
        return NULL;

      if (!launch (self, error))
        return NULL;

      if (wait_until_ready (self, &local_error))
        break;

      terminate (self);

      /* Someone else took the port between pick_free_port() and
       * Kamailio's bind(): try another one. */
      tail = read_tail (self->log_path, LOG_TAIL_LINES);
      if (attempt < START_ATTEMPTS && strstr (tail, "Address already in use") != NULL)
        continue;

      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }

  return g_steal_pointer (&self);
}

guint16
sipnat_test_registrar_get_port (SipnatTestRegistrar *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->port;
}

/* The SIP over TLS port, 0 without tls_certificate and tls_key. */
guint16
sipnat_test_registrar_get_tls_port (SipnatTestRegistrar *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->tls_port;
}

const char *
sipnat_test_registrar_get_address (SipnatTestRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->address;
}

/* The PID of Kamailio's main process (also its process group). */
GPid
sipnat_test_registrar_get_pid (SipnatTestRegistrar *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->pid;
}

/* For `kamcmd -s unix:PATH ...`. */
const char *
sipnat_test_registrar_get_ctl_socket (SipnatTestRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->ctl_socket;
}

const char *
sipnat_test_registrar_get_log_path (SipnatTestRegistrar *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->log_path;
}

/**
 * sipnat_test_registrar_kamcmd:
 * @command: an RPC command, e.g. "ul.dump", followed by its arguments and
 *   %NULL. Prefix an argument with "s:" to keep kamcmd from reading it as a
 *   number.
 *
 * Runs `kamcmd -s unix:CTL_SOCKET command args...`.
 *
 * Returns: kamcmd's output, or %NULL with @error set when kamcmd fails or
 *   Kamailio answers with an RPC error ("error: 500 - ...", which kamcmd
 *   prints on stdout and exits 0 for).
 */
char *
sipnat_test_registrar_kamcmd (SipnatTestRegistrar *self,
                              GError             **error,
                              const char          *command,
                              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocess) process = NULL;
  g_autofree char *output = NULL;
  g_autofree char *errors = NULL;
  va_list ap;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (command != NULL, NULL);

  g_ptr_array_add (argv, g_strdup (self->kamcmd));
  g_ptr_array_add (argv, g_strdup ("-s"));
  g_ptr_array_add (argv, g_strconcat ("unix:", self->ctl_socket, NULL));
  g_ptr_array_add (argv, g_strdup (command));
  va_start (ap, command);
  for (const char *arg = va_arg (ap, const char *); arg != NULL; arg = va_arg (ap, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (ap);
  g_ptr_array_add (argv, NULL);

  /* INHERIT_FDS (kamcmd closes nothing of ours: it only talks to the
   * control socket) lets GLib use posix_spawn(), a vfork: a fork()
   * would mark every page of a process holding thousands of
   * registrations copy-on-write, and its next seconds went to page
   * faults (measured in bench-register at 30 000). STDERR_MERGE would
   * take GLib 2.74 back to fork(), and breaks stdout with INHERIT_FDS. */
  process = g_subprocess_newv ((const char * const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE |
                               G_SUBPROCESS_FLAGS_INHERIT_FDS,
                               error);
  if (process == NULL)
    return NULL;
  if (!g_subprocess_communicate_utf8 (process, NULL, NULL, &output, &errors, error))
    return NULL;

  if (!g_subprocess_get_successful (process))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "kamcmd %s failed: %s%s", command, g_strstrip (output), g_strstrip (errors));
      return NULL;
    }
  if (g_str_has_prefix (output, "error:"))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                   "kamcmd %s: %s", command, g_strstrip (output));
      return NULL;
    }

  return g_steal_pointer (&output);
}

/**
 * sipnat_test_registrar_count_registers:
 *
 * Returns: how many REGISTER requests Kamailio has received so far (the core
 *   statistic rcv_requests_register: challenged, rejected and retransmitted
 *   ones included). 0 with a warning if the statistic can't be read.
 */
guint
sipnat_test_registrar_count_registers (SipnatTestRegistrar *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  const char *value;

  g_return_val_if_fail (self != NULL, 0);

  /* Prints "core:rcv_requests_register = 3"; asking for the qualified name
   * "core:rcv_requests_register" prints nothing. */
  output = sipnat_test_registrar_kamcmd (self, &error, "stats.get_statistics",
                                         "rcv_requests_register", NULL);
  if (output == NULL)
    {
      g_warning ("cannot read Kamailio's REGISTER count: %s", error->message);
      return 0;
    }

  value = strstr (output, "rcv_requests_register = ");
  if (value == NULL)
    {
      g_warning ("unexpected kamcmd stats output: %s", output);
      return 0;
    }

  return (guint) g_ascii_strtoull (value + strlen ("rcv_requests_register = "), NULL, 10);
}

/**
 * sipnat_test_registrar_get_contacts:
 * @aor_user: the user part of the AOR ("alice"); usrloc runs without domains
 *
 * Returns: (transfer full): the Contact URIs stored for @aor_user that have
 *   not expired, exactly as the UA sent them, e.g.
 *   "sip:alice@127.0.0.1:40000;transport=udp". An empty array if none.
 */
char **
sipnat_test_registrar_get_contacts (SipnatTestRegistrar *self,
                                    const char          *aor_user)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *aor_arg = NULL;
  g_autofree char *address = NULL;
  g_auto(GStrv) lines = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (aor_user != NULL, NULL);

  aor_arg = g_strconcat ("s:", aor_user, NULL);
  output = sipnat_test_registrar_kamcmd (self, &error, "ul.lookup", "location", aor_arg, NULL);
  if (output == NULL)
    {
      if (error != NULL && strstr (error->message, "AOR not found") == NULL &&
          strstr (error->message, "AOR has no contacts") == NULL)
        g_warning ("cannot read Kamailio's location table: %s", error->message);
      return g_strv_builder_end (builder);
    }

  /* kamcmd prints the RPC structure as "Key: value" lines:
   *   Contact: {
   *     Address: sip:alice@127.0.0.1:40000;transport=udp
   *     Expires: 59            (or Expired, Deleted, Permanent)
   *     ... */
  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = g_strstrip (lines[i]);

      if (g_str_has_prefix (line, "Address: "))
        {
          g_free (address);
          address = g_strdup (line + strlen ("Address: "));
        }
      else if (g_str_has_prefix (line, "Expires: ") && address != NULL)
        {
          const char *expires = line + strlen ("Expires: ");

          if (g_strcmp0 (expires, "Expired") != 0 && g_strcmp0 (expires, "Deleted") != 0)
            g_strv_builder_add (builder, address);
          g_clear_pointer (&address, g_free);
        }
    }

  return g_strv_builder_end (builder);
}

void
sipnat_test_registrar_stop (SipnatTestRegistrar *self)
{
  if (self == NULL)
    return;

  terminate (self);

  if (self->log_path != NULL && g_getenv ("SIPNAT_TEST_VERBOSE") != NULL)
    {
      g_autofree char *log = NULL;

      if (g_file_get_contents (self->log_path, &log, NULL, NULL))
        g_printerr ("----- kamailio %s:%u log (%s) -----\n%s----- end of kamailio log -----\n",
                    self->address, self->port, self->log_path, log);
    }

  if (self->tmpdir != NULL)
    remove_tree (self->tmpdir);

  g_free (self->address);
  g_free (self->tmpdir);
  g_free (self->config_path);
  g_free (self->log_path);
  g_free (self->pid_path);
  g_free (self->ctl_socket);
  g_free (self->kamailio);
  g_free (self->kamcmd);
  g_free (self);
}

/**
 * sipnat_test_registrar_read_statistic:
 * @name: a Kamailio statistic such as "location_contacts" (usrloc: contacts
 *   held now) or "rcv_requests_options" (core: OPTIONS received so far)
 *
 * Reads it with `kamcmd stats.get_statistics`.
 */
gboolean
sipnat_test_registrar_read_statistic (SipnatTestRegistrar  *self,
                                      const char           *name,
                                      guint                *value,
                                      GError              **error)
{
  g_autofree char *output = NULL;
  g_autofree char *needle = g_strconcat (":", name, " = ", NULL);
  const char *found;

  output = sipnat_test_registrar_kamcmd (self, error, "stats.get_statistics", name, NULL);
  if (output == NULL)
    return FALSE;

  /* "usrloc:location_contacts = 1000" */
  found = strstr (output, needle);
  if (found == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "unexpected kamcmd output for %s: %s", name, output);
      return FALSE;
    }

  *value = (guint) g_ascii_strtoull (found + strlen (needle), NULL, 10);
  return TRUE;
}

/* The same in a test: a failure fails the test. */
guint
sipnat_test_registrar_get_statistic (SipnatTestRegistrar *self,
                                     const char          *name)
{
  g_autoptr(GError) error = NULL;
  guint value = 0;

  sipnat_test_registrar_read_statistic (self, name, &value, &error);
  g_assert_no_error (error);
  return value;
}

/* A predicate for the tests' waits: @data, a SipnatTestStatistic, has
 * reached its at_least. */
gboolean
sipnat_test_registrar_statistic_reached (gpointer data)
{
  const SipnatTestStatistic *statistic = data;

  return sipnat_test_registrar_get_statistic (statistic->registrar, statistic->name) >=
         statistic->at_least;
}
