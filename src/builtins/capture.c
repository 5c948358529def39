/*
 * capture.c - capture; and capture(N): the packet of an xdp or tc probe,
 * or its first N bytes, copied to sonde, which writes it to the pcap file
 * -w names (src/runtime/capture.c; the backend's half is
 * src/backend/builtins/capture.c).
 */
#include "builtins/check.h"
#include "probes/provider.h"
#include "sema/sema_internal.h"

struct type *check_capture(struct sema *s, struct node *n)
{
	for (size_t i = 0; i < s->naps; i++) {
		if (s->aps[i].prov->ctx & CTX_HAS_PKT)
			continue;
		diag_error(s->d, n->loc,
		           "'capture' copies the packet of an xdp or tc probe; it is not available "
		           "in %s probes",
		           s->aps[i].prov->name);
		return NULL;
	}
	/* a for loop's body is a callback, which has no packet to copy */
	if (s->for_depth) {
		diag_error(s->d, n->loc, "'capture' cannot be used inside a 'for' loop: its body "
		           "runs apart from the packet");
		return NULL;
	}
	uint32_t bytes = CAPTURE_MAX_BYTES;
	struct node *len = n->u.call.args;
	if (len) {
		bool lit = true;
		int64_t v = const_int(s, len, "capture()'s length", &lit);
		if (!lit)
			return NULL;
		if (v < 1 || v > CAPTURE_MAX_BYTES) {
			diag_error(s->d, len->loc,
			           "capture(N) takes the first N bytes of the packet: 1 to %d, got "
			           "%lld (capture; takes it whole)",
			           CAPTURE_MAX_BYTES, (long long)v);
			return NULL;
		}
		bytes = (uint32_t)v;
	}
	n->u.call.value = bytes;
	if (!s->c->capture_line || n->loc.first_line < s->c->capture_line)
		s->c->capture_line = n->loc.first_line;
	if (bytes > s->c->capture_snaplen)
		s->c->capture_snaplen = bytes;
	return &type_void;
}
