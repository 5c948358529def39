/* xdp:IFACE { if (!ratelimit(@rl[pkt.saddr], 1000000000, 1000000000)) { drop; } }:
 * every packet passes, each one a compare-and-swap */
#define RL_RATE 1000000000
#define RL_BURST 1000000000
#include "xdp_ratelimit.h"
