/*
 * capture.h - the runtime side of capture: packets the xdp and tc probes
 * send through the perf event array (manifest.h's AUX_MAP_CAPTURE),
 * written to the pcap file -w names.
 */
#ifndef SONDE_CAPTURE_H
#define SONDE_CAPTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "manifest.h"

struct capture;

/* Creates (truncating) `path` and the perf buffer of map_fd. NULL with a
 * message on stderr when either cannot be had. */
struct capture *capture_open(const struct manifest *m, int map_fd, const char *path);
/* An fd that is readable when packets wait (for epoll). */
int capture_epoll_fd(const struct capture *c);
/* --test-run: the packets taken from now on come from the file's packet
 * taken at ts_ns, `cut` bytes of which were not in the file (its
 * original length less its captured length): they are written with that
 * time and length rather than the kernel's. */
void capture_set_source(struct capture *c, uint64_t ts_ns, uint32_t cut);
/* Writes the packets that wait, and makes them readable in the file. */
void capture_drain(struct capture *c);
/* Writes what waits and closes the file: 0, or -1 when it could not be
 * written (said on stderr). Unless quiet, says on stderr how many
 * packets the file holds; and how many were `lost` (the programs'
 * count) when some were. */
int capture_close(struct capture *c, bool quiet, uint64_t lost);

#endif
