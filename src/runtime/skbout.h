/*
 * skbout.h - the runtime side of skboutput(): packets the probes send
 * through the perf event array (manifest.h's AUX_MAP_SKB_OUTPUT), written
 * to raw-IP pcap files, one file per path however many calls name it.
 */
#ifndef SONDE_SKBOUT_H
#define SONDE_SKBOUT_H

#include <stdint.h>

#include "manifest.h"

struct skbout;

/* Creates (truncating) every file the calls name and the perf buffer of
 * map_fd. NULL with a message on stderr when a file or the buffer cannot
 * be had. */
struct skbout *skbout_open(const struct manifest *m, int map_fd);
/* An fd that is readable when packets wait (for epoll). */
int skbout_epoll_fd(const struct skbout *s);
/* Writes the packets that wait, and makes them readable in the files. */
void skbout_drain(struct skbout *s);
/* Writes what waits, closes the files and reports lost packets and write
 * errors on stderr: 0, or -1 when a file could not be written. */
int skbout_close(struct skbout *s);

#endif
