/*
 * metrics.c - the --metrics HTTP server (see metrics.h).
 *
 * HTTP/1.1 with one request per connection (Connection: close), which is
 * what Prometheus and curl expect of an exporter: each scrape is a new
 * connection, so no keep-alive state is kept.
 */
#define _GNU_SOURCE
#include "runtime/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "front/arena.h"

enum {
	MAX_CONNECTIONS = 16,
	MAX_REQUEST = 8192, /* request line and headers */
};

/* a connection that makes no progress for this long is closed */
static const int64_t idle_ns = 10 * 1000000000ll;

struct connection {
	int fd; /* -1: the slot is free */
	char in[MAX_REQUEST];
	size_t in_len;
	char *out; /* the response, once the request is read */
	size_t out_len, out_done;
	int64_t last_ns; /* CLOCK_MONOTONIC of its last progress */
};

struct metrics_server {
	int listen_fd;
	int ep; /* the listening socket and the connections */
	char address[64];
	struct connection conns[MAX_CONNECTIONS];
};

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

/* PORT, ADDR:PORT or [IPV6]:PORT into a socket address */
static bool parse_spec(const char *spec, struct sockaddr_storage *ss, socklen_t *len,
                       char *err, size_t err_size)
{
	char host[64] = "127.0.0.1";
	const char *port_text = spec;
	const char *colon = strrchr(spec, ':');
	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');
		if (!close || close[1] != ':' || (size_t)(close - spec - 1) >= sizeof host) {
			snprintf(err, err_size, "expected [IPV6]:PORT, got '%s'", spec);
			return false;
		}
		memcpy(host, spec + 1, (size_t)(close - spec - 1));
		host[close - spec - 1] = '\0';
		port_text = close + 2;
	} else if (colon) {
		if ((size_t)(colon - spec) >= sizeof host || colon == spec) {
			snprintf(err, err_size, "expected ADDR:PORT, got '%s'", spec);
			return false;
		}
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port_text = colon + 1;
	}
	char *end = NULL;
	errno = 0;
	unsigned long port = strtoul(port_text, &end, 10);
	if (!*port_text || *end || errno || port > 65535 || port_text[0] == '-' ||
	    port_text[0] == '+') {
		snprintf(err, err_size, "the port must be a number from 0 to 65535, got '%s'",
		         port_text);
		return false;
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((uint16_t)port);
		*len = sizeof(*v4);
	} else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*v6);
	} else {
		snprintf(err, err_size,
		         "'%s' is not an IPv4 or IPv6 address (write [ADDR]:PORT for IPv6)", host);
		return false;
	}
	return true;
}

bool metrics_spec_valid(const char *spec, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	return parse_spec(spec, &ss, &len, err, err_size);
}

static void name_address(struct metrics_server *s)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "?";
	if (getsockname(s->listen_fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &v6->sin6_addr, host, sizeof host);
		snprintf(s->address, sizeof s->address, "[%s]:%u", host, ntohs(v6->sin6_port));
	} else {
		struct sockaddr_in *v4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &v4->sin_addr, host, sizeof host);
		snprintf(s->address, sizeof s->address, "%s:%u", host, ntohs(v4->sin_port));
	}
}

struct metrics_server *metrics_open(const char *spec, char *err, size_t err_size)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	if (!parse_spec(spec, &ss, &len, err, err_size))
		return NULL;
	struct metrics_server *s = calloc(1, sizeof(*s));
	if (!s) {
		sonde_out_of_memory("serving metrics");
	}
	for (size_t i = 0; i < MAX_CONNECTIONS; i++)
		s->conns[i].fd = -1;
	s->ep = -1;
	s->listen_fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;
	if (s->listen_fd < 0 ||
	    setsockopt(s->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&ss, len) < 0 || listen(s->listen_fd, 16) < 0) {
		snprintf(err, err_size, "%s", strerror(errno));
		metrics_close(s);
		return NULL;
	}
	s->ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
	if (s->ep < 0 || epoll_ctl(s->ep, EPOLL_CTL_ADD, s->listen_fd, &ev) < 0) {
		snprintf(err, err_size, "epoll: %s", strerror(errno));
		metrics_close(s);
		return NULL;
	}
	name_address(s);
	return s;
}

const char *metrics_address(const struct metrics_server *s)
{
	return s->address;
}

int metrics_fd(const struct metrics_server *s)
{
	return s->ep;
}

