/* xdp:IFACE { if (!ratelimit(@rl[pkt.saddr], 1, 5)) { drop; } }: after the
 * first 5 packets every one is over the limit (no swap) */
#define RL_RATE 1
#define RL_BURST 5
#include "xdp_ratelimit.h"
