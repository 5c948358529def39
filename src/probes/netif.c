/*
 * netif.c - interface name checks shared by xdp.c and tc.c (see netif.h).
 */
#include "probes/netif.h"

#include <net/if.h>
#include <string.h>

int netif_check(struct compilation *c, struct loc loc, const char *what, const char *name)
{
	if (!*name) {
		diag_error(c->diag, loc, "%s probes need an interface name, as in %s:eth0", what,
			   what);
		return -1;
	}
	if (strlen(name) < IF_NAMESIZE && if_nametoindex(name))
		return 0;
	diag_error(c->diag, loc, "no network interface is named '%s'", name);
	struct if_nameindex *list = if_nameindex();
	if (!list)
		return -1;
	char buf[1024] = "";
	size_t len = 0;
	const char *cands[256];
	int n = 0;
	for (struct if_nameindex *i = list; i->if_index && n < 256; i++) {
		cands[n++] = i->if_name;
		int w = snprintf(buf + len, sizeof(buf) - len, "%s%s", len ? ", " : "", i->if_name);
		if (w > 0 && (size_t)w < sizeof(buf) - len)
			len += (size_t)w;
	}
	const char *near = diag_closest(name, cands, n);
	if (near)
		diag_note(c->diag, (struct loc){0}, "did you mean '%s'?", near);
	diag_note(c->diag, (struct loc){0}, "the interfaces here are: %s", len ? buf : "(none)");
	if_freenameindex(list);
	return -1;
}
