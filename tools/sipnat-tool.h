/* sipnat-tool.h: what the commands of the sipnat program share
 *
 * sipnat.c          main: the command table and the usage
 * sipnat-events.c   one line per event on stdout, as text or JSON
 * sipnat-register.c the run: endpoint, registrations, signals, the
 *                   bounded end (un-REGISTER, close); `sipnat register`
 * sipnat-call.c     `sipnat call` and `sipnat answer` on top of the run
 * sipnat-probe.c    `sipnat probe`: the NAT report, no registration
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <sipnat.h>
#include <stdio.h>

/* How long the hang-up, unregistration and close may take before we
 * give up (doc/sipnat.1 says it; tests/test-tool.sh reads it here). */
#define CLOSE_DEADLINE_SECONDS 4

#define EXIT_FAILED 1
#define EXIT_USAGE 2

typedef struct _App App;

/* What a command adds to the run; every hook is optional. */
typedef struct {
  /* The endpoint exists, nothing is registered yet: connect signals,
   * check arguments against the configuration. Returns 0, or an exit
   * status that ends the program before any network traffic. */
  int  (*setup)          (App *app);
  /* Every registration is registered, for the first time. */
  void (*registered_all) (App *app);
  /* The run ends (time up, signal, failure): before the un-REGISTERs. */
  void (*ending)         (App *app);
  /* The loop is over: free what setup made. */
  void (*teardown)       (App *app);
} Command;

struct _App {
  const Command *command;
  gpointer command_data;
  GMainLoop *loop;
  SipnatEndpoint *endpoint;
  gboolean json;
  int seconds;               /* end the run after this long; 0: never */
  gboolean all_registered;   /* every registration is registered now */
  gboolean was_registered;   /* ... and was, at some point */
  gboolean ending;
  GPtrArray *unregistering;  /* registrations whose un-REGISTER is pending */
  guint deadline_id;
  int status;
};

/* sipnat-events.c */
typedef struct {
  gboolean json;
  GString *line;
} Event;

Event       event_begin         (App                *app,
                                 const char         *name,
                                 SipnatRegistration *reg);
void        event_string        (Event              *ev,
                                 const char         *key,
                                 const char         *value);
void        event_number        (Event              *ev,
                                 const char         *key,
                                 gint64              value);
void        event_number_or_null (Event             *ev,
                                 const char         *key,
                                 gint64              value);
void        event_bool          (Event              *ev,
                                 const char         *key,
                                 gboolean            value);
void        event_print         (Event              *ev);
const char *enum_nick           (GType               type,
                                 int                 value);
const char *error_code          (const GError       *error);

/* sipnat-register.c */
int         run                 (App                *app,
                                 const char         *config);
void        end_run             (App                *app);
int         command_register    (int                 argc,
                                 char              **argv);

/* sipnat-probe.c */
int         command_probe       (int                 argc,
                                 char              **argv);

/* sipnat-call.c */
int         command_call        (int                 argc,
                                 char              **argv);
int         command_answer      (int                 argc,
                                 char              **argv);
