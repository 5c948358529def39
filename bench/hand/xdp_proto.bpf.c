/* xdp:IFACE { @len[pkt.proto] = count(); } */
#include "xdp_common.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, __u8);
	__type(value, __u64);
} len SEC(".maps");

SEC("xdp")
int xdp_proto(struct xdp_md *ctx)
{
	void *l4;
	__u8 proto = parse_ip((void *)(long)ctx->data, (void *)(long)ctx->data_end, &l4);
	__u64 *v = bpf_map_lookup_elem(&len, &proto);
	if (v) {
		*v += 1;
	} else {
		__u64 one = 1;
		bpf_map_update_elem(&len, &proto, &one, BPF_NOEXIST);
	}
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