static void drop(struct metrics_server *s, struct connection *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(s->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->in_len = c->out_len = c->out_done = 0;
}

static void accept_all(struct metrics_server *s)
{
	for (;;) {
		int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN: none left; anything else: the client's trouble */
		struct connection *c = NULL;
		for (size_t i = 0; i < MAX_CONNECTIONS && !c; i++)
			if (s->conns[i].fd < 0)
				c = &s->conns[i];
		struct epoll_event ev = {.events = EPOLLIN};
		if (c)
			ev.data.u32 = (uint32_t)(c - s->conns);
		if (!c || epoll_ctl(s->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd); /* too many at once: the scraper retries */
			continue;
		}
		c->fd = fd;
		c->in_len = 0;
		c->last_ns = now_ns();
	}
}

/* The response to a request whose line is `line`, in c->out */
static void respond(struct connection *c, const char *line,
                    void (*render)(FILE *f, void *arg), void *arg)
{
	char method[16] = "", target[256] = "";
	int status = 200;
	const char *reason = "OK", *type = "text/plain; version=0.0.4; charset=utf-8";
	char *body = NULL;
	size_t body_len = 0;
	FILE *bf = open_memstream(&body, &body_len);
	if (!bf) {
		sonde_out_of_memory("serving metrics");
	}
	if (sscanf(line, "%15s %255s HTTP/1.%*c", method, target) != 2) {
		status = 400, reason = "Bad Request", type = "text/plain; charset=utf-8";
		fputs("a request line is METHOD PATH HTTP/1.x\n", bf);
	} else if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		status = 405, reason = "Method Not Allowed", type = "text/plain; charset=utf-8";
		fputs("only GET and HEAD\n", bf);
	} else {
		char *query = strchr(target, '?');
		if (query)
			*query = '\0';
		if (!strcmp(target, "/metrics")) {
			render(bf, arg);
		} else if (!strcmp(target, "/")) {
			type = "text/plain; charset=utf-8";
			fputs("sonde: the metrics are at /metrics\n", bf);
		} else {
			status = 404, reason = "Not Found", type = "text/plain; charset=utf-8";
			fputs("not found: the metrics are at /metrics\n", bf);
		}
	}
	fclose(bf);
	bool head = !strcmp(method, "HEAD");
	char *out = NULL;
	size_t out_len = 0;
	FILE *of = open_memstream(&out, &out_len);
	if (!of) {
		sonde_out_of_memory("serving metrics");
	}
	fprintf(of,
	        "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n%s"
	        "Connection: close\r\n\r\n",
	        status, reason, type, body_len, status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (!head)
		fwrite(body, 1, body_len, of);
	fclose(of);
	free(body);
	c->out = out;
	c->out_len = out_len;
	c->out_done = 0;
}

static void on_writable(struct metrics_server *s, struct connection *c);

static void on_readable(struct metrics_server *s, struct connection *c,
                        void (*render)(FILE *f, void *arg), void *arg)
{
	for (;;) {
		if (c->in_len == MAX_REQUEST - 1) {
			drop(s, c); /* no request is that long */
			return;
		}
		ssize_t n = read(c->fd, c->in + c->in_len, MAX_REQUEST - 1 - c->in_len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			drop(s, c);
			return;
		}
		if (n < 0)
			break;
		c->in_len += (size_t)n;
	}
	c->in[c->in_len] = '\0';
	c->last_ns = now_ns();
	if (!strstr(c->in, "\r\n\r\n") && !strstr(c->in, "\n\n"))
		return; /* the headers are not all here yet */
	char *eol = strpbrk(c->in, "\r\n");
	if (eol)
		*eol = '\0';
	respond(c, c->in, render, arg);
	struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)(c - s->conns)};
	epoll_ctl(s->ep, EPOLL_CTL_MOD, c->fd, &ev);
	on_writable(s, c); /* most responses fit in the socket's buffer at once */
}

static void on_writable(struct metrics_server *s, struct connection *c)
{
	while (c->out_done < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_done, c->out_len - c->out_done, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			drop(s, c);
			return;
		}
		c->out_done += (size_t)n;
		c->last_ns = now_ns();
	}
	shutdown(c->fd, SHUT_WR);
	drop(s, c);
}

void metrics_serve(struct metrics_server *s, void (*render)(FILE *f, void *arg), void *arg)
{
	struct epoll_event evs[8];
	int n = epoll_wait(s->ep, evs, 8, 0);
	for (int i = 0; i < n; i++) {
		uint32_t id = evs[i].data.u32;
		if (id == UINT32_MAX) {
			accept_all(s);
			continue;
		}
		if (id >= MAX_CONNECTIONS || s->conns[id].fd < 0)
			continue;
		struct connection *c = &s->conns[id];
		if (c->out)
			on_writable(s, c);
		else
			on_readable(s, c, render, arg);
	}
	int64_t now = now_ns();
	for (size_t i = 0; i < MAX_CONNECTIONS; i++)
		if (s->conns[i].fd >= 0 && now - s->conns[i].last_ns > idle_ns)
			drop(s, &s->conns[i]);
}

void metrics_close(struct metrics_server *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < MAX_CONNECTIONS; i++)
		drop(s, &s->conns[i]);
	if (s->ep >= 0)
		close(s->ep);
	if (s->listen_fd >= 0)
		close(s->listen_fd);
	free(s);
}
