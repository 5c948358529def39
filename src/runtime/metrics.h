/*
 * metrics.h - the HTTP server behind --metrics: GET /metrics answers with
 * the exposition of the script's maps (exposition.h), served from the run
 * loop between events. Connections are non-blocking, read and written as
 * they become ready, so a slow scraper never holds up the events.
 */
#ifndef SONDE_METRICS_H
#define SONDE_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct metrics_server;

/* --metrics ADDR:PORT, PORT (on 127.0.0.1) or [IPV6]:PORT: bound and
 * listening, or NULL with the reason in err. Port 0 takes a free port,
 * which metrics_address() names. */
struct metrics_server *metrics_open(const char *spec, char *err, size_t err_size);

/* Whether spec is one metrics_open() takes; the reason in err if not. */
bool metrics_spec_valid(const char *spec, char *err, size_t err_size);

/* "127.0.0.1:9100" or "[::1]:9100", the address bound */
const char *metrics_address(const struct metrics_server *s);

/* Readable when a connection or request is waiting: for the run loop's
 * epoll. */
int metrics_fd(const struct metrics_server *s);

/* Accepts, reads and answers what is ready without blocking; render()
 * writes the body of /metrics. Also closes connections idle too long. */
void metrics_serve(struct metrics_server *s, void (*render)(FILE *f, void *arg), void *arg);

void metrics_close(struct metrics_server *s);

#endif
