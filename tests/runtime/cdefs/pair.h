/* a header of the script's own, included with "..." */
#define PAIR_SCALE 1000
typedef struct pair_hdr {
	unsigned char a;
	unsigned int b;
} pair_hdr_t;
